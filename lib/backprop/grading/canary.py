"""Canaries: does the kernel still hold the numpy, builtins and IPython that a hidden test relies on?

Student cells run before hidden tests in the same kernel, so they can replace `np.allclose`, the
functions of `np.testing`, `abs`, `AssertionError`, or IPython's error display, and turn a failing
assert into a pass. A hidden test calls `require_untampered(globals())` first: any sign of such a
change raises `TamperingSuspected`, so the test scores 0 and the grader marks the notebook for the
instructor's review (it never passes).

What is checked (each finding names the object):
- numpy: the module bound to `np` is the installed numpy; the comparison functions are numpy's own
  code (defined in a file under numpy's folder) and still give the right answer on tiny probes;
- builtins: the builtin functions and exceptions are the interpreter's, and no function defined in the
  notebook shadows one of them (a data variable named `sum` or `max` is harmless and allowed);
- IPython: no input or AST transformers, trace or profile hooks, custom exception handlers or
  instance-level replacements of the methods that run cells and show errors.
A determined attacker can still disguise a patch; judging in a fresh process (`pristine`) is the
second line of defence.

The public checks that hidden tests call (`exercises`, `regression`, `heldout`, `digit_hyperparams`,
`classification`) are decorated with `guarded_check`, so the canary runs before any of them judges, on the
globals of the cell that called it. It costs about 2 ms per call.
"""
import builtins
import functools
import os
import sys
import types

import numpy as np

NUMPY_FUNCTIONS = ("allclose", "isclose", "array_equal", "testing.assert_allclose", "testing.assert_array_equal",
                   "testing.assert_array_almost_equal", "testing.assert_almost_equal", "testing.assert_equal",
                   "linalg.norm")
NUMPY_UFUNCS = ("abs", "absolute", "isfinite", "isnan", "exp", "log", "maximum", "sqrt")
BUILTIN_FUNCTIONS = ("abs", "all", "any", "len", "max", "min", "sum", "round", "isinstance", "issubclass",
                     "getattr", "hasattr", "print", "sorted", "__import__", "repr")
BUILTIN_TYPES = ("float", "int", "bool", "str", "list", "tuple", "dict", "range", "zip", "map", "type", "object",
                 "Exception", "AssertionError", "BaseException", "TypeError", "ValueError")
SHELL_METHODS = ("run_cell", "run_cell_async", "run_ast_nodes", "run_code", "showtraceback",
                 "_showtraceback", "showsyntaxerror", "transform_cell")
NUMPY_DIR = os.path.dirname(np.__file__)


class TamperingSuspected(AssertionError):
    """The grading environment was modified by earlier cells; the notebook goes to manual review."""

    def __init__(self, findings):
        self.findings = list(findings)
        super().__init__(
            "採点環境が書き換えられている可能性があります（" + "; ".join(self.findings[:5]) + "）。"
            "このノートブックは自動採点せず、教員が確認します。numpy や組み込み関数を上書きしないでください。")


def _resolve(module, dotted):
    for part in dotted.split("."):
        module = getattr(module, part)
    return module


def defined_in(function, folder):
    """True when `function` (or what it wraps) is Python code from a file under `folder`."""
    function = getattr(function, "__wrapped__", function)
    code = getattr(function, "__code__", None)
    return code is not None and os.path.realpath(code.co_filename).startswith(os.path.realpath(folder) + os.sep)


def _raises(function, *args):
    try:
        function(*args)
    except AssertionError:
        return True
    except Exception:  # any other failure is also "did not pass silently"
        return True
    return False


