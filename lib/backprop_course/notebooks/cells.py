"""Reading nbgrader cells: kinds of cells and the marked regions inside their source.

The helpers live in the student kit (`backprop_kit.student.cells`, which the student's own `check` uses without
nbgrader); this module adds what needs nbgrader: the checksum of locked cells.
"""
from __future__ import annotations

from nbformat import NotebookNode
from nbgrader.utils import compute_checksum, is_locked

from backprop_kit.student.cells import (HIDDEN_TESTS, SOLUTION, describe_cell, distinctive, grade_id,  # noqa: F401
                                        has_code, has_region, hidden_test_lines, is_answer_cell,
                                        is_emptied_hidden_test, is_test_cell, nbgrader_meta, outside_lines,
                                        points, region_lines, test_cells, without_region)


def tampered_locked_cells(nb: NotebookNode) -> list[str]:
    """grade_ids of locked cells whose content no longer matches the checksum stored at release."""
    return [grade_id(c) for c in nb.cells if is_locked(c) and "checksum" in nbgrader_meta(c)
            and compute_checksum(c) != nbgrader_meta(c)["checksum"]]
