"""Deadlines, submission times and the late policy, as course.toml states them.

    [course]
    timezone = "Asia/Tokyo"                       # the default; how local date-times and zip times are read

    [assignments.report11]
    deadline = 2027-07-19T10:30:00                # a TOML date-time, not a string (local: in [course] timezone)

    [late]                                        # every assignment; [assignments.<name>.late] replaces it
    policy = "per_day"                            # "none" | "per_hour" | "per_day" | "cutoff"
    penalty_percent = 10                          # of the raw score, per started hour / day late
    cutoff = 2027-07-26T10:30:00                  # optional (required by "cutoff"): later work scores 0

    [assignments.report11.extensions]             # per student: his own deadline (the cut-off moves with it)
    s1234567 = 2027-07-22T10:30:00

The text students read ({{deadline}}) is made from the date-time, weekday included, so it cannot be
hand-typed wrong: 2026-07-19T10:30 is 「7/19(日) 10:30」. nbgrader's conventions carry the times: the
assignment's `duedate` in the gradebook, each submission's `timestamp.txt` (UTC) and `extension`, so
nbgrader's `total_seconds_late` (what formgrader shows) is the lateness the penalty is computed from.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .files import write_atomic

DEFAULT_TIMEZONE = "Asia/Tokyo"
WEEKDAYS_JA = "月火水木金土日"
TIMESTAMP_FILE = "timestamp.txt"  # nbgrader's name; its format "%Y-%m-%d %H:%M:%S.%f %Z", written in UTC
TIME_SOURCE_FILE = "submission_time.json"  # where the time came from (ours, beside nbgrader's file)
POLICIES = ("none", "per_hour", "per_day", "cutoff")
UNIT_SECONDS = {"per_hour": 3600, "per_day": 86400}


class DeadlineError(ValueError):
    """A deadline, extension or late policy that cannot be used (the message names the setting)."""


def course_timezone(settings: dict) -> ZoneInfo:
    name = settings.get("course", {}).get("timezone", DEFAULT_TIMEZONE)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise DeadlineError(f"[course] timezone: unknown time zone {name!r} (e.g. \"Asia/Tokyo\")") from err


def aware(value, tz: ZoneInfo, where: str) -> datetime:
    """A TOML date-time as an aware datetime: its own offset, else `tz`."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    if isinstance(value, date):
        raise DeadlineError(f"{where}: {value} has no time of day; write e.g. {value}T10:30:00")
    shown = f"the string {value!r}" if isinstance(value, str) else f"{type(value).__name__} {value!r}"
    raise DeadlineError(f"{where}: expected a date-time such as 2027-07-19T10:30:00 (no quotes), got {shown}")


def deadline_text(due: datetime, tz: ZoneInfo | None = None) -> str:
    """What students read: 「7/19(日) 10:30」 (month/day, the weekday computed, 24-hour time, in `tz`)."""
    local = due.astimezone(tz or ZoneInfo(DEFAULT_TIMEZONE))
    return f"{local.month}/{local.day}({WEEKDAYS_JA[local.weekday()]}) {local:%H:%M}"


def assignment_deadline(settings: dict, assignment: str) -> datetime | None:
    """The assignment's deadline (aware), or None when course.toml gives none."""
    value = settings.get("assignments", {}).get(assignment, {}).get("deadline")
    if value is None:
        return None
    return aware(value, course_timezone(settings), f"[assignments.{assignment}] deadline")


def release_deadline(settings: dict, assignment: str, now: datetime | None = None) -> datetime:
    """The deadline to release with; DeadlineError when it is missing or already past at `now`."""
    due = assignment_deadline(settings, assignment)
    if due is None:
        raise DeadlineError(f"[assignments.{assignment}] deadline is missing: write e.g. "
                            f"deadline = 2027-07-19T10:30:00 in course.toml (time zone: [course] timezone, "
                            f"default {DEFAULT_TIMEZONE})")
    now = now or datetime.now(timezone.utc)
    if due <= now:
        tz = course_timezone(settings)
        raise DeadlineError(f"[assignments.{assignment}] deadline {due.isoformat()} ({deadline_text(due, tz)}) is "
                            f"already past (now {now.astimezone(tz):%Y-%m-%d %H:%M}): set this term's deadline")
    return due


