"""Lateness in the gradebook, as nbgrader keeps it: the assignment's duedate (course.toml's, again), the student's extension on the submission (so nbgrader's
`total_seconds_late`, which formgrader shows, counts from the student's own deadline) and the late penalty on
each notebook (`late_submission_penalty`, what nbgrader's late-submission hook would write). The penalty is
course.toml's policy (course/deadlines.py) applied to the notebook's raw score; results recompute it the same way.
"""
from __future__ import annotations

from nbgrader.api import Gradebook

from ..course.deadlines import assignment_deadline, lateness, utc_naive
from ..course.folder import Course
from ..course.status import NotebookStatus


def record_lateness(course: Course, status: NotebookStatus) -> float:
    """Write the extension and this notebook's late penalty into the gradebook; returns the penalty."""
    late = lateness(course.settings, status.assignment, status.student,
                    course.folder("submitted") / status.student / status.assignment)
    with Gradebook(course.db_url, course.course_id) as gb:
        submission = gb.find_submission(status.assignment, status.student)
        due = assignment_deadline(course.settings, status.assignment)  # course.toml may have changed since release
        submission.assignment.duedate = utc_naive(due) if due else None
        submission.extension = late.extension
        notebook = gb.find_submission_notebook(status.notebook, status.assignment, status.student)
        notebook.late_submission_penalty = late.penalty(float(notebook.score)) or None
        gb.db.commit()
        return notebook.late_submission_penalty or 0.0
