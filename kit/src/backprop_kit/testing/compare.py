"""Comparing a student's answers with the expected values, with Japanese messages.

These functions run in two places with the same result: in the student's kernel at home (visible tests,
expected values shipped with the kit) and in the instructor's grader (every test, expected values computed by
the grader on inputs it chose). Each raises AssertionError with the message the student sees, or returns.
`WrongValues` keeps the arrays, so the grader can add a diagnosis of the mistake.
"""
import numpy as np

from ..gradcheck import relative_error
from .plain import plain_array, plain_arrays

TOLERANCE = 1e-6          # relative error accepted against central differences (see the grader's calibration)
INPUTS_CHANGED_HINT = ("関数が引数（params や hs など）の中身を書き換えています。勾配を計算する関数の中で W や b を"
                       "更新したり、キャッシュを上書き（*= など）したりしないでください。更新は学習ループで行います。")


class WrongValues(AssertionError):
    """Arrays of the right shape with wrong values; `student`, `expected`, `names`, `wrong` (indices), and the
    names of the arguments the call changed (`changed`), for the grader's diagnosis."""

    def __init__(self, message, student, expected, names, wrong, case_index, changed=()):
        super().__init__(message)
        self.student, self.expected, self.names, self.wrong = student, expected, names, wrong
        self.case_index, self.changed = case_index, list(changed)


def returned(answer, function_name):
    """The value a call returned, or AssertionError with the call's error (or a missing answer)."""
    if not isinstance(answer, dict):
        raise AssertionError(f"{function_name} の答えが記録されていません。")
    if "error" in answer:
        raise AssertionError(str(answer["error"]))
    if "value" not in answer:
        raise AssertionError(f"{function_name} の答えが記録されていません。")
    return answer["value"]


def again(answer):
    """The answer of the second call on the same arguments (see calls.call(twice=True)), as an answer."""
    return {"value": answer.get("again"), "changed": answer.get("changed", [])} if "again" in answer else None


def unchanged(answer, function_name):
    """AssertionError when the call failed or modified its arguments (the kernel's own report; the value check of
    the second call on the same arguments, `again`, is what a grader can rely on)."""
    returned(answer, function_name)
    changed = answer.get("changed")
    if not isinstance(changed, list):
        raise AssertionError(f"{function_name} の答えが記録されていません。")
    if changed:
        raise AssertionError(f"{function_name} を呼ぶと引数 {'、'.join(map(str, changed))} の中身が変わります。\n"
                             f"ヒント: {INPUTS_CHANGED_HINT}")


def judge_arrays(student, expected, names, what, case_index=0, tolerance=TOLERANCE, changed=()):
    """WrongValues unless every student array is within tolerance (relative error) of its expected array."""
    errors = [relative_error(s, e) for s, e in zip(student, expected)]
    wrong = [i for i, error in enumerate(errors) if not error <= tolerance]
    if wrong:
        listed = "、".join(f"{names[i]}（相対誤差 {errors[i]:.1e}）" for i in wrong)
        raise WrongValues(f"値が正しくありません: {listed}。{what}と一致していません。",
                          student, expected, names, wrong, case_index, changed)


def same_array(answer, expected, function_name, name, label, what="数値微分", case_index=0):
    """One returned array: shape (label in symbols), finite, within TOLERANCE of expected."""
    value = plain_array(returned(answer, function_name), name, np.shape(expected), label)
    judge_arrays([value], [np.asarray(expected, dtype=np.float64)], [name], what, case_index,
                 changed=_changed(answer))


def same_arrays(answer, expected, function_name, names, labels, what="数値微分", case_index=0):
    """A returned list/tuple of arrays (e.g. gradients in params order), each within TOLERANCE."""
    values = plain_arrays(returned(answer, function_name), names, [np.shape(e) for e in expected], labels)
    judge_arrays(values, [np.asarray(e, dtype=np.float64) for e in expected], names, what, case_index,
                 changed=_changed(answer))


def _changed(answer):
    changed = answer.get("changed") if isinstance(answer, dict) else None
    return [str(name) for name in changed] if isinstance(changed, list) else []
