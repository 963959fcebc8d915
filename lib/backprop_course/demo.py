"""`demo`: the whole instructor cycle on a throwaway copy of the course under build/course_demo/.

Copies nbgrader_config.py, course.toml and source/ (never the real gradebook or submissions), then
release -> simulated class zipped like an LMS download -> collect -> parallel autograde -> feedback
-> grades CSV and class report, and prints where everything is.
"""
from __future__ import annotations

import shutil
import time
import zipfile
from pathlib import Path

from .autograde import autograde, print_summary
from .classroom import simulated_class
from .collect import collect, print_collect_report
from .course import CONFIG_FILE, SETTINGS_FILE, Course
from .feedback import write_feedback
from .grades import write_grades_csv
from .release import release_assignment
from .report import write_class_report

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


def write_lms_zip(students, path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for student in students:
            for name, text in student.files.items():
                zf.writestr(name, text)
        zf.writestr(f"{students[0].student}_report11.html", "<html>HTML も一緒に提出された例</html>")
    return path


def run_demo(course_root: Path, build_dir: Path | None = None, jobs: int | None = None) -> Course:
    started = time.monotonic()
    real = Course.at(course_root)
    course = make_throwaway_course(real, build_dir or real.root / "build" / "course_demo")
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
    print(f"  gradebook:      {course.root / 'gradebook.db'} (formgrader: run `nbgrader formgrader` there)")
    print(f"== done in {time.monotonic() - started:.0f} s")
    return course
