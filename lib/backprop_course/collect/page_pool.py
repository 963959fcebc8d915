"""The pages of a download read side by side: what collect needs of an HTML page is a pure function of its bytes
(the student ids its text claims; the notebook to grade and its problems), so pages are read in a few processes
while collect decides and places, one by one and in its own order, exactly as it would reading them itself.

A pool of forked workers, one per core the process may use (at most MAX_WORKERS), reads the pages when the download
holds POOL_FROM or more HTML files; otherwise, or on one core, the same functions run in collect's process. The
workers also extract the download's zip (each a share of its members, when their names are plain: downloads.py) and
read the claims of each page from the bytes they write. A worker reads a page from collect's scratch copy of the
download (at most MAX_HTML_BYTES of it) and loads the course's release notebooks the first time it reads a page for
a notebook. Results come back in the order of the pages asked.
"""
from __future__ import annotations

import multiprocessing
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePath

from ..course.folder import Course
from .html_handin import MAX_HTML_BYTES, PAGE_SUFFIXES, HtmlHandin, page_head, read_html_handin, release_templates
from .identity import content_claims

MAX_WORKERS = 4
POOL_FROM = 8  # fewer pages are read faster than a pool starts
WORKER_NICENESS = 5
CHUNK = 4  # pages a worker takes at a time: small, so that collect places the first pages while the rest are read

_WORKER: dict = {}  # in a worker: the course, and its release notebooks once loaded


def _start_worker(course: Course) -> None:
    _WORKER.clear()
    _WORKER["course"] = course
    os.nice(WORKER_NICENESS)  # collect's own process places the pages: it goes first when the cores are busy


def _worker_templates() -> dict:
    if "templates" not in _WORKER:
        _WORKER["templates"] = release_templates(_WORKER["course"])
    return _WORKER["templates"]


def _claims_job(job: tuple[str, str]) -> set[str]:
    page, pattern = job
    return content_claims(page_head(Path(page)), pattern)


def _extract_job(job: tuple[str, str, list[int], str]) -> dict[str, set[str]]:
    """Members of a zip (by their place in its list; plain names, their folders made) written under the target as
    zipfile writes them; returns the claims of each page written whole from memory (name -> ids)."""
    archive, target, members, pattern = job
    claims = {}
    with zipfile.ZipFile(archive) as zf:
        infos = zf.infolist()
        for info in map(infos.__getitem__, members):
            if PurePath(info.filename).suffix.lower() not in PAGE_SUFFIXES or info.file_size > MAX_HTML_BYTES:
                zf.extract(info, target)
                continue
            data = zf.read(info)  # all of it or an error (a bad CRC), as zf.extract would meet it
            with open(os.path.join(target, info.filename), "wb") as written:
                written.write(data)
            claims[info.filename] = content_claims(data, pattern)
    return claims


def _handin_job(job: tuple[str, str]) -> HtmlHandin:
    page, notebook = job
    return read_html_handin(page_head(Path(page)), notebook, _worker_templates())


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class PageReader:
    """Reads the HTML pages of one collect: extracts zips (`extract`), then `claims` of many pages, then `handins` of
    the pages to place. A context manager: the workers end with it."""

    def __init__(self, course: Course, pages: int, pattern: str):
        self.course, self.pattern = course, pattern
        self._templates = None
        self._known: dict[Path, set[str]] = {}  # claims read while extracting, by the page's path
        self.workers = min(MAX_WORKERS, usable_cores())
        self._pool = multiprocessing.get_context("fork").Pool(self.workers, _start_worker, (course,)) \
            if self.workers > 1 and pages >= POOL_FROM else None

    def __enter__(self) -> PageReader:
        return self

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None

    def extract(self, archive: Path, target: Path, members: list[int]) -> bool:
        """The members of zip `archive` (by place; plain names, folders made) extracted into `target` by the workers,
        the claims of its pages kept for `claims`; False (nothing done) without workers. Raises what extracting
        raised (then nothing is kept)."""
        if self._pool is None:
            return False
        size = max(1, -(-len(members) // (self.workers * 3)))  # a few shares per worker
        jobs = [(str(archive), str(target), members[at:at + size], self.pattern) for at in range(0, len(members), size)]
        for found in self._pool.map(_extract_job, jobs, chunksize=1):
            self._known.update((target / name, claims) for name, claims in found.items())
        return True

    def forget(self, folder: Path) -> None:
        """Files under `folder` may have been written again: their kept claims are read again when asked."""
        self._known = {page: claims for page, claims in self._known.items() if not page.is_relative_to(folder)}

    def claims(self, pages: list[Path]) -> list[set[str]]:
        """The student ids each page's text claims (identity.content_claims), in the order of `pages`."""
        jobs = [(str(page), self.pattern) for page in pages if page not in self._known]
        read = map(_claims_job, jobs) if self._pool is None else self._pool.map(_claims_job, jobs, chunksize=CHUNK)
        read = iter(read)
        return [self._known[page] if page in self._known else next(read) for page in pages]

    def templates(self) -> dict:
        """The course's release notebooks, loaded in this process the first time they are needed."""
        if self._templates is None:
            self._templates = release_templates(self.course)
        return self._templates

    def handins(self, pages: list[tuple[Path, str]]) -> Iterator[HtmlHandin]:
        """What each (page, notebook) gives (html_handin.read_html_handin), in order, each as soon as it is read."""
        if self._pool is None:
            return (read_html_handin(page_head(page), notebook, self.templates()) for page, notebook in pages)
        return self._pool.imap(_handin_job, [(str(page), notebook) for page, notebook in pages], chunksize=CHUNK)
