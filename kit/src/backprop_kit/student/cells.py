"""Reading nbgrader cells: kinds of cells and the marked regions inside their source (without nbgrader itself:
the student's own commands run where only the kit is installed; the course tool imports these from here).

nbgrader marks regions with comment lines containing `BEGIN SOLUTION` / `END SOLUTION` and
`BEGIN HIDDEN TESTS` / `END HIDDEN TESTS`. Cell kinds follow nbgrader's metadata (schema 3).
"""
from __future__ import annotations

from collections.abc import Iterator

from nbformat import NotebookNode

SOLUTION = ("BEGIN SOLUTION", "END SOLUTION")
HIDDEN_TESTS = ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS")


def nbgrader_meta(cell: NotebookNode) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def grade_id(cell: NotebookNode) -> str | None:
    return nbgrader_meta(cell).get("grade_id")


def describe_cell(nb: NotebookNode, index: int) -> str:
    """How to name cell `index` to a person: its grade_id, else its 1-based position."""
    cell_id = grade_id(nb.cells[index]) if index < len(nb.cells) else None
    return f"{cell_id} (#{index + 1})" if cell_id else f"#{index + 1}"


def is_test_cell(cell: NotebookNode) -> bool:
    """An autograded test cell: a code cell with grade=true and solution=false."""
    meta = nbgrader_meta(cell)
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


def is_answer_cell(cell: NotebookNode) -> bool:
    return bool(nbgrader_meta(cell).get("solution"))


def points(cell: NotebookNode) -> float:
    return float(nbgrader_meta(cell).get("points", 0) or 0)


def test_cells(nb: NotebookNode) -> Iterator[tuple[int, NotebookNode]]:
    """(index, cell) for every autograded test cell, in notebook order."""
    return ((i, c) for i, c in enumerate(nb.cells) if is_test_cell(c))


def _classify(source: str, markers: tuple[str, str]) -> Iterator[tuple[str, str]]:
    """(line, where) for each line, where is "marker", "inside" or "outside" a region."""
    begin, end = markers
    inside = False
    for line in source.splitlines():
        if begin in line or end in line:
            inside = begin in line
            yield line, "marker"
        else:
            yield line, "inside" if inside else "outside"


def region_lines(source: str, markers: tuple[str, str]) -> list[str]:
    """The lines strictly between begin/end marker lines (all such regions of one cell)."""
    return [line for line, where in _classify(source, markers) if where == "inside"]


def outside_lines(source: str, *marker_pairs: tuple[str, str]) -> list[str]:
    """The lines that lie outside every region of every given kind (marker lines excluded), decided
    by position: the same text inside a region elsewhere does not matter."""
    kinds = [[where for _, where in _classify(source, markers)] for markers in marker_pairs]
    return [line for line, *wheres in zip(source.splitlines(), *kinds) if all(w == "outside" for w in wheres)]


def without_region(source: str, markers: tuple[str, str]) -> str:
    """The source with every marked region removed, marker lines included."""
    return "\n".join(line for line, where in _classify(source, markers) if where == "outside")


def has_code(source: str) -> bool:
    """True when the source holds a line other than blanks and comments."""
    return any(line.strip() and not line.strip().startswith("#") for line in source.splitlines())


def is_emptied_hidden_test(cell: NotebookNode) -> bool:
    """A test cell without code: in a released notebook, one whose tests were all hidden (nbgrader
    removed them; they run only when the submission is graded)."""
    return is_test_cell(cell) and not has_code(cell.source)


def has_region(source: str, markers: tuple[str, str]) -> bool:
    return markers[0] in source


def hidden_test_lines(nb: NotebookNode) -> list[str]:
    """Every line of every hidden-test region in a (source) notebook."""
    return [line for cell in nb.cells for line in region_lines(cell.source, HIDDEN_TESTS)]


def distinctive(lines: list[str], min_length: int = 12) -> set[str]:
    """Stripped lines long enough to identify their origin (skips `return x`, comments, blanks)."""
    return {s for s in (line.strip() for line in lines) if len(s) >= min_length and not s.startswith("#")}

