"""`export-html NOTEBOOK`: the HTML file a student hands in.

Exported as the notebook stands (no re-execution): plots in outputs and images in markdown are
embedded, the page is marked lang="ja", and math uses MathJax 2 from the local Debian copy when it
exists, else from the CDN (the course tool passes course.toml's choice). Named `<ID>_<notebook>.html`
(for report11 that is `<ID>_report11.html`), with the id also shown at the top of the page.

The page is also the graded hand-in: it carries the exact notebook file it was made from (its text and SHA-256,
in a `<script type="application/x-ipynb+json">` block that browsers do not run; page.py), which the course
tool's `collect` extracts.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import nbformat

from .notebook import StudentError, notebook_name, read_student_notebook
from .page import embed_notebook, html_cell, mathjax_url as default_mathjax, notebook_to_html

STUDENT_ID = re.compile(r"^[A-Za-z0-9_-]+$")


def export_html(notebook_path: Path | str, out_dir: Path | str, student_id: str | None = None,
                mathjax_url: str | None = None, identify: Callable | None = None) -> Path:
    """Write the hand-in HTML of `notebook_path` into `out_dir` and return its path.

    `identify(nb, path)` gives the notebook's name (default: from the file name). Raises StudentError (Japanese
    message) for an unreadable notebook, one that is no assignment, or a student id unsafe in a file name.
    """
    notebook_path = Path(notebook_path)
    if student_id is not None and not STUDENT_ID.match(student_id):
        raise StudentError(f"学籍番号 {student_id!r} に使えない文字が含まれています (英数字のみ)。")
    nb = read_student_notebook(notebook_path)
    name = (identify or notebook_name)(nb, notebook_path)
    notebook_text = notebook_path.read_text(encoding="utf-8")  # read_student_notebook has checked it decodes
    if student_id:
        nb.cells.insert(0, html_cell(f"<p>学籍番号: <b>{student_id}</b> / 課題: {name}</p>"))
    title = f"{student_id}_{name}" if student_id else name
    page = notebook_to_html(nb, mathjax_url or default_mathjax(), title)
    try:
        page = embed_notebook(page, notebook_text, name)
    except ValueError:  # escapes of its own in the file: embed the notebook as Jupyter would save it
        page = embed_notebook(page, nbformat.writes(read_student_notebook(notebook_path)), name)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{title}.html"
    target.write_text(page, encoding="utf-8")
    return target
