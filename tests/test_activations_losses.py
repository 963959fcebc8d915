"""Numerical edge cases of the activations and losses: extreme logits, saturation, and target shapes.

Every computation that must stay quiet runs with floating-point warnings turned into errors.
"""
import math
import warnings
from contextlib import contextmanager

import numpy as np
import pytest

from backprop import MLP, cross_entropy, sigmoid, softmax, squared_error
from backprop.activations import (hidden_activation, log_softmax, output_activation, relu, relu_derivative,
                                  sigmoid_derivative)


@contextmanager
def strict_floats():
    """Overflow, division by zero and invalid operations (NaN) raise instead of warning, as does any warning.

    Underflow to 0 (e.g. exp(-2000)) is harmless and stays silent, as it is by NumPy's default.
    """
    with warnings.catch_warnings(), np.errstate(all="raise", under="ignore"):
        warnings.simplefilter("error")
        yield


def softmax_by_definition(g):
    """exp(g_k) / sum_j exp(g_j) for one row of moderate logits, written out with math.exp."""
    e = [math.exp(v) for v in g]
    return [v / sum(e) for v in e]


# -- softmax -----------------------------------------------------------------------------------------------


def test_softmax_of_huge_logits_is_finite_and_exact():
    g = np.array([[1000.0, -1000.0, 0.0],
                  [-1000.0, -1000.0, -1000.0],
                  [1000.0, 1000.0, -1000.0]])
    with strict_floats():
        p = softmax(g)
    np.testing.assert_allclose(p, [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3], [0.5, 0.5, 0]], atol=1e-300)


def test_softmax_rows_at_different_scales_are_independent():
    """Subtracting the batch-wide maximum (instead of each row's) underflows the small rows to 0 / 0."""
    row = np.array([0.3, -1.2, 2.0, 0.5])
    g = np.stack([row, row + 900.0, row - 900.0, 10.0 * row])
    with strict_floats():
        p = softmax(g)
    for k in range(3):
        np.testing.assert_allclose(p[k], softmax_by_definition(row), rtol=1e-12)
    np.testing.assert_allclose(p[3], softmax_by_definition(10.0 * row), rtol=1e-12)


def test_softmax_rows_sum_to_one(rng):
    g = rng.normal(0.0, 30.0, size=(7, 4))  # N != K, so a softmax over axis 0 has the wrong sums
    p = softmax(g)
    assert p.shape == (7, 4)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-14)
    assert np.all(p >= 0)


def test_log_softmax_is_finite_where_softmax_underflows():
    g = np.array([[1000.0, -1000.0, 0.0]])
    with strict_floats():
        log_p = log_softmax(g)
    np.testing.assert_allclose(log_p, [[0.0, -2000.0, -1000.0]], rtol=1e-12)


# -- cross-entropy ------------------------------------------------------------------------------------------


def test_saturated_wrong_prediction_gives_a_finite_large_loss():
    h = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    with strict_floats():
        loss = cross_entropy(h, [1, 0, 0])  # the first two predictions are certain and wrong
    assert np.isfinite(loss) and loss > 100


def test_saturated_right_prediction_gives_zero_loss():
    h = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    with strict_floats():
        assert cross_entropy(h, [0, 2]) == 0.0


@pytest.mark.parametrize("n_classes", [2, 3, 10])
def test_uniform_prediction_gives_log_k(n_classes):
    n = n_classes + 2
    h = np.full((n, n_classes), 1.0 / n_classes)
    labels = np.arange(n) % n_classes
    assert cross_entropy(h, labels) == pytest.approx(math.log(n_classes), rel=1e-12)


def test_cross_entropy_is_the_mean_negative_log_probability_of_the_true_class(rng):
    h = softmax(rng.normal(size=(5, 3)))
    labels = np.array([2, 0, 1, 1, 0])
    expected = -sum(math.log(h[n, labels[n]]) for n in range(5)) / 5
    assert cross_entropy(h, labels) == pytest.approx(expected, rel=1e-12)
    assert cross_entropy(h, np.eye(3)[labels]) == pytest.approx(expected, rel=1e-12)


def test_labels_and_one_hot_give_the_same_network_loss(rng):
    net = MLP([4, 6, 3], seed=0)
    x, labels = rng.normal(size=(5, 4)), np.array([2, 0, 1, 1, 0])
    assert net.loss(x, labels) == net.loss(x, np.eye(3)[labels])
    for a, b in zip(net.gradient(x, labels), net.gradient(x, np.eye(3)[labels])):
        np.testing.assert_array_equal(a, b)


