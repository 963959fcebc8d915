"""Honest work in other styles keeps full marks: loops written differently, einsum, scipy, column vectors,
tuples where the docstring allows a list. Each style is graded in-process as a grading run grades it (the
kit's ask, plain records, the grader's verdict) on the cases of two grading keys."""
import numpy as np
import pytest
from scipy.special import expit, log_softmax, softmax

from judging import verdicts


# -- 11_02: delta and gradients ------------------------------------------------------------------------------
def output_delta(h_L, t):
    return np.subtract(h_L, t) / len(h_L)


def hidden_delta(delta_next, W_next, h):
    return np.einsum("nk,kj->nj", delta_next, W_next) * h * (1.0 - h)


def param_gradients(delta, h_prev):
    return [np.einsum("nk,nj->kj", delta, h_prev), np.sum(delta, axis=0)]


def backward_while(params, hs, t):
    """A while loop from the output layer down, each layer's delta as a column-major copy, a tuple returned."""
    L = len(hs) - 1
    grads = {}
    delta = np.asfortranarray((hs[-1] - t) / t.shape[0])
    l = L
    while l >= 1:
        grads[l] = (delta.T.dot(hs[l - 1]), delta.sum(0))
        if l > 1:
            delta = (delta @ params[2 * (l - 1)]) * hs[l - 1] * (1 - hs[l - 1])
        l -= 1
    return tuple(array for layer in range(1, L + 1) for array in grads[layer])


def forward_given(params, x):
    """The forward pass 11_02 gives its students (the large hidden case computes hs with it)."""
    hs = [x]
    for l in range(len(params) // 2):
        g = hs[-1] @ params[2 * l].T + params[2 * l + 1]
        hs.append(expit(g) if l < len(params) // 2 - 1 else softmax(g, axis=1))
    return hs


STYLES_11_02 = {"output_delta": output_delta, "hidden_delta": hidden_delta, "param_gradients": param_gradients,
                "backward": backward_while, "forward": forward_given}


# -- 11_01: activations, loss, forward pass -------------------------------------------------------------------
def sigmoid_logaddexp(g):
    return np.exp(-np.logaddexp(0.0, -np.asarray(g, dtype=np.float64)))


def softmax_logsumexp(z):
    return np.exp(log_softmax(np.asarray(z, dtype=np.float64), axis=1))


def cross_entropy_take(y_hat, y):
    y_hat = np.clip(np.asarray(y_hat, dtype=np.float64), 1e-300, 1.0)
    y = np.asarray(y)
    labels = y.argmax(axis=1) if y.ndim == 2 else y.astype(int)
    return float(-np.mean(np.log(np.take_along_axis(y_hat, labels[:, None], axis=1))))


def forward_columns(x, W_mid, b_mid, W_out, b_out):
    h = expit(x @ W_mid.T + np.reshape(b_mid, (1, -1)))
    return h, softmax(h @ W_out.T + np.reshape(b_out, (1, -1)), axis=1)


STYLES_11_01 = {"sigmoid": expit, "softmax": lambda z: softmax(z, axis=1), "cross_entropy": cross_entropy_take,
                "forward": forward_columns}
STYLES_11_01_OWN = {"sigmoid": sigmoid_logaddexp, "softmax": softmax_logsumexp, "cross_entropy": cross_entropy_take,
                    "forward": forward_columns}


# -- report11: regression network ------------------------------------------------------------------------------
def forward_tuple(params, x):
    hs = (np.asarray(x, dtype=np.float64),)
    for l in range(len(params) // 2):
        g = hs[-1] @ params[2 * l].T + params[2 * l + 1][None, :]
        hs += (g if l == len(params) // 2 - 1 else expit(g),)
    return hs


def regression_loss_mean(h, t):
    h = np.asarray(h, dtype=np.float64)
    return float(np.mean(np.sum((h - np.reshape(t, h.shape)) ** 2, axis=1)) / 2)


def gradient_reversed(params, x, t):
    hs = forward_tuple(params, x)
    delta = (hs[-1] - np.reshape(t, hs[-1].shape)) / len(x)
    grads = []
    for l in reversed(range(1, len(hs))):
        grads = [np.einsum("nk,nj->kj", delta, hs[l - 1]), delta.sum(axis=0)] + grads
        delta = (delta @ params[2 * l - 2]) * hs[l - 1] * (1 - hs[l - 1])
    return grads


STYLES_REPORT = {"forward": forward_tuple, "regression_loss": regression_loss_mean, "gradient": gradient_reversed}


@pytest.mark.parametrize("notebook, student", [
    ("11_02_neural_network2", STYLES_11_02),
    ("11_01_neural_network", STYLES_11_01),
    ("11_01_neural_network", STYLES_11_01_OWN),
    ("report11", STYLES_REPORT),
], ids=["11_02 einsum/while/tuple", "11_01 scipy", "11_01 logaddexp/take_along_axis", "report11 tuple/reversed"])
@pytest.mark.parametrize("label", ["one key", "another key"])
def test_other_correct_styles_keep_full_marks(notebook, student, label):
    found = verdicts(notebook, student, label=label)
    judged = {test_id: v for test_id, v in found.items()          # the exercises the styles above answer
              if not test_id.startswith(("hand-weights", "model-test", "test_backward_activation", "test_shrink",
                                         "test_autodiff"))}
    assert judged and {t: v.message for t, v in judged.items() if not v.passed} == {}
