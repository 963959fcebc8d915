"""Answers as plain data: what leaves a grading kernel, and the test cases that enter it.

A value is encoded into JSON-compatible data that can only describe numbers, arrays, strings, lists, tuples
and string-keyed dicts: never code, never a pickle. Arrays travel as float64 (or int64 / bool) bytes in base64
with their shape and the dtype the student's value had, so a grader can judge type and shape as well as value.
Decoding builds fresh numpy arrays (never subclasses) and refuses anything else.

    encode(value) -> data          (in the kernel, for an answer; in the grader, for a case's inputs)
    decode(data)  -> value         (in the grader, for an answer; in the kernel, for a case's inputs)
"""
import base64
import json

import numpy as np

MIME = "application/vnd.backprop-kit.answers+json"
MAX_DEPTH = 6
MAX_ITEMS = 100_000          # elements of one list/tuple before it is sent as one array
MAX_TEXT = 500               # characters kept of a string
MAX_ELEMENTS = 50_000_000    # elements of one decoded array
MAX_KEYS = 200               # keys of one dict
KINDS = {"f": np.float64, "i": np.int64, "u": np.int64, "b": np.bool_}


class RecordError(ValueError):
    """Data that is not a valid encoded value (a forged or damaged record)."""


def _array(value):
    """A fresh ndarray of a plain dtype (float64, int64 or bool), or None when value is not real numbers.

    An ndarray subclass is read through the base class's own view, so no method or numpy protocol of the
    subclass runs; anything else is converted by numpy (subok=False)."""
    try:
        if isinstance(value, np.ndarray):
            array = np.ndarray.view(value, np.ndarray)
        else:
            array = np.array(value, subok=False)
    except Exception:
        return None
    kind = array.dtype.kind
    if kind not in KINDS:
        if kind == "c":
            return None
        try:
            array = np.array(array, dtype=np.float64, subok=False)
        except Exception:
            return None
        kind = "f"
    return np.array(array, dtype=KINDS[kind], copy=True, subok=False)


def encode(value, depth=0):
    """JSON-compatible data describing value (see the module docstring)."""
    if depth > MAX_DEPTH:
        return {"unsupported": "too deeply nested"}
    if value is None or isinstance(value, bool | str) and not isinstance(value, np.generic):
        return value if not isinstance(value, str) else {"text": value[:MAX_TEXT]}
    if isinstance(value, dict):
        return {"dict": {str(key)[:MAX_TEXT]: encode(item, depth + 1) for key, item in list(value.items())[:MAX_KEYS]}}
    if isinstance(value, list | tuple) and not isinstance(value, np.ndarray):
        tag = "tuple" if isinstance(value, tuple) else "list"
        if len(value) > MAX_ITEMS:
            return {"unsupported": f"{tag} of {len(value)} items"}
        return {tag: [encode(item, depth + 1) for item in value]}
    array = _array(value)
    if array is None:
        complex_ = isinstance(value, complex | np.complexfloating) or getattr(getattr(value, "dtype", None), "kind", "") == "c"
        return {"unsupported": "complex" if complex_ else type(value).__name__[:MAX_TEXT]}
    scalar = not isinstance(value, np.ndarray) and array.ndim == 0
    return {"array": base64.b64encode(np.ascontiguousarray(array).tobytes()).decode("ascii"),
            "dtype": array.dtype.str, "shape": list(array.shape),
            "type": "scalar" if scalar else "ndarray" if isinstance(value, np.ndarray) else type(value).__name__[:40],
            "source_dtype": str(getattr(value, "dtype", type(value).__name__))[:40]}


class Unsupported:
    """A value the kernel could not describe as plain data (complex numbers, objects): its type's name."""

    def __init__(self, what):
        self.what = what

    def __repr__(self):
        return f"Unsupported({self.what!r})"


def _decode_array(data):
    dtype = np.dtype(data.get("dtype"))
    if dtype.kind not in "fib" or dtype.itemsize != 8 and dtype.kind != "b":
        raise RecordError(f"array dtype {dtype} not allowed")
    shape = data.get("shape")
    if not isinstance(shape, list) or not all(type(n) is int and n >= 0 for n in shape) or len(shape) > 8:
        raise RecordError("bad array shape")
    size = 1
    for n in shape:              # Python integers: a forged shape cannot overflow to a small size
        size *= n
    if size > MAX_ELEMENTS:
        raise RecordError(f"array of {size} elements")
    try:
        raw = base64.b64decode(data.get("array", ""), validate=True)
    except (ValueError, TypeError):
        raise RecordError("array data is not base64") from None
    if len(raw) != size * dtype.itemsize:
        raise RecordError("array data does not fit its shape")
    array = np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
    if data.get("type") == "scalar":
        return array[()]
    array.setflags(write=True)
    return array


def decode(data, depth=0):
    """The value that `encode` described: numbers as numpy arrays/scalars, lists, tuples, dicts, str, None."""
    if depth > MAX_DEPTH + 1:
        raise RecordError("too deeply nested")
    if data is None or isinstance(data, bool):
        return data
    if not isinstance(data, dict) or len(data) == 0:
        raise RecordError(f"unexpected {type(data).__name__}")
    if "text" in data:
        return str(data["text"])[:MAX_TEXT]
    if "list" in data or "tuple" in data:
        items = data.get("list", data.get("tuple"))
        if not isinstance(items, list) or len(items) > MAX_ITEMS:
            raise RecordError("list items missing or too many")
        decoded = [decode(item, depth + 1) for item in items]
        return tuple(decoded) if "tuple" in data else decoded
    if "dict" in data:
        if not isinstance(data["dict"], dict) or len(data["dict"]) > MAX_KEYS:
            raise RecordError("dict items missing or too many")
        return {str(key): decode(item, depth + 1) for key, item in data["dict"].items()}
    if "unsupported" in data:
        return Unsupported(str(data["unsupported"])[:MAX_TEXT])
    if "array" in data:
        return _decode_array(data)
    raise RecordError(f"unknown keys {sorted(data)[:3]}")


def dumps(value) -> str:
    """encode(value) as JSON text."""
    return json.dumps(encode(value), separators=(",", ":"))


def loads(text: str):
    """decode(json text); RecordError for anything that is not an encoded value."""
    try:
        return decode(json.loads(text))
    except RecordError:
        raise
    except Exception as error:
        raise RecordError(f"not an encoded value: {type(error).__name__}") from None
