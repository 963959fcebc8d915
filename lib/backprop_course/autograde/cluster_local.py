"""A Dask cluster on this machine, made of the same plain commands one runs on real machines
(`dask scheduler`, `dask worker`), for trying `autograde --cluster`, for the tests and for the benchmark.

    with LocalDaskCluster(workers=2) as cluster:
        autograde(course, "toy", cluster=cluster.address)
        os.kill(min(cluster.worker_pids().values()), signal.SIGKILL)   # a worker lost mid-run

Every process listens on 127.0.0.1 at a port of the system's choosing (the scheduler writes its address to a
scheduler file); each worker runs one task at a time (`--nthreads 1`), as grading needs (execute.py sets the
kernel's environment in its own process). `scheduler_config` and `worker_config` are Dask settings for those
processes (for example {"distributed.scheduler.allowed-failures": 1}), passed as DASK_* environment variables;
`worker_env`, more environment variables for the workers (a PATH without bubblewrap: a worker that must refuse).
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

START_SECONDS = 60


def dask_environment(settings: dict) -> dict:
    """Dask settings ({"distributed.scheduler.allowed-failures": 1}) as the environment variables Dask reads."""
    return {"DASK_" + "__".join(part.replace("-", "_").upper() for part in key.split(".")): json.dumps(value)
            for key, value in settings.items()}


class LocalDaskCluster:
    """A scheduler and `workers` worker processes on 127.0.0.1; `nanny=False` starts each worker without its
    nanny (killed, it stays dead); `memory_limit` is each worker's (a nanny restarts a worker above 95% of it)."""

    def __init__(self, workers: int = 2, nanny: bool = False, memory_limit: str = "0",
                 scheduler_config: dict | None = None, worker_config: dict | None = None,
                 worker_env: dict | None = None, log_dir: Path | None = None):
        self.workers, self.nanny, self.memory_limit = workers, nanny, memory_limit
        self.scheduler_config, self.worker_config = scheduler_config or {}, worker_config or {}
        self.worker_env = worker_env or {}
        self.folder = Path(tempfile.mkdtemp(prefix="backprop-dask-"))
        self.log_dir = Path(log_dir) if log_dir else self.folder
        self.processes: list[subprocess.Popen] = []
        self.address = ""

    def _start(self, arguments: list[str], name: str, settings: dict, env: dict | None = None) -> subprocess.Popen:
        dask = Path(sys.executable).with_name("dask")
        log = open(self.log_dir / f"{name}.log", "ab")
        process = subprocess.Popen([str(dask), *arguments], stdout=log, stderr=subprocess.STDOUT,
                                   env={**os.environ, **(env or {}), **dask_environment(settings)}, start_new_session=True)
        log.close()
        self.processes.append(process)
        return process

    def __enter__(self) -> "LocalDaskCluster":
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        scheduler_file = self.folder / "scheduler.json"
        self._start(["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                     "--scheduler-file", str(scheduler_file)], "scheduler", self.scheduler_config)
        deadline = time.monotonic() + START_SECONDS
        while not scheduler_file.is_file():
            self._check_alive(deadline, "the scheduler")
        self.address = json.loads(scheduler_file.read_text())["address"]
        for number in range(self.workers):
            self._start(["worker", "--scheduler-file", str(scheduler_file), "--host", "127.0.0.1",
                         "--nthreads", "1", "--nworkers", "1", "--no-dashboard", "--name", f"grader-{number}",
                         "--memory-limit", self.memory_limit, "--nanny" if self.nanny else "--no-nanny"],
                        f"worker-{number}", self.worker_config, self.worker_env)
        self.wait_for_workers(self.workers)

    def _check_alive(self, deadline: float, what: str) -> None:
        dead = [p.args[1] for p in self.processes if p.poll() is not None]
        if dead or time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start ({'ended: ' + ', '.join(dead) if dead else 'timeout'}); "
                               f"logs in {self.log_dir}")
        time.sleep(0.1)

    def worker_pids(self) -> dict[str, int]:
        """The process id of each worker process (not its nanny), by the worker's address: asked of each worker."""
        from distributed import Client
        with Client(self.address, timeout=START_SECONDS, set_as_default=False) as client:
            return client.run(os.getpid)

    def wait_for_workers(self, count: int) -> None:
        from distributed import Client
        with Client(self.address, timeout=START_SECONDS, set_as_default=False) as client:
            client.wait_for_workers(count, timeout=START_SECONDS)

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)
