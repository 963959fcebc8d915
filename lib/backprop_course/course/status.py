"""Grading statuses, one per (student, notebook). Each is saved on its own, atomically, as soon as the
notebook is done: grading_status/<assignment>/<student>/<notebook>.json (the record, what counts); the
run also writes grading_status/<assignment>.json, every record of the assignment in one file (the index).
A status carries the digest of what it was graded from (see autograde/prepare.py), by which a later run
recognises a notebook as already graded.

States: graded; graded_with_problems (timeout, dead kernel, restored test cells: the score stands
but the instructor should look); not_gradable (invalid notebook, grading crashed: there is no score, and
the gradebook flags the cells for manual grading instead of recording 0); not_submitted (the student
handed nothing in for this notebook: no score, nothing to grade by hand).
`unconfined` is a flag, not a problem: the kernel ran without the sandbox (allowed by course.toml); a
notebook that graded cleanly that way is still `graded`.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..notebooks.outcomes import TestOutcome
from .files import write_json_atomic
from .folder import Course
from .problems import NOT_GRADABLE as NO_SCORE
from .problems import NOT_SUBMITTED as HANDED_NOTHING_IN
from .problems import NOTE, REVIEW, Problem

GRADED = "graded"
GRADED_WITH_PROBLEMS = "graded_with_problems"
NOT_GRADABLE = "not_gradable"
NOT_SUBMITTED = "not_submitted"
LABELS_JA = {GRADED: "採点済み", GRADED_WITH_PROBLEMS: "採点済み (問題あり)", NOT_GRADABLE: "採点できず",
             NOT_SUBMITTED: "未提出"}
NO_SCORE_STATES = (NOT_GRADABLE, NOT_SUBMITTED)


@dataclass
class NotebookStatus:
    student: str
    assignment: str
    notebook: str
    state: str = GRADED
    problems: list[Problem] = field(default_factory=list)  # what went wrong (see problems.py)
    notes: list[str] = field(default_factory=list)  # harmless things worth knowing
    score: float | None = None
    max_score: float = 0.0
    tests: list[TestOutcome] = field(default_factory=list)
    execute_seconds: float = 0.0
    cells_seconds: float = 0.0
    digest: str = ""  # sha256 of what the notebook was graded from (submission, source, collect's flags)
    unconfined: bool = False  # its kernel ran without the sandbox ([grading.sandbox] allow_unconfined)

    @property
    def key(self) -> str:
        return f"{self.student}/{self.notebook}"

    def add(self, problem: Problem) -> None:
        """Record a problem. By its severity: only noted (the state stays), the notebook keeps its score (graded
        with problems), or it cannot be graded (no score at all)."""
        self.problems.append(problem)
        if problem.severity == NO_SCORE:
            self.state = NOT_GRADABLE
            self.score = None
        elif problem.severity == HANDED_NOTHING_IN:
            if self.state != NOT_GRADABLE:
                self.state = NOT_SUBMITTED
            self.score = None
        elif self.state == GRADED and problem.severity != NOTE:
            self.state = GRADED_WITH_PROBLEMS

    @property
    def needs_review(self) -> bool:
        """A problem asks the instructor to look before the score is trusted."""
        return any(p.severity == REVIEW for p in self.problems)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["problems"] = [p.to_dict() for p in self.problems]
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "NotebookStatus":
        data = dict(data)
        data["tests"] = [TestOutcome(**t) for t in data.get("tests", [])]
        problems = data.get("problems", [])
        if any(p["kind"] == "unconfined" for p in problems):  # saved before unconfined became a flag
            problems = [p for p in problems if p["kind"] != "unconfined"]
            data["unconfined"] = True
            if data.get("state") == GRADED_WITH_PROBLEMS and all(Problem.from_dict(p).severity == NOTE
                                                                 for p in problems):
                data["state"] = GRADED
        data["problems"] = [Problem.from_dict(p) for p in problems]
        if data.get("state") == NOT_GRADABLE and any(p.severity == HANDED_NOTHING_IN for p in data["problems"]) \
                and not any(p.severity == NO_SCORE for p in data["problems"]):  # saved before not_submitted
            data["state"] = NOT_SUBMITTED
        return cls(**data)


def status_path(course: Course, assignment: str) -> Path:
    """The index: every saved status of the assignment in one file."""
    return course.folder("grading_status") / f"{assignment}.json"


def record_path(course: Course, status: NotebookStatus) -> Path:
    """The record of one notebook's status."""
    return course.folder("grading_status") / status.assignment / status.student / f"{status.notebook}.json"


def load_statuses(course: Course, assignment: str) -> dict[str, NotebookStatus]:
    """Saved statuses by key `student/notebook` ({} before the first autograde): the index, overlaid by the
    records (a run killed before writing the index has still saved every notebook it finished)."""
    path = status_path(course, assignment)
    index = json.loads(path.read_text("utf-8")) if path.is_file() else {}
    statuses = {key: NotebookStatus.from_dict(value) for key, value in index.items()}
    for record in sorted((course.folder("grading_status") / assignment).glob("*/*.json")):
        status = NotebookStatus.from_dict(json.loads(record.read_text("utf-8")))
        statuses[status.key] = status
    return statuses


def save_status(course: Course, status: NotebookStatus) -> Path:
    """Save one notebook's status now, atomically (a killed run leaves the old record or the new one)."""
    return write_json_atomic(record_path(course, status), status.to_dict())


def write_index(course: Course, assignment: str) -> Path:
    """Rewrite the assignment's index from the saved records (atomically)."""
    merged = load_statuses(course, assignment)
    return write_json_atomic(status_path(course, assignment), {k: merged[k].to_dict() for k in sorted(merged)})


def save_statuses(course: Course, assignment: str, statuses: list[NotebookStatus]) -> Path:
    """Save the records of `statuses`, then rewrite the assignment's index."""
    for status in statuses:
        save_status(course, status)
    return write_index(course, assignment)
