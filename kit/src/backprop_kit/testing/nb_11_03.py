"""Tests of 11_03 (手書き数字の識別): preprocess, accuracy, confusion_matrix, HYPERPARAMS.

Inputs of the function tests: {"cases": [{parameter: value}, ...]}, one call per case; expected: one value per
case (the (N, 64) array, the accuracy, the (K, K) matrix). The hyperparameter tests publish the dict; their
expected value is {"seeds": [...], "bar": ...}: the compare trains a fresh network with `training.digits_accuracy`
on each split load_digits_split(seed=...) and passes only when every test accuracy reaches the bar.
"""
import copy

import numpy as np

from ..training import checked_hyperparams, digits_accuracy
from .calls import call
from .compare import returned
from .plain import plain_array
from .spec import Test, answers_of

ARGMAX_HINT = ("argmax の軸を確認してください。予測クラスはサンプルごと（h の各行の中）で確率が最大の列の番号で、"
               "正解ラベル y と同じ形 (N,) になるはずです。")


def ask_each(function_name, shape_hint=None):
    """Call student[function_name] once per case (with this notebook's hint for a shape error)."""
    def ask(student, inputs):
        function = student.get(function_name)
        extra = {} if shape_hint is None else {"shape_hint": shape_hint}
        return {"cases": [call(function, function_name, dict(case), **extra) for case in inputs["cases"]]}
    return ask


def _kept(answer, function_name):
    changed = answer.get("changed")
    if not isinstance(changed, list):
        raise AssertionError(f"{function_name} の答えが記録されていません。")
    if changed:
        raise AssertionError(f"引数の配列 {'、'.join(map(str, changed))} が書き換えられています（/= や -= などに注意）。"
                             "引数はそのままにして、新しい配列を作って返してください。")


# -- 課題1: preprocess ----------------------------------------------------------------------------------------------
def compare_preprocess(inputs_kept=False):
    def compare(inputs, expected, answers):
        for case, answer, truth in zip(inputs["cases"], answers_of(answers, len(expected)), expected):
            images = np.asarray(case["images"], dtype=np.float64)
            truth = np.asarray(truth, dtype=np.float64)
            raw = returned(answer, "preprocess")
            if inputs_kept:
                _kept(answer, "preprocess")
            value = plain_array(raw, "preprocess の戻り値", truth.shape, "(N, 64)（N は画像の枚数）")
            if np.asarray(raw).dtype.kind != "f":
                raise AssertionError("preprocess の戻り値は float64 の配列にしてください（整数の配列になっています。"
                                     "整数のまま // で割ると 0 か 1 になってしまいます）。")
            if np.allclose(value, truth, rtol=1e-12, atol=1e-12):
                continue
            flat = images.reshape(len(images), -1)
            by_column = images.transpose(0, 2, 1).reshape(len(images), -1)
            if np.allclose(value, flat):
                raise AssertionError("ピクセル値を 16 で割っていません（ピクセル値 16 は 1.0 になるはずです）。")
            if np.max(images) > 0 and np.allclose(value, flat / np.max(images)):
                raise AssertionError("画像の最大値で割っています。ピクセル値の上限の 16 で割ってください"
                                     "（最大値が 16 でない画像の組もあり、そのときピクセル値 16 は 1.0 になるはずです）。")
            if np.allclose(value, by_column / 16.0):
                raise AssertionError("ピクセルを列ごとに並べています。1 行目の 8 個、2 行目の 8 個、… のように"
                                     "行ごとに並べます（images.reshape(N, 64) がこの順番です）。")
            raise AssertionError("preprocess の値が正しくありません。画像を行ごとに並べて (N, 64) にし、"
                                 "ピクセル値を 16 で割って [0, 1] にしているか確かめてください。")
    return compare


# -- 課題2: accuracy -------------------------------------------------------------------------------------------------
def compare_accuracy(inputs, expected, answers):
    for case, answer, truth in zip(inputs["cases"], answers_of(answers, len(expected)), expected):
        value = float(plain_array(returned(answer, "accuracy"), "accuracy の戻り値", (), "1 つの数（float）"))
        truth = float(truth)
        if abs(value - truth) <= 1e-12:
            continue
        if abs(value - 100 * truth) <= 1e-9:
            raise AssertionError("accuracy は百分率ではなく、0 以上 1 以下の割合で返してください。")
        raise AssertionError("正解率の値が正しくありません。" + ARGMAX_HINT
                             + "正解した数をサンプル数 N で割った割合を返しているかも確かめてください。")


