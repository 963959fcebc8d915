"""What a confined grading kernel may use: the limits and the instructor's choice about refusing.

Read from `course.toml`:

    [grading.sandbox]
    notebook_seconds = 300     # wall-clock time for the whole notebook (besides nbgrader's per-cell timeout)
    cpu_seconds = 600          # CPU time of the kernel process (RLIMIT_CPU)
    memory_mb = 4096           # memory of the kernel with all its children, and address space per process
    max_processes = 128        # processes and threads of the kernel with its children (and of its uid)
    max_file_mb = 64           # largest file the kernel may write (RLIMIT_FSIZE)
    scratch_mb = 512           # size of the kernel's private, in-memory home folder (its disk budget)
    max_output_mb = 16         # outputs (errors included) the grader accepts from one kernel; the rest is dropped
    use_cgroups = true         # false: enforce the tree's memory and processes by the watchdog alone
    start_ahead = true         # each grading worker starts its next kernel (fresh jail) while it finishes a notebook
    allow_unconfined = false   # true: grade without confinement (loudly) when it cannot be set up

Not here, because students' `check` must use the same: the seconds one cell may run (nbgrader_config.py's
c.Execute.timeout, set to the kit's backprop_kit.limits.CELL_SECONDS) and the kernel's BLAS threads
(backprop_kit.limits.blas_thread_environment(), put in the kernel's environment by command.py).

notebook_seconds: the course's model solutions run in 1.5-4.3 s each (measured, one BLAS thread); 300 s
leaves honest slow code about 70 times that, and bounds what one notebook can take of a worker to five
minutes. Raise it for an assignment that trains for long.

Each of the first four, when hit, ends that kernel only (see limits.py) and becomes its own problem
kind (time_limit, cpu_limit, memory_limit, process_limit; disk_limit for the in-memory folders,
output_limit for outputs, which are dropped while the kernel goes on).
"""
from __future__ import annotations

from dataclasses import dataclass, fields

MB = 1024 * 1024


class PolicyError(ValueError):
    """A [grading.sandbox] setting that is unknown or out of range."""


@dataclass(frozen=True)
class Policy:
    """Limits for one grading kernel; every number is per kernel."""

    notebook_seconds: int = 300
    cpu_seconds: int = 600
    memory_mb: int = 4096
    max_processes: int = 128
    max_file_mb: int = 64
    scratch_mb: int = 512
    max_output_mb: int = 16
    use_cgroups: bool = True
    start_ahead: bool = True
    allow_unconfined: bool = False
    # Kernels run as uid/gid uid_base + slot, one slot per kernel alive on this machine.
    uid_base: int = 62000
    uid_slots: int = 64

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            if f.type == "bool" and not isinstance(value, bool):
                raise PolicyError(f"[grading.sandbox] {f.name} must be true or false, not {value!r}")
            if f.type == "int" and (isinstance(value, bool) or not isinstance(value, int) or value <= 0):
                raise PolicyError(f"[grading.sandbox] {f.name} must be a positive integer, not {value!r}")
        if self.uid_base < 1000:
            raise PolicyError(f"[grading.sandbox] uid_base must be >= 1000 (an unused range), not {self.uid_base}")

    @classmethod
    def from_settings(cls, settings: dict | None) -> "Policy":
        """The policy in a parsed course.toml (its [grading.sandbox] table); defaults where absent."""
        table = ((settings or {}).get("grading") or {}).get("sandbox") or {}
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(table) - known)
        if unknown:
            raise PolicyError(f"[grading.sandbox] unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        return cls(**table)

    def rlimits(self) -> dict[str, int]:
        """prlimit(1) option name -> soft limit; the hard CPU limit is one second above the soft one."""
        return {
            "cpu": self.cpu_seconds,
            "as": self.memory_mb * MB,
            "nproc": self.max_processes,
            "fsize": self.max_file_mb * MB,
            "core": 0,
            "nofile": 1024,
        }
