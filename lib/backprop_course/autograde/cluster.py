"""Grading on a Dask distributed cluster: the instructor's side (`autograde --cluster tcp://HOST:8786`, or
[grading] cluster in course.toml).

`ClusterWorkers` has the face of the local pool (schedule.Workers): submit a prepared job, learn which are
done, turn a finished one into an ExecutionResult or a status. Each notebook is one Dask task
(`cluster_worker.grade_on_worker` on a `Parcel`, key unique, not pure, no retries of our own). Only this
process writes: the executed notebook into autograded/ when its report arrives, then finish() and the status,
as with the local pool. At the start of a run every worker is asked whether it can confine kernels, and one
that cannot is named loudly (`announce`).

Faults, by what Dask reports:
- a worker dies while grading (killed, out of memory, machine gone): the scheduler gives the task to another
  worker; nothing to do here;
- the task was on a worker each time one died, more than `distributed.scheduler.allowed-failures` times (set
  on the scheduler, default 3): KilledWorker. The notebook gets `worker_lost` (not gradable: no score, flagged
  for manual grading in the gradebook; kept on a rerun, graded again with --regrade);
- a worker refused the parcel (it cannot confine kernels): `grading_crashed` naming the worker and the
  reason, without a digest so that the next run grades it again;
- the scheduler gone: the run stops (CourseError) as if interrupted; a rerun grades what is missing;
- anything else (a cancelled task): `grading_crashed`, graded again by the next run.
"""
from __future__ import annotations

import sys
import time
import uuid
from pathlib import Path

from .. import sandbox
from ..course.files import write_atomic
from ..course.folder import CourseError
from ..course.problems import Problem
from ..course.status import NotebookStatus
from .cluster_worker import Parcel, WorkerReport, confinement_problem, grade_on_worker
from .execute import ExecutionResult
from .prepare import Submission

CONNECT_SECONDS = 20
CHECK_SECONDS = 120  # for every worker's answer to the start-of-run check (a trial sandbox each)


class WorkerRefused(RuntimeError):
    """A worker would not run student code (its reason is the message)."""


class ClusterWorkers:
    """The workers of a Dask scheduler, used like the local pool (see schedule.Workers)."""

    def __init__(self, address: str, course_root: Path, policy: sandbox.Policy):
        try:
            from distributed import Client
        except ImportError as err:
            raise CourseError(f"--cluster needs the `distributed` package (pip install distributed): {err}") from None
        try:
            self.client = Client(address, timeout=CONNECT_SECONDS, set_as_default=False)
        except (OSError, TimeoutError) as err:
            raise CourseError(f"cannot reach the Dask scheduler at {address}: {err}") from None
        self.address = address
        self.course_root = str(Path(course_root).resolve())
        self.policy = policy
        self.futures: set = set()  # submitted, not yet turned into a result (a held future keeps its result alive)

    def unconfining_workers(self) -> dict[str, str]:
        """Ask every worker there now whether it can confine kernels: {address: why not} for those that cannot
        (they refuse every notebook they take, or grade it unconfined when the policy allows). A worker that does
        not answer in time is not listed."""
        addresses = list(self.client.scheduler_info(n_workers=-1).get("workers", {}))
        checks = [self.client.submit(confinement_problem, self.course_root, self.policy, workers=[address], pure=False,
                                     allow_other_workers=False, key=f"confinement-check-{uuid.uuid4().hex}")
                  for address in addresses]
        deadline, problems = time.monotonic() + CHECK_SECONDS, {}
        for address, check in zip(addresses, checks):
            try:
                reason = check.result(timeout=max(0.1, deadline - time.monotonic()))
            except Exception:  # noqa: BLE001 - no answer in time, or the worker left: not listed
                check.cancel()
                continue
            if reason:
                problems[address] = reason
        return problems

    def announce(self) -> None:
        """The run's first lines: which scheduler, how many workers, and loudly any worker that cannot confine."""
        workers = self.client.scheduler_info(n_workers=-1).get("workers", {})
        waiting = "" if workers else " (tasks wait until one joins)"
        print(f"autograde: grading on the Dask scheduler {self.address}, {len(workers)} worker(s) now{waiting}",
              file=sys.stderr, flush=True)
        fate = "grade UNCONFINED" if self.policy.allow_unconfined else "refuse"
        for address, reason in self.unconfining_workers().items():
            print(f"\n!!! Dask worker {address} cannot confine kernels and will {fate} every notebook it takes "
                  f"(stop it, or fix it): {reason} !!!\n", file=sys.stderr, flush=True)

    def submit(self, executor, job):
        """One task for one prepared job; its key names the notebook, unique per run (runs may share a scheduler)."""
        parcel = Parcel.of(job, self.policy, self.course_root)
        student, assignment, notebook = Path(job.output_path).parts[-3:]
        key = f"autograde-{assignment}-{student}-{Path(notebook).stem}-{uuid.uuid4().hex[:12]}"
        future = self.client.submit(grade_on_worker, parcel, executor, key=key, pure=False, retries=0)
        self.futures.add(future)
        return future

    def completed(self, futures):
        from distributed import as_completed
        return as_completed(futures, loop=self.client.loop)

    def result(self, future, submission: Submission) -> ExecutionResult:
        """The executed notebook written into autograded/ (this process, atomically) and its result; the task
        is let go of, so that the cluster does not keep its report."""
        try:
            report: WorkerReport = future.result()
        finally:
            self.futures.discard(future)
        if report.refused:
            raise WorkerRefused(f"worker {report.worker} refused: {report.refused}")
        result = report.result
        result.output_path = submission.job.output_path
        if report.notebook is not None:
            write_atomic(Path(result.output_path), report.notebook)
        submission.status.unconfined = bool(report.unconfined)
        submission.status.notes.append(f"graded by Dask worker {report.worker}")
        return result

    def failed(self, submission: Submission, err: BaseException) -> NotebookStatus:
        """The status of a notebook whose task ended without a report; CourseError when the scheduler is gone
        (the run stops as if interrupted: what is saved stays, a rerun grades the rest)."""
        from distributed import KilledWorker
        if self.client.status != "running":
            raise CourseError(f"lost the Dask scheduler {self.address} ({type(err).__name__}); every notebook graded "
                              "so far is saved: run autograde again to grade the rest") from None
        status = submission.status
        if isinstance(err, KilledWorker):
            status.add(Problem("worker_lost", f"{err.allowed_failures + 1} workers died while running it (Dask's "
                                              f"allowed-failures), the last {err.last_worker.address}"))
            return status
        status.add(Problem("grading_crashed", f"on the cluster: {type(err).__name__}: {str(err).splitlines()[0][:300]}"))
        status.digest = ""  # not the notebook's fault: the next run grades it again
        return status

    def shutdown(self, now: bool = False) -> None:
        """Cancel what is not done (an interrupted run), then let go of the scheduler (now: the same)."""
        try:
            self.client.cancel([f for f in self.futures if not f.done()])
        finally:
            self.client.close()
