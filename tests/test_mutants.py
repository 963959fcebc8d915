"""The grader proven on a catalogue of realistic wrong submissions (lib/backprop_course/simulation/mistakes.toml).

Every mutant is the reference solution of a source notebook with one textual edit. The fast runner
(tests/mutants/runner.py) executes each notebook once and forks before each mutated cell, so every run is the
whole notebook top to bottom. It grades as a grading run does: the cases of a grading key are written to a cases
file named in the environment, each test cell publishes its answers through the kit, and the grader's verdict
(backprop.grading.verdicts) decides the cell. A mutant must lose at least the cells the catalogue names; losing
more is allowed (the kill matrix marks those `x`). The course tool's own `autograde` (confined kernels, verdicts
written into the gradebook) runs only in `test_fast_path_agrees_with_autograde`, for the reference and two mutants.

Calibration of the thresholds. Every run of the catalogue is repeated with another grading key (and, for
report11, the training seed shifted; [[seeds]] in the catalogue): the reference passes for every key tried and
no mutant passes. Measured on 2026-11-29 with `tests/mutants/calibrate.py` (prints them again):
- Gradient tolerance, relative error 1e-6 (backprop_kit.testing.compare.TOLERANCE): the reference's worst relative
  error against central differences, over the hidden setups of 11_02 and report11 with seeds 0-9, is 5.3e-08
  (`test_reference_gradient_error_far_below_tolerance` asserts < 1e-7); the smallest relative error of any wrong
  array reported for any gradient mutant over all keys run is 1.5e-02, over 1,371 arrays (`test_wrong_gradients_far_above_tolerance`
  asserts > 1e-3).
- Digits accuracy bar 0.93 on 2 of 3 hidden splits (backprop.grading.builders.nb_11_03: ACCURACY_BAR,
  SPLITS_NEEDED), the split seeds drawn from the keys `reference`, `seed+1`, `seed+2` (9 trainings per variant by
  the notebook's own train_network, judged by the kit's forward pass): the model solution's choice reaches
  0.960-0.980 on 8 splits and 0.880 on one (hence 2 of 3, not all); one epoch per candidate 0.591-0.867.
- report11 held-out RMSE bands 0.25 and 0.12 (the grader's forward pass of the published parameters on 500 terrain
  points per key), keys `reference`, `seed+1`..`seed+4` with the training seed shifted 0-4: reference
  0.058-0.081; linear model 0.373-0.430, zero initialisation 0.369-0.409, 3 epochs 0.393-0.435, no hidden
  activation 0.812-2.231, sigmoid left on the output 266-363 (the grader's network has an identity output),
  gradient ascent diverges, a forward with the depth hard-coded never trains (no trained_params): all fail
  both bands.
- 11_01 hand-chosen weights, accuracy 0.95 on a fresh sample of the data's rule (2,000 points per key, keys
  `reference`, `seed+1`..`seed+4`): the reference 0.970-0.980; sign-flipped output weights 0.710-0.730.
"""
import re
import sys
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "mutants"))
import catalogue as mutants  # noqa: E402  (tests/mutants is not a package)

from backprop.grading.cases import make_case  # noqa: E402
from backprop.grading.reference import numerical_param_gradients  # noqa: E402
from backprop_kit.testing.compare import TOLERANCE  # noqa: E402

DIAGNOSIS_FLOOR = 0.80
TIMINGS = {}                       # "fast" / "autograde": (runs, wall seconds), printed by the agreement test
REPORT = mutants.REPO / "build" / "mutants" / "kill_matrix.txt"
# The typical backprop mistakes the course names; each must have at least one mutant in the catalogue.
REQUIRED = {
    "missing_sigmoid_derivative", "derivative_of_g", "delta_h_wrong_layer", "dW_transposed", "bias_gradient_missing",
    "bias_gradient_averaged_twice", "no_mean", "loop_skips_layer_1", "update_inside_backward", "softmax_no_max",
    "softmax_global_max", "softmax_wrong_axis", "cross_entropy_log0", "labels_one_hot_N", "gradient_flat_target",
    "half_convention_mismatch", "sigmoid_on_regression_output", "unscaled_pixels", "zero_initialisation",
    "update_sign_flipped", "hard_coded_depth", "hard_coded_batch_size", "linear_model",
}


