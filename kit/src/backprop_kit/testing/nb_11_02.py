"""Tests of 11_02 (誤差逆伝播法): output_delta, hidden_delta, param_gradients, backward.

Inputs of every test: {"cases": [{parameter: value}, ...]}, one call per case. Expected: one value per case
(an array, a (dW, db) pair, or the list of gradients in params order).
"""
from .compare import same_array, same_arrays, unchanged
from .spec import Test, answers_of, ask_each


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


def compare_gradients(check_unchanged=False):
    def compare(inputs, expected, answers):
        for i, (answer, grads) in enumerate(zip(answers_of(answers, len(expected)), expected)):
            if check_unchanged:
                unchanged(answer, "backward")
            same_arrays(answer, list(grads), "backward", gradient_names(len(grads)), gradient_labels(len(grads)),
                        case_index=i)
    return compare


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
    "test_backward_hidden_unchanged": Test(ask_each("backward"), compare_gradients(check_unchanged=True)),
}
