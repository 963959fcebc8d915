"""Diagnosing known backpropagation mistakes: the diagnosis that matches a wrong answer against models of them.

The one catalogue of student mistakes is lib/backprop_course/simulation/mistakes.toml (the demo class and
the mutant tests read it); its entries name the diagnosis they expect, often a key of HINTS below. How a
wrong answer is recognised lives here, so that it can grow without touching the tests:

- `MODELS`: per exercise, what a specific mistake would return for the case the student was given
  (e.g. the hidden delta without the factor (1 - h) h). A wrong answer that equals a model is named.
- `_ratio_hint`: a wrong array that is a scalar multiple of the right one (N, 1/N, 1/K, N/K, -1, 2, 1/2, 0).
- `_layer_hint`: for a list of per-layer gradients, which layers or kinds of array are wrong.

Hints are Japanese, point at where to look, and contain neither code nor numbers from the hidden case.
"""
from dataclasses import dataclass

import math

import numpy as np

from ..activations import sigmoid
from backprop_kit.autodiff import topological_order
from backprop_kit.testing.expressions import build
from backprop_kit.gradcheck import relative_error
from backprop_kit.testing.compare import INPUTS_CHANGED_HINT

MATCH = 1e-6          # relative error below which a wrong answer "is" a modelled mistake


@dataclass(frozen=True)
class Diagnosis:
    """A named mistake (key, stable for tests and statistics) and its Japanese hint for the student."""
    key: str
    hint: str


# -- models of specific mistakes --------------------------------------------------------------------------------
def _sigmoid_derivative_variants(case, g, h):
    """Wrong replacements for the factor f'(g) = (1 - h) h of a sigmoid layer: {key: factor}."""
    if case.hidden != "sigmoid":
        return {"missing_derivative": np.ones_like(h)}
    s = sigmoid(h)
    return {
        "missing_derivative": np.ones_like(h),
        "derivative_of_g": (1.0 - g) * g,
        "sigmoid_twice": (1.0 - s) * s,
        "derivative_h_only": h,
    }


def _hidden_delta_models(case, layer, inputs):
    back = inputs["delta_next"] @ inputs["W_next"]
    factors = _sigmoid_derivative_variants(case, case.gs[layer], case.hs[layer])
    return {key: [back * factor] for key, factor in factors.items()}


def _backward_with(case, factor_key):
    """The whole backward pass with the activation derivative replaced by the variant factor_key."""
    params, hs, n = case.params, case.hs, case.n_samples
    grads = [None] * len(params)
    delta = (hs[-1] - case.t) / n
    for l in range(case.depth, 0, -1):
        grads[2 * l - 2], grads[2 * l - 1] = delta.T @ hs[l - 1], delta.sum(axis=0)
        if l > 1:
            factor = _sigmoid_derivative_variants(case, case.gs[l - 1], hs[l - 1])[factor_key]
            delta = (delta @ params[2 * l - 2]) * factor
    return grads


def _backward_models(case, layer, inputs):
    keys = _sigmoid_derivative_variants(case, case.gs[-1], case.hs[-1])
    return {key: _backward_with(case, key) for key in keys}


def _output_delta_models(case, layer, inputs):
    """delta^L with an extra sigmoid-style derivative h (1 - h), as if the output were judged by squared error."""
    h, t = inputs["h_L"], inputs["t"]
    return {"output_extra_derivative": [(h - t) * h * (1.0 - h) / case.n_samples]}


def _backward_factor(case, factor):
    """The whole backward pass with the hidden layers' derivative replaced by factor(h)."""
    params, hs = case.params, case.hs
    grads = [None] * len(params)
    delta = (hs[-1] - case.t) / case.n_samples
    for l in range(case.depth, 0, -1):
        grads[2 * l - 2], grads[2 * l - 1] = delta.T @ hs[l - 1], delta.sum(axis=0)
        if l > 1:
            delta = (delta @ params[2 * l - 2]) * factor(hs[l - 1])
    return grads


