"""Written answers graded by hand: the scores and comments TAs enter in formgrader, read back through nbgrader's
gradebook API for the feedback pages and the grades CSV.

A written answer is a cell nbgrader grades by hand (a solution cell that also has points: the report's data
description, method and discussion). Its score is formgrader's manual score; an answer left as released gets
nbgrader's automatic 0. `graded` is False while formgrader still waits for it (`needs_manual_grade`).
"""
from __future__ import annotations

from dataclasses import dataclass

from nbgrader.api import Gradebook, MissingEntry

from ..course.folder import Course
from ..course.status import NotebookStatus


@dataclass(frozen=True)
class WrittenGrade:
    grade_id: str
    score: float | None  # None while not graded
    max_score: float
    comment: str  # the TA's comment (formgrader's manual comment), "" when none

    @property
    def graded(self) -> bool:
        return self.score is not None


def written_grades(gb: Gradebook, status: NotebookStatus) -> list[WrittenGrade]:
    """The notebook's written answers by grade id ([] when the gradebook has no such submission)."""
    try:
        notebook = gb.find_submission_notebook(status.notebook, status.assignment, status.student)
    except MissingEntry:
        return []
    comments = {c.name: (c.manual_comment or c.auto_comment or "") for c in notebook.comments}
    solutions = {cell.name for cell in notebook.notebook.solution_cells}  # a graded cell that is also an answer
    return [WrittenGrade(grade.name, None if grade.needs_manual_grade else float(grade.score),
                         float(grade.max_score), comments.get(grade.name, ""))
            for grade in sorted(notebook.grades, key=lambda g: g.name) if grade.name in solutions]


def written_grades_of(course: Course, status: NotebookStatus) -> list[WrittenGrade]:
    with Gradebook(course.db_url, course.course_id) as gb:
        return written_grades(gb, status)
