"""Reading an executed notebook for signs that need the instructor: tampering caught by a canary.

A hardened hidden test raises `backprop.grading.canary.TamperingSuspected` when earlier cells patched
numpy, builtins or IPython. The test scores 0 like any failure; these findings let the grader's
status say "needs review" and why, so the notebook is looked at rather than silently failed.
"""
from __future__ import annotations

TAMPERING_ERROR = "TamperingSuspected"
NEEDS_REVIEW = "needs review"  # how a review status line starts; autograde looks for it


def tampering_findings(nb) -> list[str]:
    """'<grade_id>: <first line of the canary's message>' for every cell where a canary fired."""
    found = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and output.get("ename") == TAMPERING_ERROR:
                name = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") or f"cell {index}"
                found.append(f"{name}: {output.get('evalue', '').splitlines()[0][:300] if output.get('evalue') else ''}")
    return found


def review_problem(nb) -> str | None:
    """The status line for a notebook whose canaries fired (None when none did)."""
    found = tampering_findings(nb)
    if not found:
        return None
    return f"{NEEDS_REVIEW}: {TAMPERING_ERROR} (grading environment modified by student code) in " + "; ".join(found)
