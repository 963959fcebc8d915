"""The finish stage, in the main process (the only writer of the gradebook): an executed notebook's
events become problems; when the grader judged the notebook, each test cell's outputs are replaced by the
grader's verdict (a pass line, or an error carrying the Japanese message), so what the kernel printed,
raised or displayed decides nothing; otherwise stderr in test cells is relabelled (a warning never zeroes
a test). nbgrader's SaveAutoGrades then records the scores, and the status gets its tests and score.
"""
from __future__ import annotations

from pathlib import Path

import nbformat
from nbgrader.api import Gradebook
from nbgrader.preprocessors import SaveAutoGrades

from ..course.files import write_atomic
from ..course.folder import Course
from ..course.problems import Problem
from ..course.status import NotebookStatus
from ..notebooks.cells import describe_cell, grade_id, is_test_cell
from ..notebooks.outcomes import relabel_test_stderr, test_outcomes
from ..notebooks.running import error_output
from .execute import ExecutionResult
from .late import record_lateness
from .prepare import Submission, _resources


def flag_for_manual_grading(course: Course, status: NotebookStatus) -> None:
    """No automatic score for a notebook we could not grade: formgrader shows it as needing review."""
    with Gradebook(course.db_url, course.course_id) as gb:
        notebook = gb.find_submission_notebook(status.notebook, status.assignment, status.student)
        for grade in notebook.grades:
            grade.auto_score = None
            grade.needs_manual_grade = True
        gb.db.commit()


def record_not_submitted(course: Course, status: NotebookStatus) -> None:
    """A notebook the student did not hand in scores 0 and waits for nobody: nbgrader's own rows for it would
    otherwise say 'needs manual grade' (no automatic score yet) and formgrader would list it."""
    with Gradebook(course.db_url, course.course_id) as gb:
        notebook = gb.find_submission_notebook(status.notebook, status.assignment, status.student)
        for grade in notebook.grades:
            grade.auto_score = 0.0
            grade.needs_manual_grade = False
        gb.db.commit()


PASSED_TEXT = "合格\n"
FAILED_ERROR = "AssertionError"
NOT_JUDGED = "このテストの判定がありません(答えが記録されていません)。"


def apply_verdicts(nb: nbformat.NotebookNode, verdicts: dict) -> list[Problem]:
    """Replace every test cell's outputs by the grader's verdict; return the problems the verdicts name."""
    problems = []
    for cell in nb.cells:
        if not is_test_cell(cell):
            continue
        verdict = verdicts.get(grade_id(cell)) or {"passed": False, "message": NOT_JUDGED, "problem": "not judged"}
        if verdict["passed"]:
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=PASSED_TEXT)]
        else:
            cell.outputs = [error_output(FAILED_ERROR, verdict["message"] or NOT_JUDGED)]
        if verdict.get("problem") and verdict["problem"] != "no answer record":
            problems.append(f"{grade_id(cell)}: {verdict['problem']}")
    return [Problem("answer_record", "; ".join(problems))] if problems else []


def write_verdict_scores(course: Course, status: NotebookStatus, nb: nbformat.NotebookNode, verdicts: dict) -> None:
    """The grader's own scores for the test cells, written through nbgrader's gradebook API (full points for a
    passed verdict, 0 for a failed or missing one), whatever nbgrader's reading of the cell outputs gave."""
    passed = {grade_id(cell): bool(verdicts.get(grade_id(cell), {}).get("passed"))
              for cell in nb.cells if is_test_cell(cell)}
    with Gradebook(course.db_url, course.course_id) as gb:
        for name, ok in passed.items():
            grade = gb.find_grade(name, status.notebook, status.assignment, status.student)
            grade.auto_score = grade.max_score if ok else 0.0
            grade.needs_manual_grade = False
        gb.db.commit()


def finish(course: Course, submission: Submission, result: ExecutionResult) -> NotebookStatus:
    """Record the executed notebook's scores in the gradebook and complete its status."""
    status = submission.status
    status.execute_seconds, status.cells_seconds = result.seconds, result.cells_seconds
    if result.crashed:
        status.add(Problem("grading_crashed", result.crashed))
        return status
    nb = nbformat.read(result.output_path, as_version=4)
    for cell_index, kind, message in result.events:
        cell = describe_cell(nb, cell_index)
        status.add(Problem(kind, cell if kind in ("timeout", "not_run") else f"{cell}: {message}"))
    if result.verdicts is not None:
        for problem in apply_verdicts(nb, result.verdicts):
            status.add(problem)
    else:
        relabelled = relabel_test_stderr(nb)
        if relabelled:
            status.notes.append(f"{relabelled} stderr output(s) in test cells ignored (warnings do not fail a test)")
    SaveAutoGrades(config=course.nbgrader_config).preprocess(nb, _resources(course, status))
    if result.verdicts is not None:
        write_verdict_scores(course, status, nb, result.verdicts)
    record_lateness(course, status)  # extension and late penalty, where formgrader reads them
    write_atomic(Path(result.output_path), nbformat.writes(nb))  # a killed run leaves no half-written notebook
    status.tests = test_outcomes(nb)
    status.score = sum(t.points for t in status.tests)
    status.max_score = sum(t.max_points for t in status.tests)
    return status
