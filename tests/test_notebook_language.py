"""Lint over the text of the lecture 11 notebooks (source/ and release/): one notation everywhere.

The notation (issue 16, section 1): the target is t (the slides' y_k, said once in 11_01), the prediction is
h^L (ŷ only for the predicted class, said once in the notebook), the loss is L_ce / \\bar{L}_ce / L_sq and never
the bare L that is also the number of layers, ノード (not ユニット), 節 for sections, no prime in h'_j,
「前回」 only for lecture 10, written 「前回(第10回)」 (11_01 is 「前のノートブック (11_01)」), and half-width
brackets ( ) in Japanese text, as every notebook writes them.

Answer cells (nbgrader solution cells) are not linted: in release/ they are empty boxes for the student, and in
source/ they are the TA's model answers, which the lead rewrites separately.

Code cells are linted for what a student reads of them (comments, docstrings, names; a model answer's
`### BEGIN SOLUTION` region left out): ノード, 前回 and the brackets as in markdown, and no `y_hat` / ŷ naming
the network's output: in code too, ŷ is only the predicted class, in a notebook whose markdown says so.
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
# ŷ is allowed in a notebook whose markdown says, once, that it is the predicted class.
PREDICTED_CLASS_EXPLANATION = re.compile(r"\$\\hat\{y\}(_\{?\w+\}?)?\$ は(\*\*)?予測したクラス")

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
FULL_WIDTH_BRACKETS = re.compile(r"[（）]")


def _without_allowed(text):
    for sentence in ALLOWED_SENTENCES:
        text = text.replace(sentence, "")
    return text


def explains_predicted_class(texts):
    """Whether one of the markdown texts says that ŷ is the predicted class."""
    return any(PREDICTED_CLASS_EXPLANATION.search(text) for text in texts)


def lint(text, explains=None):
    """Problems in one markdown cell's text, as (rule, excerpt) pairs. explains: the notebook says that ŷ is the
    predicted class (None: this text alone decides)."""
    problems = []
    checked = _without_allowed(text)
    rules = [("y as a prediction", Y_AS_OUTPUT, checked), ("y as the target", Y_AS_TARGET, checked),
             ("ユニット (use ノード)", UNIT, text), ("前回 for 11_01 (write 前回(第10回) or 前のノートブック)", PREVIOUS, text),
             ("prime on h", PRIME, text), ("L as the loss (L is the number of layers)", LOSS_L, text),
             ("章 for a section (use 節)", CHAPTER, text),
             ("full-width brackets （） (the notebooks write half-width ( ))", FULL_WIDTH_BRACKETS, text)]
    if not (explains_predicted_class([text]) if explains is None else explains):
        rules.insert(0, ("ŷ / \\hat{y} outside the predicted-class explanation", HAT_Y, checked))
    for name, pattern, haystack in rules:
        for match in pattern.finditer(haystack):
            start = max(0, match.start() - 30)
            problems.append((name, haystack[start:match.end() + 30]))
    return problems


SOLUTION_REGION = re.compile(r"### BEGIN SOLUTION.*?### END SOLUTION", re.DOTALL)
Y_HAT_NAME = re.compile(r"(?<![\w])y_hat(?![\w])|ŷ")


def lint_code(text, explains_predicted_class):
    """Problems in what a student reads of one code cell, as (rule, excerpt) pairs. explains_predicted_class: the
    notebook's markdown introduces ŷ as the predicted class (then y_hat / ŷ may name it in code)."""
    shown = SOLUTION_REGION.sub("", text)
    rules = [("ユニット (use ノード)", UNIT), ("前回 for 11_01 (write 前回(第10回) or 前のノートブック)", PREVIOUS),
             ("full-width brackets （） (the notebooks write half-width ( ))", FULL_WIDTH_BRACKETS)]
    if not explains_predicted_class:
        rules.append(("y_hat / ŷ in code (the output is h^L; ŷ only for the predicted class)", Y_HAT_NAME))
    problems = []
    for name, pattern in rules:
        for match in pattern.finditer(shown):
            problems.append((name, shown[max(0, match.start() - 30):match.end() + 30]))
    return problems


def _markdown_cells(path):
    for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
        if cell.cell_type != "markdown" or cell.metadata.get("nbgrader", {}).get("solution"):
            continue
        yield cell.get("id", index), cell.source


def _code_cells(path):
    """(cell id, source) of every code cell, and whether the notebook's markdown explains ŷ as the predicted class."""
    cells = nbformat.read(path, as_version=4).cells
    explains = explains_predicted_class(c.source for c in cells if c.cell_type == "markdown")
    return [(c.get("id", i), c.source) for i, c in enumerate(cells) if c.cell_type == "code"], explains


