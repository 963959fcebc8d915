"""A crash-proof autograde: the grader (the CLI, a subprocess) is killed with SIGKILL at random points of a
small class run and run again until it ends; every grade must then be accounted for.

The class (toy course, two notebooks each): good students, a wrong answer, invalid JSON, a missing notebook,
and a notebook whose pre_run_cell hook displays 1e9 in every cell, which makes nbgrader's SaveAutoGrades raise
ValueError in the grader's own process (issue 13): that notebook must get its own status and the run go on.
Checked after every kill: no half-written status or notebook, no process of the killed run left behind,
and every status saved before the kill unchanged to the byte at the end (nothing graded twice without
need). At the end: a status for every notebook, and the gradebook agrees with every status.
"""
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import psutil
import pytest
from nbgrader.api import Gradebook

from backprop_course.release import release_assignment
from backprop_course.simulation.edits import model_solution, with_appended, with_source
from backprop_course.simulation.toy_course import build_toy_course
from hostile.corpus import POINTS_ABOVE_MAXIMUM

pytestmark = pytest.mark.slow
CLI = Path(sys.executable).with_name("backprop-course")
NOTEBOOKS = ("toy", "toy_extra")
KILLS = 4


def build_class(root: Path) -> dict:
    build_toy_course(root, timeout=8)
    release_assignment(root, "toy")
    read = lambda folder, name: nbformat.read(root / folder / "toy" / f"{name}.ipynb", as_version=4)
    good = {name: model_solution(read("release", name), read("source", name)) for name in NOTEBOOKS}
    students = {f"s100000{i}": dict(good) for i in (1, 2, 3)}
    students["s1000004"] = {**good, "toy": with_source(good["toy"], "sigmoid", "def sigmoid(g):\n    return 0.5 + 0 * g")}
    students["s1000005"] = {**good, "toy": '{"cells": [ not json'}
    students["s1000006"] = {**good, "toy": with_appended(good["toy"], "sigmoid", POINTS_ABOVE_MAXIMUM)}
    students["s1000007"] = {"toy": good["toy"]}  # toy_extra missing
    for student, notebooks in sorted(students.items()):
        folder = root / "submitted" / student / "toy"
        folder.mkdir(parents=True)
        for name, nb in notebooks.items():
            (folder / f"{name}.ipynb").write_text(nb if isinstance(nb, str) else nbformat.writes(nb), encoding="utf-8")
    return students


def records(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted((root / "grading_status" / "toy").glob("*/*.json"))}


def assert_nothing_half_written(root: Path) -> None:
    for path in (root / "grading_status").rglob("*.json"):
        json.loads(path.read_text("utf-8"))
    for record in records(root).values():
        status = json.loads(record)
        if status["state"] not in ("not_gradable", "not_submitted"):
            nbformat.read(root / "autograded" / status["student"] / "toy" / f"{status['notebook']}.ipynb",
                          as_version=4)


