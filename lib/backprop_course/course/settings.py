"""What course.toml may hold, checked when it is read: an unknown key (a typo), a wrong type or an unusable value
is a CourseError naming the file and the key (the CLI exits 2 with it), never a traceback later.

`SCHEMA` is the one list of settings: a table is a dict of key -> type (or nested table); the key "*" stands
for any name (student ids, assignment names, placeholders). [grading.sandbox] is checked for types here and
for its names and ranges by sandbox/policy.py.
"""
from __future__ import annotations

import difflib
import re
from datetime import datetime
from pathlib import Path

from .deadlines import DeadlineError, assignment_deadline, course_timezone, extension_of, late_policy

SCALAR = (str, int, float)
LATE = {"policy": str, "penalty_percent": (int, float), "cutoff": datetime}
SCHEMA = {
    "course": {"title": str, "mathjax_url": str, "mathjax_local": str, "timezone": str},
    "placeholders": {"*": SCALAR},
    "late": LATE,
    "assignments": {"*": {"title": str, "deadline": datetime, "late": LATE, "extensions": {"*": datetime},
                          "placeholders": {"*": SCALAR}}},
    "collect": {"student_id_pattern": str, "participants": {"*": (str, int)}, "roster": str},
    "grading": {"sandbox": {"*": (int, bool)}, "cluster": str},  # cluster: a Dask scheduler (autograde)
}
TYPE_NAMES = {str: "a string", int: "an integer", float: "a number", bool: "true or false",
              datetime: "a date-time such as 2027-07-19T10:30:00 (no quotes)", dict: "a table"}


def _type_text(expected) -> str:
    kinds = expected if isinstance(expected, tuple) else (expected,)
    return " or ".join(dict.fromkeys(TYPE_NAMES[k] for k in kinds))


def _fits(value, expected) -> bool:
    kinds = expected if isinstance(expected, tuple) else (expected,)
    if isinstance(value, bool):
        return bool in kinds
    if isinstance(value, int) and float in kinds:
        return True
    return isinstance(value, kinds)


def _check(table: dict, schema: dict, where: list[str], errors: list[str]) -> None:
    for key, value in table.items():
        expected = schema.get(key, schema.get("*"))
        name = ".".join([*where, str(key)])
        if expected is None:
            close = difflib.get_close_matches(str(key), [k for k in schema if k != "*"], n=1)
            errors.append(f"unknown key {name!r}" + (f" (did you mean {'.'.join([*where, close[0]])!r}?)" if close
                                                     else f"; known here: {', '.join(k for k in schema if k != '*')}"))
        elif isinstance(expected, dict):
            if isinstance(value, dict):
                _check(value, expected, [*where, str(key)], errors)
            else:
                errors.append(f"{name} must be a table ([{name}]), not {value!r}")
        elif not _fits(value, expected):
            errors.append(f"{name} must be {_type_text(expected)}, not {type(value).__name__} {value!r}")


def _check_values(settings: dict, errors: list[str]) -> None:
    try:
        course_timezone(settings)
        if "cutoff" not in settings.get("late", {}):  # [late] itself (a cutoff is checked per assignment)
            late_policy({"late": settings.get("late", {})}, "")
        for assignment, table in settings.get("assignments", {}).items():
            assignment_deadline(settings, assignment)
            late_policy(settings, assignment)
            for student in table.get("extensions", {}):
                extension_of(settings, assignment, student)
    except DeadlineError as err:
        errors.append(str(err))
    pattern = settings.get("collect", {}).get("student_id_pattern")
    if isinstance(pattern, str):
        try:
            re.compile(pattern)
        except re.error as err:
            errors.append(f"collect.student_id_pattern is not a regular expression: {err}")


def check_settings(settings: dict, path: Path) -> None:
    """CourseError (from the caller's module) listing every problem of `settings`, read from `path`."""
    errors: list[str] = []
    _check(settings, SCHEMA, [], errors)
    if not errors:
        _check_values(settings, errors)
    if errors:
        from .folder import CourseError
        raise CourseError(f"{path}: " + ("\n  ".join(["", *errors]) if len(errors) > 1 else errors[0]))
