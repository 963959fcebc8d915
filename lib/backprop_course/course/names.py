"""Making sense of the file names students choose: `report11 (1).ipynb`, `Report11-コピー.ipynb`,
`s1234567_report11.ipynb` -> the canonical notebook name. (Who the student is comes from the LMS, not from
these names: collect/identity.py.)
"""
from __future__ import annotations

import re

from backprop_kit.student.notebook import DOWNLOAD_SUFFIX, clean_stem  # noqa: F401  (the student's export-html names files too)

DEFAULT_STUDENT_ID = r"[A-Za-z]?\d{6,8}"


def match_notebook(stem: str, known: list[str]) -> str | None:
    """The known notebook name `stem` refers to: exact match, else the longest one it contains."""
    lowered = {name.lower(): name for name in known}
    if stem in lowered:
        return lowered[stem]
    normal = stem.replace(" ", "_").replace("-", "_")
    candidates = [name for low, name in lowered.items() if low in normal or low.replace("-", "_") in normal]
    return max(candidates, key=len) if candidates else None
