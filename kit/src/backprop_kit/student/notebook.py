"""Reading a student's notebook with clear Japanese errors, and naming it after its file."""
from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from .cells import nbgrader_meta

# What browsers and LMSs add to a downloaded name: " (1)", "(2)", " - コピー", "_copy", "-1".
DOWNLOAD_SUFFIX = re.compile(r"(\s*\(\d+\)|\s*-\s*コピー|\s*のコピー|[_\- ]copy|-\d)$", re.IGNORECASE)


class StudentError(Exception):
    """A problem with a student's notebook, explained in Japanese."""


def _where_broken(err: UnicodeDecodeError | json.JSONDecodeError) -> str:
    """Where the file stops being JSON, in Japanese (the decoder's own message is English)."""
    if isinstance(err, json.JSONDecodeError):
        return f"{err.lineno} 行目の {err.colno} 文字目"
    return f"{err.start} バイト目に UTF-8 として読めない文字があります"


def read_student_notebook(path: Path) -> NotebookNode:
    """The notebook at `path`, or StudentError saying in Japanese what is wrong with the file."""
    path = Path(path)
    if not path.is_file():
        raise StudentError(f"ファイル {path} が見つかりません。")
    if path.suffix != ".ipynb":
        raise StudentError(f"{path.name} はノートブック (.ipynb) ではありません。")
    try:
        json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise StudentError(f"{path.name} は JSON として読めません (ファイルが壊れています: {_where_broken(err)})。"
                           "JupyterLab で開き直して保存するか、配布されたノートブックからやり直してください。")
    try:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
    except Exception as err:
        raise StudentError(f"{path.name} はノートブックの形式になっていません ({type(err).__name__})。")
    return nb


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


def notebook_name(nb: NotebookNode, path: Path) -> str:
    """The name of an assignment notebook, from its file (`report11 (1).ipynb` -> report11); StudentError when
    the notebook has no nbgrader cell (it is no assignment notebook)."""
    if not any(nbgrader_meta(c).get("grade_id") for c in nb.cells):
        raise StudentError(f"{path.name} は課題のノートブックではありません (採点用のセルがありません)。")
    return clean_stem(path.stem, None) or path.stem