def _backward_activation_models(case, layer, inputs):
    """(On a sigmoid layer, where 0 < h < 1, ReLU's derivative h > 0 is all ones: the missing derivative.)"""
    models = {"missing_derivative": _backward_factor(case, np.ones_like)}
    if case.hidden == "relu":
        models["sigmoid_derivative_for_relu"] = _backward_factor(case, lambda h: (1.0 - h) * h)
    return models


MODELS = {"hidden_delta": _hidden_delta_models, "backward": _backward_models, "output_delta": _output_delta_models,
          "backward_activation": _backward_activation_models}


# -- the scalar autodiff and the shrink factor (cases that are not networks) ------------------------------------
def _local(node, sin_derivative=math.cos, own_value=False):
    if node.op == "add":
        return [(node.inputs[0], 1.0), (node.inputs[1], 1.0)]
    if node.op == "mul":
        a, b = node.inputs
        return [(a, a.value), (b, b.value)] if own_value else [(a, b.value), (b, a.value)]
    if node.op == "sin":
        return [(node.inputs[0], sin_derivative(node.inputs[0].value))]
    return []


def _autodiff_variant(recipe, order="reverse", accumulate=True, **local):
    output, xs = build(recipe)
    output.grad = 1.0
    if order == "recursive":     # each visit passes on the node's whole grad so far: shared paths counted again
        def visit(node):
            for parent, d in _local(node, **local):
                parent.grad += d * node.grad
                visit(parent)
        visit(output)
        return [x.grad for x in xs]
    nodes = topological_order(output)
    for node in (reversed(nodes) if order == "reverse" else nodes):
        for parent, d in _local(node, **local):
            parent.grad = parent.grad + d * node.grad if accumulate else d * node.grad
    return [x.grad for x in xs]


def autodiff_models(recipe):
    """{key: the inputs' grads a mistaken backward pass gives} for one expression recipe."""
    return {
        "autodiff_overwrite": _autodiff_variant(recipe, accumulate=False),
        "autodiff_order": _autodiff_variant(recipe, order="forward"),
        "autodiff_recursive": _autodiff_variant(recipe, order="recursive"),
        "autodiff_sin_minus_cos": _autodiff_variant(recipe, sin_derivative=lambda v: -math.cos(v)),
        "autodiff_mul_own_value": _autodiff_variant(recipe, own_value=True),
        "autodiff_no_seed": [0.0] * len(recipe["inputs"]),
    }


def shrink_factor_models(norms):
    """{key: what a mistaken shrink_factor returns} for norms (layer 1 first)."""
    norms = np.asarray(norms, dtype=np.float64)
    m = len(norms)
    ratios = norms[:-1] / norms[1:]
    right = float(np.exp(np.mean(np.log(ratios))))
    return {
        "shrink_reversed": 1.0 / right,
        "shrink_arithmetic_mean": float(np.mean(ratios)),
        "shrink_exponent": float((norms[0] / norms[-1]) ** (1.0 / m)),
        "shrink_no_root": float(norms[0] / norms[-1]),
    }