@pytest.fixture(scope="session")
def catalogue():
    return mutants.load()


@pytest.fixture(scope="session")
def outcome(catalogue):
    """{notebook: {run name: {grade_id: {"passed", "message", "seconds"}}}} for every run of the catalogue."""
    began = time.perf_counter()
    runs = mutants.run_catalogue(catalogue)
    TIMINGS["fast"] = (sum(len(r) for r in runs.values()), time.perf_counter() - began)
    return runs


def _runs_of(name, runs):
    """The run of a mutant (or the reference) and its seed-shifted repetitions."""
    return {run: results for run, results in runs.items() if run == name or run.startswith(name + "@seed+")}


def test_catalogue_is_complete_and_matches_the_notebooks(catalogue):
    names = [m.name for m in catalogue.mutants]
    assert len(names) >= 25 and len(set(names)) == len(names)
    assert REQUIRED <= set(names), f"missing mutants: {sorted(REQUIRED - set(names))}"
    for mutant in catalogue.mutants:
        nb = nbformat.read(mutants.notebook_path(mutant.notebook), as_version=4)
        cells = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nb.cells}
        tests = {g for g, c in cells.items() if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"}
        assert mutant.cell in cells, f"{mutant.name}: no cell {mutant.cell}"
        assert cells[mutant.cell].source.count(mutant.old) == 1, f"{mutant.name}: the edit no longer matches"
        assert mutant.killed_by and set(mutant.killed_by) <= tests, f"{mutant.name}: killed_by must name test cells"


def test_reference_scores_full_marks_for_every_seed(catalogue, outcome):
    for notebook in catalogue.notebooks:
        for run, results in _runs_of(mutants.REFERENCE, outcome[notebook]).items():
            lost = {g: r["message"][:300] for g, r in results.items() if not r["passed"]}
            assert not lost, f"{notebook} {run}: the reference loses points: {lost}"
        assert outcome[notebook][mutants.REFERENCE], f"{notebook}: no test cell ran"


def test_every_mutant_loses_points_where_the_catalogue_says(catalogue, outcome):
    """A surviving mutant is a hole in the hidden tests: it fails here until a test catches it."""
    survivors = []
    for mutant in catalogue.mutants:
        runs = _runs_of(mutant.name, outcome[mutant.notebook])
        assert mutant.name in runs, f"{mutant.name}: did not run"
        for run, results in runs.items():
            missing = set(outcome[mutant.notebook][mutants.REFERENCE]) - set(results)
            assert not missing, f"{run}: test cells not run: {sorted(missing)}"
            survivors += [f"{run}: {cell}" for cell in mutant.killed_by if results[cell]["passed"]]
    assert not survivors, "mutants that keep points:\n" + "\n".join(survivors)


def test_kill_matrix_report(catalogue, outcome, capsys):
    report = mutants.kill_matrix(catalogue, outcome)
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(report + "\n", encoding="utf-8")
    with capsys.disabled():
        print(f"\nkill matrix (also in {REPORT.relative_to(mutants.REPO)}):\n{report}")
    rows = [line for line in report.splitlines() if line and not line.startswith(("==", "   "))]
    assert len(rows) == len(catalogue.mutants) + len(catalogue.notebooks)      # a row per mutant and reference
    assert "!" not in report


def test_feedback_names_the_mistake(catalogue, outcome, capsys):
    """Share of mutants whose failing test cells' messages name the mistake (goal >= 80 %), both in the raw
    message and as the student's feedback shows it (backprop_course.outcomes.student_message). Mistakes that
    only show in a training outcome (a linear model, zero initialisation, ...) count as not named."""
    named = [m.name for m in catalogue.mutants if mutants.diagnosed(m, outcome[m.notebook][m.name])]
    in_feedback = [m.name for m in catalogue.mutants
                   if mutants.diagnosed(m, outcome[m.notebook][m.name], as_feedback=True)]
    share, feedback_share = len(named) / len(catalogue.mutants), len(in_feedback) / len(catalogue.mutants)
    with capsys.disabled():
        print(f"\nfeedback names the mistake for {len(named)}/{len(catalogue.mutants)} mutants ({share:.0%}); "
              f"in the feedback students see: {len(in_feedback)} ({feedback_share:.0%})")
        print("not named: " + ", ".join(m.name for m in catalogue.mutants if m.name not in named))
        gradient = [m.name for m in catalogue.mutants if any(_judged_by_gradient_check(c) for c in m.killed_by)]
        print(f"of the mutants a gradient check catches: {len(set(gradient) & set(named))}/{len(gradient)} named")
    assert share >= DIAGNOSIS_FLOOR
    assert feedback_share >= DIAGNOSIS_FLOOR, sorted(set(named) - set(in_feedback))


def _judged_by_gradient_check(cell):
    """Test cells that compare a student's gradient or delta with central differences (backprop.grading)."""
    return cell.startswith(("test_output_delta", "test_hidden_delta", "test_param_gradients", "test_backward",
                            "gradient-test"))


def test_hidden_grading_messages_do_not_reveal_hidden_shapes(catalogue, outcome):
    """Messages from backprop.grading (hidden cells of 11_02 and report11) speak in symbols, not hidden sizes."""
    for notebook in ("lecture11/11_02_neural_network2", "report11/report11"):
        for run, results in outcome[notebook].items():
            for cell, result in results.items():
                if "hidden" in cell and not result["passed"] and "model" not in cell:
                    assert not re.search(r"\(\d+, ?\d+\)", result["message"]), f"{run} {cell}: {result['message']}"


HIDDEN_GRADIENT_SETUPS = [((5, 8, 7, 6, 3), 9, "softmax"), ((4, 9, 3, 8, 6, 2), 5, "softmax"),
                          ((4, 9, 7, 6, 3), 8, "identity"), ((3, 8, 6, 1), 7, "identity")]


def test_reference_gradient_error_far_below_tolerance():
    worst = 0.0
    for seed in range(10):
        for sizes, n, output in HIDDEN_GRADIENT_SETUPS:
            case = make_case(sizes, n, output=output, seed=seed)
            for a, b in zip(case.network().backward(case.hs, case.t), numerical_param_gradients(case)):
                worst = max(worst, float(np.max(np.abs(a - b)) / np.max(np.abs(b))))
    assert worst < TOLERANCE / 10


def test_wrong_gradients_far_above_tolerance(outcome, capsys):
    """The smallest relative error reported for any wrong array, over every gradient mutant and seed."""
    reported = [float(e) for runs in outcome.values() for results in runs.values() for r in results.values()
                for e in re.findall(r"相対誤差 ([0-9.]+e[+-]\d+)）", r["message"])]
    with capsys.disabled():
        print(f"\nsmallest relative error of a wrong gradient array: {min(reported):.1e} ({len(reported)} arrays)")
    assert reported and min(reported) > 1e3 * TOLERANCE, min(reported)


# -- the fast path is the course tool's verdict ------------------------------------------------------------------
AGREEMENT_NOTEBOOK = "lecture11/11_02_neural_network2"
AGREEMENT_MUTANTS = ("missing_sigmoid_derivative", "update_inside_backward")


@pytest.fixture(scope="session")
def autograde_scores(catalogue, tmp_path_factory):
    """{student: {grade_id: (score, max_score)}} from the gradebook after the course tool's `autograde` (nbgrader's
    generate_assignment for the release; grading keys from the throwaway course's secret, confined kernels,
    verdicts made outside them) of the reference and two mutants of one notebook, in a throwaway course."""
    from nbgrader_support import ThrowawayCourse, run_in_order

    root = tmp_path_factory.mktemp("mutants-autograde")
    assignment, name = AGREEMENT_NOTEBOOK.split("/")
    source = root / "source-only" / assignment
    source.mkdir(parents=True)
    source.joinpath(f"{name}.ipynb").write_bytes(mutants.notebook_path(AGREEMENT_NOTEBOOK).read_bytes())
    course = ThrowawayCourse(root / "course", assignment, source)
    submissions = {mutants.REFERENCE: []}
    for mutant in (m for m in catalogue.mutants if m.name in AGREEMENT_MUTANTS):
        submissions[mutant.name] = mutant.edits
    steps = [course.generate_command(), course.fill_placeholders]
    for student, edits in submissions.items():
        nb = nbformat.read(mutants.notebook_path(AGREEMENT_NOTEBOOK), as_version=4)
        for edit in edits:
            cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == edit["cell"])
            cell.source = cell.source.replace(edit["old"], edit["new"])
        path = root / "work" / student / f"{name}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(nb, path)
        steps.append(lambda student=student, path=path: course.submit(student, [path]))
    steps.append(course.autograde_command())
    began = time.perf_counter()
    run_in_order(steps)
    TIMINGS["autograde"] = (len(submissions), time.perf_counter() - began)
    failed = [step for step in steps if getattr(step, "returncode", 0) != 0]
    assert not failed, failed[0].describe()
    return {student: course.scores(student, name) for student in submissions}


