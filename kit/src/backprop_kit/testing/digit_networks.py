"""Judging a digits network the student's code trained: the predicted classes of its parameters on a split's
test images, computed here (in the grader at grading time), never by the student's code.

    params = parameter_arrays(value, shapes, what)         plain float64 arrays [W^1, b^1, ..., W^L, b^L]
    params = network_arrays(value, hidden_sizes)          the same for the network 64 -> hidden_sizes -> 10
    split_accuracy(params, activation, seed)              share of load_digits_split(seed=seed)'s test images
                                                          whose predicted class is their label

11_03's visible decision test judges the network the student's train_network returned this way; the points of
the decision follow the grader's own training of the chosen settings (backprop.grading.digit_training, which
counts its accuracy with split_accuracy too).

The predicted class is the k with the largest g^L_k = (h^{L-1} W^L^T + b^L)_k: the softmax keeps the order of
the g^L_k, so it is not needed here (and this module holds no answer of 11_01's forward).
"""
import numpy as np
from scipy.special import expit

from ..datasets import load_digits_split
from .plain import ShapeProblem, plain_array

N_PIXELS, N_CLASSES = 64, 10


def layer_sizes(hidden_sizes):
    """[64, n_1, ..., 10] for the hidden layers' widths."""
    return [N_PIXELS, *[int(n) for n in hidden_sizes], N_CLASSES]


class Diverged(AssertionError):
    """Parameters holding NaN or inf: the training diverged."""


def parameter_arrays(value, shapes, what):
    """value, a list [W^1, b^1, ..., W^L, b^L] with these shapes, as fresh float64 arrays; AssertionError (Japanese,
    `what` names the list, e.g. "sgd_epoch の戻り値") naming the first problem, Diverged for NaN or inf."""
    if isinstance(value, np.ndarray) or not isinstance(value, (list, tuple)):
        raise AssertionError(f"{what}は [W^1, b^1, ..., W^L, b^L] のリストにしてください（{type(value).__name__} に"
                             "なっています。return を忘れていないか確かめてください）。")
    if len(value) != len(shapes):
        raise AssertionError(f"{what}のリストの長さが params と違います（{len(value)} 個、正しくは {len(shapes)} 個）。"
                             "すべての層の W^l と b^l を、params と同じ順番で返してください。")
    arrays = []
    for index, (array, shape) in enumerate(zip(value, shapes)):
        name = f"{'Wb'[index % 2]}^{index // 2 + 1}"
        label = f"(n_{index // 2 + 1}, n_{index // 2})" if index % 2 == 0 else f"(n_{index // 2 + 1},)"
        try:
            arrays.append(plain_array(array, f"{what}の {name}", shape, label))
        except ShapeProblem as problem:
            if problem.kind == "not_finite":
                raise Diverged(f"{what}の {name} に NaN または inf が含まれています。") from None
            raise
    return arrays


def network_arrays(value, hidden_sizes, what="train_network の戻り値"):
    """The returned params of a network 64 -> hidden_sizes -> 10 as fresh float64 arrays (parameter_arrays)."""
    sizes = layer_sizes(hidden_sizes)
    shapes = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        shapes += [(n_out, n_in), (n_out,)]
    return parameter_arrays(value, shapes, what)


def predicted_classes(params, activation, x):
    """The predicted classes (N,) of the network params for the images x (N, 64); hidden layers sigmoid or ReLU."""
    h = np.asarray(x, dtype=np.float64)
    n_layers = len(params) // 2
    with np.errstate(all="ignore"):
        for l in range(n_layers):
            g = h @ params[2 * l].T + params[2 * l + 1]
            h = g if l == n_layers - 1 else (expit(g) if activation == "sigmoid" else np.maximum(g, 0.0))
    return np.argmax(np.nan_to_num(h, nan=-np.inf), axis=1)


def split_accuracy(params, activation, seed):
    """The test accuracy of the network on the split load_digits_split(seed=seed)."""
    _, x_test, _, y_test = load_digits_split(seed=int(seed))
    return float(np.mean(predicted_classes(params, activation, x_test) == y_test))
