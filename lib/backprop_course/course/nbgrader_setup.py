"""Setting nbgrader up for this tool: done once, visibly, by the CLI's start-up (and the test set-up).

Nothing here runs at import time. `prepare_nbgrader()` changes three things outside this package:
- PATH gets this environment's scripts folder, because nbgrader runs `alembic` and kernels run
  `python` from PATH;
- nbgrader learns its newest database migration id in-process. Every time nbgrader creates a
  gradebook it stamps it with that id, obtained by running `alembic heads` in a new interpreter:
  seconds each time, tens of seconds on a busy machine. The same id is read from nbgrader's own
  migration scripts instead;
- SQLAlchemy's SAWarning, which nbgrader's gradebook code raises on every autograde, is not shown.
`coursedir_for` builds nbgrader's CourseDirectory from a course's configuration.
"""
from __future__ import annotations

import os
import sys
import warnings
from functools import lru_cache

from .folder import Course


@lru_cache(maxsize=None)
def alembic_head() -> str:
    """The id of the newest migration shipped with the installed nbgrader."""
    import nbgrader
    from alembic.script import ScriptDirectory
    return ScriptDirectory(os.path.join(os.path.dirname(nbgrader.__file__), "alembic")).get_current_head()


def put_scripts_on_path() -> None:
    """nbgrader runs `alembic` (and kernels run `python`) from PATH: make this environment's scripts found."""
    scripts = os.path.dirname(sys.executable)
    if scripts not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = scripts + os.pathsep + os.environ.get("PATH", "")


def install_alembic_head() -> None:
    """Make nbgrader stamp new gradebooks without an `alembic heads` subprocess."""
    import nbgrader.api
    nbgrader.api.get_alembic_version = alembic_head


def alembic_head_installed() -> bool:
    """True when `install_alembic_head` has patched nbgrader in this process."""
    api = sys.modules.get("nbgrader.api")
    return api is not None and getattr(api, "get_alembic_version", None) is alembic_head


def silence_gradebook_warnings() -> None:
    """nbgrader's gradebook code makes SQLAlchemy 2 warn ("Object of type ... not in session") on every autograde:
    noise for the instructor, not a problem of the course. Only that warning class is silenced."""
    from sqlalchemy.exc import SAWarning
    warnings.filterwarnings("ignore", category=SAWarning)


def prepare_nbgrader() -> None:
    """Everything the instructor's commands need from the environment (idempotent)."""
    put_scripts_on_path()
    install_alembic_head()
    silence_gradebook_warnings()


def coursedir_for(course: Course, **overrides):
    """An nbgrader CourseDirectory configured from the course's nbgrader_config.py."""
    from nbgrader.coursedir import CourseDirectory
    coursedir = CourseDirectory(config=course.nbgrader_config)
    for name, value in overrides.items():
        setattr(coursedir, name, value)
    return coursedir
