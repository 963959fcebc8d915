"""Making sense of file names from a learning-management system download.

`s1234567_report11.ipynb`, `report11 (1).ipynb` in a folder `山田太郎_s1234567_assignsubmission_file_/`,
`Report11-コピー.ipynb`... -> (student id, canonical notebook name).
"""
from __future__ import annotations

import re
from pathlib import PurePath

DEFAULT_STUDENT_ID = r"[A-Za-z]?\d{6,8}"
# What browsers and LMSs add to a downloaded name: " (1)", "(2)", " - コピー", "_copy", "-1".
DOWNLOAD_SUFFIX = re.compile(r"(\s*\(\d+\)|\s*-\s*コピー|\s*のコピー|[_\- ]copy|-\d)$", re.IGNORECASE)


def find_student_id(path: PurePath, pattern: str = DEFAULT_STUDENT_ID) -> str | None:
    """The student id in the file name, else in the nearest parent folder name that has one."""
    regex = re.compile(rf"(?<![A-Za-z0-9])({pattern})(?![0-9])")
    for part in [path.stem, *reversed(path.parent.parts)]:
        match = regex.search(part)
        if match:
            return match.group(1).lower()
    return None


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
