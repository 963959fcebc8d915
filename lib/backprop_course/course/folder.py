"""The course directory: where things live, the nbgrader configuration and `course.toml`.

A course root holds `nbgrader_config.py`, `course.toml` (optional) and nbgrader's folders
`source/`, `release/`, `submitted/`, `autograded/`, `feedback/` plus `gradebook.db`.
"""
from __future__ import annotations

import os
import secrets
import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path

from backprop_kit.limits import CELL_SECONDS
from backprop_kit.student.page import CDN_MATHJAX, LOCAL_MATHJAX, mathjax_url
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from .deadlines import assignment_deadline, course_timezone, deadline_text
from .settings import check_settings

CONFIG_FILE = "nbgrader_config.py"
SETTINGS_FILE = "course.toml"
DEFAULT_TIMEOUT = CELL_SECONDS  # without Execute.timeout in nbgrader_config.py: the limit students' check uses


class CourseError(Exception):
    """A problem with the course directory or an argument that names something in it."""


def find_course_root(start: Path | str | None = None) -> Path:
    """The nearest folder at or above `start` (default: cwd) holding nbgrader_config.py."""
    here = Path(start or os.getcwd()).resolve()
    for folder in [here, *here.parents]:
        if (folder / CONFIG_FILE).is_file():
            return folder
    raise CourseError(f"no {CONFIG_FILE} found in {here} or any parent folder; run from a course root")


def load_settings(root: Path | None) -> dict:
    """The parsed course.toml of `root` ({} when there is none)."""
    if root is None or not (Path(root) / SETTINGS_FILE).is_file():
        return {}
    with open(Path(root) / SETTINGS_FILE, "rb") as f:
        try:
            settings = tomllib.load(f)
        except tomllib.TOMLDecodeError as err:
            raise CourseError(f"{Path(root) / SETTINGS_FILE}: {err}") from err
    check_settings(settings, Path(root) / SETTINGS_FILE)  # a typo, a wrong type: CourseError naming the key
    return settings


def mathjax_url_from(settings: dict) -> str:
    """The MathJax 2 URL to use: the local copy when it exists, else the configured CDN URL."""
    course = settings.get("course", {})
    return mathjax_url(course.get("mathjax_local", LOCAL_MATHJAX), course.get("mathjax_url", CDN_MATHJAX))


GRADING_SECRET_FILE = ".grading_secret"


@dataclass
class Course:
    """One course directory and its configuration."""

    root: Path
    settings: dict = field(default_factory=dict)

    @classmethod
    def at(cls, root: Path | str | None = None) -> "Course":
        """The course whose root is `root`, or the one containing the current directory."""
        root = Path(root).resolve() if root else find_course_root()
        if not (root / CONFIG_FILE).is_file():
            raise CourseError(f"{root} is not a course root: it has no {CONFIG_FILE}")
        return cls(root=root, settings=load_settings(root))

    @cached_property
    def nbgrader_config(self) -> Config:
        """nbgrader_config.py loaded as nbgrader would, with the course root forced to `root`."""
        config = PyFileConfigLoader(CONFIG_FILE, path=str(self.root)).load_config()
        config.CourseDirectory.root = str(self.root)
        return config

    def folder(self, name: str) -> Path:
        """One of nbgrader's step folders: source, release, submitted, autograded, feedback."""
        return self.root / name

    @property
    def db_url(self) -> str:
        """The gradebook's SQLAlchemy URL: `c.CourseDirectory.db_url` of nbgrader_config.py when set (a course
        with several TAs: `postgresql+psycopg://...`), else nbgrader's default, gradebook.db in the root."""
        configured = self.nbgrader_config.CourseDirectory.get("db_url", "")
        return str(configured) if configured else f"sqlite:///{self.root / 'gradebook.db'}"

    @property
    def gradebook_label(self) -> str:
        """Where the gradebook is, for messages: the SQLite file, or the server's URL without its password."""
        from sqlalchemy.engine import make_url
        url = make_url(self.db_url)
        return url.database if url.get_backend_name() == "sqlite" else url.render_as_string(hide_password=True)

    @property
    def course_id(self) -> str:
        return self.nbgrader_config.CourseDirectory.get("course_id", "") or ""

    @property
    def cell_timeout(self) -> int:
        """Seconds a single cell may run when grading (nbgrader's Execute.timeout)."""
        return int(self.nbgrader_config.Execute.get("timeout", DEFAULT_TIMEOUT))

    @property
    def mathjax_url(self) -> str:
        return mathjax_url_from(self.settings)

    def assignments(self) -> list[str]:
        """Assignment names: the folders in source/, sorted."""
        source = self.folder("source")
        if not source.is_dir():
            return []
        return sorted(p.name for p in source.iterdir() if p.is_dir() and not p.name.startswith("."))

    def require_assignment(self, assignment: str) -> str:
        if assignment not in self.assignments():
            known = ", ".join(self.assignments()) or "(none)"
            raise CourseError(f"unknown assignment {assignment!r}; source/ has: {known}")
        return assignment

    def pick_assignments(self, assignment: str | None) -> list[str]:
        """[assignment] after checking it exists, or every assignment when None."""
        return [self.require_assignment(assignment)] if assignment else self.assignments()

    def notebook_names(self, assignment: str) -> list[str]:
        """Notebook names (stem, no .ipynb) of an assignment, from its source folder."""
        folder = self.folder("source") / assignment
        return sorted(p.stem for p in folder.glob("*.ipynb"))

    def assignment_settings(self, assignment: str) -> dict:
        return self.settings.get("assignments", {}).get(assignment, {})

    def placeholders(self, assignment: str) -> dict[str, str]:
        """Values for {{name}} placeholders: [placeholders] overlaid by [assignments.<name>] (its title and
        [assignments.<name>.placeholders]); {{deadline}} is the deadline's text, made from the date-time."""
        values = {k: str(v) for k, v in self.settings.get("placeholders", {}).items()}
        own = self.assignment_settings(assignment)
        values.update({k: str(v) for k, v in own.items() if not isinstance(v, (dict, list, datetime))})
        values.update({k: str(v) for k, v in own.get("placeholders", {}).items()})
        due = assignment_deadline(self.settings, assignment)
        if due is not None:  # generated, weekday included: 「7/19(日) 10:30」
            values["deadline"] = deadline_text(due, course_timezone(self.settings))
        values.setdefault("assignment", assignment)
        return values

    @property
    def grading_secret(self) -> bytes:
        """The course's secret for choosing hidden test cases (GRADING_SECRET_FILE, made on first use, readable
        by the instructor only, never committed and never seen by a kernel)."""
        path = self.root / GRADING_SECRET_FILE
        if not path.exists():
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w") as file:
                file.write(secrets.token_hex(32) + "\n")
        return bytes.fromhex(path.read_text().strip())

    def students(self) -> list[str]:
        """Student ids that have a folder in submitted/."""
        submitted = self.folder("submitted")
        if not submitted.is_dir():
            return []
        return sorted(p.name for p in submitted.iterdir() if p.is_dir() and not p.name.startswith("."))
