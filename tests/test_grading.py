"""backprop.grading: the reference solutions of notebook 11_02 pass its tests; planted mistakes fail them with
the expected Japanese diagnosis.

The student functions are the solution cells of the source notebook, executed here; each mutant is a textual
edit of one of them (as a student's wrong answer would be). Each test asks them as its test cell does and the
grader judges the answers against the cases it drew for a grading key (tests/judging.py), so these tests
prove the notebook's real tests rather than a copy of them.
"""
import ast
import json
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

from backprop.activations import sigmoid
from backprop.grading import make_case, strong_setup_problems
from backprop.grading.builders.nb_11_02 import LARGE
from backprop.grading.mistakes import HINTS
from backprop.grading.reference import numerical_delta, numerical_param_gradients
from backprop_kit.autodiff import topological_order
from backprop_kit.selfcheck import print_gradient_check
from backprop_kit.testing.calls import call
from backprop_kit.testing.plain import plain_array, plain_arrays
from judging import built_for, verdicts

NOTEBOOK = Path(__file__).resolve().parents[1] / "source" / "lecture11" / "11_02_neural_network2.ipynb"
NAME = NOTEBOOK.stem
SOLUTION_ORDER = ["output_delta", "hidden_delta", "param_gradients", "backward", "backward_activation", "shrink_factor",
                  "autodiff_backward"]


def _cells():
    return json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]


@pytest.fixture(scope="session")
def solutions():
    """{grade_id: source} of the notebook's solution cells."""
    found = {c["metadata"]["nbgrader"]["grade_id"]: "".join(c["source"]) for c in _cells()
             if c["metadata"].get("nbgrader", {}).get("solution")}
    assert sorted(found) == sorted(SOLUTION_ORDER)
    return found


@pytest.fixture(scope="session")
def hidden_cells():
    """The grade_ids of the test cells that hold hidden tests."""
    found = [c["metadata"]["nbgrader"]["grade_id"] for c in _cells()
             if c["metadata"].get("nbgrader", {}).get("grade") and "BEGIN HIDDEN TESTS" in "".join(c["source"])]
    assert len(found) == 10
    return found


@pytest.fixture(scope="session")
def built():
    return built_for(NAME)


def student(sources, edit=None):
    """A namespace holding the student functions; edit = (grade_id, old, new) changes one solution's text."""
    sources = dict(sources)
    if edit is not None:
        grade_id, old, new = edit
        assert sources[grade_id].count(old) == 1, f"mutation target {old!r} not found once in {grade_id}"
        sources[grade_id] = sources[grade_id].replace(old, new)
    namespace = {"np": np, "sigmoid": sigmoid, "topological_order": topological_order}
    for grade_id in SOLUTION_ORDER:
        exec(sources[grade_id], namespace)
    namespace["forward"] = given_forward()
    return namespace


def given_forward():
    """The forward pass the notebook gives (its scaffolding cell), which the large hidden case uses for hs."""
    namespace = {"np": np}
    exec("from scipy.special import expit as sigmoid, softmax", namespace)
    exec(next("".join(c["source"]) for c in _cells() if "def forward(params, x)" in "".join(c["source"])
              and not c["metadata"].get("nbgrader")).split("\n\nparams_demo")[0], namespace)
    return namespace["forward"]


# -- the reference --------------------------------------------------------------------------------------------
def test_reference_passes_every_test_for_several_keys(solutions):
    for label in ("a", "b", "c"):
        found = verdicts(NAME, student(solutions), label=label)
        assert {t: v.message for t, v in found.items() if not v.passed} == {}, label


def test_hidden_tests_use_strong_and_deep_setups(hidden_cells):
    """Hidden cases: strong setup (make_case refuses weak ones), and depth >= 4 for the backward loop (but the
    large network that numerical differentiation cannot finish in time)."""
    for label in ("a", "b"):
        built = built_for(NAME, label)
        for grade_id in hidden_cells:
            if grade_id in ("test_shrink_factor_hidden", "test_autodiff_hidden"):   # no networks: see test_grading_vanishing_autodiff.py
                continue
            cases = [context["case"] for context in built[grade_id].context]
            assert cases, f"{grade_id} builds no case"
            for case in cases:
                assert strong_setup_problems(case.sizes, case.n_samples) == []
                assert case.sizes[-1] != case.n_samples
                if "backward" in grade_id and (case.sizes, case.n_samples) != LARGE:
                    assert case.depth >= 4, f"{grade_id}: backward judged on a network of depth {case.depth}"


