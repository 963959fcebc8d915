"""Grading statuses, one per (student, notebook), persisted as grading_status/<assignment>.json.

States: graded; graded_with_problems (timeout, dead kernel, restored test cells: the score stands
but the instructor should look); not_gradable (invalid or missing notebook, grading crashed: there
is no score, and the gradebook flags the cells for manual grading instead of recording 0).
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..notebooks.outcomes import TestOutcome
from .folder import Course
from .problems import NOT_GRADABLE as NO_SCORE
from .problems import NOTE, REVIEW, Problem

GRADED = "graded"
GRADED_WITH_PROBLEMS = "graded_with_problems"
NOT_GRADABLE = "not_gradable"
LABELS_JA = {GRADED: "採点済み", GRADED_WITH_PROBLEMS: "採点済み (問題あり)", NOT_GRADABLE: "採点できず"}


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
        data["problems"] = [Problem.from_dict(p) for p in data.get("problems", [])]
        return cls(**data)


def status_path(course: Course, assignment: str) -> Path:
    return course.folder("grading_status") / f"{assignment}.json"


def load_statuses(course: Course, assignment: str) -> dict[str, NotebookStatus]:
    """Saved statuses by key `student/notebook` ({} before the first autograde)."""
    path = status_path(course, assignment)
    if not path.is_file():
        return {}
    return {key: NotebookStatus.from_dict(value) for key, value in json.loads(path.read_text("utf-8")).items()}


def save_statuses(course: Course, assignment: str, statuses: list[NotebookStatus]) -> Path:
    """Merge `statuses` into the saved ones (newer replace older) and write the file atomically."""
    merged = load_statuses(course, assignment)
    merged.update({s.key: s for s in statuses})
    path = status_path(course, assignment)
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_suffix(".json.tmp")
    scratch.write_text(json.dumps({k: merged[k].to_dict() for k in sorted(merged)}, ensure_ascii=False,
                                  indent=1), encoding="utf-8")
    scratch.replace(path)
    return path
