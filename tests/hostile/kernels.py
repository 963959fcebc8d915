"""Running a few code cells in one sandboxed kernel with nbclient, for the sandbox and tamper tests."""
import json
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError

from backprop_course import sandbox

REPO = Path(__file__).resolve().parents[2]


def run_confined(cells, workdir, policy=None, timeout=10):
    """Execute code cells in a sandboxed kernel with cwd `workdir`; return (notebook, error or None)."""
    nb, died, _ = run_confined_ending(cells, workdir, policy, timeout)
    return nb, died


def run_confined_ending(cells, workdir, policy=None, timeout=10):
    """run_confined, also returning why the kernel ended (its manager's `ending`, None when cleanly)."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nb.metadata.kernelspec = {"name": "no-such-kernel", "display_name": "?", "language": "python"}
    jail = sandbox.confinement(REPO, policy or sandbox.Policy(cpu_seconds=20, memory_mb=2048, max_processes=64))
    client = NotebookClient(nb, timeout=timeout, allow_errors=True, interrupt_on_timeout=True, config=jail.config(),
                            kernel_manager_class=sandbox.SandboxedKernelManager,
                            error_on_timeout={"ename": "CellTimeoutError", "evalue": "", "traceback": []},
                            resources={"metadata": {"path": str(workdir)}})
    manager = client.create_kernel_manager()
    try:
        client.execute()
    except DeadKernelError as err:
        return nb, err, manager.ending
    return nb, None, manager.ending


def printed(cell):
    """The JSON a probe cell printed, or the error name it raised."""
    for output in cell.outputs:
        if output.output_type == "stream" and output.name == "stdout":
            return json.loads(output.text.strip().splitlines()[-1])
        if output.output_type == "error":
            return {"error": output.ename}
    return None
