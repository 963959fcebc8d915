"""Checking inputs and bringing targets t into the (N, K) shape the losses and gradients use."""
import numpy as np


def as_inputs(x, n_features=None):
    """Validate inputs x and return them as a float64 array of shape (N, D).

    Raises ValueError naming the problem: not 2-D, wrong number of features, empty, NaN or inf.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"x must have shape (N, D), one row per sample; got shape {x.shape}")
    if x.shape[0] == 0:
        raise ValueError("x has no samples (N = 0)")
    if n_features is not None and x.shape[1] != n_features:
        raise ValueError(f"x has {x.shape[1]} features per sample, but the network expects {n_features}")
    if not np.all(np.isfinite(x)):
        raise ValueError("x contains NaN or inf")
    return x


def one_hot(labels, n_classes):
    """Integer class labels (N,) in [0, n_classes) -> one-hot float64 array (N, n_classes)."""
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"class labels must have shape (N,); got shape {labels.shape}")
    if not np.issubdtype(labels.dtype, np.integer):
        if not np.all(np.mod(labels, 1) == 0):
            raise ValueError("class labels must be integers 0, 1, ..., K-1")
        labels = labels.astype(np.int64)
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(
            f"class labels must lie in 0..{n_classes - 1}; got values from {labels.min()} to {labels.max()}"
        )
    t = np.zeros((labels.shape[0], n_classes))
    t[np.arange(labels.shape[0]), labels] = 1.0
    return t


def class_targets(t, n_samples, n_classes):
    """Classification targets: integer labels (N,) or one-hot (N, K) -> one-hot float64 (N, K)."""
    t = np.asarray(t)
    if t.ndim == 1:
        t = one_hot(t, n_classes)
    elif t.ndim != 2 or t.shape[1] != n_classes:
        raise ValueError(
            f"targets must be labels of shape (N,) or one-hot of shape (N, {n_classes}); got shape {t.shape}"
        )
    else:
        t = t.astype(np.float64)
    if t.shape[0] != n_samples:
        raise ValueError(f"{t.shape[0]} targets for {n_samples} samples")
    return t


def regression_targets(t, n_samples, n_outputs):
    """Regression targets (N, K) -> float64 (N, K). A target of shape (N,) is accepted only when K == 1,
    and becomes (N, 1): it never broadcasts against an (N, 1) output into an (N, N) array."""
    t = np.asarray(t, dtype=np.float64)
    if t.ndim == 1:
        if n_outputs != 1:
            raise ValueError(f"targets of shape (N,) need a single output; the network has {n_outputs}")
        t = t[:, None]
    if t.ndim != 2 or t.shape[1] != n_outputs:
        raise ValueError(f"targets must have shape (N, {n_outputs}); got shape {t.shape}")
    if t.shape[0] != n_samples:
        raise ValueError(f"{t.shape[0]} targets for {n_samples} samples")
    if not np.all(np.isfinite(t)):
        raise ValueError("targets contain NaN or inf")
    return t
