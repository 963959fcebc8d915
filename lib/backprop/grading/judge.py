"""The verdict: compare plain student arrays with the reference and fail with a helpful Japanese message.

This is the one place where a student's numbers are accepted or rejected, so hardening (issue 7: judging
with code the student cannot have patched) and new diagnostics (issue 6) only need to change this module
and `mistakes`.

Tolerance 1e-6, measured: with the cases of `cases.make_case`, the library's correct backward differs from
central differences by at most 5.3e-8 relative (seeds 0-19, the five networks of 11_02's hidden tests,
self-check and a regression net); every planted mistake of tests/test_grading.py puts at least one array
above 8e-2.
"""
from backprop_kit.gradcheck import relative_error
from .mistakes import diagnose

TOLERANCE = 1e-6


class GradingError(AssertionError):
    """A wrong answer. str() is the student's Japanese message; `diagnoses` keeps the named mistakes."""

    def __init__(self, message, diagnoses=()):
        super().__init__(message)
        self.diagnoses = list(diagnoses)

    @property
    def keys(self):
        return [d.key for d in self.diagnoses]


def relative_errors(student, expected):
    """Relative error of each student array against its reference (see `backprop_kit.gradcheck.relative_error`)."""
    return [relative_error(s, e) for s, e in zip(student, expected)]


def judge_arrays(student, expected, names, context, case, layer=None, inputs=None, changed=()):
    """Pass when every array is within TOLERANCE of its reference; else raise GradingError with diagnoses.

    student, expected: lists of float64 arrays of equal shapes (from `plain`); names: the student's names
    for them. context, case, layer, inputs, changed: passed on to `mistakes.diagnose`.
    Returns the relative errors.
    """
    errors = relative_errors(student, expected)
    wrong = [i for i, error in enumerate(errors) if error > TOLERANCE]
    if not wrong:
        return errors
    found = diagnose(context, student, expected, names, wrong, case, layer, inputs, changed)
    listed = "、".join(f"{names[i]}（相対誤差 {errors[i]:.1e}）" for i in wrong)
    lines = [f"値が正しくありません: {listed}。数値微分と一致していません。"]
    lines += ["ヒント: " + d.hint for d in found]
    raise GradingError("\n".join(lines), found)
