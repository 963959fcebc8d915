"""Running ONE student's notebook in a fresh kernel, cell by cell, recording what went wrong.

`execute_submission(job)` is the single place where student code runs. Autograde calls it in
worker processes; `check` calls it in-process. A confinement layer can wrap or replace it: it takes
and returns plain, picklable data (paths and dicts) and touches nothing but `job.output_path`.

What it handles, so that one misbehaving cell never loses the rest of the notebook:
- a cell running past `timeout` seconds is interrupted and gets a CellTimeoutError output; after two
  consecutive timeouts the kernel is considered stuck and the remaining cells are not run;
- a kernel that dies stops execution, but the outputs (and so the scores) of the cells that ran
  before stay; the dying cell and every cell after it get a DeadKernelError output.
"""
from __future__ import annotations

import os
import subprocess
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError
from nbformat import NotebookNode

from .sandbox import kernel_ending

TIMEOUT_ERROR = "CellTimeoutError"
DEAD_KERNEL_ERROR = "DeadKernelError"
NOT_RUN_ERROR = "CellNotRun"
MAX_CONSECUTIVE_TIMEOUTS = 2
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


def error_output(ename: str, evalue: str) -> NotebookNode:
    """An nbformat error output with a one-line traceback."""
    return nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def _mark_rest(nb: NotebookNode, start: int, ename: str, evalue: str) -> None:
    for cell in nb.cells[start:]:
        if cell.cell_type == "code":
            cell.outputs = [error_output(ename, evalue)]


def run_cells(nb: NotebookNode, workdir: str, timeout: int, kernel_name: str = "python3",
              client_options: dict | None = None) -> tuple[list, float]:
    """Execute every code cell of `nb` in place; return (events, seconds spent running cells).

    Events are described in ExecutionResult; the seconds exclude starting and stopping the kernel.
    """
    events, timeouts_in_a_row, cells_seconds = [], 0, 0.0
    timed_out = set()

    def on_error(cell, cell_index, execute_reply):
        if execute_reply["content"].get("ename") == TIMEOUT_ERROR:
            timed_out.add(cell_index)

    client = NotebookClient(
        nb, timeout=timeout, kernel_name=kernel_name, allow_errors=True, interrupt_on_timeout=True,
        error_on_timeout={"ename": TIMEOUT_ERROR, "evalue": f"{timeout} 秒以内に終わりませんでした",
                          "traceback": []},
        resources={"metadata": {"path": workdir}}, on_cell_error=on_error, record_timing=False,
        shutdown_kernel="immediate",  # the notebook is done: no need to wait for a graceful exit
        extra_arguments=["--HistoryManager.hist_file=:memory:"], **(client_options or {}))
    with client.setup_kernel(stderr=subprocess.DEVNULL):  # kernel chatter (TCP warnings) is noise here
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            cell_started = time.perf_counter()
            try:
                client.execute_cell(cell, index)
            except DeadKernelError:
                events.append((index, "dead_kernel", kernel_ending(workdir) or "kernel died"))
                _mark_rest(nb, index, DEAD_KERNEL_ERROR, "このセルの実行中にカーネルが停止しました")
                break
            finally:
                cells_seconds += time.perf_counter() - cell_started
            if index in timed_out:
                events.append((index, "timeout", f"cell ran over {timeout} s"))
                cell.outputs.append(error_output(TIMEOUT_ERROR, f"{timeout} 秒以内に終わりませんでした"))
                timeouts_in_a_row += 1
                if timeouts_in_a_row >= MAX_CONSECUTIVE_TIMEOUTS:
                    events.append((index + 1, "not_run", "kernel stuck after repeated timeouts"))
                    _mark_rest(nb, index + 1, NOT_RUN_ERROR, "カーネルが応答しないため実行されませんでした")
                    break
            else:
                timeouts_in_a_row = 0
    return events, cells_seconds


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
