"""Tests of 11_03 (手書き数字の識別): preprocess, accuracy, confusion_matrix, sgd_epoch, and the chosen HYPERPARAMS.

Inputs of the function tests: {"cases": [{parameter: value}, ...]}, one call per case; expected: one value per
case (the (N, 64) array, the accuracy, the (K, K) matrix). sgd_epoch is called for two epochs with the test's
logging gradient (`sgd_probe`); expected: the parameters after each epoch and the batches the rule asks for.
The hyperparameter tests: the kernel publishes HYPERPARAMS (the visible one also CANDIDATES and MEASURED, and
checks that HYPERPARAMS is the candidate the student's own measurement found best). With inputs {"seeds": [...]}
(the visible test: split 0) the student's `train_network` also trains on the training part of each split
load_digits_split(seed=...) and the test publishes the trained parameters; the compare counts their test accuracy
itself (`digit_networks`) against expected["bar"]: the student's code can train a network that reaches the bar.
The points of the decision follow the SETTINGS: at grading, expected["accuracy"] is the grader's own training,
a function (hyperparams, seed) -> test accuracy of a network it trains with those hyperparameters, and the compare
passes only when at least expected["needed"] (default: all) of expected["splits"] (default: the inputs' seeds)
reach the bar that way. The cases shipped with the kit hold no such function: at home the visible test judges
the student's own network only.
"""
import copy

import numpy as np

from ..datasets import load_digits_split
from ..training import checked_hyperparams
from .calls import call
from .compare import returned
from .digit_networks import Diverged, network_arrays, parameter_arrays, split_accuracy
from .plain import plain_array
from .sgd_probe import two_epochs
from .spec import Test, answers_of

ARGMAX_HINT = ("argmax の軸を確認してください。予測クラス ŷ_n はサンプルごと（h の各行の中）で確率が最大の列の番号で、"
               "正解ラベル t と同じ形 (N,) になるはずです。")


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
                raise AssertionError("ピクセル値を 16 で割っていません（ピクセル値 16 は 1.0 になるはずです）。"
                                     "並べ替えた配列を 16.0 で割って、値を 0〜1 にしてください。")
            if np.max(images) > 0 and np.allclose(value, flat / np.max(images)):
                raise AssertionError("画像の最大値で割っています。ピクセル値の上限の 16 で割ってください"
                                     "（最大値が 16 でない画像の組もあり、そのときピクセル値 16 は 1.0 になるはずです）。")
            if np.allclose(value, by_column / 16.0):
                raise AssertionError("ピクセルを列ごとに並べています。1 行目の 8 個、2 行目の 8 個、… のように"
                                     "行ごとに並べてください（images.reshape(N, 64) がこの順番です。転置は要りません）。")
            raise AssertionError("preprocess の値が正しくありません。画像を行ごとに並べて (N, 64) にし、"
                                 "ピクセル値を 16 で割って [0, 1] にしているか確かめてください。")
    return compare


# -- 課題3: accuracy -------------------------------------------------------------------------------------------------
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


# -- 課題4: confusion_matrix --------------------------------------------------------------------------------------------
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
                raise AssertionError("行と列が逆です。行が正解、列が予測です。正解 t_n = i を ŷ_n = j と予測したサンプルごとに"
                                     "C[i, j] に 1 を足してください。")
            if value.sum() != truth.sum():
                raise AssertionError("全成分の和がサンプル数 N になっていません。すべてのサンプルを 1 回ずつ数えているか"
                                     "確かめてください。")
            raise AssertionError("混同行列の値が正しくありません。行が正解・列が予測か、予測や正解に現れないクラスが"
                                 "あっても形が (K, K) のままかを確かめてください。")
    return compare


# -- 課題2: sgd_epoch ----------------------------------------------------------------------------------------------
def ask_sgd(student, inputs):
    """Two epochs of the student's sgd_epoch per case, with the test's logging gradient; the log goes with the answer."""
    function = student.get("sgd_epoch")
    answers = []
    for case in inputs["cases"]:
        if not callable(function):
            answers.append(call(function, "sgd_epoch", {}))
            continue
        log = {"batches": [], "t_rows": []}
        answer = call(two_epochs(function, log), "sgd_epoch", dict(case))
        answers.append({**answer, "log": log})
    return {"cases": answers}


