"""Student side: `check` (exit status, Japanese report) and `export-html` (embedded plot, Japanese, math)."""
import io
import re

import nbformat
import pytest

from backprop_course.simulation import edits as sim
from backprop_course.student.check import check_notebook
from backprop_course.cli import main
from backprop_course.notebooks.running import run_cells
from backprop_course.student.export_html import export_html
from backprop_course.student.notebook import StudentError
from backprop_course.simulation.toy_course import build_toy_course


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return build_toy_course(tmp_path_factory.mktemp("student"))


@pytest.fixture(scope="module")
def solved_and_run(course):
    """The reference answer of toy.ipynb, executed (outputs saved), in a student's folder."""
    source = nbformat.read(course / "source" / "toy" / "toy.ipynb", as_version=4)
    nb = sim.model_solution(source, source)
    run_cells(nb, str(course), timeout=60)
    path = course / "work" / "toy.ipynb"
    path.parent.mkdir(exist_ok=True)
    nbformat.write(nb, path)
    return path


def _check(path):
    out = io.StringIO()
    return check_notebook(path, timeout=60, out=out), out.getvalue()


def test_check_passes_a_correct_notebook(solved_and_run):
    status, report = _check(solved_and_run)
    assert status == 0 and "すべての公開テストに合格しました" in report


def test_check_fails_and_explains_in_japanese(course, tmp_path):
    source = nbformat.read(course / "source" / "toy" / "toy.ipynb", as_version=4)
    wrong = sim.with_source(sim.model_solution(source, source), "sigmoid_grad",
                            "def sigmoid_grad(h):\n    return h * (1 + h)")
    path = course / "work" / "wrong.ipynb"
    path.parent.mkdir(exist_ok=True)
    nbformat.write(wrong, path)
    status, report = _check(path)
    assert status == 1
    assert "[不合格] test_sigmoid_grad" in report and "h=0.5 のとき 0.25 のはずです" in report
    assert "[合格  ] test_sigmoid_zero" in report


def test_check_rejects_a_broken_file_with_a_clear_message(course, capsys):
    path = course / "work" / "broken.ipynb"
    path.parent.mkdir(exist_ok=True)
    path.write_text('{"cells": [', encoding="utf-8")
    assert main(["check", str(path)]) == 2
    out = capsys.readouterr().out
    assert "JSON として読めません" in out and "1 行目の 12 文字目" in out
    assert "Expecting" not in out, "the JSON decoder's English message reaches the student"


def test_export_html_embeds_the_plot_and_keeps_japanese(solved_and_run, tmp_path):
    page_path = export_html(solved_and_run, tmp_path, student_id="s1234567")
    assert page_path.name == "s1234567_toy.html"
    page = page_path.read_text(encoding="utf-8")
    assert re.search(r'src="data:image/png;base64,[A-Za-z0-9+/]{100}', page)
    assert "シグモイド関数" in page and "s1234567" in page and '<html lang="ja">' in page
    assert "MathJax.js" in page and "\\sigma(g)" in page


def test_export_html_refuses_what_is_not_an_assignment(course, tmp_path):
    bad_json = tmp_path / "s1_toy.ipynb"
    bad_json.write_text("not json", encoding="utf-8")
    with pytest.raises(StudentError, match="JSON"):
        export_html(bad_json, tmp_path)
    stranger = course / "work" / "memo.ipynb"
    stranger.parent.mkdir(exist_ok=True)
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")]), stranger)
    with pytest.raises(StudentError, match="課題のノートブックではありません"):
        export_html(stranger, tmp_path)
    with pytest.raises(StudentError, match="学籍番号"):
        export_html(stranger, tmp_path, student_id="../etc")


def test_check_does_not_claim_a_pass_for_emptied_hidden_tests(course):
    """In a released notebook a test cell whose tests were all hidden is empty: it is shown as run at grading
    time, and the totals count only the tests that ran."""
    source = nbformat.read(course / "source" / "toy" / "toy.ipynb", as_version=4)
    nb = sim.model_solution(source, source)
    emptied = nbformat.v4.new_code_cell("# 隠しテスト (採点時に実行されます)", metadata={"nbgrader": {
        "grade": True, "solution": False, "locked": True, "points": 3, "grade_id": "test_toy_hidden_only",
        "schema_version": 3}})
    nb.cells.append(emptied)
    path = course / "work" / "released_toy.ipynb"
    path.parent.mkdir(exist_ok=True)
    nbformat.write(nb, path)
    status, report = _check(path)
    assert status == 0, report
    assert "[隠しテスト (採点時に実行)] test_toy_hidden_only (- / 3 点)" in report
    assert "test_toy_hidden_only (3/3" not in report
    visible = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade") and c is not emptied]
    total = sum(c.metadata["nbgrader"]["points"] for c in visible)
    assert f"{len(visible)} 個中 {len(visible)} 個に合格 ({total:g} / {total:g} 点)" in report
    assert "隠しテスト 1 個 (3 点)" in report


def test_an_error_line_is_in_one_language(course, capsys, monkeypatch):
    """A course error is printed in the language of its message: 'error:' before the instructor's English,
    'エラー:' before the student's Japanese (never 「エラー: assignment ... is not in the gradebook」)."""
    monkeypatch.chdir(course)
    assert main(["autograde", "no_such_assignment"]) == 2
    instructor = capsys.readouterr().err
    assert instructor.startswith("error: ") and not re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", instructor), instructor
    assert main(["export-html", str(course / "work" / "missing.ipynb")]) == 2
    student = capsys.readouterr().err
    assert student.startswith("エラー: ") and "missing.ipynb" in student, student
