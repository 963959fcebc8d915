"""The graded exercises of 11_02's last two sections (勾配消失問題, 自動微分): backward_activation, shrink_factor and
autodiff_backward. The notebook's model solutions pass for several grading keys; planted mistakes (textual edits
of those solution cells) fail the hidden tests with their diagnosis; the truth the grader uses agrees with
central differences."""
import numpy as np
import pytest

from backprop.autodiff import central_differences, recipe_gradients
from backprop.grading.builders.nb_11_02 import BUILDERS, LARGE, shrink_factor_truth
from backprop.grading.expressions import random_recipe, strength_problems
from backprop.grading.mistakes import HINTS
from backprop.grading.reference import numerical_param_gradients
from backprop_kit.testing.expressions import build
from judging import built_for, verdicts
from test_grading import NAME, student

NEW = ["test_backward_activation_visible", "test_backward_activation_hidden", "test_shrink_factor_visible",
       "test_shrink_factor_hidden", "test_autodiff_visible", "test_autodiff_hidden"]
KEYS = ["a", "b", "c", "d", "e", "f"]


@pytest.fixture(scope="module")
def sources():
    from test_grading import _cells
    return {c["metadata"]["nbgrader"]["grade_id"]: "".join(c["source"]) for c in _cells()
            if c["metadata"].get("nbgrader", {}).get("solution")}


@pytest.mark.parametrize("key", KEYS)
def test_model_solutions_pass_for_several_keys(sources, key):
    found = verdicts(NAME, student(sources), NEW, label=key)
    assert all(v.passed for v in found.values()), {k: v.message for k, v in found.items() if not v.passed}


def test_untouched_stubs_fail_every_new_test(sources):
    stubbed = {g: s.split("### BEGIN SOLUTION")[0] + "raise NotImplementedError()\n" for g, s in sources.items()}
    found = verdicts(NAME, student(stubbed), NEW)
    assert not any(v.passed for v in found.values())
    assert all("まだ実装されていません" in v.message for v in found.values())


MISTAKES = [
    # (name, cell, old, new, hidden test that must fail, diagnosis key or None)
    ("relu_derivative_missing", "backward_activation", "(1 - h) * h if activation == \"sigmoid\" else (h > 0)",
     "(1 - h) * h if activation == \"sigmoid\" else 1", "test_backward_activation_hidden", "missing_derivative"),
    ("sigmoid_derivative_for_relu", "backward_activation", "(1 - h) * h if activation == \"sigmoid\" else (h > 0)",
     "(1 - h) * h", "test_backward_activation_hidden", "sigmoid_derivative_for_relu"),
    ("activation_derivative_missing", "backward_activation", "delta = (delta @ params[2 * l - 2]) * derivative",
     "delta = delta @ params[2 * l - 2]", "test_backward_activation_hidden", "missing_derivative"),
    ("shrink_reversed", "shrink_factor", "(norms[0] / norms[-1])", "(norms[-1] / norms[0])",
     "test_shrink_factor_hidden", "shrink_reversed"),
    ("shrink_arithmetic_mean", "shrink_factor", "return float((norms[0] / norms[-1]) ** (1 / (len(norms) - 1)))",
     "return float(np.mean(norms[:-1] / norms[1:]))", "test_shrink_factor_hidden", "shrink_arithmetic_mean"),
    ("shrink_exponent", "shrink_factor", "(1 / (len(norms) - 1))", "(1 / len(norms))",
     "test_shrink_factor_hidden", "shrink_exponent"),
    ("autodiff_overwrite", "autodiff_backward", "u.grad += node.grad * w.value", "u.grad = node.grad * w.value",
     "test_autodiff_hidden", None),
    ("autodiff_overwrite_everywhere", "autodiff_backward", "+=", "=", "test_autodiff_hidden", "autodiff_overwrite"),
    ("autodiff_forward_order", "autodiff_backward", "reversed(topological_order(y))", "topological_order(y)",
     "test_autodiff_hidden", "autodiff_order"),
    ("autodiff_minus_cos", "autodiff_backward", "node.grad * np.cos(u.value)", "node.grad * -np.cos(u.value)",
     "test_autodiff_hidden", "autodiff_sin_minus_cos"),
    ("autodiff_own_value", "autodiff_backward", "u.grad += node.grad * w.value\n            w.grad += node.grad * u.value",
     "u.grad += node.grad * u.value\n            w.grad += node.grad * w.value", "test_autodiff_hidden",
     "autodiff_mul_own_value"),
    ("autodiff_no_seed", "autodiff_backward", "y.grad = 1.0", "pass", "test_autodiff_hidden", "autodiff_no_seed"),
]


