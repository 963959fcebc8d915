"""backprop.grading: every public check runs the canary first, and the classification checks of 11_01 and
11_03 name the typical mistakes in Japanese instead of letting numpy's errors through."""
import inspect
import re
import time

import numpy as np
import pytest

from backprop.grading import canary, classification, digit_hyperparams, exercises, heldout, regression
from backprop.grading.classification import accuracy_value, cross_entropy_value, softmax_rows

CHECK_MODULES = (exercises, regression, heldout, digit_hyperparams, classification)
CLASSIFICATION_CHECKS = ("softmax_rows", "cross_entropy_value", "accuracy_value")
PUBLIC_CHECKS = [function for module in CHECK_MODULES for name, function in inspect.getmembers(module, inspect.isfunction)
                 if function.__module__ == module.__name__ and (name.startswith("check_") or name in CLASSIFICATION_CHECKS)]


def test_the_public_checks_are_found():
    names = {check.__name__ for check in PUBLIC_CHECKS}
    assert {"check_backward", "check_regression_loss", "check_heldout_rmse", "check_digit_hyperparams",
            "softmax_rows"} <= names
    assert len(PUBLIC_CHECKS) == 15


@pytest.mark.parametrize("check", PUBLIC_CHECKS, ids=lambda check: check.__name__)
def test_a_patched_allclose_stops_every_check_before_it_judges(monkeypatch, check):
    """The canary fires before the arguments are looked at, so any arguments do."""
    monkeypatch.setattr(np, "allclose", lambda *a, **k: True)
    with pytest.raises(canary.TamperingSuspected, match="np.allclose"):
        check(None, None, None, None)


def test_a_builtin_shadowed_in_the_calling_cell_is_named():
    cell = {"check_backward": exercises.check_backward, "np": np, "sum": lambda *a: 0}
    with pytest.raises(canary.TamperingSuspected, match="sum がノートブックの関数で上書き"):
        exec("check_backward(None, (3, 4, 2), 5)", cell)


def test_a_data_variable_named_like_a_builtin_is_not_tampering():
    """`sum = 0.0` or `max = 3` in a student's cell cannot fake a check, and is common: no review for it."""
    assert canary.tampering({"np": np, "sum": 0.0, "max": 3, "list": [1, 2]}) == []


def test_the_canary_costs_milliseconds(capsys):
    """Printed, not asserted (a busy CI machine varies): the canary's time per guarded call."""
    began = time.perf_counter()
    for _ in range(50):
        canary.require_untampered({"np": np})
    per_call = (time.perf_counter() - began) / 50
    with capsys.disabled():
        print(f"\ncanary: {per_call * 1e3:.2f} ms per guarded check")


def _softmax(axis):
    def softmax(z):
        e = np.exp(z - np.max(z, axis=1, keepdims=True))
        return e / np.sum(e, axis=axis, keepdims=True)
    return softmax


def _cross_entropy(columns_from_samples):
    def cross_entropy(y_hat, y):
        n_samples, n_classes = y_hat.shape
        if y.ndim == 1:
            y = np.eye(n_samples if columns_from_samples else n_classes)[y]
        return float(-np.sum(y * np.log(y_hat)) / n_samples)
    return cross_entropy


def _accuracy(axis):
    return lambda h, y: float(np.mean(np.argmax(h, axis=axis) == y))


Z = np.array([[0.0, 1.0, 2.0], [1.0, -1.0, 0.5], [3.0, 0.0, 0.0], [0.2, 0.1, 0.0]])
Y_HAT = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.3, 0.4, 0.3], [0.25, 0.5, 0.25], [0.6, 0.3, 0.1]])
LABELS = np.array([0, 2, 1, 1, 0])


def test_right_classification_functions_give_plain_values():
    p = softmax_rows(_softmax(axis=1), Z)
    assert type(p) is np.ndarray and p.shape == Z.shape and np.allclose(p.sum(axis=1), 1.0)
    expected = -np.mean(np.log(Y_HAT[np.arange(5), LABELS]))
    assert cross_entropy_value(_cross_entropy(False), Y_HAT, LABELS) == pytest.approx(expected)
    assert cross_entropy_value(_cross_entropy(False), Y_HAT, np.eye(3)[LABELS]) == pytest.approx(expected)
    assert accuracy_value(_accuracy(axis=1), Y_HAT, np.array([0, 2, 0, 1, 0])) == pytest.approx(0.8)


@pytest.mark.parametrize("call, hint", [
    (lambda: softmax_rows(_softmax(axis=0), Z), classification.SOFTMAX_AXIS_HINT),
    (lambda: cross_entropy_value(_cross_entropy(True), Y_HAT, LABELS), classification.ONE_HOT_HINT),
    (lambda: accuracy_value(_accuracy(axis=0), Y_HAT, LABELS), classification.ARGMAX_HINT),
], ids=["softmax_axis", "one_hot_N", "argmax_axis"])
def test_typical_mistakes_are_named_without_shapes_or_code(call, hint):
    with pytest.raises(AssertionError) as raised:
        call()
    message = str(raised.value)
    assert hint in message
    assert not re.search(r"\(\d+, ?\d+\)", message), message       # no shapes of the case
    assert "axis=" not in hint and "np." not in hint                 # no code of the fix


def test_a_return_value_of_the_wrong_kind_is_named():
    with pytest.raises(AssertionError, match="accuracy の戻り値"):
        accuracy_value(lambda h, y: np.argmax(h, axis=1) == y, Y_HAT, LABELS)
    with pytest.raises(AssertionError, match="softmax の戻り値"):
        softmax_rows(lambda z: None, Z)


def _patching_backward(params, hs, t):
    """A wrong gradient function that also makes np.allclose always true while it runs."""
    np.allclose = lambda *a, **k: True
    return [np.zeros_like(p) for p in params]


@pytest.mark.parametrize("check, kwargs", [
    (exercises.check_backward, {}),
    (regression.check_regression_gradient, {"flat_targets": True}),   # its extra hint must keep the type
], ids=["backward", "regression_flat_targets"])
def test_a_patch_made_while_the_student_function_runs_is_caught(monkeypatch, check, kwargs):
    monkeypatch.setattr(np, "allclose", np.allclose)                 # restored afterwards
    with pytest.raises(canary.TamperingSuspected, match="np.allclose"):
        check(_patching_backward, (3, 4, 1), 5, seed=0, **kwargs)
