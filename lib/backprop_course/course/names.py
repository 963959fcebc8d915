"""Making sense of the file names students choose: `report11 (1).ipynb`, `Report11-コピー.ipynb`,
`s1234567_report11.ipynb` -> the canonical notebook name. (Who the student is comes from the LMS, not from
these names: collect/identity.py.)
"""
from __future__ import annotations

import re

DEFAULT_STUDENT_ID = r"[A-Za-z]?\d{6,8}"
# What browsers and LMSs add to a downloaded name: " (1)", "(2)", " - コピー", "_copy", "-1".
DOWNLOAD_SUFFIX = re.compile(r"(\s*\(\d+\)|\s*-\s*コピー|\s*のコピー|[_\- ]copy|-\d)$", re.IGNORECASE)


def clean_stem(stem: str, student_id: str | None) -> str:
    """The file stem without the student id and the download suffixes, lower-cased."""
    stem = stem.lower()
    if student_id:
        stem = stem.replace(student_id.lower(), " ")
    stem = stem.strip(" _-")
    previous = None
    while previous != stem:
        previous, stem = stem, DOWNLOAD_SUFFIX.sub("", stem).strip(" _-")
    return stem


def match_notebook(stem: str, known: list[str]) -> str | None:
    """The known notebook name `stem` refers to: exact match, else the longest one it contains."""
    lowered = {name.lower(): name for name in known}
    if stem in lowered:
        return lowered[stem]
    normal = stem.replace(" ", "_").replace("-", "_")
    candidates = [name for low, name in lowered.items() if low in normal or low.replace("-", "_") in normal]
    return max(candidates, key=len) if candidates else None
