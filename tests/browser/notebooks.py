"""The notebooks the browser tests look at, executed and exported the way students hand them in.

Also a small stand-in report (Japanese prose, inline and display math, a plot with Japanese
labels) used while the real ``source/report11/report11.ipynb`` does not exist yet.
"""
import ast
import json
import shutil
from pathlib import Path

import nbformat
from nbclient import NotebookClient

REPO_ROOT = Path(__file__).resolve().parents[2]
REPORT_SOURCE = REPO_ROOT / "source" / "report11" / "report11.ipynb"
EXECUTION_TIMEOUT = 300  # seconds per cell; the real notebooks train small networks

# The fallback's markdown: every kind of math a report uses, and Japanese prose.
STAND_IN_MARKDOWN = [
    "# 第11回 レポート課題（ブラウザ確認用）\n\n誤差逆伝播法で重みの勾配を求めます。",
    "出力層の誤差は $\\delta^L = h^L - t$ です。隠れ層では $\\delta^{l} = f'(g^{l}) \\odot "
    "(\\delta^{l+1} W^{l+1})$ となります。\n\n"
    "$$\n\\frac{\\partial E}{\\partial W^{l}} = (\\delta^{l})^\\top h^{l-1}\n$$",
]
STAND_IN_PLOT = """\
import matplotlib.pyplot as plt
import matplotlib_fontja  # 日本語の軸ラベル
import numpy as np

g = np.linspace(-6, 6, 200)
fig, ax = plt.subplots(figsize=(5, 3))
ax.plot(g, 1 / (1 + np.exp(-g)), label="シグモイド関数")
ax.set_xlabel("入力 g")
ax.set_ylabel("出力 h")
ax.set_title("活性化関数")
ax.legend()
plt.show()
"""


def stand_in_report():
    """A small notebook with what the report's HTML must show: Japanese, math, a plot."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell(text) for text in STAND_IN_MARKDOWN]
    nb.cells.append(nbformat.v4.new_code_cell(STAND_IN_PLOT))
    return nb


def report_notebook(work_dir):
    """Path of the report notebook to test: the real source one, else the stand-in written to work_dir."""
    if REPORT_SOURCE.is_file():
        return REPORT_SOURCE
    path = Path(work_dir) / "stand-in" / "report11.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(stand_in_report(), path)
    return path


def course_notebooks(step):
    """The committed notebooks of one nbgrader step folder ('source' or 'release'), sorted."""
    folder = REPO_ROOT / step
    return sorted(p for p in folder.glob("*/*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def copy_assignment(notebook_path, dest_dir):
    """Copy a notebook's folder (with its data files) to dest_dir; returns the copied notebook's path.

    Notebooks are run in the copy so nothing they write lands in the repository.
    """
    folder = Path(notebook_path).parent
    target = Path(dest_dir) / folder.name
    shutil.copytree(folder, target, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return target / Path(notebook_path).name


def copy_steps(dest_dir, steps=("source", "release")):
    """Copy the course's step folders (source/, release/) under dest_dir for a server to serve."""
    for step in steps:
        if (REPO_ROOT / step).is_dir():
            shutil.copytree(REPO_ROOT / step, Path(dest_dir) / step, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return Path(dest_dir)


def execute_in_place(path):
    """Run a notebook top to bottom in its own folder, as a student would, and save the outputs into it."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=EXECUTION_TIMEOUT, kernel_name="python3",
        resources={"metadata": {"path": str(Path(path).parent)}},
    )
    client.execute()
    nbformat.write(nb, path)
    return nb


def source_of(release_path):
    """The source notebook (with solutions) that a release notebook was generated from."""
    relative = Path(release_path).resolve().relative_to(REPO_ROOT / "release")
    return REPO_ROOT / "source" / relative


def names_defined_by_solutions(source_path):
    """Names that the answer cells of a source notebook bind (variables, functions, classes, imports).

    In the release these cells are stubs, so later cells may fairly hit a NameError on these names.
    """
    names = set()
    for cell in nbformat.read(source_path, as_version=4).cells:
        if cell.cell_type != "code" or not cell.metadata.get("nbgrader", {}).get("solution"):
            continue
        python = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
        for node in ast.walk(ast.parse(python)):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.alias):
                names.add((node.asname or node.name).split(".")[0])
    return names


def image_output_count(nb):
    """How many images the code cells of an executed notebook display."""
    return sum(
        1
        for cell in nb.cells if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        for mime in output.get("data", {}) if mime.startswith("image/")
    )


def stderr_text(nb):
    """All stderr stream text of an executed notebook (matplotlib's missing-glyph warnings land here)."""
    return "".join(
        output.get("text", "")
        for cell in nb.cells if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.get("output_type") == "stream" and output.get("name") == "stderr"
    )


def export_html(notebook_path, out_dir):
    """The HTML a student hands in, made by the course tool (nbconvert's lab template until it exists)."""
    try:
        from backprop_course.export import export_html as course_export
    except ImportError:
        return _nbconvert_export(notebook_path, out_dir)
    return Path(course_export(notebook_path, out_dir))


LOCAL_MATHJAX = "file:///usr/share/javascript/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe"


def _nbconvert_export(notebook_path, out_dir):
    """Stand-in for the course tool: nbconvert's HTML with the local MathJax 2."""
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter(mathjax_url=LOCAL_MATHJAX).from_filename(str(notebook_path))
    out = Path(out_dir) / (Path(notebook_path).stem + ".html")
    out.write_text(body, encoding="utf-8")
    return out


def write_json(path, data):
    """Save a test artefact as readable JSON (Japanese kept as is)."""
    Path(path).write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
