"""Activation functions and their derivatives, in the lecture's notation.

g is a pre-activation and h = f(g) the activation; both have shape (N, n_l), one row per sample (n_l nodes in layer l).
Derivatives are written in terms of h where the lecture does so: sigmoid'(g) = (1 - h) h.
"""
import numpy as np


def sigmoid(g):
    """Logistic function 1 / (1 + e^{-g}), elementwise, quiet and accurate for any finite g.

    Below g = -709, e^{-g} overflows to inf and 1 / (1 + inf) = 0: the right limit (the true value is under the
    smallest normal float), so that overflow is expected and silenced. For large negative g the formula keeps full
    relative precision, as it never subtracts from 1.
    """
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(np.negative(g)))


def sigmoid_derivative(h):
    """dh/dg for h = sigmoid(g), from h alone: (1 - h) h. Shape of h."""
    d = 1.0 - h
    d *= h
    return d


def relu(g):
    """max(0, g), elementwise."""
    return np.maximum(g, 0.0)


def relu_derivative(h):
    """dh/dg for h = relu(g), from h alone: 1 where h > 0, else 0 (the subgradient 0 at g = 0)."""
    return (h > 0).astype(h.dtype)


def identity(g):
    """h = g (the regression output layer)."""
    return g


def identity_derivative(h):
    """dh/dg = 1 for h = g."""
    return np.ones_like(h)


def softmax(g):
    """Row-wise softmax of g (N, K) -> (N, K); each row sums to 1.

    Each row's maximum is subtracted first: softmax is unchanged by it, and exp never overflows.
    """
    z = g - g.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def log_softmax(g):
    """Row-wise log(softmax(g)) for g (N, K), finite even where softmax underflows to 0."""
    z = g - g.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


HIDDEN = {
    "sigmoid": (sigmoid, sigmoid_derivative),
    "relu": (relu, relu_derivative),
}
OUTPUT = {
    "softmax": softmax,
    "identity": identity,
}


def hidden_activation(name):
    """(f, f' from h) for a hidden-layer activation name: 'sigmoid' or 'relu'."""
    try:
        return HIDDEN[name]
    except KeyError:
        raise ValueError(f"unknown hidden activation {name!r}: choose one of {sorted(HIDDEN)}") from None


def output_activation(name):
    """f for an output-layer activation name: 'softmax' or 'identity'."""
    try:
        return OUTPUT[name]
    except KeyError:
        raise ValueError(f"unknown output activation {name!r}: choose one of {sorted(OUTPUT)}") from None
