"""The course notebooks as nbgrader assignments: every source/*/*.ipynb is covered automatically.

Static checks read the notebooks. The slow checks share one session-wide run (fixture `grading`): for each
assignment, in a throwaway course with its own gradebook, the release is generated once and the course tool's autograde
runs once over two students: `solution` submits the source notebooks, `untouched` the generated release. At the
same time each committed release notebook is executed as a student would first open it. All of this runs
concurrently, one chain of commands per assignment.
"""
import os
import re
import shutil
import warnings
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbgrader.preprocessors import IgnorePattern
from nbgrader.utils import determine_grade

from backprop_course.notebooks.cells import HIDDEN_TESTS, SOLUTION, is_answer_cell, is_test_cell, nbgrader_meta
from backprop_course.course import Course
from backprop_course.release.leaks import find_leaks
from nbgrader_support import (REPO, CourseNotebook, ThrowawayCourse, assert_release_fails_only_in_answers,
                              course_notebooks, error_outputs, execute_command, run_concurrently)

NOTEBOOKS = course_notebooks()
ASSIGNMENTS = sorted({nb.assignment for nb in NOTEBOOKS})
SOLUTION_STUDENT, UNTOUCHED_STUDENT = "solution", "untouched"
CONFIG = Course.at(REPO).nbgrader_config

by_notebook = pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[nb.id for nb in NOTEBOOKS])
slow = pytest.mark.slow


def test_every_assignment_has_notebooks():
    assert "lecture11" in ASSIGNMENTS, f"no source/lecture11/*.ipynb found under {REPO}"


# -- nbgrader configuration -------------------------------------------------------------------------------------
def test_config_sets_course_exchange_timeout_and_japanese_stub():
    assert CONFIG.CourseDirectory.course_id, "CourseDirectory.course_id is not set"
    exchange = Path(CONFIG.Exchange.root)
    existing = next(p for p in [exchange, *exchange.parents] if p.exists())
    assert exchange.is_absolute() and os.access(existing, os.W_OK), f"Exchange.root {exchange} is not writable"
    assert isinstance(CONFIG.Execute.timeout, int) and 10 <= CONFIG.Execute.timeout <= 600
    stub = CONFIG.ClearSolutions.code_stub["python"]
    assert "raise NotImplementedError()" in stub and re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", stub), stub


