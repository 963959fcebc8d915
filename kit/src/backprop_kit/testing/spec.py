"""What one test cell is: how it asks the student's code, and how its answers are compared.

    Test(ask, compare, passed)
      ask(student, inputs) -> answers      student: {name: the student's object}, inputs: the case's inputs
      compare(inputs, expected, answers)    AssertionError (Japanese) when the answers are wrong
      passed                                the line printed at home when the test passes

The inputs and expected values are not part of a Test: at home they come with the kit (visible tests
only), at grading the grader builds them (`backprop.grading` on the instructor's side).
"""
from dataclasses import dataclass
from typing import Callable

from .calls import call


@dataclass(frozen=True)
class Test:
    ask: Callable
    compare: Callable
    passed: str = "OK"


def ask_each(function_name, shape_hint=None):
    """An `ask` that calls student[function_name] once per case of inputs["cases"] (each a {parameter: value})."""
    def ask(student, inputs):
        function = student.get(function_name)
        extra = {} if shape_hint is None else {"shape_hint": shape_hint}
        return {"cases": [call(function, function_name, dict(case), **extra) for case in inputs["cases"]]}
    return ask


def answers_of(answers, n_cases):
    """The per-case answers, or AssertionError when the record does not hold one answer per case."""
    cases = answers.get("cases") if isinstance(answers, dict) else None
    if not isinstance(cases, list) or len(cases) != n_cases:
        raise AssertionError("答えが記録されていません（テストのセルが最後まで実行されなかったか、書き換えられました）。")
    return cases