def wait_gone(processes: list, seconds: float = 60) -> list:
    """The processes of a killed run still alive after `seconds` (they should follow it at once)."""
    deadline = time.monotonic() + seconds
    alive = processes
    while alive and time.monotonic() < deadline:
        alive = [p for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        time.sleep(0.2)
    return alive


def run(root: Path, log: Path, kill_when=None) -> tuple[int | None, float]:
    """One CLI run; `kill_when(seconds)` true: SIGKILL to the grader (its children must follow on their own)."""
    started = time.monotonic()
    with open(log, "ab") as out:
        process = subprocess.Popen([str(CLI), "--course-root", str(root), "autograde", "toy", "--jobs", "2", "--quiet"],
                                   stdout=out, stderr=out, start_new_session=True)
        while process.poll() is None:
            if kill_when is not None and kill_when(time.monotonic() - started):
                family = psutil.Process(process.pid).children(recursive=True)
                process.send_signal(signal.SIGKILL)
                process.wait()
                left = wait_gone(family)
                for survivor in left:  # only this test's own processes; reported as a failure below
                    survivor.kill()
                assert left == [], f"processes of the killed run left behind: {left}"
                return None, time.monotonic() - started
            time.sleep(0.05)
        return process.returncode, time.monotonic() - started


def kill_points(rng: random.Random, root: Path, total: int) -> list:
    """Where to kill: once early (before or while the first notebooks run), then when a random number of
    statuses is saved, plus a random fraction of a second (inside a finish, a save, between notebooks)."""
    early = rng.uniform(1.0, 6.0)
    points = [lambda seconds: seconds > early]
    for target in sorted(rng.sample(range(1, total - 1), KILLS - 1)):
        jitter, seen = rng.uniform(0.0, 1.5), {}

        def when(seconds, target=target, jitter=jitter, seen=seen):
            if "at" not in seen and len(records(root)) >= target:
                seen["at"] = seconds
            return "at" in seen and seconds >= seen["at"] + jitter
        points.append(when)
    return points


def test_killed_at_random_points_and_rerun_every_grade_is_accounted_for(tmp_path, capsys):
    root = tmp_path / "course"
    students = build_class(root)
    seed = int(os.environ.get("KILL_SEED", time.time_ns() % 10**6))
    rng = random.Random(seed)
    history, kept = [], {}
    for kill_when in kill_points(rng, root, 2 * len(students)):
        code, seconds = run(root, tmp_path / "runs.log", kill_when)
        assert_nothing_half_written(root)
        now = records(root)
        changed = [key for key, data in kept.items() if now.get(key) != data]
        assert changed == [], f"statuses saved before a kill were graded again: {changed}"
        history.append((round(seconds, 1), "finished" if code is not None else "killed", len(now) - len(kept)))
        kept = now
        if code is not None:
            break
    code, seconds = run(root, tmp_path / "runs.log")
    history.append((round(seconds, 1), "final", len(records(root)) - len(kept)))
    assert code == 1, (tmp_path / "runs.log").read_text(errors="replace")[-3000:]  # not-gradable ones exist
    final = records(root)
    assert [key for key, data in kept.items() if final[key] != data] == []
    statuses = {(s["student"], s["notebook"]): s for s in map(json.loads, final.values())}
    expected = {(student, name) for student in students for name in NOTEBOOKS}
    assert set(statuses) == expected
    index = json.loads((root / "grading_status" / "toy.json").read_text("utf-8"))
    assert {(s["student"], s["notebook"]) for s in index.values()} == expected
    disagree = []
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        for (student, name), status in statuses.items():
            notebook = gb.find_submission_notebook(name, "toy", student)
            if status["state"] == "not_gradable":
                ok = all(g.auto_score is None and g.needs_manual_grade for g in notebook.grades)
            elif status["state"] == "not_submitted":  # nothing handed in: nothing for formgrader to wait for
                ok = not notebook.needs_manual_grade
            else:
                ok = notebook.score == status["score"]
            if not ok:
                disagree.append((student, name, status["state"], status["score"], notebook.score))
    assert disagree == []
    state = lambda student, name: (statuses[(student, name)]["state"], statuses[(student, name)]["score"])
    for student in ("s1000001", "s1000002", "s1000003"):
        assert state(student, "toy") == ("graded", 6) and state(student, "toy_extra") == ("graded", 1)
    assert state("s1000004", "toy")[0] == "graded" and state("s1000004", "toy")[1] < 6
    assert state("s1000005", "toy")[0] == "not_gradable" and state("s1000007", "toy_extra")[0] == "not_submitted"
    crash = statuses[("s1000006", "toy")]
    assert crash["state"] == "not_gradable" and "partial credit cannot be greater" in crash["problems"][0]["detail"]
    assert state("s1000006", "toy_extra") == ("graded", 1) and state("s1000007", "toy") == ("graded", 6)
    with capsys.disabled():
        print(f"\nkill-and-rerun (seed {seed}): runs (seconds, how it ended, statuses saved) {history}; "
              f"{len(expected)} notebooks, {len(final)} statuses, 0 lost, 0 graded twice after being saved, "
              f"gradebook and statuses agree")


def test_ctrl_c_ends_the_run_at_once_with_one_line_and_a_rerun_grades_only_the_rest(tmp_path):
    """Ctrl-C in the instructor's terminal (SIGINT to the whole process group, workers included): the run ends
    without waiting for the running notebooks, says so in one line (no traceback of the workers or the main
    process), leaves no process behind, and the same command again keeps every saved status and grades the rest."""
    root = tmp_path / "course"
    build_class(root)
    command = [str(CLI), "--course-root", str(root), "autograde", "toy", "--jobs", "2", "--quiet"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    deadline = time.monotonic() + 120
    while len(records(root)) < 2 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    family = psutil.Process(process.pid).children(recursive=True)
    os.killpg(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130, err[-3000:]
    assert "interrupted (Ctrl-C)" in err and "Traceback" not in err, err[-3000:]
    assert wait_gone(family, 30) == []
    assert_nothing_half_written(root)
    before = records(root)
    assert 2 <= len(before) < 2 * 7
    rerun = subprocess.run(command[:-1] + ["--verbose"], capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 1, rerun.stderr[-3000:]  # the class has not-gradable notebooks
    assert f"{len(before)} notebook(s) already graded from the same files, kept" in rerun.stderr
    after = records(root)
    assert len(after) == 2 * 7 and all(after[path] == data for path, data in before.items())
