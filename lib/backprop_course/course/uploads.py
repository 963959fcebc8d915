"""Files `collect` refused to place because they claim another student's id (in their name, a folder
inside the uploader's own place, or their content). They are kept per assignment in
grading_status/.collect/<assignment>.json, one entry per uploader and file (by content digest), so that
autograde flags the uploader's status and a later collect never forgets an earlier attempt."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from .files import write_json_atomic
from .folder import Course

RECORD_FOLDER = ".collect"


@dataclass(frozen=True)
class RejectedUpload:
    uploader: str  # who the LMS says uploaded the file
    notebook: str  # the notebook its name refers to ("" when none)
    found: str  # the file as found in the download
    claims: tuple[str, ...]  # the other students' ids it claims
    digest: str  # sha256 of the file

    def describe(self) -> str:
        return f"{self.found} claims {', '.join(self.claims)}"


def record_path(course: Course, assignment: str) -> Path:
    return course.folder("grading_status") / RECORD_FOLDER / f"{assignment}.json"


def load_rejected(course: Course, assignment: str) -> list[RejectedUpload]:
    path = record_path(course, assignment)
    if not path.is_file():
        return []
    return [RejectedUpload(**{**entry, "claims": tuple(entry["claims"])})
            for entry in json.loads(path.read_text("utf-8"))]


def add_rejected(course: Course, assignment: str, rejected: list[RejectedUpload]) -> None:
    """Add `rejected` to the assignment's record (an entry already there is kept once)."""
    entries = {(r.uploader, r.digest, r.found): r for r in [*load_rejected(course, assignment), *rejected]}
    write_json_atomic(record_path(course, assignment), [asdict(entries[key]) for key in sorted(entries)])


def rejected_for(course: Course, assignment: str, student: str, notebook: str) -> list[RejectedUpload]:
    """The rejected files `student` uploaded for `notebook` (or for no particular notebook)."""
    return [r for r in load_rejected(course, assignment) if r.uploader == student and r.notebook in (notebook, "")]
