"""An HTML hand-in -> the notebook to grade, or the reason it cannot be graded.

Three kinds of page arrive:
- a page from `export-html`: it carries the exact notebook (notebooks/htmlpage.py). That notebook is placed as
  it is. When the code shown in the page differs from it (a hand-edited page), it is still what is graded, with
  a review problem naming the cells.
- a page from plain Jupyter (JupyterLab's export, Notebook 7's download, `jupyter nbconvert --to html` with the
  lab or classic template): every cell is written with `id="cell-id=<id>"` and its code as highlighted text. The
  notebook is rebuilt from the release notebook's cells (ids, nbgrader metadata, locked cells), with the
  student's code (and written answers, as text) taken from the page; cells the student added are kept in
  their place. Outputs are not needed: autograde runs the notebook again.
- anything else (input hidden with --no-input, a PDF renamed .html, answer cells missing, another notebook's
  page, a broken or oversized file): not gradable, with a typed problem (course/problems.py).

The page is only scanned for the few tags needed (collect/page_scan.py: no recursion, linear time; no more than
MAX_HTML_BYTES of a file is ever read); nothing in it is ever run. A rebuilt notebook is written as nbformat writes
it (collect/notebook_text.py). The page is kept next to the notebook, as handed in.
Limitation of the plain route: Pygments drops leading and trailing blank lines of a cell, so those (and a cell
holding only one space) do not come back; every other character of the code does.
"""
from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat import NotebookNode
from nbformat.corpus.words import generate_corpus_id as random_cell_id

from ..course.folder import Course
from ..course.handin import clear_handin, write_handin
from ..course.problems import NOT_GRADABLE, Problem
from ..notebooks.cells import grade_id, nbgrader_meta
from ..notebooks.htmlpage import notebook_digest, unescape_from_script
from .notebook_text import notebook_text
from .page_scan import PageCell, ScannedPage, scan_page

HANDIN_SUFFIXES = {".ipynb", ".html", ".htm"}
PAGE_SUFFIXES = HANDIN_SUFFIXES - {".ipynb"}
HANDIN_RULE = "an .ipynb wins over an HTML page, then the newest"
MAX_HTML_BYTES = 20 * 1024 * 1024  # an export-html page with plots is a few MB
CELL_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass
class HtmlHandin:
    """What collect places: `notebook_text` (None when not gradable), how it was obtained, and the problems."""

    notebook_text: str | None
    route: str
    problems: list[Problem] = field(default_factory=list)

    @property
    def gradable(self) -> bool:
        return self.notebook_text is not None and not any(p.severity == NOT_GRADABLE for p in self.problems)


def _markdown_text(cell: PageCell) -> str:
    return re.sub(r"\n{3,}", "\n\n", "".join(cell.text)).strip()


def comparable(code: str) -> str:
    """What the plain route can see of a cell's code (for comparing a page with a notebook)."""
    return code.replace("\r\n", "\n").strip("\n")


