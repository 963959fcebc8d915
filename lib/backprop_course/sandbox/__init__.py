"""Sandbox: confined grading kernels (own account, limits, no network, no view of the course folder).
Takes: the course root and [grading.sandbox] settings. Gives: a Confinement whose kernel manager runs
each kernel in a jail and reports why it ended.

The small API the autograde code calls:

    from backprop_course import sandbox
    jail = sandbox.confinement(course_root, sandbox.Policy.from_settings(course.settings))
    NotebookClient(nb, ..., **jail.client_options())   # or config.merge(jail.config()) for nbgrader
    ... grade ...
    status_note = jail.warning           # None when confined; a loud text when running unconfined
    why = client.km.ending               # after a dead kernel: CPU limit, signal, exit code (or None)

`confinement` raises `SandboxUnavailable` (grading must refuse) when the kernels cannot be confined
(not root, bwrap/prlimit/setpriv missing, or a trial sandbox fails), unless the policy says
`allow_unconfined = true`: then it returns an unconfined Confinement whose `warning` must be shown
in the output and attached to every status it affects. Never silently unconfined.

Limits hold for the kernel's whole process tree (limits.py: cgroup v1 groups where root can make
them, a watchdog always), each ending only that kernel with its own problem kind; the socket folder
is taken back before any cell runs. Not covered (known limits): without cgroups, memory between two
watchdog samples is bounded only per process (RLIMIT_AS); cgroup v2 is not used, the watchdog
serves there. Whatever runs in the kernel can be rewritten by the student's code, so
nothing there decides a grade: the grader judges the published answers outside it
(backprop.grading.verdicts, autograde's execute and finish).
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from traitlets.config import Config

from ..course.folder import CourseError
from .command import KernelJail, missing_tools
from .kernel_manager import SandboxedKernelManager, describe_exit
from .mounts import MountError, check_no_instructor_code, check_outside_course, python_folders
from .policy import Policy, PolicyError

__all__ = ["Confinement", "Policy", "PolicyError", "SandboxUnavailable", "SandboxedKernelManager",
           "confinement", "describe_exit", "why_unavailable", "UNCONFINED_WARNING"]

KERNEL_MANAGER = f"{SandboxedKernelManager.__module__}.{SandboxedKernelManager.__name__}"
UNCONFINED_WARNING = ("UNCONFINED GRADING: student code ran with the grader's rights (files, network, "
                      "no limits) because the sandbox is unavailable ({reason}); "
                      "[grading.sandbox] allow_unconfined = true allowed it")


class SandboxUnavailable(CourseError):
    """Grading kernels cannot be confined here, and the policy does not allow grading unconfined."""


@dataclass(frozen=True)
class Confinement:
    """How grading kernels will run: confined (warning None) or, when allowed, unconfined (warning set)."""

    policy: Policy
    course_root: Path
    confined: bool
    warning: str | None = None

    def client_options(self) -> dict:
        """Keyword arguments for nbclient.NotebookClient (picklable, for worker processes); {} when unconfined."""
        if not self.confined:
            return {}
        return {"kernel_manager_class": KERNEL_MANAGER, "config": self.config()}

    def config(self) -> Config:
        """traitlets Config selecting the sandboxed kernel manager (empty when unconfined)."""
        c = Config()
        if self.confined:
            c.Execute.kernel_manager_class = KERNEL_MANAGER
            c.NotebookClient.kernel_manager_class = KERNEL_MANAGER
            c.SandboxedKernelManager.limits = {k: v for k, v in vars(self.policy).items()}
            c.SandboxedKernelManager.course_root = str(self.course_root)
        return c


@lru_cache(maxsize=1)
def _trial_run() -> str | None:
    """Start a throwaway sandbox once per process; None when it works, else what went wrong."""
    with tempfile.TemporaryDirectory(prefix="backprop-probe-") as tmp:
        root = Path(tmp)
        (root / "sub").mkdir()
        (root / "ipc").mkdir()
        (root / "etc").mkdir()
        jail = KernelJail(root / "sub", root / "ipc", root / "etc", Policy().uid_base + Policy().uid_slots, Policy())
        jail.write_account_files()
        try:
            done = subprocess.run(jail.argv([sys.executable, "-c", "import os; print(os.getuid())"]),
                                  capture_output=True, text=True, timeout=60, cwd=tmp)
        except (OSError, subprocess.TimeoutExpired) as err:
            return f"trial sandbox failed: {err}"
    if done.returncode != 0 or done.stdout.strip() != str(jail.uid):
        return f"trial sandbox failed (exit {done.returncode}): {done.stderr.strip()[-300:]}"
    return None


def why_unavailable() -> str | None:
    """None when confined kernels can run here; otherwise the reason, for the instructor."""
    if not sys.platform.startswith("linux"):
        return f"confinement needs Linux, this is {sys.platform}"
    if os.geteuid() != 0:
        return "confinement needs root (to switch the kernel to its own unprivileged account); run the grader as root"
    missing = missing_tools()
    if missing:
        return f"missing tool(s) {', '.join(missing)} (Debian: apt-get install bubblewrap util-linux)"
    return _trial_run()


def confinement(course_root: Path | str, policy: Policy | None = None) -> Confinement:
    """Decide how this grading run confines its kernels; raise SandboxUnavailable to refuse."""
    policy = policy or Policy()
    course_root = Path(course_root).resolve()
    try:
        check_outside_course(python_folders(), course_root)
        check_no_instructor_code(python_folders())
    except MountError as err:
        reason = str(err)
    else:
        reason = why_unavailable()
    if reason is None:
        return Confinement(policy, course_root, confined=True)
    if not policy.allow_unconfined:
        raise SandboxUnavailable(f"refusing to grade: {reason}. Fix it, or set [grading.sandbox] "
                                 "allow_unconfined = true in course.toml to grade unconfined at your own risk")
    return Confinement(policy, course_root, confined=False, warning=UNCONFINED_WARNING.format(reason=reason))
