"""`demo`: the whole instructor cycle on a throwaway copy of the course under build/course_demo/.

Copies nbgrader_config.py, course.toml and source/ (never the real gradebook or submissions), then
release -> simulated class zipped like an LMS download -> collect -> parallel autograde -> feedback
-> grades CSV and class report, and prints where everything is.

On a machine where grading kernels cannot be confined (no bubblewrap, not root), the THROWAWAY
course alone is set to grade unconfined (its simulated class is our own code), with the reason
printed and the sandbox's loud warning in every status; the real course keeps refusing.
"""
from __future__ import annotations

import re
import shutil
import time
import tomllib
import zipfile
from pathlib import Path

from .. import sandbox
from ..autograde import autograde, print_summary
from .classroom import simulated_class
from ..collect import collect, print_collect_report
from ..course.folder import CONFIG_FILE, SETTINGS_FILE, Course
from ..results.feedback import write_feedback
from ..results.grades import write_grades_csv
from ..release import release_assignment
from ..results.class_report import write_class_report

DEMO_CELL_TIMEOUT = 30  # seconds; the looping student costs this much of one worker


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


def set_allow_unconfined(settings_path: Path) -> None:
    """Write `[grading.sandbox] allow_unconfined = true` into a course.toml (created if absent)."""
    text = settings_path.read_text(encoding="utf-8") if settings_path.is_file() else ""
    text = UNCONFINED_KEY.sub("", text)
    line = "allow_unconfined = true  # throwaway demo course only: its simulated class is the project's own code"
    if SANDBOX_TABLE in text:
        text = text.replace(SANDBOX_TABLE, f"{SANDBOX_TABLE}\n{line}", 1)
    else:
        text += f"\n{SANDBOX_TABLE}\n{line}\n"
    settings_path.write_text(text, encoding="utf-8")
    written = tomllib.loads(text).get("grading", {}).get("sandbox", {}).get("allow_unconfined")
    if written is not True:
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


def write_lms_zip(students, path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for student in students:
            for name, text in student.files.items():
                zf.writestr(name, text)
    return path


def run_demo(course_root: Path, build_dir: Path | None = None, jobs: int | None = None) -> Course:
    started = time.monotonic()
    real = Course.at(course_root)
    course = allow_unconfined_if_needed(make_throwaway_course(real, build_dir or real.root / "build" / "course_demo"))
    print(f"== throwaway course: {course.root}")
    for assignment in course.assignments():
        for path in release_assignment(course.root, assignment):
            print(f"released {path.relative_to(course.root)}")
    students = simulated_class(course)
    print("== simulated class")
    for student in students:
        print(f"  {student.student}: {student.description}")
    delivery = write_lms_zip(students, course.root / "lms_download.zip")
    print(f"== collect {delivery.name}")
    print_collect_report(collect(course, delivery))
    print("== autograde")
    statuses = autograde(course, jobs=jobs)
    print_summary(statuses)
    feedback = write_feedback(course)
    csv_path = write_grades_csv(course)
    report = write_class_report(course)
    print("== results")
    print(f"  submissions:    {course.folder('submitted')}")
    print(f"  graded:         {course.folder('autograded')}")
    print(f"  statuses:       {course.folder('grading_status')}")
    print(f"  feedback:       {len(feedback)} pages under {course.folder('feedback')}")
    print(f"  grades CSV:     {csv_path}")
    print(f"  class report:   {report}")
    print(f"  gradebook:      {course.gradebook_label} (formgrader: run `nbgrader formgrader` there)")
    print(f"== done in {time.monotonic() - started:.0f} s")
    return course
