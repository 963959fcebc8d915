"""Training outcomes with fixed seeds: the optimisers descend, the digits are learnt, the regression data are fitted
better than by a straight plane, and gradients vanish in deep sigmoid nets but not with ReLU + He."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from backprop import MLP, Adam, Momentum, SGD
from backprop_kit.datasets import curve_truth, load_report11, make_curve
from backprop.demo import linear_least_squares, rmse

# name: (class, a learning rate for the digits, one for the quadratic)
OPTIMIZERS = {"sgd": (SGD, 0.5, 0.5), "momentum": (Momentum, 0.1, 0.1), "adam": (Adam, 0.01, 0.1)}


# -- optimisers ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizer_descends_a_quadratic(name):
    """f(p) = 1/2 (p - c)^T A (p - c) with an ill-conditioned A, gradient A (p - c), minimum 0 at p = c."""
    cls, _, lr = OPTIMIZERS[name]
    A = np.array([[2.0, 0.5], [0.5, 0.3]])
    c = np.array([1.0, -2.0])
    p = np.array([-3.0, 4.0])

    def f():
        return 0.5 * (p - c) @ A @ (p - c)

    optimizer, start = cls(lr=lr), f()
    values = []
    for _ in range(300):
        optimizer.step([p], [A @ (p - c)])
        values.append(f())
    assert values[0] < start
    assert values[-1] < 1e-3 * start


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizer_lowers_the_training_loss(digits_split, name):
    x_train, _, labels_train, _ = digits_split
    cls, lr, _ = OPTIMIZERS[name]
    net = MLP([64, 30, 10], seed=0)
    start = net.loss(x_train, labels_train)
    history = net.fit(x_train, labels_train, epochs=5, lr=lr, batch_size=32, optimizer=cls(lr=lr), seed=0)
    assert history["loss"][-1] < 0.5 * history["loss"][0] < start
    assert net.loss(x_train, labels_train) < 0.3 * start


# -- digits ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("hidden, lr", [("sigmoid", 0.5), ("relu", 0.1)])
def test_digits_test_accuracy_at_least_95_percent(digits_split, hidden, lr):
    x_train, x_test, labels_train, labels_test = digits_split
    net = MLP([64, 30, 10], hidden=hidden, seed=0)
    history = net.fit(x_train, labels_train, epochs=50, lr=lr, batch_size=32, seed=0,
                      validation=(x_test, labels_test))
    assert net.accuracy(x_test, labels_test) >= 0.95
    assert history["val_accuracy"][-1] == net.accuracy(x_test, labels_test)


# -- regression: better than the best plane -----------------------------------------------------------------


def test_report_data_beats_linear_least_squares():
    x, t = load_report11()
    order = np.random.default_rng(0).permutation(x.shape[0])
    train, test = order[: 3 * x.shape[0] // 4], order[3 * x.shape[0] // 4:]
    baseline = rmse(linear_least_squares(x[train], t[train])(x[test]), t[test])
    net = MLP([2, 30, 30, 1], output="identity", seed=0)
    net.fit(x[train], t[train], epochs=300, lr=0.01, batch_size=32, optimizer="adam", seed=0)
    assert rmse(net.predict(x[test]), t[test]) < 0.5 * baseline


def test_curve_is_fitted_close_to_the_truth():
    x, t = make_curve(n=200, noise=0.1, seed=0)
    baseline = rmse(linear_least_squares(x, t)(x), curve_truth(x))
    net = MLP([1, 30, 1], output="identity", seed=0)
    net.fit(x, t, epochs=300, lr=0.05, batch_size=16, optimizer="adam", seed=0)
    error = rmse(net.predict(x), curve_truth(x))
    assert error < 0.1 and error < 0.25 * baseline


# -- vanishing gradients at initialisation ------------------------------------------------------------------


def first_to_last_gradient_ratio(hidden, x, labels, seed=0):
    """||dL/dW^1|| / ||dL/dW^L|| for a freshly initialised 10-layer net of 50-unit hidden layers."""
    net = MLP([64] + [50] * 9 + [10], hidden=hidden, seed=seed)
    grads = net.gradient(x, labels)
    return np.linalg.norm(grads[0]) / np.linalg.norm(grads[-2])


def test_gradients_vanish_in_a_deep_sigmoid_net(digits_split):
    x_train, _, labels_train, _ = digits_split
    assert first_to_last_gradient_ratio("sigmoid", x_train[:200], labels_train[:200]) < 1e-3


def test_gradients_keep_their_size_with_relu_and_he(digits_split):
    x_train, _, labels_train, _ = digits_split
    assert 0.1 <= first_to_last_gradient_ratio("relu", x_train[:200], labels_train[:200]) <= 10


# -- the speed benchmark still runs (its timings are printed, never asserted) --------------------------------


def test_epoch_speed_benchmark_runs():
    script = Path(__file__).resolve().parents[1] / "bench" / "epoch_speed.py"
    result = subprocess.run([sys.executable, str(script), "--repeats", "1", "--epochs", "1"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    for line in ["backprop / sklearn (CPU)", "backprop / matmul floor (CPU)", "sklearn MLPClassifier"]:
        assert line in result.stdout
