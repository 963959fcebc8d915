"""The execute stage: one prepared notebook run in a worker process (the only place student code runs
when grading).

`execute_submission(job)` takes and returns plain, picklable data (paths and dicts) and touches
nothing but `job.output_path`; the confined kernel manager arrives in `job.client_options`
(sandbox.Confinement.client_options()). Why a kernel died comes back in the result's events.
"""
from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass, field

import nbformat

from ..notebooks.running import run_cells

# Many kernels in parallel: one BLAS thread each avoids oversubscribing the cores.
KERNEL_ENV_DEFAULTS = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                       "MPLBACKEND": "Agg", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}


@dataclass
class ExecutionJob:
    """Run `input_path` with cwd `workdir`; write the executed notebook to `output_path`."""

    input_path: str
    output_path: str
    workdir: str
    timeout: int = 30
    kernel_name: str = "python3"
    env: dict = field(default_factory=dict)
    # Extra NotebookClient options: the confined kernel manager (sandbox.Confinement.client_options()).
    client_options: dict = field(default_factory=dict)


@dataclass
class ExecutionResult:
    """What happened: events are (cell index, kind, message) with kind timeout|dead_kernel|not_run."""

    output_path: str
    seconds: float = 0.0  # the whole call: reading, kernel start and stop, cells, writing
    cells_seconds: float = 0.0  # running the cells only
    events: list = field(default_factory=list)
    crashed: str | None = None  # the executor itself failed (the notebook was not run)

    def to_dict(self) -> dict:
        return asdict(self)


def execute_submission(job: ExecutionJob) -> ExecutionResult:
    """Execute one student's notebook described by `job` (the only place student code runs)."""
    started = time.perf_counter()
    result = ExecutionResult(output_path=job.output_path)
    for name, value in KERNEL_ENV_DEFAULTS.items():
        os.environ.setdefault(name, value)
    os.environ.update(job.env)  # the kernel inherits this process's environment
    try:
        nb = nbformat.read(job.input_path, as_version=4)
        result.events, result.cells_seconds = run_cells(nb, job.workdir, job.timeout, job.kernel_name,
                                                        job.client_options)
        nbformat.write(nb, job.output_path)
    except Exception as err:  # the executor failing must become a status, not a crash of the run
        result.crashed = f"{type(err).__name__}: {err}"
    result.seconds = time.perf_counter() - started
    return result
