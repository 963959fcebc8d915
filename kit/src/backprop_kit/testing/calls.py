"""Calling a student's function the way a test should: on copies, quietly, noting what it changed.

The function gets deep copies of its arguments, so the inputs stay as built; warnings are silenced and
numpy floating-point errors ignored while it runs (a harmless overflow warning must not fail a test:
non-finite results are judged later). An exception becomes a Japanese message that names the function and
the line of the student's code. Floating-point errors numpy met during the call (overflow, invalid, divide by
zero) are noted by kind, so a test can require a numerically stable computation. The result is plain data,
ready to be published as an answer.
"""
import builtins
import copy
import traceback
import warnings

import numpy as np

from .crashes import SHAPE_HINT, describe


def _same(a, b):
    """Structural equality of nested lists/tuples/dicts of arrays and scalars, exact, NaN equal to NaN."""
    if isinstance(a, (list, tuple)):
        return isinstance(b, (list, tuple)) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.shape == b.shape and np.array_equal(a, b, equal_nan=True)
    return bool(a == b)


def _where(error):
    """'(f の N 行目: code)' for the innermost frame of the student's code, or '' when there is none."""
    frames = [frame for frame in traceback.extract_tb(error.__traceback__)
              if frame.filename != __file__ and "site-packages" not in frame.filename
              and "backprop_kit" not in frame.filename]
    if not frames:
        return ""
    last = frames[-1]
    return f"（{last.name} の {last.lineno} 行目: {last.line}）"


def plain_failure(failure):
    """The message of a failure that only names things: the function, a built-in exception type and the hint.

    What the grader shows: an exception's own message, the line it came from or a class's name are produced by
    the student's code at run time and could carry anything the kernel saw (a hidden test's inputs)."""
    function = str(failure.get("function", "関数"))[:60]
    if failure.get("kind") == "not_implemented":
        return f"{function} はまだ実装されていません（NotImplementedError）。"
    if failure.get("kind") == "not_callable":
        return f"{function} が関数になっていません。"
    if failure.get("kind") == "invalid":
        return f"{function} の形式が正しくありません（型・長さ・大きさを確認してください）。"
    name = str(failure.get("type", ""))
    known = isinstance(getattr(builtins, name, None), type) and issubclass(getattr(builtins, name), BaseException)
    hint = str(failure.get("hint", ""))[:400]
    return (f"{function} の実行中にエラーが発生しました: {name if known else 'Exception'}"
            + (f"\nヒント: {hint}" if hint else ""))


def call(function, function_name, arguments, shape_hint=SHAPE_HINT, twice=False):
    """Call function(*arguments.values()) on deep copies of the arguments (twice=True: then once more on the same
    copies, so a function that modifies its inputs shows it in the second answer, "again").

    arguments: {parameter name: value}, in the order of the function's parameters.
    Returns {"value": what it returned, "changed": [names of arguments it modified], "fp_errors": [kinds of
    floating-point errors numpy met, e.g. "overflow"]}, or {"error": the full message for the student at home,
    "failure": {"function", "kind", "type", "hint"}, from which `plain_failure` makes the graded message}.
    """
    if not callable(function):
        return {"error": f"{function_name} が関数になっていません（型: {type(function).__name__}）。",
                "failure": {"function": function_name, "kind": "not_callable"}}
    given = {name: copy.deepcopy(value) for name, value in arguments.items()}
    fp_errors = []

    def note(kind, flag):
        if kind not in fp_errors:
            fp_errors.append(kind)

    previous = np.seterrcall(note)
    try:
        with warnings.catch_warnings(), np.errstate(all="call"):
            warnings.simplefilter("ignore")
            value = function(*given.values())
            again = function(*given.values()) if twice else None
    except NotImplementedError:
        return {"error": f"{function_name} はまだ実装されていません（NotImplementedError）。",
                "failure": {"function": function_name, "kind": "not_implemented"}}
    except Exception as error:  # any failure of student code is reported as the answer, never raised
        what, hint = describe(error, shape_hint)
        return {"error": f"{function_name} の実行中にエラーが発生しました: {what}{_where(error)}"
                         + (f"\nヒント: {hint}" if hint else ""),
                "failure": {"function": function_name, "kind": "raised", "type": type(error).__name__, "hint": hint}}
    finally:
        np.seterrcall(previous)
    answer = {"value": value, "changed": [name for name in arguments if not _same(given[name], arguments[name])],
              "fp_errors": sorted(fp_errors)}
    if twice:
        answer["again"] = again
    return answer