def _close(arrays, truth):
    return all(np.allclose(a, np.asarray(e), rtol=1e-9, atol=1e-12) for a, e in zip(arrays, truth))


def _batches_problem(log, expected_batches, n, batch_size):
    """The Japanese explanation of a wrong walk through the data, read from the test gradient's log, or None."""
    try:
        batches = [[int(number) for number in batch] for batch in log["batches"]]
        t_rows = [int(rows) for rows in log["t_rows"]]
        first_calls = int(log["first_epoch_calls"])
        expected_first, expected_second = ([[int(number) for number in batch] for batch in epoch]
                                           for epoch in expected_batches)
    except (KeyError, TypeError, ValueError):
        return None
    first, second = batches[:first_calls], batches[first_calls:]
    remainder = n % batch_size
    if any(len(batch) == 0 for batch in batches):
        return ("0 枚の空のミニバッチで gradient を呼んでいます。range(0, N, batch_size) で開始位置を作れば、"
                "余りがないときに空のミニバッチはできません（N // batch_size + 1 回のループにしないでください）。")
    if any(rows != len(batch) for rows, batch in zip(t_rows, batches)):
        return ("x と t で違うサンプル（または違う枚数）を gradient に渡しています。x と同じ添字の配列 batch で "
                "x[batch] と t[batch] の両方を取り出してください。")
    if first == [list(range(n))[i:i + batch_size] for i in range(0, n, batch_size)]:
        return ("データの順番をシャッフルしていません。エポックの最初に order = rng.permutation(N) で順番を決め、"
                "その順に order[0:B], order[B:2B], … をミニバッチにしてください（順番を変えないと、毎エポック同じ順で"
                "同じ組み合わせの更新が続きます）。")
    if remainder and first == expected_first[:-1]:
        return (f"最後の余りのミニバッチ（N = {n} を B = {batch_size} で割った余りの {remainder} 枚）で更新していません。"
                "このノートブックでは余りも 1 回の更新に使います。range(0, N, batch_size) で開始位置を作り、"
                "order[start:start + batch_size] で切り出すと最後は自然に短くなります。")
    used = sorted(number for batch in first for number in batch)
    if used != list(range(n)):
        return ("1 エポックで、どのサンプルもちょうど 1 回ずつ使われていません（重なりや抜けがあります）。"
                "order = rng.permutation(N) を 1 回だけ作り、order[0:B], order[B:2B], … と重ならないように切り出してください。")
    if [len(b) for b in first] != [len(b) for b in expected_first]:
        return ("ミニバッチの大きさが batch_size になっていません。先頭から batch_size 枚ずつ、最後だけ余りの枚数に"
                "なるように切り出してください。")
    if second == first:
        return ("2 エポック目も 1 エポック目とまったく同じ順番です。関数の中で np.random.default_rng(...) を作り直さず、"
                "引数の rng の permutation を使ってください（同じ rng を使い続けると、エポックごとに違う順番になります）。")
    if first != expected_first or second != expected_second:
        return ("ミニバッチの順番が決められた手順と違います。エポックの最初に rng.permutation(N) を 1 回だけ呼び、"
                "その順に切り出してください（rng.shuffle や rng.choice を使ったり、permutation をミニバッチごとに"
                "呼んだりすると順番が変わり、採点の正解と一致しません）。")
    return None


def compare_sgd(inputs, expected, answers):
    for case, answer, truth in zip(inputs["cases"], answers_of(answers, len(expected)), expected):
        value = returned(answer, "sgd_epoch")
        shapes = [np.shape(p) for p in case["params"]]
        if not isinstance(value, list) or len(value) != 2:
            raise AssertionError("sgd_epoch の答えが記録されていません。")
        log = answer.get("log") if isinstance(answer.get("log"), dict) else {}
        problem = _batches_problem(log, truth["batches"], len(case["x"]), int(case["batch_size"]))
        try:
            epochs = [parameter_arrays(params, shapes, "sgd_epoch の戻り値") for params in value]
        except Diverged as diverged:
            raise AssertionError(problem or f"{diverged}更新の式 p ← p − lr × (勾配) を確かめてください。") from None
        if _close(epochs[0], truth["params"][0]) and _close(epochs[1], truth["params"][1]):
            continue
        if problem:
            raise AssertionError(problem)
        if _close(epochs[0], truth["reversed"]):
            raise AssertionError("更新の向きが逆です。損失を小さくするには勾配と逆向きに進むので、"
                                 "p ← p − lr × (勾配) です（+ になっていないか確かめてください）。")
        if _close(epochs[0], truth["without_lr"]):
            raise AssertionError("勾配に学習率 lr を掛けていません。p ← p − lr × (勾配) のように lr を掛けてください。")
        raise AssertionError("ミニバッチの取り出し方は正しいのですが、更新後のパラメータの値が違います。"
                             "ミニバッチごとに grads = gradient(params, x[batch], t[batch]) を計算し、"
                             "すべての W^l と b^l を p − lr × (その勾配) で更新して、次のミニバッチでは更新後の params で"
                             "勾配を計算しているか確かめてください。")


