"""The execute stage: one prepared notebook run in a worker process (the only place student code runs
when grading), then judged there, outside the kernel.

`execute_submission(job)` takes and returns plain, picklable data (paths and dicts) and touches
nothing but `job.output_path` and a temporary working folder; the confined kernel manager arrives in
`job.client_options` (sandbox.Confinement.client_options()). Why a kernel died comes back in the
result's events.

The kernel's working folder holds the assignment's data files and the inputs of the notebook's tests
(drawn by the grader from the job's key), nothing else: not the notebook, not its hidden tests, not the
truth. After the run, the grader judges the answers the test cells published (backprop.grading.verdicts)
and the verdicts come back in the result; the kernel's own outputs decide nothing.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat
from backprop.grading.verdicts import build_cases, cases_file_text, judge_notebook
from backprop_kit.limits import blas_thread_environment
from backprop_kit.testing.cases import CASES_VARIABLE

from ..notebooks.running import FIGURE_BACKEND, run_cells

CASES_FILE = ".backprop_cases.json"

KERNEL_ENV_DEFAULTS = {"PYDEVD_DISABLE_FILE_VALIDATION": "1"}
# Always, whatever the grader's own environment says (MPLBACKEND=Agg in a test or CI shell would drop every figure).
# BLAS threads: the number students' check uses (backprop_kit.limits); many kernels run side by side, one core each.
KERNEL_ENV = {"MPLBACKEND": FIGURE_BACKEND, **blas_thread_environment()}


@dataclass
class ExecutionJob:
    """Run `input_path` in a fresh working folder holding `data_files`; write the executed notebook to
    `output_path`. notebook and key (hex): which grader judges it and the key of its hidden cases."""

    input_path: str
    output_path: str
    data_files: dict = field(default_factory=dict)  # {path relative to the working folder: source path}
    timeout: int = 30
    kernel_name: str = "python3"
    env: dict = field(default_factory=dict)
    # Extra NotebookClient options: the confined kernel manager (sandbox.Confinement.client_options()).
    client_options: dict = field(default_factory=dict)
    notebook: str = ""
    key: str = ""


@dataclass
class ExecutionResult:
    """What happened: events are (cell index, kind, message) with kind timeout|dead_kernel|not_run."""

    output_path: str
    seconds: float = 0.0  # the whole call: reading, kernel start and stop, cells, writing
    cells_seconds: float = 0.0  # running the cells only
    events: list = field(default_factory=list)
    crashed: str | None = None  # the executor itself failed (the notebook was not run)
    # {grade_id: {"passed", "message", "problem"}} when a grader judged the notebook; None: nbgrader's reading
    verdicts: dict | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def execute_submission(job: ExecutionJob) -> ExecutionResult:
    """Execute one student's notebook described by `job` (the only place student code runs)."""
    started = time.perf_counter()
    result = ExecutionResult(output_path=job.output_path)
    for name, value in KERNEL_ENV_DEFAULTS.items():
        os.environ.setdefault(name, value)
    os.environ.update(KERNEL_ENV)
    os.environ.update(job.env)  # the kernel inherits this process's environment
    workdir = Path(tempfile.mkdtemp(prefix="backprop-work-"))
    try:
        nb = nbformat.read(job.input_path, as_version=4)
        for relative, source in job.data_files.items():
            destination = workdir / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination)
        built = build_cases(job.notebook, bytes.fromhex(job.key)) if job.key else {}
        if built:
            (workdir / CASES_FILE).write_text(cases_file_text(built), encoding="utf-8")
            os.environ[CASES_VARIABLE] = CASES_FILE
        else:
            os.environ.pop(CASES_VARIABLE, None)
        result.events, result.cells_seconds = run_cells(nb, str(workdir), job.timeout, job.kernel_name,
                                                        job.client_options)
        if built:
            result.verdicts = {grade_id: asdict(verdict)
                               for grade_id, verdict in judge_notebook(nb, job.notebook, built).items()}
        nbformat.write(nb, job.output_path)
    except Exception as err:  # the executor failing must become a status, not a crash of the run
        result.crashed = f"{type(err).__name__}: {err}"
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    result.seconds = time.perf_counter() - started
    return result
