"""Limits that hold for a kernel's whole process tree, not for each process: memory, processes, its
in-memory disk and the notebook's wall-clock time.

Per-process limits (prlimit in command.py: RLIMIT_AS, RLIMIT_NPROC per kernel uid) stay; they make
most overuse fail inside the kernel (MemoryError, a refused fork) instead of ending it. On top:

- cgroups (v1 `memory` and `pids` controllers, made per kernel under `backprop-grader/`) when root can
  create them here: the kernel's launcher joins both groups before it becomes bubblewrap, so every
  process of the sandbox is counted. memory.limit_in_bytes caps the tree's memory, tmpfs pages
  included (the kernel OOM killer acts at once); pids.max caps its processes and threads.
- a watchdog thread in the grader, always: every INTERVAL seconds it reads the groups (or, without
  cgroups, /proc: tasks and resident memory of the kernel's uid, each kernel having its own) and the
  free space of the sandbox's in-memory folders, and checks the notebook's deadline. When a limit is
  hit it ends the whole sandbox at once (SIGKILL to the pid namespace's init: the Linux kernel then
  kills every process in it, forks in flight included) and reports which limit, as a problem kind.

A fork faster than the watchdog samples is still bounded: RLIMIT_NPROC (per uid) and pids.max are
enforced by the Linux kernel at each fork. Without cgroups, memory between two samples is bounded by
RLIMIT_AS per process; the watchdog ends the tree at the next sample.
"""
from __future__ import annotations

import os
import signal
import threading
import time
from functools import lru_cache
from pathlib import Path

from .policy import MB, Policy

CGROUP_ROOT = Path("/sys/fs/cgroup")
CONTROLLERS = ("memory", "pids")
GROUP = "backprop-grader"
INTERVAL = 0.2            # seconds between two samples of the watchdog
HARD_DEADLINE_GRACE = 15  # seconds after the notebook's time limit before the watchdog ends the sandbox
DISK_SLACK = 256 * 1024   # an in-memory folder with less free space than this is full
# The sandbox's in-memory folders, as seen from the host through /proc/<init>/root.
SCRATCH_FOLDERS = ("home/student", "tmp", "dev/shm")
# bubblewrap's own two processes (outside monitor, namespace init) count in pids.current, not in the uid's tasks.
BWRAP_TASKS = 2
REMOVE_SECONDS = 2.5    # at most, for a killed sandbox's processes to leave its groups
REMOVE_POLL = 0.005     # seconds between two tries to remove a group still holding dying processes


@lru_cache(maxsize=1)
def cgroup_problem() -> str | None:
    """None when per-kernel memory and pids groups (cgroup v1) can be made here; else why not."""
    for controller in CONTROLLERS:
        base = CGROUP_ROOT / controller
        if not (base / "cgroup.procs").is_file():
            return f"no cgroup v1 {controller} controller at {base}"
        try:
            (base / GROUP).mkdir(exist_ok=True)
            probe = base / GROUP / f"probe-{os.getpid()}"
            probe.mkdir(exist_ok=True)
            probe.rmdir()
        except OSError as err:
            return f"cannot create cgroups under {base}: {err.strerror}"
    return None


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def _field(text: str, name: str) -> int:
    """The number after `name` in a 'key value' table (memory.oom_control, pids.events), 0 if absent."""
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == name:
            return int(parts[1])
    return 0


def uid_tasks(uid: int) -> dict[int, tuple[int, int]]:
    """pid -> (threads, resident kB) of every process whose real uid is `uid`."""
    found = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/status") as status:
                text = status.read()
        except OSError:
            continue
        values = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
        if int(values.get("Uid", "-1").split()[0]) != uid:
            continue
        resident = values.get("VmRSS", "0 kB").split()[0]
        found[int(entry.name)] = (int(values.get("Threads", "1")), int(resident))
    return found


def proportional_kb(pids) -> int:
    """Sum of the proportional set sizes (shared pages split between their users) of `pids`, in kB."""
    total = 0
    for pid in pids:
        rollup = _read(Path(f"/proc/{pid}/smaps_rollup"))
        total += sum(int(line.split()[1]) for line in rollup.splitlines() if line.startswith("Pss:"))
    return total


def namespace_inits(bwrap_pid: int) -> list[int]:
    """The children of `bwrap_pid`: the init of the sandbox's pid namespace."""
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            stat = _read(Path(f"/proc/{entry.name}/stat"))
            if stat and int(stat[stat.rindex(")") + 2:].split()[1]) == bwrap_pid:
                found.append(int(entry.name))
    return found


def kill_sandbox(bwrap_pid: int, uid: int | None = None) -> None:
    """SIGKILL the sandbox started by `bwrap_pid`: its namespace init (which takes every process of the
    namespace with it), bubblewrap itself and, for good measure, anything left running as `uid`."""
    for pid in namespace_inits(bwrap_pid) + [bwrap_pid]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    if uid is not None:
        kill_uid(uid)


def kill_uid(uid: int) -> None:
    """SIGKILL every process of `uid` until none is left (or REMOVE_SECONDS pass)."""
    for _ in range(int(REMOVE_SECONDS / REMOVE_POLL)):
        left = uid_tasks(uid)
        if not left:
            return
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(REMOVE_POLL)


