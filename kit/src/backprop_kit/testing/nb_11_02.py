"""Tests of 11_02 (誤差逆伝播法): output_delta, hidden_delta, param_gradients, backward, backward_activation,
shrink_factor, autodiff_backward.

Inputs of every test: {"cases": [{parameter: value}, ...]}, one call per case. Expected: one value per case
(an array, a (dW, db) pair, the list of gradients in params order, a number, or the inputs' grads).
The autodiff tests' cases are expression recipes (`expressions`): the kit builds each graph, the student's
autodiff_backward fills in its grads, and the answer is the list of the input nodes' grads.
"""
import numpy as np

from .calls import call
from .compare import judge_arrays, returned, same_array, same_arrays, unchanged
from .expressions import build
from .plain import plain_array
from .spec import Test, answers_of, ask_each, judged_twice


def gradient_names(n_arrays):
    """['dW^1', 'db^1', ..., 'dW^L', 'db^L'] for 2L arrays."""
    return [f"d{p}^{l}" for l in range(1, n_arrays // 2 + 1) for p in ("W", "b")]


def gradient_labels(n_arrays):
    """The expected shapes in symbols only (no sizes of the case)."""
    return [label for l in range(1, n_arrays // 2 + 1)
            for label in (f"W^{l} と同じ形 (n_{l}, n_{l - 1})", f"b^{l} と同じ形 (n_{l},)")]


def compare_deltas(function_name, symbol, label):
    def compare(inputs, expected, answers):
        for i, (answer, value) in enumerate(zip(answers_of(answers, len(expected)), expected)):
            same_array(answer, value, function_name, symbol, label, case_index=i)
    return compare


def compare_pairs(inputs, expected, answers):
    for i, (answer, pair) in enumerate(zip(answers_of(answers, len(expected)), expected)):
        same_arrays(answer, list(pair), "param_gradients", ["dW", "db"],
                    ["W と同じ形 (n_l, n_{l-1})", "b と同じ形 (n_l,)"], case_index=i)


def compare_gradients(check_unchanged=False, function_name="backward", what="数値微分"):
    def compare(inputs, expected, answers):
        for i, (answer, grads) in enumerate(zip(answers_of(answers, len(expected)), expected)):
            if check_unchanged:
                unchanged(answer, function_name)
            same_arrays(answer, list(grads), function_name, gradient_names(len(grads)), gradient_labels(len(grads)),
                        what=what, case_index=i)
    return compare


def compare_factor(inputs, expected, answers):
    """One number per case: the geometric mean of the ratios of successive layers' norms."""
    for i, (answer, value) in enumerate(zip(answers_of(answers, len(expected)), expected)):
        got = plain_array(returned(answer, "shrink_factor"), "shrink_factor の戻り値", (), "1 つの数（float）")
        judge_arrays([got], [np.asarray(value, dtype=np.float64)], ["shrink_factor の戻り値"],
                     "隣り合う層の比の幾何平均", case_index=i)


def ask_autodiff(student, inputs):
    """Build each case's graph from its recipe, let the student's autodiff_backward(output) fill in the grads,
    and answer the input nodes' grads (x_1.grad, ..., x_k.grad)."""
    function = student.get("autodiff_backward")
    answers = []
    for recipe in inputs["cases"]:
        if not callable(function):
            answers.append(call(function, "autodiff_backward", {}))
            continue

        def run(graph):
            output, xs = graph
            function(output)
            return [x.grad for x in xs]

        answers.append(call(run, "autodiff_backward", {"graph": build(recipe)}))
    return {"cases": answers}


def input_names(k):
    return ["x.grad"] if k == 1 else [f"x_{j + 1}.grad" for j in range(k)]


def compare_autodiff(inputs, expected, answers):
    for i, (answer, grads) in enumerate(zip(answers_of(answers, len(expected)), expected)):
        k = len(grads)
        values = plain_array(returned(answer, "autodiff_backward"), "入力ノードの grad", (k,), "入力の数だけの値")
        judge_arrays([values[j:j + 1] for j in range(k)], [np.array([float(g)]) for g in grads], input_names(k),
                     "正しい微分", case_index=i)


TESTS = {
    "test_output_delta_visible": Test(ask_each("output_delta"), compare_deltas("output_delta", "δ^L", "h^L と同じ形 (N, K)"),
                                      "OK: output_delta は数値微分と一致しました。"),
    "test_output_delta_hidden": Test(ask_each("output_delta"), compare_deltas("output_delta", "δ^L", "h^L と同じ形 (N, K)")),
    "test_hidden_delta_visible": Test(ask_each("hidden_delta"), compare_deltas("hidden_delta", "δ^l", "h と同じ形 (N, n_l)"),
                                      "OK: hidden_delta は数値微分と一致しました。"),
    "test_hidden_delta_hidden": Test(ask_each("hidden_delta"), compare_deltas("hidden_delta", "δ^l", "h と同じ形 (N, n_l)")),
    "test_param_gradients_visible": Test(ask_each("param_gradients"), compare_pairs,
                                         "OK: param_gradients は数値微分と一致しました。"),
    "test_param_gradients_hidden": Test(ask_each("param_gradients"), compare_pairs),
    "test_backward_visible": Test(ask_each("backward"), compare_gradients(),
                                  "OK: backward は 2 層と 3 層のネットワークで数値微分と一致しました。"),
    "test_backward_hidden_deep": Test(ask_each("backward"), compare_gradients()),
    "test_backward_hidden_deeper": Test(ask_each("backward"), compare_gradients()),
    "test_backward_hidden_shapes": Test(ask_each("backward"), compare_gradients()),
    "test_backward_hidden_unchanged": Test(ask_each("backward", twice=True),
                                           judged_twice(compare_gradients(check_unchanged=True), "backward")),
    "test_backward_activation_visible": Test(
        ask_each("backward_activation"), compare_gradients(function_name="backward_activation", what="正しい勾配"),
        "OK: backward_activation はシグモイドと ReLU のネットワークで正しい勾配と一致しました。"),
    "test_backward_activation_hidden": Test(
        ask_each("backward_activation"), compare_gradients(function_name="backward_activation", what="正しい勾配")),
    "test_shrink_factor_visible": Test(ask_each("shrink_factor"), compare_factor,
                                       "OK: shrink_factor は隣り合う層の比の幾何平均と一致しました。"),
    "test_shrink_factor_hidden": Test(ask_each("shrink_factor"), compare_factor),
    "test_autodiff_visible": Test(ask_autodiff, compare_autodiff,
                                  "OK: autodiff_backward は (sin(x) x)^2 + x の微分と一致しました。"),
    "test_autodiff_hidden": Test(ask_autodiff, compare_autodiff),
}