# -- 課題5: HYPERPARAMS: the decision, judged by the grader's own training of the chosen settings --------------
def ask_hyperparams(student, inputs):
    """The HYPERPARAMS dict (the visible test also the student's measurement), and for each split seed of
    inputs["seeds"] (if any) the parameters the student's train_network returns on that split's training images
    (only when the dict is valid)."""
    hyperparams = copy.deepcopy(student.get("hyperparams"))
    answers = {"hyperparams": hyperparams}
    for name in ("candidates", "measured"):
        if name in student:
            answers[name] = copy.deepcopy(student[name])
    seeds = inputs.get("seeds", [])
    try:
        checked = checked_hyperparams(hyperparams)
    except AssertionError:
        return answers                      # the compare names the problem (the grader checks the dict again)
    if seeds:
        networks = []
        for seed in seeds:
            x_train, _, y_train, _ = load_digits_split(seed=int(seed))
            networks.append(call(student.get("train_network"), "train_network",
                                 {"x": x_train, "y": y_train, "hyperparams": checked, "seed": int(seed)}))
        answers["networks"] = networks
    return answers


def _measurement_problem(answers, hyperparams):
    """The Japanese explanation of a decision the student's own measurement does not support, or None."""
    candidates, measured = answers.get("candidates"), answers.get("measured")
    if not isinstance(candidates, dict) or not isinstance(measured, dict):
        return "CANDIDATES と MEASURED を辞書（候補の名前 → 設定、候補の名前 → 検証データの正解率）にしてください。"
    if sorted(candidates) != sorted(measured):
        return "MEASURED には CANDIDATES のすべての候補の正解率を、同じ名前で入れてください。"
    try:
        checked = {name: checked_hyperparams(hp) for name, hp in candidates.items()}
        scores = {name: float(value) for name, value in measured.items()}
    except (AssertionError, TypeError, ValueError) as problem:
        return f"CANDIDATES の候補の設定か MEASURED の値が正しくありません: {problem}"
    varied = {(len(hp["hidden_sizes"]), hp["activation"], hp["lr"]) for hp in checked.values()}
    if len(varied) < 3:
        return ("候補は、中間層の数（深さ）・活性化関数・学習率の少なくとも 1 つが違う設定を 3 つ以上にしてください"
                "（測って比べる意味のある違いにします）。")
    best = max(scores.values())
    if not any(hp == hyperparams and scores[name] == best for name, hp in checked.items()):
        return ("HYPERPARAMS が、あなたの測定（MEASURED）で検証データの正解率が最も高かった候補と一致していません。"
                "測った結果に基づいて選び、その設定を HYPERPARAMS にしてください。")
    return None


def _accuracy_advice(accuracies, own_code):
    if max(accuracies) < 0.3:
        cause = ("sgd_epoch や貼り付けた backward_activation が正しくない可能性があります。課題2 と 11_02 のテストが"
                 "通るか確かめてください。") if own_code else "エポック数が少なすぎる可能性があります。"
        return f"どの分割でもほぼ当てずっぽう（0.1 前後）です。学習率が大きすぎて発散しているか、{cause}"
    if max(accuracies) - min(accuracies) > 0.05:
        return ("分割によって結果が大きく違います。学習率が大きいと、分割やミニバッチの順番しだいで学習が不安定に"
                "なります。学習率を下げる（その分エポック数を増やす）などして、検証データで測り直してください。")
    return ("どの分割でも少し届きません。エポック数を増やす、中間層のノード数を増やす、ReLU にするなどの候補を"
            "検証データで測り直して選んでください。")


