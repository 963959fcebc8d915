"""Smoke test in JupyterLab: every course notebook opened and run cell by cell in the browser.

Release notebooks (what students get): the only errors are NotImplementedError raised by the
answer stubs, or a NameError for a name that only an answer defines (a test cell checking a
variable the student has not written yet); everything else renders. Source notebooks (with
solutions): no error at all.
"""
import re

import pytest

from . import lab_session, notebooks

pytestmark = pytest.mark.slow

RELEASE = notebooks.course_notebooks("release")
SOURCE = notebooks.course_notebooks("source")


def relative(path):
    return path.relative_to(notebooks.REPO_ROOT).as_posix()


def notebook_params(paths, step):
    """One parameter per notebook; a missing folder is a failing parameter, not an empty (skipped) set."""
    if paths:
        return [pytest.param(relative(path), id=relative(path)) for path in paths]
    return [pytest.param(None, id=f"{step}-is-empty")]


def run_in_lab(lab_page, path, artifacts_dir, step):
    assert path is not None, f"{step}/ holds no notebooks; the course must commit them"
    screenshot = artifacts_dir / ("lab-" + path.replace("/", "-") + ".png")
    cells = lab_session.run_notebook(lab_page, path, screenshot=screenshot)
    notebooks.write_json(screenshot.with_suffix(".json"), cells)
    return cells


def errors_of(cells):
    return [(cell, error) for cell in cells for error in cell["errors"]]


MISSING_NAME = re.compile(r"name '(\w+)' is not defined")


def is_unanswered_stub(error, cells, solution_names):
    """Is this error just the consequence of an answer not written yet?"""
    if error["ename"] == "NotImplementedError":
        origin = lab_session.innermost_cell(error["traceback"], cells)
        return origin is not None and lab_session.is_answer_cell(cells[origin])
    missing = MISSING_NAME.search(error["evalue"]) if error["ename"] == "NameError" else None
    return bool(missing) and missing.group(1) in solution_names


@pytest.mark.parametrize("path", notebook_params(RELEASE, "release"))
def test_release_notebook_only_stubs_raise(lab_page, artifacts_dir, path):
    cells = run_in_lab(lab_page, path, artifacts_dir, "release")
    solution_names = notebooks.names_defined_by_solutions(notebooks.source_of(notebooks.REPO_ROOT / path))
    not_stub = [
        f"cell {cell['index']}: {error['ename']}: {error['evalue']}"
        for cell, error in errors_of(cells) if not is_unanswered_stub(error, cells, solution_names)
    ]
    assert not_stub == [], "errors that do not come from an unanswered stub:\n" + "\n".join(not_stub)
    if any(lab_session.is_answer_cell(cell) for cell in cells):
        assert any(error["ename"] == "NotImplementedError" for _, error in errors_of(cells)), (
            "no answer stub raised NotImplementedError: are the solutions really removed?"
        )
    assert lab_session.rendering_problems(cells) == []


@pytest.mark.parametrize("path", notebook_params(SOURCE, "source"))
def test_source_notebook_runs_without_error(lab_page, artifacts_dir, path):
    cells = run_in_lab(lab_page, path, artifacts_dir, "source")
    errors = [f"cell {cell['index']}: {error['ename']}: {error['evalue']}" for cell, error in errors_of(cells)]
    assert errors == []
    assert lab_session.rendering_problems(cells) == []
