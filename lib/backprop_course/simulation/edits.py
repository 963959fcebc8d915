"""Building simulated student notebooks from a course's source and release versions.

All functions return new notebooks; the inputs are never modified.
"""
from __future__ import annotations

import copy
import re

from nbformat import NotebookNode

from ..notebooks.cells import SOLUTION, grade_id, is_answer_cell


def _without_marker_lines(source: str) -> str:
    return "\n".join(line for line in source.splitlines() if not any(m in line for m in SOLUTION))


def model_solution(release_nb: NotebookNode, source_nb: NotebookNode) -> NotebookNode:
    """The model solution: the release notebook with every answer cell filled from the source (markers
    removed). ("Reference" in this project means the library lib/backprop, not a solution.)"""
    answers = {grade_id(c): _without_marker_lines(c.source) for c in source_nb.cells if is_answer_cell(c)}
    nb = copy.deepcopy(release_nb)
    for cell in nb.cells:
        if is_answer_cell(cell) and grade_id(cell) in answers:
            cell.source = answers[grade_id(cell)]
    return nb


def _find(nb: NotebookNode, cell_id: str) -> int:
    for index, cell in enumerate(nb.cells):
        if grade_id(cell) == cell_id:
            return index
    raise KeyError(f"no cell with grade_id {cell_id!r}")


def with_source(nb: NotebookNode, cell_id: str, source: str) -> NotebookNode:
    """A copy in which the cell `cell_id` (answer or test) holds `source`."""
    nb = copy.deepcopy(nb)
    nb.cells[_find(nb, cell_id)].source = source
    return nb


def with_appended(nb: NotebookNode, cell_id: str, code: str) -> NotebookNode:
    """A copy with `code` appended to the cell `cell_id`."""
    nb = copy.deepcopy(nb)
    cell = nb.cells[_find(nb, cell_id)]
    cell.source = cell.source.rstrip("\n") + "\n" + code
    return nb


def without_cell(nb: NotebookNode, cell_id: str) -> NotebookNode:
    """A copy with the cell `cell_id` deleted."""
    nb = copy.deepcopy(nb)
    del nb.cells[_find(nb, cell_id)]
    return nb


def mutated(nb: NotebookNode, pattern: str, replacement: str, count: int = 1) -> NotebookNode | None:
    """A copy with the first `count` matches of regex `pattern` in answer cells replaced.

    Returns None when the pattern occurs in no answer cell (the mutation does not apply).
    """
    nb = copy.deepcopy(nb)
    remaining = count
    for cell in nb.cells:
        if remaining and is_answer_cell(cell) and cell.cell_type == "code":
            cell.source, done = re.subn(pattern, replacement, cell.source, count=remaining)
            remaining -= done
    return nb if remaining < count else None
