"""A jupyter KernelManager whose kernels run confined (see command.py), for nbclient and nbgrader.

nbclient (and so nbgrader's Execute preprocessor) starts the kernel with `cwd` = the student's
autograded folder. This manager takes that folder as the only student data the kernel may see,
talks to the kernel over the `ipc` transport (unix sockets in a private folder, so the kernel needs
no network), always runs this Python's ipykernel whatever kernel name the notebook asks for, and
interrupts by message (a signal would stop at bubblewrap).

Select it with traitlets configuration (see `Confinement.config()` in __init__.py):

    c.Execute.kernel_manager_class = "backprop_course.sandbox.kernel_manager.SandboxedKernelManager"
    c.SandboxedKernelManager.limits = {"cpu_seconds": 60, ...}   # Policy fields
    c.SandboxedKernelManager.course_root = "/path/to/course"     # never mounted, checked
"""
from __future__ import annotations

import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path

from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager
from traitlets import Dict, Unicode, default

from . import uids
from .command import PASSTHROUGH_ENV, KernelJail
from .mounts import check_outside_course, python_folders
from .output_budget import BudgetedKernelClient
from .policy import Policy
from .processes import stop_strays

# A unix socket's path holds at most 107 bytes; the kernel's sockets are <jail>/ipc/kernel-<port>.
SOCKET_PATH_MAX = 107
SOCKET_NAME_ROOM = len("/backprop-kernel-xxxxxxxx/ipc/kernel-65535")


def jail_parent() -> str:
    """Where jail folders are made: the temporary folder, or /tmp when that path is too long for sockets."""
    base = tempfile.gettempdir()
    return base if len(base.encode()) + SOCKET_NAME_ROOM < SOCKET_PATH_MAX else "/tmp"

def describe_exit(code: int | None, policy: Policy) -> str | None:
    """A sentence for an abnormal kernel exit status as reported by bwrap (128 + signal)."""
    if code in (None, 0):
        return None
    if code < 0:
        return f"the kernel did not stop when asked and the grader ended it ({signal.Signals(-code).name})"
    if code > 128:
        number = code - 128
        if number == signal.SIGXCPU:
            return f"the kernel used up its CPU time limit ({policy.cpu_seconds} s) and was stopped"
        if number == signal.SIGKILL:
            return "the kernel was killed (CPU time hard limit, out of memory, or stopped by the grader)"
        if number == signal.SIGSEGV:
            return "the kernel crashed with a segmentation fault"
        name = signal.Signals(number).name if number in signal.Signals._value2member_map_ else str(number)
        return f"the kernel was ended by signal {name}"
    return f"the kernel exited by itself with status {code} (for example os._exit or sys.exit in student code)"


def _readable_snapshot(submission: Path, target: Path) -> Path:
    """A copy of the student's folder, readable by the kernel's account whatever the grader's umask.

    The copy is taken by the grader (root) before the kernel starts; symbolic links stay links and,
    inside the sandbox, can only point at what the sandbox shows.
    """
    shutil.copytree(submission, target / submission.name, symlinks=True)
    for folder, _, files in os.walk(target):
        os.chmod(folder, 0o755)
        for name in files:
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                os.chmod(path, 0o644)
    return target / submission.name


def _log_tail(log: Path, lines: int = 3) -> str:
    """The last lines of the kernel's own output that look like a crash report ('' if none)."""
    try:
        text = log.read_bytes()[-4000:].decode("utf-8", "replace")
    except OSError:
        return ""
    crash = [line for line in text.splitlines() if "Fatal Python error" in line or "Error" in line]
    return f"; kernel log: {' | '.join(crash[-lines:])}" if crash else ""


