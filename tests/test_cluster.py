"""autograde on a real Dask cluster: a scheduler and two workers started as separate processes on 127.0.0.1
(`dask scheduler`, `dask worker`, each worker under its nanny, one task at a time), no mocks.

- A small toy class graded through the cluster gets the same states, scores and test outcomes as the local pool;
  one worker is killed by its process id while it runs a notebook, and every grade is still accounted for
  (the scheduler gives the lost notebook to a worker again).
- A notebook that kills every worker it runs on ends as `worker_lost` (not gradable: no score, flagged for
  manual grading, never a zero) after the scheduler's allowed-failures (1 here: two workers died), and the
  other notebooks are unaffected. The fault is real: inside a confined kernel student code cannot signal the
  worker (own account, own process namespace), but the executed notebook's outputs live in the worker's memory.
  The course allows 4 GB of outputs (max_output_mb) and the workers have a 500 MB memory limit, so a notebook
  displaying output in a loop takes its worker past 95% of that limit and the worker's nanny kills it, every
  time (in a few seconds; its cell timeout, 30 s here, bounds the flood should the nanny fail). (With the default budget of 16 MB a notebook adds about 60 MB to a worker: measured here.)
- A worker that cannot confine kernels (bubblewrap not on its PATH) refuses: the status says why and keeps no
  digest (the next run grades it again); with allow_unconfined the same worker grades, flagged unconfined.
- The command line with [grading] cluster in course.toml, interrupted by Ctrl-C (SIGINT) and run again: the rerun
  grades only what is missing, and --verbose says which worker graded each notebook.
- The scheduler killed mid-run: the run stops with a CourseError as if interrupted (no notebook is marked not
  gradable for it), and what was saved stays.
"""
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest
from distributed import Client
from nbgrader.api import Gradebook

from backprop_course.autograde import autograde, exit_status
from backprop_course.autograde.cluster_local import LocalDaskCluster
from backprop_course.course import Course, CourseError
from backprop_course.course.status import load_statuses
from backprop_course.release import release_assignment
from backprop_course.simulation.edits import model_solution, with_appended, with_source
from backprop_course.simulation.toy_course import build_toy_course

pytestmark = pytest.mark.slow
NOTEBOOKS = ("toy", "toy_extra")
WORKER_MEMORY = "500MB"  # a worker holds ~255 MB after grading 16 toy notebooks (measured)
# Grading needs no memory management of Dask's (no data is kept): only the nanny's kill at 95% of the limit.
WORKER_CONFIG = {"distributed.worker.memory.target": False, "distributed.worker.memory.spill": False,
                 "distributed.worker.memory.pause": False}
# One task on a worker at a time (not 1.1: a queued notebook would share the fate of a dying worker).
SCHEDULER_CONFIG = {"distributed.scheduler.allowed-failures": 1, "distributed.scheduler.worker-saturation": 1.0}
FLOOD = "for _ in range(1000):\n    display({'text/plain': 'x' * 5_000_000}, raw=True)"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    logs = tmp_path_factory.mktemp("dask-logs")
    with LocalDaskCluster(workers=2, nanny=True, memory_limit=WORKER_MEMORY, scheduler_config=SCHEDULER_CONFIG,
                          worker_config=WORKER_CONFIG, log_dir=logs) as started:
        yield started


def toy_class(root: Path, students: dict, sandbox: str = "", timeout: int = 8) -> Course:
    """The toy course released, with `students` = {student: {notebook: edit of the model solution or text}}."""
    build_toy_course(root, timeout=timeout)
    if sandbox:
        (root / "course.toml").write_text((root / "course.toml").read_text() + f"[grading.sandbox]\n{sandbox}\n")
    release_assignment(root, "toy")
    read = lambda folder, name: nbformat.read(root / folder / "toy" / f"{name}.ipynb", as_version=4)
    good = {name: model_solution(read("release", name), read("source", name)) for name in NOTEBOOKS}
    for student, edits in students.items():
        folder = root / "submitted" / student / "toy"
        folder.mkdir(parents=True)
        for name, edit in edits.items():
            nb = edit(good[name]) if callable(edit) else edit
            (folder / f"{name}.ipynb").write_text(nb if isinstance(nb, str) else nbformat.writes(nb), encoding="utf-8")
    return Course.at(root)


def keep(nb):
    return nb


def outcome(status) -> tuple:
    return status.state, status.score, [(t.grade_id, t.points) for t in status.tests], [p.kind for p in status.problems]


