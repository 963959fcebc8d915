"""Tamper resistance of hidden tests (lib/backprop/grading/canary.py, pristine.py), in-process.

Each test patches numpy, builtins or the namespace the way a student cell could, checks that the
canary names it, and restores everything afterwards (monkeypatch).
"""
import builtins

import numpy as np
import pytest

from backprop.activations import sigmoid
from backprop.grading import canary, pristine
from hostile.kernels import printed, run_confined

X = np.linspace(-4.0, 4.0, 9)


def test_an_untouched_environment_raises_no_alarm():
    assert canary.tampering({"np": np}) == []
    canary.require_untampered({"np": np})


@pytest.mark.parametrize("dotted, fake", [
    ("allclose", lambda *a, **k: True),
    ("isclose", lambda *a, **k: True),
    ("array_equal", lambda *a, **k: True),
    ("testing.assert_allclose", lambda *a, **k: None),
    ("testing.assert_array_equal", lambda *a, **k: None),
])
def test_a_patched_numpy_comparison_is_named(monkeypatch, dotted, fake):
    owner = np.testing if dotted.startswith("testing.") else np
    monkeypatch.setattr(owner, dotted.split(".")[-1], fake)
    found = canary.tampering({"np": np})
    assert any(f"np.{dotted}" in f for f in found)
    with pytest.raises(canary.TamperingSuspected, match="教員が確認"):
        canary.require_untampered({"np": np})


def test_a_wrapped_fake_with_numpy_names_is_still_caught_by_behaviour(monkeypatch):
    real = np.allclose

    def allclose(a, b, *args, **kwargs):
        return True

    allclose.__module__, allclose.__wrapped__ = "numpy", real  # disguised as numpy's own
    monkeypatch.setattr(np, "allclose", allclose)
    assert "np.allclose が誤った結果を返します" in canary.tampering({"np": np})


def test_replaced_builtins_and_shadowing_globals_are_named(monkeypatch):
    monkeypatch.setattr(builtins, "abs", lambda x: 0)
    assert any("abs" in f for f in canary.tampering({"np": np}))
    monkeypatch.undo()
    assert canary.tampering({"np": np, "max": lambda *a: 0}) == ["max がノートブックの関数で上書きされています"]
    monkeypatch.setattr(builtins, "AssertionError", type("AssertionError", (Exception,), {}))
    assert any("AssertionError" in f for f in canary.tampering({"np": np}))


def test_a_fake_np_module_is_named():
    import types
    fake = types.ModuleType("numpy")
    assert "np が本物の numpy ではありません" in canary.tampering({"np": fake})


def test_pristine_judging_ignores_a_patched_numpy(monkeypatch):
    wrong = sigmoid(X) + 0.1
    monkeypatch.setattr(np, "allclose", lambda *a, **k: True)
    with pytest.raises(AssertionError, match="正しくありません"):
        pristine.check_with_reference("backprop.activations:sigmoid", [X], [wrong])
    pristine.check_with_reference("backprop.activations:sigmoid", [X], [sigmoid(X)])


def test_pristine_relative_errors_come_from_a_fresh_process(monkeypatch):
    monkeypatch.setattr(np, "max", lambda *a, **k: 0.0)  # would make every in-process error 0
    errors = pristine.fresh_relative_errors([X + 1.0, X], [X, X])
    assert errors[0] == pytest.approx(1.0 / 5.0) and errors[1] == 0.0


def test_pristine_refuses_to_use_a_patched_subprocess(monkeypatch):
    import subprocess
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: None)
    with pytest.raises(canary.TamperingSuspected, match="run"):
        pristine.check_with_reference("backprop.activations:sigmoid", [X], [sigmoid(X)])


def test_pristine_names_a_shape_mismatch():
    with pytest.raises(AssertionError, match="形"):
        pristine.check_with_reference("backprop.activations:sigmoid", [X], [sigmoid(X)[:3]])


def test_in_a_kernel_the_canary_sees_ipython_hooks_and_a_patched_error_display(tmp_path):
    """Patches that only exist in IPython: cell transformers, AST transformers, the traceback display."""
    check = "import json\nfrom backprop.grading import canary\nprint(json.dumps(canary.tampering(globals())))"
    cells = [check,
             "get_ipython().input_transformers_post.append(lambda lines: lines)",
             check,
             "import ast\nget_ipython().ast_transformers.append(ast.NodeTransformer())\n"
             "get_ipython().showtraceback = lambda *a, **k: None",
             check]
    nb, died = run_confined(cells, tmp_path)
    assert died is None
    clean, hooked, hidden_errors = (printed(nb.cells[i]) for i in (0, 2, 4))
    assert clean == []
    assert hooked == ["input_transformers_post に独自の変換が追加されています"]
    assert "ast_transformers が追加されています" in hidden_errors
    assert "IPython の showtraceback が置き換えられています" in hidden_errors
