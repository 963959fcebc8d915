"""Hidden-test checks for the report's regression network (report11): forward pass, squared-error loss and
gradient, with an identity output layer and sigmoid hidden layers.

Each check returns None, so a test cell that ends with the call shows no value (nbgrader would read a number
shown by a test cell as its partial credit). Signatures the report asks students to implement:

    forward(params, x) -> [h^0, h^1, ..., h^L]          h^0 = x (N, D), h^L (N, K), identity output
    regression_loss(h, t) -> float                       L = (1/N) sum_n 1/2 ||h_n - t_n||^2
    gradient(params, x, t) -> [dW^1, db^1, ..., dW^L, db^L]

The trap these checks look for: a target t of shape (N,) against an output of shape (N, 1). h - t then
broadcasts to (N, N) and silently gives wrong values, so the checks pass t both as (N, 1) and as (N,).
"""
import numpy as np

from .canary import TamperingSuspected, guarded_check
from .cases import make_case
from .exercises import check_backward, check_inputs_unchanged
from .judge import GradingError, judge_arrays
from backprop_kit.testing.nb_report11 import TRAP_HINT, ratio_hint  # the hints live with the kit's tests
from backprop_kit.testing.plain import plain_array
from .run import call_student


def gradient_arguments(case):
    """Arguments of gradient(params, x, t) with targets (N, K)."""
    return {"params": case.params, "x": case.x, "t": case.t}


def flat_target_arguments(case):
    """The same with a single output and targets of shape (N,) instead of (N, 1)."""
    if case.t.shape[1] != 1:
        raise ValueError("flat targets need a network with one output (K = 1)")
    return {"params": case.params, "x": case.x, "t": case.t[:, 0]}


@guarded_check
def check_regression_forward(forward, sizes, n_samples, seed=0):
    """forward(params, x) must return [h^0, ..., h^L]; h^L (the identity output) is judged against the reference."""
    case = make_case(sizes, n_samples, hidden="sigmoid", output="identity", seed=seed)
    outcome = call_student(forward, {"params": case.params, "x": case.x}, "forward")
    hs = outcome.value
    if not isinstance(hs, (list, tuple)) or len(hs) != case.depth + 1:
        raise AssertionError("forward は各層の出力のリスト [h^0, h^1, ..., h^L]（h^0 = x、長さ L + 1）を返してください。")
    h_out = plain_array(hs[-1], "forward の出力 h^L", case.hs[-1].shape, "(N, K)")
    try:
        judge_arrays([h_out], [case.hs[-1]], ["h^L"], "forward", case, changed=outcome.changed)
    except GradingError as wrong:
        raise GradingError(f"{wrong}\nヒント: 中間層はシグモイド、出力層は恒等関数 h^L = g^L です。"
                           "出力層にシグモイドをかけていないか、g = h W^T + b の形を確認してください。",
                           wrong.diagnoses) from None


@guarded_check
def check_regression_loss(regression_loss, n_samples, n_outputs, seed=0, flat_targets=False):
    """regression_loss(h, t) against (1/N) sum 1/2 ||h - t||^2, with targets outside (0, 1).

    flat_targets: pass t as (N,) (needs n_outputs == 1) to catch the (N,) vs (N, 1) broadcasting trap.
    """
    if flat_targets and n_outputs != 1:
        raise ValueError("flat targets need n_outputs == 1")
    rng = np.random.default_rng(seed)
    h = rng.normal(0.0, 1.5, size=(n_samples, n_outputs))
    t = rng.normal(0.0, 2.0, size=(n_samples, n_outputs))
    expected = 0.5 * np.sum((h - t) ** 2) / n_samples
    outcome = call_student(regression_loss, {"h": h, "t": t[:, 0] if flat_targets else t}, "regression_loss")
    value = plain_array(outcome.value, "regression_loss の戻り値", (), "スカラー（float）")
    if abs(value - expected) <= 1e-9 * max(1.0, abs(expected)):
        return
    hint = TRAP_HINT if flat_targets else ratio_hint(value / expected, n_samples)
    raise AssertionError(f"損失の値が L = (1/N) Σ_n 1/2 ||h_n - t_n||^2 と一致しません。\nヒント: {hint}")


@guarded_check
def check_regression_gradient(gradient, sizes, n_samples, seed=0, flat_targets=False):
    """gradient(params, x, t) against central differences of the squared-error loss (identity output).

    flat_targets: pass t as (N,) (sizes must end with 1). Also fails when the call changes its arguments.
    """
    arguments = flat_target_arguments if flat_targets else gradient_arguments
    try:
        check_backward(gradient, sizes, n_samples, seed=seed, hidden="sigmoid", output="identity",
                              function_name="gradient", arguments=arguments)
    except AssertionError as wrong:
        if not flat_targets or isinstance(wrong, TamperingSuspected):
            raise
        raise AssertionError(f"{wrong}\nヒント: {TRAP_HINT}") from None


@guarded_check
def check_regression_gradient_keeps_inputs(gradient, sizes, n_samples, seed=0):
    """Calling gradient(params, x, t) must leave params, x and t exactly as they were."""
    check_inputs_unchanged(gradient, sizes, n_samples, seed=seed, hidden="sigmoid", output="identity",
                                  function_name="gradient", arguments=gradient_arguments)
