"""release: nbgrader generate_assignment, placeholders, leak check (toy course)."""
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from backprop_course.course.nbgrader_setup import alembic_head
from backprop_course.release.leaks import find_leaks
from backprop_course.release import ReleaseError, release_assignment
from backprop_course.simulation.toy_course import HIDDEN_SECRET, build_toy_course


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    root = build_toy_course(tmp_path_factory.mktemp("course"))
    return root, release_assignment(root, "toy")


def test_release_writes_every_notebook_without_secrets(released):
    root, paths = released
    assert sorted(p.name for p in paths) == ["toy.ipynb", "toy_extra.ipynb"]
    text = paths[0].read_text(encoding="utf-8")
    assert HIDDEN_SECRET not in text
    assert "1.0 / (1.0 + np.exp(-g))" not in text
    assert "NotImplementedError" in text


def test_release_fills_the_deadline(released):
    _, paths = released
    text = json.loads(paths[0].read_text(encoding="utf-8"))
    first = "".join(text["cells"][0]["source"])
    assert "締切: 7/19(日) 10:30" in first and "{{" not in first  # 2099-07-19 is a Sunday


def test_release_elsewhere_leaves_the_course_gradebook_alone(tmp_path):
    root = build_toy_course(tmp_path / "course")
    paths = release_assignment(root, "toy", release_root=tmp_path / "fresh")
    assert all(p.is_relative_to(tmp_path / "fresh") for p in paths)
    assert not (root / "gradebook.db").exists()


def test_unfilled_placeholder_refuses_the_release(tmp_path):
    root = build_toy_course(tmp_path)
    path = root / "source" / "toy" / "toy_extra.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells[0].source += "\n提出先: {{nowhere}}"
    nbformat.write(nb, path)
    with pytest.raises(ReleaseError, match="nowhere"):
        release_assignment(root, "toy", release_root=tmp_path / "rel")


def test_find_leaks_names_solution_hidden_test_and_output(released):
    root, _ = released
    source = nbformat.read(root / "source" / "toy" / "toy.ipynb", as_version=4)
    leaky = nbformat.read(root / "source" / "toy" / "toy.ipynb", as_version=4)
    leaky.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="x")]
    problems = "\n".join(find_leaks(source, leaky))
    assert "BEGIN SOLUTION" in problems and "BEGIN HIDDEN TESTS" in problems
    assert HIDDEN_SECRET in problems and "outputs" in problems


def test_in_process_alembic_head_is_what_nbgrader_would_ask_alembic_for(tmp_path):
    ini = tmp_path / "alembic.ini"
    from nbgrader.dbutil import write_alembic_ini
    write_alembic_ini(str(ini), f"sqlite:///{tmp_path / 'x.db'}")
    alembic = Path(sys.executable).with_name("alembic")
    heads = subprocess.run([str(alembic), "-c", str(ini), "heads"], capture_output=True, text=True, check=True)
    assert heads.stdout.split()[0] == alembic_head()


def test_a_line_both_in_a_region_and_in_ordinary_code_is_no_leak():
    """Shared text is decided by position: a line a solution repeats from the visible code is not a secret,
    while a line that only occurs in a hidden region still is."""
    shared_line = "activations = np.tanh(g_values)"
    hidden_only = "assert hidden_probe_value == 12345"
    source = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell(f"g_values = np.linspace(-1, 1, 5)\n{shared_line}"),
        nbformat.v4.new_code_cell(f"def f(g_values):\n    ### BEGIN SOLUTION\n    {shared_line}\n"
                                  "    return activations\n    ### END SOLUTION"),
        nbformat.v4.new_code_cell(f"### BEGIN HIDDEN TESTS\n{shared_line}\n{hidden_only}\n### END HIDDEN TESTS"),
    ])
    release = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell(f"g_values = np.linspace(-1, 1, 5)\n{shared_line}"),
        nbformat.v4.new_code_cell("def f(g_values):\n    # YOUR CODE HERE\n    raise NotImplementedError()"),
        nbformat.v4.new_code_cell(""),
    ])
    assert find_leaks(source, release) == []
    release.cells[2].source = hidden_only
    assert find_leaks(source, release) == [f"cell 2: hidden test line leaked: {hidden_only!r}"]
