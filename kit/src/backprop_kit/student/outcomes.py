"""What each test cell of an executed notebook says: passed or not, points, a short reason.

A reason is "ExceptionType: message" of the last error, never a traceback: tracebacks quote the
lines of the test, hidden tests included. The whole message is kept (the grading module puts its
diagnosis on "ヒント:" lines after the first), minus traceback-like lines and lines quoting the
cell's hidden tests, and capped at MAX_MESSAGE characters. `student_message` is that rule, the one
place that decides what a student reads.

It lives in the student kit for the student's own `check`; the course tool scores with nbgrader's rule
(`backprop_course.notebooks.outcomes`), the kit without nbgrader (`kit_score`: an error is no points).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass

from nbformat import NotebookNode

from .cells import HIDDEN_TESTS, distinctive, grade_id, has_region, points, region_lines, test_cells

MAX_MESSAGE = 1200
CUT_MARK = " …(省略)"
# Lines of a formatted traceback (Python's and IPython's), which quote source code.
TRACEBACK_LINE = re.compile(r'^\s*(Traceback \(most recent call last\)|File "[^"]*", line \d+|Cell In\[|-*> ?\d+ )')


def student_message(evalue: str, hidden_lines: Iterable[str] = ()) -> str:
    """The error message a student is shown: every line of `evalue` except traceback lines and lines
    containing one of `hidden_lines` (distinctive hidden-test source), blank lines dropped, cut to
    MAX_MESSAGE characters."""
    secrets = [s for s in hidden_lines if s]
    kept = [line.rstrip() for line in (evalue or "").strip().splitlines()
            if line.strip() and not TRACEBACK_LINE.match(line) and not any(s in line for s in secrets)]
    text = "\n".join(kept)
    return text if len(text) <= MAX_MESSAGE else text[:MAX_MESSAGE - len(CUT_MARK)].rstrip() + CUT_MARK


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
        return reason_text(self.ename, self.evalue)

    def to_dict(self) -> dict:
        return asdict(self)


def reason_text(ename: str | None, message: str) -> str:
    """"ExceptionType: message" as feedback and `check` print it ('' without an error)."""
    if not ename:
        return ""
    return f"{ename}: {message}" if message else ename


def last_error(cell: NotebookNode) -> tuple[str, str] | None:
    """(ename, student_message of evalue) of the cell's last error output, if any; the cell's own
    hidden-test lines are never quoted."""
    errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    if not errors:
        return None
    hidden = distinctive(region_lines(cell.get("source", ""), HIDDEN_TESTS))
    return errors[-1].get("ename", "Error"), student_message(errors[-1].get("evalue") or "", hidden)


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


def kit_score(cell: NotebookNode) -> tuple[float, float]:
    """(points, max points) of a test cell without nbgrader: no points when it shows an error."""
    max_points = points(cell)
    failed = any(o.get("output_type") == "error" for o in cell.get("outputs", []))
    return (0.0 if failed else max_points), max_points


def test_outcomes(nb: NotebookNode, score: Callable[[NotebookNode], tuple] = kit_score) -> list[TestOutcome]:
    """One TestOutcome per autograded test cell, scored by `score(cell)` -> (points or None, max points)."""
    outcomes = []
    for _, cell in test_cells(nb):
        got, max_points = score(cell)
        error = last_error(cell)
        outcomes.append(TestOutcome(
            grade_id=grade_id(cell), points=float(got or 0), max_points=float(max_points),
            passed=error is None and got == max_points, ename=error[0] if error else None,
            evalue=error[1] if error else "", hidden=has_region(cell.source, HIDDEN_TESTS)))
    return outcomes