def test_there_are_notebooks_to_lint():
    names = {p.name for p in NOTEBOOKS}
    assert {"11_01_neural_network.ipynb", "11_02_neural_network2.ipynb", "11_03_digit_classification.ipynb",
            "report11.ipynb"} <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_markdown_uses_one_notation(path):
    cells = list(_markdown_cells(path))
    explains = explains_predicted_class(text for _, text in cells)
    problems = [(cell_id, rule, excerpt) for cell_id, text in cells for rule, excerpt in lint(text, explains)]
    assert not problems, "\n".join(f"cell {c}: {rule}: …{excerpt}…" for c, rule, excerpt in problems)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_code_uses_one_notation(path):
    cells, explains = _code_cells(path)
    problems = [(cell_id, rule, excerpt) for cell_id, text in cells for rule, excerpt in lint_code(text, explains)]
    assert not problems, "\n".join(f"cell {c}: {rule}: …{excerpt}…" for c, rule, excerpt in problems)


@pytest.mark.parametrize("text, explains, rule", [
    ("def cross_entropy(y_hat, y):\n    ...", False, "y_hat"),
    ("h, y_hat = forward(x, W_mid, b_mid, W_out, b_out)", False, "y_hat"),
    ('"""平均クロスエントロピー誤差 -(1/N) Σ_n Σ_k t_nk log ŷ_nk"""', False, "y_hat"),
    ("# 中間層 30 ユニット", True, "ユニット"),
    ("# 前回実装した forward を使う", True, "前回"),
    ('title="学習曲線（自分の backward で学習）"', True, "full-width"),
])
def test_each_code_rule_fails_on_a_bad_line(text, explains, rule):
    assert any(rule in name for name, _ in lint_code(text, explains)), lint_code(text, explains)


@pytest.mark.parametrize("text, explains", [
    ("def cross_entropy(h_L, t):\n    ### BEGIN SOLUTION\n    y_hat = h_L\n    ### END SOLUTION", False),
    ("def confusion_matrix(t, y_hat, n_classes):   # y_hat: 予測したクラス ŷ_n", True),
    ("# 前回(第10回)のロジスティック回帰。中間層 8 ノード。y_hat_sum = 0", False),
])
def test_allowed_code_passes(text, explains):
    assert lint_code(text, explains) == []


# Each rule can fail: one synthetic string per rule, and the allowed forms pass.
@pytest.mark.parametrize("text, rule", [
    (r"予測確率を $\hat{\mathbf{y}}_n$ として", "ŷ"),
    (r"$\hat{y}_k = \mathrm{softmax}(\mathbf{z})_k$", "ŷ"),
    ("予測 ŷ を使います", "ŷ"),
    (r"$\hat{y}$ は出力の確率で、予測したクラスはその argmax です", "ŷ"),
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
    ("出力層（ソフトマックス）", "full-width"),
])
def test_each_rule_fails_on_a_bad_sentence(text, rule):
    assert any(name.startswith(rule) for name, _ in lint(text)), lint(text)


@pytest.mark.parametrize("text", [
    ALLOWED_SENTENCES[0] + "。",
    ALLOWED_SENTENCES[1] + "。ここでは $L = 2$ です。)",
    r"確率が最大のクラス $\hat{y}_n$ を予測とします。ここで $\hat{y}_n$ は予測したクラスの番号で、"
    + "$\\hat{y}$ はこの意味でだけ使います。",
    r"$\hat{y}$ は**予測したクラスの番号**だけに使います。正解 $t_n$ と予測 $\hat{y}_n$ の混同行列。",
    r"$\frac{\partial L_{ce}}{\partial g_k^L} = h_k^L - t_k$, $\frac{\partial \bar{L}_{ce}}{\partial w}$, $L_{sq} = \frac{1}{N}$",
    r"連鎖律 2: $\frac{\partial z}{\partial x} = \sum_k \frac{\partial z}{\partial y_k} \frac{\partial y_k}{\partial x}$",
    r"$y = (\sin(x)\, x)^2 + x$ の自動微分、$\mathrm{sigmoid}'(g)$ と $\sigma'(g)$",
    "前回(第10回)学んだロジスティック回帰。前のノートブック (11_01) の順伝播。2節の式。中間層 8 ノード。",
    "層の数 $L$ がいくつでも",
    r"$\delta^L = \frac{1}{N}(\mathbf{h}^L - \mathbf{t})$, $\delta_{nk}^L = \frac{1}{N}$",
])
def test_allowed_forms_pass(text):
    assert lint(text) == []
