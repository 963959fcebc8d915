"""Cases of 11_01 (順伝播の復習). Truth: scipy's expit and softmax, the cross-entropy written out here, and for
the hand-chosen weights the labels of fresh points of make_toy("corner") (the data's rule, not a network).

Visible tests: with rng None the notebook's own examples; at grading the same examples plus one drawn case of
the same kind. Hidden tests: every size and value drawn from rng (none is written in the notebook).
"""
import numpy as np
from scipy.special import expit, softmax

from backprop_kit.datasets import make_toy

from . import Built

HAND_BAR = 0.95


def distinct(rng, ranges):
    """One integer from each inclusive range, all different (the strong setup: no size equals another)."""
    while True:
        values = [int(rng.integers(low, high + 1)) for low, high in ranges]
        if len(set(values)) == len(values):
            return values


def _function_cases(cases, truth):
    return Built({"cases": cases}, [truth(**case) for case in cases])


# -- sigmoid ----------------------------------------------------------------------------------------------------
def _sigmoid(g):
    return expit(np.asarray(g, dtype=np.float64))


def sigmoid_values(rng):
    cases = [{"g": 0.0}, {"g": float(np.log(3.0))}, {"g": np.linspace(-5, 5, 11)}, {"g": np.zeros((2, 3))}]
    if rng is not None:
        shape = tuple(int(n) for n in rng.integers(2, 7, size=int(rng.integers(1, 4))))
        cases.append({"g": rng.uniform(-8, 8, size=shape)})
    return _function_cases(cases, _sigmoid)


def extreme_values(rng, size):
    """Values of both signs whose magnitudes lie between 30 and 1e5 (exp(|g|) overflows above ~709), and 0."""
    g = rng.choice([-1.0, 1.0], size=size) * 10.0 ** rng.uniform(1.5, 5.0, size=size)
    g[:3] = [-float(rng.uniform(710, 2000)), float(rng.uniform(710, 2000)), 0.0]
    return rng.permutation(g)


def sigmoid_stable(rng):
    cases = [{"g": np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])}]
    if rng is not None:
        cases.append({"g": extreme_values(rng, int(rng.integers(6, 13)))})
    return _function_cases(cases, _sigmoid)


def sigmoid_hidden(rng):
    shape = tuple(distinct(rng, [(2, 6)] * 3))
    g = rng.choice([-1.0, 1.0], size=shape) * 10.0 ** rng.uniform(-3, 3.1, size=shape)
    g.flat[rng.choice(g.size, size=3, replace=False)] = [-1e5, 1e5, 0.0]
    n = int(rng.integers(5, 15))
    cases = [{"g": g}, {"g": rng.integers(-40, 41, size=n)}, {"g": extreme_values(rng, n + 3)},
             {"g": float(rng.normal(scale=5.0))}]
    return _function_cases(cases, _sigmoid)


# -- softmax ----------------------------------------------------------------------------------------------------
def _softmax(z):
    return softmax(np.asarray(z, dtype=np.float64), axis=1)


def _shape(rng, n=(2, 12), k=(2, 8)):
    return tuple(distinct(rng, [n, k]))


def softmax_values(rng):
    z = np.arange(12.0).reshape(4, 3) / 4
    cases = [{"z": np.array([[0.0, np.log(2.0)], [np.log(3.0), 0.0]])}, {"z": z},
             {"z": z + np.array([[1.0], [5.0], [-2.0], [30.0]])}]
    if rng is not None:
        cases.append({"z": rng.normal(scale=3.0, size=_shape(rng))})
    return _function_cases(cases, _softmax)


def large_rows(rng):
    """(N, K) with every row shifted by +-(500 to 3000): exp overflows unless each row's maximum is subtracted,
    and a global maximum leaves rows whose every exp is 0."""
    n, k = _shape(rng, n=(3, 9), k=(3, 7))
    offsets = rng.uniform(500, 3000, size=n) * np.resize([1.0, -1.0], n)
    return rng.normal(scale=5.0, size=(n, k)) + rng.permutation(offsets)[:, None]


def softmax_stable(rng):
    cases = [{"z": np.array([[1000.0, 0.0, -1000.0], [-1000.0, -1000.0, -999.0]])}]
    if rng is not None:
        cases.append({"z": large_rows(rng)})
    return _function_cases(cases, _softmax)


