"""Tests of 11_01 (順伝播の復習): sigmoid, softmax, cross_entropy, forward, and the hand-chosen weights.

Inputs of the function tests: {"cases": [{parameter: value}, ...]}, one call per case; expected: one value per
case (sigmoid, softmax: the array; cross_entropy: {"value", "rtol", "small"} or {"saturated": True}; forward:
(h, h_L)). Stability is judged by the values returned at extreme inputs (NaN, inf or a wrong value fails);
the floating-point warnings numpy met in the kernel are the kernel's word, so they are only shown at home (the
runner's note), never judged. The hand-weight tests publish the four arrays; the accuracy test's expected value holds the data
{"x", "y", "bar"} on which the weights are judged (at grading: fresh points drawn by the grader).
"""
import copy

import numpy as np

from ..handnet import HandNetwork
from .calls import call
from .compare import returned, unchanged
from .plain import ShapeProblem, plain_array
from .spec import Test, answers_of, ask_each, judged_twice

RTOL, ATOL = 1e-9, 1e-15

SOFTMAX_AXIS_HINT = ("softmax の戻り値の各行の和が 1 になっていません。ソフトマックスは 1 行（1 サンプル）ごとに"
                     "正規化します。exp の和をとる向き（axis）を確認してください。")
ONE_HOT_HINT = ("正解ラベル (N,) を one-hot に直すところで形が合っていないようです。one-hot の列の数はクラス数 K"
                "（h_L の列の数）で、サンプル数 N やラベルの最大値 + 1 ではありません。")
CROSS_ENTROPY_SHAPE_HINT = "h_L と one-hot の t はどちらも (N, K) です。掛け合わせる配列の形を確認してください。"
CROSS_ENTROPY_NOT_FINITE = ("cross_entropy の戻り値が inf または NaN です。予測確率が 0 のところで log(0) = -inf を計算して"
                            "いませんか。確率を 1e-300 のようなごく小さな正の数で下から抑えてから（np.maximum など）log をとってください。")
FORWARD_H_NOT_FINITE = ("中間層の出力 h に NaN または inf が含まれています。重みが大きく g の絶対値が大きいときにも、"
                        "課題1 の sigmoid（オーバーフローしない実装）を使っているか確かめてください。")
FORWARD_OUTPUT_NOT_FINITE = ("出力層の出力 h_L に NaN または inf が含まれています。z が大きいときにも、課題2 の softmax"
                             "（各行の最大値を引く実装）を使っているか確かめてください。")
HAND = ("W_mid_hand", "b_mid_hand", "W_out_hand", "b_out_hand")


def _close(value, expected, rtol=RTOL, atol=ATOL):
    return bool(np.all(np.abs(value - expected) <= atol + rtol * np.abs(expected)))


def _float_array(raw, value, name):
    if np.asarray(raw).dtype.kind != "f":
        raise AssertionError(f"{name}は float64 の配列で返してください（整数や真偽値の配列になっています）。")
    return value


def _finite_array(raw, name, shape, label, not_finite):
    """plain_array(raw, name, shape, label), with the message `not_finite` (what NaN or inf means for this value,
    and what to do) instead of the general one when the array holds NaN or inf."""
    try:
        return plain_array(raw, name, shape, label)
    except ShapeProblem as problem:
        if problem.kind == "not_finite":
            raise AssertionError(not_finite) from None
        raise


def _returned_floats(answer, function_name, truth, label, not_finite):
    """The call's returned array, checked: present, of the truth's shape (label: that shape in symbols), finite
    (else the message not_finite), floating point; a fresh float64 array."""
    raw = returned(answer, function_name)
    name = f"{function_name} の戻り値"
    return _float_array(raw, _finite_array(raw, name, truth.shape, label, not_finite), name)


# -- 課題1: sigmoid ------------------------------------------------------------------------------------------------
SIGMOID_STABLE = ("g の絶対値が大きいとき np.exp に大きな正の数が渡らないように、g の符号で式を使い分けましょう"
                  "（np.where は両方の式を計算するので、exp(-|g|) のように引数を 0 以下にします）。")
