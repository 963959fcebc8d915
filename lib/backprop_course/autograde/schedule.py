"""Scheduling: prepare -> execute -> finish for every selected notebook, with one pool of workers.

The main process prepares the next students while the workers execute, and finishes each result as
soon as it arrives; statuses are saved as grading_status/<assignment>.json at the end.
"""
from __future__ import annotations

import fnmatch
import os
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from typing import Callable

from .. import sandbox
from ..course.folder import Course
from ..course.problems import Problem
from ..course.status import NOT_GRADABLE, NotebookStatus, save_statuses
from .execute import ExecutionJob, ExecutionResult, execute_submission
from .finish import finish, flag_for_manual_grading
from .prepare import prepare_student
from .progress import ProgressBar


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def worker_context():
    """Workers forked from a server that has already imported the executor (not the caller's __main__)."""
    context = get_context("forkserver")
    context.set_forkserver_preload(["backprop_course.autograde.execute"])
    return context


def select_students(course: Course, assignment: str, patterns: list[str] | None) -> list[str]:
    """Students with a submitted/<student>/<assignment> folder, filtered by glob patterns."""
    students = [s for s in course.students() if (course.folder("submitted") / s / assignment).is_dir()]
    if patterns:
        students = [s for s in students if any(fnmatch.fnmatchcase(s, p) for p in patterns)]
    return students


def autograde(course: Course, assignment: str | None = None, students: list[str] | None = None,
              jobs: int | None = None, progress: bool = True,
              executor: Callable[[ExecutionJob], ExecutionResult] = execute_submission) -> list[NotebookStatus]:
    """Grade every selected submission of the assignment(s); returns and saves one status per notebook.

    One pool of workers serves every assignment; the main process prepares the next students while
    the workers execute, and records each result as soon as it arrives.
    """
    # Confined kernels, or refusal (SandboxUnavailable) before anything is touched; see sandbox/__init__.py.
    jail = sandbox.confinement(course.root, sandbox.Policy.from_settings(course.settings))
    if jail.warning:
        print(f"\n!!! {jail.warning} !!!\n", file=sys.stderr, flush=True)
    plan = [(name, student) for name in course.pick_assignments(assignment)
            for student in select_students(course, name, students)]
    bar = ProgressBar(sum(len(course.notebook_names(name)) for name, _ in plan), label="autograde", enabled=progress)
    submissions, pending = [], {}

    def record(future) -> None:
        submission = pending.pop(future)
        try:
            result = future.result()
        except Exception as err:  # a worker process died: the status says so, no score invented
            result = ExecutionResult(output_path=submission.job.output_path,
                                     crashed=f"worker failed: {type(err).__name__}: {err}")
        status = finish(course, submission, result)
        if status.state == NOT_GRADABLE:
            flag_for_manual_grading(course, status)
        bar.advance(f"{status.student}/{status.notebook}")

    with ProcessPoolExecutor(max_workers=max(1, jobs or default_jobs()), mp_context=worker_context()) as pool:
        for name, student in plan:
            for submission in prepare_student(course, name, student, course.cell_timeout):
                submissions.append(submission)
                if submission.job is None:
                    flag_for_manual_grading(course, submission.status)
                    bar.advance(f"{student}/{submission.status.notebook}")
                    continue
                submission.job.client_options = jail.client_options()
                if jail.warning:
                    submission.status.add(Problem("unconfined", jail.warning))
                pending[pool.submit(executor, submission.job)] = submission
            for future in [f for f in pending if f.done()]:
                record(future)
        for future in as_completed(list(pending)):
            record(future)
    statuses = [s.status for s in submissions]
    for name in dict.fromkeys(s.assignment for s in statuses):
        save_statuses(course, name, [s for s in statuses if s.assignment == name])
    return statuses
