"""Tests of report11 (回帰のレポート): forward, regression_loss, gradient, and the trained model.

forward / loss / gradient tests. Inputs: {"cases": [{parameter: value}, ...]}, one call per case. Expected: one
value per case: the list [h^0, ..., h^L] (sigmoid hidden layers, identity output), the loss as a number, or the
gradients in params order. In the flat-target tests t has shape (N,) against an output of shape (N, 1).

Model tests (model-test, model-test-hidden-loose, model-test-hidden-tight). The kernel publishes the trained
parameters (`trained_params` = [W1, b1, ..., WL, bL]) and report_model's predictions on the probe points of the
inputs, nothing else. The network is what the parameters say: sigmoid hidden layers and an identity output,
input 2, output 1, at most MAX_PARAMETERS numbers. report_model must agree with that network on the probe
points, and the network (not report_model) is judged on evaluation points:
- at grading, expected = {"network": the grader's own forward pass (params, x) -> (M, 1), "x_eval", "t_eval"
  (held-out points and noiseless targets that never enter the kernel), and "max_rmse" or "baseline_rmse"};
- at home (visible test only), inputs also hold "eval" (the notebook's validation inputs, already in the kit's
  CSV) and expected = {"t_eval", "baseline_rmse"}: the student's own `forward` stands in for the grader's
  forward pass, and report_model's predictions on "eval" for the network's.
"""
import numpy as np

from .calls import call
from .compare import INPUTS_CHANGED_HINT, WrongValues, again, returned, same_arrays, unchanged
from .plain import plain_array
from .spec import Test, answers_of, ask_each

MAX_LAYERS = 10
MAX_PARAMETERS = 50_000
AGREEMENT = 1e-6                 # |report_model - network| <= AGREEMENT * (1 + |network|), per probe point
TIE = 1e-9                       # an RMSE within TIE (relative) of the linear baseline is no better than it

FORWARD_HINT = ("中間層はシグモイド、出力層は恒等関数 h^L = g^L です。出力層にシグモイドをかけていないか、"
                "g = h W^T + b の形を確認してください。")
TRAP_HINT = ("t の形が (N,) のとき、h（形 (N, 1)）との差 h - t がブロードキャストで (N, N) になっていませんか。"
             "t を h と同じ形 (N, K) にそろえてから計算してください（例えば reshape）。")
LOSS_FORMULA = "L_sq = (1/N) Σ_n 1/2 ||h_n - t_n||^2"
SHAPE_HINT = ("配列の形が合わない計算があります。W^l は (n_l, n_{l-1})、b^l は (n_l,)、h^l は (N, n_l)、"
              "g^l = h^{l-1} (W^l)^T + b^l です。t は h^L と同じ形 (N, K) にそろえてください。")


def ratio_hint(ratio, n_samples):
    """A Japanese hint for a loss that is `ratio` times the right one."""
    for factor, hint in ((2.0, "1/2 が抜けていませんか。"), (0.5, "1/2 を 2 回掛けていませんか。"),
                         (n_samples, "サンプル数 N で割り忘れていませんか（平均をとります）。"),
                         (1.0 / n_samples, "N で 2 回割っていませんか。")):
        if abs(ratio - factor) <= 1e-6 * factor:
            return hint
    return "h - t を 2 乗して、出力の次元について和、サンプルについて平均をとり、1/2 を掛けます。"


# -- forward ------------------------------------------------------------------------------------------------------
def compare_forward(inputs, expected, answers):
    for i, (answer, hs) in enumerate(zip(answers_of(answers, len(expected)), expected)):
        value = returned(answer, "forward")
        if not isinstance(value, (list, tuple)) or len(value) != len(hs):
            raise AssertionError("forward は各層の出力のリスト [h^0, h^1, ..., h^L]（h^0 = x、長さ L + 1）を返してください。"
                                 "層の数 L は len(params) // 2 で求めます。")
        names = [f"h^{l}" for l in range(len(hs))]
        labels = ["x と同じ形 (N, D)"] + [f"(N, n_{l})" for l in range(1, len(hs))]
        try:
            same_arrays(answer, list(hs), "forward", names, labels, what="正しい順伝播", case_index=i)
        except WrongValues as wrong:
            raise AssertionError(f"{wrong}\nヒント: {FORWARD_HINT}") from None


