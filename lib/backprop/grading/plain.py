"""Take plain values out of what a student's function returned.

Everything judged later is a fresh float64 numpy.ndarray (never a subclass, never a view of the student's
objects), so nothing the student returned can change how it compares. Type and shape problems become an
AssertionError in Japanese that names the array and the expected shape in symbols (W^l, N, n_l), never the
sizes of a hidden test.
"""
import numpy as np


def _shape_problem(got, shape, name, expected):
    if len(got) == 2 and got == shape[::-1] and got != shape:
        return f"{name} の形が {expected} の転置になっています。行と列（掛け算の順番や .T）を確認してください。"
    if len(got) != len(shape):
        return (f"{name} は {len(shape)} 次元の配列（{expected}）であるべきですが、{len(got)} 次元になっています。"
                "sum の axis や keepdims、(N,) と (N, 1) の違いを確認してください。")
    return f"{name} の形が {expected} になっていません。どの軸で和をとるか、どの層の値を使ったかを確認してください。"


def plain_array(value, name, shape, expected):
    """value as a fresh float64 ndarray of the given shape, or AssertionError in Japanese.

    name: what the student calls it (e.g. 'dW^2'); expected: the shape in symbols ('W^2 と同じ形 (n_2, n_1)').
    """
    if value is None:
        raise AssertionError(f"{name} が None です。return で計算結果を返しているか確認してください。")
    if np.iscomplexobj(value):
        raise AssertionError(f"{name} に複素数が含まれています。実数の配列を返してください。")
    try:
        array = np.array(value, dtype=np.float64, copy=True, subok=False)
    except (TypeError, ValueError):
        raise AssertionError(
            f"{name} を数値の配列に変換できません（型: {type(value).__name__}）。numpy の配列を返してください。"
        ) from None
    if array.shape != tuple(shape):
        raise AssertionError(_shape_problem(array.shape, tuple(shape), name, expected))
    if not np.all(np.isfinite(array)):
        raise AssertionError(f"{name} に NaN または inf が含まれています。0 での割り算や exp のあふれがないか確認してください。")
    return array


def plain_arrays(values, names, shapes, expected):
    """A list or tuple of arrays (e.g. the gradients, in params order) as fresh float64 arrays.

    names, shapes, expected: one entry per array. All shape problems are reported together.
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
    arrays, problems = [], []
    for value, name, shape, label in zip(values, names, shapes, expected):
        if value is None:
            problems.append(f"{name} が None のままです。for ループが第 1 層まですべての層を計算しているか確認してください。")
            continue
        try:
            arrays.append(plain_array(value, name, shape, label))
        except AssertionError as problem:
            problems.append(str(problem))
    if problems:
        raise AssertionError("\n".join(problems))
    return arrays
