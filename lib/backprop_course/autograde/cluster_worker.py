"""The worker's side of grading on a Dask cluster: one parcel in, one report out, both plain picklable data.

No shared file system is assumed. A `Parcel` carries what the local pool reads from the course folder: the
prepared notebook's bytes and the assignment's data files (bytes by relative path), with the course's
sandbox policy. `grade_on_worker` (run by a Dask worker) decides confinement on the machine it runs on,
exactly as a local run decides it (`sandbox.confinement`): a worker that cannot confine its kernels refuses
the parcel (the report says why) unless the policy allows grading unconfined, and then the report says so.
Otherwise it writes the parcel into a temporary folder of its own, runs the usual executor there
(execute.execute_submission: confined kernel, verdicts judged outside it) and sends back the executed
notebook's bytes with the result and the worker's address. Nothing here touches the course folder: only the
instructor's process writes autograded/, grading_status/ and the gradebook (cluster.py).
"""
from __future__ import annotations

import shutil
import socket
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from .. import sandbox
from .execute import ExecutionJob, ExecutionResult, execute_submission

PARCEL_NOTEBOOK = "notebook.ipynb"
PARCEL_DATA = "data"


@dataclass
class Parcel:
    """One notebook to grade, with everything the worker needs: `job` (its paths are the instructor's and
    are replaced on the worker), the notebook's bytes, the data files' bytes {path relative to the working
    folder: content}, and the course's sandbox policy and root (checked, never mounted)."""

    job: ExecutionJob
    notebook: bytes
    policy: sandbox.Policy
    course_root: str
    data: dict = field(default_factory=dict)

    @classmethod
    def of(cls, job: ExecutionJob, policy: sandbox.Policy, course_root: str) -> "Parcel":
        """Pack a prepared job by reading the files it names (in the instructor's process)."""
        data = {relative: Path(path).read_bytes() for relative, path in job.data_files.items()}
        return cls(job=job, notebook=Path(job.input_path).read_bytes(), policy=policy, course_root=course_root,
                   data=data)


@dataclass
class WorkerReport:
    """What came back: `refused` (why this worker would not run student code), or the execution `result`
    with the executed notebook's bytes (None when the executor crashed); `unconfined`: why the kernel ran
    without the sandbox (allowed by the policy). `worker`: the Dask address of the worker, with its host name."""

    worker: str
    result: ExecutionResult | None = None
    notebook: bytes | None = None
    refused: str | None = None
    unconfined: str | None = None


def worker_name() -> str:
    """This worker's Dask address and host name (outside a Dask worker: the host name alone)."""
    try:
        from distributed import get_worker
        return f"{get_worker().address} ({socket.gethostname()})"
    except (ImportError, ValueError):
        return socket.gethostname()


def confinement_problem(course_root: str, policy: sandbox.Policy) -> str | None:
    """Why this worker cannot confine kernels for the course: the refusal, or (allowed by the policy) the warning
    that it will grade unconfined; None when it confines. Asked once per worker at the start of a run, which
    also makes its trial sandbox before the first notebook."""
    try:
        return sandbox.confinement(course_root, policy).warning
    except sandbox.SandboxUnavailable as err:
        return str(err)


def grade_on_worker(parcel: Parcel,
                    executor: Callable[[ExecutionJob], ExecutionResult] = execute_submission) -> WorkerReport:
    """Grade one parcel on this machine (a Dask task: touches only a temporary folder of its own)."""
    worker = worker_name()
    try:
        jail = sandbox.confinement(parcel.course_root, parcel.policy)
    except sandbox.SandboxUnavailable as err:
        return WorkerReport(worker=worker, refused=str(err))
    folder = Path(tempfile.mkdtemp(prefix="backprop-parcel-"))
    try:
        notebook = folder / PARCEL_NOTEBOOK
        notebook.write_bytes(parcel.notebook)
        data_files = {}
        for relative, content in parcel.data.items():
            path = folder / PARCEL_DATA / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
            data_files[relative] = str(path)
        job = replace(parcel.job, input_path=str(notebook), output_path=str(notebook), data_files=data_files,
                      client_options=jail.client_options())
        result = executor(job)
        executed = None if result.crashed else notebook.read_bytes()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return WorkerReport(worker=worker, result=result, notebook=executed, unconfined=jail.warning)