def test_the_large_case_is_beyond_numerical_differentiation_in_a_cell():
    """Central differences need 2 forward passes per parameter: at the fastest measured speed of one forward pass
    here, the large case takes many times the course's cell timeout, while the reference backward is one pass."""
    import time
    from backprop_course.course.folder import Course
    case = make_case(*LARGE, seed=0)
    net = case.network()
    times = []
    for _ in range(5):                      # the fastest pass: a busy machine only makes the margin larger
        started = time.perf_counter()
        net.loss(case.x, case.t)
        times.append(time.perf_counter() - started)
    forward_seconds = min(times)
    parameters = sum(p.size for p in case.params)
    assert parameters * 2 * forward_seconds > 3 * Course.at(NOTEBOOK.parents[2]).cell_timeout


def test_numerical_reference_agrees_with_library_backprop():
    """Calibration of judge.TOLERANCE (1e-6): the worst relative error of central differences against the
    library's backward over 10 seeds and two architectures stays far below it."""
    worst = 0.0
    for seed in range(10):
        for sizes, n, output in [((5, 8, 7, 6, 3), 9, "softmax"), ((2, 7, 4, 1), 6, "identity")]:
            case = make_case(sizes, n, output=output, seed=seed)
            library = case.network().backward(case.hs, case.t)
            for a, b in zip(library, numerical_param_gradients(case)):
                worst = max(worst, float(np.max(np.abs(a - b)) / np.max(np.abs(b))))
    assert worst < 1e-7


# -- planted mistakes -----------------------------------------------------------------------------------------
HIDDEN_DELTA = "(delta_next @ W_next) * (1 - h) * h"
MUTANTS = {
    # name: (edit, {hidden cell: diagnosis key or a phrase its message must contain})
    "missing sigmoid derivative": (("hidden_delta", HIDDEN_DELTA, "(delta_next @ W_next)"),
                                   {"test_hidden_delta_hidden": "missing_derivative",
                                    "test_backward_hidden_deep": "missing_derivative"}),
    "derivative (1 - h) left out": (("hidden_delta", HIDDEN_DELTA, "(delta_next @ W_next) * h"),
                                    {"test_hidden_delta_hidden": "derivative_h_only",
                                     "test_backward_hidden_deeper": "derivative_h_only"}),
    "sigmoid applied twice": (("hidden_delta", HIDDEN_DELTA, "(delta_next @ W_next) * (1 - sigmoid(h)) * sigmoid(h)"),
                               {"test_hidden_delta_hidden": "sigmoid_twice",
                                "test_backward_hidden_deep": "sigmoid_twice"}),
    "mean over samples and classes": (("output_delta", "return (h_L - t) / N", "return (h_L - t) / h_L.size"),
                                      {"test_output_delta_hidden": "divided_by_outputs",
                                       "test_backward_hidden_deeper": "divided_by_outputs"}),
    "bias gradient missing": (("param_gradients", "db = delta.sum(axis=0)", "db = np.zeros(delta.shape[1])"),
                              {"test_param_gradients_hidden": "zeros", "test_backward_hidden_deep": "bias_only"}),
    "no 1/N": (("output_delta", "return (h_L - t) / N", "return h_L - t"),
               {"test_output_delta_hidden": "no_mean", "test_backward_hidden_deep": "no_mean"}),
    "sign flipped": (("output_delta", "return (h_L - t) / N", "return (t - h_L) / N"),
                     {"test_output_delta_hidden": "sign_flipped", "test_backward_hidden_deep": "sign_flipped"}),
    "hard-coded N": (("output_delta", "N = h_L.shape[0]", "N = 2"),
                     {"test_output_delta_hidden": "値が正しくありません", "test_backward_hidden_deep": "値が正しくありません"}),
    "transposed dW": (("param_gradients", "dW = delta.T @ h_prev", "dW = h_prev.T @ delta"),
                      {"test_param_gradients_hidden": "転置", "test_backward_hidden_shapes": "転置"}),
    "db averaged again": (("param_gradients", "delta.sum(axis=0)", "delta.mean(axis=0)"),
                          {"test_param_gradients_hidden": "mean_twice", "test_backward_hidden_deep": "bias_only"}),
    "db summed over the wrong axis": (("param_gradients", "delta.sum(axis=0)", "delta.sum(axis=1)"),
                                      {"test_param_gradients_hidden": "どの軸", "test_backward_hidden_shapes": "db^"}),
    "loop skips layer 1": (("backward", "range(L, 0, -1)", "range(L, 1, -1)"),
                           {"test_backward_hidden_deep": "None のまま", "test_backward_hidden_shapes": "第 1 層"}),
    "zero-initialised grads, loop skips layer 1": (
        ("backward", "grads = [None] * (2 * L)\n    delta = output_delta(hs[L], t)\n    for l in range(L, 0, -1):",
         "grads = [np.zeros_like(p) for p in params]\n    delta = output_delta(hs[L], t)\n    for l in range(L, 1, -1):"),
        {"test_backward_hidden_deep": "first_layer_only", "test_backward_hidden_deeper": "zeros"}),
    "dW from h^l instead of h^(l-1)": (("backward", "param_gradients(delta, hs[l - 1])", "param_gradients(delta, hs[l])"),
                                        {"test_backward_hidden_deep": "dW^", "test_backward_hidden_shapes": "W^"}),
    "update inside the loop": (("backward", "        if l > 1:", "        W -= 0.5 * grads[2 * l - 2]\n        if l > 1:"),
                               {"test_backward_hidden_unchanged": "inputs_changed",
                                "test_backward_hidden_deep": "inputs_changed"}),
}