HINTS = {
    "missing_derivative": "活性化関数の微分 (1 - h) h（シグモイドの場合）を掛け忘れていませんか。",
    "derivative_of_g": "シグモイドの微分を g で計算していませんか。(1 - h) h の h は活性化後の値 h = sigmoid(g) です。",
    "sigmoid_twice": "シグモイドを 2 回適用していませんか。h はすでに sigmoid(g) の値です。",
    "derivative_h_only": "シグモイドの微分の (1 - h) の部分が抜けていませんか。",
    "output_extra_derivative": ("出力層の δ に h (1 - h) のような活性化関数の微分を掛けていませんか。ソフトマックスと"
                                "クロスエントロピーを合わせて g で微分すると、δ^L = (h - t) / N だけになります。"),
    "inputs_changed": INPUTS_CHANGED_HINT,
    "sigmoid_derivative_for_relu": ("ReLU の層にシグモイドの微分 (1 - h) h を掛けていませんか。activation が \"relu\" の"
                                    "ときの微分は、h > 0 なら 1、それ以外は 0 です。"),
    "autodiff_overwrite": ("入力への寄与を = で上書きしていませんか。同じノードが何か所かで使われると、それぞれの経路からの"
                           "寄与を足し合わせます（+=、連鎖律 2）。"),
    "autodiff_order": ("ノードを処理する順番を確かめてください。出力から入力へ向かって（topological_order の逆順に）"
                       "進み、あるノードの grad は、それを使うすべてのノードからの寄与がそろってから入力へ渡します。"),
    "autodiff_recursive": ("ノードごとに 1 回だけ、その時点の grad をすべて受け取ってから入力へ渡していますか。経路ごとに"
                           "再帰で伝えると、共有されたノードを通る寄与が重複して数えられます。"),
    "autodiff_sin_minus_cos": "sin の微分の符号を確かめてください（d sin(a) / da = cos(a)）。",
    "autodiff_mul_own_value": ("掛け算 a * b の a についての微分は、相手の値 b です（自分の値 a ではありません）。"),
    "autodiff_no_seed": "出力ノードの grad を 1 にしてから逆伝播を始めていますか（dy/dy = 1）。",
    "shrink_reversed": ("比の向きが逆です。1 層さかのぼる（入力側へ進む）と何倍になるか、つまり第 l 層 / 第 l+1 層の比を"
                        "求めます。"),
    "shrink_arithmetic_mean": "比の算術平均（足して割る）ではなく、幾何平均（掛けて累乗根）を求めてください。",
    "shrink_exponent": ("層が m 個なら、隣り合う層の比は m - 1 個です。累乗根の次数を確かめてください。"),
    "shrink_no_root": "第 1 層と最後の層の比は、比 m - 1 個の積です。1 層あたりにするには (m - 1) 乗根をとります。",
}


# -- scalar multiples -----------------------------------------------------------------------------------------
def _ratio(student, expected):
    """r with student == r * expected (to MATCH), or None when no scalar fits."""
    norm = float(np.sum(expected * expected))
    if norm == 0.0:
        return None
    r = float(np.sum(student * expected)) / norm
    return r if relative_error(student, r * expected) < MATCH else None


def _ratio_hint(r, n, k):
    """Diagnosis for a student array equal to r times the right one, or None.

    n: number of samples; k: number of classes, or None where dividing by it is not a likely mistake
    (regression, where a factor 1/2 is the usual suspect and K may be 1 or 2).
    """
    def near(a, b):
        return abs(a - b) <= 1e-6 * max(abs(a), abs(b), 1.0)
    if near(r, 0.0):
        return Diagnosis("zeros", "値がすべて 0 になっています。計算結果を代入・return しているか確認してください。")
    if near(r, n):
        return Diagnosis("no_mean", "正しい値のちょうど N 倍（N はサンプル数）です。バッチ平均の 1/N を忘れていませんか。")
    if near(r, 1.0 / n):
        return Diagnosis("mean_twice", "正しい値のちょうど 1/N 倍です。N で 2 回割っていませんか（1/N は出力層の δ で 1 回だけ）。")
    if near(r, -1.0):
        return Diagnosis("sign_flipped", "符号が逆になっています。h - t と t - h、勾配の向きを確認してください。")
    if k is not None and (near(r, 1.0 / k) or near(r, n / k)):
        return Diagnosis("divided_by_outputs", "N（サンプル数）ではなく、出力の数 K や全要素数 N×K で割っていませんか。"
                                               "平均はサンプルについてだけとります。")
    if near(r, 2.0) or near(r, 0.5):
        return Diagnosis("factor_two", "正しい値の 2 倍または 1/2 倍です。損失の 1/2 の付け方と微分が対応しているか確認してください。")
    return None


