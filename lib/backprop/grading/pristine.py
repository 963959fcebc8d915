"""Judging with pristine code: a fresh Python process that no student cell has touched.

A hidden test takes plain float64 arrays out of the student's functions (see `plain`) and hands them,
with the inputs, to a new interpreter started with `python -I` (no user site, no PYTHONPATH, no
current folder on sys.path). There numpy and the reference are imported fresh, the comparison is
made, and only a small JSON verdict comes back. Patching numpy, builtins or the reference inside the
kernel therefore cannot change the verdict; `canary` checks that the few functions used to start the
process and read its answer are still the standard library's own.

    values = plain_array(sigmoid(x), "sigmoid(x)", x.shape, "x と同じ形")
    check_with_reference("backprop.activations:sigmoid", [x], [values], rtol=1e-9, atol=1e-12)
    errors = fresh_relative_errors(student_arrays, expected_arrays)   # re-judging in a fresh process
"""
import io
import json
import os
import subprocess
import sys

import numpy as np

from .canary import TamperingSuspected, defined_in

STDLIB_DIR = os.path.dirname(os.__file__)
TIMEOUT_SECONDS = 120


def _pack(arrays: dict, meta: dict) -> bytes:
    buffer = io.BytesIO()
    plain = {name: np.array(value, dtype=np.float64, copy=True, subok=False) for name, value in arrays.items()}
    np.savez(buffer, _meta=np.array(json.dumps(meta)), **plain)
    return buffer.getvalue()


def _unpack(data: bytes):
    with np.load(io.BytesIO(data), allow_pickle=False) as archive:
        meta = json.loads(str(archive["_meta"]))
        return {name: archive[name] for name in archive.files if name != "_meta"}, meta


def _ask_fresh_python(arrays: dict, meta: dict) -> dict:
    """Run this module's __main__ in a new `python -I` on the packed arrays; return its JSON verdict."""
    for name, function in (("subprocess.run", subprocess.run), ("subprocess.Popen", subprocess.Popen.__init__),
                           ("json.loads", json.loads)):
        if not defined_in(function, STDLIB_DIR):
            raise TamperingSuspected([f"{name} が置き換えられています"])
    try:
        done = subprocess.run([sys.executable, "-I", "-m", __name__], input=_pack(arrays, meta),
                              capture_output=True, timeout=TIMEOUT_SECONDS, env={"PATH": os.environ.get("PATH", "")})
    except OSError as err:  # e.g. the kernel's process limit used up by the notebook's own processes
        raise AssertionError(f"採点用の別プロセスを起動できませんでした（{err}）。"
                             "ノートブックがプロセスを作りすぎていないか確認してください。") from None
    if done.returncode != 0:
        raise AssertionError("採点用の別プロセスが失敗しました: " + done.stderr.decode("utf-8", "replace")[-500:])
    return json.loads(done.stdout.decode("utf-8"))


def fresh_relative_errors(student, expected):
    """Relative errors (backprop_kit.gradcheck.relative_error) of each pair, computed in a fresh process."""
    arrays = {f"s{i}": s for i, s in enumerate(student)} | {f"e{i}": e for i, e in enumerate(expected)}
    return _ask_fresh_python(arrays, {"task": "relative_errors", "count": len(student)})["errors"]


def check_with_reference(reference, inputs, student, rtol=1e-7, atol=1e-9):
    """AssertionError unless student[i] ≈ reference(*inputs)[i] (np.allclose), judged in a fresh process.

    reference: "module:function" importable in the fresh process, returning an array or a tuple/list
    of arrays; inputs, student: lists of arrays (student already made plain by `plain`).
    """
    arrays = {f"x{i}": x for i, x in enumerate(inputs)} | {f"s{i}": s for i, s in enumerate(student)}
    meta = {"task": "reference", "reference": reference, "inputs": len(inputs), "count": len(student),
            "rtol": rtol, "atol": atol}
    verdict = _ask_fresh_python(arrays, meta)
    if not verdict["ok"]:
        raise AssertionError(verdict["message"])


def _judge(arrays: dict, meta: dict) -> dict:
    """The fresh process's side: compute the verdict from the unpacked arrays."""
    from backprop_kit.gradcheck import relative_error
    count = meta["count"]
    student = [arrays[f"s{i}"] for i in range(count)]
    if meta["task"] == "relative_errors":
        return {"errors": [relative_error(s, arrays[f"e{i}"]) for i, s in enumerate(student)]}
    module_name, function_name = meta["reference"].split(":")
    module = __import__(module_name, fromlist=[function_name])
    expected = getattr(module, function_name)(*[arrays[f"x{i}"] for i in range(meta["inputs"])])
    expected = [expected] if isinstance(expected, np.ndarray) else list(expected)
    if len(expected) != count:
        return {"ok": False, "message": f"返す値の数が違います（{count} 個、期待 {len(expected)} 個）。"}
    for i, (s, e) in enumerate(zip(student, expected)):
        if s.shape != np.shape(e):
            return {"ok": False, "message": f"{i + 1} 番目の値の形 {s.shape} が正しくありません。"}
        if not np.allclose(s, e, rtol=meta["rtol"], atol=meta["atol"]):
            return {"ok": False, "message": f"{i + 1} 番目の値が正しくありません（最大の差 {np.max(np.abs(s - e)):.1e}）。"}
    return {"ok": True}


if __name__ == "__main__":
    unpacked, request = _unpack(sys.stdin.buffer.read())
    sys.stdout.write(json.dumps(_judge(unpacked, request)))
