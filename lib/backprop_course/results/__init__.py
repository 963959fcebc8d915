"""Results: what graded work turns into for students and instructors.
Takes: saved statuses (grading_status/) and autograded/ notebooks. Gives: Japanese feedback pages
(feedback/), the grades CSV and the class report (grades/)."""
