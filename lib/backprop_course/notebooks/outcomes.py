"""What each test cell of an executed notebook says: passed or not, points, a short reason.

The rules (what a student reads of an error, TestOutcome) live in the student kit
(`backprop_kit.student.outcomes`, shared with the student's own `check`); here a test cell is scored the way
nbgrader scores it.
"""
from __future__ import annotations

from nbformat import NotebookNode
from nbgrader.utils import determine_grade

from backprop_kit.student import outcomes as _kit
from backprop_kit.student.outcomes import (CUT_MARK, MAX_MESSAGE, TRACEBACK_LINE, TestOutcome,  # noqa: F401
                                           last_error, reason_text, relabel_stderr, relabel_test_stderr,
                                           student_message)


def test_outcomes(nb: NotebookNode) -> list[TestOutcome]:
    """One TestOutcome per autograded test cell, scored the way nbgrader scores it."""
    return _kit.test_outcomes(nb, score=determine_grade)
