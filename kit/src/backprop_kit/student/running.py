"""Running a notebook at home: every code cell in a plain local kernel (ipykernel's python3), errors kept as outputs.

A cell running past `timeout` seconds is interrupted (nbclient's interrupt_on_timeout: it shows the interruption);
a kernel that dies gives the dying cell and every later one a DeadKernelError output. The kernel inherits this
process's environment: check runs this under backprop_kit.limits.grading_threads (one BLAS thread, as graded).
(The course tool grades with its own kernel loop, which also confines the kernel and bounds the whole notebook:
backprop_course.notebooks.running.)
"""
from __future__ import annotations

import subprocess

from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbformat.v4 import new_output

TIMEOUT_ERROR = "CellTimeoutError"
DEAD_KERNEL_ERROR = "DeadKernelError"
NOT_RUN_ERROR = "CellNotRun"


def error_output(ename: str, evalue: str) -> NotebookNode:
    return new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def run_notebook(nb: NotebookNode, workdir: str, timeout: int) -> None:
    """Execute the code cells of `nb` in place, in a fresh kernel started in `workdir`."""
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True, interrupt_on_timeout=True,
                            resources={"metadata": {"path": workdir}}, shutdown_kernel="immediate")
    code = [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    with client.setup_kernel(stderr=subprocess.DEVNULL):
        for position, (index, cell) in enumerate(code):
            try:
                client.execute_cell(cell, index)
            except CellTimeoutError:  # the interrupt went unanswered
                cell.outputs.append(error_output(TIMEOUT_ERROR, f"{timeout} 秒以内に終わりませんでした"))
            except DeadKernelError:
                cell.outputs.append(error_output(DEAD_KERNEL_ERROR, "このセルの実行中にカーネルが停止しました"))
                for _, later in code[position + 1:]:
                    later.outputs = [error_output(NOT_RUN_ERROR, "カーネルが停止したため実行されませんでした")]
                return
