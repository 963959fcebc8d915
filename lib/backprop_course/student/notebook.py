"""Student-side helpers: reading a notebook with clear Japanese errors, and recognising its assignment."""
from __future__ import annotations

import json
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from ..notebooks.cells import grade_id, nbgrader_meta
from ..course.folder import Course, CourseError, find_course_root
from ..course.names import clean_stem


class StudentError(CourseError):
    """A problem with a student's notebook, explained in Japanese."""


def read_student_notebook(path: Path) -> NotebookNode:
    """The notebook at `path`, or StudentError saying in Japanese what is wrong with the file."""
    if not path.is_file():
        raise StudentError(f"ファイル {path} が見つかりません。")
    if path.suffix != ".ipynb":
        raise StudentError(f"{path.name} はノートブック (.ipynb) ではありません。")
    try:
        json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise StudentError(f"{path.name} は JSON として読めません (ファイルが壊れています: {err})。"
                           "JupyterLab で開き直して保存するか、配布されたノートブックからやり直してください。")
    try:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
    except Exception as err:
        raise StudentError(f"{path.name} はノートブックの形式になっていません ({type(err).__name__})。")
    return nb


def _grade_ids(nb: NotebookNode) -> set[str]:
    return {grade_id(c) for c in nb.cells if nbgrader_meta(c).get("grade_id")}


def _course_near(path: Path) -> Course | None:
    for start in (path.parent, Path.cwd()):
        try:
            return Course.at(find_course_root(start))
        except CourseError:
            continue
    return None


def identify(nb: NotebookNode, path: Path) -> tuple[str | None, str]:
    """(assignment, notebook name) of a student's notebook; StudentError when it is no known assignment.

    With a course folder nearby, the notebook's nbgrader cell ids are compared with the released (or
    source) notebooks; without one, any nbgrader notebook is accepted and named after its file.
    """
    ids = _grade_ids(nb)
    if not ids:
        raise StudentError(f"{path.name} は課題のノートブックではありません (採点用のセルがありません)。")
    course = _course_near(path)
    if course is None:
        return None, clean_stem(path.stem, None) or path.stem
    best, overlap = None, 0
    for assignment in course.assignments():
        for name in course.notebook_names(assignment):
            for folder in ("release", "source"):
                candidate = course.folder(folder) / assignment / f"{name}.ipynb"
                if candidate.is_file():
                    shared = len(ids & _grade_ids(nbformat.read(candidate, as_version=4)))
                    if shared > overlap:
                        best, overlap = (assignment, name), shared
                    break
    if best is None:
        raise StudentError(f"{path.name} はこの講義 ({', '.join(course.assignments())}) の課題ノートブックではありません。")
    return best
