"""Loss functions, averaged over the N samples of a batch.

h is the network output (N, K); t the targets, as accepted by `backprop.targets`.
"""
import numpy as np

from .targets import class_targets, regression_targets

# log is floored at the smallest positive float: a saturated prediction of 0 gives a large but finite loss,
# and no epsilon big enough to change ordinary losses is added.
_TINY = np.finfo(np.float64).tiny


def cross_entropy(h, t):
    """L_ce = -(1/N) sum_n sum_k t_nk log h_nk for probabilities h (N, K) and labels (N,) or one-hot t (N, K)."""
    h = np.asarray(h, dtype=np.float64)
    if h.ndim != 2:
        raise ValueError(f"predictions must have shape (N, K); got shape {h.shape}")
    return batch_cross_entropy(h, class_targets(t, h.shape[0], h.shape[1]))


def batch_cross_entropy(h, t_one_hot):
    """`cross_entropy` without input checks, for the training loop: h (N, K) probabilities, t_one_hot (N, K) float."""
    return -float(np.vdot(t_one_hot, np.log(np.maximum(h, _TINY)))) / h.shape[0]


def cross_entropy_from_log(log_h, t_one_hot):
    """The same loss from log-probabilities (N, K) and one-hot targets (N, K); used by the MLP with log_softmax."""
    return float(-np.sum(t_one_hot * log_h) / log_h.shape[0])


def squared_error(h, t):
    """L_sq = (1/N) sum_n 1/2 ||h_n - t_n||^2 for outputs h (N, K) and targets (N, K), or (N,) when K == 1.

    Its gradient with respect to h is (h - t) / N, the same output delta as softmax + cross-entropy.
    """
    h = np.asarray(h, dtype=np.float64)
    if h.ndim != 2:
        raise ValueError(f"outputs must have shape (N, K); got shape {h.shape}")
    return batch_squared_error(h, regression_targets(t, h.shape[0], h.shape[1]))


def batch_squared_error(h, t):
    """`squared_error` without input checks, for the training loop: h and t both of shape (N, K)."""
    residual = h - t
    return 0.5 * float(np.vdot(residual, residual)) / h.shape[0]
