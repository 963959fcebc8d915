"""`export-html NOTEBOOK`: the HTML file a student hands in.

Exported as the notebook stands (no re-execution): plots in outputs and images in markdown are
embedded, the page is marked lang="ja", and math uses MathJax 2 from the local Debian copy when it
exists, else the URL from course.toml. Named `<ID>_<notebook>.html` (for report11 that is
`<ID>_report11.html`), with the id also shown at the top of the page.

The page is also the graded hand-in: it carries the exact notebook file it was made from (its text and SHA-256,
in a `<script type="application/x-ipynb+json">` block that browsers do not run; notebooks/htmlpage.py), which
`collect` extracts.
"""
from __future__ import annotations

import re
from pathlib import Path

from ..course.folder import Course, CourseError, find_course_root, mathjax_url_from
import nbformat

from ..notebooks.htmlpage import embed_notebook, html_cell, notebook_to_html
from .notebook import StudentError, identify, read_student_notebook

STUDENT_ID = re.compile(r"^[A-Za-z0-9_-]+$")


def _default_mathjax(notebook_path: Path) -> str:
    try:
        return Course.at(find_course_root(notebook_path.parent)).mathjax_url
    except CourseError:
        return mathjax_url_from({})


def export_html(notebook_path: Path | str, out_dir: Path | str, student_id: str | None = None,
                mathjax_url: str | None = None) -> Path:
    """Write the hand-in HTML of `notebook_path` into `out_dir` and return its path.

    Raises StudentError (Japanese message) for an unreadable notebook, one that belongs to no known
    assignment, or a student id with characters unsafe in a file name.
    """
    notebook_path = Path(notebook_path)
    if student_id is not None and not STUDENT_ID.match(student_id):
        raise StudentError(f"学籍番号 {student_id!r} に使えない文字が含まれています (英数字のみ)。")
    nb = read_student_notebook(notebook_path)
    _, name = identify(nb, notebook_path)
    notebook_text = notebook_path.read_text(encoding="utf-8")  # read_student_notebook has checked it decodes
    if student_id:
        nb.cells.insert(0, html_cell(f"<p>学籍番号: <b>{student_id}</b> / 課題: {name}</p>"))
    title = f"{student_id}_{name}" if student_id else name
    page = notebook_to_html(nb, mathjax_url or _default_mathjax(notebook_path), title)
    try:
        page = embed_notebook(page, notebook_text, name)
    except ValueError:  # escapes of its own in the file: embed the notebook as Jupyter would save it
        page = embed_notebook(page, nbformat.writes(read_student_notebook(notebook_path)), name)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{title}.html"
    target.write_text(page, encoding="utf-8")
    return target