def _warning_text():
    """stderr text of a real numpy RuntimeWarning, formatted the way the kernel prints it."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        np.exp(np.array([1000.0]))
    w = caught[0]
    return warnings.formatwarning(w.message, w.category, "/tmp/ipykernel_1/1.py", 3, "x = np.exp(big)")


def _test_cell(source, grade_id, points=2, outputs=()):
    cell = nbformat.v4.new_code_cell(source, outputs=list(outputs))
    cell.metadata["nbgrader"] = {"schema_version": 3, "grade": True, "solution": False, "locked": True,
                                 "grade_id": grade_id, "points": points}
    return cell


def _graded_cell(stderr_text):
    return _test_cell("assert True", "t", outputs=[nbformat.v4.new_output("stream", name="stderr", text=stderr_text)])


def test_ignore_pattern_removes_warnings_but_keeps_other_stderr():
    warning_cell, other_cell = _graded_cell(_warning_text()), _graded_cell("Traceback: something broke\n")
    assert determine_grade(warning_cell) == (0, 2), "nbgrader itself zeroes a test cell with stderr output"
    ignore = IgnorePattern(config=CONFIG)
    assert ignore.enabled, "IgnorePattern is off (nbgrader ships it disabled): set c.IgnorePattern.enabled"
    ignore.preprocess_cell(warning_cell, {}, 0)
    ignore.preprocess_cell(other_cell, {}, 0)
    assert determine_grade(warning_cell) == (2, 2)
    assert determine_grade(other_cell) == (0, 2), "only warnings may be dropped, not any stderr"


def _missing_release(notebook):
    return f"{notebook.path('release')} is missing: run `backprop-course release {notebook.assignment}` and commit it"


# -- static checks of the source and committed release ---------------------------------------------------------
REQUIRED_KEYS = {"schema_version", "grade", "solution", "locked", "grade_id"}
OPTIONAL_KEYS = {"points", "task"}


@by_notebook
def test_source_metadata_follows_schema_3(notebook):
    nb = notebook.read("source")
    ids = []
    for index, cell in enumerate(nb.cells):
        meta = nbgrader_meta(cell)
        if not meta:
            continue
        where = f"cell {index} ({meta.get('grade_id')})"
        assert REQUIRED_KEYS <= meta.keys() <= REQUIRED_KEYS | OPTIONAL_KEYS, f"{where}: keys {sorted(meta)}"
        assert meta["schema_version"] == 3, where
        assert re.fullmatch(r"[A-Za-z0-9_-]+", meta["grade_id"]), where
        ids.append(meta["grade_id"])
        if meta["grade"]:
            assert meta.get("points", 0) > 0, f"{where}: a graded cell needs points > 0"
        if is_test_cell(cell):
            assert meta["locked"] and not meta["solution"], f"{where}: a test cell must be locked"
        elif cell.cell_type == "code" and meta["solution"]:
            assert not meta["grade"] and not meta["locked"], f"{where}: a code answer cell is neither graded nor locked"
            assert SOLUTION[0] in cell.source and SOLUTION[1] in cell.source, f"{where}: no solution region"
        if HIDDEN_TESTS[0] in cell.source:
            assert is_test_cell(cell), f"{where}: hidden tests outside a test cell"
    assert len(ids) == len(set(ids)), f"duplicate grade_ids: {sorted(i for i in ids if ids.count(i) > 1)}"
    assert any(is_test_cell(c) for c in nb.cells), "no autograded test cell"
    assert any(HIDDEN_TESTS[0] in c.source for c in nb.cells), "no hidden tests"


@by_notebook
def test_source_outputs_are_cleared(notebook):
    for index, cell in enumerate(notebook.read("source").cells):
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, f"cell {index} has outputs"


@by_notebook
def test_header_states_the_point_total(notebook):
    nb = notebook.read("source")
    total = sum(float(nbgrader_meta(c).get("points", 0)) for c in nb.cells if nbgrader_meta(c).get("grade"))
    header = next(c.source for c in nb.cells if c.cell_type == "markdown")
    stated = {float(n) for n in re.findall(r"(\d+(?:\.\d+)?)\s*点", header)}
    assert total in stated, f"the points add up to {total:g}, but the first markdown cell states {sorted(stated)}"


@by_notebook
def test_release_gives_nothing_away(notebook):
    assert notebook.path("release").is_file(), _missing_release(notebook)
    source, release = notebook.read("source"), notebook.read("release")
    assert find_leaks(source, release) == []
    stubs = [c for c in release.cells if c.cell_type == "code" and is_answer_cell(c)]
    assert all("raise NotImplementedError()" in c.source for c in stubs), "an answer cell lost its stub"


# A tiny assignment whose test cells print warnings, graded end to end with the course's configuration.
STDERR_ASSIGNMENT, STDERR_NOTEBOOK = "stderr_check", "warnings_in_tests"
# graded by the course tool, which relabels a test cell's stderr as stdout: output on stderr never decides a grade
STDERR_EXPECTED = {"numpy-warning-passes": 2, "user-warning-passes": 2, "failing-assert": 0, "plain-stderr": 2}


def _stderr_notebook():
    answer = nbformat.v4.new_code_cell("def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION")
    answer.metadata["nbgrader"] = {"schema_version": 3, "grade": False, "solution": True, "locked": False,
                                   "grade_id": "double"}
    return nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import sys, warnings\nimport numpy as np"),
        answer,
        _test_cell("big = np.exp(np.array([1000.0]))  # RuntimeWarning: overflow encountered in exp\n"
                   "assert np.isinf(big[0]) and double(2) == 4", "numpy-warning-passes"),
        _test_cell("warnings.warn('a harmless warning', UserWarning)\nassert double(3) == 6", "user-warning-passes"),
        _test_cell("assert double(2) == 5", "failing-assert"),
        _test_cell("print('not a warning', file=sys.stderr)\nassert double(1) == 2", "plain-stderr"),
    ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})


# -- one nbgrader run per assignment for the whole session ------------------------------------------------------
class GradingRun:
    """The throwaway courses (one per assignment) after release + autograde, and the as-is executions."""

    def __init__(self, root: Path):
        self.courses = {a: ThrowawayCourse(root / a, a) for a in ASSIGNMENTS}
        stderr_source = root / "stderr-source" / STDERR_ASSIGNMENT
        stderr_source.mkdir(parents=True)
        nbformat.write(_stderr_notebook(), stderr_source / f"{STDERR_NOTEBOOK}.ipynb")
        self.courses[STDERR_ASSIGNMENT] = ThrowawayCourse(root / STDERR_ASSIGNMENT, STDERR_ASSIGNMENT, stderr_source)
        self.chains = {a: self._grading_chain(course, a != STDERR_ASSIGNMENT) for a, course in self.courses.items()}
        # Each committed release folder is copied whole (a student gets all its files) and its notebooks run there.
        self.as_is_dir = root / "as-is"
        for assignment in ASSIGNMENTS:
            if (REPO / "release" / assignment).is_dir():
                shutil.copytree(REPO / "release" / assignment, self.as_is_dir / "release" / assignment)
        self.as_is = {nb: execute_command(nb.path("release", self.as_is_dir),
                                          nb.path("executed", self.as_is_dir).parent, CONFIG.Execute.timeout)
                      for nb in NOTEBOOKS if nb.path("release").is_file()}

    @staticmethod
    def _grading_chain(course, with_untouched_release=True):
        """generate the release; submit the sources (and the untouched release); autograde both at once."""
        submit_release = [lambda: course.submit(UNTOUCHED_STUDENT, course.notebooks("release"))]
        return [
            course.generate_command(),
            course.fill_placeholders,
            lambda: course.submit(SOLUTION_STUDENT, course.notebooks("source")),
            *(submit_release if with_untouched_release else []),
            course.autograde_command(),
        ]

    def run(self):
        run_concurrently(list(self.chains.values()) + [[command] for command in self.as_is.values()])
        return self

    def course(self, assignment: str) -> ThrowawayCourse:
        """The assignment's course, after checking that its release and autograde commands succeeded."""
        failed = [step for step in self.chains[assignment] if getattr(step, "returncode", 0) != 0]
        assert not failed, failed[0].describe()
        return self.courses[assignment]

    def executed_release(self, notebook: CourseNotebook):
        assert notebook in self.as_is, _missing_release(notebook)
        command = self.as_is[notebook]
        assert command.returncode == 0, command.describe()
        return notebook.read("executed", self.as_is_dir)


