"""Stopping what a timed-out cell left running: every process of a sandbox except the kernel itself.

Inside a sandbox, bubblewrap's init (pid 1 of the kernel's pid namespace) is the parent of the kernel
and adopts every orphan. After a cell times out, forked children (a fork bomb, a stuck helper
process) would otherwise keep spinning and keep the kernel's process budget used up for the rest of
the notebook; the grader, as root, kills them from outside.
"""
from __future__ import annotations

import os
import signal
from pathlib import Path

PROC = Path("/proc")


def _parents_and_starts() -> dict[int, tuple[int, int]]:
    """pid -> (parent pid, start time in clock ticks) for every process now visible."""
    table = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # the process ended meanwhile
            continue
        fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) "
        table[int(entry.name)] = (int(fields[1]), int(fields[19]))
    return table


def _children(table, pid: int) -> list[int]:
    return [child for child, (parent, _) in table.items() if parent == pid]


def _descendants(table, pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        for child in _children(table, todo.pop()):
            found.append(child)
            todo.append(child)
    return found


def stop_strays(bwrap_pid: int, rounds: int = 5) -> int:
    """SIGKILL every process under the sandbox started by `bwrap_pid` except the kernel; return how many.

    The kernel is the oldest child of the sandbox's init. Repeated a few times, since a process may
    fork while the others are being killed.
    """
    killed = 0
    for _ in range(rounds):
        table = _parents_and_starts()
        strays = []
        for init in _children(table, bwrap_pid):
            kids = _children(table, init)
            if not kids:
                continue
            kernel = min(kids, key=lambda pid: table[pid][1])
            strays += [pid for pid in _descendants(table, init) if pid != kernel]
        if not strays:
            break
        for pid in strays:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except ProcessLookupError:
                pass
    return killed