@pytest.mark.parametrize("name,cell,old,new,killer,diagnosis", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_planted_mistake_fails_the_hidden_test(sources, name, cell, old, new, killer, diagnosis):
    text = sources[cell]
    if old == "+=":
        edited = dict(sources, **{cell: text.replace("+=", "=")})
        namespace = student(edited)
    else:
        namespace = student(sources, (cell, old, new))
    for key in KEYS[:3]:
        verdict = verdicts(NAME, namespace, [killer], label=key)[killer]
        assert not verdict.passed, f"{name} passes {killer} for key {key}"
        if diagnosis:
            assert HINTS[diagnosis] in verdict.message, verdict.message


def test_a_wrong_order_fails_already_on_the_lecture_expression(sources):
    """The visible case (the lecture's expression, x used three times, c = b * b) already needs the reverse order."""
    namespace = student(sources, ("autodiff_backward", "reversed(topological_order(y))", "topological_order(y)"))
    assert not verdicts(NAME, namespace, ["test_autodiff_visible"])["test_autodiff_visible"].passed


@pytest.mark.parametrize("key", KEYS[:3])
def test_activation_truth_agrees_with_central_differences(key):
    for grade_id in ("test_backward_activation_visible", "test_backward_activation_hidden"):
        built = built_for(NAME, key)[grade_id]
        hiddens = []
        for context, expected in zip(built.context, built.expected):
            case = context["case"]
            hiddens.append(case.hidden)
            if (case.sizes, case.n_samples) == LARGE:       # beyond central differences by design; its truth is
                continue                                    # the reference backward, checked in test_grading.py
            for a, b in zip(expected, numerical_param_gradients(case)):
                assert np.max(np.abs(a - b)) <= 1e-7 * max(np.max(np.abs(b)), 1e-12)
        assert {"relu", "sigmoid"} <= set(hiddens)
        for context in built.context:
            if context["case"].hidden == "relu":
                assert all(np.any(h == 0) and np.any(h > 0) for h in context["case"].hs[1:-1])


@pytest.mark.parametrize("seed", range(20))
def test_drawn_expressions_are_strong_and_their_truth_is_right(seed):
    rng = np.random.default_rng(seed)
    recipe = random_recipe(rng, 2 + seed % 2, 6 + seed % 5)
    assert not strength_problems(recipe)
    assert recipe_gradients(recipe) == pytest.approx(central_differences(recipe), rel=1e-6)
    output, xs = build(recipe)
    users = {}
    for _, *operands in recipe["steps"]:
        for i in operands:
            users[int(i)] = users.get(int(i), 0) + 1
    n = len(recipe["inputs"])
    assert any(count >= 2 for i, count in users.items() if i >= n), "no shared sub-expression"
    assert all(users.get(i, 0) >= 1 for i in range(len(recipe["steps"]) + n - 1)), "a node that is not used"


def test_hidden_cases_are_fresh_per_key():
    a, b = built_for(NAME, "a"), built_for(NAME, "b")
    assert a["test_autodiff_hidden"].inputs != b["test_autodiff_hidden"].inputs
    assert not np.allclose(a["test_shrink_factor_hidden"].expected, b["test_shrink_factor_hidden"].expected)
    visible = BUILDERS["test_autodiff_visible"](None)
    assert [case["inputs"] for case in visible.inputs["cases"]] == [[1.5], [-2.3]]


def test_shrink_factor_truth_is_the_geometric_mean():
    norms = np.array([0.001, 0.004, 0.01, 0.05, 0.1])
    ratios = norms[:-1] / norms[1:]
    assert shrink_factor_truth(norms) == pytest.approx(np.prod(ratios) ** 0.25, rel=1e-12)
