"""A jupyter KernelManager whose kernels run confined (see command.py), for nbclient and nbgrader.

nbclient (and so nbgrader's Execute preprocessor) starts the kernel with `cwd` = the student's
autograded folder. This manager takes that folder as the only student data the kernel may see,
talks to the kernel over the `ipc` transport (unix sockets in a private folder, so the kernel needs
no network), always runs this Python's ipykernel whatever kernel name the notebook asks for, and
interrupts by message (a signal would stop at bubblewrap).

No host folder stays writable by the kernel: its socket folder is its own only until the five sockets
exist, and is taken back before `start_kernel` returns, so before any student code can run; the
connection file is root's (readable by the kernel's group); the kernel's own stdout/stderr go to a pipe
the grader drains (keeping the last lines), not to a file. The whole tree's limits (limits.py) are
watched from launch; `ending` and `ending_kind` say which one ended the kernel, and `deadline` (a
time.monotonic() value) tells the cell loop when the notebook's wall-clock time runs out.

A kernel can also be started ahead of need (`start_ahead`, in a fresh jail with an empty work folder)
and handed its student's folder later (`hand_over`, before any cell runs); notebooks/running.py does
so for the next notebook of a grading worker (Policy.start_ahead).

Select it with traitlets configuration (see `Confinement.config()` in __init__.py):

    c.Execute.kernel_manager_class = "backprop_course.sandbox.kernel_manager.SandboxedKernelManager"
    c.SandboxedKernelManager.limits = {"cpu_seconds": 60, ...}   # Policy fields
    c.SandboxedKernelManager.course_root = "/path/to/course"     # never mounted, checked
"""
from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from traitlets import Dict, Unicode, default

from . import uids
from .command import PASSTHROUGH_ENV, KernelJail
from .mounts import check_outside_course, python_folders
from .limits import TreeLimits, namespace_inits
from .client import SandboxedKernelClient
from .policy import Policy
from .processes import stop_strays

# A unix socket's path holds at most 107 bytes; the kernel's sockets are <jail>/ipc/kernel-<port>.
SOCKET_PATH_MAX = 107
SOCKET_NAME_ROOM = len("/backprop-kernel-xxxxxxxx/ipc/kernel-65535")


def jail_parent() -> str:
    """Where jail folders are made: the temporary folder, or /tmp when that path is too long for sockets."""
    base = tempfile.gettempdir()
    return base if len(base.encode()) + SOCKET_NAME_ROOM < SOCKET_PATH_MAX else "/tmp"

SOCKET_WAIT_SECONDS = 60
POLL_SECONDS = 0.005  # between two looks at the kernel's sockets or process while it starts or ends
LOG_TAIL_BYTES = 4000


def exit_kind(code: int | None) -> str:
    """The problem kind of an abnormal exit status reported by bwrap (128 + signal)."""
    return "cpu_limit" if code is not None and code - 128 == signal.SIGXCPU else "dead_kernel"


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


def _readable_snapshot(submission: Path, snapshot: Path) -> Path:
    """Copy the student's folder into `snapshot`, readable by the kernel's account whatever the grader's umask.

    The copy is taken by the grader (root) before the kernel can run any cell; symbolic links stay links
    and, inside the sandbox, can only point at what the sandbox shows.
    """
    shutil.copytree(submission, snapshot, symlinks=True, dirs_exist_ok=True)
    for folder, _, files in os.walk(snapshot):
        os.chmod(folder, 0o755)
        for name in files:
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                os.chmod(path, 0o644)
    return snapshot


def _copy_owned(snapshot: Path, work: Path, uid: int) -> None:
    """What the jail's launcher does (`cp -R` as the kernel's account), for a kernel already running:
    the snapshot's files into its work folder (`work`, reached from the host), owned by `uid`."""
    shutil.copytree(snapshot, work, symlinks=True, dirs_exist_ok=True, copy_function=shutil.copy)
    for folder, folders, files in os.walk(work):
        os.lchown(folder, uid, uid)
        for name in folders + files:
            os.lchown(os.path.join(folder, name), uid, uid)


