"""Run a student's function the way a grader should: on copies, quietly, and noticing what it changed.

- The function gets deep copies of the arguments, so the case stays pristine for the judging that follows.
- Warnings are silenced and numpy floating-point errors ignored while it runs: nbgrader scores a test cell 0
  when anything reaches stderr, and a harmless overflow warning must not cost a grade. Non-finite results
  are caught later, by `plain`.
- Exceptions become an AssertionError in Japanese naming the function and the line of the student's code.
- Afterwards the canary runs again (a function can patch numpy while it runs, after the check's own canary),
  and the copies are compared with the originals: a gradient function must not modify its inputs.
"""
import copy
import traceback
import warnings
from dataclasses import dataclass

import numpy as np

from .canary import require_untampered
from backprop_kit.testing.crashes import SHAPE_HINT, describe


@dataclass
class Outcome:
    """What a call returned, and the names of the arguments it modified in place."""
    value: object
    changed: list


def _same(a, b):
    """Structural equality of nested lists/tuples of arrays and scalars, exact, with NaN equal to NaN."""
    if isinstance(a, (list, tuple)):
        return isinstance(b, (list, tuple)) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.shape == b.shape and np.array_equal(a, b, equal_nan=True)
    return a == b


def _where(error):
    """'(f の N 行目: code)' for the innermost frame of the student's code, or '' when there is none.

    Frames inside installed packages (numpy) and this module are skipped: the student's line is the useful one.
    """
    frames = [frame for frame in traceback.extract_tb(error.__traceback__)
              if frame.filename != __file__ and "site-packages" not in frame.filename]
    if not frames:
        return ""
    last = frames[-1]
    return f"（{last.name} の {last.lineno} 行目: {last.line}）"


def call_student(function, arguments, function_name, shape_hint=SHAPE_HINT):
    """Call function(*arguments.values()) on deep copies; arguments maps parameter names to values.

    shape_hint: the hint when the function fails on arrays whose shapes do not fit (see `crashes.describe`).

    Returns an Outcome; raises AssertionError (Japanese) when function is not callable or raises.
    """
    if not callable(function):
        raise AssertionError(f"{function_name} が関数になっていません（型: {type(function).__name__}）。")
    given = {name: copy.deepcopy(value) for name, value in arguments.items()}
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            value = function(*given.values())
    except NotImplementedError:
        raise AssertionError(f"{function_name} はまだ実装されていません（NotImplementedError）。") from None
    except Exception as error:  # any failure of student code is reported, never propagated raw
        what, hint = describe(error, shape_hint)
        raise AssertionError(f"{function_name} の実行中にエラーが発生しました: {what}{_where(error)}"
                             + (f"\nヒント: {hint}" if hint else "")) from None
    require_untampered()    # the student's function may itself have patched numpy or builtins just now
    changed = [name for name in arguments if not _same(given[name], arguments[name])]
    return Outcome(value, changed)
