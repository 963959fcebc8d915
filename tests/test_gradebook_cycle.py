"""The whole instructor cycle through the command line, on SQLite (the default) and on a real PostgreSQL server
(issue 15 §2, §4, §5): release, collect, two autograde processes writing the gradebook at once, a written answer
graded the way formgrader does it (nbgrader's Gradebook API: manual score and comment), feedback, grades.

The PostgreSQL run starts a throwaway cluster of Debian's `postgresql` package in a temporary folder (Unix socket
only) and stops it at the end. Without PostgreSQL or psycopg it skips, saying what to install; with CI set it
fails instead (.ci/run installs `postgresql`, the test extras install `psycopg[binary]`).
"""
from __future__ import annotations

import csv
import glob
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from backprop_course.course import Course
from backprop_course.simulation import edits as sim
from backprop_course.simulation.toy_course import build_toy_course

pytestmark = pytest.mark.slow

CLI = [sys.executable, "-m", "backprop_course.cli"]
WRITTEN = nbformat.v4.new_markdown_cell(
    "シグモイド関数の微分が h(1-h) になる理由を説明しなさい。\n\n### BEGIN SOLUTION\n"
    "連鎖律により σ'(g) = σ(g)(1-σ(g)) です。\n### END SOLUTION",
    metadata={"nbgrader": {"schema_version": 3, "grade_id": "explain", "solution": True, "grade": True,
                           "locked": False, "points": 2}})
COMMENT = "連鎖律の使い方がよく説明できています。"


def _missing(what: str) -> None:
    message = f"PostgreSQL test needs {what}"
    if os.environ.get("CI"):
        pytest.fail(message + " (CI installs it: .ci/run and the test extras)")
    pytest.skip(message)


