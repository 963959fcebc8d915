"""`collect`: place LMS downloads into submitted/<student>/<assignment>/<notebook>.ipynb.

Accepts a folder or a .zip (zips inside the folder are opened too). Every file found ends up either
placed or skipped with a reason; nothing is dropped silently. When one student has several files for
the same notebook, the most recently modified one wins and the others are listed as superseded.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ..course.folder import Course, CourseError
from ..course.names import DEFAULT_STUDENT_ID, clean_stem, find_student_id, match_notebook

MAX_ZIP_DEPTH = 3
IGNORED_PARTS = {"__MACOSX", ".ipynb_checkpoints", ".DS_Store"}


@dataclass
class CollectReport:
    placed: list[tuple[str, str]] = field(default_factory=list)  # (found file, destination)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (found file, reason)


def _notebook_index(course: Course) -> dict[str, str]:
    """notebook name -> assignment, over every assignment in source/."""
    index = {}
    for assignment in course.assignments():
        for name in course.notebook_names(assignment):
            index[name] = assignment
    return index


def _unpack_zips(folder: Path, report: CollectReport) -> None:
    """Replace every zip under `folder` by a folder of its contents (zips in zips too, a few levels)."""
    for _ in range(MAX_ZIP_DEPTH):
        archives = sorted(folder.rglob("*.zip"))
        for archive in archives:
            target = archive.with_suffix("")
            try:
                with zipfile.ZipFile(archive) as zf:
                    zf.extractall(target)
                    for info in zf.infolist():  # keep the upload times: the newest duplicate wins
                        stamp = datetime(*info.date_time).timestamp()
                        os.utime(target / info.filename, (stamp, stamp))
            except zipfile.BadZipFile as err:
                report.skipped.append((str(archive.relative_to(folder)), f"broken zip: {err}"))
            archive.unlink()


def _candidates(course: Course, files: list[Path], base: Path, report: CollectReport,
                assignment: str | None) -> dict[tuple[str, str, str], list[Path]]:
    """(student, assignment, notebook) -> files claiming it; everything else goes to report.skipped."""
    index = _notebook_index(course)
    if assignment:
        index = {name: a for name, a in index.items() if a == assignment}
    pattern = course.settings.get("collect", {}).get("student_id_pattern", DEFAULT_STUDENT_ID)
    claims: dict[tuple[str, str, str], list[Path]] = {}
    for path in files:
        relative = path.relative_to(base)
        if IGNORED_PARTS & set(relative.parts) or path.name.startswith("._"):
            report.skipped.append((str(relative), "system file (macOS metadata or checkpoint)"))
            continue
        if path.suffix.lower() != ".ipynb":
            kind = "an HTML export" if path.suffix.lower() in {".html", ".htm"} else f"a {path.suffix or 'plain'} file"
            report.skipped.append((str(relative), f"{kind}, not a notebook: only .ipynb files are graded"))
            continue
        student = find_student_id(relative, pattern)
        if student is None:
            report.skipped.append((str(relative), f"no student id (pattern {pattern}) in the name or folders"))
            continue
        notebook = match_notebook(clean_stem(path.stem, student), list(index))
        if notebook is None:
            report.skipped.append((str(relative), f"name matches no notebook of {assignment or 'any assignment'}"))
            continue
        claims.setdefault((student, index[notebook], notebook), []).append(path)
    return claims


def collect(course: Course, delivery: Path, assignment: str | None = None) -> CollectReport:
    """Place every notebook found in `delivery` (folder or zip); report what was placed and skipped."""
    if not delivery.exists():
        raise CourseError(f"{delivery} does not exist")
    if assignment:
        course.require_assignment(assignment)
    report = CollectReport()
    with tempfile.TemporaryDirectory(prefix="collect-") as scratch:
        base = Path(scratch) / "delivery"
        if delivery.is_dir():
            shutil.copytree(delivery, base)
        elif zipfile.is_zipfile(delivery):
            base.mkdir()
            shutil.copy2(delivery, base / delivery.name)
        else:
            raise CourseError(f"{delivery} is neither a folder nor a zip file")
        _unpack_zips(base, report)
        files = sorted(p for p in base.rglob("*") if p.is_file())
        for (student, assignment_id, notebook), paths in sorted(_candidates(course, files, base, report,
                                                                             assignment).items()):
            paths.sort(key=lambda p: p.stat().st_mtime, reverse=True)
            target = course.folder("submitted") / student / assignment_id / f"{notebook}.ipynb"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(paths[0], target)
            report.placed.append((str(paths[0].relative_to(base)), str(target.relative_to(course.root))))
            for older in paths[1:]:
                report.skipped.append((str(older.relative_to(base)),
                                       f"superseded by the newer {paths[0].relative_to(base)} for {student}/{notebook}"))
    return report


def print_collect_report(report: CollectReport) -> None:
    for found, destination in report.placed:
        print(f"placed   {found} -> {destination}")
    for found, reason in report.skipped:
        print(f"SKIPPED  {found}: {reason}")
    print(f"{len(report.placed)} placed, {len(report.skipped)} not placed (listed above with the reason)")
