"""What each test cell of an executed notebook says: passed or not, points, a short reason.

A reason is only "ExceptionType: message" of the last error, never a traceback: tracebacks quote
the lines of the test, hidden tests included.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

from nbformat import NotebookNode
from nbgrader.utils import determine_grade

from .cells import HIDDEN_TESTS, grade_id, has_region, test_cells

MAX_MESSAGE = 300


@dataclass
class TestOutcome:
    grade_id: str
    points: float
    max_points: float
    passed: bool
    ename: str | None = None
    evalue: str = ""
    hidden: bool = False  # the test has a hidden part

    @property
    def reason(self) -> str:
        if not self.ename:
            return ""
        return f"{self.ename}: {self.evalue}" if self.evalue else self.ename

    def to_dict(self) -> dict:
        return asdict(self)


def last_error(cell: NotebookNode) -> tuple[str, str] | None:
    """(ename, first line of evalue, shortened) of the cell's last error output, if any."""
    errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    if not errors:
        return None
    evalue = (errors[-1].get("evalue") or "").strip().splitlines()
    return errors[-1].get("ename", "Error"), (evalue[0][:MAX_MESSAGE] if evalue else "")


def relabel_stderr(cell: NotebookNode) -> int:
    """Turn stderr stream outputs of a cell into stdout; returns how many (nbgrader zeroes on stderr)."""
    count = 0
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream" and output.get("name") == "stderr":
            output["name"] = "stdout"
            count += 1
    return count


def relabel_test_stderr(nb: NotebookNode) -> int:
    """relabel_stderr over every test cell: a warning must not zero a test. Returns the count."""
    return sum(relabel_stderr(cell) for _, cell in test_cells(nb))


def test_outcomes(nb: NotebookNode) -> list[TestOutcome]:
    """One TestOutcome per autograded test cell, scored the way nbgrader scores it."""
    outcomes = []
    for _, cell in test_cells(nb):
        score, max_points = determine_grade(cell)
        error = last_error(cell)
        outcomes.append(TestOutcome(
            grade_id=grade_id(cell), points=float(score or 0), max_points=float(max_points),
            passed=error is None and score == max_points, ename=error[0] if error else None,
            evalue=error[1] if error else "", hidden=has_region(cell.source, HIDDEN_TESTS)))
    return outcomes
