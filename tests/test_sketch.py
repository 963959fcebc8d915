"""The sketched answer of a large generated case (backprop_kit.testing.sketch): what the kernel publishes for an
honest backward is the grader's sketch of its truth, the sketch sits on the input side of dW, and wrong values
keep failing with the grader's usual messages without publishing a large array."""
import numpy as np
import pytest

from backprop.grading.builders.nb_11_02 import LARGE
from judging import built_for, verdicts

from backprop_kit.testing.records import decode, encode
from backprop_kit.testing.sketch import SMALL, sketch_matrices, sketch_value, sketched_answer

SIZES = (7, 12, 9, 4)
TRANSPOSED_DW1 = (7, 12)
SKETCH = {"seed": 11, "columns": 3}


def gradients(seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=shape) for n_in, n_out in zip(SIZES[:-1], SIZES[1:]) for shape in ((n_out, n_in), (n_out,))]


def test_the_sketch_is_dW_times_P_on_the_input_side_and_db_in_full():
    grads, matrices = gradients(), sketch_matrices(SIZES, SKETCH)
    assert [P.shape for P in matrices] == [(7, 3), (12, 3), (9, 3)]
    sketch = sketch_value(grads, SIZES, matrices)
    for l, P in enumerate(matrices):
        np.testing.assert_array_equal(sketch[2 * l], grads[2 * l] @ P)
        np.testing.assert_array_equal(sketch[2 * l + 1], grads[2 * l + 1])


def test_the_same_seed_gives_the_same_matrices_through_a_record():
    travelled = decode(encode({"sizes": list(SIZES), "sketch": SKETCH}))
    for a, b in zip(sketch_matrices(travelled["sizes"], travelled["sketch"]), sketch_matrices(SIZES, SKETCH)):
        np.testing.assert_array_equal(a, b)


def test_a_wrong_gradient_changes_the_sketch():
    grads, matrices = gradients(), sketch_matrices(SIZES, SKETCH)
    wrong = [g.copy() for g in grads]
    wrong[2][3, 5] += 1e-3
    assert not np.allclose(sketch_value(wrong, SIZES, matrices)[2], sketch_value(grads, SIZES, matrices)[2], atol=1e-6)


def test_list_or_tuple_kept_and_both_answers_of_a_call_sketched():
    grads = gradients()
    answer = sketched_answer({"value": tuple(grads), "again": list(grads), "changed": []}, SIZES, SKETCH)
    assert isinstance(answer["value"], tuple) and isinstance(answer["again"], list)
    assert answer["value"][0].shape == (12, 3) and answer["again"][4].shape == (4, 3)
    assert sketched_answer({"error": "x"}, SIZES, SKETCH) == {"error": "x"}


@pytest.mark.parametrize("replace, expected", [
    (lambda g: g.T, lambda out: out.shape == TRANSPOSED_DW1),   # transposed: published as it is (small)
    (lambda g: None, lambda out: out is None),
    (lambda g: "text", lambda out: out == "text"),
])
def test_a_small_wrong_item_is_published_as_it_is(replace, expected):
    grads = gradients()
    grads[0] = replace(grads[0])
    assert expected(sketch_value(grads, SIZES, sketch_matrices(SIZES, SKETCH))[0])


def test_a_large_wrong_value_becomes_a_small_stand_in_of_the_same_dimensions():
    big = np.zeros((SMALL + 1, 2))
    assert sketch_value(big, SIZES, sketch_matrices(SIZES, SKETCH)).shape == (0, 0)
    grads = gradients()
    grads[2] = np.zeros((SMALL, 3))
    items = sketch_value(grads, SIZES, sketch_matrices(SIZES, SKETCH))
    assert items[2].shape == (0, 0) and items[0].shape == (12, 3)
    assert sketch_value(grads[:-1], SIZES, sketch_matrices(SIZES, SKETCH))[2].shape == (0, 0)


def backward(params, hs, t):
    """A plain backward pass (sigmoid hidden layers, softmax + mean cross-entropy)."""
    grads = [None] * len(params)
    delta = (hs[-1] - t) / len(t)
    for l in range(len(params) // 2, 0, -1):
        grads[2 * l - 2], grads[2 * l - 1] = delta.T @ hs[l - 1], delta.sum(axis=0)
        if l > 1:
            delta = (delta @ params[2 * l - 2]) * hs[l - 1] * (1 - hs[l - 1])
    return grads


def forward(params, x):
    hs = [x]
    for l in range(0, len(params), 2):
        g = hs[-1] @ params[l].T + params[l + 1]
        if l + 2 < len(params):
            hs.append(1 / (1 + np.exp(-g)))
        else:
            e = np.exp(g - g.max(axis=1, keepdims=True))
            hs.append(e / e.sum(axis=1, keepdims=True))
    return hs


def test_the_grader_judges_the_large_case_by_its_sketch():
    """An honest backward passes; one whose dW^1 is off by 1e-5 on the large network only fails (relative error
    1e-5, named), with no diagnosis attempted on the sketch."""
    def off_on_large(params, hs, t):
        grads = backward(params, hs, t)
        if len(params) == 2 * (len(LARGE[0]) - 1):
            grads[0] = grads[0] * (1 + 1e-5)
        return grads

    notebook, test = "11_02_neural_network2", "test_backward_hidden_deep"
    built = built_for(notebook)
    assert verdicts(notebook, {"backward": backward, "forward": forward}, [test], built=built)[test].passed
    found = verdicts(notebook, {"backward": off_on_large, "forward": forward}, [test], built=built)[test]
    assert not found.passed and "dW^1（相対誤差 1.0e-05）" in found.message and found.diagnoses == []
