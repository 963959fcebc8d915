"""11_03 課題2 (sgd_epoch): correct loops in other styles keep full marks, wrong loops fail with the explanation of
what the batches show, and no message needs the generic hint. Graded in-process as a grading run grades it
(tests/judging.py: the kit's ask with its logging test gradient, plain records, the grader's verdict)."""
import numpy as np
import pytest

from backprop_kit.student.hints import failed_test_hint
from judging import verdicts

NB = "11_03_digit_classification"
SGD_TESTS = ["sgd-epoch-test", "sgd-epoch-test-hidden"]


def sgd_reference(params, x, t, lr, batch_size, rng, gradient):
    order = rng.permutation(len(x))
    for start in range(0, len(x), batch_size):
        batch = order[start:start + batch_size]
        params = [p - lr * g for p, g in zip(params, gradient(params, x[batch], t[batch]))]
    return params


def sgd_in_place_while(params, x, t, lr, batch_size, rng, gradient):
    """Updates the arrays in place, a while loop, np.array_split never used, a tuple returned."""
    order = rng.permutation(x.shape[0])
    start = 0
    while start < x.shape[0]:
        rows = order[start:min(start + batch_size, x.shape[0])]
        for p, g in zip(params, gradient(params, x[rows, :], t[rows, :])):
            p -= lr * g
        start += batch_size
    return tuple(params)


def sgd_batches_first(params, x, t, lr, batch_size, rng, gradient):
    """All batches' index arrays made first (np.split at multiples of B), then the updates."""
    order = rng.permutation(len(x))
    for batch in np.split(order, np.arange(batch_size, len(x), batch_size)):
        grads = gradient(params, np.take(x, batch, axis=0), np.take(t, batch, axis=0))
        params = [np.subtract(p, np.multiply(lr, g)) for p, g in zip(params, grads)]
    return list(params)


def sgd_no_shuffle(params, x, t, lr, batch_size, rng, gradient):
    return sgd_reference(params, x, t, lr, batch_size, _Fixed(np.arange), gradient)


def sgd_drops_last(params, x, t, lr, batch_size, rng, gradient):
    order = rng.permutation(len(x))
    for start in range(0, len(x) - batch_size + 1, batch_size):
        batch = order[start:start + batch_size]
        params = [p - lr * g for p, g in zip(params, gradient(params, x[batch], t[batch]))]
    return params


def sgd_shuffle_per_batch(params, x, t, lr, batch_size, rng, gradient):
    for start in range(0, len(x), batch_size):
        batch = rng.permutation(len(x))[start:start + batch_size]
        params = [p - lr * g for p, g in zip(params, gradient(params, x[batch], t[batch]))]
    return params


def sgd_without_lr(params, x, t, lr, batch_size, rng, gradient):
    order = rng.permutation(len(x))
    for start in range(0, len(x), batch_size):
        batch = order[start:start + batch_size]
        params = [p - g for p, g in zip(params, gradient(params, x[batch], t[batch]))]
    return params


def sgd_forgets_return(params, x, t, lr, batch_size, rng, gradient):
    sgd_reference(params, x, t, lr, batch_size, rng, gradient)


class _Fixed:
    """A stand-in generator whose permutation is the identity."""

    def __init__(self, arange):
        self.permutation = arange


@pytest.mark.parametrize("style", [sgd_reference, sgd_in_place_while, sgd_batches_first], ids=lambda f: f.__name__)
@pytest.mark.parametrize("label", ["one key", "another key"])
def test_correct_loops_keep_full_marks(style, label):
    found = verdicts(NB, {"sgd_epoch": style}, SGD_TESTS, label=label)
    assert {test_id: v.message for test_id, v in found.items() if not v.passed} == {}


@pytest.mark.parametrize("wrong, phrase", [
    (sgd_no_shuffle, "シャッフルしていません"),
    (sgd_drops_last, "最後の余りのミニバッチ"),
    (sgd_shuffle_per_batch, "1 回ずつ使われていません"),
    (sgd_without_lr, "学習率 lr を掛けていません"),
    (sgd_forgets_return, "return を忘れていないか"),
], ids=lambda v: getattr(v, "__name__", ""))
def test_wrong_loops_fail_with_their_explanation(wrong, phrase):
    found = verdicts(NB, {"sgd_epoch": wrong}, SGD_TESTS)
    for test_id in SGD_TESTS:
        message = found[test_id].message
        assert not found[test_id].passed and phrase in message, (test_id, message)
        assert failed_test_hint(message) == "", message            # explains itself: no generic hint added


def test_an_unwritten_loop_says_so():
    def stub(params, x, t, lr, batch_size, rng, gradient):
        raise NotImplementedError()

    found = verdicts(NB, {"sgd_epoch": stub}, ["sgd-epoch-test-hidden"])
    assert "まだ実装されていません" in found["sgd-epoch-test-hidden"].message
