"""A student's machine: a clean virtualenv with only the kit's wheel from release/kit/ installed (its dependencies
from the package index) and a copy of release/ (no course folder, no lib/ on any path).

There every release notebook runs top to bottom failing only in answer cells (NotImplementedError; test cells
may fail); the model solution pasted into its answer cells passes every visible test (each test cell prints its
OK line); `python -m backprop_kit check` and `export-html` work; `backprop` (the reference and grader) and
`backprop_course` (the course tool) cannot be imported.

The virtualenv is cached under build/student_venv/<digest of the wheel>: a new wheel makes a new one.
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
from backprop_kit.student.cells import grade_id, is_emptied_hidden_test, is_test_cell
from backprop_kit.testing.runner import notebook_tests

from backprop_course.simulation.edits import model_solution
from nbgrader_support import assert_release_fails_only_in_answers

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
RELEASE = ROOT / "release"
NOTEBOOKS = sorted(RELEASE.glob("*/*.ipynb"))
# Executes one notebook in place with the kit's own runner (what `check` uses), inside the clean virtualenv.
RUN = "import sys, nbformat; from backprop_kit.student.running import run_notebook\n" \
      "nb = nbformat.read(sys.argv[1], 4); run_notebook(nb, sys.argv[2], 300); nbformat.write(nb, sys.argv[1])"


def _clean_env() -> dict:
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}


@pytest.fixture(scope="module")
def student_python() -> Path:
    wheel = next(RELEASE.glob("kit/*.whl"))
    venv = ROOT / "build" / "student_venv" / hashlib.sha256(wheel.read_bytes()).hexdigest()[:16]
    python = venv / "bin" / "python"
    if not (venv / ".installed").is_file():
        shutil.rmtree(venv, ignore_errors=True)
        base = getattr(sys, "_base_executable", sys.executable)
        subprocess.run([base, "-m", "venv", str(venv)], check=True, env=_clean_env())
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(wheel)],
                       check=True, env=_clean_env())
        (venv / ".installed").touch()
    return python


@pytest.fixture(scope="module")
def home(tmp_path_factory, student_python) -> Path:
    """release/ copied to a folder of the student's, with the model solutions beside the notebooks."""
    home = tmp_path_factory.mktemp("student") / "release"
    shutil.copytree(RELEASE, home)
    for path in NOTEBOOKS:
        source = nbformat.read(ROOT / "source" / path.parent.name / path.name, as_version=4)
        solved = model_solution(nbformat.read(path, as_version=4), source)
        nbformat.write(solved, home / path.parent.name / f"{path.stem}_solved.ipynb")
    return home


def _student(python: Path, home: Path, *args: str, cwd: Path | None = None, timeout: int = 600):
    return subprocess.run([str(python), *args], cwd=cwd or home, env=_clean_env(), capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(scope="module")
def executed(student_python, home) -> dict:
    """(notebook, 'release' | 'solved') -> the executed notebook, run two at a time."""
    jobs = {}
    for path in NOTEBOOKS:
        folder = home / path.parent.name
        jobs[(path.stem, "release")] = folder / path.name
        jobs[(path.stem, "solved")] = folder / f"{path.stem}_solved.ipynb"

    def run(target: Path):
        copy = target.with_name(f"run_{target.name}")
        shutil.copy2(target, copy)
        result = _student(student_python, home, "-c", RUN, str(copy), str(copy.parent), timeout=900)
        assert result.returncode == 0, result.stderr[-2000:]
        return nbformat.read(copy, as_version=4)

    with ThreadPoolExecutor(2) as pool:
        return dict(zip(jobs, pool.map(run, jobs.values())))


def _errors(cell) -> list[str]:
    return [f"{o.get('ename')}: {o.get('evalue')}" for o in cell.get("outputs", []) if o.get("output_type") == "error"]


def _stdout(cell) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", [])
                   if o.get("output_type") == "stream" and o.get("name") == "stdout")


def test_only_the_kit_is_importable(student_python, home):
    for forbidden in ("backprop", "backprop_course", "nbgrader"):
        result = _student(student_python, home, "-c", f"import {forbidden}")
        assert result.returncode != 0 and "ModuleNotFoundError" in result.stderr, (forbidden, result.stderr)
    assert _student(student_python, home, "-c", "import backprop_kit.testing, backprop_kit.student.cli").returncode == 0


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_release_fails_only_in_answer_cells(executed, path):
    assert_release_fails_only_in_answers(executed[(path.stem, "release")], _errors)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_model_solution_passes_every_visible_test(executed, path):
    nb = executed[(path.stem, "solved")]
    tests = notebook_tests(path.stem)
    visible = [c for c in nb.cells if is_test_cell(c) and not is_emptied_hidden_test(c)]
    assert visible
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert not _errors(cell), f"cell {index} ({grade_id(cell)}): {_errors(cell)}"
    for cell in visible:
        assert tests[grade_id(cell)].passed in _stdout(cell), (grade_id(cell), _stdout(cell))


def test_check_and_export_html_work_with_the_kit_alone(student_python, home):
    folder = home / "report11"
    solved = _student(student_python, home, "-m", "backprop_kit", "check", "report11_solved.ipynb", cwd=folder)
    assert solved.returncode == 0, solved.stdout + solved.stderr
    assert "すべての公開テストに合格しました" in solved.stdout and "隠しテスト" in solved.stdout
    untouched = _student(student_python, home, "-m", "backprop_kit", "check", "report11.ipynb", cwd=folder)
    assert untouched.returncode == 1 and "不合格" in untouched.stdout and "NotImplementedError" in untouched.stdout

    exported = _student(student_python, home, "-m", "backprop_kit", "export-html", "run_report11_solved.ipynb",
                        "--student-id", "s1234567", "--out-dir", "handin", cwd=folder)
    assert exported.returncode == 0, exported.stderr
    page = (folder / "handin" / "s1234567_run_report11_solved.html").read_text(encoding="utf-8")
    assert 'lang="ja"' in page and "s1234567" in page and 'type="application/x-ipynb+json"' in page
    assert "data:image/png;base64" in page  # the executed notebook's plots
    embedded = page.split('type="application/x-ipynb+json"', 1)[1].split(">", 1)[1].split("</script>", 1)[0]
    digest = page.split('data-sha256="', 1)[1].split('"', 1)[0]
    from backprop_kit.student.page import unescape_from_script
    text = unescape_from_script(embedded)
    assert hashlib.sha256(text.encode("utf-8")).hexdigest() == digest
    assert json.loads(text)["cells"] == json.loads((folder / "run_report11_solved.ipynb").read_text("utf-8"))["cells"]

    script = student_python.parent / "backprop-kit"
    assert subprocess.run([str(script), "--help"], capture_output=True, env=_clean_env()).returncode == 0
