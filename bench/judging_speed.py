"""Grading speed with the verdicts made outside the kernel, against the grader before that change, in one run.

The grader before (git revision BASELINE, where hidden tests judged inside the kernel) is unpacked with
`git archive` into build/bench_judging/baseline/ and run through a throwaway Python environment whose only
site entry lists that checkout's lib/ and then this environment's site-packages (so its confined kernels
import its own `backprop`). Both versions grade a class of the same size in their own throwaway course, from
their own source notebooks: each student hands in every notebook, half the students the reference solutions
and half the untouched releases. Prints both wall times and their ratio (goal: at most 1.3x).

    .venv/bin/python bench/judging_speed.py [--students 20] [--jobs N] [--baseline REV]
"""
from __future__ import annotations

import argparse
import os
import shutil
import site
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = "2c2e3c3"   # the last revision whose hidden tests judged inside the kernel
WORK = ROOT / "build" / "bench_judging"


def unpack(revision: str, target: Path) -> Path:
    """The repository at `revision`, as files (no git metadata), in target."""
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


def python_for(lib: Path, folder: Path) -> str:
    """A Python whose site-packages hold one .pth: `lib` first, then this environment's site-packages."""
    if not (folder / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    entries = [str(lib)] + [p for p in site.getsitepackages() if Path(p).is_dir()]
    (folder / "lib" / version / "site-packages" / "zz_checkout.pth").write_text("\n".join(entries) + "\n")
    if not (folder / "share").exists():
        (folder / "share").symlink_to(Path(sys.prefix) / "share")   # jupyter's kernel specs and templates
    return str(folder / "bin" / "python")


def tool(python: str, course: Path, *args: str, env=None) -> subprocess.CompletedProcess:
    path = f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"
    return subprocess.run([python, "-m", "backprop_course.cli", "--course-root", str(course), *args],
                          capture_output=True, text=True, env={**os.environ, "PATH": path, **(env or {})})


def make_class(checkout: Path, course: Path, python: str, students: int) -> None:
    """A throwaway course from the checkout's configuration and sources, released, with the class submitted."""
    shutil.rmtree(course, ignore_errors=True)
    course.mkdir(parents=True)
    for name in ("nbgrader_config.py", "course.toml"):
        shutil.copy(checkout / name, course / name)
    shutil.copytree(checkout / "source", course / "source")
    done = tool(python, course, "release")
    if done.returncode != 0:
        raise SystemExit(f"release failed in {course}:\n{done.stderr[-2000:]}")
    for index in range(students):
        step = "source" if index % 2 == 0 else "release"
        for assignment_folder in (course / step).iterdir():
            target = course / "submitted" / f"s{index:04d}" / assignment_folder.name
            target.mkdir(parents=True)
            for notebook in assignment_folder.glob("*.ipynb"):
                shutil.copy(notebook, target / notebook.name)


def timed_autograde(python: str, course: Path, jobs: int) -> float:
    started = time.perf_counter()
    done = tool(python, course, "autograde", "--jobs", str(jobs), "--quiet")
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"autograde failed in {course}:\n{done.stderr[-2000:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--baseline", default=BASELINE)
    args = parser.parse_args()
    baseline = unpack(args.baseline, WORK / "baseline")
    baseline_python = python_for(baseline / "lib", WORK / "baseline-python")
    make_class(baseline, WORK / "baseline-course", baseline_python, args.students)
    make_class(ROOT, WORK / "current-course", sys.executable, args.students)
    before = timed_autograde(baseline_python, WORK / "baseline-course", args.jobs)
    after = timed_autograde(sys.executable, WORK / "current-course", args.jobs)
    notebooks = args.students * 4
    print(f"{args.students} students x 4 notebooks, {args.jobs} jobs")
    print(f"  in-kernel judging ({args.baseline}): {before:7.1f} s  ({before / notebooks:.2f} s per notebook)")
    print(f"  verdicts outside the kernel:        {after:7.1f} s  ({after / notebooks:.2f} s per notebook)")
    print(f"  ratio: {after / before:.2f}x (goal <= 1.3x)")


if __name__ == "__main__":
    main()
