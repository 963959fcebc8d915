"""Take plain values out of what a student's function returned.

Everything judged later is a fresh float64 numpy.ndarray (never a subclass, never a view of the student's
objects), so nothing the student returned can change how it compares. Type and shape problems become an
AssertionError in Japanese that names the array and the expected shape in symbols (W^l, N, n_l), never the
sizes of a hidden test.
"""
import numpy as np


class ShapeProblem(AssertionError):
    """A value of the wrong type or shape; `kind` groups problems of the same sort across arrays."""

    def __init__(self, message, kind):
        super().__init__(message)
        self.kind = kind


def _shape_problem(got, shape, name, expected):
    if len(got) == 2 and got == shape[::-1] and got != shape:
        return ShapeProblem(f"{name} の形が {expected} の転置になっています。行と列（掛け算の順番や .T）を確認してください。",
                            "transposed")
    if len(got) != len(shape):
        return ShapeProblem(f"{name} は {len(shape)} 次元の配列（{expected}）であるべきですが、{len(got)} 次元になっています。"
                            "sum の axis や keepdims、(N,) と (N, 1) の違いを確認してください。", "ndim")
    return ShapeProblem(f"{name} の形が {expected} になっていません。どの軸で和をとるか、どの層の値を使ったかを確認してください。",
                        "shape")


def plain_array(value, name, shape, expected):
    """value as a fresh float64 ndarray of the given shape, or AssertionError in Japanese.

    name: what the student calls it (e.g. 'dW^2'); expected: the shape in symbols ('W^2 と同じ形 (n_2, n_1)').
    """
    if value is None:
        raise ShapeProblem(f"{name} が None です。return で計算結果を返しているか確認してください。", "none")
    if np.iscomplexobj(value):
        raise ShapeProblem(f"{name} に複素数が含まれています。実数の配列を返してください。", "complex")
    try:
        array = np.array(value, dtype=np.float64, copy=True, subok=False)
    except (TypeError, ValueError):
        raise ShapeProblem(f"{name} を数値の配列に変換できません（型: {type(value).__name__}）。"
                           "numpy の配列を返してください。", "type") from None
    if array.shape != tuple(shape):
        raise _shape_problem(array.shape, tuple(shape), name, expected)
    if not np.all(np.isfinite(array)):
        raise ShapeProblem(f"{name} に NaN または inf が含まれています。0 での割り算や exp のあふれがないか確認してください。",
                           "not_finite")
    return array


def plain_arrays(values, names, shapes, expected):
    """A list or tuple of arrays (e.g. the gradients, in params order) as fresh float64 arrays.

    names, shapes, expected: one entry per array. All problems are reported together: the first of each
    kind in full, the other arrays with the same kind of problem by name.
    """
    if isinstance(values, np.ndarray) or not isinstance(values, (list, tuple)):
        raise AssertionError(
            f"戻り値はリスト [{names[0]}, {names[1]}, ...] であるべきですが、{type(values).__name__} になっています。"
        )
    if len(values) != len(names):
        raise AssertionError(
            f"戻り値のリストの長さが params と違います（{len(values)} 個）。"
            "params と同じ順番で、すべての層の重みとバイアスの勾配を返してください。"
        )
    arrays, problems = [], {}
    for value, name, shape, label in zip(values, names, shapes, expected):
        try:
            if value is None:
                raise ShapeProblem(f"{name} が None のままです。for ループが第 1 層まですべての層を計算しているか"
                                   "確認してください。", "none")
            arrays.append(plain_array(value, name, shape, label))
        except ShapeProblem as problem:
            problems.setdefault(problem.kind, []).append((name, str(problem)))
    if problems:
        lines = []
        for found in problems.values():
            lines.append(found[0][1])
            if len(found) > 1:
                lines.append(f"（{'、'.join(name for name, _ in found[1:])} も同じ問題です）")
        raise AssertionError("\n".join(lines))
    return arrays
