"""Smoke test in JupyterLab: every course notebook opened and run cell by cell in the browser.

Release notebooks (what students get): the only errors are those of answers not written yet
(see lab_session.is_unanswered_stub) and everything else renders. Source notebooks (with
solutions): no error at all, and everything renders.
"""
import pytest

from . import lab_session, notebooks
from .lab_session import errors_of, is_answer_cell, is_unanswered_stub, rendering_problems

pytestmark = pytest.mark.slow

RELEASE = notebooks.course_notebooks("release")
SOURCE = notebooks.course_notebooks("source")


def relative(path):
    return path.relative_to(notebooks.REPO_ROOT).as_posix()


def notebook_params(paths, step):
    """One parameter per notebook; a missing folder is a failing parameter, not an empty (skipped) set."""
    if paths:
        return [pytest.param(relative(path), id=relative(path)) for path in paths]
    return [pytest.param("", id=f"{step}-is-empty")]


def run_cells(lab_results, lab_path, step):
    assert lab_path, f"{step}/ holds no notebooks; the course must commit them"
    return lab_session.cells_of(lab_results, lab_path)


@pytest.mark.parametrize("lab_path", notebook_params(RELEASE, "release"))
def test_release_notebook_only_stubs_raise(lab_results, lab_path):
    cells = run_cells(lab_results, lab_path, "release")
    solution_names = notebooks.names_defined_by_solutions(notebooks.source_of(notebooks.REPO_ROOT / lab_path))
    not_stub = [
        f"cell {cell['index']}: {error['ename']}: {error['evalue']}"
        for cell, error in errors_of(cells) if not is_unanswered_stub(error, cells, solution_names)
    ]
    assert not_stub == [], "errors that do not come from an unanswered stub:\n" + "\n".join(not_stub)
    if any(is_answer_cell(cell) for cell in cells):
        # a stub raises in an answer, or in a test cell through the kit, which names it in its message
        assert any("NotImplementedError" in (error["ename"] + error["evalue"]) for _, error in errors_of(cells)), (
            "no answer stub raised NotImplementedError: are the solutions really removed?"
        )
    assert rendering_problems(cells) == []


GRADED_ONLY = "のときにだけ実行されます"       # backprop_kit.testing.runner: a hidden test outside a grading run


@pytest.mark.parametrize("lab_path", notebook_params(SOURCE, "source"))
def test_source_notebook_runs_without_error(lab_results, lab_path):
    """...but in its hidden test cells, which say that they run only when graded (their cases come from the
    grader, never from the notebook)."""
    cells = run_cells(lab_results, lab_path, "source")
    assert [f"cell {cell['index']}: {error['ename']}: {error['evalue']}" for cell, error in errors_of(cells)
            if not (error["ename"] == "AssertionError" and GRADED_ONLY in error["evalue"])] == []
    assert rendering_problems(cells) == []