class SandboxedKernelManager(AsyncKernelManager):
    """Starts each kernel inside its own jail: own uid, limits, no network, only the student's copy."""

    # Why this manager's most recent kernel ended, when abnormally (None: running, or ended cleanly or by
    # the grader). nbclient's caller reads it after a DeadKernelError (notebooks/running.py).
    ending: str | None = None

    limits = Dict(help="Policy fields (see sandbox/policy.py) overriding the defaults").tag(config=True)
    course_root = Unicode("", help="The course root; refuse to mount anything exposing it").tag(config=True)

    @default("transport")
    def _transport_default(self):
        return "ipc"

    @default("client_factory")
    def _client_factory_default(self):
        return BudgetedKernelClient  # caps the output a kernel can send (policy.max_output_mb)

    @property
    def policy(self) -> Policy:
        return Policy(**self.limits)

    @property
    def kernel_spec(self) -> KernelSpec:
        """This Python's ipykernel, interrupted by message, whatever the notebook's kernel name."""
        if self._kernel_spec is None:
            self._kernel_spec = KernelSpec(
                argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                display_name="Python 3 (sandboxed grader)", language="python", interrupt_mode="message")
        return self._kernel_spec

    async def _async_pre_start_kernel(self, **kw):
        if "cwd" not in kw:
            raise RuntimeError("a sandboxed kernel needs cwd = the student's folder to grade")
        self.transport = "ipc"
        submission = Path(kw["cwd"]).resolve()
        check_outside_course(python_folders(), Path(self.course_root) if self.course_root else None)
        self._release_jail()
        account = uids.acquire(self.policy.uid_base, self.policy.uid_slots)
        root = Path(tempfile.mkdtemp(prefix="backprop-kernel-", dir=jail_parent()))
        self._jail_parts = (account, root)
        socket_dir, passwd_dir = root / "ipc", root / "etc"
        socket_dir.mkdir()
        passwd_dir.mkdir()
        os.chown(socket_dir, account.uid, account.uid)
        os.chmod(root, 0o711)
        snapshot = _readable_snapshot(submission, root / "submission")
        passthrough = {k: os.environ[k] for k in PASSTHROUGH_ENV if k in os.environ}
        self._jail = KernelJail(snapshot, socket_dir, passwd_dir, account.uid, self.policy, passthrough)
        self._socket_dir_locked = False
        self._submission = submission
        self._jail.write_account_files()
        self.connection_file = str(socket_dir / "kernel.json")
        self.ip = str(socket_dir / "kernel")
        self.ending = None
        kw["cwd"] = str(root)
        kw["env"] = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
        # The kernel's own stdout/stderr (crash messages, banners) go to a log, not the grader's terminal.
        self._log_file = open(root / "kernel.log", "wb")
        kw["stdout"] = kw["stderr"] = self._log_file
        return await super()._async_pre_start_kernel(**kw)

    def write_connection_file(self, **kwargs):
        super().write_connection_file(**kwargs)
        os.chown(self.connection_file, self._jail.uid, self._jail.uid)

    def format_kernel_cmd(self, extra_arguments=None):
        inner = [arg.replace("{connection_file}", self.connection_file) for arg in self.kernel_spec.argv]
        return self._jail.argv(inner + list(extra_arguments or []))

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        await super()._async_launch_kernel(kernel_cmd, **kw)
        self._popen = self.provisioner.process

    def _record_ending(self) -> None:
        """Remember why the kernel ended, if it ended abnormally (see `ending`); the first reason stays."""
        popen = getattr(self, "_popen", None)
        root = getattr(self, "_jail_parts", (None, None))[1]
        if popen is not None and root is not None and self.ending is None:
            code = popen.poll()
            if code is not None and code < 0 and self.shutting_down:
                return  # the grader's own shutdown signal, not something the student's code did
            ending = describe_exit(code, self._jail.policy)
            if ending:
                self.ending = ending + _log_tail(root / "kernel.log")

    def _lock_socket_dir(self) -> None:
        """Once the kernel has bound its five sockets, take back its folder (the one host folder it
        could write to), so that it cannot fill the host's disk with files there."""
        jail = getattr(self, "_jail", None)
        if jail is None or getattr(self, "_socket_dir_locked", False):
            return
        ports = [self.shell_port, self.iopub_port, self.stdin_port, self.control_port, self.hb_port]
        if all(os.path.exists(f"{self.ip}-{port}") for port in ports):
            os.chown(jail.socket_dir, 0, 0)
            os.chmod(jail.socket_dir, 0o755)
            self._socket_dir_locked = True

    async def _async_is_alive(self) -> bool:
        alive = await super()._async_is_alive()
        if alive:  # nbclient asks every second while a cell runs
            self._lock_socket_dir()
        else:  # the ending is known before nbclient raises DeadKernelError
            self._record_ending()
        return alive

    async def _async_interrupt_kernel(self) -> None:
        """Interrupt by message (see kernel_spec), then stop every other process the cell left behind."""
        await super()._async_interrupt_kernel()
        popen = getattr(self, "_popen", None)
        if popen is not None and popen.poll() is None:
            stop_strays(popen.pid)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        self._record_ending()
        if not restart:
            self._release_jail()

    # AsyncKernelManager binds these names to the base class's coroutines; route them through ours.
    cleanup_resources = _async_cleanup_resources
    is_alive = _async_is_alive
    interrupt_kernel = _async_interrupt_kernel

    def _release_jail(self) -> None:
        log_file = getattr(self, "_log_file", None)
        if log_file is not None:
            log_file.close()
        account, root = getattr(self, "_jail_parts", (None, None))
        if root is not None:
            shutil.rmtree(root, ignore_errors=True)
        if account is not None:
            account.release()
        self._jail_parts = (None, None)