@pytest.fixture(scope="session")
def grading(tmp_path_factory):
    return GradingRun(tmp_path_factory.mktemp("grading")).run()


def _autograded_test_ids(notebook):
    return [nbgrader_meta(c)["grade_id"] for c in notebook.read("source").cells if is_test_cell(c)]


@slow
@by_notebook
def test_source_runs_top_to_bottom_without_error(grading, notebook):
    """The source notebook, submitted as a student's work, executes cleanly in a grading kernel, but for the
    demo cells (no nbgrader metadata) that train with scikit-learn's networks: grading kernels do not have
    sklearn.neural_network (its _backprop would answer exercises), so those demos, and demo cells using their
    results, fail there, ungraded."""
    executed = grading.course(notebook.assignment).autograded(SOLUTION_STUDENT, notebook.name)
    errors = [(i, e) for i, cell in enumerate(executed.cells) for e in error_outputs(cell)
              if nbgrader_meta(cell) or not (("sklearn.neural_network" in e) or e.startswith("NameError"))]
    assert not errors, f"errors in the source notebook: {errors}"


@slow
@by_notebook
def test_source_scores_full_marks(grading, notebook):
    scores = grading.course(notebook.assignment).scores(SOLUTION_STUDENT, notebook.name)
    short = {g: scores[g] for g in _autograded_test_ids(notebook) if scores[g][0] != scores[g][1]}
    assert not short, f"test cells below full marks (score, max): {short}"


@slow
@by_notebook
def test_untouched_release_scores_zero(grading, notebook):
    scores = grading.course(notebook.assignment).scores(UNTOUCHED_STUDENT, notebook.name)
    scored = {g: scores[g] for g in _autograded_test_ids(notebook) if scores[g][0] != 0}
    assert not scored, f"an untouched release earns points in: {scored}"


@slow
@by_notebook
def test_release_as_is_fails_only_in_answers(grading, notebook):
    """Run as a student first gets it: scaffolding never fails; answer cells fail only with the stub's
    NotImplementedError (test cells may fail: nothing is answered yet)."""
    assert_release_fails_only_in_answers(grading.executed_release(notebook), error_outputs)


@slow
@by_notebook
def test_committed_release_is_fresh(grading, notebook):
    """The committed release equals a fresh one (cell types, sources, nbgrader metadata)."""
    fresh = notebook.read("release", grading.course(notebook.assignment).root)
    assert notebook.path("release").is_file(), _missing_release(notebook)
    committed = notebook.read("release")

    def summary(nb):
        return [(c.cell_type, c.source, nbgrader_meta(c)) for c in nb.cells]

    assert summary(committed) == summary(fresh), \
        f"release/{notebook.id}.ipynb is stale: run `backprop-course release {notebook.assignment}` and commit it"


@slow
def test_warnings_in_test_cells_do_not_cost_points(grading):
    """A test cell that passes keeps its points although it printed a numpy RuntimeWarning, a UserWarning or
    anything else to stderr (the course tool's autograde relabels stderr); a failing assert still scores 0."""
    scores = grading.course(STDERR_ASSIGNMENT).scores(SOLUTION_STUDENT, STDERR_NOTEBOOK)
    assert {g: scores[g][0] for g in STDERR_EXPECTED} == STDERR_EXPECTED
