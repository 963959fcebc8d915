"""A one-line progress bar with an estimated time to completion, written to stderr."""
from __future__ import annotations

import sys
import time


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


class ProgressBar:
    def __init__(self, total: int, label: str = "", width: int = 30, stream=None, enabled: bool = True):
        self.total, self.label, self.width = total, label, width
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.done = 0
        self.started = time.monotonic()

    def line(self) -> str:
        elapsed = time.monotonic() - self.started
        filled = min(self.width, int(self.width * self.done / self.total)) if self.total else self.width
        eta = elapsed / self.done * (self.total - self.done) if self.done else None
        remaining = _clock(eta) if eta is not None else "--:--"
        return (f"{self.label} [{'#' * filled}{'.' * (self.width - filled)}] {self.done}/{self.total}"
                f"  elapsed {_clock(elapsed)}  ETA {remaining}")

    def advance(self, note: str = "") -> None:
        self.done += 1
        if self.enabled:
            end = "\n" if self.done >= self.total else ""
            self.stream.write(f"\r{self.line()}  {note[:40]:<40}{end}")
            self.stream.flush()
