"""Checks for the classification functions of notebooks 11_01 and 11_03: softmax, cross-entropy and accuracy.

Test cells call these before they compare values, so that a typical mistake ends in a Japanese diagnosis
instead of a raw numpy error or a bare "the values differ": the student's function runs on copies
(`run.call_student`), its return value is taken as a plain float64 array of the expected shape (`plain`), and
these mistakes are named:

- softmax normalised over the wrong axis: the rows of the result do not sum to 1;
- labels (N,) turned into one-hot rows with N columns instead of K: a shape error inside cross_entropy;
- argmax over the wrong axis in accuracy: a shape error, or a return value that is not one number.

The hints say where to look, not the code that fixes it, and quote no shapes of a hidden case.
"""
import numpy as np

from .canary import guarded_check
from backprop_kit.testing.plain import plain_array
from .run import call_student

SOFTMAX_AXIS_HINT = ("softmax の戻り値の各行の和が 1 になっていません。ソフトマックスは 1 行（1 サンプル）ごとに"
                     "正規化します。exp の和をとる向き（axis）を確認してください。")
ONE_HOT_HINT = ("正解ラベル (N,) を one-hot に直すところで形が合っていないようです。one-hot の列の数はクラス数 K"
                "（y_hat の列の数）で、サンプル数 N ではありません。")
CROSS_ENTROPY_SHAPE_HINT = "y_hat と one-hot の y はどちらも (N, K) です。掛け合わせる配列の形を確認してください。"
ARGMAX_HINT = ("argmax の軸を確認してください。予測クラスはサンプルごと（h の各行の中）で確率が最大の列の番号で、"
               "正解ラベル y と同じ形 (N,) になるはずです。")


@guarded_check
def softmax_rows(softmax, z):
    """softmax(z) for z (N, K), as a plain float64 array (N, K) whose rows sum to 1; else AssertionError."""
    z = np.array(z, dtype=np.float64)
    outcome = call_student(softmax, {"z": z}, "softmax")
    p = plain_array(outcome.value, "softmax の戻り値", z.shape, "入力と同じ形 (N, K)")
    if not np.allclose(p.sum(axis=1), 1.0):
        raise AssertionError(SOFTMAX_AXIS_HINT)
    return p


@guarded_check
def cross_entropy_value(cross_entropy, y_hat, y):
    """cross_entropy(y_hat, y) as a float, for y_hat (N, K) and labels y (N,) or one-hot y (N, K)."""
    y = np.array(y)
    hint = ONE_HOT_HINT if y.ndim == 1 else CROSS_ENTROPY_SHAPE_HINT
    outcome = call_student(cross_entropy, {"y_hat": np.array(y_hat, dtype=np.float64), "y": y}, "cross_entropy",
                           shape_hint=hint)
    return float(plain_array(outcome.value, "cross_entropy の戻り値", (), "スカラー（1 つの数）"))


@guarded_check
def accuracy_value(accuracy, h, y):
    """accuracy(h, y) as a float, for outputs h (N, K) and labels y (N,)."""
    outcome = call_student(accuracy, {"h": np.array(h, dtype=np.float64), "y": np.array(y)}, "accuracy",
                           shape_hint=ARGMAX_HINT)
    return float(plain_array(outcome.value, "accuracy の戻り値", (), "1 つの数（float）"))
