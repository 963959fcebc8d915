"""Strong-setup test cases for grading gradient code: seeded networks with consistent caches.

A weak case (one sample, equal layer widths, N equal to the number of classes) lets several classic bugs
through (see FIELD_NOTES: no 1/N, transposes, labels mixed up with one-hot). Every case built here has
N >= 3 samples, all layer widths different from each other and from N, float64 arrays, and caches that
come from a real forward pass (h^l = f(g^l)).
"""
from dataclasses import dataclass

import numpy as np

from backprop_kit.testing.networks import random_network

from ..mlp import MLP
from ..targets import one_hot


def strong_setup_problems(sizes, n_samples):
    """Why (sizes, n_samples) would be a weak gradient test: a list of English reasons, empty when strong."""
    problems = []
    if n_samples < 3:
        problems.append(f"N = {n_samples} samples; use N >= 3")
    if len(set(sizes)) != len(sizes):
        problems.append(f"layer widths {list(sizes)} repeat; make them all different")
    if n_samples in sizes:
        problems.append(f"N = {n_samples} equals a layer width in {list(sizes)}; choose another N")
    return problems


@dataclass(frozen=True)
class Case:
    """One network with one batch, in the lecture's notation.

    sizes: (D, n_1, ..., n_L) with K = n_L; x (N, D); t (N, K): one-hot for softmax, real targets for identity.
    params: [W^1, b^1, ..., W^L, b^L], W^l (n_l, n_{l-1}), b^l (n_l,).
    gs: [None, g^1, ..., g^L] and hs: [h^0 = x, h^1, ..., h^L], each (N, n_l), from a forward pass.
    """
    sizes: tuple
    hidden: str
    output: str
    x: np.ndarray
    t: np.ndarray
    params: list
    gs: list
    hs: list

    @property
    def n_samples(self):
        return self.x.shape[0]

    @property
    def depth(self):
        """L, the number of layers with weights."""
        return len(self.sizes) - 1

    def network(self):
        """A fresh MLP holding copies of this case's parameters (the reference maths, on fresh arrays)."""
        return network_with([p.copy() for p in self.params], self.sizes, self.hidden, self.output)

    def param_names(self):
        """Names of the gradient arrays in params order: ['dW^1', 'db^1', ..., 'dW^L', 'db^L']."""
        return [name for l in range(1, self.depth + 1) for name in (f"dW^{l}", f"db^{l}")]

    def param_shape_labels(self):
        """Student-facing descriptions of the expected shapes, in symbols only (no hidden sizes)."""
        return [label for l in range(1, self.depth + 1)
                for label in (f"W^{l} と同じ形 (n_{l}, n_{l - 1})", f"b^{l} と同じ形 (n_{l},)")]


def make_case(sizes, n_samples, hidden="sigmoid", output="softmax", seed=0):
    """A seeded strong-setup Case. Raises ValueError (for the instructor) when the setup would be weak.

    Weights are drawn with standard deviation 1.5 / sqrt(n_{l-1}) and biases with 0.5, so sigmoid units
    are neither linear nor saturated and a missing bias gradient shows; inputs are standard normal.
    Softmax targets are one-hot rows of labels that use at least two classes; identity targets are
    normal with standard deviation 2, mostly outside (0, 1).
    """
    sizes = tuple(int(n) for n in sizes)
    problems = strong_setup_problems(sizes, n_samples)
    if problems:
        raise ValueError("weak gradient test case: " + "; ".join(problems))
    rng = np.random.default_rng(seed)
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        params += [rng.normal(0.0, 1.5 / np.sqrt(n_in), size=(n_out, n_in)), rng.normal(0.0, 0.5, size=n_out)]
    x = rng.normal(0.0, 1.0, size=(n_samples, sizes[0]))
    n_out = sizes[-1]
    if output == "softmax":
        labels = rng.integers(n_out, size=n_samples)
        labels[:2] = [0, n_out - 1]                      # at least two different classes
        t = one_hot(rng.permutation(labels), n_out)
    else:
        t = rng.normal(0.0, 2.0, size=(n_samples, n_out))
    return case_of(params, x, t, hidden, output)


def network_with(params, sizes, hidden, output):
    """The reference MLP of these sizes holding params (not copied), without drawing initial weights it would
    throw away (2.4 M of them for the large hidden networks: 0.1-0.3 s)."""
    net = MLP([1, 1], hidden=hidden, output=output, seed=0)
    net.sizes, net.params = list(sizes), params
    return net


def case_of(params, x, t, hidden="sigmoid", output="softmax"):
    """The Case of given arrays, its caches from a forward pass of the reference network."""
    sizes = (x.shape[1],) + tuple(params[l].shape[0] for l in range(0, len(params), 2))
    gs, hs = network_with(params, sizes, hidden, output).forward(x)
    return Case(sizes, hidden, output, x, t, params, gs, hs)


def generated_case(recipe, hidden="sigmoid", output="softmax"):
    """The Case a kit recipe {"sizes", "n_samples", "seed", "targets", ...} builds on both sides."""
    params, x, t = random_network(recipe["sizes"], recipe["n_samples"], recipe["seed"], recipe["targets"])
    return case_of(params, x, t, hidden, output)
