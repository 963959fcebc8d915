"""The conditions a notebook runs under when it is graded, the same for the student's `check`.

One place for both sides: the student's `python -m backprop_kit check` (which has only the kit) and the course
tool's autograde (nbgrader_config.py's `c.Execute.timeout`, the grading kernel's environment) read these
numbers, so a notebook that `check` runs in time is given the same time when graded, on the same number of
BLAS threads. The notebooks' first cells tell students the limit (tests/test_limits_agree.py holds all of
these to the same numbers).

- CELL_SECONDS: how long one code cell may run before it is interrupted (its tests, and later ones that need
  it, then fail). The model solutions' slowest cell takes a few seconds.
- BLAS_THREADS: threads of the matrix libraries (OpenBLAS, MKL, OpenMP) in the kernel. Grading runs many
  kernels side by side, one core each; a student's laptop would otherwise use all its cores in `check`
  and finish a heavy cell several times faster than the grader does.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

CELL_SECONDS = 60
BLAS_THREADS = 1
# The variables the BLAS and OpenMP runtimes read when numpy (or scikit-learn) is first imported.
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def blas_thread_environment() -> dict[str, str]:
    """Environment variables that give a kernel BLAS_THREADS matrix threads: {name: "1", ...}."""
    return {name: str(BLAS_THREADS) for name in BLAS_THREAD_VARIABLES}


def limits_text(cell_seconds: int = CELL_SECONDS) -> str:
    """The conditions in Japanese for a student: 「各セル 60 秒以内、行列計算は 1 スレッド」."""
    return f"各セル {cell_seconds} 秒以内、行列計算は {BLAS_THREADS} スレッド"


@contextmanager
def grading_threads() -> Iterator[None]:
    """Within the block, kernels started by this process get BLAS_THREADS threads (they inherit os.environ);
    the process's own environment is restored afterwards."""
    saved = {name: os.environ.get(name) for name in BLAS_THREAD_VARIABLES}
    os.environ.update(blas_thread_environment())
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