def extension_of(settings: dict, assignment: str, student: str) -> timedelta | None:
    """How much later `student`'s deadline is ([assignments.<a>.extensions]), or None."""
    table = settings.get("assignments", {}).get(assignment, {}).get("extensions", {})
    if student not in table:
        return None
    where = f"[assignments.{assignment}.extensions] {student}"
    due = assignment_deadline(settings, assignment)
    if due is None:
        raise DeadlineError(f"{where}: an extension needs the assignment's deadline")
    extended = aware(table[student], course_timezone(settings), where)
    if extended <= due:
        raise DeadlineError(f"{where}: {extended.isoformat()} is not after the deadline {due.isoformat()}")
    return extended - due


@dataclass(frozen=True)
class LatePolicy:
    """How late work loses points: a percentage of the raw score per started hour or day, and/or zero after a
    cut-off (`cutoff_after`: seconds after the deadline)."""

    policy: str = "none"
    penalty_percent: float = 0.0
    cutoff_after: float | None = None

    def fraction(self, seconds_late: float) -> float:
        """The share of the raw score taken for work `seconds_late` after the (student's) deadline."""
        if seconds_late <= 0 or self.policy == "none":
            return 0.0
        if self.cutoff_after is not None and seconds_late > self.cutoff_after:
            return 1.0
        if self.policy in UNIT_SECONDS:
            units = math.ceil(seconds_late / UNIT_SECONDS[self.policy])
            return min(1.0, units * self.penalty_percent / 100)
        return 0.0

    def penalty(self, raw: float | None, seconds_late: float) -> float:
        return round((raw or 0.0) * self.fraction(seconds_late), 6)

    def describe(self) -> str:
        parts = {"none": ["no penalty"], "cutoff": []}.get(
            self.policy, [f"{self.penalty_percent:g}% per started {self.policy.removeprefix('per_')}"])
        if self.cutoff_after is not None:
            parts.append(f"0 after {late_text(self.cutoff_after)}")
        return ", ".join(parts)


def late_policy(settings: dict, assignment: str) -> LatePolicy:
    """[assignments.<a>.late], else [late], else no penalty."""
    own = settings.get("assignments", {}).get(assignment, {}).get("late")
    where = f"[assignments.{assignment}.late]" if own is not None else "[late]"
    table = own if own is not None else settings.get("late", {})
    policy = table.get("policy", "none")
    if policy not in POLICIES:
        raise DeadlineError(f"{where} policy: {policy!r} is not one of {', '.join(POLICIES)}")
    percent = table.get("penalty_percent", 0)
    if isinstance(percent, bool) or not isinstance(percent, (int, float)) or not 0 <= percent <= 100:
        raise DeadlineError(f"{where} penalty_percent: a number from 0 to 100, not {percent!r}")
    if policy in UNIT_SECONDS and "penalty_percent" not in table:
        raise DeadlineError(f"{where}: policy {policy!r} needs penalty_percent")
    cutoff_after = None
    if "cutoff" in table:
        due = assignment_deadline(settings, assignment)
        if due is None:
            raise DeadlineError(f"{where} cutoff: the assignment {assignment} has no deadline")
        cutoff = aware(table["cutoff"], course_timezone(settings), f"{where} cutoff")
        cutoff_after = (cutoff - due).total_seconds()
        if cutoff_after < 0:
            raise DeadlineError(f"{where} cutoff: {cutoff.isoformat()} is before the deadline {due.isoformat()}")
    elif policy == "cutoff":
        raise DeadlineError(f"{where}: policy \"cutoff\" needs cutoff = <date-time>")
    return LatePolicy(policy, float(percent), cutoff_after)


