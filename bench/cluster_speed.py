"""Grading on a Dask cluster against the local pool, on the same machine and the same class.

A simulated class (default 100 students x the course's four notebooks: model solutions, untouched releases and
the catalogue's demo mistakes, all .ipynb) is collected into two throwaway copies of the course under
build/bench_cluster/. One is graded by the local pool (`--jobs` workers), the other through a Dask scheduler
and as many `dask worker` processes (--nthreads 1) started on 127.0.0.1 (the cluster's start-up is not timed:
a cluster is running before the instructor grades; each worker's first task, importing the grader, is). Prints
both wall times, the cluster's throughput as a ratio of the pool's (goal >= 0.9x), and for both the overhead
per notebook: worker time beyond the notebook's own cell time (wall time x workers / notebooks - mean cell time),
and the part of it spent inside the executor (kernel start and stop, reading and writing). It also checks that
both runs gave every notebook the same state and score.

    .venv/bin/python bench/cluster_speed.py [--students 100] [--workers 2] [--rounds 1]

With --rounds 2 each is graded twice, in the order pool, cluster, cluster, pool (every notebook again), and the
times are summed: on a machine shared with other work, a load that grows or shrinks during the run counts the
same for both.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from grading_speed import ROOT, prepared_course  # noqa: E402  (the same throwaway course and class set-up)

from backprop_course.autograde import autograde  # noqa: E402
from backprop_course.autograde.cluster_local import LocalDaskCluster  # noqa: E402
from backprop_course.collect import collect  # noqa: E402
from backprop_course.course.folder import GRADING_SECRET_FILE  # noqa: E402
from backprop_course.simulation.classroom import simulated_class  # noqa: E402
from backprop_course.simulation.course_demo import write_lms_zip  # noqa: E402

# One notebook per worker at a time; nothing queued behind a running notebook (a dying worker takes its queue).
SCHEDULER_CONFIG = {"distributed.scheduler.worker-saturation": 1.0}


def timed(grade) -> tuple[float, list]:
    started = time.perf_counter()
    statuses = grade()
    return time.perf_counter() - started, statuses


def report(label: str, seconds: float, statuses: list, workers: int) -> float:
    """Print the run's numbers; returns its overhead per notebook (worker seconds beyond the cells)."""
    graded = [s for s in statuses if s.execute_seconds > 0]
    cells = sum(s.cells_seconds for s in graded) / len(graded)
    inside = sum(s.execute_seconds - s.cells_seconds for s in graded) / len(graded)
    overhead = seconds * workers / len(graded) - cells
    print(f"{label:<24} {seconds:7.1f} s  {len(graded) / seconds:5.2f} notebooks/s  overhead per notebook "
          f"{overhead:4.2f} s (inside the executor {inside:4.2f} s; mean cells {cells:4.2f} s)")
    return overhead


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2, help="pool workers, and Dask workers")
    parser.add_argument("--rounds", type=int, default=1, help="2: pool, cluster, cluster, pool (times summed)")
    args = parser.parse_args()
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    work = ROOT / "build" / "bench_cluster"
    pool_course = prepared_course(work / "pool", None)
    students = simulated_class(pool_course, n_students=args.students, include_broken=False)
    collect(pool_course, write_lms_zip(students, work / "class.zip"))
    cluster_course = prepared_course(work / "cluster", students)
    pool_course.grading_secret  # made on first use; the same secret, so the same hidden cases in both courses
    shutil.copy2(pool_course.root / GRADING_SECRET_FILE, cluster_course.root / GRADING_SECRET_FILE)

    runs = {"pool": [0.0, []], "cluster": [0.0, []]}
    with LocalDaskCluster(workers=args.workers, scheduler_config=SCHEDULER_CONFIG, log_dir=work) as cluster:
        grade = {"pool": lambda: autograde(pool_course, jobs=args.workers, progress=True, regrade=True),
                 "cluster": lambda: autograde(cluster_course, progress=True, cluster=cluster.address, regrade=True)}
        for number in range(args.rounds):  # pool, cluster, then cluster, pool: a drift of the machine's load cancels
            for name in ("pool", "cluster") if number % 2 == 0 else ("cluster", "pool"):
                seconds, statuses = timed(grade[name])
                runs[name][0] += seconds
                runs[name][1] += statuses
    (pool_seconds, pool), (cluster_seconds, on_cluster) = runs["pool"], runs["cluster"]

    print(f"\n{args.students} students, {len(pool) // args.rounds} notebooks, {args.rounds} round(s), {args.workers} "
          f"workers, {os.cpu_count()} cores")
    report("local pool", pool_seconds, pool, args.workers)
    report("Dask cluster (local)", cluster_seconds, on_cluster, args.workers)
    print(f"cluster throughput: {pool_seconds / cluster_seconds:.2f}x the pool's  (goal >= 0.9x); "
          "overhead per notebook: stretch goal <= 0.3 s")
    outcomes = {s.key: (s.state, s.score) for s in on_cluster}
    differ = [f"{s.key}: pool {s.state} {s.score}, cluster {outcomes.get(s.key)}" for s in pool
              if (s.state, s.score) != outcomes.get(s.key)]
    print(f"same state and score for every notebook: {'yes' if not differ else 'NO'}", *differ, sep="\n  ")


if __name__ == "__main__":
    main()