def _postgres_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        _missing("Debian's postgresql package (apt-get install postgresql)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _missing("the psycopg driver (pip install 'psycopg[binary]', in the test extras)")
    return Path(found[-1]).parent


@pytest.fixture
def postgres_url():
    """A throwaway PostgreSQL cluster on a Unix socket; yields the gradebook's SQLAlchemy URL."""
    bin_dir = _postgres_bin()
    folder = Path(tempfile.mkdtemp(prefix="gradebook-pg-"))
    as_owner = []
    if os.geteuid() == 0:  # initdb refuses root: the cluster belongs to the postgres account
        shutil.chown(folder, "postgres")
        as_owner = ["runuser", "-u", "postgres", "--"]
    run = lambda *argv: subprocess.run(as_owner + [str(bin_dir / argv[0]), *argv[1:]], check=True,
                                       capture_output=True, text=True, timeout=120)
    try:
        run("initdb", "-D", str(folder / "data"), "-A", "trust", "-U", "grader")
        run("pg_ctl", "-D", str(folder / "data"), "-o", f"-k {folder} -h ''", "-l", str(folder / "log"), "-w", "start")
        try:
            run("createdb", "-h", str(folder), "-U", "grader", "gradebook")
            yield f"postgresql+psycopg://grader@/gradebook?host={folder}"
        finally:
            run("pg_ctl", "-D", str(folder / "data"), "-m", "immediate", "-w", "stop")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _course(root: Path, db_url: str | None) -> Path:
    """The toy course with a written answer in toy_extra."""
    build_toy_course(root, timeout=8)
    extra = root / "source" / "toy" / "toy_extra.ipynb"
    nb = nbformat.read(extra, as_version=4)
    nb.cells.append(WRITTEN)
    nbformat.write(nb, extra)
    if db_url:
        with open(root / "nbgrader_config.py", "a", encoding="utf-8") as config:
            config.write(f"c.CourseDirectory.db_url = {db_url!r}\n")
    return root


def _cli(root: Path, *args: str, expect: int = 0) -> subprocess.CompletedProcess:
    done = subprocess.run(CLI + ["--course-root", str(root), *args], capture_output=True, text=True, timeout=600)
    assert done.returncode == expect, (args, done.stdout[-3000:], done.stderr[-3000:])
    assert "Warning" not in done.stderr and "Traceback" not in done.stderr, (args, done.stderr[-3000:])
    return done


def _lms_zip(root: Path, assignment: str) -> Path:
    """s1000001: model solution with a written answer; s1000002: toy_extra as released; s1000003: no toy_extra."""
    read = lambda step, name: nbformat.read(root / step / assignment / f"{name}.ipynb", as_version=4)
    model = {name: sim.model_solution(read("release", name), read("source", name)) for name in ("toy", "toy_extra")}
    class_ = {"s1000001": model, "s1000002": {"toy": model["toy"], "toy_extra": read("release", "toy_extra")},
              "s1000003": {"toy": model["toy"]}}
    path = root / f"download_{assignment}.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for student, notebooks in class_.items():
            for name, nb in notebooks.items():
                zf.writestr(f"{student}_{name}.ipynb", nbformat.writes(nb))
    return path


def _grade_as_formgrader(course: Course, assignment: str, student: str, score: float, comment: str) -> None:
    """What formgrader's API handlers do when a TA saves a score and a comment."""
    with Gradebook(course.db_url, course.course_id) as gb:
        grade = gb.find_grade("explain", "toy_extra", assignment, student)
        grade.manual_score = score
        grade.needs_manual_grade = grade.manual_score is None and grade.auto_score is None
        gb.db.commit()
        note = gb.find_comment("explain", "toy_extra", assignment, student)
        note.manual_comment = comment
        gb.db.commit()


def _rows(path: Path) -> dict[str, dict]:
    return {r["student"]: r for r in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig")))}


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_whole_cycle_with_written_answers(backend, tmp_path, request):
    db_url = request.getfixturevalue("postgres_url") if backend == "postgresql" else None
    root = _course(tmp_path / "course", db_url)
    course = Course.at(root)
    assert course.db_url == (db_url or f"sqlite:///{root / 'gradebook.db'}")
    _cli(root, "release", "toy")
    _cli(root, "collect", str(_lms_zip(root, "toy")))
    # A second assignment, toy2 (the same notebooks), handed in the same way.
    shutil.copytree(root / "source" / "toy", root / "source" / "toy2")
    with open(root / "course.toml", "a", encoding="utf-8") as settings:
        settings.write("[assignments.toy2]\ndeadline = 2099-07-19T10:30:00\n")
    _cli(root, "release", "toy2")
    for student in ("s1000001", "s1000002", "s1000003"):
        shutil.copytree(root / "submitted" / student / "toy", root / "submitted" / student / "toy2")
    assert (root / "gradebook.db").exists() == (backend == "sqlite")

    # Two autograde processes (two TAs, two assignments) writing the gradebook at once.
    runs = [subprocess.Popen(CLI + ["--course-root", str(root), "autograde", name, "--quiet", "--jobs", "1"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for name in ("toy", "toy2")]
    for process in runs:
        out, err = process.communicate(timeout=600)
        assert process.returncode == 0, (out, err)
        assert "Warning" not in err and "Traceback" not in err, err
        assert "not_submitted" in out and "not_gradable" not in out

    _grade_as_formgrader(course, "toy", "s1000001", 1.5, COMMENT)  # toy2's written answer stays open
    _cli(root, "feedback")
    _cli(root, "grades", "toy", "--csv", str(tmp_path / "toy.csv"))
    _cli(root, "grades", "toy2", "--csv", str(tmp_path / "toy2.csv"), "--no-report")

    toy, toy2 = _rows(tmp_path / "toy.csv"), _rows(tmp_path / "toy2.csv")
    assert (toy["s1000001"]["toy_extra"], toy["s1000001"]["total"], toy["s1000001"]["total_final"]) == ("2.5", "8.5", "yes")
    assert toy["s1000001"]["manual_open"] == "" and toy["s1000001"]["needs_manual_grading"] == ""
    assert (toy2["s1000001"]["total_final"], toy2["s1000001"]["manual_open"]) == ("no", "toy_extra:explain")
    assert toy2["s1000001"]["needs_manual_grading"] == "toy_extra"
    # The answer left as released: nbgrader's automatic 0, nothing open. Not handed in: never open, counts 0.
    assert (toy["s1000002"]["toy_extra"], toy["s1000002"]["total_final"]) == ("0", "yes")
    assert (toy["s1000003"]["toy_extra"], toy["s1000003"]["total"], toy["s1000003"]["status"]) == ("", "6", "not_submitted")
    assert toy["s1000003"]["needs_manual_grading"] == "" and toy["s1000003"]["manual_open"] == ""

    page = (root / "feedback" / "s1000001" / "toy" / "toy_extra.html").read_text(encoding="utf-8")
    assert COMMENT in page and "1.5 / 2" in page and "この解答の得点" in page
    waiting = (root / "feedback" / "s1000001" / "toy2" / "toy_extra.html").read_text(encoding="utf-8")
    assert "採点中 / 2" in waiting and "まだ採点されていない" in waiting and COMMENT not in waiting

    graded = nbformat.read(root / "autograded" / "s1000001" / "toy" / "toy.ipynb", as_version=4)
    assert any(o.get("data", {}).get("image/png") for c in graded.cells if c.cell_type == "code" for o in c.outputs)
    statuses = json.loads((root / "grading_status" / "toy.json").read_text("utf-8"))
    assert {s["state"] for s in statuses.values()} == {"graded", "not_submitted"}
