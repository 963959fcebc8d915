"""The notebooks the browser tests look at, executed and exported the way students hand them in."""
import ast
import json
import shutil
from pathlib import Path

import nbformat

REPO_ROOT = Path(__file__).resolve().parents[2]
REPORT_PATH = "source/report11/report11.ipynb"  # relative to the course root

STUDENT_ID = "s1234567"  # the hand-in is named <id>_report11.html


def course_notebooks(step):
    """The committed notebooks of one nbgrader step folder ('source' or 'release'), sorted."""
    folder = REPO_ROOT / step
    return sorted(p for p in folder.glob("*/*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def copy_steps(dest_dir, steps=("source", "release")):
    """Copy the course's step folders (source/, release/) under dest_dir for a server to serve."""
    for step in steps:
        if (REPO_ROOT / step).is_dir():
            shutil.copytree(REPO_ROOT / step, Path(dest_dir) / step, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return Path(dest_dir)


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
    """The HTML a student hands in, made by the course tool (`backprop-course export-html`)."""
    from backprop_course.student.export_html import export_html as course_export

    return Path(course_export(notebook_path, out_dir, student_id=STUDENT_ID))


def write_json(path, data):
    """Save a test artefact as readable JSON (Japanese kept as is)."""
    Path(path).write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