class TreeLimits:
    """The whole-tree limits of one kernel; `launcher()` before it starts, `watch()` once it runs,
    `stop()` and `remove()` when it is gone. `hit` is (problem kind, English sentence) once a limit
    ended the sandbox."""

    def __init__(self, name: str, uid: int, policy: Policy):
        self.uid, self.policy = uid, policy
        self.groups: dict[str, Path] = {}
        self.hit: tuple[str, str] | None = None
        self.peak_memory = 0
        self.peak_scratch = 0
        self.deadline: float | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._on_hit = None
        if policy.use_cgroups and cgroup_problem() is None:
            try:
                self._make_groups(name)
            except OSError:
                self.remove()

    @property
    def mode(self) -> str:
        return "cgroup" if self.groups else "watchdog"

    def _make_groups(self, name: str) -> None:
        for controller in CONTROLLERS:
            group = CGROUP_ROOT / controller / GROUP / name
            group.mkdir()
            self.groups[controller] = group
        (self.groups["memory"] / "memory.limit_in_bytes").write_text(str(self.policy.memory_mb * MB))
        (self.groups["pids"] / "pids.max").write_text(str(self.policy.max_processes + BWRAP_TASKS))

    def launcher(self) -> list[str]:
        """The command prefix that puts the sandbox in the kernel's groups before bubblewrap starts."""
        if not self.groups:
            return []
        join = 'for f in "$@"; do case "$f" in /sys/fs/cgroup/*) echo $$ > "$f" || exit 125; shift;; *) break;; esac; done; exec "$@"'
        return ["/bin/sh", "-c", join, "join-cgroups"] + [str(g / "cgroup.procs") for g in self.groups.values()]

    def watch(self, bwrap_pid: int, deadline: float | None, on_hit) -> None:
        """Start the watchdog for the sandbox of `bwrap_pid`; `on_hit(kind, text)` runs before it is ended."""
        self.deadline, self._on_hit, self._bwrap = deadline, on_hit, bwrap_pid
        self._thread = threading.Thread(target=self._run, name=f"sandbox-watchdog-{self.uid}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(INTERVAL):
            try:
                hit = self.check()
            except Exception:  # a process vanishing mid-read; the next sample decides
                continue
            if hit and not self._stop.is_set():
                self.hit = hit
                if self._on_hit is not None:
                    self._on_hit(*hit)
                kill_sandbox(self._bwrap, self.uid)
                return

    def check(self) -> tuple[str, str] | None:
        """The limit the sandbox is over now, as (kind, text), or None."""
        if self.deadline is not None and time.monotonic() > self.deadline + HARD_DEADLINE_GRACE:
            return "time_limit", f"the notebook ran over its {self.policy.notebook_seconds} s time limit"
        memory_mb, processes = self.policy.memory_mb, self.policy.max_processes
        if self.groups:
            memory, pids = self.groups["memory"], self.groups["pids"]
            self.peak_memory = max(self.peak_memory, int(_read(memory / "memory.max_usage_in_bytes") or 0))
            if _field(_read(memory / "memory.oom_control"), "oom_kill") > 0:
                return "memory_limit", f"its processes together used more than {memory_mb} MB"
            tasks = int(_read(pids / "pids.current") or 0) - BWRAP_TASKS
            if tasks >= processes or _field(_read(pids / "pids.events"), "max") > 0:
                return "process_limit", f"it reached {processes} processes and threads"
        else:
            found = uid_tasks(self.uid)
            if sum(threads for threads, _ in found.values()) >= processes:
                return "process_limit", f"it reached {processes} processes and threads"
            resident = sum(kb for _, kb in found.values()) * 1024
            if resident > memory_mb * MB:  # resident sizes count shared pages once per process: check
                resident = proportional_kb(found) * 1024
            self.peak_memory = max(self.peak_memory, resident)
            if resident > memory_mb * MB:
                return "memory_limit", f"its processes together used more than {memory_mb} MB"
        return self._check_scratch()

    def _check_scratch(self) -> tuple[str, str] | None:
        init = self._namespace_init()
        if init is None:
            return None
        used = 0
        for folder in SCRATCH_FOLDERS:
            try:
                stats = os.statvfs(f"/proc/{init}/root/{folder}")
            except OSError:
                continue
            used += (stats.f_blocks - stats.f_bfree) * stats.f_frsize
            if stats.f_blocks and stats.f_bavail * stats.f_frsize < DISK_SLACK:
                return "disk_limit", f"its in-memory folder /{folder} is full"
        self.peak_scratch = max(self.peak_scratch, used)
        return None

    def _namespace_init(self) -> int | None:
        cached = getattr(self, "_init", None)
        if cached is not None and os.path.exists(f"/proc/{cached}"):
            return cached
        found = namespace_inits(self._bwrap)
        self._init = found[0] if found else None
        return self._init

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    def remove(self) -> None:
        """Leave nothing of the kernel running: remove its groups (killing anything still in them first)
        or, without groups, kill its uid's processes; wait up to REMOVE_SECONDS for them to be gone."""
        if not self.groups:
            kill_uid(self.uid)
        for controller, group in list(self.groups.items()):
            for _ in range(int(REMOVE_SECONDS / REMOVE_POLL)):
                try:
                    group.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    for pid in _read(group / "cgroup.procs").split():
                        try:
                            os.kill(int(pid), signal.SIGKILL)
                        except (ProcessLookupError, ValueError):
                            pass
                    time.sleep(REMOVE_POLL)
            self.groups.pop(controller, None)
