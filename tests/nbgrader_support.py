"""Helpers for the notebook tests: the course's notebooks, and nbgrader runs in a throwaway course directory.

A throwaway course holds copies of the repository's configuration (nbgrader_config.py, course.toml) and of
the sources of one assignment, and keeps its own gradebook.db, so tests never touch the repository's own
gradebook or nbgrader folders. nbgrader runs as subprocesses (in-process it keeps global state, and separate
processes use both cores), all at once: `run_concurrently`.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Union

import nbformat
from nbgrader.api import Gradebook

from backprop_course.course import Course
from backprop_course.release.leaks import fill_placeholders

REPO = Path(__file__).resolve().parent.parent
CONFIG_FILES = ("nbgrader_config.py", "course.toml")
COMMAND_TIMEOUT = 600  # seconds for one command; the per-cell limit is nbgrader_config.py's Execute.timeout


@dataclass(frozen=True, order=True)
class CourseNotebook:
    """One notebook of the course: source/<assignment>/<name>.ipynb and its release/ twin."""
    assignment: str
    name: str

    @property
    def id(self) -> str:
        return f"{self.assignment}/{self.name}"

    def path(self, step: str, root: Path = REPO) -> Path:
        """The notebook's file in one of nbgrader's step folders ('source', 'release', ...) under root."""
        return root / step / self.assignment / f"{self.name}.ipynb"

    def read(self, step: str, root: Path = REPO) -> nbformat.NotebookNode:
        return nbformat.read(self.path(step, root), as_version=4)


def course_notebooks(root: Path = REPO) -> list[CourseNotebook]:
    """Every source notebook, source/*/*.ipynb, sorted."""
    return sorted(CourseNotebook(p.parent.name, p.stem) for p in (root / "source").glob("*/*.ipynb"))


def error_outputs(cell) -> list[str]:
    """'ename: evalue' of each error output of an executed code cell."""
    return [f"{o.ename}: {o.evalue}" for o in cell.get("outputs", []) if o.output_type == "error"]


def subprocess_env() -> dict[str, str]:
    """The environment for nbgrader and kernels: this interpreter's scripts first on PATH (nbgrader runs
    `alembic` from PATH) and single-threaded BLAS (the small matrices here gain nothing from threads)."""
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    return env


@dataclass
class Command:
    """One command to run in a folder; `output` and `returncode` are filled in by `run`."""
    args: list[str]
    cwd: Path
    returncode: int | None = None
    output: str = ""
    seconds: float = 0.0

    def run(self) -> "Command":
        start = time.perf_counter()
        done = subprocess.run(self.args, cwd=self.cwd, env=subprocess_env(), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=COMMAND_TIMEOUT)
        self.returncode, self.output = done.returncode, done.stdout
        self.seconds = time.perf_counter() - start
        return self

    def describe(self) -> str:
        tail = "\n".join(self.output.splitlines()[-40:])
        return f"$ {' '.join(self.args)}  (in {self.cwd}) -> exit {self.returncode} after {self.seconds:.1f} s\n{tail}"


Step = Union[Command, Callable[[], object]]


def run_in_order(steps: list[Step]) -> None:
    """Run the steps (commands, or Python callables such as file copies) one after another, stopping after
    the first command that fails."""
    for step in steps:
        if isinstance(step, Command):
            if step.run().returncode != 0:
                return
        else:
            step()


def run_concurrently(chains: list[list[Step]]) -> None:
    """Run each chain of steps in order, all chains at the same time."""
    if chains:
        with ThreadPoolExecutor(max_workers=len(chains)) as pool:
            list(pool.map(run_in_order, chains))


def python_command(*args: str) -> list[str]:
    return [sys.executable, *args]