def assert_gradebook_agrees(course: Course, statuses) -> None:
    with Gradebook(course.db_url, course.course_id) as gb:
        for status in statuses:
            notebook = gb.find_submission_notebook(status.notebook, "toy", status.student)
            if status.state == "not_gradable":
                assert all(g.auto_score is None and g.needs_manual_grade for g in notebook.grades), status.key
            elif status.state != "not_submitted":
                assert notebook.score == status.score, status.key


def kill_a_busy_worker(cluster: LocalDaskCluster, course: Course, run: threading.Thread,
                       seconds: float = 120) -> str | None:
    """SIGKILL to a worker process while it runs a notebook, once the run has saved a status; its address (None:
    the run ended first)."""
    deadline = time.monotonic() + seconds
    with Client(cluster.address, set_as_default=False) as client:
        while time.monotonic() < deadline and run.is_alive():
            busy = [worker for worker, keys in client.processing().items() if keys]
            saved = list((course.folder("grading_status") / "toy").glob("*/*.json"))
            if busy and any("Dask worker" in path.read_text("utf-8") for path in saved):
                os.kill(cluster.worker_pids()[busy[0]], signal.SIGKILL)
                return busy[0]
            time.sleep(0.05)
    return None


def test_the_cluster_grades_as_the_local_pool_and_a_worker_killed_mid_run_costs_nothing(tmp_path, cluster):
    wrong = "def sigmoid(g):\n    return 1.0 / (1.0 + np.exp(g))"
    course = toy_class(tmp_path / "course", {
        "s1000001": {"toy": keep, "toy_extra": keep},
        "s1000002": {"toy": lambda nb: with_source(nb, "sigmoid", wrong), "toy_extra": keep},
        "s1000003": {"toy": lambda nb: with_source(nb, "sigmoid_grad", "import os\nos._exit(1)"), "toy_extra": keep},
        "s1000004": {"toy": '{"cells": [ not json', "toy_extra": keep},
        "s1000005": {"toy": keep},
        "s1000006": {"toy": lambda nb: with_source(nb, "sigmoid", "def sigmoid(g):\n    return 0.5 + 0 * g"),
                     "toy_extra": keep},
    })
    local = {s.key: outcome(s) for s in autograde(course, "toy", jobs=2, progress=False)}

    finished = {}

    def grade_on_the_cluster():
        try:
            finished["statuses"] = autograde(course, "toy", progress=False, regrade=True, cluster=cluster.address)
        except BaseException as err:  # shown by the assertion below
            finished["error"] = err
    run = threading.Thread(target=grade_on_the_cluster)
    run.start()
    killed = kill_a_busy_worker(cluster, course, run)
    run.join(timeout=300)
    assert not run.is_alive() and "error" not in finished, finished.get("error")
    assert killed is not None, "no worker was busy while the run went on"

    statuses = finished["statuses"]
    assert {s.key for s in statuses} == {f"s100000{i}/{nb}" for i in range(1, 7) for nb in NOTEBOOKS}
    assert {s.key: outcome(s) for s in statuses} == local
    assert load_statuses(course, "toy").keys() == local.keys()
    assert_gradebook_agrees(course, statuses)
    graders = {note.split()[4] for s in statuses for note in s.notes if note.startswith("graded by Dask worker")}
    assert len(graders) >= 2 and all(a.startswith("tcp://127.0.0.1:") for a in graders)
    assert killed not in cluster.worker_pids()  # gone; its nanny started a new worker
    cluster.wait_for_workers(2)


def test_a_notebook_that_kills_every_worker_it_runs_on_ends_for_review(tmp_path, cluster):
    course = toy_class(tmp_path / "course", {
        "s1000001": {"toy": keep, "toy_extra": keep},
        "s1000002": {"toy": lambda nb: with_appended(nb, "sigmoid", FLOOD), "toy_extra": keep},
        "s1000003": {"toy": keep, "toy_extra": keep},
    }, sandbox="max_output_mb = 4096", timeout=30)
    pids_before = set(cluster.worker_pids().values())

    statuses = {s.key: s for s in autograde(course, "toy", progress=False, cluster=cluster.address)}

    lost = statuses.pop("s1000002/toy")
    assert lost.state == "not_gradable" and lost.score is None
    assert [p.kind for p in lost.problems] == ["worker_lost"]
    assert lost.problems[0].detail.startswith("2 workers died while running it")
    assert lost.digest  # kept on a rerun: it would kill workers again (--regrade tries)
    assert {key: (s.state, s.score) for key, s in statuses.items()} == {
        "s1000001/toy": ("graded", 6), "s1000001/toy_extra": ("graded", 1), "s1000002/toy_extra": ("graded", 1),
        "s1000003/toy": ("graded", 6), "s1000003/toy_extra": ("graded", 1)}
    assert exit_status([lost, *statuses.values()]) == 1
    assert_gradebook_agrees(course, [lost, *statuses.values()])
    cluster.wait_for_workers(2)
    assert len(pids_before - set(cluster.worker_pids().values())) >= 1  # workers really died (their nannies restarted them)

    again = autograde(course, "toy", progress=False, cluster=cluster.address)
    assert {s.key: (s.state, s.score) for s in again} == {s.key: (s.state, s.score) for s in [lost, *statuses.values()]}


