"""Late work, shown: for one student's submission of an assignment, the columns of the grades CSV, the class
report's row and the sentences of the student's feedback (raw score, lateness, penalty, final score).

The lateness and the penalty are course.toml's (course/deadlines.py: the submission's time from collect, the
student's extension, the assignment's late policy), the same computation autograde's finish writes into the
gradebook for formgrader; a late submission is graded like any other and only then loses points.
"""
from __future__ import annotations

from ..course.deadlines import Lateness, course_timezone, deadline_text, late_text, late_text_ja, lateness
from ..course.folder import Course

LATE_COLUMNS = ["raw_total", "submitted_at", "time_source", "deadline", "late_by", "late_policy", "late_penalty"]


def submission_lateness(course: Course, assignment: str, student: str) -> Lateness:
    return lateness(course.settings, assignment, student, course.folder("submitted") / student / assignment)


def late_columns(course: Course, late: Lateness, raw: float | None) -> dict[str, str]:
    """The CSV's late columns for a row whose raw total is `raw` (None: no score to take points from)."""
    tz = course_timezone(course.settings)
    penalty = late.penalty(raw) if raw is not None else 0.0
    return {"raw_total": "" if raw is None else f"{raw:g}",
            "submitted_at": late.submitted.astimezone(tz).isoformat(timespec="seconds") if late.submitted else "",
            "time_source": late.source,
            "deadline": (late.due.astimezone(tz).isoformat(timespec="seconds")
                         + (" (extension)" if late.extension else "")) if late.due else "",
            "late_by": late_text(late.seconds_late),
            "late_policy": late.policy.describe() if late.seconds_late > 0 else "",
            "late_penalty": f"{penalty:g}" if late.seconds_late > 0 else ""}


def late_html_ja(course: Course, late: Lateness, raw: float | None, maximum: float) -> str:
    """The feedback's paragraph for a late submission ('' when it was on time)."""
    if late.seconds_late <= 0:
        return ""
    tz = course_timezone(course.settings)
    penalty = late.penalty(raw)
    final = "-" if raw is None else f"{raw - penalty:g} / {maximum:g}"
    due = deadline_text(late.due, tz) + (" (延長後の締切)" if late.extension else "")
    return (f"<p>提出日時: {deadline_text(late.submitted, tz)} / 締切: {due} / "
            f"<b>{late_text_ja(late.seconds_late)}の遅れ</b></p>"
            f"<p>遅れて提出されたため、採点したうえで減点しました: 減点前 {'-' if raw is None else f'{raw:g}'} 点, "
            f"減点 {penalty:g} 点, <b>最終得点 {final}</b></p>")
