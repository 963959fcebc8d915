"""Load benchmark: a simulated class of 200 students autograded, confined, with every grade accounted for.

The class (tests/hostile/classroom.py: the toy notebook plus the guarded cells, cells 8 s, CPU 15 s):
60% reference solutions, 20% realistic wrong answers, 20% hostile submissions cycling through the
hostile corpus. Prints the wall time, the throughput, the counts per status, and checks that every
good student has full marks, every hostile case its expected outcome, and that no grade is lost
(every student has a status; gradebook scores equal the statuses; ungradable means no score).
Exit status 1 when a check fails. Not part of CI (minutes on 2 cores).

    sudo .venv/bin/python bench/load_200.py [--students 200] [--jobs N] [--keep DIR]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from backprop_course.autograde import autograde, default_jobs  # noqa: E402
from backprop_course.course import Course  # noqa: E402
from backprop_course.course.nbgrader_setup import prepare_nbgrader  # noqa: E402
from backprop_course.simulation.edits import with_source  # noqa: E402
from backprop_course.simulation.toy_course import ASSIGNMENT  # noqa: E402
from hostile.classroom import NOTEBOOK, build_course, leaked, lost_grades, reference, submit  # noqa: E402
from hostile.corpus import FULL, KNOWN_GAPS, cases  # noqa: E402

prepare_nbgrader()  # as the CLI does at start-up: PATH and nbgrader's migration id

WRONG_ANSWERS = {
    "derivative_of_g": ("sigmoid_grad", "def sigmoid_grad(h):\n    return np.exp(-h) / (1 + np.exp(-h)) ** 2"),
    "no_minus_sign": ("sigmoid", "def sigmoid(g):\n    return 1.0 / (1.0 + np.exp(g))"),
    "identity": ("sigmoid", "def sigmoid(g):\n    return g"),
}


def simulate_class(root: Path, size: int) -> dict:
    """Hand in `size` submissions; returns {student: expected (state, score) or None when not fixed}."""
    good = reference(root)
    hostile = [c for c in cases(str(root)) if c.name not in KNOWN_GAPS]
    expected = {}
    for index in range(size):
        student = f"s{index:04d}"
        kind = index % 10
        if kind < 6:
            submit(root, student, {f"{NOTEBOOK}.ipynb": good})
            expected[student] = FULL
        elif kind < 8:
            name = list(WRONG_ANSWERS)[index % len(WRONG_ANSWERS)]
            cell, source = WRONG_ANSWERS[name]
            submit(root, student, {f"{NOTEBOOK}.ipynb": with_source(good, cell, source)})
            expected[student] = None  # any honest score; checked through the gradebook
        else:
            case = hostile[index % len(hostile)]
            submit(root, student, case.build(good))
            expected[student] = case.expected
    return expected


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=default_jobs())
    parser.add_argument("--keep", type=Path, help="build the course here and keep it (default: a temporary folder)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="load200-") as scratch:
        root = build_course((args.keep or Path(scratch)) / "course")
        expected = simulate_class(root, args.students)
        started = time.perf_counter()
        statuses = autograde(Course.at(root), ASSIGNMENT, jobs=args.jobs, progress=True)
        seconds = time.perf_counter() - started
        got = {s.student: (s.state, s.score) for s in statuses}
        wrong = {st: (got.get(st), want) for st, want in expected.items() if want is not None and got.get(st) != want}
        leaks = [st for st in expected if leaked(root, st)]
        lost = lost_grades(root, statuses, list(expected))
    print(f"\n{len(expected)} students, {args.jobs} workers: {seconds:.1f} s "
          f"({seconds / len(expected):.2f} s per student, {len(expected) / seconds * 60:.0f} students/min)")
    print("statuses: " + ", ".join(f"{state} {count}" for state, count in sorted(Counter(s.state for s in statuses).items())))
    print(f"unexpected outcomes: {len(wrong)}  leaks: {len(leaks)}  grades lost: {len(lost)}")
    for student, (now, want) in sorted(wrong.items()):
        print(f"  {student}: got {now}, expected {want}")
    return 1 if wrong or leaks or lost else 0


if __name__ == "__main__":
    sys.exit(main())
