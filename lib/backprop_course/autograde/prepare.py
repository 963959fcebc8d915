"""The prepare stage, in the main process: a submitted notebook read, validated and sanitised against
the gradebook, copied to autograded/<student>/<assignment>/, and an execution job made for it (or a
not-gradable status when there is nothing to execute). Each status carries the digest of what it is graded
from, by which a later run recognises it as already graded. The job names the assignment's data files (the
kernel's working folder gets those and nothing else) and carries the submission's grading key, from which
the grader draws its hidden cases.
"""
from __future__ import annotations

import contextlib
import hashlib
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, InvalidEntry, MissingEntry
from nbgrader.preprocessors import CheckCellMetadata, ClearOutput, DeduplicateIds, OverwriteCells, OverwriteKernelspec
from nbgrader.utils import is_grade
from sqlalchemy.exc import IntegrityError
from tornado.log import app_log

from ..course.folder import Course, CourseError
from ..course.handin import handin_path, read_handin
from ..course.nbgrader_setup import coursedir_for
from ..course.problems import Problem
from ..course.status import NO_SCORE_STATES, NotebookStatus
from ..course.uploads import rejected_for
from backprop.grading.seeds import grading_key
from ..notebooks.cells import describe_cell, grade_id, is_test_cell, tampered_locked_cells
from .execute import ExecutionJob


@dataclass
class Submission:
    """One notebook of one student, prepared for execution."""

    status: NotebookStatus
    job: ExecutionJob | None = None  # None: nothing to execute (not gradable)


def _resources(course: Course, status: NotebookStatus) -> dict:
    return {"nbgrader": {"notebook": status.notebook, "assignment": status.assignment,
                         "student": status.student, "db_url": course.db_url}}


def drop_duplicate_test_cells(nb: nbformat.NotebookNode) -> list[str]:
    """Remove every later copy of a test cell whose grade_id an earlier cell already has; returns the
    removed copies, described. (nbgrader's DeduplicateIds would empty their metadata, and
    OverwriteCells then fails on them with KeyError 'grade_id'.) The copy kept is then overwritten
    with the gradebook's source like any test cell."""
    seen, kept, dropped = set(), [], []
    for index, cell in enumerate(nb.cells):
        cell_id = grade_id(cell)
        if cell_id and is_test_cell(cell) and cell_id in seen:
            dropped.append(describe_cell(nb, index))
            continue
        seen.add(cell_id)
        kept.append(cell)
    nb.cells = kept
    return dropped


def sanitize(course: Course, nb: nbformat.NotebookNode, status: NotebookStatus) -> nbformat.NotebookNode:
    """nbgrader's sanitising preprocessors; tampered, deleted or duplicated test cells are restored
    or removed and reported."""
    config = course.nbgrader_config
    resources = _resources(course, status)
    duplicates = drop_duplicate_test_cells(nb)
    if duplicates:
        status.add(Problem("tests_duplicated", ", ".join(duplicates)))
    before = {grade_id(c) for c in nb.cells if is_grade(c)}
    tampered = tampered_locked_cells(nb)
    for preprocessor in (ClearOutput(config=config), DeduplicateIds(config=config),
                         OverwriteKernelspec(config=config), OverwriteCells(config=config, add_missing_cells=True),
                         CheckCellMetadata(config=config)):
        nb, resources = preprocessor.preprocess(nb, resources)
    added = sorted({grade_id(c) for c in nb.cells if is_grade(c)} - before)
    if tampered:
        status.add(Problem("tests_edited", ", ".join(tampered)))
    if added:
        status.add(Problem("tests_deleted", ", ".join(added)))
    return nb


def course_files(course: Course, assignment: str) -> dict[str, str]:
    """Data files of the assignment (everything in source/<assignment> but notebooks), as nbgrader copies
    them: {path relative to the notebook's folder: absolute path}."""
    source = course.folder("source") / assignment
    return {str(path.relative_to(source)): str(path) for path in sorted(source.rglob("*"))
            if path.is_file() and path.suffix != ".ipynb" and ".ipynb_checkpoints" not in path.parts}


def copy_course_files(course: Course, assignment: str, target: Path) -> None:
    """The assignment's data files into target, as nbgrader does (formgrader reads them beside the notebook)."""
    for relative, path in course_files(course, assignment).items():
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, destination)


