"""Student-side helpers with the course near: the kit's notebook reading (errors as CourseError), and
recognising which assignment notebook a file is."""
from __future__ import annotations

from pathlib import Path

import nbformat
from backprop_kit.student import notebook as kit
from nbformat import NotebookNode

from ..course.folder import Course, CourseError, find_course_root
from ..notebooks.cells import grade_id, nbgrader_meta


class StudentError(CourseError, kit.StudentError):
    """A problem with a student's notebook, explained in Japanese."""


def read_student_notebook(path: Path) -> NotebookNode:
    """The notebook at `path`, or StudentError saying in Japanese what is wrong with the file."""
    try:
        return kit.read_student_notebook(path)
    except kit.StudentError as err:
        raise StudentError(str(err)) from None


def _grade_ids(nb: NotebookNode) -> set[str]:
    return {grade_id(c) for c in nb.cells if nbgrader_meta(c).get("grade_id")}


def _course_near(path: Path) -> Course | None:
    for start in (path.parent, Path.cwd()):
        try:
            return Course.at(find_course_root(start))
        except CourseError:
            continue
    return None


def identify(nb: NotebookNode, path: Path) -> tuple[str | None, str]:
    """(assignment, notebook name) of a student's notebook; StudentError when it is no known assignment.

    With a course folder nearby, the notebook's nbgrader cell ids are compared with the released (or
    source) notebooks; without one, any nbgrader notebook is accepted and named after its file.
    """
    try:
        own_name = kit.notebook_name(nb, path)
    except kit.StudentError as err:
        raise StudentError(str(err)) from None
    course = _course_near(path)
    if course is None:
        return None, own_name
    ids = _grade_ids(nb)
    best, overlap = None, 0
    for assignment in course.assignments():
        for name in course.notebook_names(assignment):
            for folder in ("release", "source"):
                candidate = course.folder(folder) / assignment / f"{name}.ipynb"
                if candidate.is_file():
                    shared = len(ids & _grade_ids(nbformat.read(candidate, as_version=4)))
                    if shared > overlap:
                        best, overlap = (assignment, name), shared
                    break
    if best is None:
        raise StudentError(f"{path.name} はこの講義 ({', '.join(course.assignments())}) の課題ノートブックではありません。")
    return best