def execute_command(notebook: Path, output_dir: Path, timeout: int) -> Command:
    """nbconvert: run a notebook top to bottom (errors recorded, not fatal) into output_dir/<same name>.
    The kernel's working folder is the notebook's own folder."""
    return Command(python_command("-m", "nbconvert", "--to", "notebook", "--execute", "--allow-errors",
                                  f"--ExecutePreprocessor.timeout={timeout}", "--output-dir", str(output_dir),
                                  str(notebook)), notebook.parent)


class ThrowawayCourse:
    """A course directory at `root` with the repository's configuration and one assignment's sources."""

    def __init__(self, root: Path, assignment: str, source_folder: Path | None = None):
        self.root, self.assignment = Path(root), assignment
        self.root.mkdir(parents=True, exist_ok=True)
        for name in CONFIG_FILES:
            if (REPO / name).is_file():
                shutil.copy(REPO / name, self.root / name)
        shutil.copytree(source_folder or REPO / "source" / assignment, self.root / "source" / assignment)

    @property
    def course(self) -> Course:
        return Course.at(self.root)

    def notebooks(self, step: str) -> list[Path]:
        """The assignment's notebooks in one step folder of this course ('source', 'release')."""
        return sorted((self.root / step / self.assignment).glob("*.ipynb"))

    def generate_command(self) -> Command:
        """nbgrader generate_assignment into <root>/release, with this course's own gradebook."""
        return Command(python_command("-m", "nbgrader", "generate_assignment", self.assignment, "--force"), self.root)

    def fill_placeholders(self) -> None:
        """Fill {{name}} placeholders from course.toml in the generated release, as the course tool's release
        does after generate_assignment."""
        values = self.course.placeholders(self.assignment)
        for path in self.notebooks("release"):
            nb = nbformat.read(path, as_version=4)
            if fill_placeholders(nb, values):
                nbformat.write(nb, path)

    def submit(self, student: str, notebooks: list[Path]) -> None:
        """Place copies of `notebooks` where nbgrader expects student's submission."""
        folder = self.root / "submitted" / student / self.assignment
        folder.mkdir(parents=True, exist_ok=True)
        for path in notebooks:
            shutil.copy(path, folder / path.name)

    def autograde_command(self) -> Command:
        """The course tool's autograde of every submission of the assignment (confined kernels; the grader judges
        the tests outside them, as in a real grading run)."""
        return Command(python_command("-m", "backprop_course.cli", "--course-root", str(self.root), "autograde",
                                      self.assignment, "--quiet"), self.root)

    def autograded(self, student: str, name: str) -> nbformat.NotebookNode:
        path = self.root / "autograded" / student / self.assignment / f"{name}.ipynb"
        return nbformat.read(path, as_version=4)

    def scores(self, student: str, name: str) -> dict[str, tuple[float, float]]:
        """{grade_id: (score, max_score)} of one submitted notebook, from this course's gradebook."""
        course = self.course
        with Gradebook(course.db_url, course.course_id) as gradebook:
            notebook = gradebook.find_submission_notebook(name, self.assignment, student)
            return {grade.name: (grade.score, grade.max_score) for grade in notebook.grades}


def assert_release_fails_only_in_answers(nb, errors_of: Callable) -> None:
    """A release notebook run as a student first gets it: scaffolding never fails; answer cells fail only with
    the stub's NotImplementedError; test cells may fail (nothing is answered yet). errors_of(cell) -> the
    cell's error lines ("Name: message")."""
    from backprop_kit.student.cells import is_answer_cell, is_test_cell
    stubs = 0
    for index, cell in enumerate(nb.cells):
        errors = errors_of(cell)
        if is_test_cell(cell):
            stubs += any("NotImplementedError" in e for e in errors)
        elif is_answer_cell(cell):
            assert all(e.startswith("NotImplementedError") for e in errors), f"answer cell {index}: {errors}"
            stubs += bool(errors)
        else:
            assert not errors, f"scaffolding cell {index} fails in the release: {errors}\n{cell.source[:300]}"
    assert stubs, "no cell reached an answer's NotImplementedError stub"