def _decode(data: bytes) -> str | Problem:
    if len(data) > MAX_HTML_BYTES:
        return Problem("html_unreadable", f"more than the {MAX_HTML_BYTES // 2**20} MB an HTML hand-in may have "
                                          "(only that much of it is read)")
    if data.startswith(b"%PDF"):
        return Problem("html_unreadable", "a PDF file, not HTML (renamed .html?)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        return Problem("html_unreadable", f"not UTF-8 ({err.reason} at byte {err.start}); Jupyter writes UTF-8")


def read_page(data: bytes) -> ScannedPage | Problem:
    """The scanned page, or the problem that stops it from being read at all."""
    text = _decode(data)
    if isinstance(text, Problem):
        return text
    try:
        return scan_page(text)
    except Exception as err:  # the scan is lenient; this is a last guard, never a crash of collect
        return Problem("html_unreadable", f"HTML scan failed: {type(err).__name__}")


CELL_KEYS = {"code": {"id", "cell_type", "metadata", "execution_count", "source", "outputs"},
             "markdown": {"id", "cell_type", "metadata", "attachments", "source"}}
CELL_KEYS["raw"] = CELL_KEYS["markdown"]
NOTEBOOK_KEYS = {"metadata", "nbformat_minor", "nbformat", "cells"}


@dataclass(frozen=True)
class EmbeddedCell:
    """What collect compares of an embedded notebook's cell with the page: its id ('' without one), kind, code."""

    cell_id: str
    cell_type: str
    source: str


def _plain_cells(text: str) -> list[EmbeddedCell] | None:
    """The cells of a notebook text of nbformat 4 with the keys and value types the schema gives a notebook and its
    cells (what collect reads of it); None for anything else (then nbformat reads and validates it). Outputs and
    metadata are not looked into: autograde runs the notebook again, as it does an .ipynb hand-in."""
    try:
        nb = json.loads(text)
    except ValueError:
        return None
    if not (isinstance(nb, dict) and nb.keys() == NOTEBOOK_KEYS and type(nb["nbformat"]) is int and
            nb["nbformat"] == 4 and type(nb["nbformat_minor"]) is int and nb["nbformat_minor"] >= 0 and
            isinstance(nb["metadata"], dict) and isinstance(nb["cells"], list)):
        return None
    cells = []
    for cell in nb["cells"]:
        kind = cell.get("cell_type") if isinstance(cell, dict) else None
        if kind not in CELL_KEYS or not cell.keys() <= CELL_KEYS[kind] or not isinstance(cell.get("metadata"), dict):
            return None
        source, cell_id = cell.get("source"), cell.get("id", "")
        if isinstance(source, list) and all(isinstance(line, str) for line in source):
            source = "".join(source)
        if not isinstance(source, str) or ("id" in cell or nb["nbformat_minor"] >= 5) and \
                not (isinstance(cell_id, str) and CELL_ID.fullmatch(cell_id)):
            return None
        if kind == "code" and not (isinstance(cell.get("outputs"), list) and "execution_count" in cell and
                                   type(cell["execution_count"]) in (int, type(None))):
            return None
        cells.append(EmbeddedCell(cell_id, kind, source))
    return cells


def _embedded_notebook(reader: ScannedPage) -> tuple[list[EmbeddedCell] | None, str, str]:
    """(the embedded notebook's cells, its exact text, why it is not used: '' when it is)."""
    if len(reader.embedded) > 1:
        return None, "", f"{len(reader.embedded)} embedded notebooks, expected one"
    attributes, shown = reader.embedded[0]
    text = unescape_from_script(shown)
    digest = attributes.get("data-sha256", "")
    if notebook_digest(text) != digest:
        return None, "", "its SHA-256 does not match the one recorded in the page (altered or truncated)"
    cells = _plain_cells(text)
    if cells is not None:
        return cells, text, ""
    invalid = {}  # not of the plain shape: nbformat reads it (older formats are converted) and says what is wrong
    try:
        nb = nbformat.reads(text, as_version=4, capture_validation_error=invalid)  # validated once, in there
    except Exception as err:
        return None, "", f"not a valid notebook ({type(err).__name__})"
    if invalid:
        return None, "", f"not a valid notebook ({type(invalid['ValidationError']).__name__})"
    return [EmbeddedCell(c.get("id", ""), c.cell_type, c.source) for c in nb.cells], text, ""


def _cell_ids(nb: NotebookNode) -> list[str]:
    return [c.get("id", "") for c in nb.cells]


def _is_answer(cell: NotebookNode) -> bool:
    meta = nbgrader_meta(cell)
    return bool(meta.get("solution")) and not meta.get("locked")


def _which_notebook(ids: set[str], templates: dict[str, NotebookNode]) -> str | None:
    overlap = {name: len(ids & set(_cell_ids(nb))) for name, nb in templates.items()}
    best = max(overlap, key=overlap.get, default=None)
    return best if best and overlap[best] else None


def _belongs(ids: set[str], notebook: str, templates: dict[str, NotebookNode]) -> Problem | None:
    """None when the cells are the notebook's (more of its cell ids than any other notebook's), else the problem."""
    template_ids = set(_cell_ids(templates[notebook]))
    if not ids & template_ids:
        other = _which_notebook(ids, templates)
        return Problem("html_wrong_assignment", f"its cells are those of {other}" if other else
                       "none of its cell ids belongs to the assignment's notebooks")
    other = _which_notebook(ids, templates)
    if other != notebook and len(ids & set(_cell_ids(templates[other]))) > len(ids & template_ids):
        return Problem("html_wrong_assignment", f"its cells are mostly those of {other}")
    return None


def _added_cell(page_cell: PageCell) -> dict | None:
    """A cell the student added, as the page shows it (None: nothing of it to keep); a fresh id for now."""
    if page_cell.kind == "code" and page_cell.code is not None:
        return {"cell_type": "code", "execution_count": None, "id": random_cell_id(), "metadata": {},
                "outputs": [], "source": page_cell.code}
    if page_cell.kind == "markdown":
        return {"cell_type": "markdown", "id": random_cell_id(), "metadata": {}, "source": _markdown_text(page_cell)}
    return None


def _released_cell(original: NotebookNode, page_cell: PageCell) -> dict:
    """A released cell with the page's code (unlocked code cells) or text (written answers) in it: the release's
    own cell when that changes nothing, else a shallow copy with the new source (the release is never changed)."""
    source = original["source"]
    locked = nbgrader_meta(original).get("locked", False)
    if original["cell_type"] == "code" and page_cell.kind == "code" and page_cell.code is not None and not locked:
        source = page_cell.code
    elif original["cell_type"] == "markdown" and _is_answer(original):
        source = _markdown_text(page_cell)
    return original if source == original["source"] else {**original, "source": source}


def rebuild(cells: list[PageCell], template: NotebookNode) -> list[dict]:
    """The cells of the notebook to grade: the release's cells with the page's code in the unlocked code cells and
    the page's text in the written-answer cells, and the cells the student added (in the page's order); cells
    missing from the page stay as released. Cells the page does not change are the release's own objects."""
    by_id = {c.get("id"): c for c in template.cells}
    built, used = [], set()
    for page_cell in cells:
        if page_cell.cell_id in used:
            continue  # a repeated id: the first one counts
        original = by_id.get(page_cell.cell_id)
        if original is not None:
            cell = _released_cell(original, page_cell)  # with the page's id, as looked up
        else:
            cell = _added_cell(page_cell)
            if cell is None:
                continue
            if CELL_ID.match(page_cell.cell_id):
                cell["id"] = page_cell.cell_id
        used.add(cell.get("id"))
        built.append(cell)
    position = {c.get("id"): i for i, c in enumerate(built)}
    for index, cell in enumerate(template.cells):  # released cells the page lacks, after their predecessor
        if cell.get("id") in position:
            continue
        before = [position[c.get("id")] for c in template.cells[:index] if c.get("id") in position]
        built.insert(max(before) + 1 if before else 0, cell)
        position = {c.get("id"): i for i, c in enumerate(built)}
    return built


def _rebuilt(reader: ScannedPage, notebook: str, templates: dict[str, NotebookNode],
             problems: list[Problem]) -> HtmlHandin:
    route = f"nbconvert {reader.template or 'HTML'}"
    if not reader.cells:
        problems.append(Problem("html_unreadable", "no notebook cells in the page (not a Jupyter HTML export, "
                                                   "or truncated before the first cell)"))
        return HtmlHandin(None, route, problems)
    ids = {c.cell_id for c in reader.cells}
    wrong = _belongs(ids, notebook, templates)
    if wrong:
        return HtmlHandin(None, route, problems + [wrong])
    code_cells = [c for c in reader.cells if c.kind == "code"]
    if code_cells and all(c.code is None for c in code_cells):
        return HtmlHandin(None, route, problems + [Problem("html_no_input", f"{len(code_cells)} code cells, none "
                                                                             "with its code")])
    shown = {c.cell_id for c in reader.cells if c.kind != "code" or c.code is not None}
    missing = [grade_id(c) or c.get("id") for c in templates[notebook].cells
               if _is_answer(c) and c.get("id") not in shown]
    if missing:
        return HtmlHandin(None, route, problems + [Problem("html_cells_missing", ", ".join(missing))])
    text = notebook_text(rebuild(reader.cells, templates[notebook]), templates[notebook])  # as nbformat writes it
    problems.append(Problem("html_rebuilt", f"{route} page, {len(code_cells)} code cells"))  # of what collect built
    return HtmlHandin(text, route, problems)


def read_html_handin(data: bytes, notebook: str, templates: dict[str, NotebookNode]) -> HtmlHandin:
    """The notebook `notebook` from an HTML hand-in's bytes. `templates`: the release notebooks by name (all of
    the course's, so that another notebook's page is recognised). Never raises for what is in the page."""
    reader = read_page(data)
    if isinstance(reader, Problem):
        return HtmlHandin(None, "unreadable", [reader])
    problems: list[Problem] = []
    if reader.embedded:
        cells, text, unused = _embedded_notebook(reader)
        if cells is not None:
            embedded_ids = {c.cell_id for c in cells}
            wrong = _belongs(embedded_ids, notebook, templates)
            if wrong:
                return HtmlHandin(None, "export-html", [wrong])
            shown = {c.cell_id: c.code for c in reader.cells if c.kind == "code"}
            differ = [c.cell_id for c in cells if c.cell_type == "code"
                      and (shown.get(c.cell_id) is None or comparable(shown[c.cell_id]) != comparable(c.source))]
            extra = [i for i in shown if i not in embedded_ids]
            if differ or extra:
                problems.append(Problem("html_edited", ", ".join(differ + [f"{i} (only in the page)" for i in extra])))
            return HtmlHandin(text, "export-html", problems)
        problems.append(Problem("html_embedded_ignored", unused))
    return _rebuilt(reader, notebook, templates, problems)


def release_templates(course: Course) -> dict[str, NotebookNode]:
    """Every notebook of the course as released (the source notebook when there is no release yet), by name."""
    templates = {}
    for assignment in course.assignments():
        for name in course.notebook_names(assignment):
            for folder in ("release", "source"):
                path = course.folder(folder) / assignment / f"{name}.ipynb"
                if path.is_file():
                    templates[name] = nbformat.read(path, as_version=4)
                    break
    return templates


def page_head(page: Path) -> bytes:
    """As much of a page as is ever read: one byte more than MAX_HTML_BYTES tells an oversized page (a 50 MB page
    costs no more memory nor time than a 20 MB one)."""
    with page.open("rb") as stream:  # asking for no more than the file holds spares a 20 MB buffer per read
        return stream.read(min(os.fstat(stream.fileno()).st_size, MAX_HTML_BYTES) + 1)


def _keep(page: Path, kept: Path) -> None:
    """`page` also under the name `kept`: a hard link where the file system allows (collect's scratch copy of a
    download is on the same disk as the course, and is removed after), else a copy with its times."""
    kept.unlink(missing_ok=True)
    try:
        os.link(page, kept)
    except OSError:
        shutil.copy2(page, kept)


def place_html(page: Path, folder: Path, notebook: str, handin: HtmlHandin) -> HtmlHandin:
    """In `folder` (submitted/<student>/<assignment>/): the page kept as <notebook>.html, the notebook to grade as
    <notebook>.ipynb (removed when the page gives none) and what collect learnt as <notebook>.handin.json.
    `page` is collect's own scratch copy of the page: it is linked, not copied, into `folder`; `handin` is what
    read_html_handin gave for it."""
    folder.mkdir(parents=True, exist_ok=True)
    kept = folder / f"{notebook}.html"
    _keep(page, kept)
    target = folder / f"{notebook}.ipynb"
    if handin.gradable:
        target.write_text(handin.notebook_text, encoding="utf-8")
        shutil.copystat(page, target)  # the hand-in time, for nbgrader's timestamp and the newest-wins rule
    else:
        target.unlink(missing_ok=True)
    write_handin(folder, notebook, kept.name, handin.route, handin.problems)
    return handin


def describe(handin: HtmlHandin) -> str:
    """collect's line for a placed page: how the notebook was obtained, or why there is none."""
    if not handin.gradable:
        return "NOT GRADABLE: " + "; ".join(p.text for p in handin.problems if p.severity == NOT_GRADABLE)
    said = "; ".join(p.text for p in handin.problems)
    return f"from {handin.route}" + (f" ({said})" if said else "")


def handin_order(path: Path) -> tuple[bool, float]:
    """Sort key, best last: an .ipynb before an HTML page (it is the notebook itself), then the newest."""
    return path.suffix.lower() == ".ipynb", path.stat().st_mtime


def forget_html(folder: Path, notebook: str) -> None:
    """An .ipynb was placed: no page or hand-in record of an earlier collect stays beside it."""
    (folder / f"{notebook}.html").unlink(missing_ok=True)
    clear_handin(folder, notebook)
