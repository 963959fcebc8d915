"""Checks that a released notebook gives nothing away: no solution, no hidden test, no output.

`find_leaks(source_nb, release_nb)` returns human-readable problems (empty list = clean).
"""
from __future__ import annotations

import re

from nbformat import NotebookNode

from ..notebooks.cells import HIDDEN_TESTS, SOLUTION, distinctive, outside_lines, region_lines

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
MARKERS = (*SOLUTION, *HIDDEN_TESTS)


def _lines_outside_regions(nb: NotebookNode) -> set[str]:
    """Stripped lines that occur somewhere in the source notebook outside any solution or hidden region
    (by position), so a release may show them even if the same text also occurs inside a region."""
    return {line.strip() for cell in nb.cells for line in outside_lines(cell.source, SOLUTION, HIDDEN_TESTS)}


def find_leaks(source_nb: NotebookNode, release_nb: NotebookNode) -> list[str]:
    """Problems found in `release_nb`, each naming the cell; [] when nothing leaks."""
    problems = []
    shared = _lines_outside_regions(source_nb)
    secret = {
        "solution": distinctive([l for c in source_nb.cells for l in region_lines(c.source, SOLUTION)]) - shared,
        "hidden test": distinctive([l for c in source_nb.cells for l in region_lines(c.source, HIDDEN_TESTS)])
        - shared,
    }
    for index, cell in enumerate(release_nb.cells):
        where = f"cell {index}"
        for marker in MARKERS:
            if marker in cell.source:
                problems.append(f"{where}: marker {marker!r} left in the release")
        lines = {line.strip() for line in cell.source.splitlines()}
        for kind, secret_lines in secret.items():
            for line in sorted(lines & secret_lines):
                problems.append(f"{where}: {kind} line leaked: {line!r}")
        if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count")):
            problems.append(f"{where}: has outputs or an execution count")
        if cell.cell_type == "markdown":
            for name in PLACEHOLDER.findall(cell.source):
                problems.append(f"{where}: placeholder {{{{{name}}}}} not filled")
        for attachment in cell.get("attachments", {}) or {}:
            if "solution" in attachment.lower():
                problems.append(f"{where}: attachment {attachment!r} looks like a solution")
    return problems


def fill_placeholders(nb: NotebookNode, values: dict[str, str]) -> int:
    """Replace {{name}} in markdown cells with values[name]; returns the number replaced.

    Unknown names are left in place so that `find_leaks` reports them.
    """
    count = 0

    def substitute(match: re.Match) -> str:
        nonlocal count
        name = match.group(1)
        if name not in values:
            return match.group(0)
        count += 1
        return values[name]

    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = PLACEHOLDER.sub(substitute, cell.source)
    return count
