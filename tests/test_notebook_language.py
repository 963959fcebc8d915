"""Lint over the markdown of the lecture 11 notebooks (source/ and release/): one notation everywhere.

The notation (issue 16, section 1): the target is t (the slides' y_k, said once in 11_01), the prediction is
h^L (ŷ only for the predicted class, where that is explained), the loss is L_ce / \\bar{L}_ce / L_sq and never
the bare L that is also the number of layers, ノード (not ユニット), 節 for sections, no prime in h'_j, and
「前回」 only for lecture 10, written 「前回(第10回)」 (11_01 is 「前のノートブック (11_01)」).

Answer cells (nbgrader solution cells) are not linted: in release/ they are empty boxes for the student, and in
source/ they are the TA's model answers, which the lead rewrites separately.
"""
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "source").rglob("*.ipynb")) + sorted((ROOT / "release").rglob("*.ipynb"))

# The only sentences where y may stand for the target or for the network output: they map the slides'
# symbols to the notebooks' ones.
ALLOWED_SENTENCES = (
    "正解は、この講義のノートブックではすべて $t$ と書きます(スライドでは正解を $y_k$ と書いていますが、同じものです)",
    "(スライドではこの出力を $\\hat{y}_k$ と書いていますが、このノートブックではネットワークの出力を $h_k^L$ と書きます",
)
# ŷ is allowed in a cell that says it is the predicted class.
PREDICTED_CLASS_EXPLANATION = "$\\hat{y}$ はこの意味でだけ使います"

HAT_Y = re.compile(r"\\hat\s*\{?\s*(y|\\mathbf\s*\{\s*[yY]\s*\}|Y)|ŷ")
Y_AS_OUTPUT = re.compile(
    r"(?<![\\\w])y(_\{?\w+\}?)?\s*=\s*(\\mathrm\{(softmax|sigmoid)\}|w_)"   # y = softmax(...), y = w_1 x_1 + ...
    r"|(?<![\\\w])y_\{?\w+\}?\s*-\s*t"                                       # y_n - t_n: prediction minus target
)
Y_AS_TARGET = re.compile(
    r"(?<![\\\w])y_\{?\w+\}?\s*\\log"                     # y_k log h_k: cross-entropy with y as the target
    r"|h_?\{?\w*\}?\^?\{?L\}?\s*-\s*y_"                  # h_k^L - y_k
    r"|\\mathbf\s*\{\s*y\s*\}\s*_"                       # \mathbf{y}_n as the one-hot target
    r"|\\sum_\{?c\}?\s*y_c"                               # \sum_c y_c
)
UNIT = re.compile(r"ユニット")
PREVIOUS = re.compile(r"前回(?!\(第10回\))")
PRIME = re.compile(r"h(_\{?\w+\}?)?(\^\{?\\prime\}?|')|h'")
LOSS_L = re.compile(
    r"\\partial\s*L(?![_\w])"                  # \partial L without a subscript
    r"|(?<![\\\w{^_])L\s*=\s*(-|\\frac)"       # L = -... or L = \frac... as the loss's definition (not δ^L = ...)
    r"|損失\s*\$L\$"                           # 損失 $L$
)
CHAPTER = re.compile(r"\d\s*章")


def _without_allowed(text):
    for sentence in ALLOWED_SENTENCES:
        text = text.replace(sentence, "")
    return text


def lint(text):
    """Problems in one markdown cell's text, as (rule, excerpt) pairs."""
    problems = []
    checked = _without_allowed(text)
    rules = [("y as a prediction", Y_AS_OUTPUT, checked), ("y as the target", Y_AS_TARGET, checked),
             ("ユニット (use ノード)", UNIT, text), ("前回 for 11_01 (write 前回(第10回) or 前のノートブック)", PREVIOUS, text),
             ("prime on h", PRIME, text), ("L as the loss (L is the number of layers)", LOSS_L, text),
             ("章 for a section (use 節)", CHAPTER, text)]
    if PREDICTED_CLASS_EXPLANATION not in text:
        rules.insert(0, ("ŷ / \\hat{y} outside the predicted-class explanation", HAT_Y, checked))
    for name, pattern, haystack in rules:
        for match in pattern.finditer(haystack):
            start = max(0, match.start() - 30)
            problems.append((name, haystack[start:match.end() + 30]))
    return problems


