"""Reading an executed notebook for signs that need the instructor: tampering caught by a canary.

A hardened hidden test raises `backprop.grading.canary.TamperingSuspected` when earlier cells patched
numpy, builtins or IPython. The test scores 0 like any failure; these findings let the grader's
status say "needs review" and why (a Problem of kind "tampering", severity REVIEW), so the notebook is
looked at rather than silently failed.
"""
from __future__ import annotations

from ..course.problems import Problem

TAMPERING_ERROR = "TamperingSuspected"


def tampering_findings(nb) -> list[str]:
    """'<grade_id>: <first line of the canary's message>' for every cell where a canary fired."""
    found = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and output.get("ename") == TAMPERING_ERROR:
                name = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") or f"cell {index}"
                found.append(f"{name}: {output.get('evalue', '').splitlines()[0][:300] if output.get('evalue') else ''}")
    return found


def review_problem(nb) -> Problem | None:
    """The problem to record for a notebook whose canaries fired (None when none did)."""
    found = tampering_findings(nb)
    return Problem("tampering", "; ".join(found)) if found else None