def softmax_hidden(rng):
    n, k = _shape(rng, n=(7, 12), k=(3, 6))
    z = rng.normal(size=(n, k)) * 10.0 ** rng.uniform(-3, 3, size=n)[:, None]   # rows of very different scales
    z[0] += 1000.0
    z[1] -= 1000.0
    cases = [{"z": rng.permutation(z)}, {"z": rng.normal(scale=4.0, size=(1, int(rng.integers(3, 8))))},
             {"z": np.full((int(rng.integers(2, 7)), 1), float(rng.normal(scale=10.0)))}, {"z": large_rows(rng)}]
    return _function_cases(cases, _softmax)


# -- cross_entropy ------------------------------------------------------------------------------------------------
def _mean_cross_entropy(h_L, labels):
    p = np.asarray(h_L, dtype=np.float64)[np.arange(len(labels)), labels]
    return float(-np.mean(np.log(p)))


def _entropy_case(h_L, labels, one_hot=False, rtol=1e-10, small=False):
    """The arguments of cross_entropy(h_L, t), t as labels or one-hot, and the mean cross-entropy they give."""
    h_L = np.asarray(h_L, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.int64)
    t = np.eye(h_L.shape[1])[labels] if one_hot else labels
    return {"h_L": h_L, "t": t}, {"value": _mean_cross_entropy(h_L, labels), "rtol": rtol, "small": small}


def _saturated_case(h_L, labels):
    return {"h_L": np.asarray(h_L, dtype=np.float64), "t": np.asarray(labels, dtype=np.int64)}, {"saturated": True}


def _entropy_built(pairs):
    return Built({"cases": [case for case, _ in pairs]}, [truth for _, truth in pairs])


def _probabilities(rng, n, k):
    return softmax(rng.normal(scale=3.0, size=(n, k)), axis=1)


def cross_entropy_values(rng):
    labels = np.array([0, 2, 1, 1, 0])
    h_L = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.3, 0.4, 0.3], [0.25, 0.5, 0.25], [0.6, 0.3, 0.1]])
    pairs = [_entropy_case(np.full((5, 3), 1 / 3), labels), _entropy_case(h_L, labels),
             _entropy_case(h_L, labels, one_hot=True)]
    if rng is not None:
        n, k = _shape(rng, n=(3, 12), k=(2, 7))
        labels = rng.integers(0, k, size=n)
        pairs += [_entropy_case(_probabilities(rng, n, k), labels), _entropy_case(_probabilities(rng, n, k), labels, True)]
    return _entropy_built(pairs)


def cross_entropy_saturated(rng):
    pairs = [_entropy_case([[0.5, 0.5], [0.9, 0.1], [0.2, 0.8]], [0, 0, 1]),
             _saturated_case([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]], [0, 0, 1]),
             _entropy_case([[1e-6, 1 - 1e-6]], [0], rtol=1e-6, small=True)]
    if rng is not None:
        tiny = 10.0 ** rng.uniform(-9, -5)
        pairs.append(_entropy_case([[1 - tiny, tiny]], [1], rtol=1e-6, small=True))
    return _entropy_built(pairs)


def labels_without_last(rng, n, k):
    """n labels in 0..k-2, never k-1, and at least two different ones (np.eye(y.max() + 1) has too few columns)."""
    while True:
        labels = rng.integers(0, k - 1, size=n)
        if len(set(labels.tolist())) >= min(2, k - 1):
            return labels


