"""Seeded random networks and batches, built the same way in the student's kernel and in the grader.

A test case too large to send (a network on which numerical differentiation cannot finish in a cell) travels
as its recipe {"generated": {"sizes", "n_samples", "seed", "targets", "arguments"}}: both sides build the
same arrays from it. Only data is made here: no forward pass (that is the student's or the notebook's).
"""
import numpy as np


def random_network(sizes, n_samples, seed=0, targets="one-hot"):
    """(params, x, t): weights N(0, 1.5^2 / n_{l-1}) (n_l, n_{l-1}), biases N(0, 0.5^2) (n_l,), inputs x N(0, 1)
    (N, D); t: one-hot rows (N, K) of classes 0..K-1 in a shuffled order (targets='one-hot') or N(0, 2^2)
    real targets (N, K) (targets='real')."""
    rng = np.random.default_rng(seed)
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        params += [rng.normal(0.0, 1.5 / np.sqrt(n_in), size=(n_out, n_in)), rng.normal(0.0, 0.5, size=n_out)]
    x = rng.normal(size=(n_samples, sizes[0]))
    if targets == "one-hot":
        t = np.eye(sizes[-1])[rng.permutation(np.arange(n_samples) % sizes[-1])]
    else:
        t = rng.normal(0.0, 2.0, size=(n_samples, sizes[-1]))
    return params, x, t
