"""A short fingerprint of the gradients of a network too large to publish them in full.

A generated case (see `networks`) may carry {"sketch": {"seed", "columns": k}}. The answer that leaves the
kernel is then, per layer l, dW^l P^l (n_l, k) and db^l in full (n_l,), with P^l (n_{l-1}, k) standard normal
drawn from the seed; the grader takes the same sketch of its own truth and compares as usual.

Why on the input side: dW^l P^l = δ^lᵀ (h^{l-1} P^l) still needs every sample's δ^l in all n_l directions, so
finite differences need n_l passes per layer, as for the full gradient. A sketch on the output side
(P^lᵀ dW^l = (δ^l P^l)ᵀ h^{l-1}) would take only 2k passes of directional differences: never use that.

    sketch_matrices(sizes, sketch) -> [P^1, ..., P^L]
    sketch_value(value, sizes, matrices)   what the student returned -> what is published (and the truth's sketch)
"""
import numpy as np

SMALL = 1_000        # elements of a wrong value still published as it is (for the grader's message)


def sketch_matrices(sizes, sketch):
    """[P^1, ..., P^L], P^l (n_{l-1}, k) standard normal, for sizes (n_0, ..., n_L) and sketch {"seed", "columns"}."""
    rng = np.random.default_rng(sketch["seed"])
    return [rng.normal(size=(n_in, int(sketch["columns"]))) for n_in in sizes[:-1]]


def _real_array(item):
    """item as a float64 ndarray, or None when it is not an array of real numbers."""
    if item is None or np.iscomplexobj(item):
        return None
    try:
        return np.array(item, dtype=np.float64, subok=False)
    except (TypeError, ValueError):
        return None


def _stand_in(value):
    """A small value that fails the grader's checks the way value would: small values as they are, a large
    array as an empty one of the same number of dimensions, lists and tuples item by item."""
    if isinstance(value, (list, tuple)):
        return type(value)(_stand_in(item) for item in value[:SMALL])
    if isinstance(value, np.ndarray) and value.size > SMALL:
        return np.empty((0,) * value.ndim)
    return value


def sketch_value(value, sizes, matrices):
    """[dW^1 P^1, db^1, ..., dW^L P^L, db^L] (the type of value, list or tuple) when value is a list or tuple of
    2L real arrays of the shapes of [W^1, b^1, ..., W^L, b^L]; an array of a wrong shape or type is replaced by
    its stand-in, a value that is not such a list by its stand-in as a whole."""
    if not isinstance(value, (list, tuple)) or len(value) != 2 * len(matrices):
        return _stand_in(value)
    items = []
    for i, item in enumerate(value):
        layer = i // 2 + 1
        shape = (sizes[layer], sizes[layer - 1]) if i % 2 == 0 else (sizes[layer],)
        array = _real_array(item)
        if array is None or array.shape != shape:
            items.append(_stand_in(item))
        else:
            items.append(array @ matrices[layer - 1] if i % 2 == 0 else array)
    return type(value)(items)


def sketched_answer(answer, sizes, sketch):
    """A call's answer (calls.call) with its value, and its second value if any, replaced by their sketches."""
    matrices = sketch_matrices(sizes, sketch)
    for key in ("value", "again"):
        if isinstance(answer, dict) and key in answer:
            answer[key] = sketch_value(answer[key], sizes, matrices)
    return answer
