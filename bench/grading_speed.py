"""Grading speed: `backprop-course autograde` (parallel) vs plain sequential `nbgrader autograde`.

Both grade the same simulated class (default 40 students x all four notebooks: reference answers,
untouched releases and realistic mistakes) in two identical throwaway copies of the course under
build/bench_grading/, in the same run. Prints both wall times, the speed-up (goal >= 1.7x on 2 cores)
and the overhead per notebook beyond the notebook's own cell execution time (goal <= 1 s).

    .venv/bin/python bench/grading_speed.py [--students 40] [--jobs N]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from backprop_course.autograde import autograde, default_jobs
from backprop_course.simulation.classroom import simulated_class
from backprop_course.collect import collect
from backprop_course.course import Course
from backprop_course.course.nbgrader_setup import prepare_nbgrader
from backprop_course.simulation.course_demo import make_throwaway_course, write_lms_zip
from backprop_course.release import release_assignment

prepare_nbgrader()  # as the CLI does at start-up: PATH and nbgrader's migration id

ROOT = Path(__file__).resolve().parents[1]


def prepared_course(folder: Path, students) -> Course:
    """A throwaway course with every assignment released and the class collected into submitted/."""
    course = make_throwaway_course(Course.at(ROOT), folder, cell_timeout=None)
    for assignment in course.assignments():
        release_assignment(course.root, assignment)
    if students is None:
        return course
    collect(course, write_lms_zip(students, folder / "class.zip"))
    return course


def plain_nbgrader(course: Course) -> float:
    """Seconds for `nbgrader autograde <assignment>` over every assignment, one after another."""
    nbgrader = Path(sys.executable).with_name("nbgrader")
    started = time.perf_counter()
    for assignment in course.assignments():
        subprocess.run([str(nbgrader), "autograde", assignment, "--force"], cwd=course.root, check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=default_jobs())
    args = parser.parse_args()
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    work = ROOT / "build" / "bench_grading"
    ours_course = prepared_course(work / "ours", None)
    students = simulated_class(ours_course, n_students=args.students, include_broken=False)
    collect(ours_course, write_lms_zip(students, work / "class.zip"))
    plain_course = prepared_course(work / "plain", students)

    started = time.perf_counter()
    statuses = autograde(ours_course, jobs=args.jobs, progress=True)
    ours = time.perf_counter() - started
    plain = plain_nbgrader(plain_course)

    graded = [s for s in statuses if s.execute_seconds > 0]
    cells = sum(s.cells_seconds for s in graded) / len(graded)
    worker = sum(s.execute_seconds - s.cells_seconds for s in graded) / len(graded)
    overhead = ours * args.jobs / len(graded) - cells
    print(f"\n{args.students} students, {len(graded)} notebooks, {args.jobs} workers, {os.cpu_count()} cores")
    print(f"plain nbgrader autograde (sequential): {plain:7.1f} s")
    print(f"backprop-course autograde (parallel):  {ours:7.1f} s")
    print(f"speed-up: {plain / ours:.2f}x  (goal >= 1.7x on 2 cores)")
    print(f"mean cell execution per notebook: {cells:.2f} s")
    print(f"overhead per notebook beyond its cells: {overhead:.2f} s of worker time "
          f"(kernel start/stop and I/O inside the worker: {worker:.2f} s)  (goal <= 1 s)")


if __name__ == "__main__":
    main()