def _diagnosed(verdict, expected):
    """True when the verdict names the expected diagnosis key, or its message holds the expected phrase."""
    return (expected in verdict.diagnoses or expected in verdict.message
            or (expected in HINTS and HINTS[expected] in verdict.message))


@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_planted_mistake_fails_with_its_diagnosis(name, solutions, built):
    edit, expected = MUTANTS[name]
    found = verdicts(NAME, student(solutions, edit), list(expected), built=built)
    for grade_id, phrase in expected.items():
        verdict = found[grade_id]
        assert not verdict.passed, f"{name}: {grade_id} lets the mistake through"
        assert _diagnosed(verdict, phrase), f"{name}: {grade_id} says {verdict.message} (expected {phrase!r})"
        assert not re.search(r"\(\d+, \d+\)", verdict.message), f"{name}: the message reveals hidden shapes"


def test_untouched_release_stubs_fail_every_test(built):
    stub = "def {name}(*args):\n    raise NotImplementedError()\n"
    namespace = {"forward": given_forward()}
    for name in SOLUTION_ORDER:
        exec(stub.format(name=name), namespace)
    for grade_id, verdict in verdicts(NAME, namespace, built=built).items():
        assert not verdict.passed and "まだ実装されていません" in verdict.message, grade_id


# -- the pieces -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("sizes, n_samples", [((3, 5, 4), 1), ((3, 5, 5, 2), 6), ((3, 5, 4), 4)])
def test_weak_setups_are_refused(sizes, n_samples):
    with pytest.raises(ValueError, match="weak gradient test case"):
        make_case(sizes, n_samples)


def test_case_caches_are_consistent_float64():
    case = make_case((4, 9, 3, 6, 2), 5, seed=7)
    for l in range(1, case.depth):
        np.testing.assert_array_equal(case.hs[l], sigmoid(case.gs[l]))
    np.testing.assert_allclose(case.hs[-1].sum(axis=1), 1.0)
    assert all(a.dtype == np.float64 for a in case.params + case.hs[:1] + [case.t])
    assert len(set(np.argmax(case.t, axis=1))) >= 2


def test_numerical_delta_matches_output_delta_formula():
    case = make_case((4, 9, 3), 5, seed=2)
    np.testing.assert_allclose(numerical_delta(case, 2), (case.hs[-1] - case.t) / 5, atol=1e-9)


def test_plain_array_is_a_fresh_base_float64_copy():
    class Sneaky(np.ndarray):
        def __eq__(self, other):
            return True

    value = np.arange(6, dtype=np.int32).reshape(2, 3).view(Sneaky)
    plain = plain_array(value, "dW", (2, 3), "W と同じ形")
    assert type(plain) is np.ndarray and plain.dtype == np.float64
    plain[0, 0] = 99
    assert value[0, 0] == 0


