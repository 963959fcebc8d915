"""A throwaway class for the hostile corpus and the 200-student benchmark.

The toy course (lib/backprop_course/toycourse.py) with one notebook, toy.ipynb = the toy notebook plus
the guarded cells of corpus.py, tight limits in course.toml (cells 8 s, CPU 15 s per kernel); helpers
to hand in submissions and to check afterwards that every grade is accounted for.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry

from backprop_course.release import release_assignment
from backprop_course.simulation.edits import model_solution
from backprop_course.simulation.toy_course import ASSIGNMENT, build_toy_course, toy_notebook

from .corpus import NOT_GRADABLE, guarded_cells

NOTEBOOK = "toy"
# CPU 15 s: more than the imports (~2 s) plus an 8 s cell timeout, so a Python loop is interrupted by the
# timeout first; less than two timeouts, so a C loop that ignores the interrupt dies of the CPU limit.
# The whole notebook: 60 s, well above a good run (~5 s) and the slowest hostile case that should finish.
SANDBOX_SETTINGS = ("\n[grading.sandbox]\nnotebook_seconds = 60\ncpu_seconds = 15\nmemory_mb = 2048\nmax_processes = 48\n"
                    "max_file_mb = 16\n")


def build_course(root: Path, timeout: int = 8) -> Path:
    """The course under `root`, released (gradebook and release/ written)."""
    build_toy_course(root, timeout=timeout)
    source = root / "source" / ASSIGNMENT
    (source / "toy_extra.ipynb").unlink()
    nb = toy_notebook()
    nb.cells += guarded_cells()
    nbformat.write(nb, source / f"{NOTEBOOK}.ipynb")
    with open(root / "course.toml", "a", encoding="utf-8") as settings:
        settings.write(SANDBOX_SETTINGS)
    release_assignment(root, ASSIGNMENT)
    return root


def reference(root: Path):
    """The release notebook with the source's answers filled in."""
    release = nbformat.read(root / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
    source = nbformat.read(root / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
    return model_solution(release, source)


def submit(root: Path, student: str, files: dict) -> None:
    """Write a student's folder submitted/<student>/<assignment>/ (notebooks or raw bytes)."""
    folder = root / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True)
    for name, content in files.items():
        if isinstance(content, bytes):
            (folder / name).write_bytes(content)
        else:
            nbformat.write(content, folder / name)


def fingerprint(folder: Path) -> dict:
    """{relative path: sha256} of every file below `folder`."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def gradebook_score(root: Path, student: str, notebook: str):
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        try:
            return gb.find_submission_notebook(notebook, ASSIGNMENT, student).score
        except MissingEntry:
            return "missing"


def lost_grades(root: Path, statuses, students) -> list:
    """Students whose grade is unaccounted for: no status, a score for an ungradable notebook (or none
    for a gradable one), or a gradebook score that differs from the status."""
    by_student = {s.student: s for s in statuses if s.notebook == NOTEBOOK}
    lost = [student for student in students if student not in by_student]
    for student, s in by_student.items():
        if (s.state == NOT_GRADABLE) != (s.score is None):
            lost.append(student)
        elif s.state != NOT_GRADABLE and gradebook_score(root, student, NOTEBOOK) != s.score:
            lost.append(student)
    return lost


def leaked(root: Path, student: str) -> bool:
    """True when an output of an executed notebook of `student` says an attack reached something (LEAK)."""
    for path in (root / "autograded" / student).rglob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        outputs = [o for cell in nb.cells for o in cell.get("outputs", [])]
        if any("LEAK" in str(o.get("text", "")) + str(o.get("data", "")) for o in outputs):
            return True
    return False