# -- loss ---------------------------------------------------------------------------------------------------------
def compare_loss(flat):
    def compare(inputs, expected, answers):
        for answer, case, value in zip(answers_of(answers, len(expected)), inputs["cases"], expected):
            loss = plain_array(returned(answer, "regression_loss"), "regression_loss の戻り値", (), "1 つの数（float）")
            if abs(loss - value) <= 1e-9 * max(1.0, abs(value)):
                continue
            hint = TRAP_HINT if flat else ratio_hint(loss / value, len(case["h"]))
            raise AssertionError(f"損失の値が {LOSS_FORMULA} と一致しません。\nヒント: {hint}")
    return compare


# -- gradient -----------------------------------------------------------------------------------------------------
def gradient_names(n_arrays):
    return [f"d{p}^{l}" for l in range(1, n_arrays // 2 + 1) for p in ("W", "b")]


def gradient_labels(n_arrays):
    return [label for l in range(1, n_arrays // 2 + 1)
            for label in (f"W^{l} と同じ形 (n_{l}, n_{l - 1})", f"b^{l} と同じ形 (n_{l},)")]


def compare_gradient(flat=False, check_unchanged=False):
    def compare(inputs, expected, answers):
        for i, (answer, grads) in enumerate(zip(answers_of(answers, len(expected)), expected)):
            if check_unchanged and isinstance(answer, dict) and "error" not in answer:
                unchanged(answer, "gradient")
                second = again(answer)
                if second is None:
                    raise AssertionError("gradient の 2 回目の答えが記録されていません。")
                try:
                    same_arrays(second, list(grads), "gradient", gradient_names(len(grads)),
                                gradient_labels(len(grads)), case_index=i)
                except AssertionError:
                    raise AssertionError("同じ引数で gradient をもう一度呼ぶと答えが変わります。params・x・t を書き換えて"
                                         f"いませんか。\nヒント: {INPUTS_CHANGED_HINT}") from None
            try:
                same_arrays(answer, list(grads), "gradient", gradient_names(len(grads)), gradient_labels(len(grads)),
                            case_index=i)
            except WrongValues as wrong:
                if not flat:
                    raise
                raise WrongValues(f"{wrong}\nヒント: {TRAP_HINT}", wrong.student, wrong.expected, wrong.names,
                                  wrong.wrong, wrong.case_index) from None
            except AssertionError as wrong:          # wrong shapes: (N, N) from h - t spreads to every layer
                if not flat:
                    raise
                raise AssertionError(f"{wrong}\nヒント: {TRAP_HINT}") from None
    return compare


# -- the trained model --------------------------------------------------------------------------------------------
INVALID_PARAMS = {"function": "trained_params", "kind": "invalid"}


def _params_to_publish(value):
    """{"value": [fresh float64 arrays]} for trained_params, or {"error": message, "failure": INVALID_PARAMS};
    nothing huge is copied."""
    if isinstance(value, np.ndarray) or not isinstance(value, (list, tuple)):
        return {"error": f"trained_params はリスト [W1, b1, ..., WL, bL] にしてください（型: {type(value).__name__}）。",
                "failure": INVALID_PARAMS}
    if not 2 <= len(value) <= 2 * MAX_LAYERS:
        return {"error": f"trained_params の長さ（{len(value)}）が [W1, b1, ..., WL, bL]（L は 1〜{MAX_LAYERS}）になっていません。",
                "failure": INVALID_PARAMS}
    arrays = []
    for item in value:
        size = np.size(item) if isinstance(item, np.ndarray) else None
        if size is not None and size > MAX_PARAMETERS:
            return {"error": f"trained_params のパラメータが多すぎます（{MAX_PARAMETERS:,} 個まで）。",
                    "failure": INVALID_PARAMS}
        try:
            arrays.append(np.array(item, dtype=np.float64, copy=True, subok=False))
        except (TypeError, ValueError):
            return {"error": "trained_params の要素を数値の配列に変換できません。", "failure": INVALID_PARAMS}
        if sum(a.size for a in arrays) > MAX_PARAMETERS:
            return {"error": f"trained_params のパラメータが多すぎます（{MAX_PARAMETERS:,} 個まで）。",
                    "failure": INVALID_PARAMS}
    return {"value": arrays}


def ask_model(student, inputs):
    """What the model tests publish: the trained parameters and report_model's predictions on the probe points
    (at home also the student's own forward pass on them and the predictions on the validation inputs)."""
    params = _params_to_publish(student.get("trained_params"))
    answers = {"params": params, "probe": call(student.get("report_model"), "report_model", {"x": inputs["probe"]},
                                                 shape_hint=SHAPE_HINT)}
    if "eval" in inputs:
        answers["own_probe"] = call(student.get("forward"), "forward", {"params": params.get("value"),
                                                                        "x": inputs["probe"]}, shape_hint=SHAPE_HINT)
        answers["eval"] = call(student.get("report_model"), "report_model", {"x": inputs["eval"]},
                               shape_hint=SHAPE_HINT)
    return answers


def checked_params(answer):
    """The published trained_params as float64 arrays after checking the network they describe (input 2,
    output 1, consistent shapes, finite, at most MAX_LAYERS layers and MAX_PARAMETERS numbers)."""
    values = returned(answer, "trained_params")
    if not isinstance(values, (list, tuple)) or not 2 <= len(values) <= 2 * MAX_LAYERS or len(values) % 2:
        raise AssertionError("trained_params はリスト [W1, b1, ..., WL, bL]（重みとバイアスが交互、L は "
                             f"1〜{MAX_LAYERS}）にしてください。")
    params = []
    for value in values:
        try:
            params.append(np.array(value, dtype=np.float64, copy=True, subok=False))
        except (TypeError, ValueError):
            raise AssertionError("trained_params の要素を数値の配列に変換できません。") from None
    if sum(p.size for p in params) > MAX_PARAMETERS:
        raise AssertionError(f"trained_params のパラメータが多すぎます（{MAX_PARAMETERS:,} 個まで）。")
    n_prev = 2
    for l in range(1, len(params) // 2 + 1):
        W, b = params[2 * l - 2], params[2 * l - 1]
        if W.ndim != 2 or W.shape[1] != n_prev or W.shape[0] < 1:
            raise AssertionError(f"trained_params の W{l} の形が (n_{l}, n_{l - 1}) になっていません"
                                 f"（n_0 = 2: 入力は地点の座標 2 つ）。W{l} は前の層の幅と同じ列数の 2 次元配列です。")
        if b.shape != (W.shape[0],):
            raise AssertionError(f"trained_params の b{l} の形が (n_{l},)（W{l} の行数と同じ長さの 1 次元配列）になっていません。")
        n_prev = W.shape[0]
    if n_prev != 1:
        raise AssertionError("ネットワークの出力は標高 1 つです。最後の層 WL の形は (1, n_{L-1}) にしてください。")
    if not all(np.all(np.isfinite(p)) for p in params):
        raise AssertionError("trained_params に NaN または inf が含まれています。学習率が大きすぎないか確認してください。")
    return params


def _outputs(value, n_points, name):
    """Predictions (M, 1) (or (M,)) as a fresh float64 (M, 1) array."""
    if isinstance(value, np.ndarray) and value.shape == (n_points,):
        value = value[:, None]
    return plain_array(value, name, (n_points, 1), "(M, 1)（入力 1 行につき予測値 1 つ）")


def compare_model(max_rmse_key):
    """The compare of a model test: report_model agrees with the network on the probe points, and the network's
    RMSE on the evaluation points is at most expected["max_rmse"] or below expected["baseline_rmse"]."""
    def compare(inputs, expected, answers):
        if not isinstance(answers, dict):
            raise AssertionError("答えが記録されていません。")
        params = checked_params(answers.get("params"))
        probe = np.asarray(inputs["probe"], dtype=np.float64)
        said = _outputs(returned(answers.get("probe"), "report_model"), len(probe), "report_model の戻り値")
        network = expected.get("network")
        if network is not None:                                   # the grader's own forward pass
            truth = np.asarray(network(params, probe), dtype=np.float64)
            outputs = np.asarray(network(params, expected["x_eval"]), dtype=np.float64)
        else:                                                     # at home: the student's own forward
            hs = returned(answers.get("own_probe"), "forward")
            if not isinstance(hs, (list, tuple)) or not hs:
                raise AssertionError("forward がリスト [h^0, ..., h^L] を返しません。課題1 を確認してください。")
            truth = _outputs(hs[-1], len(probe), "forward の出力 h^L")
            outputs = _outputs(returned(answers.get("eval"), "report_model"), len(inputs["eval"]),
                               "report_model の戻り値")
        if not np.all(np.abs(said - truth) <= AGREEMENT * (1.0 + np.abs(truth))):
            raise AssertionError("report_model の予測が、trained_params のネットワーク（中間層はシグモイド、出力層は"
                                 "恒等関数）の出力と一致しません。report_model は trained_params で順伝播した出力 "
                                 "forward(trained_params, x)[-1] を返し、採点されるのは trained_params のネットワークです。")
        error = float(np.sqrt(np.mean((outputs - np.asarray(expected["t_eval"], dtype=np.float64)) ** 2)))
        if max_rmse_key == "max_rmse":
            bar = float(expected["max_rmse"])
            if not error <= bar:
                raise AssertionError(f"学習に使っていない地点での予測の RMSE は {error:.3f} で、基準の {bar} 以下に"
                                     "なりませんでした。ネットワークの大きさ、学習率、エポック数を見直してください。")
            return
        baseline = float(expected["baseline_rmse"])
        where = "検証データ" if network is None else "学習に使っていない地点"
        if not error < baseline * (1.0 - TIE):                   # the baseline itself (a tie) is not better
            raise AssertionError(f"{where}での予測の RMSE は {error:.3f} で、線形回帰（最小二乗法）の {baseline:.3f} より"
                                 "良くなっていません。学習の設定（ネットワークの大きさ、学習率、エポック数）を見直してください。")
    return compare


TESTS = {
    "forward-test": Test(ask_each("forward", SHAPE_HINT), compare_forward,
                         "課題1 のテスト: OK（h^0, h^1, h^2 が正しい順伝播と一致しました）"),
    "forward-test-hidden": Test(ask_each("forward", SHAPE_HINT), compare_forward),
    "loss-test": Test(ask_each("regression_loss", SHAPE_HINT), compare_loss(flat=False),
                      "課題2 のテスト: OK（K = 1 と K = 2 の例で正しい値です）"),
    "loss-test-hidden": Test(ask_each("regression_loss", SHAPE_HINT), compare_loss(flat=False)),
    "loss-test-hidden-flat": Test(ask_each("regression_loss", SHAPE_HINT), compare_loss(flat=True)),
    "gradient-test": Test(ask_each("gradient", SHAPE_HINT), compare_gradient(),
                          "課題3 のテスト: OK（ネットワーク 2 → 5 → 4 → 1、N = 6 で数値微分と一致しました）"),
    "gradient-test-hidden": Test(ask_each("gradient", SHAPE_HINT), compare_gradient()),
    "gradient-test-hidden-flat": Test(ask_each("gradient", SHAPE_HINT), compare_gradient(flat=True)),
    "gradient-test-hidden-unchanged": Test(ask_each("gradient", SHAPE_HINT, twice=True),
                                           compare_gradient(check_unchanged=True)),
    "model-test": Test(ask_model, compare_model("baseline_rmse"),
                       "課題4 のテスト: OK（report_model は trained_params のネットワークと一致し、"
                       "検証データで線形回帰より良い予測です）"),
    "model-test-hidden-loose": Test(ask_model, compare_model("max_rmse")),
    "model-test-hidden-tight": Test(ask_model, compare_model("max_rmse")),
}
