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
from .networks import random_network
from .sketch import sketched_answer


@dataclass(frozen=True)
class Test:
    ask: Callable
    compare: Callable
    passed: str = "OK"


def arguments_of(case, student):
    """The {parameter: value} of one case; a generated case (see `networks`) is built here, its caches hs by the
    notebook's own `forward`. Returns (arguments, None) or (None, the answer of a failed forward)."""
    if "generated" not in case:
        return dict(case), None
    recipe = case["generated"]
    params, x, t = random_network(recipe["sizes"], recipe["n_samples"], recipe["seed"], recipe["targets"])
    available = {"params": params, "x": x, "t": t[:, 0] if recipe.get("flat") else t, **recipe.get("constants", {})}
    if "hs" in recipe["arguments"]:
        answer = call(student.get("forward"), "forward", {"params": params, "x": x})
        if "error" in answer:
            return None, answer
        available["hs"] = answer["value"]
    return {name: available[name] for name in recipe["arguments"]}, None


def ask_each(function_name, shape_hint=None, twice=False):
    """An `ask` that calls student[function_name] once per case of inputs["cases"] (each a {parameter: value},
    or a generated case); twice=True calls it a second time on the same arguments (calls.call). The answer of a
    generated case whose recipe has a "sketch" carries the sketch of the returned gradients (`sketch`)."""
    def ask(student, inputs):
        function = student.get(function_name)
        extra = {"twice": twice} if shape_hint is None else {"shape_hint": shape_hint, "twice": twice}
        answers = []
        for case in inputs["cases"]:
            arguments, failed = arguments_of(case, student)
            answer = failed or call(function, function_name, arguments, **extra)
            recipe = case.get("generated", {})
            answers.append(sketched_answer(answer, recipe["sizes"], recipe["sketch"]) if "sketch" in recipe else answer)
        return {"cases": answers}
    return ask


def judged_twice(compare, function_name):
    """A compare that also judges the second answer of each call (ask with twice=True) against the same truth:
    a function that modifies its inputs so that its own next answer changes fails, whatever the kernel reports."""
    from .compare import INPUTS_CHANGED_HINT, again

    def compare_both(inputs, expected, answers):
        compare(inputs, expected, answers)
        seconds = [again(answer) if isinstance(answer, dict) else None for answer in answers_of(answers, len(expected))]
        if any(second is None for second in seconds):
            raise AssertionError(f"{function_name} の 2 回目の答えが記録されていません。")
        try:
            compare(inputs, expected, {"cases": seconds})
        except AssertionError:
            raise AssertionError(f"同じ引数で {function_name} をもう一度呼ぶと答えが変わります。\n"
                                 f"ヒント: {INPUTS_CHANGED_HINT}") from None
    return compare_both


def answers_of(answers, n_cases):
    """The per-case answers, or AssertionError when the record does not hold one answer per case."""
    cases = answers.get("cases") if isinstance(answers, dict) else None
    if not isinstance(cases, list) or len(cases) != n_cases:
        raise AssertionError("答えが記録されていません（テストのセルが最後まで実行されなかったか、書き換えられました）。")
    return cases