def test_network_loss_with_huge_logits_is_finite_and_exact():
    net = MLP([2, 3], seed=0)  # a single softmax layer: g = x W.T + b
    W, b = net.params
    W[...] = [[1000.0, 0.0], [0.0, 1000.0], [-1000.0, 0.0]]
    b[...] = 0.0
    x = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, 0.0]])
    labels = np.array([0, 1, 2, 1])  # the third sample is certain and wrong by 2000, the fourth uniform
    with strict_floats():
        loss = net.loss(x, labels)
        grads = net.gradient(x, labels)
    assert loss == pytest.approx((2000.0 + math.log(3)) / 4, rel=1e-12)
    assert all(np.all(np.isfinite(d)) for d in grads)


# -- squared error and the (N,) vs (N, 1) target ------------------------------------------------------------


def test_squared_error_value():
    h = np.array([[1.0, 2.0], [0.0, -1.0], [3.0, 3.0]])
    t = np.array([[0.0, 2.0], [2.0, 1.0], [3.0, 5.0]])
    assert squared_error(h, t) == pytest.approx((1.0 + 8.0 + 4.0) / 2 / 3)


def test_target_of_shape_n_against_one_output_does_not_broadcast():
    h = np.array([[1.0], [2.0], [4.0]])
    t = np.array([1.0, 1.0, 1.0])  # broadcasting to (3, 3) would give (0 + 3 + 27) / 2 / 3 instead
    assert squared_error(h, t) == pytest.approx((0.0 + 1.0 + 9.0) / 2 / 3)


def test_network_accepts_n_targets_for_one_output(rng):
    net = MLP([2, 5, 1], output="identity", seed=0)
    x, t = rng.normal(size=(6, 2)), rng.normal(size=6)
    assert net.loss(x, t) == net.loss(x, t[:, None])
    for a, b in zip(net.gradient(x, t), net.gradient(x, t[:, None])):
        np.testing.assert_array_equal(a, b)
    assert net.predict(x).shape == (6, 1)


def test_target_of_shape_n_against_two_outputs_is_rejected(rng):
    with pytest.raises(ValueError, match=r"shape \(N,\).*single output"):
        squared_error(np.zeros((3, 2)), np.zeros(3))
    net = MLP([2, 4, 2], output="identity", seed=0)
    with pytest.raises(ValueError, match="single output"):
        net.loss(rng.normal(size=(3, 2)), np.zeros(3))


# -- sigmoid, ReLU, names -----------------------------------------------------------------------------------


def test_sigmoid_is_quiet_up_to_1e3():
    g = np.linspace(-1000.0, 1000.0, 20001)
    with strict_floats():
        h = sigmoid(g)
    assert np.all((h >= 0) & (h <= 1))
    assert h[0] == 0.0 and h[-1] == 1.0 and h[10000] == 0.5


def test_sigmoid_is_accurate_for_large_negative_g():
    """For g << 0, sigmoid(g) ~ e^g: 1 - 1 / (1 + e^g) loses every digit here."""
    g = np.array([-700.0, -300.0, -40.0, -20.0, -5.0])
    expected = [math.exp(v) / (1.0 + math.exp(v)) for v in g]
    np.testing.assert_allclose(sigmoid(g), expected, rtol=1e-13)


def test_sigmoid_symmetry_and_derivative(rng):
    g = rng.normal(0.0, 4.0, size=50)
    np.testing.assert_allclose(sigmoid(-g), 1.0 - sigmoid(g), atol=1e-15)
    step = 1e-6
    numeric = (sigmoid(g + step) - sigmoid(g - step)) / (2 * step)
    np.testing.assert_allclose(sigmoid_derivative(sigmoid(g)), numeric, rtol=1e-6, atol=1e-12)


def test_relu_and_its_derivative():
    g = np.array([[-2.0, 0.0, 3.0]])
    np.testing.assert_array_equal(relu(g), [[0.0, 0.0, 3.0]])
    np.testing.assert_array_equal(relu_derivative(relu(g)), [[0.0, 0.0, 1.0]])


def test_unknown_activation_names_are_rejected():
    with pytest.raises(ValueError, match="unknown hidden activation 'tanh'"):
        hidden_activation("tanh")
    with pytest.raises(ValueError, match="unknown output activation 'sigmoid'"):
        output_activation("sigmoid")
