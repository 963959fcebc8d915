"""Gradient checking: compare analytic gradients with central differences in float64."""
from dataclasses import dataclass

import numpy as np


def numerical_gradient(f, params, eps=1e-5):
    """Central differences (f(p + eps) - f(p - eps)) / (2 eps) for each element of each array in params.

    f() takes no arguments and reads the arrays in params, which are nudged in place and restored.
    Returns a list of float64 arrays with the shapes of params.
    """
    grads = []
    for p in params:
        if p.dtype != np.float64:
            raise TypeError(f"gradient checks need float64 parameters; got {p.dtype}")
        d = np.zeros_like(p)
        for i in np.ndindex(p.shape):
            saved = p[i]
            p[i] = saved + eps
            f_plus = f()
            p[i] = saved - eps
            f_minus = f()
            p[i] = saved
            d[i] = (f_plus - f_minus) / (2 * eps)
        grads.append(d)
    return grads


def relative_error(analytic, numeric):
    """max |a - n| / max(max |a|, max |n|) over one array: the error relative to the gradient's own scale
    (0 when both are all zero). Elementwise ratios would blow up on entries that are almost zero."""
    a, n = np.asarray(analytic, dtype=np.float64), np.asarray(numeric, dtype=np.float64)
    if a.shape != n.shape:
        raise ValueError(f"gradient of shape {a.shape} compared with one of shape {n.shape}")
    scale = max(np.max(np.abs(a), initial=0.0), np.max(np.abs(n), initial=0.0))
    return 0.0 if scale == 0 else float(np.max(np.abs(a - n)) / scale)


@dataclass
class ArrayCheck:
    """The result for one parameter array: its index in params, max relative error and the worst element."""
    index: int
    shape: tuple
    error: float
    worst_index: tuple
    analytic: float
    numeric: float

    def __str__(self):
        return (f"params[{self.index}] {self.shape}: relative error {self.error:.2e} "
                f"(worst at {self.worst_index}: analytic {self.analytic:.6g}, numerical {self.numeric:.6g})")


def check_gradients(analytic, numeric):
    """One ArrayCheck per parameter array, comparing analytic with numerical gradients (same shapes)."""
    if len(analytic) != len(numeric):
        raise ValueError(f"{len(analytic)} analytic gradient arrays for {len(numeric)} parameter arrays")
    checks = []
    for i, (a, n) in enumerate(zip(analytic, numeric)):
        a, n = np.asarray(a, dtype=np.float64), np.asarray(n, dtype=np.float64)
        err = relative_error(a, n)
        worst = np.unravel_index(np.argmax(np.abs(a - n)), a.shape) if a.size else ()
        worst = tuple(int(j) for j in worst)
        checks.append(ArrayCheck(i, a.shape, err, worst, float(a[worst]) if a.size else 0.0,
                                 float(n[worst]) if n.size else 0.0))
    return checks


def check_network(net, x, t, eps=1e-5):
    """Gradient check of net.gradient(x, t) against central differences of net.loss(x, t): [ArrayCheck]."""
    analytic = net.gradient(x, t)
    numeric = numerical_gradient(lambda: net.loss(x, t), net.params, eps)
    return check_gradients(analytic, numeric)