def test_fast_path_agrees_with_autograde(outcome, autograde_scores, capsys):
    """Per test cell: the fast runner's pass/fail is the course tool's full marks/zero in the gradebook, for the
    reference and two mutants (graded with other grading keys than the runner's: the verdicts must not depend
    on the key); and autograde gives the reference full marks."""
    fast_runs = outcome[AGREEMENT_NOTEBOOK]
    assert set(autograde_scores) == {mutants.REFERENCE, *AGREEMENT_MUTANTS}
    for student, scores in autograde_scores.items():
        fast = fast_runs[student]
        assert set(fast) <= set(scores)
        for cell, result in fast.items():
            score, max_score = scores[cell]
            assert score == (max_score if result["passed"] else 0), f"{student} {cell}: autograde {score}/{max_score}"
    assert all(score == max_score for score, max_score in autograde_scores[mutants.REFERENCE].values())
    (runs, fast), (submissions, slow) = TIMINGS["fast"], TIMINGS["autograde"]
    with capsys.disabled():
        print(f"\nfast path: {runs} whole-notebook runs in {fast:.0f} s ({fast / runs:.2f} s per run); "
              f"generate + course autograde: {submissions} submissions of one notebook in {slow:.0f} s "
              f"({slow / submissions:.1f} s per submission)")


