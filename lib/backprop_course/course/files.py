"""Writing course files so that a killed process never leaves half of one: a temporary file in the same
folder, flushed and fsync'ed, then os.replace onto the name (and the folder fsync'ed), so a reader sees
the old file or the new one, never a mixture."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, data: bytes | str) -> Path:
    """Replace `path` by `data` atomically (text is written as UTF-8)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    descriptor, scratch = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(payload)
            file.flush()
            os.fsync(file.fileno())
        os.replace(scratch, path)
    except BaseException:
        Path(scratch).unlink(missing_ok=True)
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
    return path


def write_json_atomic(path: Path, value) -> Path:
    return write_atomic(path, json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