# -- 課題3: confusion_matrix --------------------------------------------------------------------------------------------
def compare_confusion(inputs_kept=False):
    def compare(inputs, expected, answers):
        for case, answer, truth in zip(inputs["cases"], answers_of(answers, len(expected)), expected):
            truth = np.asarray(truth)
            raw = returned(answer, "confusion_matrix")
            if np.shape(raw) != truth.shape and np.ndim(raw) == 2:
                raise AssertionError("混同行列の形が (K, K)（K = n_classes）になっていません。正解や予測に現れないクラスが"
                                     "あっても、形はラベルの最大値ではなく引数 n_classes で決めてください。")
            value = plain_array(raw, "confusion_matrix の戻り値", truth.shape, "(K, K)（K = n_classes）")
            if np.asarray(raw).dtype.kind not in "iu":
                raise AssertionError("サンプル数を数えるので、混同行列は整数の配列にしてください（dtype=int など）。")
            if np.array_equal(value, truth):
                if inputs_kept:
                    _kept(answer, "confusion_matrix")
                continue
            if np.array_equal(value, truth.T):
                raise AssertionError("行と列が逆です。行が正解、列が予測です（正解 i を j と予測したら C[i, j] に 1 を足す）。")
            if value.sum() != truth.sum():
                raise AssertionError("全成分の和がサンプル数 N になっていません。すべてのサンプルを 1 回ずつ数えているか"
                                     "確かめてください。")
            raise AssertionError("混同行列の値が正しくありません。行が正解・列が予測か、予測や正解に現れないクラスが"
                                 "あっても形が (K, K) のままかを確かめてください。")
    return compare


# -- 課題4: HYPERPARAMS --------------------------------------------------------------------------------------------------
def ask_hyperparams(student, inputs):
    return {"hyperparams": copy.deepcopy(student.get("hyperparams"))}


def compare_hyperparams(inputs, expected, answers):
    if not isinstance(answers, dict) or "hyperparams" not in answers:
        raise AssertionError("答えが記録されていません（テストのセルが最後まで実行されなかったか、書き換えられました）。")
    hyperparams = checked_hyperparams(answers["hyperparams"])
    seeds, bar = [int(seed) for seed in expected["seeds"]], float(expected["bar"])
    accuracies = [digits_accuracy(hyperparams, seed) for seed in seeds]
    if min(accuracies) >= bar:
        return
    listed = "、".join(f"{a:.3f}" for a in accuracies)
    which, short = (("この分割", "届きませんでした") if len(seeds) == 1
                    else (f"{len(seeds)} 通りの分割", "届かない分割がありました"))
    raise AssertionError(f"このハイパーパラメータで学習し直すと、{which}でのテストデータの正解率は {listed} で、"
                         f"基準の {bar:.2f} に{short}。学習率・エポック数・中間層の大きさを見直してください"
                         "（学習率が大きすぎると、分割によって学習が不安定になります）。")


TESTS = {
    "preprocess-test": Test(ask_each("preprocess"), compare_preprocess(inputs_kept=True), "課題1 のテスト: OK"),
    "preprocess-test-hidden": Test(ask_each("preprocess"), compare_preprocess(inputs_kept=True)),
    "accuracy-test": Test(ask_each("accuracy", ARGMAX_HINT), compare_accuracy, "課題2 のテスト: OK"),
    "accuracy-test-hidden": Test(ask_each("accuracy", ARGMAX_HINT), compare_accuracy),
    "confusion-test": Test(ask_each("confusion_matrix"), compare_confusion(), "課題3 のテスト: OK"),
    "confusion-test-hidden": Test(ask_each("confusion_matrix"), compare_confusion(inputs_kept=True)),
    "hyperparams-test": Test(ask_hyperparams, compare_hyperparams,
                             "OK: 上と同じ分割 (seed=0) で学習し直したテストデータの正解率が基準 0.93 以上です"),
    "hyperparams-test-hidden": Test(ask_hyperparams, compare_hyperparams),
}
