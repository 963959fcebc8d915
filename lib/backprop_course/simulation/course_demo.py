"""`demo`: the whole instructor cycle on a throwaway copy of the course under build/course_demo/.

Copies nbgrader_config.py, course.toml and source/ (never the real gradebook or submissions), then
release -> simulated class zipped like an LMS download -> collect -> parallel autograde -> a TA grades a
written answer -> feedback and its Moodle bundle -> grades CSV, Moodle CSV and class report, and prints where
everything is.

A term on its own clock: the demo never reads today's date. It releases a week before the course's first
deadline (course.toml's, passed to release as `now`) and stamps every file of the LMS download with the time the
LMS received it (the zip entry time collect reads): a day before the deadline, except one student who hands in
everything a day and two hours late (the throwaway course.toml gets a per-started-day penalty when the course
has no [late] policy) and one whose extension ([assignments.<a>.extensions]) covers a hand-in two days after
the deadline. A roster (roster.csv, with one enrolled student who hands in nothing) gives the Moodle CSV and the
feedback bundle their names and Moodle ids.

On a machine where grading kernels cannot be confined (no bubblewrap, not root), the THROWAWAY
course alone is set to grade unconfined (its simulated class is our own code), with the reason
printed and the sandbox's loud warning in every status; the real course keeps refusing.
"""
from __future__ import annotations

import csv
import re
import shutil
import time
import tomllib
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from .. import sandbox
from ..autograde import autograde, print_summary
from .classroom import grade_written_answer, simulated_class, time_hand_ins, written_answers
from ..collect import collect, print_collect_report
from ..course.deadlines import assignment_deadline, course_timezone, late_text
from ..course.folder import CONFIG_FILE, SETTINGS_FILE, Course
from ..course.status import load_statuses
from ..results.feedback import write_feedback
from ..results.grades import grade_rows, write_grades_csv
from ..results.lms import write_feedback_bundle, write_lms_grades
from ..release import release_assignment
from ..results.class_report import write_class_report
from ..results.written import written_grades_of

DEMO_CELL_TIMEOUT = 30  # seconds; the looping student costs this much of one worker
DEMO_LEAD = timedelta(days=7)  # the demo's clock: released this long before the first deadline
LATE_BY = timedelta(days=1, hours=2)  # the late student: two started days late
EXTENSION, EXTENDED_HAND_IN = timedelta(days=3), timedelta(days=2)  # after the deadline: inside the extension
LATE_POLICY = ('policy = "per_day"', "penalty_percent = 10")  # when the course has no [late] of its own
WRITTEN_POINTS_OFF = 1.0
WRITTEN_COMMENT = "要点はよくまとまっています。図から読み取った数値を引用して根拠を示すと、さらによくなります。"
ROSTER_FILE = "roster.csv"