SIGMOID_NOT_FINITE = ("sigmoid の戻り値に NaN または inf が含まれています（exp があふれて inf / inf を計算していませんか）。"
                      + SIGMOID_STABLE)


def compare_sigmoid(stability=False, inputs_kept=False):
    def compare(inputs, expected, answers):
        for case, answer, truth in zip(inputs["cases"], answers_of(answers, len(expected)), expected):
            truth = np.asarray(truth, dtype=np.float64)
            value = _returned_floats(answer, "sigmoid", truth, "入力 g と同じ形", SIGMOID_NOT_FINITE)
            if not _close(value, truth):
                where = "g の絶対値が大きいとき" if stability else ""
                advice = SIGMOID_STABLE if stability else ("1 / (1 + e^(-g)) と同じ値になっているか、要素ごとに計算して"
                                                           "いるかを確かめてください。")
                raise AssertionError(f"{where}sigmoid の値が正しくありません（最大の誤差 {np.max(np.abs(value - truth)):.1e}）。"
                                     + advice)
            if inputs_kept:
                unchanged(answer, "sigmoid")
    return compare


# -- 課題2: softmax ------------------------------------------------------------------------------------------------
SOFTMAX_STABLE = ("exp を計算する前に、各行の最大値を引いてください（行列全体の最大値ではなく 1 行ごとの最大値を引いて、"
                  "exp に渡す値をすべて 0 以下にします）。")
SOFTMAX_NOT_FINITE = ("softmax の戻り値に NaN または inf が含まれています（exp があふれた inf / inf や、1 行の exp が"
                      "すべて 0 になった 0 / 0 を計算していませんか）。" + SOFTMAX_STABLE)


def compare_softmax(stability=False, inputs_kept=False):
    def compare(inputs, expected, answers):
        for case, answer, truth in zip(inputs["cases"], answers_of(answers, len(expected)), expected):
            truth = np.asarray(truth, dtype=np.float64)
            value = _returned_floats(answer, "softmax", truth, "入力 z と同じ形 (N, K)", SOFTMAX_NOT_FINITE)
            if not np.allclose(value.sum(axis=1), 1.0):
                raise AssertionError(SOFTMAX_AXIS_HINT)
            if not _close(value, truth):
                advice = SOFTMAX_STABLE if stability else "e^(z_k) / Σ_c e^(z_c) を 1 行ごとに計算しているか確かめてください。"
                raise AssertionError(f"softmax の値が正しくありません（最大の誤差 {np.max(np.abs(value - truth)):.1e}）。{advice}")
            if inputs_kept:
                unchanged(answer, "softmax")
    return compare


# -- 課題3: cross_entropy --------------------------------------------------------------------------------------------
def ask_cross_entropy(student, inputs, twice=False):
    function = student.get("cross_entropy")
    return {"cases": [call(function, "cross_entropy", dict(case),
                           shape_hint=ONE_HOT_HINT if np.ndim(case["t"]) == 1 else CROSS_ENTROPY_SHAPE_HINT, twice=twice)
                      for case in inputs["cases"]]}


def ask_cross_entropy_twice(student, inputs):
    return ask_cross_entropy(student, inputs, twice=True)