def numpy_findings(namespace):
    """Findings about numpy: the `np` name, its comparison functions and ufuncs, tiny behaviour probes."""
    found = []
    bound = namespace.get("np", np)
    if bound is not sys.modules.get("numpy") or bound is not np or type(np) is not types.ModuleType:
        found.append("np が本物の numpy ではありません")
    for name in NUMPY_FUNCTIONS:
        try:
            if not defined_in(_resolve(np, name), NUMPY_DIR):
                found.append(f"np.{name} が置き換えられています")
        except AttributeError:
            found.append(f"np.{name} が削除されています")
    for name in NUMPY_UFUNCS:
        if type(getattr(np, name, None)) is not np.ufunc:
            found.append(f"np.{name} が置き換えられています")
    probes = [("np.allclose", lambda: np.allclose(1.0, 1.0) and not np.allclose(1.0, 2.0)),
              ("np.isclose", lambda: not bool(np.isclose(0.0, 1.0))),
              ("np.array_equal", lambda: not np.array_equal([1.0], [2.0])),
              ("np.testing.assert_allclose", lambda: _raises(np.testing.assert_allclose, 1.0, 2.0)),
              ("np.testing.assert_array_equal", lambda: _raises(np.testing.assert_array_equal, [1], [2]))]
    for name, probe in probes:
        try:
            ok = probe()
        except Exception:
            ok = False
        if not ok:
            found.append(f"{name} が誤った結果を返します")
    return found


def builtin_findings(namespace):
    """Findings about builtins: replaced in the builtins module, or shadowed by a callable notebook global."""
    found = []
    for name in BUILTIN_FUNCTIONS:
        value = getattr(builtins, name, None)
        if type(value) is not types.BuiltinFunctionType or getattr(value, "__module__", "builtins") != "builtins":
            found.append(f"組み込み関数 {name} が置き換えられています")
    for name in BUILTIN_TYPES:
        value = getattr(builtins, name, None)
        if not isinstance(value, type) or value.__module__ != "builtins":
            found.append(f"組み込みの {name} が置き換えられています")
    # A callable global in a builtin's name could fake a hidden test's check; a data variable a student happened
    # to call `sum` or `max` cannot, and is common enough that flagging it would send honest work to review.
    for name in BUILTIN_FUNCTIONS + BUILTIN_TYPES:
        value = namespace.get(name, None)
        if name in namespace and value is not getattr(builtins, name, None) and callable(value):
            found.append(f"{name} がノートブックの関数で上書きされています")
    if abs(-2) != 2 or max(1, 3) != 3 or sum([1, 2]) != 3 or isinstance(1, str) or not isinstance(1, int):
        found.append("組み込み関数が誤った結果を返します")
    return found


def ipython_findings():
    """Findings about the shell running the cells (none outside IPython)."""
    found = []
    if sys.gettrace() is not None or sys.getprofile() is not None:
        found.append("sys.settrace / sys.setprofile が使われています")
    try:
        shell = get_ipython()  # noqa: F821 (defined in IPython kernels)
    except NameError:
        return found
    shell_package = sys.modules[type(shell).__module__.split(".")[0]]
    packages_dir = os.path.dirname(os.path.dirname(shell_package.__file__))  # site-packages
    for name in SHELL_METHODS:
        method = getattr(shell, name, None)  # an instance attribute first, as Python looks it up
        if method is not None and not defined_in(getattr(method, "__func__", method), packages_dir):
            found.append(f"IPython の {name} が置き換えられています")
    if getattr(shell, "custom_exceptions", ()):
        found.append("set_custom_exc で例外処理が変更されています")
    if getattr(shell, "ast_transformers", []):
        found.append("ast_transformers が追加されています")
    for hooks in ("input_transformers_cleanup", "input_transformers_post"):
        for hook in getattr(shell, hooks, []):
            module = getattr(hook, "__module__", "") or type(hook).__module__
            if not module.startswith("IPython."):
                found.append(f"{hooks} に独自の変換が追加されています")
    return found


def tampering(namespace=None):
    """Every finding (Japanese strings); empty when the environment looks untouched."""
    namespace = namespace if namespace is not None else {}
    return numpy_findings(namespace) + builtin_findings(namespace) + ipython_findings()


def require_untampered(namespace=None):
    """Raise TamperingSuspected when `tampering(namespace)` finds anything; pass `globals()` in a cell."""
    found = tampering(namespace)
    if found:
        raise TamperingSuspected(found)


def guarded_check(check):
    """Decorator for a public check: `require_untampered` on the caller's globals (the test cell's namespace
    in a kernel), then the check itself."""
    @functools.wraps(check)
    def guarded(*args, **kwargs):
        require_untampered(sys._getframe(1).f_globals)
        return check(*args, **kwargs)
    return guarded
