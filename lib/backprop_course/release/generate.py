"""`release`: nbgrader generate_assignment, placeholders filled from course.toml, leak check.

`release_assignment(course_root, assignment, release_root=None)` is the entry point other code
(the notebook tests' freshness check, the demo) calls. With a `release_root` outside the course,
it uses a throwaway gradebook so that the course's gradebook.db is not touched.
"""
from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook
from nbgrader.converters import GenerateAssignment
from nbgrader.utils import capture_log

from ..course.deadlines import DeadlineError, release_deadline, utc_naive
from ..course.folder import SETTINGS_FILE, Course, CourseError
from ..course.nbgrader_setup import coursedir_for
from .leaks import fill_placeholders, find_leaks


class ReleaseError(CourseError):
    """generate_assignment failed, or the released notebooks leak something."""


def _generate(course: Course, assignment: str, release_dir: Path, db_url: str) -> None:
    coursedir = coursedir_for(course, assignment_id=assignment, release_directory=str(release_dir.parent),
                              db_url=db_url)
    app = GenerateAssignment(coursedir=coursedir, config=course.nbgrader_config)
    app.force = True
    app.create_assignment = True
    result = capture_log(app)
    if not result["success"]:
        raise ReleaseError(f"nbgrader generate_assignment {assignment} failed:\n"
                           f"{result.get('log', '')}\n{result.get('error', '')}")


def _record_duedate(db_url: str, course: Course, assignment: str, due: datetime) -> None:
    """The deadline as nbgrader's assignment `duedate` (naive UTC), which formgrader and its late-penalty hook read."""
    with Gradebook(db_url, course.course_id) as gb:
        gb.update_or_create_assignment(assignment, duedate=utc_naive(due))


def release_assignment(course_root: Path | str, assignment: str,
                       release_root: Path | str | None = None, now: datetime | None = None) -> list[Path]:
    """Generate the student version of `assignment` and return its notebooks' paths.

    Writes `<release_root>/<assignment>/*.ipynb` (default release_root: `<course_root>/release`),
    fills `{{name}}` placeholders in markdown from course.toml, then raises ReleaseError if any
    released notebook contains a solution or hidden-test line, an nbgrader marker, an output, or
    an unfilled placeholder. Refused before anything is written when the assignment's deadline is missing
    or not after `now` (default: the current time).
    """
    course = Course.at(course_root)
    course.require_assignment(assignment)
    try:
        due = release_deadline(course.settings, assignment, now)
    except DeadlineError as err:
        raise ReleaseError(f"cannot release {assignment}: {course.root / SETTINGS_FILE}: {err}") from None
    release_root = Path(release_root).resolve() if release_root else course.folder("release")
    release_dir = release_root / assignment
    with tempfile.TemporaryDirectory(prefix="release-gradebook-") as scratch:
        private = release_root != course.folder("release")
        db_url = f"sqlite:///{Path(scratch) / 'gradebook.db'}" if private else course.db_url
        _generate(course, assignment, release_dir, db_url)
        _record_duedate(db_url, course, assignment, due)

    problems, written = [], []
    values = course.placeholders(assignment)
    for name in course.notebook_names(assignment):
        released_path = release_dir / f"{name}.ipynb"
        if not released_path.is_file():
            raise ReleaseError(f"generate_assignment produced no {released_path}")
        released = nbformat.read(released_path, as_version=4)
        if fill_placeholders(released, values):
            nbformat.write(released, released_path)
        source = nbformat.read(course.folder("source") / assignment / f"{name}.ipynb", as_version=4)
        problems += [f"{released_path.name}: {p}" for p in find_leaks(source, released)]
        written.append(released_path)
    if problems:
        raise ReleaseError(f"release of {assignment} leaks:\n  " + "\n  ".join(problems))
    return written
