"""`backprop-course`: command-line front end; each subcommand lives in the room of its workflow step.

This module (with simulation/course_demo.py) is where steps are put together; steps never import each
other. Start-up changes the environment once, here and only for the instructor's commands: PATH and
nbgrader's migration id (course/nbgrader_setup.py). The student's commands (check, export-html) run
with nbgrader as installed and never load the sandbox."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from backprop_kit.limits import CELL_SECONDS

from .course import Course, CourseError
from .course.nbgrader_setup import prepare_nbgrader


def cmd_release(args) -> int:
    from .release import release_assignment, release_kit
    course = Course.at(args.course_root)
    for assignment in course.pick_assignments(args.assignment):
        for path in release_assignment(course.root, assignment):
            print(f"released {path.relative_to(course.root)}")
    for path in release_kit(course.root):  # the student kit's wheel and its install steps (release/kit/)
        print(f"released {path.relative_to(course.root)}")
    return 0


def cmd_collect(args) -> int:
    from .collect import collect, print_collect_report
    course = Course.at(args.course_root)
    report = collect(course, Path(args.path), assignment=args.assignment)
    print_collect_report(report)
    return 0


AUTOGRADE_EXIT = """Each notebook's status is saved the moment it is done; a run interrupted at any point and run
again grades only what is missing: a notebook whose saved status has the digest of its current files
(submission, source notebook, collect's flags) is kept. --regrade grades everything again.

exit status: 0 when every notebook got a score (possibly "graded with problems": timeouts, dead
kernels) or was not handed in (not_submitted); 1 when any notebook is not gradable or needs review
(printed after the summary, as nbgrader exits 1 on failures); 2 when the course or assignment cannot
be used."""


def cmd_autograde(args) -> int:
    from .autograde import autograde, exit_status, needs_attention, print_summary
    course = Course.at(args.course_root)
    statuses = autograde(course, args.assignment, students=args.student, jobs=args.jobs,
                         progress=not args.quiet, regrade=args.regrade, cluster=args.cluster)
    print_summary(statuses, verbose=args.verbose)
    attention = needs_attention(statuses)
    if attention:
        print(f"exit status 1: {len(attention)} notebook(s) not gradable or needing review: "
              + ", ".join(s.key for s in attention), file=sys.stderr)
    return exit_status(statuses)


def cmd_feedback(args) -> int:
    from .results.feedback import write_feedback
    course = Course.at(args.course_root)
    pages = write_feedback(course, args.assignment)
    for path in pages:
        print(f"feedback {path.relative_to(course.root)}")
    if args.bundle:  # one zip per assignment for the LMS (results/lms.py)
        from .results.lms import write_feedback_bundle
        for assignment in course.pick_assignments(args.assignment):
            bundle, left_out = write_feedback_bundle(course, assignment, pages)
            print(f"feedback bundle for the LMS: {bundle.relative_to(course.root)}")
            for student, reason in left_out:
                print(f"NOT IN BUNDLE {student}: {reason}")
    return 0


def cmd_grades(args) -> int:
    from .results.grades import write_grades_csv
    from .results.class_report import write_class_report
    course = Course.at(args.course_root)
    if args.format:  # what the LMS imports (results/lms.py documents the columns)
        from .results.lms import write_lms_grades
        for assignment in course.pick_assignments(args.assignment):
            print(f"{args.format} grades: {write_lms_grades(course, assignment, args.format)}")
    csv_path = write_grades_csv(course, args.assignment, Path(args.csv) if args.csv else None)
    print(f"grades CSV: {csv_path}")
    if not args.no_report:
        print(f"class report: {write_class_report(course, args.assignment)}")
    return 0


def cmd_check(args) -> int:
    from .student.check import check_notebook
    return check_notebook(Path(args.notebook), timeout=args.timeout)


def cmd_export_html(args) -> int:
    from .student.export_html import export_html
    path = export_html(Path(args.notebook), Path(args.out_dir), student_id=args.student_id)
    print(f"提出用 HTML を書き出しました: {path}")
    return 0


def cmd_demo(args) -> int:
    from .simulation.course_demo import run_demo
    run_demo(Path(args.course_root or os.getcwd()), Path(args.build_dir) if args.build_dir else None,
             jobs=args.jobs)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="backprop-course", description=__doc__)
    parser.add_argument("--course-root", help="course folder (default: nearest folder with nbgrader_config.py)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("release", help="generate the student version into release/ and check for leaks")
    p.add_argument("assignment", nargs="?")
    p.set_defaults(run=cmd_release)

    p = sub.add_parser("collect", help="place LMS downloads (folder or zip) into submitted/")
    p.add_argument("path")
    p.add_argument("--assignment", help="place only this assignment's notebooks (needed when assignments share "
                                        "notebook names)")
    p.set_defaults(run=cmd_collect)

    p = sub.add_parser("autograde", help="grade submissions in parallel with honest statuses",
                       epilog=AUTOGRADE_EXIT, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("assignment", nargs="?")
    p.add_argument("--student", action="append", help="only these students (repeatable)")
    p.add_argument("--jobs", type=int, default=None, help="parallel workers (default: number of cores)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--cluster", metavar="tcp://HOST:8786",
                   help="grade on the workers of this Dask scheduler (default: [grading] cluster in course.toml; "
                        "--cluster '' grades on this machine)")
    p.add_argument("--verbose", action="store_true", help="the summary also gives each notebook's notes "
                                                          "(which worker graded it, ignored warnings)")
    p.add_argument("--regrade", action="store_true",
                   help="grade again notebooks already graded from the same files (by default they are kept)")
    p.set_defaults(run=cmd_autograde)

    p = sub.add_parser("feedback", help="per-student Japanese feedback HTML")
    p.add_argument("assignment", nargs="?")
    p.add_argument("--bundle", action="store_true",
                   help="also grades/feedback_<a>.zip for Moodle's feedback-files upload, listing who is left out")
    p.set_defaults(run=cmd_feedback)

    p = sub.add_parser("grades", help="grades CSV and class report")
    p.add_argument("assignment", nargs="?")
    p.add_argument("--csv", help="CSV path (default: grades/grades[_<assignment>].csv)")
    p.add_argument("--format", choices=["moodle", "csv"],
                   help="also write the LMS import: Moodle's grade-import CSV (grades/moodle_<a>.csv) or a generic "
                        "CSV keyed by student id (grades/lms_<a>.csv); enrolled students from [collect] roster")
    p.add_argument("--no-report", action="store_true")
    p.set_defaults(run=cmd_grades)

    p = sub.add_parser("check", help="(student) run the visible tests of a notebook")
    p.add_argument("notebook")
    p.add_argument("--timeout", type=int, default=CELL_SECONDS,
                   help=f"seconds per cell (default: grading's limit, {CELL_SECONDS})")
    p.set_defaults(run=cmd_check, student_side=True)

    p = sub.add_parser("export-html", help="(student) the HTML file to hand in")
    p.add_argument("notebook")
    p.add_argument("--student-id")
    p.add_argument("--out-dir", default=".")
    p.set_defaults(run=cmd_export_html, student_side=True)

    p = sub.add_parser("demo", help="the whole cycle on a throwaway course under build/")
    p.add_argument("--build-dir", help="default: <course root>/build/demo")
    p.add_argument("--jobs", type=int, default=None)
    p.set_defaults(run=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not getattr(args, "student_side", False):
        prepare_nbgrader()  # the instructor's commands: PATH and nbgrader's migration id, once
    try:
        return args.run(args)
    except CourseError as err:  # the instructor's messages are English, the student's Japanese: one language a line
        print(f"{'エラー' if getattr(args, 'student_side', False) else 'error'}: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        if getattr(args, "student_side", False):
            said = "中断しました (Ctrl-C)。"
        elif args.run is cmd_autograde:
            said = ("interrupted (Ctrl-C): the notebooks graded so far are saved; the same command again grades only "
                    "the rest")
        else:
            said = "interrupted (Ctrl-C)"
        print(f"\n{said}", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
