"""`backprop-course check NOTEBOOK`: the kit's check (backprop_kit.student.check) with what the course knows.

The report and exit status are the kit's (0 all visible tests pass, 1 anything failed, 2 unusable file),
and so are the conditions (backprop_kit.limits: grading's seconds per cell, one BLAS thread); here the
notebook runs in the course tool's kernel loop (timeouts, a dying kernel), it must be one of the course's
assignment notebooks, tests are scored by nbgrader's rule, and locked cells changed since the release
are named.
"""
from __future__ import annotations

from pathlib import Path

from backprop_kit.limits import CELL_SECONDS
from backprop_kit.student import check as kit
from nbgrader.utils import determine_grade

from ..notebooks.cells import tampered_locked_cells
from ..notebooks.running import run_cells
from .notebook import identify

PENDING = kit.PENDING
totals = kit.totals


def _notes(nb) -> list[str]:
    return [f"テストセル {cell_id} が書き換えられています。提出後は元のテストで採点されます。"
            for cell_id in tampered_locked_cells(nb)]


def check_notebook(path: Path, timeout: int = CELL_SECONDS, out=None) -> int:
    """Run the notebook's visible tests and print a Japanese report; returns the exit status."""
    return kit.check_notebook(path, timeout=timeout, out=out, run=run_cells, identify=identify,
                              score=determine_grade, notes=_notes)