def _markdown_cells(path):
    for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
        if cell.cell_type != "markdown" or cell.metadata.get("nbgrader", {}).get("solution"):
            continue
        yield cell.get("id", index), cell.source


def test_there_are_notebooks_to_lint():
    names = {p.name for p in NOTEBOOKS}
    assert {"11_01_neural_network.ipynb", "11_02_neural_network2.ipynb", "11_03_digit_classification.ipynb",
            "report11.ipynb"} <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_markdown_uses_one_notation(path):
    problems = [(cell_id, rule, excerpt) for cell_id, text in _markdown_cells(path) for rule, excerpt in lint(text)]
    assert not problems, "\n".join(f"cell {c}: {rule}: …{excerpt}…" for c, rule, excerpt in problems)


# Each rule can fail: one synthetic string per rule, and the allowed forms pass.
@pytest.mark.parametrize("text, rule", [
    (r"予測確率を $\hat{\mathbf{y}}_n$ として", "ŷ"),
    (r"$\hat{y}_k = \mathrm{softmax}(\mathbf{z})_k$", "ŷ"),
    ("予測 ŷ を使います", "ŷ"),
    (r"$y = w_1 x_1 + w_2 x_2 + b$ で近似する", "y as a prediction"),
    (r"$\sqrt{\frac{1}{N}\sum_n (y_n - t_n)^2}$", "y as a prediction"),
    (r"$L_{ce} = -\sum_{k} y_k \log h_k^L$", "y as the target"),
    (r"$\frac{\partial L_{ce}}{\partial g_k^L} = h_k^L - y_k$", "y as the target"),
    (r"正解を one-hot ベクトル $\mathbf{y}_n$ とします", "y as the target"),
    ("中間層 1 層(30 ユニット)", "ユニット"),
    ("前回(11_01)は順伝播を実装しました", "前回"),
    ("前回実装した順伝播", "前回"),
    (r"$$h'_j = f(g_j)$$", "prime"),
    (r"$h^{\prime}_j$", "prime"),
    (r"$\frac{\partial L}{\partial w_{kj}^L}$", "L as the loss"),
    (r"$$L = -\frac{1}{N} \sum_n \sum_k t_{nk} \log h_{nk}^L$$", "L as the loss"),
    ("数値微分で損失 $L$ を微分", "L as the loss"),
    ("2 章の式", "章"),
])
def test_each_rule_fails_on_a_bad_sentence(text, rule):
    assert any(name.startswith(rule) for name, _ in lint(text)), lint(text)


@pytest.mark.parametrize("text", [
    ALLOWED_SENTENCES[0] + "。",
    ALLOWED_SENTENCES[1] + "。ここでは $L = 2$ です。)",
    r"確率が最大のクラス $\hat{y}_n$ を予測とします。ここで $\hat{y}_n$ は予測したクラスの番号で、"
    + PREDICTED_CLASS_EXPLANATION + "。",
    r"$\frac{\partial L_{ce}}{\partial g_k^L} = h_k^L - t_k$, $\frac{\partial \bar{L}_{ce}}{\partial w}$, $L_{sq} = \frac{1}{N}$",
    r"連鎖律 2: $\frac{\partial z}{\partial x} = \sum_k \frac{\partial z}{\partial y_k} \frac{\partial y_k}{\partial x}$",
    r"$y = (\sin(x)\, x)^2 + x$ の自動微分、$\mathrm{sigmoid}'(g)$ と $\sigma'(g)$",
    "前回(第10回)学んだロジスティック回帰。前のノートブック (11_01) の順伝播。2節の式。中間層 8 ノード。",
    "層の数 $L$ がいくつでも",
    r"$\delta^L = \frac{1}{N}(\mathbf{h}^L - \mathbf{t})$, $\delta_{nk}^L = \frac{1}{N}$",
])
def test_allowed_forms_pass(text):
    assert lint(text) == []
