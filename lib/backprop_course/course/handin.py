"""What collect learnt about a hand-in, kept beside it for autograde: submitted/<student>/<assignment>/<notebook>.handin.json.

collect writes it for every notebook it places from an HTML page (how the notebook was obtained, what the page
was, what needs review) and for an HTML page it could not turn into a notebook (the not-gradable problem);
autograde's prepare adds those problems to the notebook's status. A notebook handed in as .ipynb has no such file.
"""
from __future__ import annotations

import json
from pathlib import Path

from .problems import Problem

SUFFIX = ".handin.json"


def handin_path(folder: Path, notebook: str) -> Path:
    return folder / f"{notebook}{SUFFIX}"


def write_handin(folder: Path, notebook: str, original: str, route: str, problems: list[Problem]) -> Path:
    """Record `original` (the file kept under submitted/), the route (export-html, nbconvert lab, ...) and problems."""
    path = handin_path(folder, notebook)
    path.write_text(json.dumps({"original": original, "route": route, "problems": [p.to_dict() for p in problems]},
                               ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def clear_handin(folder: Path, notebook: str) -> None:
    handin_path(folder, notebook).unlink(missing_ok=True)


def read_handin(folder: Path, notebook: str) -> list[Problem]:
    """The problems collect recorded for this notebook ([] for an .ipynb hand-in)."""
    path = handin_path(folder, notebook)
    if not path.is_file():
        return []
    return [Problem.from_dict(p) for p in json.loads(path.read_text(encoding="utf-8")).get("problems", [])]
