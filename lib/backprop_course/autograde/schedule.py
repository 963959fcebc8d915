"""Scheduling: prepare -> execute -> finish for every selected notebook, with one pool of workers (this
machine's processes, or a Dask cluster's workers: cluster.py).

The main process prepares the next students while the workers execute, and finishes each result as
soon as it arrives. Crash-proof: whatever goes wrong with one notebook (nbgrader's own exceptions in
finish included) becomes that notebook's status and the run goes on; each status is saved, atomically,
the moment its notebook is done, so a run killed at any point loses only the notebooks in flight. A
notebook whose saved status has the digest of its current files (prepare.grading_digest) is already
graded and kept; `regrade=True` grades everything again. The index grading_status/<assignment>.json is
rewritten at the end of the run. One run at a time per assignment (a lock held by the main process); runs on
different assignments may write the gradebook at once (PostgreSQL, or SQLite's own locking).
"""
from __future__ import annotations

import contextlib
import fcntl
import fnmatch
import os
import select
import signal
import sys
import threading
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from typing import Callable

from .. import sandbox
from ..course.folder import Course, CourseError
from ..course.problems import Problem
from ..course.status import NOT_GRADABLE, NOT_SUBMITTED, NotebookStatus, load_statuses, save_status, write_index
from .execute import ExecutionJob, ExecutionResult, execute_submission
from .finish import finish, flag_for_manual_grading, record_not_submitted
from .prepare import Submission, already_graded, grading_digest, prepare_student
from .progress import ProgressBar


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def worker_context():
    """Workers forked from a server that has already imported the executor (not the caller's __main__)."""
    context = get_context("forkserver")
    context.set_forkserver_preload(["backprop_course.autograde.execute"])
    return context