@pytest.mark.parametrize("value, phrase", [
    (None, "None"), ("abc", "変換できません"), (np.zeros((3, 2)), "転置"), (np.zeros(6), "次元"),
    (np.array([[np.nan, 0, 0], [0, 0, 0]]), "NaN"), (np.zeros((2, 3)) + 1j, "複素数"),
])
def test_plain_array_names_the_problem(value, phrase):
    with pytest.raises(AssertionError, match=phrase):
        plain_array(value, "dW", (2, 3), "W と同じ形")


def test_plain_arrays_needs_a_list_of_the_right_length():
    with pytest.raises(AssertionError, match="リスト"):
        plain_arrays(np.zeros((2, 3)), ["dW^1", "db^1"], [(2, 3), (2,)], ["W", "b"])
    with pytest.raises(AssertionError, match="長さ"):
        plain_arrays([np.zeros((2, 3))], ["dW^1", "db^1"], [(2, 3), (2,)], ["W", "b"])


def test_plain_arrays_reports_each_kind_of_problem_once_with_the_other_names():
    values = [np.zeros((3, 2)), np.zeros(2), np.zeros((4, 3)), np.zeros(4), np.zeros((5, 4)), np.zeros(5)]
    with pytest.raises(AssertionError) as failure:
        plain_arrays(values, ["dW^1", "db^1", "dW^2", "db^2", "dW^3", "db^3"],
                     [(2, 3), (2,), (3, 4), (4,), (4, 5), (5,)], ["W^1", "b^1", "W^2", "b^2", "W^3", "b^3"])
    message = str(failure.value)
    assert message.count("転置") == 1 and "dW^2、dW^3 も同じ問題です" in message


def test_a_call_silences_warnings_notes_overflow_and_reports_errors_with_the_line():
    def noisy(x):
        warnings.warn("harmless")
        return np.exp(np.array([1000.0])) + x

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        answer = call(noisy, "noisy", {"x": 1.0})
    assert caught == [] and np.isinf(answer["value"][0]) and "overflow" in answer["fp_errors"]

    def broken(params):
        params[0] += 1
        return params[0] @ np.ones(5)

    answer = call(broken, "broken", {"params": [np.zeros((2, 3))]})
    assert re.search(r"broken の実行中にエラー.*ValueError.*return params\[0\] @ np.ones\(5\)", answer["error"])
    assert "関数になっていません" in call(None, "backward", {})["error"]


def test_a_call_works_on_copies_and_reports_changes():
    params = [np.zeros(3)]

    def update(params):
        params[0] += 1.0

    assert call(update, "update", {"params": params})["changed"] == ["params"]
    assert params[0].sum() == 0.0


def _backward_as_gradient(backward):
    """gradient(params, x, t) from the student's backward and the notebook's given forward pass."""
    namespace = {"np": np}
    exec(next("".join(c["source"]) for c in _cells() if "def forward(params, x)" in "".join(c["source"])
              and not c["metadata"].get("nbgrader")).split("\n\nparams_demo")[0], namespace)
    exec("from scipy.special import expit as sigmoid, softmax", namespace)
    return (lambda params, x, t: backward(params, namespace["forward"](params, x), t)), namespace["loss"]


def test_self_check_prints_a_verdict_and_never_raises(solutions, capsys):
    gradient, loss = _backward_as_gradient(student(solutions)["backward"])
    errors = print_gradient_check(gradient, loss)
    report = capsys.readouterr().out
    assert max(errors) < 1e-6 and report.count("OK") == 6 and "一致しています" in report
    wrong, _ = _backward_as_gradient(student(solutions, MUTANTS["missing sigmoid derivative"][0])["backward"])
    print_gradient_check(wrong, loss)
    report = capsys.readouterr().out
    assert "NG" in report

    def unfinished(params, x, t):
        raise NotImplementedError()

    assert print_gradient_check(unfinished, loss) is None
    assert "まだ実装されていません" in capsys.readouterr().out


def test_output_delta_diagnosis_names_the_mistake_without_the_answer(built):
    wrong = {"output_delta": lambda h_L, t: (h_L - t) / h_L.shape[0] ** 2}
    verdict = verdicts(NAME, wrong, ["test_output_delta_hidden"], built=built)["test_output_delta_hidden"]
    assert not verdict.passed and verdict.diagnoses == ["mean_twice"]
    assert "h_L - t" not in verdict.message
