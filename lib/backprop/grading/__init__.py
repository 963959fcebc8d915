"""Grading of students' gradient code, for nbgrader hidden tests and for the students' own checks.

The path of every check: build a seeded strong-setup case (`cases`), run the student's function on copies
with warnings silenced (`run`), take plain float64 arrays out with type and shape checks (`plain`), and
judge them against central differences of the loss (`reference`, `judge`); a wrong answer is matched
against the catalogue of known mistakes (`mistakes`) for a Japanese hint. `exercises` holds the checks
that hidden test cells call; `selfcheck` prints a student's gradient check.

A hidden test cell is a few lines, e.g.

    from backprop.grading import check_backward
    check_backward(backward, sizes=(5, 8, 7, 6, 3), n_samples=7, seed=11)
"""
from .cases import Case, make_case, strong_setup_problems
from .exercises import (check_backward, check_backward_shapes, check_hidden_delta, check_inputs_unchanged,
                        check_output_delta, check_param_gradients)
from .judge import TOLERANCE, GradingError, judge_arrays
from .selfcheck import print_gradient_check

__all__ = [
    "Case", "make_case", "strong_setup_problems", "GradingError", "TOLERANCE", "judge_arrays",
    "check_output_delta", "check_hidden_delta", "check_param_gradients", "check_backward",
    "check_backward_shapes", "check_inputs_unchanged", "print_gradient_check",
]