def _transpose_hint(student, expected):
    if student.ndim == 2 and student.shape == expected.T.shape and relative_error(student, expected.T) < MATCH:
        return Diagnosis("transposed", "転置になっています。行と列の順番（どちらに .T を付けるか）を確認してください。")
    return None


# -- which arrays of a per-layer gradient list are wrong -----------------------------------------------------------
def _layer_hint(names, wrong):
    """Diagnosis from the pattern of wrong arrays among names ['dW^1', 'db^1', ...], or None."""
    if len(names) < 4 or len(names) % 2:
        return None
    wrong, depth = set(wrong), len(names) // 2
    weights, biases = set(range(0, len(names), 2)), set(range(1, len(names), 2))
    if wrong <= {0, 1}:
        return Diagnosis("first_layer_only", "第 1 層の勾配だけが違います。for ループが第 1 層まで回っているか（range の範囲）、"
                                             "第 1 層では h^0 = x を使っているかを確認してください。")
    if wrong <= biases:
        return Diagnosis("bias_only", "バイアスの勾配だけが違います。δ をどの軸で（サンプル方向に）和をとるかを確認してください。")
    if wrong <= weights:
        return Diagnosis("weights_only", "重みの勾配だけが違います。δ と一つ前の層の出力 h の掛け方を確認してください。")
    if not wrong & {2 * depth - 2, 2 * depth - 1}:
        return Diagnosis("hidden_layers", "出力層の勾配は正しく、中間層が違います。δ を一つ前の層へ伝える式"
                                          "（W の掛け方と活性化関数の微分）を確認してください。")
    return None


def _diagnose_scalar(models, student):
    """The model a wrong scalar answer (or list of them) equals, as a diagnosis list, else []."""
    for key, model in models.items():
        model, got = np.atleast_1d(np.asarray(model, float)), np.atleast_1d(np.asarray(student, float))
        if model.shape == got.shape and relative_error(got, model) < MATCH:
            return [Diagnosis(key, HINTS[key])]
    return []


def diagnose(context, student, expected, names, wrong, case, layer=None, inputs=None, changed=()):
    """Diagnoses (most specific first) for wrong answers of one exercise.

    context: the exercise ('output_delta', 'hidden_delta', 'param_gradients', 'backward' or any other name,
    which gets the generic checks only); student, expected: lists of float64 arrays of equal shapes; names:
    their names; wrong: indices of the wrong arrays; case: the Case; layer, inputs: what the student was given.
    """
    if context == "autodiff":
        return _diagnose_scalar(autodiff_models(case), [float(v[0]) for v in student])
    if context == "shrink_factor":
        return _diagnose_scalar(shrink_factor_models(case), float(student[0]))
    found = []
    if changed:
        found.append(Diagnosis("inputs_changed", HINTS["inputs_changed"]))
    models = MODELS.get(context, lambda *args: {})(case, layer, inputs)
    for key, arrays in models.items():
        if all(relative_error(s, m) < MATCH for s, m in zip(student, arrays)):
            found.append(Diagnosis(key, HINTS[key]))
            return found
    ratios = [_ratio(student[i], expected[i]) for i in wrong]
    classes = case.sizes[-1] if case.output == "softmax" else None
    hints = [None if r is None else _ratio_hint(r, case.n_samples, classes) for r in ratios]
    if hints and all(h is not None and h.key == hints[0].key for h in hints):
        found.append(hints[0])
    else:
        found += [d for d in (_transpose_hint(student[i], expected[i]) for i in wrong) if d is not None]
    layer_hint = _layer_hint(names, wrong)
    if layer_hint is not None:
        found.append(layer_hint)
    if not found:
        found.append(Diagnosis("unrecognised", "公開テストとは形やサンプル数の違う入力で確かめています。N や層の幅、層の数を"
                                               "数値で決め打ちせず、引数の配列の形から求めているか確認してください。"))
    return found
