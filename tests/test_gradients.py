"""Backpropagation against two oracles: central differences (backprop_kit.gradcheck) and HIPS autograd.

Architectures are drawn by hypothesis in the "strong" set-up of FIELD_NOTES: depth 1-5, no two layer widths equal,
N >= 3 samples and N != K, float64, random biases, targets outside (0, 1) for regression.
"""
from dataclasses import dataclass

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import grad
from autograd.scipy.special import logsumexp
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from backprop import MLP
from backprop_kit.gradcheck import check_gradients, check_network, numerical_gradient


@dataclass
class Problem:
    """A network with random weights and biases, a batch x (N, D) and its targets t in one of the accepted forms."""
    net: MLP
    x: np.ndarray
    t: np.ndarray

    def hidden_preactivations(self):
        gs, _ = self.net.forward(self.x)
        return gs[1:-1]


@st.composite
def problems(draw):
    output = draw(st.sampled_from(["softmax", "identity"]))
    hidden = draw(st.sampled_from(["sigmoid", "relu"]))
    depth = draw(st.integers(1, 5))
    # Hidden widths >= 2: a one-unit bottleneck in a deep sigmoid net shrinks the first layers' gradients to ~1e-6,
    # where central differences themselves are only good to ~1e-6 relative.
    hidden_widths = draw(st.lists(st.integers(2, 10), min_size=depth - 1, max_size=depth - 1, unique=True))
    n_in = draw(st.integers(1, 10).filter(lambda n: n not in hidden_widths))
    smallest_out = 2 if output == "softmax" else 1  # one-class softmax is constant: nothing to check
    n_out = draw(st.integers(smallest_out, 10).filter(lambda n: n != n_in and n not in hidden_widths))
    sizes = [n_in, *hidden_widths, n_out]
    n_samples = draw(st.integers(3, 8).filter(lambda n: n != n_out))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))

    net = MLP(sizes, hidden=hidden, output=output, seed=int(rng.integers(2**32)))
    for b in net.params[1::2]:
        b[...] = rng.normal(0.0, 0.5, size=b.shape)
    x = rng.normal(0.0, 1.0, size=(n_samples, sizes[0]))
    if output == "softmax":
        labels = rng.integers(0, n_out, size=n_samples)
        t = labels if draw(st.booleans()) else np.eye(n_out)[labels]
    else:
        t = rng.normal(0.0, 2.0, size=(n_samples, n_out))
        if n_out == 1 and draw(st.booleans()):
            t = t[:, 0]
    problem = Problem(net, x, t)
    if hidden == "relu":  # stay clear of ReLU's kink: no pre-activation within reach of the finite-difference step
        assume(all(np.min(np.abs(g)) > 1e-3 for g in problem.hidden_preactivations()))
    return problem


@settings(max_examples=50)
@given(problems())
def test_gradient_matches_central_differences(problem):
    # eps = 3e-5 balances truncation (~eps^2) against rounding (~1e-16 / eps) a little better than 1e-5 for the
    # small first-layer gradients of deep sigmoid nets; it moves any g by well under the 1e-3 kept from ReLU's kink.
    checks = check_network(problem.net, problem.x, problem.t, eps=3e-5)
    assert [c.shape for c in checks] == [p.shape for p in problem.net.params]
    worst = max(checks, key=lambda c: c.error)
    assert worst.error < 1e-6, f"{problem.net}: {worst}"


def one_hot_reference(t, n_out):
    t = np.asarray(t)
    return np.eye(n_out)[t] if t.ndim == 1 else t


def reference_loss(params, x, t, hidden, output):
    """The network's loss written again with autograd.numpy only, from the lecture's formulas.

    params [W1, b1, ...] with W of shape (n_out, n_in); t one-hot (N, K) for softmax, values (N, K) for identity.
    """
    h = x
    n_layers = len(params) // 2
    for l in range(n_layers):
        g = anp.dot(h, params[2 * l].T) + params[2 * l + 1]
        if l < n_layers - 1:
            h = 1.0 / (1.0 + anp.exp(-g)) if hidden == "sigmoid" else anp.maximum(g, 0.0)
    n = x.shape[0]
    if output == "softmax":
        log_p = g - logsumexp(g, axis=1, keepdims=True)
        return -anp.sum(t * log_p) / n
    return 0.5 * anp.sum((g - t) ** 2) / n


def max_gap(a, b):
    """max |a - b| relative to the largest |b| (0 when both vanish)."""
    scale = np.max(np.abs(b), initial=0.0)
    gap = np.max(np.abs(a - b), initial=0.0)
    return 0.0 if gap == 0 else gap / scale


@settings(max_examples=40)
@given(problems())
def test_gradient_matches_autograd(problem):
    net, x = problem.net, problem.x
    n_out = net.sizes[-1]
    if net.output == "softmax":
        t = one_hot_reference(problem.t, n_out)
    else:
        t = np.reshape(problem.t, (x.shape[0], n_out))
    expected_loss = reference_loss(net.params, x, t, net.hidden, net.output)
    assert net.loss(x, problem.t) == pytest.approx(expected_loss, rel=1e-12, abs=1e-14)

    expected = grad(reference_loss)([p.copy() for p in net.params], x, t, net.hidden, net.output)
    actual = net.gradient(x, problem.t)
    for i, (a, e) in enumerate(zip(actual, expected)):
        assert a.shape == e.shape, f"params[{i}]"
        assert max_gap(a, e) < 1e-9, f"{net}: params[{i}] differs from autograd"


# -- the oracle itself has teeth ---------------------------------------------------------------------------


class MissingDerivativeMLP(MLP):
    """A classic bug: delta^{l-1} = delta^l W^l, without f'(g^{l-1})."""

    def backward(self, hs, t):
        saved, self.f_derivative = self.f_derivative, np.ones_like
        try:
            return super().backward(hs, t)
        finally:
            self.f_derivative = saved


def test_gradient_check_catches_a_missing_derivative(rng):
    net = MissingDerivativeMLP([5, 4, 3], seed=1)
    x, labels = rng.normal(size=(6, 5)), rng.integers(0, 3, size=6)
    worst = max(check_network(net, x, labels), key=lambda c: c.error)
    assert worst.error > 1e-2 and worst.index == 0


def test_numerical_gradient_of_a_quadratic_and_restores_params():
    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    p = np.array([0.5, -1.0])
    before = p.copy()
    (numeric,) = numerical_gradient(lambda: 0.5 * p @ A @ p, [p])
    np.testing.assert_allclose(numeric, A @ before, rtol=1e-9)
    assert np.array_equal(p, before)


def test_check_gradients_reports_the_worst_element():
    analytic = [np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1.0])]
    numeric = [np.array([[1.0, 2.0], [3.0, 4.4]]), np.array([1.0])]
    first, second = check_gradients(analytic, numeric)
    assert first.worst_index == (1, 1) and first.error == pytest.approx(0.4 / 4.4)
    assert second.error == 0.0
    with pytest.raises(TypeError, match="float64"):
        numerical_gradient(lambda: 0.0, [np.zeros(3, dtype=np.float32)])