def compare_cross_entropy(inputs_kept=False):
    def compare(inputs, expected, answers):
        for case, answer, truth in zip(inputs["cases"], answers_of(answers, len(expected)), expected):
            raw = returned(answer, "cross_entropy")
            value = float(_finite_array(raw, "cross_entropy の戻り値", (), "スカラー（1 つの数）", CROSS_ENTROPY_NOT_FINITE))
            given = "ラベル (N,)" if np.ndim(case["t"]) == 1 else "one-hot (N, K)"
            if truth.get("saturated"):
                if not value > 10:
                    raise AssertionError("正解クラスの確率が 0 のサンプルがあるのに、損失が大きな値になっていません。"
                                         "確率を下から抑える数は、1e-300 のようなごく小さな数にしてください。")
                continue
            expected_value = float(truth["value"])
            if abs(value - expected_value) <= float(truth["rtol"]) * abs(expected_value):
                if inputs_kept:
                    unchanged(answer, "cross_entropy")
                continue
            if truth.get("small"):
                raise AssertionError("正解クラスの確率がとても小さい（例: 1e-6）ときの損失の値が正しくありません。"
                                     "log の中に大きめの数を足していないか（np.log(h_L + 1e-7) など）、確かめましょう。")
            n_samples = np.shape(case["h_L"])[0]
            if n_samples > 1 and abs(value - n_samples * expected_value) <= 1e-6 * abs(n_samples * expected_value):
                raise AssertionError(f"正解を{given} で渡したときの損失が、平均の N 倍になっています。"
                                     "全サンプルの和を N で割って平均してください。")
            if abs(value - expected_value) <= 1e-2 * abs(expected_value):
                raise AssertionError(f"正解を{given} で渡したときの損失の値が、わずかにずれています。log の中に"
                                     "大きめの数を足していないか（np.log(h_L + 1e-7) など）確かめましょう。")
            raise AssertionError(f"正解を{given} で渡したときの損失の値が正しくありません。正解クラスの確率の対数を"
                                 "全サンプルで足し、N で割って平均し、- をつけたものになっているか確かめてください。")
    return compare


# -- 課題4: forward --------------------------------------------------------------------------------------------------
def compare_forward(inputs_kept=False):
    def compare(inputs, expected, answers):
        for case, answer, (h_true, h_L_true) in zip(inputs["cases"], answers_of(answers, len(expected)), expected):
            pair = returned(answer, "forward")
            if isinstance(pair, np.ndarray) or not isinstance(pair, (list, tuple)) or len(pair) != 2:
                raise AssertionError("forward は (h, h_L) の 2 つを return h, h_L の形で返してください。")
            h = _finite_array(pair[0], "h", np.shape(h_true), "(N, J)（N はサンプル数、J は中間層のノード数）",
                              FORWARD_H_NOT_FINITE)
            h_L = _finite_array(pair[1], "h_L", np.shape(h_L_true), "(N, K)（K は出力層のノード数）",
                                FORWARD_OUTPUT_NOT_FINITE)
            if not _close(h, np.asarray(h_true), 1e-9, 1e-12):
                raise AssertionError("中間層の出力 h が違います。h = sigmoid(x W_mid^T + b_mid) になっているか"
                                     "（転置、バイアス b_mid を足しているか、課題1 の sigmoid を使っているか）確かめてください。")
            if not _close(h_L, np.asarray(h_L_true), 1e-9, 1e-9):
                raise AssertionError("出力層の出力 h_L が違います。z = h W_out^T + b_out（中間層の出力 h を使う）を"
                                     "課題2 の softmax に通しているか、課題2 のテストに合格しているかを確かめてください。")
            if inputs_kept:
                unchanged(answer, "forward")
    return compare


# -- 課題5: hand-chosen weights ---------------------------------------------------------------------------------------
def ask_hand_weights(student, inputs):
    return {name: copy.deepcopy(student.get(name)) for name in HAND}


