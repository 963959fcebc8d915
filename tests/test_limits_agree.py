"""`check` and autograde hold a notebook to the same conditions (backprop_kit.limits): the seconds one cell may
run and one BLAS thread per kernel. A correct notebook that passed `check` with 120 s per cell on a laptop's
every core once timed out in grading (60 s, one thread) and lost 6 points."""
import io
import os
from pathlib import Path

import nbformat
import pytest
from backprop_kit import limits
from backprop_kit.limits import BLAS_THREAD_VARIABLES, BLAS_THREADS, CELL_SECONDS, blas_thread_environment
from backprop_kit.student import check as kit_check
from backprop_kit.student.cli import main as kit_main

from backprop_course import cli as course_cli
from backprop_course.autograde.execute import KERNEL_ENV
from backprop_course.course import Course
from backprop_course.sandbox.command import KernelJail
from backprop_course.sandbox.policy import Policy
from backprop_course.student import check as course_check

ROOT = Path(__file__).resolve().parents[1]
# What a kernel reports about its own threads: the environment it was given and OpenBLAS's thread pool.
THREADS_PROBE = f"""
import os, numpy, threadpoolctl
blas = [pool["num_threads"] for pool in threadpoolctl.threadpool_info() if pool["user_api"] == "blas"]
assert blas, "no BLAS found"
env = {{name: os.environ.get(name) for name in {BLAS_THREAD_VARIABLES!r}}}
assert set(env.values()) == {{"{BLAS_THREADS}"}}, env
assert set(blas) == {{{BLAS_THREADS}}}, blas
"""


def _notebook_probing_threads(folder: Path) -> Path:
    """An assignment notebook (one nbgrader test cell) whose test passes only on grading's BLAS threads."""
    test = nbformat.v4.new_code_cell(THREADS_PROBE, metadata={"nbgrader": {
        "grade": True, "solution": False, "locked": True, "points": 1, "grade_id": "test_threads",
        "schema_version": 3}})
    path = folder / "threads.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[test]), path)
    return path


@pytest.fixture
def many_threads_outside(monkeypatch):
    """The student's shell asks for more threads than grading gives (as an unset variable does on a laptop)."""
    for name in BLAS_THREAD_VARIABLES:
        monkeypatch.setenv(name, str(BLAS_THREADS + 1))


def test_grading_gives_each_cell_the_seconds_check_gives():
    assert Course.at(ROOT).cell_timeout == CELL_SECONDS  # nbgrader_config.py's Execute.timeout
    assert kit_check.check_notebook.__defaults__[0] == CELL_SECONDS
    assert course_check.check_notebook.__defaults__[0] == CELL_SECONDS


def test_grading_kernels_get_the_threads_check_gives(tmp_path):
    jail = KernelJail(submission=tmp_path, socket_dir=tmp_path, passwd_dir=tmp_path, uid=62000, policy=Policy())
    confined = jail.environment()
    assert {name: confined[name] for name in BLAS_THREAD_VARIABLES} == blas_thread_environment()
    assert {name: KERNEL_ENV[name] for name in BLAS_THREAD_VARIABLES} == blas_thread_environment()  # unconfined


@pytest.mark.parametrize("command", ["kit", "course"])
def test_both_check_commands_run_under_grading_conditions(command, tmp_path, monkeypatch, many_threads_outside):
    """Through each command line with its defaults: the kernel loop gets grading's seconds per cell and starts
    its kernel with grading's threads; the shell's own setting is back afterwards."""
    seen = {}

    def kernel_loop(nb, workdir, timeout, *args, **kwargs):
        seen.update(timeout=timeout, env={name: os.environ[name] for name in BLAS_THREAD_VARIABLES})
        return [], 0.0

    path = _notebook_probing_threads(tmp_path)
    monkeypatch.chdir(tmp_path)  # no course folder near: the course's check accepts any nbgrader notebook
    if command == "kit":
        monkeypatch.setattr(kit_check, "run_notebook", kernel_loop)
        kit_main(["check", str(path)])
    else:
        monkeypatch.setattr(course_check, "run_cells", kernel_loop)
        course_cli.main(["check", str(path)])
    assert seen == {"timeout": CELL_SECONDS, "env": blas_thread_environment()}
    assert {os.environ[name] for name in BLAS_THREAD_VARIABLES} == {str(BLAS_THREADS + 1)}


@pytest.mark.parametrize("command", ["kit", "course"])
def test_a_check_kernel_computes_on_one_blas_thread(command, tmp_path, monkeypatch, many_threads_outside):
    path = _notebook_probing_threads(tmp_path)
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    status = (kit_check if command == "kit" else course_check).check_notebook(path, out=out)
    report = out.getvalue()
    assert status == 0 and "[合格  ] test_threads" in report, report
    assert f"採点と同じ条件: 各セル {CELL_SECONDS} 秒以内、行列計算は {BLAS_THREADS} スレッド" in report


def test_check_says_when_its_limit_is_not_grading_s(tmp_path, monkeypatch):
    monkeypatch.setattr(kit_check, "run_notebook", lambda nb, workdir, timeout: None)
    out = io.StringIO()
    kit_check.check_notebook(_notebook_probing_threads(tmp_path), timeout=CELL_SECONDS * 2, out=out)
    assert f"各セル {CELL_SECONDS * 2} 秒以内" in out.getvalue()
    assert f"採点では各セル {CELL_SECONDS} 秒以内です" in out.getvalue()
    assert "採点と同じ条件" not in out.getvalue()
    assert limits.limits_text() == f"各セル {CELL_SECONDS} 秒以内、行列計算は {BLAS_THREADS} スレッド"


def test_the_student_instructions_state_the_limit():
    from backprop_course.release.kit_wheel import install_readme
    assert limits.limits_text() in install_readme("backprop_kit-0.1.0-py3-none-any.whl")  # release/kit/README.md
    assert limits.limits_text() in (ROOT / "README.md").read_text(encoding="utf-8")  # the student's walkthrough


NOTEBOOKS = sorted((ROOT / "source").glob("*/*.ipynb"))


@pytest.mark.parametrize("source", NOTEBOOKS, ids=lambda p: p.stem)
@pytest.mark.parametrize("side", ["source", "release"])
def test_each_notebook_states_the_limit_in_its_first_cell(source, side):
    nb = nbformat.read(ROOT / side / source.parent.name / source.name, as_version=4)
    first_markdown = next(c for c in nb.cells if c.cell_type == "markdown").source.replace("**", "")
    assert limits.limits_text() in first_markdown, f"{side}/{source.name} does not say 「{limits.limits_text()}」"
