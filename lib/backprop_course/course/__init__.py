"""The base every step stands on: the course folder and its settings, nbgrader's set-up, statuses, problems.
Takes: a course root (nbgrader_config.py, course.toml, nbgrader's folders). Gives: Course, CourseError,
NotebookStatus (saved per assignment), typed Problems, LMS file names, prepare_nbgrader() for start-up."""
from .folder import CONFIG_FILE, SETTINGS_FILE, Course, CourseError, find_course_root, mathjax_url_from

__all__ = ["CONFIG_FILE", "SETTINGS_FILE", "Course", "CourseError", "find_course_root", "mathjax_url_from"]