def hand_weights(answers):
    """The four arrays as float64, checked: shapes (J, 2), (J,), (2, J), (2,) with 1 <= J <= 10, finite."""
    if not isinstance(answers, dict) or any(name not in answers for name in HAND):
        raise AssertionError("答えが記録されていません（テストのセルが最後まで実行されなかったか、書き換えられました）。")
    arrays = {}
    for name in HAND:
        value = answers[name]
        if value is None:
            raise AssertionError(f"{name} が定義されていません（None です）。")
        try:
            arrays[name] = np.array(value, dtype=np.float64, copy=True, subok=False)
        except (TypeError, ValueError):
            raise AssertionError(f"{name} を数値の配列に変換できません（型: {type(value).__name__}）。") from None
    W_mid, b_mid, W_out, b_out = (arrays[name] for name in HAND)
    if W_mid.ndim != 2 or W_mid.shape[1] != 2:
        raise AssertionError(f"W_mid_hand の形は (J, 2) にしてください: {W_mid.shape}")
    J = W_mid.shape[0]
    if not 1 <= J <= 10:
        raise AssertionError(f"中間層のノード数 J は 1 から 10 にしてください: {J}")
    for name, shape, label in (("b_mid_hand", (J,), "(J,)"), ("W_out_hand", (2, J), "(2, J)"), ("b_out_hand", (2,), "(2,)")):
        if arrays[name].shape != shape:
            raise AssertionError(f"{name} の形は {label} = {shape} にしてください: {arrays[name].shape}")
    if not all(np.all(np.isfinite(a)) for a in arrays.values()):
        raise AssertionError("重みやバイアスに inf や nan は使えません。")
    return W_mid, b_mid, W_out, b_out


def compare_hand_shapes(inputs, expected, answers):
    hand_weights(answers)


def compare_hand_accuracy(inputs, expected, answers):
    net = HandNetwork(*hand_weights(answers))
    accuracy = net.accuracy(np.asarray(expected["x"], dtype=np.float64), np.asarray(expected["y"]))
    if not accuracy >= float(expected["bar"]):
        raise AssertionError(f"正解率が {accuracy:.3f} で、{float(expected['bar']):.2f} に届きません。"
                             "散布図から境界線の位置を読み直し、フラグ h_j の向き（符号）と出力層での集約を確かめましょう。")


TESTS = {
    "sigmoid-test-values": Test(ask_each("sigmoid"), compare_sigmoid(), "OK: 値と形は正しいようです"),
    "sigmoid-test-stable": Test(ask_each("sigmoid"), compare_sigmoid(stability=True),
                                "OK: g = ±1000 でもオーバーフローしません"),
    "sigmoid-test-hidden": Test(ask_each("sigmoid", twice=True),
                                judged_twice(compare_sigmoid(stability=True, inputs_kept=True), "sigmoid")),
    "softmax-test-values": Test(ask_each("softmax"), compare_softmax(), "OK: 値と形は正しいようです"),
    "softmax-test-stable": Test(ask_each("softmax"), compare_softmax(stability=True),
                                "OK: z = ±1000 でもオーバーフローしません"),
    "softmax-test-hidden": Test(ask_each("softmax", twice=True),
                                judged_twice(compare_softmax(stability=True, inputs_kept=True), "softmax")),
    "cross-entropy-test-values": Test(ask_cross_entropy, compare_cross_entropy(), "OK: 値は正しいようです"),
    "cross-entropy-test-saturated": Test(ask_cross_entropy, compare_cross_entropy(),
                                         "OK: 確率 0 でも有限の値になり、小さな確率でも正確です"),
    "cross-entropy-test-hidden": Test(ask_cross_entropy_twice,
                                      judged_twice(compare_cross_entropy(inputs_kept=True), "cross_entropy")),
    "forward-test-shapes": Test(ask_each("forward"), compare_forward(), "OK: 形は正しいようです"),
    "forward-test-values": Test(ask_each("forward"), compare_forward(), "OK: 手計算の例と一致します"),
    "forward-test-hidden": Test(ask_each("forward", twice=True), judged_twice(compare_forward(inputs_kept=True), "forward")),
    "hand-weights-test-shapes": Test(ask_hand_weights, compare_hand_shapes, "OK: 形は正しいです"),
    "hand-weights-test-accuracy": Test(ask_hand_weights, compare_hand_accuracy,
                                       "OK: このデータでの正解率は 0.95 以上です"),
    "hand-weights-test-hidden": Test(ask_hand_weights, compare_hand_accuracy),
}