def late_text(seconds: float) -> str:
    """`1 d 3 h 5 min` (the instructor's), rounded up to the minute; '' for on time."""
    if seconds <= 0:
        return ""
    minutes = math.ceil(seconds / 60)
    days, rest = divmod(minutes, 1440)
    hours, minutes = divmod(rest, 60)
    return " ".join(f"{n} {unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "min")) if n) or "0 min"


def late_text_ja(seconds: float) -> str:
    """「1日3時間5分」 (the student's), rounded up to the minute."""
    minutes = math.ceil(max(seconds, 0) / 60)
    days, rest = divmod(minutes, 1440)
    hours, minutes = divmod(rest, 60)
    return "".join(f"{n}{unit}" for n, unit in ((days, "日"), (hours, "時間"), (minutes, "分")) if n) or "0分"


# --- submission times: submitted/<student>/<assignment>/timestamp.txt (nbgrader's) and submission_time.json ---

def write_submission_time(folder: Path, when: datetime, source: str, found: str) -> None:
    """Record when a submission was handed in: nbgrader's timestamp.txt (UTC) and where the time came from.
    A later time already recorded (an earlier collect of a newer file) is kept."""
    previous = read_submission_time(folder)
    if previous and previous["time"] >= when:
        return
    utc = when.astimezone(timezone.utc)
    write_atomic(folder / TIMESTAMP_FILE, utc.strftime("%Y-%m-%d %H:%M:%S.%f UTC"))
    write_atomic(folder / TIME_SOURCE_FILE, json.dumps({"time": when.isoformat(), "source": source, "file": found},
                                                       ensure_ascii=False, indent=1))


def read_submission_time(folder: Path) -> dict | None:
    """{"time": aware datetime, "source": ..., "file": ...} or None when nothing was recorded."""
    path = folder / TIME_SOURCE_FILE
    if not path.is_file():
        return None
    data = json.loads(path.read_text("utf-8"))
    data["time"] = datetime.fromisoformat(data["time"])
    return data


def submission_time(folder: Path) -> tuple[datetime | None, str]:
    """(when, where the time came from) of submitted/<student>/<assignment>/: collect's record, else a bare
    nbgrader timestamp.txt (nbgrader's own exchange writes one), else (None, "")."""
    recorded = read_submission_time(folder)
    if recorded:
        return recorded["time"], recorded["source"]
    if (folder / TIMESTAMP_FILE).is_file():
        from nbgrader.utils import parse_utc
        return parse_utc((folder / TIMESTAMP_FILE).read_text().strip()).replace(tzinfo=timezone.utc), TIMESTAMP_FILE
    return None, ""


@dataclass(frozen=True)
class Lateness:
    """One submission against its deadline: when it came (and from what), the student's own deadline
    (extension included), how late, and the policy that turns lateness into a penalty."""

    submitted: datetime | None
    source: str
    due: datetime | None
    extension: timedelta | None
    seconds_late: float
    policy: LatePolicy

    def penalty(self, raw: float | None) -> float:
        return self.policy.penalty(raw, self.seconds_late)


def lateness(settings: dict, assignment: str, student: str, folder: Path) -> Lateness:
    """How late `student`'s submission of `assignment` (its folder in submitted/) is, under course.toml."""
    submitted, source = submission_time(folder)
    due = assignment_deadline(settings, assignment)
    extension = extension_of(settings, assignment, student)
    if due is not None and extension is not None:
        due = due + extension
    seconds = max(0.0, (submitted - due).total_seconds()) if submitted and due else 0.0
    return Lateness(submitted, source, due, extension, seconds, late_policy(settings, assignment))


def utc_naive(when: datetime) -> datetime:
    """nbgrader stores times as naive UTC."""
    return when.astimezone(timezone.utc).replace(tzinfo=None)


__all__ = ["DeadlineError", "LatePolicy", "Lateness", "lateness", "submission_time", "assignment_deadline", "course_timezone", "deadline_text", "extension_of",
           "late_policy", "late_text", "late_text_ja", "read_submission_time", "release_deadline",
           "write_submission_time", "utc_naive"]
