"""The judgements the JupyterLab smoke test makes on a run, checked on hand-made cell descriptions.

These run without a browser: they make sure a broken release or a badly rendered notebook is
really reported, not waved through.
"""
import nbformat

from . import lab_session, notebooks

ANSWER = {"solution": True, "grade": False, "locked": False, "grade_id": "forward-answer"}
TEST = {"solution": False, "grade": True, "locked": True, "grade_id": "forward-test", "points": 1}


def cell(index, count, nbgrader=None, kind="code", **extra):
    described = {
        "index": index, "type": kind, "nbgrader": nbgrader or {}, "executionCount": count,
        "source": "", "errors": [], "stderr": "", "images": [], "rendered": True,
        "rawDollars": [], "mathTypeset": 0, "mathErrors": 0,
    }
    described.update(extra)
    return described


def error(ename, evalue="", frames=()):
    """An error output whose traceback passes through the cells numbered in frames (IPython's style)."""
    traceback = "\n".join(f"\x1b[36mCell\x1b[39m \x1b[32mIn[{n}]\x1b[39m, line 2" for n in frames)
    return {"ename": ename, "evalue": evalue, "traceback": traceback}


RUN = [cell(0, 1), cell(1, 2, ANSWER), cell(2, 3, TEST)]


def test_stub_raised_in_an_answer_cell_is_expected():
    assert lab_session.innermost_cell(error("NotImplementedError", frames=(3, 2))["traceback"], RUN) == 1
    assert lab_session.is_unanswered_stub(error("NotImplementedError", frames=(3, 2)), RUN, set())


def test_not_implemented_raised_outside_answer_cells_is_reported():
    assert not lab_session.is_unanswered_stub(error("NotImplementedError", frames=(3,)), RUN, set())
    assert not lab_session.is_unanswered_stub(error("NotImplementedError", frames=()), RUN, set())


def test_missing_name_is_expected_only_when_a_solution_defines_it():
    missing = error("NameError", "name 'W_mid_hand' is not defined", frames=(3,))
    assert lab_session.is_unanswered_stub(missing, RUN, {"W_mid_hand"})
    assert not lab_session.is_unanswered_stub(missing, RUN, {"forward"})


def test_course_check_report_of_a_stub_is_expected_for_solution_functions_only():
    reported = error("AssertionError", "gradient はまだ実装されていません（NotImplementedError）。")
    assert lab_session.is_unanswered_stub(reported, RUN, {"gradient"})
    assert not lab_session.is_unanswered_stub(reported, RUN, {"forward"})
    assert not lab_session.is_unanswered_stub(error("AssertionError", "形が違います"), RUN, {"gradient"})
    assert not lab_session.is_unanswered_stub(error("TypeError", "gradient"), RUN, {"gradient"})


def test_rendering_problems_name_each_fault():
    faults = [
        cell(0, None, kind="markdown", rendered=False),
        cell(1, None, kind="markdown", rawDollars=["$x^{2$"]),
        cell(2, None, kind="markdown", mathErrors=1),
        cell(3, 1, images=[{"width": 0, "height": 0}]),
        cell(4, 2, stderr="Glyph 35492 missing from font(s) DejaVu Sans."),
        cell(5, None),
    ]
    problems = lab_session.rendering_problems(faults)
    assert len(problems) == len(faults)
    assert [p.split(" ")[1] for p in problems] == ["0", "1", "2", "3", "4", "5"]
    assert lab_session.rendering_problems([cell(0, 1, images=[{"width": 10, "height": 8}])]) == []


def test_names_defined_by_solutions(tmp_path):
    nb = nbformat.v4.new_notebook()
    answer = nbformat.v4.new_code_cell(
        "%matplotlib inline\nimport numpy as np\ndef forward(x):\n    h = x\n    return h\nW_hand, b_hand = 1, 2")
    answer.metadata["nbgrader"] = {"solution": True, "grade": False}
    given = nbformat.v4.new_code_cell("helper = 3")
    nb.cells = [answer, given]
    path = tmp_path / "n.ipynb"
    nbformat.write(nb, path)
    assert notebooks.names_defined_by_solutions(path) == {"np", "forward", "h", "W_hand", "b_hand"}