def cross_entropy_hidden(rng):
    n, k = _shape(rng, n=(6, 12), k=(3, 6))
    labels = labels_without_last(rng, n, k)
    h_L = _probabilities(rng, n, k)
    few, many = distinct(rng, [(3, 4), (6, 8)])              # fewer samples than classes
    few_labels = labels_without_last(rng, few, many)
    tiny = 10.0 ** rng.uniform(-10, -7)
    small_p = np.array([[tiny, 1 - tiny, 0.0], [0.5, 0.0, 0.5], [0.0, 0.0, 1.0], [0.2, 0.3, 0.5]])
    saturated = np.tile(np.eye(k)[rng.integers(0, k)], (n, 1))
    pairs = [_entropy_case(h_L, labels), _entropy_case(h_L, labels, one_hot=True),
             _entropy_case(_probabilities(rng, few, many), few_labels),
             _entropy_case(small_p, [0, 0, 2, 1], rtol=1e-4, small=True),
             _saturated_case(saturated, labels_without_last(rng, n, k))]
    if np.all(saturated[np.arange(n), pairs[-1][0]["t"]] == 1.0):     # make sure a true class has probability 0
        pairs[-1] = _saturated_case(saturated, (pairs[-1][0]["t"] + 1) % k)
    return _entropy_built(pairs)


# -- forward ----------------------------------------------------------------------------------------------------
def _forward(x, W_mid, b_mid, W_out, b_out):
    h = expit(x @ W_mid.T + b_mid)
    return h, softmax(h @ W_out.T + b_out, axis=1)


def _random_network(rng, scale=1.0):
    n, d, j, k = distinct(rng, [(3, 12), (2, 6), (2, 9), (2, 6)])
    return {"x": rng.normal(size=(n, d)), "W_mid": scale * rng.normal(size=(j, d)), "b_mid": scale * rng.normal(size=j),
            "W_out": scale * rng.normal(size=(k, j)), "b_out": scale * rng.normal(size=k)}


def _forward_built(cases):
    return Built({"cases": cases}, [_forward(**case) for case in cases])


def forward_shapes(rng):
    cases = [{"x": np.arange(8.0).reshape(4, 2) / 8, "W_mid": np.zeros((3, 2)), "b_mid": np.zeros(3),
              "W_out": np.ones((2, 3)), "b_out": np.zeros(2)}]
    if rng is not None:
        cases.append(_random_network(rng))
    return _forward_built(cases)


def forward_values(rng):
    cases = [{"x": np.array([[1.0, 2.0]]), "W_mid": np.array([[np.log(3.0), 0.0], [1.0, -0.5]]), "b_mid": np.zeros(2),
              "W_out": np.array([[4.0, 0.0], [0.0, 2.0]]), "b_out": np.zeros(2)},
             {"x": np.array([[0.0, 0.0]]), "W_mid": np.zeros((2, 2)), "b_mid": np.array([np.log(3.0), 0.0]),
              "W_out": np.zeros((2, 2)), "b_out": np.zeros(2)}]
    if rng is not None:
        cases.append(_random_network(rng))
    return _forward_built(cases)


def forward_hidden(rng):
    case = _random_network(rng)
    big = _random_network(rng, scale=1000.0)             # saturated sigmoid and softmax of very large z
    big["x"] = 100.0 * big["x"]
    return _forward_built([case, big])


# -- hand-chosen weights --------------------------------------------------------------------------------------------
def hand_shapes(rng):
    return Built({}, None)


def hand_accuracy(rng):
    """The notebook's own data (x_toy, t_toy), also at grading: the visible bar is met on the data the student sees."""
    x, y = make_toy("corner", n=200, noise=0.05, seed=0)
    return Built({}, {"x": x, "y": y, "bar": HAND_BAR})


def hand_hidden(rng):
    x, y = make_toy("corner", n=2000, noise=0.05, seed=int(rng.integers(2**31)))
    return Built({}, {"x": x, "y": y, "bar": HAND_BAR})


BUILDERS = {
    "sigmoid-test-values": sigmoid_values,
    "sigmoid-test-stable": sigmoid_stable,
    "sigmoid-test-hidden": sigmoid_hidden,
    "softmax-test-values": softmax_values,
    "softmax-test-stable": softmax_stable,
    "softmax-test-hidden": softmax_hidden,
    "cross-entropy-test-values": cross_entropy_values,
    "cross-entropy-test-saturated": cross_entropy_saturated,
    "cross-entropy-test-hidden": cross_entropy_hidden,
    "forward-test-shapes": forward_shapes,
    "forward-test-values": forward_values,
    "forward-test-hidden": forward_hidden,
    "hand-weights-test-shapes": hand_shapes,
    "hand-weights-test-accuracy": hand_accuracy,
    "hand-weights-test-hidden": hand_hidden,
}
