"""Collect speed: 200 HTML hand-ins of report11 against the same 200 as .ipynb files (issue 14, goal: at most 2x).

Builds a class of report11 notebooks (the model solution, the untouched release and the catalogue's demo mistakes,
in turn), zips them once as .ipynb files and once as HTML pages made in turn by the student kit's export-html
(notebook embedded), nbconvert's lab and classic templates (rebuilt from the release's cells), each like an LMS
download (`<id>_report11.<ext>`). Each zip is collected into its own throwaway course under build/bench_collect/,
in the same run, best of --repeat runs; prints both times (and the CPU time of each) and their ratio. Building
the pages is not timed.

    .venv/bin/python bench/collect_speed.py [--students 200] [--repeat 3]
"""
from __future__ import annotations

import argparse
import shutil
import time
import zipfile
from collections import Counter
from pathlib import Path

import nbformat

from backprop_course.collect import collect
from backprop_course.course import Course
from backprop_course.course.handin import read_handin
from backprop_course.course.nbgrader_setup import prepare_nbgrader
from backprop_course.simulation import edits as sim
from backprop_course.simulation.classroom import HANDIN_ROUTES, html_handin
from backprop_course.simulation.course_demo import make_throwaway_course
from backprop_course.simulation.mistakes import demo_mistakes, with_mistake

prepare_nbgrader()  # as the CLI does at start-up: PATH and nbgrader's migration id

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "build" / "bench_collect"
ASSIGNMENT = NOTEBOOK = "report11"
GOAL = 2.0


def report11_variants() -> list[nbformat.NotebookNode]:
    """The model solution, the untouched release and every demo mistake of report11."""
    release = nbformat.read(ROOT / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
    source = nbformat.read(ROOT / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
    model = sim.model_solution(release, source)
    mistakes = [with_mistake(model, m) for m in demo_mistakes() if m.notebook == f"{ASSIGNMENT}/{NOTEBOOK}"]
    return [model, release] + [nb for nb in mistakes if nb is not None]


def lms_zips(students: int, folder: Path) -> tuple[Path, Path, Counter]:
    """The class as two LMS downloads, .ipynb and HTML, and how many pages each route made."""
    variants = report11_variants()
    folder.mkdir(parents=True, exist_ok=True)
    ipynb, html, routes = folder / "class-ipynb.zip", folder / "class-html.zip", Counter()
    with zipfile.ZipFile(ipynb, "w", zipfile.ZIP_DEFLATED) as as_ipynb, \
            zipfile.ZipFile(html, "w", zipfile.ZIP_DEFLATED) as as_html:
        for number in range(students):
            student, nb = f"s{2600001 + number}", variants[number % len(variants)]
            route = HANDIN_ROUTES[number % len(HANDIN_ROUTES)]
            as_ipynb.writestr(f"{student}_{NOTEBOOK}.ipynb", nbformat.writes(nb))
            as_html.writestr(f"{student}_{NOTEBOOK}.html", html_handin(nb, route, student))
            routes[route] += 1
    return ipynb, html, routes


def fresh_course(folder: Path) -> Course:
    """A throwaway course with report11's committed release (what collect rebuilds HTML pages from)."""
    course = make_throwaway_course(Course.at(ROOT), folder, cell_timeout=None)
    shutil.copytree(ROOT / "release" / ASSIGNMENT, course.folder("release") / ASSIGNMENT)
    return course


def timed_collect(delivery: Path, folder: Path, students: int) -> tuple[float, float, Counter]:
    """Seconds collect takes on `delivery` in a fresh course (wall clock, and this process's CPU), and what
    collect recorded for the notebooks."""
    course = fresh_course(folder)
    started, cpu_started = time.perf_counter(), time.process_time()
    report = collect(course, delivery)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    if len(report.placed) != students or report.skipped or report.rejected:
        raise SystemExit(f"collect of {delivery.name} placed {len(report.placed)} of {students}: {report.skipped}")
    recorded = Counter(",".join(p.kind for p in read_handin(course.folder("submitted") / s / ASSIGNMENT, NOTEBOOK))
                       or "no problem" for s in (f"s{2600001 + n}" for n in range(students)))
    return seconds, cpu, recorded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each collect; the fastest counts")
    args = parser.parse_args()
    shutil.rmtree(WORK, ignore_errors=True)
    started = time.perf_counter()
    ipynb, html, routes = lms_zips(args.students, WORK)
    print(f"class of {args.students} report11 hand-ins built in {time.perf_counter() - started:.1f} s "
          f"(HTML pages: {', '.join(f'{route} {count}' for route, count in routes.items())}; "
          f"{ipynb.stat().st_size / 1e6:.1f} MB as .ipynb, {html.stat().st_size / 1e6:.1f} MB as HTML, zipped)")
    best, best_cpu = {}, {}
    for run in range(args.repeat):
        for label, delivery in (("ipynb", ipynb), ("html", html)):
            seconds, cpu, recorded = timed_collect(delivery, WORK / f"course-{label}", args.students)
            best[label] = min(seconds, best.get(label, seconds))
            best_cpu[label] = min(cpu, best_cpu.get(label, cpu))
            print(f"  run {run + 1}: collect of {args.students} {label:<5} {seconds:6.2f} s (CPU {cpu:5.2f} s)  "
                  f"({', '.join(f'{kind} {count}' for kind, count in sorted(recorded.items()))})")
    ratio = best["html"] / best["ipynb"]
    print(f"collect, best of {args.repeat}: {args.students} .ipynb {best['ipynb']:.2f} s, "
          f"{args.students} HTML {best['html']:.2f} s (CPU {best_cpu['ipynb']:.2f} s and {best_cpu['html']:.2f} s; "
          "the rest is waiting: the fsync of each submission time, other processes)")
    print(f"ratio HTML / .ipynb: {ratio:.2f}x (goal <= {GOAL:.1f}x: {'met' if ratio <= GOAL else 'NOT met'})")


if __name__ == "__main__":
    main()