def die_with_run(run_pid: int) -> None:
    """Worker start-up: end this worker the moment the run's main process is gone, so a killed run leaves no
    worker writing into autograded/ behind the next run's back (its kernels, confined with --die-with-parent,
    follow), and end the run's fork server too. A thread waits on a pidfd of the main process (Linux);
    elsewhere a worker only refuses to start without it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the run's to handle (it ends the workers itself)
    try:
        descriptor = os.pidfd_open(run_pid)
    except (AttributeError, OSError):
        if not _alive(run_pid):
            os._exit(1)
        return

    server = os.getppid()  # the fork server started for this run (it outlives a killed run otherwise)

    def watch() -> None:
        select.select([descriptor], [], [])
        if server != run_pid:
            with contextlib.suppress(OSError):
                os.kill(server, signal.SIGTERM)
        os._exit(1)

    threading.Thread(target=watch, name="die-with-run", daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Workers:
    """The worker pool; a pool broken by a dying worker is replaced, and the run goes on. Its face, which
    cluster.ClusterWorkers shares: submit(executor, job) -> future, completed(futures), result(future,
    submission) -> ExecutionResult (or raises), failed(submission, error) -> status, shutdown()."""

    def __init__(self, jobs: int):
        self.jobs = jobs
        self.pool = self._new()

    def _new(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=self.jobs, mp_context=worker_context(), initializer=die_with_run,
                                   initargs=(os.getpid(),))

    def submit(self, executor, job):
        try:
            return self.pool.submit(executor, job)
        except BrokenProcessPool:
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = self._new()
            return self.pool.submit(executor, job)

    @staticmethod
    def completed(futures):
        return as_completed(futures)

    @staticmethod
    def result(future, submission: Submission) -> ExecutionResult:
        return future.result()

    @staticmethod
    def failed(submission: Submission, err: BaseException) -> NotebookStatus:
        """A worker process died: the status says so, no score invented."""
        return crashed(submission, "worker failed", err, retry=True)

    def shutdown(self, now: bool = False) -> None:
        """Wait for the running notebooks; now=True (an interrupted run): end the workers at once (their kernels,
        confined with --die-with-parent, go with them; what they were running has no status and is graded by
        the next run)."""
        if not now:
            self.pool.shutdown(wait=True, cancel_futures=True)
            return
        processes = list((getattr(self.pool, "_processes", None) or {}).values())
        self.pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            with contextlib.suppress(Exception):
                process.kill()


@contextlib.contextmanager
def run_lock(course: Course, assignments: list[str]):
    """One autograde at a time per assignment of a course (released by the system when the run ends, killed or
    not). Runs on different assignments may go at once (two TAs); they share only the gradebook."""
    folder = course.folder("grading_status")
    folder.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        for assignment in sorted(set(assignments)):
            path = folder / f".autograde.{assignment}.lock"
            lock = stack.enter_context(open(path, "a"))
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise CourseError(f"another autograde is running on {assignment} ({path} is locked)") from None
        yield


def crashed(submission: Submission, stage: str, err: BaseException, retry: bool = False) -> NotebookStatus:
    """The notebook's status when `stage` failed with `err`; `retry`: not the notebook's fault (its worker
    died), so the status keeps no digest and the next run grades it again."""
    status = submission.status
    status.add(Problem("grading_crashed", f"{stage}: {type(err).__name__}: {str(err)[:300]}"))
    if retry:
        status.digest = ""
    return status


def select_students(course: Course, assignment: str, patterns: list[str] | None) -> list[str]:
    """Students with a submitted/<student>/<assignment> folder, filtered by glob patterns."""
    students = [s for s in course.students() if (course.folder("submitted") / s / assignment).is_dir()]
    if patterns:
        students = [s for s in students if any(fnmatch.fnmatchcase(s, p) for p in patterns)]
    return students


def autograde(course: Course, assignment: str | None = None, students: list[str] | None = None,
              jobs: int | None = None, progress: bool = True,
              executor: Callable[[ExecutionJob], ExecutionResult] = execute_submission,
              regrade: bool = False, cluster: str | None = None) -> list[NotebookStatus]:
    """Grade every selected submission of the assignment(s) not graded yet (every one with `regrade`);
    returns one status per notebook, the kept ones included, each saved as soon as it is done.
    `cluster`: a Dask scheduler's address (default: [grading] cluster of course.toml; "" or none: the local
    pool), whose workers then run the kernels and decide their confinement themselves (cluster.py)."""
    policy = sandbox.Policy.from_settings(course.settings)
    cluster = course.settings.get("grading", {}).get("cluster", "") if cluster is None else cluster
    if cluster:
        from .cluster import ClusterWorkers
        jail = sandbox.Confinement(policy, course.root, confined=True)  # each worker checks its own
    else:
        # Confined kernels, or refusal (SandboxUnavailable) before anything is touched; see sandbox/__init__.py.
        jail = sandbox.confinement(course.root, policy)
        if jail.warning:
            print(f"\n!!! {jail.warning} !!!\n", file=sys.stderr, flush=True)
    plan = [(name, student) for name in course.pick_assignments(assignment)
            for student in select_students(course, name, students)]
    with run_lock(course, [name for name, _ in plan]):
        if cluster:
            workers = ClusterWorkers(cluster, course.root, policy)
            workers.announce()
        else:
            workers = Workers(max(1, jobs or default_jobs()))
        return _run(course, plan, jail, workers, progress, executor, regrade)


def _run(course, plan, jail, workers, progress, executor, regrade) -> list[NotebookStatus]:
    saved = {name: load_statuses(course, name) for name in dict.fromkeys(name for name, _ in plan)}
    bar = ProgressBar(sum(len(course.notebook_names(name)) for name, _ in plan), label="autograde", enabled=progress)
    statuses, kept, pending = [], [], {}

    def done(status: NotebookStatus) -> None:
        """A notebook is done: flagged for manual grading when it has no score, then saved at once."""
        if status.state in (NOT_GRADABLE, NOT_SUBMITTED):
            try:
                (flag_for_manual_grading if status.state == NOT_GRADABLE else record_not_submitted)(course, status)
            except Exception as err:  # noqa: BLE001 - the status says it; the run goes on
                status.notes.append(f"gradebook not updated for this notebook: {type(err).__name__}: {err}")
        save_status(course, status)
        statuses.append(status)
        bar.advance(f"{status.student}/{status.notebook}")

    def record(future) -> None:
        submission = pending.pop(future)
        try:
            result = workers.result(future, submission)
        except Exception as err:  # no result: a worker died, or (cluster) refused or was lost each time
            done(workers.failed(submission, err))
            return
        try:
            status = finish(course, submission, result)
        except Exception as err:  # nbgrader's own exceptions included: this notebook's status, the run goes on
            status = crashed(submission, "recording the grades failed", err)
        done(status)

    interrupted = False
    try:
        for name, student in plan:
            notebooks = course.notebook_names(name)
            digests = {nb: grading_digest(course, name, student, nb) for nb in notebooks}
            old = {nb: saved[name].get(f"{student}/{nb}") for nb in notebooks}
            todo = [nb for nb in notebooks if regrade or not already_graded(course, old[nb], digests[nb])]
            for nb in notebooks:
                if nb not in todo:
                    kept.append(old[nb])
                    bar.advance(f"{student}/{nb} (already graded)")
            if not todo:
                continue
            try:
                prepared = prepare_student(course, name, student, course.cell_timeout,
                                           only=None if len(todo) == len(notebooks) else set(todo))
            except CourseError:
                raise
            except Exception as err:  # noqa: BLE001 - every notebook of the student gets the status
                for nb in todo:
                    done(crashed(Submission(NotebookStatus(student, name, nb, digest=digests[nb])), "preparing", err))
                continue
            for submission in prepared:
                if submission.job is None:
                    done(submission.status)
                    continue
                submission.job.client_options = jail.client_options()
                submission.status.unconfined = bool(jail.warning)  # a flag: the run printed the warning once
                pending[workers.submit(executor, submission.job)] = submission
            for future in [f for f in pending if f.done()]:
                record(future)
        for future in workers.completed(list(pending)):
            record(future)
    except KeyboardInterrupt:
        interrupted = True
        raise
    finally:
        workers.shutdown(now=interrupted)
        for name in saved:
            write_index(course, name)
    if kept:
        print(f"autograde: {len(kept)} notebook(s) already graded from the same files, kept "
              "(--regrade grades them again)", file=sys.stderr)
    return kept + statuses
