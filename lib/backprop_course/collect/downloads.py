"""`collect`: place LMS downloads into submitted/<student>/<assignment>/<notebook>.ipynb.

Accepts a folder or a .zip (zips inside are opened too). The student a file is placed under is the
uploader the LMS names (collect/identity.py), never an id the student wrote. A file whose own name,
inner folders or text claim another student's id is rejected: not placed, listed for the instructor and
recorded (course/uploads.py) so that autograde flags the uploader's status. Among one uploader's own
files for one notebook an .ipynb wins over an HTML page, then the most recently modified wins; the others
are superseded. Each placed submission gets its time (collect.downloads.upload_time) in nbgrader's
`timestamp.txt`, with where it came from in `submission_time.json` (course/deadlines.py). An HTML page is turned into the notebook to grade by collect/html_handin.py. Every file found
ends up placed, superseded, rejected or skipped with a reason, and the summary counts and lists each.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import unicodedata
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePath

from ..course.deadlines import course_timezone, write_submission_time
from ..course.folder import Course, CourseError
from ..course.names import DEFAULT_STUDENT_ID, clean_stem, match_notebook
from ..course.uploads import RejectedUpload, add_rejected
from .html_handin import HANDIN_RULE, HANDIN_SUFFIXES, PAGE_SUFFIXES, describe, forget_html, handin_order, place_html
from .identity import claimed_ids, content_claims, place_of
from .page_pool import MAX_WORKERS, PageReader, usable_cores

MAX_ZIP_DEPTH = 3
THREADED_UNZIP_FROM = 8  # members; fewer are extracted faster than threads start
LMS_NAME_TIME = re.compile(r"(?<!\d)(20\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)(?!\d)")
IGNORED_PARTS = {"__MACOSX", ".ipynb_checkpoints", ".DS_Store"}
LAYOUTS = ("Moodle `<full name>_<internal id>_assignsubmission_file_/` folders (or file names), "
           "`<id>_<file>` or `<id>/`")


@dataclass
class CollectReport:
    placed: list[tuple[str, str]] = field(default_factory=list)  # (found file, destination)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (found file, reason): everything not placed
    superseded: list[tuple[str, str, str]] = field(default_factory=list)  # (found, "uploader/notebook", newer file)
    rejected: list[RejectedUpload] = field(default_factory=list)


def _notebook_index(course: Course, assignment: str | None = None) -> dict[str, list[str]]:
    """notebook name -> the assignments in source/ that have a notebook of that name (only `assignment`'s
    notebooks when it is given: two assignments may share notebook names, e.g. a copy of an assignment)."""
    index: dict[str, list[str]] = {}
    for owner in course.pick_assignments(assignment):
        for name in course.notebook_names(owner):
            index.setdefault(name, []).append(owner)
    return index


def _plain_names(infos: list[zipfile.ZipInfo]) -> set[str] | None:
    """The folders the members of a zip need, when each member lands at <target>/<its name> (a relative path
    without empty, '.' or '..' parts, each name once, no file where a folder is needed); else None."""
    names = [info.filename.removesuffix("/") if info.is_dir() else info.filename for info in infos]
    if len(set(names)) < len(names) or any(part in ("", ".", "..") for name in names for part in name.split("/")):
        return None
    folders = {name for info, name in zip(infos, names) if info.is_dir()}
    folders |= {name[:cut] for name in names for cut in range(len(name)) if name[cut] == "/"}
    return None if folders & {info.filename for info in infos if not info.is_dir()} else folders


def _extract_all(zf: zipfile.ZipFile, archive: Path, target: Path, pages: PageReader) -> None:
    """zf.extractall(target), faster: when the members' names are plain (_plain_names), their folders are made
    first and the files are written side by side, into a new folder: by the page reader's workers (which read the
    claims of the pages they write), else by a few threads (zlib lets go of the GIL). Anything going wrong there (a
    broken member) starts over with extractall, which stops where it always does."""
    infos = zf.infolist()
    folders = _plain_names(infos) if len(infos) >= THREADED_UNZIP_FROM and not target.exists() else None
    threads = min(MAX_WORKERS, usable_cores())
    if folders is None or threads < 2:
        zf.extractall(target)
        pages.forget(target)
        return
    target.mkdir(parents=True)
    for name in sorted(folders):
        (target / name).mkdir(parents=True, exist_ok=True)
    try:
        if not pages.extract(archive, target, [index for index, info in enumerate(infos) if not info.is_dir()]):
            with ThreadPoolExecutor(threads) as pool:
                for _ in pool.map(lambda info: zf.extract(info, target), [i for i in infos if not i.is_dir()]):
                    pass
    except Exception:  # noqa: BLE001 (raised again by extractall, from the member before which it stops)
        shutil.rmtree(target, ignore_errors=True)
        zf.extractall(target)


def _unpack_zips(folder: Path, report: CollectReport, tz, zip_times: dict[Path, datetime],
                 pages: PageReader) -> set[PurePath]:
    """Replace every zip under `folder` by a folder of its contents (zips in zips too, a few levels);
    returns those folders, relative to `folder`. `zip_times` gets each file's time from the outermost zip
    entry holding it (local times read in the course's time zone): a zip a student uploaded inside the LMS's
    download carries the LMS's time of the upload, never the times the student's own zip claims."""
    unpacked = set()
    for _ in range(MAX_ZIP_DEPTH):
        for archive in sorted(folder.rglob("*.zip")):
            target = archive.with_suffix("")
            outer = zip_times.get(archive)
            try:
                with zipfile.ZipFile(archive) as zf:
                    _extract_all(zf, archive, target, pages)
                    for info in zf.infolist():  # keep the upload times: the newest duplicate wins
                        when = outer or datetime(*info.date_time, tzinfo=tz)
                        zip_times[target / info.filename] = when
                        os.utime(target / info.filename, (when.timestamp(), when.timestamp()))
                unpacked.add(PurePath(target.relative_to(folder)))
            except zipfile.BadZipFile as err:
                report.skipped.append((str(archive.relative_to(folder)), f"broken zip: {err}"))
            archive.unlink()
    return unpacked


def _sha256(path: Path) -> str:
    with path.open("rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def _reject(report: CollectReport, rejected: RejectedUpload, place: str) -> None:
    report.rejected.append(rejected)
    report.skipped.append((rejected.found, f"claims another student's id ({', '.join(rejected.claims)}) but "
                                           f"{rejected.uploader} uploaded it ({place}): not placed, flagged on "
                                           f"{rejected.uploader}'s status"))


def upload_time(path: Path, place, zip_times: dict[Path, datetime], tz) -> tuple[datetime, str]:
    """When the LMS received `path`, and from what: the download's zip entry, a time in the name the LMS made
    (`..._2027-07-19-10-45-12_...`, e.g. Blackboard's attempt names), else the file's modification time."""
    if path in zip_times:
        return zip_times[path], "zip entry time"
    lms_made = place.name[:len(place.name) - len(place.own_parts[0])] if place.own_parts and \
        place.name.endswith(place.own_parts[0]) else place.name
    stamp = LMS_NAME_TIME.search(lms_made)
    if stamp:
        return datetime(*map(int, stamp.groups()), tzinfo=tz), "LMS file name"
    return datetime.fromtimestamp(path.stat().st_mtime, tz), "file modification time"


def _placeable(course: Course, files: list[Path], base: Path, download_zips: set[PurePath],
               pattern: str) -> list[tuple[str, str] | tuple[Path, object]]:
    """In the order of `files`: (found file, reason) for each file skipped by its name or place, and (path, its LMS
    place) for each hand-in to look into."""
    participants = {str(k): v for k, v in course.settings.get("collect", {}).get("participants", {}).items()}
    found: list = []
    for path in files:
        relative = path.relative_to(base)
        if IGNORED_PARTS & set(relative.parts) or path.name.startswith("._"):
            found.append((str(relative), "system file (macOS metadata or checkpoint)"))
            continue
        if path.suffix.lower() not in HANDIN_SUFFIXES:
            found.append((str(relative), f"a {path.suffix or 'plain'} file: only .ipynb and .html hand-ins "
                                         "are graded"))
            continue
        place = place_of(relative, download_zips, pattern, participants)
        if place is None:
            found.append((str(relative), f"no student id: not in a per-student place of the LMS ({LAYOUTS})"))
            continue
        if place.uploader is None:
            found.append((str(relative), f"no student id: the {place.layout} {place.name} names none "
                                         "(map its internal id in [collect.participants] of course.toml)"))
            continue
        found.append((path, place))
    return found


def _candidates(course: Course, files: list[Path], base: Path, download_zips: set[PurePath], report: CollectReport,
                assignment: str | None, times: dict,
                pages: PageReader) -> tuple[dict[tuple[str, str, str], list[Path]], dict[str, list]]:
    """(uploader, assignment, notebook) -> the uploader's own files for it, and the rejected files by
    assignment; everything else goes to report.skipped."""
    index = _notebook_index(course, assignment)
    pattern = pages.pattern
    claims: dict[tuple[str, str, str], list[Path]] = {}
    rejected: dict[str, list] = {}
    found = _placeable(course, files, base, download_zips, pattern)
    html = [path for path, _ in found if isinstance(path, Path) and path.suffix.lower() != ".ipynb"]
    page_claims = dict(zip(html, pages.claims(html)))
    for path, place in found:
        if not isinstance(path, Path):
            report.skipped.append((path, place))
            continue
        relative = path.relative_to(base)
        said = page_claims[path] if path in page_claims else content_claims(path.read_bytes(), pattern)
        foreign = (claimed_ids(place.own_parts, pattern) | said) - {place.uploader}
        stem = PurePath(place.own_parts[-1]).stem
        for other in foreign:
            stem = clean_stem(stem, other)
        notebook = match_notebook(clean_stem(stem, place.uploader), list(index))
        if foreign:
            entry = RejectedUpload(place.uploader, notebook or "", str(relative), tuple(sorted(foreign)),
                                   _sha256(path))
            _reject(report, entry, f"{place.layout} {place.name}")
            owners = index.get(notebook, []) if notebook else []
            where = owners[0] if len(owners) == 1 else assignment
            if where:
                rejected.setdefault(where, []).append(entry)
            continue
        if notebook is None:
            report.skipped.append((str(relative), f"name matches no notebook of {assignment or 'any assignment'}"))
            continue
        if len(index[notebook]) > 1:
            report.skipped.append((str(relative), f"{notebook} is a notebook of {', '.join(index[notebook])}: "
                                                  "say which with --assignment"))
            continue
        claims.setdefault((place.uploader, index[notebook][0], notebook), []).append(path)
        times[path] = upload_time(path, place, times["zip"], times["tz"])
    return claims, rejected


def _pages_in(base: Path) -> int:
    """How many HTML pages the download holds, as far as its files and the names in its zips tell."""
    count = 0
    for path in base.rglob("*"):
        if path.suffix.lower() == ".zip" and path.is_file():
            try:
                with zipfile.ZipFile(path) as zf:
                    count += sum(PurePath(name).suffix.lower() in PAGE_SUFFIXES for name in zf.namelist())
            except zipfile.BadZipFile:
                continue
        count += path.suffix.lower() in PAGE_SUFFIXES
    return count


def collect(course: Course, delivery: Path, assignment: str | None = None) -> CollectReport:
    """Place every notebook found in `delivery` (folder or zip) under its uploader; report the rest."""
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
        times = {"tz": course_timezone(course.settings), "zip": {}}
        pattern = course.settings.get("collect", {}).get("student_id_pattern", DEFAULT_STUDENT_ID)
        with PageReader(course, _pages_in(base), pattern) as pages:
            download_zips = _unpack_zips(base, report, times["tz"], times["zip"], pages)
            files = sorted(p for p in base.rglob("*") if p.is_file())
            candidates, rejected = _candidates(course, files, base, download_zips, report, assignment, times, pages)
            _place(course, base, candidates, times, report, pages)
    for assignment_id, entries in rejected.items():
        add_rejected(course, assignment_id, entries)
        for entry in entries:  # the uploader gets a status even without a notebook of his own
            (course.folder("submitted") / entry.uploader / assignment_id).mkdir(parents=True, exist_ok=True)
    return report


def _place(course: Course, base: Path, candidates: dict[tuple[str, str, str], list[Path]], times: dict,
           report: CollectReport, pages: PageReader) -> None:
    """The newest of each uploader's files for a notebook placed under submitted/ (HTML pages read by `pages`,
    side by side, while the files before them are placed); the others reported as superseded."""
    order = sorted(candidates.items())
    for _, paths in order:
        paths.sort(key=handin_order, reverse=True)
    handins = pages.handins([(paths[0], notebook) for (_, _, notebook), paths in order
                             if paths[0].suffix.lower() != ".ipynb"])
    for (student, assignment_id, notebook), paths in order:
        target = course.folder("submitted") / student / assignment_id / f"{notebook}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        newest = str(paths[0].relative_to(base))
        if paths[0].suffix.lower() == ".ipynb":
            shutil.copy2(paths[0], target)
            forget_html(target.parent, notebook)
            report.placed.append((newest, str(target.relative_to(course.root))))
        else:
            handin = place_html(paths[0], target.parent, notebook, next(handins))
            report.placed.append((newest, f"{target.relative_to(course.root)} {describe(handin)}"))
        write_submission_time(target.parent, *times[paths[0]], newest)  # nbgrader's timestamp.txt
        for older in paths[1:]:
            found = str(older.relative_to(base))
            report.superseded.append((found, f"{student}/{notebook}", newest))
            why = "the newer " if older.suffix == paths[0].suffix else f"({HANDIN_RULE}) "
            report.skipped.append((found, f"superseded by {why}{newest} for {student}/{notebook}"))


def _width(text: str) -> int:
    """Columns `text` takes in a terminal (Japanese characters take two)."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(_width(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    pad = lambda cell, width: str(cell) + " " * (width - _width(str(cell)))
    line = lambda row: "  | " + " | ".join(pad(cell, width) for cell, width in zip(row, widths)) + " |"
    return [line(header), "  |" + "|".join("-" * (width + 2) for width in widths) + "|", *map(line, rows)]


def print_collect_report(report: CollectReport) -> None:
    """The placed files, then the superseded and rejected ones as tables, then the rest with reasons."""
    for found, destination in report.placed:
        print(f"placed   {found} -> {destination}")
    print(f"{len(report.placed)} placed")
    print(f"{len(report.superseded)} superseded (the newest of one uploader's own files for a notebook wins)")
    if report.superseded:
        print("\n".join(_table(("file", "uploader/notebook", "kept instead"), report.superseded)))
    print(f"{len(report.rejected)} rejected (claim another student's id; not placed, flagged on the uploader's "
          "status)")
    if report.rejected:
        rows = [(r.found, r.uploader, ", ".join(r.claims), r.notebook or "-") for r in report.rejected]
        print("\n".join(_table(("file", "uploader (per the LMS)", "claims", "notebook"), rows)))
    listed = {r.found for r in report.rejected} | {s[0] for s in report.superseded}
    others = [(found, reason) for found, reason in report.skipped if found not in listed]
    print(f"{len(others)} other files not placed")
    for found, reason in others:
        print(f"SKIPPED  {found}: {reason}")