@contextlib.contextmanager
def _quiet(logger: logging.Logger):
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def _register_submission(course: Course, assignment: str, student: str, submitted: Path) -> list[str]:
    """Student and submission rows in the gradebook; returns the assignment's notebook names."""
    timestamp = coursedir_for(course).get_existing_timestamp(str(submitted))
    for attempt in range(3):
        with Gradebook(course.db_url, course.course_id) as gb:
            try:
                notebooks = [n.name for n in gb.find_assignment(assignment).notebooks]
            except MissingEntry:
                raise CourseError(f"assignment {assignment!r} is not in the gradebook: run `release` first")
            try:
                with _quiet(app_log):  # a lost race is logged by nbgrader as an error with its traceback
                    gb.update_or_create_student(student)
                if timestamp:
                    gb.update_or_create_submission(assignment, student, timestamp=timestamp)
                else:
                    gb.update_or_create_submission(assignment, student)
                break
            except (InvalidEntry, IntegrityError):  # another run (another assignment) added the student just now
                gb.db.rollback()
                if attempt == 2:
                    raise
    return sorted(notebooks)


def grading_digest(course: Course, assignment: str, student: str, notebook: str) -> str:
    """What a notebook's grade is made from, as one sha256: the submitted file (or its absence), the source
    notebook (tests and points) and the files collect rejected for it. A saved status with this digest (and
    its autograded notebook, when it has a score) means the notebook is already graded."""
    digest = hashlib.sha256()
    for path in (course.folder("submitted") / student / assignment / f"{notebook}.ipynb",
                 course.folder("source") / assignment / f"{notebook}.ipynb",
                 handin_path(course.folder("submitted") / student / assignment, notebook)):
        digest.update(hashlib.sha256(path.read_bytes()).digest() if path.is_file() else b"absent")
    for rejected in rejected_for(course, assignment, student, notebook):
        digest.update(f"{rejected.found}\0{rejected.digest}\0".encode())
    return digest.hexdigest()


def already_graded(course: Course, status: NotebookStatus | None, digest: str) -> bool:
    if status is None or status.digest != digest:
        return False
    output = course.folder("autograded") / status.student / status.assignment / f"{status.notebook}.ipynb"
    return status.state in NO_SCORE_STATES or output.is_file()


def prepare_student(course: Course, assignment: str, student: str, timeout: int,
                    only: set[str] | None = None) -> list[Submission]:
    """Sanitised copies in autograded/<student>/<assignment>/ and an execution job per gradable notebook;
    with `only`, just those notebooks (the others, already graded, are left as they are)."""
    submitted = course.folder("submitted") / student / assignment
    notebooks = _register_submission(course, assignment, student, submitted)
    target = course.folder("autograded") / student / assignment
    if only is None:
        shutil.rmtree(target, ignore_errors=True)  # re-running starts from submitted/ again
    else:
        notebooks = [name for name in notebooks if name in only]
        for name in notebooks:
            (target / f"{name}.ipynb").unlink(missing_ok=True)
    target.mkdir(parents=True, exist_ok=True)
    copy_course_files(course, assignment, target)
    prepared = []
    for name in notebooks:
        status = NotebookStatus(student=student, assignment=assignment, notebook=name,
                                digest=grading_digest(course, assignment, student, name))
        prepared.append(Submission(status))
        foreign = rejected_for(course, assignment, student, name)
        if foreign:  # collect refused files this student uploaded under another student's id
            status.add(Problem("foreign_upload", "; ".join(r.describe() for r in foreign)))
        for problem in read_handin(submitted, name):  # an HTML hand-in: how collect got the notebook, or why not
            status.add(problem)
        if status.state in NO_SCORE_STATES:
            continue
        path = submitted / f"{name}.ipynb"
        if not path.is_file():
            others = sorted(p.name for p in submitted.glob("*.ipynb") if p.stem not in notebooks)
            detail = f"no {name}.ipynb in submitted/{student}/{assignment}"
            # a notebook handed in under another name is not 'not submitted': the instructor looks at it
            status.add(Problem("misnamed_notebook", f"{detail} (other notebooks there, not graded: {', '.join(others)})")
                       if others else Problem("missing_notebook", detail))
            continue
        try:
            nb = nbformat.read(path, as_version=4)
            nbformat.validate(nb)
        except Exception as err:
            status.add(Problem("invalid_notebook", f"{type(err).__name__}: {str(err).splitlines()[0][:200]}"))
            continue
        try:
            nb = sanitize(course, nb, status)
        except Exception as err:
            status.add(Problem("metadata_unusable", f"{type(err).__name__}: {str(err)[:200]}"))
            continue
        output = target / f"{name}.ipynb"
        nbformat.write(nb, output)
        key = grading_key(course.grading_secret, student, assignment, name, path.read_bytes())
        prepared[-1].job = ExecutionJob(input_path=str(output), output_path=str(output),
                                        data_files=course_files(course, assignment), timeout=timeout,
                                        env={"NBGRADER_EXECUTION": "autograde"}, notebook=name, key=key.hex())
    return prepared