TRAINED_BY = {True: "あなたの train_network でこの設定を学習すると",
              False: "採点する側がこの設定（HYPERPARAMS）で正しいミニバッチ SGD により学習し直すと"}


def _below_bar(accuracies, bar, needed, own_code):
    """The Japanese failure message when fewer than `needed` accuracies reach the bar, else None; own_code: the
    networks were trained by the student's train_network (else by the grader)."""
    if sum(accuracy >= bar for accuracy in accuracies) >= needed:
        return None
    listed = "、".join(f"{a:.3f}" for a in accuracies)
    which = "この分割" if len(accuracies) == 1 else f"{len(accuracies)} 通りの分割"
    rule = "" if needed == len(accuracies) else f"（合格は {len(accuracies)} 通りのうち {needed} 通り以上で基準以上）"
    return (f"{TRAINED_BY[own_code]}、{which}でのテストデータの正解率は {listed} で、基準の {bar:.2f} を下回りました"
            f"{rule}。" + _accuracy_advice(accuracies, own_code))


def _own_accuracies(answers, hyperparams, seeds):
    """Test accuracies of the networks the student's train_network returned, one per seed (our forward pass)."""
    networks = answers.get("networks")
    if not isinstance(networks, list) or len(networks) != len(seeds):
        raise AssertionError("train_network の答えが記録されていません（テストのセルが最後まで実行されませんでした）。")
    accuracies = []
    for seed, answer in zip(seeds, networks):
        try:
            params = network_arrays(returned(answer, "train_network"), hyperparams["hidden_sizes"])
        except Diverged as diverged:
            raise AssertionError(f"{diverged}学習が発散しています。学習率を小さくしてください。") from None
        accuracies.append(split_accuracy(params, hyperparams["activation"], seed))
    return accuracies


def compare_hyperparams(with_measurement=False):
    def compare(inputs, expected, answers):
        if not isinstance(answers, dict) or "hyperparams" not in answers:
            raise AssertionError("答えが記録されていません（テストのセルが最後まで実行されなかったか、書き換えられました）。")
        hyperparams = checked_hyperparams(answers["hyperparams"])
        if with_measurement:
            problem = _measurement_problem(answers, hyperparams)
            if problem:
                raise AssertionError(problem)
        seeds, bar = [int(seed) for seed in inputs.get("seeds", [])], float(expected["bar"])
        if seeds:
            problem = _below_bar(_own_accuracies(answers, hyperparams, seeds), bar, len(seeds), own_code=True)
            if problem:
                raise AssertionError(problem)
        train = expected.get("accuracy")
        if train is not None:           # at grading: the grader trains the chosen settings itself
            splits = [int(seed) for seed in expected.get("splits", seeds)]
            problem = _below_bar([float(train(hyperparams, seed)) for seed in splits], bar,
                                 int(expected.get("needed", len(splits))), own_code=False)
            if problem:
                raise AssertionError(problem)
    return compare


TESTS = {
    "preprocess-test": Test(ask_each("preprocess"), compare_preprocess(inputs_kept=True), "課題1 のテスト: OK"),
    "preprocess-test-hidden": Test(ask_each("preprocess"), compare_preprocess(inputs_kept=True)),
    "accuracy-test": Test(ask_each("accuracy", ARGMAX_HINT), compare_accuracy, "課題3 のテスト: OK"),
    "accuracy-test-hidden": Test(ask_each("accuracy", ARGMAX_HINT), compare_accuracy),
    "confusion-test": Test(ask_each("confusion_matrix"), compare_confusion(), "課題4 のテスト: OK"),
    "confusion-test-hidden": Test(ask_each("confusion_matrix"), compare_confusion(inputs_kept=True)),
    "sgd-epoch-test": Test(ask_sgd, compare_sgd, "課題2 のテスト: OK"),
    "sgd-epoch-test-hidden": Test(ask_sgd, compare_sgd),
    "hyperparams-test": Test(ask_hyperparams, compare_hyperparams(with_measurement=True),
                             "OK: 測定で最もよかった設定を選び、その設定であなたの train_network が学習したネットワークの"
                             "分割 seed=0 のテストデータの正解率が基準 0.93 以上です"),
    "hyperparams-test-hidden": Test(ask_hyperparams, compare_hyperparams()),
}
