"""`grades`: one CSV row per (student, assignment).

Scores come from the gradebook (so manual grades entered in formgrader count, and
`needs_manual_grading` lists the notebooks formgrader still waits for); the state comes from the
saved grading statuses. A notebook that could not be graded has an EMPTY score and its state in
the `status` column; the total is then empty too (with the sum of what could be graded beside it, empty
when nothing could), so a failed grading can never be mistaken for a zero. A notebook the student did not
hand in (not_submitted) has an empty score too but counts 0 in the total, and is never listed as waiting
for manual grading. Late work: `raw_total` is the score before the penalty, then when it was handed in
(`submitted_at`, `time_source`), the student's `deadline`, `late_by`, `late_policy` and `late_penalty`; `total`
is the final score (raw_total - late_penalty). `unconfined` says "yes" when a notebook of the row was graded without the sandbox.
`total_final` is "yes" only when every written answer is graded in formgrader (its score and the TA's comment
reach the feedback); `manual_open` names those still open (`<notebook>:<grade id>`).
"""
from __future__ import annotations

import csv
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry

from ..course.folder import Course
from .written import written_grades
from .late import LATE_COLUMNS, late_columns, submission_lateness
from ..course.status import (GRADED, GRADED_WITH_PROBLEMS, NO_SCORE_STATES, NOT_GRADABLE, NOT_SUBMITTED,
                             NotebookStatus, load_statuses)

STATE_ORDER = [GRADED, NOT_SUBMITTED, GRADED_WITH_PROBLEMS, NOT_GRADABLE]


def worst_state(states: list[str]) -> str:
    return max(states, key=STATE_ORDER.index) if states else GRADED


def _gradebook_score(gb: Gradebook, status: NotebookStatus) -> tuple[float | None, float, bool]:
    """(score, max score, whether cells await manual grading, e.g. written answers in formgrader)."""
    try:
        notebook = gb.find_submission_notebook(status.notebook, status.assignment, status.student)
    except MissingEntry:
        return status.score, status.max_score, False
    return float(notebook.score), float(notebook.max_score), bool(notebook.needs_manual_grade)


def grade_rows(course: Course, assignment: str | None = None) -> tuple[list[str], list[dict]]:
    """(column names, rows) for the CSV; one row per student and assignment that was autograded."""
    rows, notebook_columns = [], []
    with Gradebook(course.db_url, course.course_id) as gb:
        for name in course.pick_assignments(assignment):
            by_student: dict[str, list[NotebookStatus]] = {}
            for status in load_statuses(course, name).values():
                by_student.setdefault(status.student, []).append(status)
            for student in sorted(by_student):
                row = {"student": student, "assignment": name}
                partial, maximum, problems, manual, graded_any = 0.0, 0.0, [], [], False
                open_cells = []  # written answers formgrader still waits for
                for status in sorted(by_student[student], key=lambda s: s.notebook):
                    column = f"{status.notebook}"
                    if column not in notebook_columns:
                        notebook_columns.append(column)
                    score, max_score, needs_manual = _gradebook_score(gb, status)
                    maximum += max_score
                    if needs_manual and status.state != NOT_SUBMITTED:
                        manual.append(status.notebook)
                    if status.state not in NO_SCORE_STATES:
                        open_cells += [f"{status.notebook}:{g.grade_id}" for g in written_grades(gb, status)
                                       if not g.graded]
                    if status.state in NO_SCORE_STATES:  # a notebook not handed in earns nothing: total counts 0
                        row[column] = ""
                    else:
                        row[column] = f"{score:g}"
                        partial += score
                        graded_any = True
                    problems += [f"{status.notebook}: {p.text}" for p in status.problems]
                state = worst_state([s.state for s in by_student[student]])
                late = submission_lateness(course, name, student)  # graded first, then the penalty, shown
                row.update(late_columns(course, late, None if state == NOT_GRADABLE else partial))
                partial -= late.penalty(partial)
                row.update(total="" if state == NOT_GRADABLE else f"{partial:g}", graded_sum=f"{partial:g}" if graded_any else "",
                           max_score=f"{maximum:g}", status=state, needs_manual_grading=" ".join(manual),
                           unconfined="yes" if any(s.unconfined for s in by_student[student]) else "",
                           total_final="yes" if state != NOT_GRADABLE and not open_cells else "no",
                           manual_open=" ".join(open_cells),
                           problems=" | ".join(problems))
                rows.append(row)
    columns = ["student", "assignment", *notebook_columns, *LATE_COLUMNS, "total", "graded_sum", "max_score", "status",
               "total_final", "manual_open", "needs_manual_grading", "unconfined", "problems"]
    return columns, rows


def default_csv_path(course: Course, assignment: str | None) -> Path:
    return course.folder("grades") / (f"grades_{assignment}.csv" if assignment else "grades.csv")


def write_grades_csv(course: Course, assignment: str | None = None, path: Path | None = None) -> Path:
    """Write the grades CSV (UTF-8 with BOM so that Excel shows Japanese correctly) and return its path."""
    columns, rows = grade_rows(course, assignment)
    path = path or default_csv_path(course, assignment)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8-sig") as f:
        writer = csv.DictWriter(f, fieldnames=columns, restval="")
        writer.writeheader()
        writer.writerows(rows)
    return path
