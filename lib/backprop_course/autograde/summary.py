"""What the instructor reads after a run: one line per notebook, the counts per state, and the exit status."""
from __future__ import annotations

from ..course.status import LABELS_JA, NOT_GRADABLE, NotebookStatus


def format_status(status: NotebookStatus) -> str:
    score = "-" if status.score is None else f"{status.score:g}/{status.max_score:g}"
    detail = "; ".join(p.text for p in status.problems)
    return f"{status.student:<12} {status.notebook:<20} {status.state:<21} {score:>9}  {detail}"


def print_summary(statuses: list[NotebookStatus], verbose: bool = False) -> None:
    """One line per student and notebook (`verbose`: and its notes, such as the worker that graded it), then the
    counts per state."""
    for status in sorted(statuses, key=lambda s: (s.assignment, s.student, s.notebook)):
        print(format_status(status))
        for note in status.notes if verbose else ():
            print(f"{'':<12} {note}")
    counts = {label: sum(s.state == state for s in statuses) for state, label in LABELS_JA.items()}
    print("  ".join(f"{label}: {count}" for label, count in counts.items()))
    unconfined = sum(s.unconfined for s in statuses)
    if unconfined:
        print(unconfined_banner(unconfined))


def unconfined_banner(count: int) -> str:
    """The one loud line of a summary when kernels ran without the sandbox (not repeated per notebook)."""
    return (f"!!! UNCONFINED: {count} notebook(s) graded without the sandbox (student code ran with the grader's "
            "rights; [grading.sandbox] allow_unconfined = true) !!!")


def needs_attention(statuses: list[NotebookStatus]) -> list[NotebookStatus]:
    """Notebooks without a trustworthy score: not gradable, or flagged for review (a problem of severity REVIEW).
    Not among them: graded with problems (timeouts, dead kernels: the score stands) and not submitted."""
    return [s for s in statuses if s.state == NOT_GRADABLE or s.needs_review]


def exit_status(statuses: list[NotebookStatus]) -> int:
    """The command's exit status: 1 when any notebook needs attention (like nbgrader on failures), else 0
    (a timeout, a dead kernel or a notebook not handed in alone exits 0)."""
    return 1 if needs_attention(statuses) else 0
