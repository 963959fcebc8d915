"""A tiny self-contained course (assignment `toy`, two notebooks) for tests and quick trials.

`build_toy_course(root)` writes nbgrader_config.py, course.toml and source/toy/{toy,toy_extra}.ipynb.
toy.ipynb: a sigmoid answer cell, a visible test, a test with a hidden part, a test whose correct
answer prints a harmless RuntimeWarning to stderr, a plot with Japanese labels, then a second answer
cell (the sigmoid derivative) and its test. toy_extra.ipynb: one answer cell and one test.
"""
from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ASSIGNMENT = "toy"
HIDDEN_SECRET = "TOY_HIDDEN_PROBE = 4.0"  # a line that must never reach students or feedback
TOY_CONFIG = '''c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "toy-course"
c.Exchange.root = __file__.rsplit("/", 1)[0] + "/exchange"
c.Execute.timeout = {timeout}
c.ClearSolutions.code_stub = {{"python": "# ここにコードを書いてください\\nraise NotImplementedError()"}}
'''
TOY_SETTINGS = '''[course]
title = "おもちゃ講義"
[assignments.toy]
deadline = 2099-07-19T10:30:00  # far ahead: releasing never fails on the clock
'''


def _meta(grade_id: str, *, solution=False, grade=False, locked=False, points=None) -> dict:
    meta = {"schema_version": 3, "grade_id": grade_id, "solution": solution, "grade": grade, "locked": locked}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def answer(grade_id: str, source: str):
    return new_code_cell(source, metadata=_meta(grade_id, solution=True))


def test(grade_id: str, source: str, points: float):
    return new_code_cell(source, metadata=_meta(grade_id, grade=True, locked=True, points=points))


def toy_notebook() -> nbformat.NotebookNode:
    cells = [
        new_markdown_cell("# おもちゃ課題: シグモイド関数\n\n締切: {{deadline}}\n\n"
                          "$$\\sigma(g) = \\frac{1}{1 + e^{-g}}$$ と、その微分 $\\sigma'(g)$ を実装します。"),
        new_code_cell("import numpy as np\nimport matplotlib.pyplot as plt\nimport matplotlib_fontja"),
        answer("sigmoid", "def sigmoid(g):\n    ### BEGIN SOLUTION\n    return 1.0 / (1.0 + np.exp(-g))\n"
                          "    ### END SOLUTION"),
        test("test_sigmoid_zero", "assert sigmoid(0.0) == 0.5, 'sigmoid(0) は 0.5 になるはずです'", 1),
        test("test_sigmoid_hidden", "assert sigmoid(np.zeros(3)).shape == (3,)\n### BEGIN HIDDEN TESTS\n"
                                    f"{HIDDEN_SECRET}\n"
                                    "assert abs(sigmoid(TOY_HIDDEN_PROBE) - 0.9820137900379085) < 1e-9, "
                                    "'sigmoid(4) の値が違います'\n### END HIDDEN TESTS", 2),
        test("test_sigmoid_saturates", "assert sigmoid(np.array([-1000.0]))[0] >= 0.0", 1),
        new_code_cell("g = np.linspace(-6, 6, 50)\nplt.plot(g, sigmoid(g))\n"
                      "plt.title('シグモイド関数')\nplt.xlabel('入力 g')\nplt.show()"),
        answer("sigmoid_grad", "def sigmoid_grad(h):\n    \"\"\"h = sigmoid(g) から dh/dg を返す\"\"\"\n"
                               "    ### BEGIN SOLUTION\n    return h * (1.0 - h)\n    ### END SOLUTION"),
        test("test_sigmoid_grad", "assert sigmoid_grad(0.5) == 0.25, 'h=0.5 のとき 0.25 のはずです'", 2),
    ]
    return new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                              "language": "python"}})


def toy_extra_notebook() -> nbformat.NotebookNode:
    cells = [
        new_markdown_cell("# 追加課題"),
        answer("double", "def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION"),
        test("test_double", "assert double(3) == 6, 'double(3) は 6 のはずです'", 1),
    ]
    return new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                              "language": "python"}})


def build_toy_course(root: Path | str, timeout: int = 3) -> Path:
    """Create the toy course under `root` (created if needed) and return `root`."""
    root = Path(root)
    source = root / "source" / ASSIGNMENT
    source.mkdir(parents=True, exist_ok=True)
    (root / "nbgrader_config.py").write_text(TOY_CONFIG.format(timeout=timeout), encoding="utf-8")
    (root / "course.toml").write_text(TOY_SETTINGS, encoding="utf-8")
    nbformat.write(toy_notebook(), source / "toy.ipynb")
    nbformat.write(toy_extra_notebook(), source / "toy_extra.ipynb")
    return root