def make_throwaway_course(real: Course, target: Path, cell_timeout: int | None = DEMO_CELL_TIMEOUT) -> Course:
    """A fresh copy of the course's configuration and sources at `target` (deleted first)."""
    if target.resolve() == real.root.resolve():
        raise ValueError("the throwaway course must not be the real course folder")
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for name in (CONFIG_FILE, SETTINGS_FILE):
        if (real.root / name).is_file():
            shutil.copy2(real.root / name, target / name)
    shutil.copytree(real.folder("source"), target / "source",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    if cell_timeout:
        with open(target / CONFIG_FILE, "a", encoding="utf-8") as config:
            config.write(f"\n# throwaway copy: shorter cell timeout\nc.Execute.timeout = {cell_timeout}\n")
    return Course.at(target)


SANDBOX_TABLE = "[grading.sandbox]"
UNCONFINED_KEY = re.compile(r"^\s*allow_unconfined\s*=.*$", re.MULTILINE)


def add_settings(settings_path: Path, table: str, lines: list[str], drop: re.Pattern | None = None) -> dict:
    """Put `lines` into [table] of a course.toml (the table added at the end when absent; lines matching `drop`
    removed first); returns the settings as written."""
    text = settings_path.read_text(encoding="utf-8") if settings_path.is_file() else ""
    text = drop.sub("", text) if drop else text
    header = re.compile(rf"^\[{re.escape(table)}\][ \t]*(#.*)?$", re.MULTILINE).search(text)
    block = "\n".join(lines)
    text = (text[:header.end()] + f"\n{block}" + text[header.end():]) if header else text + f"\n[{table}]\n{block}\n"
    settings_path.write_text(text, encoding="utf-8")
    return tomllib.loads(text)


def set_allow_unconfined(settings_path: Path) -> None:
    """Write `[grading.sandbox] allow_unconfined = true` into a course.toml (created if absent)."""
    line = "allow_unconfined = true  # throwaway demo course only: its simulated class is the project's own code"
    written = add_settings(settings_path, SANDBOX_TABLE.strip("[]"), [line], drop=UNCONFINED_KEY)
    if written.get("grading", {}).get("sandbox", {}).get("allow_unconfined") is not True:
        raise ValueError(f"{settings_path}: could not set [grading.sandbox] allow_unconfined = true")


def allow_unconfined_if_needed(course: Course, out=None) -> Course:
    """The throwaway course, set to grade unconfined (and saying why) when confinement cannot be set up
    here; unchanged when it can. Never call this on the real course."""
    try:
        sandbox.confinement(course.root, sandbox.Policy.from_settings(course.settings))
        return course
    except sandbox.SandboxUnavailable as refusal:
        print(f"== no confined grading on this machine: {refusal}\n"
              f"   the demo's throwaway course grades UNCONFINED (its students are simulated by this project); "
              f"{SANDBOX_TABLE} allow_unconfined = true written to {course.root / SETTINGS_FILE}. "
              "The real course keeps refusing.", file=out)
    set_allow_unconfined(course.root / SETTINGS_FILE)
    return Course.at(course.root)


def write_lms_zip(students, path: Path, tz=None) -> Path:
    """The class's files as an LMS download; a file with a time (student.times) gets it as its entry time,
    written in `tz` (the course's time zone, in which collect reads it); the others get the current time."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for student in students:
            for name, text in student.files.items():
                when = student.times.get(name)
                entry = zipfile.ZipInfo(name, when.astimezone(tz).timetuple()[:6]) if when else name
                zf.writestr(entry, text, compress_type=zipfile.ZIP_DEFLATED)
    return path


@dataclass
class Term:
    """The demo's term: its clock, the deadlines, who is late, who has an extension, whose written answer a TA
    grades (and which)."""

    clock: datetime
    deadlines: dict[str, datetime]
    late: str = ""
    extended: tuple[str, str] = ("", "")  # (student, assignment)
    written: tuple[str, tuple[str, str, str] | None] = ("", None)  # (student, (assignment, notebook, grade id))
    enrolled_only: str = ""  # on the roster, handed in nothing


def term_of(course: Course) -> Term:
    """The demo's clock, DEMO_LEAD before the first deadline (release refuses a missing deadline)."""
    deadlines = {a: assignment_deadline(course.settings, a) for a in course.assignments()}
    known = [due for due in deadlines.values() if due is not None]
    return Term(clock=min(known) - DEMO_LEAD if known else datetime.now(course_timezone(course.settings)),
                deadlines=deadlines)


def set_up_term(course: Course, term: Term, students) -> Course:
    """Choose the late student, the extension and the written answer; write them, a late policy and the roster
    into the throwaway course; stamp the class's files with their hand-in times. Returns the course re-read."""
    if len(students) < 4:
        raise ValueError("the demo's term needs a class of at least 4 students")
    answers = written_answers(course)
    extended_assignment = answers[0][0] if answers else course.assignments()[-1]
    term.written = (students[0].student, answers[0] if answers else None)  # the model solution
    term.late, term.extended = students[2].student, (students[3].student, extended_assignment)
    term.enrolled_only = f"s{int(students[-1].student[1:]) + 1}"
    settings_path = course.root / SETTINGS_FILE
    if "late" not in course.settings:
        add_settings(settings_path, "late", [*LATE_POLICY, "# the demo's late policy (throwaway course only)"])
    due = term.deadlines[extended_assignment] + EXTENSION
    add_settings(settings_path, f"assignments.{extended_assignment}.extensions",
                 [f"{term.extended[0]} = {due.isoformat()}  # the demo's extension"])
    with open(course.root / ROSTER_FILE, "w", newline="", encoding="utf-8-sig") as f:
        writer = csv.writer(f)
        writer.writerow(["student_id", "name", "lms_id", "email"])
        for number, sid in enumerate([s.student for s in students] + [term.enrolled_only], start=1):
            writer.writerow([sid, f"デモ 学生{number:02d}", str(9000 + number), f"{sid}@example.ac.jp"])
    add_settings(settings_path, "collect", [f'roster = "{ROSTER_FILE}"'],
                 drop=re.compile(r"^\s*roster\s*=.*$", re.MULTILINE))
    time_hand_ins(students, term.deadlines, {(term.late, None): LATE_BY,
                                             (term.extended[0], extended_assignment): EXTENDED_HAND_IN})
    return Course.at(course.root)


def print_term(course: Course, term: Term, pages: list[Path], moodle: list[Path], bundles: list) -> None:
    """Where the demo's term shows: the late student, the extension, the written answer, the LMS files."""
    rows = {(r["student"], r["assignment"]): r for r in grade_rows(course)[1]}
    grades = course.folder("grades") / "grades.csv"
    page = lambda student, assignment, notebook=None: next(
        (p for p in pages if p.parent == course.folder("feedback") / student / assignment
         and (notebook is None or p.stem == notebook)), None)
    print("== the term (the demo's clock, not today's date)")
    print(f"  released at:    {term.clock.isoformat(timespec='minutes')} (the demo's clock: "
          f"{DEMO_LEAD.days} days before the first deadline); deadlines "
          + ", ".join(f"{a} {due.isoformat(timespec='minutes')}" for a, due in term.deadlines.items()))
    for (student, assignment), row in sorted(rows.items()):
        if student != term.late or not row["late_by"]:
            continue
        shown = [p for p in pages if p.parent == course.folder("feedback") / student / assignment
                 and "最終得点" in p.read_text(encoding="utf-8")]
        print(f"  late student:   {student} {assignment}: handed in {row['submitted_at']} ({row['time_source']}), "
              f"{row['late_by']} late, {row['late_policy']}: raw {row['raw_total']}, penalty {row['late_penalty']}, "
              f"final {row['total']} / {row['max_score']} -> {grades} (raw_total, late_by, late_penalty, total); "
              f"feedback: {', '.join(map(str, shown)) or 'NO PAGE SHOWS IT'} (提出日時, 遅れ, 減点前, 減点, 最終得点)")
    student, assignment = term.extended
    row = rows.get((student, assignment), {})
    print(f"  extension:      {student} {assignment}: deadline {row.get('deadline', '?')} ([assignments.{assignment}."
          f"extensions] in {course.root / SETTINGS_FILE}); handed in {row.get('submitted_at', '?')}, "
          f"{late_text(EXTENDED_HAND_IN.total_seconds())} after the assignment's deadline, inside the extension: "
          f"{'late by ' + row['late_by'] if row.get('late_by') else 'not late, no penalty'}, final "
          f"{row.get('total', '?')} / {row.get('max_score', '?')} -> {grades}")
    student, answer = term.written
    if answer:
        shown = page(student, answer[0], answer[1])
        status = next(s for s in load_statuses(course, answer[0]).values()
                      if (s.student, s.notebook) == (student, answer[1]))
        grade = next(g for g in written_grades_of(course, status) if g.grade_id == answer[2])
        found = shown is not None and grade.comment in shown.read_text(encoding="utf-8")
        print(f"  written answer: {student} {answer[1]}:{answer[2]} scored {grade.score:g} / {grade.max_score:g} "
              f"with the comment 「{grade.comment}」 (set through nbgrader's Gradebook API, as formgrader does) -> "
              f"{shown} ({'under the answer and in the summary table' if found else 'NOT FOUND in the page'})")
    else:
        print("  written answer: none in this course (no solution cell with points)")
    for path in moodle:
        print(f"  Moodle CSV:     {path} (final scores; {term.enrolled_only}, enrolled, handed in nothing: 0, 未提出)")
    for bundle, left_out in bundles:
        with zipfile.ZipFile(bundle) as zf:
            count = len(zf.namelist())
        print(f"  feedback zip:   {bundle} ({count} students; not in it: "
              + (", ".join(f"{sid} ({why})" for sid, why in left_out) or "nobody") + ")")


def run_demo(course_root: Path, build_dir: Path | None = None, jobs: int | None = None,
             cell_timeout: int = DEMO_CELL_TIMEOUT) -> Course:
    started = time.monotonic()
    real = Course.at(course_root)
    course = allow_unconfined_if_needed(make_throwaway_course(real, build_dir or real.root / "build" / "course_demo",
                                                              cell_timeout))
    print(f"== throwaway course: {course.root}")
    term = term_of(course)
    for assignment in course.assignments():
        for path in release_assignment(course.root, assignment, now=term.clock):
            print(f"released {path.relative_to(course.root)}")
    students = simulated_class(course)
    course = set_up_term(course, term, students)
    print("== simulated class")
    for student in students:
        print(f"  {student.student}: {student.description}")
    print(f"  late: {term.late} (every file {late_text(LATE_BY.total_seconds())} after the deadline); extension: "
          f"{term.extended[0]} ({term.extended[1]} by {late_text(EXTENSION.total_seconds())}, handed in "
          f"{late_text(EXTENDED_HAND_IN.total_seconds())} after the deadline); on the roster, nothing handed in: "
          f"{term.enrolled_only}; every other file a day before its deadline")
    delivery = write_lms_zip(students, course.root / "lms_download.zip", course_timezone(course.settings))
    print(f"== collect {delivery.name}")
    print_collect_report(collect(course, delivery))
    print("== autograde")
    statuses = autograde(course, jobs=jobs)
    print_summary(statuses)
    student, answer = term.written
    if answer:  # the TA grades one written answer in formgrader
        grade_written_answer(course, answer, student, WRITTEN_POINTS_OFF, WRITTEN_COMMENT)
    feedback = write_feedback(course)
    bundles = [write_feedback_bundle(course, a, feedback) for a in course.assignments()]
    csv_path = write_grades_csv(course)
    moodle = [write_lms_grades(course, a, "moodle") for a in course.assignments()]
    report = write_class_report(course)
    print("== results")
    print(f"  submissions:    {course.folder('submitted')}")
    print(f"  graded:         {course.folder('autograded')}")
    print(f"  statuses:       {course.folder('grading_status')}")
    print(f"  feedback:       {len(feedback)} pages under {course.folder('feedback')}")
    print(f"  grades CSV:     {csv_path}")
    print(f"  class report:   {report}")
    print(f"  gradebook:      {course.gradebook_label} (formgrader: run `nbgrader formgrader` there)")
    print_term(course, term, feedback, moodle, bundles)
    print(f"== done in {time.monotonic() - started:.0f} s")
    return course