def test_a_worker_that_cannot_confine_refuses_and_says_why(tmp_path, capsys):
    course = toy_class(tmp_path / "course", {"s1000001": {"toy_extra": keep}})
    without_bubblewrap = {"PATH": str(Path(sys.executable).parent)}
    with LocalDaskCluster(workers=1, worker_env=without_bubblewrap, log_dir=tmp_path) as lonely:
        refused = autograde(course, "toy", progress=False, cluster=lonely.address)
        warning = capsys.readouterr().err
        assert "cannot confine kernels and will refuse every notebook" in warning and "bwrap" in warning
        by_key = {s.key: s for s in refused}
        status = by_key["s1000001/toy_extra"]
        assert status.state == "not_gradable" and status.digest == ""  # the next run grades it again
        assert "refused" in status.problems[0].detail and "bwrap" in status.problems[0].detail

        (course.root / "course.toml").write_text((course.root / "course.toml").read_text()
                                                 + "[grading.sandbox]\nallow_unconfined = true\n")
        graded = {s.key: s for s in autograde(Course.at(course.root), "toy", progress=False, cluster=lonely.address)}
        assert "cannot confine kernels and will grade UNCONFINED every notebook" in capsys.readouterr().err
    assert (graded["s1000001/toy_extra"].state, graded["s1000001/toy_extra"].score) == ("graded", 1)
    assert graded["s1000001/toy_extra"].unconfined
    assert json.loads((course.folder("grading_status") / "toy.json").read_text("utf-8"))["s1000001/toy_extra"][
        "unconfined"]


def test_ctrl_c_then_a_rerun_grades_only_what_is_missing_on_the_cluster_named_in_course_toml(tmp_path, cluster):
    course = toy_class(tmp_path / "course", {f"s100000{i}": {"toy": keep, "toy_extra": keep} for i in range(1, 6)})
    (course.root / "course.toml").write_text((course.root / "course.toml").read_text()
                                             + f'[grading]\ncluster = "{cluster.address}"\n')
    command = [str(Path(sys.executable).with_name("backprop-course")), "--course-root", str(course.root), "autograde", "toy"]
    records = lambda: {p: p.read_bytes() for p in (course.folder("grading_status") / "toy").glob("*/*.json")}
    interrupted = subprocess.Popen([*command, "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while len(records()) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    interrupted.send_signal(signal.SIGINT)
    assert interrupted.wait(timeout=60) != 0
    before = records()
    assert 2 <= len(before) < 10

    rerun = subprocess.run([*command, "--verbose"], capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert f"{len(before)} notebook(s) already graded from the same files, kept" in rerun.stderr
    after = records()
    assert len(after) == 10 and all(after[path] == data for path, data in before.items())
    assert rerun.stdout.count("graded by Dask worker tcp://127.0.0.1:") == 10


def test_losing_the_scheduler_stops_the_run_and_keeps_what_is_saved(tmp_path):
    course = toy_class(tmp_path / "course", {f"s100000{i}": {"toy": keep, "toy_extra": keep} for i in range(1, 4)})
    saved = lambda: sorted((course.folder("grading_status") / "toy").glob("*/*.json"))
    with LocalDaskCluster(workers=1, log_dir=tmp_path) as doomed:
        def kill_the_scheduler():
            deadline = time.monotonic() + 120
            while not saved() and time.monotonic() < deadline:
                time.sleep(0.05)
            doomed.processes[0].kill()  # the scheduler, started first
        threading.Thread(target=kill_the_scheduler, daemon=True).start()
        with pytest.raises(CourseError, match="lost the Dask scheduler"):
            autograde(course, "toy", progress=False, cluster=doomed.address)
    records = [json.loads(path.read_text("utf-8")) for path in saved()]
    assert 1 <= len(records) < 6 and all(r["state"] == "graded" for r in records)
    index = json.loads((course.folder("grading_status") / "toy.json").read_text("utf-8"))
    assert sorted(index) == sorted(f"{r['student']}/{r['notebook']}" for r in records)
