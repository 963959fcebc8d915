"""One unprivileged account per living grading kernel.

Each kernel runs as its own uid/gid (`uid_base + slot`), so that the process-count limit, signals and
file ownership of one student's kernel never touch another's, even with parallel workers in several
processes. A slot is held by an exclusive flock on a file in a root-only folder; the kernel's
grader releases it, and the kernel dies with it (a crashed grader releases it too).
"""
from __future__ import annotations

import fcntl
import os
import tempfile
import time
from pathlib import Path

LOCK_DIR = Path(tempfile.gettempdir()) / "backprop-sandbox-uids"


class NoFreeAccount(RuntimeError):
    """Every sandbox account is in use."""


class Account:
    """A held uid slot; `release()` (or closing the process) frees it."""

    def __init__(self, uid: int, lock_fd: int):
        self.uid = uid
        self._lock_fd = lock_fd

    def release(self) -> None:
        if self._lock_fd >= 0:
            os.close(self._lock_fd)
            self._lock_fd = -1


def acquire(uid_base: int, slots: int, wait_seconds: float = 30.0) -> Account:
    """Hold the first free uid in [uid_base, uid_base + slots), waiting up to `wait_seconds`."""
    LOCK_DIR.mkdir(mode=0o700, exist_ok=True)
    deadline = time.monotonic() + wait_seconds
    while True:
        for slot in range(slots):
            uid = uid_base + slot
            fd = os.open(LOCK_DIR / f"{uid}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            return Account(uid, fd)
        if time.monotonic() > deadline:
            raise NoFreeAccount(f"all {slots} sandbox accounts from uid {uid_base} are busy")
        time.sleep(0.2)
