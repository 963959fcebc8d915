"""`feedback`: per-student, per-notebook HTML in Japanese: feedback/<student>/<assignment>/<notebook>.html.

Each page starts with a table of the tests (name, 合格/不合格, points, a hint and the short reason),
then shows the student's graded notebook with every hidden-test region removed and every test
output reduced to the grader's verdict ("ExceptionType: message"). The other cells show the outputs of
the notebook the student handed in (their own run), never those of the grading run, whose code could
see a test's inputs. Only the saved statuses, autograded/ and submitted/ notebooks are read.
"""
from __future__ import annotations

import html
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from nbgrader.api import Gradebook

from ..notebooks.cells import (HIDDEN_TESTS, grade_id, has_region, is_answer_cell, is_test_cell, nbgrader_meta,
                               without_region)
from ..course.folder import Course
from .late import late_html_ja, submission_lateness
from ..notebooks.running import error_output
from ..notebooks.htmlpage import html_cell, notebook_to_html, table
from ..notebooks.hints import hint_for
from ..notebooks.outcomes import last_error
from ..course.status import LABELS_JA, NO_SCORE_STATES, NotebookStatus, load_statuses
from .written import WrittenGrade, written_grades, written_grades_of

def problems_ja(status: NotebookStatus) -> list[str]:
    """What the student reads about each problem (the Japanese text of its kind, course/problems.py)."""
    return [p.japanese for p in status.problems]


def submitted_outputs(course: Course, status: NotebookStatus) -> dict:
    """{cell id: outputs} of the notebook as the student handed it in (their own run at home), or {}."""
    path = course.folder("submitted") / status.student / status.assignment / f"{status.notebook}.ipynb"
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception:       # missing or unreadable: the page shows code and verdicts only
        return {}
    return {cell.get("id"): cell.get("outputs", []) for cell in nb.cells if cell.cell_type == "code" and cell.get("id")}


def scrub_tests(nb: NotebookNode, own_outputs: dict | None = None) -> NotebookNode:
    """The page's notebook: hidden-test source removed; test outputs reduced to the verdict's error type and
    message; every other code cell shows the outputs the student's own submitted notebook had for it
    (own_outputs, by cell id), never the grading run's: code running then could see a test's inputs."""
    own_outputs = own_outputs or {}
    for cell in nb.cells:
        if cell.cell_type == "code" and not is_test_cell(cell):
            cell.outputs = own_outputs.get(cell.get("id"), [])
            continue
        if not is_test_cell(cell):
            continue
        hidden = has_region(cell.source, HIDDEN_TESTS)
        error = last_error(cell)
        if hidden:
            cell.source = without_region(cell.source, HIDDEN_TESTS) + "\n# (非公開テストはここでは表示されません)"
            kept = []
        else:
            kept = [o for o in cell.outputs if o.output_type == "stream"]
        cell.outputs = kept + ([error_output(*error)] if error else [])
    return nb


def written_score(grade: WrittenGrade) -> str:
    return f"{grade.score:g} / {grade.max_score:g}" if grade.graded else f"採点中 / {grade.max_score:g}"


def written_html(written: list[WrittenGrade]) -> str:
    """The written answers' table: score (or 採点中) and the TA's comment."""
    if not written:
        return ""
    rows = [[g.grade_id, written_score(g), g.comment] for g in written]
    open_note = ("<p>まだ採点されていない記述式の解答があります。採点が終わると得点とコメントがここに表示されます。</p>"
                 if any(not g.graded for g in written) else "")
    return "<h2>記述式の解答 (教員・TA による採点)</h2>" + table(["解答", "得点", "コメント"], rows) + open_note


def written_cell_html(grade: WrittenGrade) -> str:
    """Shown right under the student's written answer."""
    comment = f"<br>コメント: {html.escape(grade.comment)}" if grade.comment else ""
    return (f"<div style='border-left:4px solid #36c;padding:0.3em 0.8em;background:#f3f6fc'>"
            f"<b>この解答の得点: {html.escape(written_score(grade))}</b>{comment}</div>")


def with_written_grades(nb: NotebookNode, written: list[WrittenGrade]) -> NotebookNode:
    """Each written answer followed by its score and the TA's comment."""
    by_id = {g.grade_id: g for g in written}
    cells = []
    for cell in nb.cells:
        cells.append(cell)
        if is_answer_cell(cell) and nbgrader_meta(cell).get("grade") and grade_id(cell) in by_id:
            cells.append(html_cell(written_cell_html(by_id[grade_id(cell)])))
    nb.cells = cells
    return nb


def summary_html(status: NotebookStatus, course_title: str) -> str:
    score = "-" if status.score is None else f"{status.score:g} / {status.max_score:g}"
    rows = [[t.grade_id + (" (非公開テストを含む)" if t.hidden else ""), "合格" if t.passed else "不合格",
             f"{t.points:g} / {t.max_points:g}",
             "" if t.passed else " ".join(filter(None, [hint_for(t.ename, t.evalue), f"({t.reason})"]))]
            for t in status.tests]
    notes = "".join(f"<li>{html.escape(p)}</li>" for p in problems_ja(status))
    return (f"<h1>{html.escape(course_title)}: 採点結果</h1>"
            f"<p>学籍番号: {html.escape(status.student)} / 課題: {html.escape(status.assignment)} / "
            f"ノートブック: {html.escape(status.notebook)}</p>"
            f"<p>状態: <b>{LABELS_JA[status.state]}</b> &nbsp; 自動採点の得点: <b>{score}</b></p>"
            + (f"<ul>{notes}</ul>" if notes else "")
            + (table(["テスト", "結果", "得点", "ヒント (エラーの種類: メッセージ)"], rows) if rows else ""))


def feedback_page(course: Course, status: NotebookStatus, gb: Gradebook | None = None) -> str:
    title = course.settings.get("course", {}).get("title", status.assignment)
    summary = summary_html(status, title) + late_html_ja(  # a late hand-in: raw score, lateness, penalty, final
        course, submission_lateness(course, status.assignment, status.student), status.score, status.max_score)
    graded_path = course.folder("autograded") / status.student / status.assignment / f"{status.notebook}.ipynb"
    if status.state in NO_SCORE_STATES or not graded_path.is_file():
        nb = nbformat.v4.new_notebook(cells=[html_cell(summary)])
    else:  # written answers: the TA's scores and comments from the gradebook (formgrader), under each answer too
        written = written_grades(gb, status) if gb is not None else written_grades_of(course, status)
        nb = scrub_tests(nbformat.read(graded_path, as_version=4), submitted_outputs(course, status))
        nb.cells.insert(0, html_cell(summary + written_html(written)))
        nb = with_written_grades(nb, written)
    return notebook_to_html(nb, course.mathjax_url, f"{status.student} {status.notebook} 採点結果")


def write_feedback(course: Course, assignment: str | None = None) -> list[Path]:
    """Write one feedback page per graded (student, notebook); returns their paths."""
    written = []
    with Gradebook(course.db_url, course.course_id) as gb:  # one connection for every page's written answers
        for name in course.pick_assignments(assignment):
            for status in load_statuses(course, name).values():
                path = course.folder("feedback") / status.student / name / f"{status.notebook}.html"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(feedback_page(course, status, gb), encoding="utf-8")
                written.append(path)
    return sorted(written)
