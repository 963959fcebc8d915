"""Hints for a student's function that raised instead of returning: the exception's kind says where to look.

Typical backpropagation crashes are shape errors (an h, W or delta taken from the wrong layer, a transpose, a
hard-coded width) and list indices out of range (a hard-coded number of layers, a loop range off by one).
numpy's own messages quote the shapes of the hidden test case, so a shape error is described in symbols only.
"""
import re

SHAPE_ERROR = re.compile(r"could not be broadcast|mismatch in its core dimension|shapes? .* not aligned|cannot reshape")

SHAPE_HINT = ("配列の形が合わない計算があります。どの層の h・W・δ を使っているか（添字が l か l - 1 か）、"
              "転置 .T の位置、層の数や幅を数値で決め打ちしていないかを確認してください。"
              "δ^l は (N, n_l)、W^l は (n_l, n_{l-1})、h^{l-1} は (N, n_{l-1}) です。")
INDEX_HINT = ("リストの添字が範囲外です。層の数 L を len(params) // 2 から求めているか、"
              "for ループの範囲（range の始まりと終わり）と hs・params の添字を確認してください。")


def describe(error, shape_hint=SHAPE_HINT):
    """'Type: message' for the student, with shapes removed from numpy's shape errors; plus a hint or ''.

    shape_hint: the hint for a shape error (the default speaks of the layers of a backward pass).
    """
    text = str(error)
    if isinstance(error, ValueError) and SHAPE_ERROR.search(text):
        return f"{type(error).__name__}: 配列の形が合いません", shape_hint
    if isinstance(error, IndexError) and "out of range" in text:
        return f"{type(error).__name__}: {text}", INDEX_HINT
    return f"{type(error).__name__}: {text}", ""
