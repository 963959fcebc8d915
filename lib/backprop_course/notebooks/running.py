"""Running one notebook in a fresh kernel, cell by cell, recording what went wrong.

`run_cells` drives the kernel for both the grader (autograde/execute.py, in worker processes, with a
confined kernel manager passed in `client_options`) and the student's own `check` (in-process,
unconfined). It knows nothing of the sandbox: a kernel manager that knows why its kernel ended
offers it as `ending`, and the text is returned with the dead-kernel event.

What it handles, so that one misbehaving cell never loses the rest of the notebook:
- a cell running past `timeout` seconds is interrupted and gets a CellTimeoutError output; after two
  consecutive timeouts the kernel is considered stuck and the remaining cells are not run;
- a kernel that dies stops execution, but the outputs (and so the scores) of the cells that ran
  before stay; the dying cell and every cell after it get a DeadKernelError output;
- a kernel manager with a `deadline` (time.monotonic(): the notebook's wall-clock limit) bounds each
  cell's timeout by the time left; a cell still running then, or a cell reached after it, ends the
  run with a `time_limit` event, the rest not run.

A kernel manager may also say which limit ended its kernel (`ending_kind`, a problem kind; else
dead_kernel) and offer `notices`, (kind, message) pairs of limits met while the kernel went on.

A kernel manager class that can start a kernel ahead of need (`start_ahead()`, `fits()`,
`hand_over(folder)`, `discard()`: the sandbox's) gets one started, in the same thread, as soon as a
notebook's own kernel is ready; the next `run_cells` with the same options hands it its folder instead
of starting a kernel, so that kernel boots while this notebook runs. A kernel started ahead is fresh (it
has run no cell); one that no longer fits, or is still held when the process ends, is discarded.
"""
from __future__ import annotations

import atexit
import multiprocessing.util
import os
import subprocess
import threading
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError
from nbformat import NotebookNode
from traitlets.utils.importstring import import_item

TIMEOUT_ERROR = "CellTimeoutError"
DEAD_KERNEL_ERROR = "DeadKernelError"
NOT_RUN_ERROR = "CellNotRun"
MAX_CONSECUTIVE_TIMEOUTS = 2
TIME_LIMIT_TEXT = "ノートブック全体の制限時間を超えたため、実行されませんでした"
# Grading kernels keep their figures: plt.show() (and a figure left at the end of a cell) becomes a PNG output,
# as in JupyterLab, so formgrader shows the TA the student's plots. Agg would draw them and keep nothing.
FIGURE_BACKEND = "module://matplotlib_inline.backend_inline"
KERNEL_ARGUMENTS = ["--HistoryManager.hist_file=:memory:"]

_ahead = threading.local()       # .held: (client options, kernel manager) started ahead by this thread
_held_anywhere: set = set()      # every kernel manager held ahead in this process, for its exit
_exit_hooked: list = []          # the pid whose exit discards them (hooks are not inherited by forks)


def error_output(ename: str, evalue: str) -> NotebookNode:
    """An nbformat error output with a one-line traceback."""
    return nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def _mark_rest(nb: NotebookNode, start: int, ename: str, evalue: str) -> None:
    for cell in nb.cells[start:]:
        if cell.cell_type == "code":
            cell.outputs = [error_output(ename, evalue)]


def _discard_held() -> None:
    for manager in list(_held_anywhere):
        _held_anywhere.discard(manager)
        manager.discard()


def _take_ahead(client_options: dict, workdir: str):
    """The kernel manager this thread started ahead for `client_options`, handed `workdir`; None when
    there is none, or it does not fit (then discarded)."""
    held, _ahead.held = getattr(_ahead, "held", None), None
    if held is None:
        return None
    options, manager = held
    _held_anywhere.discard(manager)
    try:
        if options == client_options and manager.fits():
            manager.hand_over(workdir)
            return manager
    except Exception:  # a kernel that cannot take the folder is not used; a fresh one is started
        pass
    manager.discard()
    return None


def _start_ahead(client_options: dict, kernel_name: str) -> None:
    """Start the next kernel for `client_options` when its manager class can (see the module's doc)."""
    manager_class = client_options.get("kernel_manager_class")
    if isinstance(manager_class, str):
        manager_class = import_item(manager_class)
    if manager_class is None or not hasattr(manager_class, "start_ahead"):
        return
    manager = manager_class(config=client_options.get("config"), kernel_name=kernel_name)
    try:
        if not manager.start_ahead(extra_arguments=KERNEL_ARGUMENTS):
            return
    except Exception:
        manager.discard()  # whatever part of a jail it made
        raise
    _ahead.held = (client_options, manager)
    _held_anywhere.add(manager)
    if _exit_hooked != [os.getpid()]:  # pool workers end through multiprocessing, others through atexit
        _exit_hooked[:] = [os.getpid()]
        atexit.register(_discard_held)
        multiprocessing.util.Finalize(None, _discard_held, exitpriority=0)


def run_cells(nb: NotebookNode, workdir: str, timeout: int, kernel_name: str = "python3",
              client_options: dict | None = None) -> tuple[list, float]:
    """Execute every code cell of `nb` in place; return (events, seconds spent running cells).

    Events are (cell index, kind, message), kind timeout|dead_kernel|not_run|time_limit or a limit the
    kernel manager names (a kind of course.problems); for a dead kernel the message says why it ended
    when its manager knows.
    The seconds exclude starting and stopping the kernel.
    """
    manager = _take_ahead(client_options or {}, workdir)
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
        extra_arguments=KERNEL_ARGUMENTS, km=manager, **(client_options or {}))
    # kernel chatter (TCP warnings) is noise here; a kernel started ahead is shut down too (cleanup_kc)
    with client.setup_kernel(stderr=subprocess.DEVNULL, cleanup_kc=True):
        deadline = getattr(client.km, "deadline", None)
        notices = getattr(client.km, "notices", [])
        try:  # the next notebook's kernel boots while this one runs
            _start_ahead(client_options or {}, kernel_name)
        except Exception:  # the next notebook starts its own kernel
            pass
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left < 1:
                events.append((index, "time_limit", "no time left for this cell"))
                _mark_rest(nb, index, NOT_RUN_ERROR, TIME_LIMIT_TEXT)
                break
            client.timeout = timeout if left is None else min(timeout, int(left))
            cell_started = time.perf_counter()
            try:
                client.execute_cell(cell, index)
            except DeadKernelError:
                # A confined kernel's manager (sandbox.SandboxedKernelManager) knows why its kernel ended.
                ending = getattr(client.km, "ending", None)
                events.append((index, getattr(client.km, "ending_kind", None) or "dead_kernel",
                               ending or "kernel died"))
                _mark_rest(nb, index, DEAD_KERNEL_ERROR, "このセルの実行中にカーネルが停止しました")
                break
            finally:
                cells_seconds += time.perf_counter() - cell_started
                while notices:
                    events.append((index, *notices.pop(0)))
            if index in timed_out and client.timeout < timeout:
                events.append((index, "time_limit", "still running when the notebook's time ran out"))
                cell.outputs.append(error_output(TIMEOUT_ERROR, TIME_LIMIT_TEXT))
                _mark_rest(nb, index + 1, NOT_RUN_ERROR, TIME_LIMIT_TEXT)
                break
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
