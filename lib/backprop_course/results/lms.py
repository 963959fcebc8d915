"""Grades and feedback back into the LMS: the class list, the import CSVs and the feedback zip.

Who is enrolled: the roster, `[collect] roster = "roster.csv"` in course.toml (a path from the course root):
a CSV (UTF-8, a BOM allowed) with a header and the columns `student_id` (required), `name` (the full name as
the LMS shows it), `lms_id` (Moodle's participant id, the number in its download folders) and `email`;
Moodle's participants export renamed to these four headers will do. Students of `[collect.participants]`
(Moodle id -> student id) are enrolled too. An enrolled student with no submission appears as `not_submitted`.

`grades --format moodle` (grades/moodle_<assignment>.csv; Moodle: Grades -> Import -> CSV file, map
"ID number" to the user's ID number (学籍番号), the assignment column to the grade item, "Feedback" to its
feedback): `ID number, Email address, Full name, <assignment>, Feedback`. The grade is the final score
(late penalty taken); it is empty (left unchanged by Moodle) when grading failed, 0 when nothing was handed in,
and Feedback says which (未提出 / 採点できず) and any lateness.
`grades --format csv` (grades/lms_<assignment>.csv), keyed by student id: `student_id, name, email, assignment,
score, max_score, status, raw_score, late_by, late_penalty`. Both are UTF-8 with a BOM (Excel reads Japanese).

`feedback --bundle` (grades/feedback_<assignment>.zip; Moodle: the assignment's "Upload multiple feedback files
in a zip"): one file per student, `<full name>_<lms id>_assignsubmission_file_/feedback_<assignment>.html`, the
folder name Moodle's own download uses and matches back by its participant id; the file holds every notebook's
feedback page. Students whose feedback cannot be bundled (no page, no Moodle id) are listed with the reason.
"""
from __future__ import annotations

import csv
import html
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..course.folder import Course, CourseError
from .grades import grade_rows

NOT_SUBMITTED_ROW = "not_submitted"


@dataclass(frozen=True)
class Person:
    student_id: str
    name: str = ""
    lms_id: str = ""
    email: str = ""


def roster(course: Course) -> dict[str, Person]:
    """Enrolled students by id: the roster CSV, then [collect.participants] (Moodle id -> student id)."""
    people: dict[str, Person] = {}
    settings = course.settings.get("collect", {})
    if "roster" in settings:
        path = course.root / settings["roster"]
        if not path.is_file():
            raise CourseError(f"{course.root / 'course.toml'}: collect.roster: {path} does not exist")
        with open(path, encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            if "student_id" not in (reader.fieldnames or []):
                raise CourseError(f"{path}: the roster needs a student_id column (and may have name, lms_id, email)")
            for row in reader:
                sid = (row.get("student_id") or "").strip().lower()
                if sid:
                    people[sid] = Person(sid, *((row.get(k) or "").strip() for k in ("name", "lms_id", "email")))
    for lms_id, sid in settings.get("participants", {}).items():
        sid = str(sid).lower()
        known = people.get(sid, Person(sid))
        people[sid] = Person(sid, known.name, known.lms_id or str(lms_id), known.email)
    return people


def class_rows(course: Course, assignment: str) -> list[dict]:
    """The grades rows of `assignment` plus a not_submitted row for every enrolled student without one."""
    _, rows = grade_rows(course, assignment)
    seen = {r["student"] for r in rows}
    return rows + [{"student": sid, "assignment": assignment, "total": "0", "raw_total": "", "status": NOT_SUBMITTED_ROW,
                    "late_by": "", "late_penalty": "", "max_score": "", "nothing": True} for sid in sorted(set(roster(course)) - seen)]


def _feedback_text(row: dict) -> str:
    parts = ["未提出"] if row.get("nothing") else ["採点できず (教員が確認します)"] if row["status"] == "not_gradable" else []
    if row.get("late_by"):
        parts.append(f"遅れ {row['late_by']}: 減点 {row['late_penalty']} 点 (減点前 {row['raw_total']} 点)")
    return "; ".join(parts)


def write_lms_grades(course: Course, assignment: str, form: str, path: Path | None = None) -> Path:
    """Write the `form` ("moodle" or "csv") grades file of one assignment (UTF-8 with BOM); returns its path."""
    course.require_assignment(assignment)
    people = roster(course)
    title = course.assignment_settings(assignment).get("title", assignment)
    if form == "moodle":
        header = ["ID number", "Email address", "Full name", title, "Feedback"]
        line = lambda r, p: [r["student"], p.email, p.name, r["total"], _feedback_text(r)]
    elif form == "csv":
        header = ["student_id", "name", "email", "assignment", "score", "max_score", "status", "raw_score", "late_by",
                  "late_penalty"]
        line = lambda r, p: [r["student"], p.name, p.email, assignment, r["total"], r["max_score"], r["status"],
                             r["raw_total"], r["late_by"], r["late_penalty"]]
    else:
        raise CourseError(f"unknown grades format {form!r}: moodle or csv")
    path = path or course.folder("grades") / f"{'moodle' if form == 'moodle' else 'lms'}_{assignment}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8-sig") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for row in class_rows(course, assignment):
            writer.writerow(line(row, people.get(row["student"], Person(row["student"]))))
    return path


def write_feedback_bundle(course: Course, assignment: str, pages: list[Path]) -> tuple[Path, list[tuple[str, str]]]:
    """Zip one feedback file per student for Moodle; returns the zip and (student, reason) for those left out."""
    course.require_assignment(assignment)
    people = roster(course)
    by_student: dict[str, list[Path]] = {}
    for page in pages:
        if page.parent.name == assignment:
            by_student.setdefault(page.parent.parent.name, []).append(page)
    left_out = [(sid, "no feedback page (nothing graded for this student)")
                for sid in sorted(set(people) - set(by_student))]
    bundle = course.folder("grades") / f"feedback_{assignment}.zip"
    bundle.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(bundle, "w", zipfile.ZIP_DEFLATED) as zf:
        for sid in sorted(by_student):
            person = people.get(sid, Person(sid))
            if not person.lms_id:
                left_out.append((sid, "no Moodle participant id (add lms_id to the roster or [collect.participants])"))
                continue
            frames = "".join(f"<h2>{html.escape(p.stem)}</h2><iframe style='width:100%;height:90vh;border:1px solid #ccc' "
                             f"srcdoc=\"{html.escape(p.read_text(encoding='utf-8'))}\"></iframe>"
                             for p in sorted(by_student[sid]))
            page = (f"<!DOCTYPE html><html lang='ja'><head><meta charset='utf-8'><title>{html.escape(sid)} "
                    f"{html.escape(assignment)} 採点結果</title></head><body>{frames}</body></html>")
            folder = f"{person.name or sid}_{person.lms_id}_assignsubmission_file_"
            zf.writestr(f"{folder}/feedback_{assignment}.html", page)
    return bundle, sorted(left_out)