# -- the runner's scoring rule on a synthetic notebook -----------------------------------------------------------
def _test_cell(grade_id, source):
    return nbformat.v4.new_code_cell(source, metadata={"nbgrader": {
        "grade": True, "solution": False, "locked": True, "points": 1, "grade_id": grade_id, "schema_version": 3}})


def test_runner_scores_like_nbgrader_and_forks_at_the_edit(tmp_path):
    """nbgrader's rule (determine_grade + the course's IgnorePattern): an error or stderr zeroes a test cell, a
    Python warning does not, a displayed number would be read as a partial score, `;` hides it. A run shares the
    cells before its first edit with the reference and re-executes everything after it."""
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import sys, warnings\ncalls = []\nvalue = 1"),
        _test_cell("before", "calls.append('before')\nassert value == 1"),
        nbformat.v4.new_code_cell("value = 2", metadata={"nbgrader": {
            "grade": False, "solution": True, "locked": False, "grade_id": "answer", "schema_version": 3}}),
        _test_cell("raises", "assert value == 2, 'value'"),
        _test_cell("stderr", "print('oops', file=sys.stderr)"),
        _test_cell("warning", "warnings.warn('harmless')"),
        _test_cell("number", "0.5 * value"),
        _test_cell("hidden_number", "0.5 * value;"),
        _test_cell("after", "assert calls == ['before'], calls"),
    ])
    path = tmp_path / "synthetic.ipynb"
    nbformat.write(nb, path)
    results = mutants.run_path(path, {"three": [{"cell": "answer", "old": "2", "new": "3"}]})
    verdicts = {run: {cell: r["passed"] for cell, r in cells.items()} for run, cells in results.items()}
    assert verdicts[mutants.REFERENCE] == {"before": True, "raises": True, "stderr": False, "warning": True,
                                           "number": False, "hidden_number": True, "after": True}
    assert verdicts["three"] == {**verdicts[mutants.REFERENCE], "raises": False}
    assert "value" in results["three"]["raises"]["message"]