class LogTail:
    """A pipe for the kernel's own stdout and stderr, drained by a thread that keeps the last bytes: the
    kernel can write as much as it likes there without filling any disk."""

    def __init__(self):
        self.read_fd, self.write_fd = os.pipe()
        self.tail = b""
        self._thread = threading.Thread(target=self._drain, name="sandbox-log", daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        while True:
            try:
                chunk = os.read(self.read_fd, 65536)
            except OSError:
                return
            if not chunk:
                os.close(self.read_fd)
                return
            self.tail = (self.tail + chunk)[-LOG_TAIL_BYTES:]

    def close_writer(self) -> None:
        """The grader's copy of the writing end (the kernel holds its own)."""
        if self.write_fd >= 0:
            os.close(self.write_fd)
            self.write_fd = -1


def _log_tail(log: LogTail | None, lines: int = 3) -> str:
    """The last lines of the kernel's own output that look like a crash report ('' if none)."""
    if log is None:
        return ""
    text = log.tail.decode("utf-8", "replace")
    crash = [line for line in text.splitlines() if "Fatal Python error" in line or "Error" in line]
    return f"; kernel log: {' | '.join(crash[-lines:])}" if crash else ""


class SandboxedKernelManager(AsyncKernelManager):
    """Starts each kernel inside its own jail: own uid, limits, no network, only the student's copy."""

    # Why this manager's most recent kernel ended, when abnormally (None: running, or ended cleanly or by
    # the grader). nbclient's caller reads it after a DeadKernelError (notebooks/running.py).
    ending: str | None = None
    ending_kind: str | None = None  # its problem kind: dead_kernel, cpu_limit, memory_limit, time_limit, ...
    deadline: float | None = None   # time.monotonic() when the notebook's wall-clock time is up

    _account_wait = 30.0  # seconds to wait for a free uid slot (none for a kernel started ahead)

    limits = Dict(help="Policy fields (see sandbox/policy.py) overriding the defaults").tag(config=True)
    course_root = Unicode("", help="The course root; refuse to mount anything exposing it").tag(config=True)

    @default("transport")
    def _transport_default(self):
        return "ipc"

    @default("client_factory")
    def _client_factory_default(self):
        return SandboxedKernelClient  # caps the output a kernel can send (policy.max_output_mb), no idle wait

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
        account = uids.acquire(self.policy.uid_base, self.policy.uid_slots, self._account_wait)
        root = Path(tempfile.mkdtemp(prefix="backprop-kernel-", dir=jail_parent()))
        self._jail_parts = (account, root)
        socket_dir, passwd_dir = root / "ipc", root / "etc"
        socket_dir.mkdir(mode=0o700)
        passwd_dir.mkdir()
        os.chown(socket_dir, account.uid, account.uid)  # until its sockets exist (_lock_socket_dir)
        os.chmod(root, 0o711)
        snapshot = _readable_snapshot(submission, root / "submission" / submission.name)
        passthrough = {k: os.environ[k] for k in PASSTHROUGH_ENV if k in os.environ}
        self._jail = KernelJail(snapshot, socket_dir, passwd_dir, account.uid, self.policy, passthrough)
        self._socket_dir_locked = False
        self._submission = submission
        self._jail.write_account_files()
        self.connection_file = str(socket_dir / "kernel.json")
        self.ip = str(socket_dir / "kernel")
        self.ending = self.ending_kind = self.deadline = None
        self.notices = []  # (problem kind, text) of limits met while the kernel goes on (output_limit)
        self._tree = TreeLimits(f"kernel-{account.uid}-{os.getpid()}-{root.name[-8:]}", account.uid, self.policy)
        kw["cwd"] = str(root)
        kw["env"] = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
        # The kernel's own stdout/stderr (crash messages, banners) go to a drained pipe, not the terminal.
        self._log = LogTail()
        kw["stdout"] = kw["stderr"] = self._log.write_fd
        return await super()._async_pre_start_kernel(**kw)

    def write_connection_file(self, **kwargs):
        super().write_connection_file(**kwargs)
        os.chown(self.connection_file, 0, self._jail.uid)  # the kernel reads it (group) and cannot write it
        os.chmod(self.connection_file, 0o640)

    def format_kernel_cmd(self, extra_arguments=None):
        inner = [arg.replace("{connection_file}", self.connection_file) for arg in self.kernel_spec.argv]
        return self._tree.launcher() + self._jail.argv(inner + list(extra_arguments or []))

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        await super()._async_launch_kernel(kernel_cmd, **kw)
        self._popen = self.provisioner.process
        self._log.close_writer()

    async def _async_start_kernel(self, **kw):
        """Start the kernel; return only once its socket folder is taken back and its limits are watched."""
        await self._async_launch_jailed(**kw)
        await self._take_back_sockets()
        self._start_clock()

    async def _async_launch_jailed(self, **kw) -> None:
        await self._unpaused(AsyncKernelManager._async_start_kernel, **kw)
        self._tree.watch(self._popen.pid, None, self._limit_hit)  # the clock starts with the notebook

    async def _take_back_sockets(self) -> None:
        waited = time.monotonic() + SOCKET_WAIT_SECONDS
        while not self._lock_socket_dir() and self._popen.poll() is None and time.monotonic() < waited:
            await asyncio.sleep(POLL_SECONDS)
        self._lock_socket_dir(force=True)

    def _start_clock(self) -> None:
        """The notebook's wall-clock time starts now (`deadline`, and the watchdog's hard deadline)."""
        self.deadline = self._tree.deadline = time.monotonic() + self.policy.notebook_seconds

    def start_ahead(self, **kw) -> bool:
        """Start a kernel in a fresh jail before its student's folder exists (its work folder empty), so that
        it boots while the grader does something else; `hand_over(folder)` gives it the folder before any
        cell can run. kw as for start_kernel (no cwd). False (nothing started) when the policy says not to."""
        if not self.policy.start_ahead:
            return False
        placeholder = Path(tempfile.mkdtemp(prefix="backprop-work-", dir=jail_parent()))
        self._account_wait = 0.0  # every slot busy: no kernel ahead rather than a worker waiting for one
        try:
            run_sync(self._async_launch_jailed)(cwd=str(placeholder), **kw)
        finally:
            placeholder.rmdir()
        return True

    def fits(self) -> bool:
        """Whether a kernel started ahead can be handed over now: still running, and started with the
        grader's current values of the variables passed into the jail (PASSTHROUGH_ENV)."""
        popen, jail = getattr(self, "_popen", None), getattr(self, "_jail", None)
        current = {k: os.environ[k] for k in PASSTHROUGH_ENV if k in os.environ}
        return popen is not None and popen.poll() is None and jail is not None and jail.extra_env == current

    async def _async_hand_over(self, folder: str) -> None:
        """Give a kernel started ahead its student's folder, then return as start_kernel does.

        Once the kernel's sockets exist (so its launcher has copied the empty snapshot and is done), the
        folder goes into the jail's read-only snapshot (/srv/submission inside) and into its work folder
        through the sandbox's root, owned by its account: what the launcher's copy gives a kernel started
        for a known folder.
        """
        jail = self._jail
        await self._take_back_sockets()
        _readable_snapshot(Path(folder).resolve(), jail.submission)  # after the launcher's copy (of nothing)
        inits = namespace_inits(self._popen.pid)
        if self._popen.poll() is not None or not inits:
            raise RuntimeError("the kernel started ahead is gone")
        _copy_owned(jail.submission, Path(f"/proc/{inits[0]}/root{jail.work_dir}"), jail.uid)
        self._start_clock()

    hand_over = run_sync(_async_hand_over)

    def discard(self) -> None:
        """End a kernel started ahead that will not be used, and release its jail (from any thread)."""
        popen = getattr(self, "_popen", None)
        if popen is not None and popen.poll() is None:
            popen.kill()
            popen.wait(timeout=SOCKET_WAIT_SECONDS)
        self._release_jail()

    def _limit_hit(self, kind: str, text: str) -> None:
        """Called by the watchdog just before it ends the sandbox for a limit."""
        if self.ending is None and not self.shutting_down:
            self.ending_kind, self.ending = kind, f"the kernel was ended: {text}"

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
                self.ending = ending + _log_tail(getattr(self, "_log", None))
                self.ending_kind = exit_kind(code)

    def _lock_socket_dir(self, force: bool = False) -> bool:
        """Once the kernel has bound its five sockets (or, forced, at once), take back its folder, the
        one host folder it could write to; True once taken back."""
        jail = getattr(self, "_jail", None)
        if jail is None or getattr(self, "_socket_dir_locked", False):
            return True
        ports = [self.shell_port, self.iopub_port, self.stdin_port, self.control_port, self.hb_port]
        if force or all(os.path.exists(f"{self.ip}-{port}") for port in ports):
            os.chown(jail.socket_dir, 0, jail.uid)
            os.chmod(jail.socket_dir, 0o750)
            self._socket_dir_locked = True
        return self._socket_dir_locked

    async def _async_is_alive(self) -> bool:
        alive = await super()._async_is_alive()
        if not alive:  # the ending is known before nbclient raises DeadKernelError
            self._record_ending()
        return alive

    async def _async_interrupt_kernel(self) -> None:
        """Interrupt by message (see kernel_spec), then stop every other process the cell left behind;
        nothing when the kernel is being killed (jupyter_client interrupts before any shutdown)."""
        if getattr(self, "_killing", False):
            return
        await super()._async_interrupt_kernel()
        popen = getattr(self, "_popen", None)
        if popen is not None and popen.poll() is None:
            stop_strays(popen.pid)

    async def _async_shutdown_kernel(self, now: bool = False, restart: bool = False) -> None:
        tree = getattr(self, "_tree", None)
        if tree is not None:
            tree.stop()  # the grader is ending it: no limit can be hit any more
        self._killing = now  # no interrupt first: the whole sandbox is killed at once
        try:
            await self._unpaused(AsyncKernelManager._async_shutdown_kernel, now=now, restart=restart)
        finally:
            self._killing = False

    async def _unpaused(self, method, **kw) -> None:
        """Run one of jupyter_client's start/shutdown steps without the 10 ms sleep its `in_pending_state`
        decorator adds ("so tests can capture the state"), keeping its `ready` future (done or failed)."""
        ready = self._ready = asyncio.get_running_loop().create_future()
        try:
            await getattr(method, "__wrapped__", method)(self, **kw)
        except Exception as err:
            if not ready.done():
                ready.set_exception(err)
                ready.exception()  # marked as retrieved: nobody need await it
            raise
        if not ready.done():
            ready.set_result(None)

    async def _async_wait(self, pollinterval: float = POLL_SECONDS) -> None:
        """Until the sandbox's bubblewrap has exited, polled every POLL_SECONDS (jupyter_client: 0.1 s)."""
        await super()._async_wait(pollinterval=min(pollinterval, POLL_SECONDS))

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        self._record_ending()
        if not restart:
            self._release_jail()

    # AsyncKernelManager binds these names to the base class's coroutines; route them through ours.
    cleanup_resources = _async_cleanup_resources
    start_kernel = _async_start_kernel
    shutdown_kernel = _async_shutdown_kernel
    is_alive = _async_is_alive
    interrupt_kernel = _async_interrupt_kernel

    def _release_jail(self) -> None:
        log = getattr(self, "_log", None)
        if log is not None:
            log.close_writer()
        tree = getattr(self, "_tree", None)
        if tree is not None:
            tree.stop()
            tree.remove()
        account, root = getattr(self, "_jail_parts", (None, None))
        if root is not None:
            shutil.rmtree(root, ignore_errors=True)
        if account is not None:
            account.release()
        self._jail_parts = (None, None)
