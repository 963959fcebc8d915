"""The course tool's rooms and which way their imports run (see ARCHITECTURE.md).

A plain scan of the import statements of lib/backprop_course: workflow steps never import each other;
the base rooms (course/, notebooks/) and sandbox/ never import a step; only the orchestrators (cli.py,
simulation/course_demo.py) put steps together. And the student's `check` loads no sandbox and leaves
nbgrader unpatched.
"""
import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "lib" / "backprop_course"
STEPS = {"release", "collect", "autograde", "results", "student"}
BASE = {"course", "notebooks"}
ORCHESTRATORS = {"cli", "simulation.course_demo"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_rooms(path: Path) -> set[str]:
    """The backprop_course modules `path` imports, as dotted names inside the package ('' = the package)."""
    here = module_name(path).split(".") if module_name(path) else []
    package = here if path.name == "__init__.py" else here[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name[len("backprop_course."):] for a in node.names if a.name.startswith("backprop_course.")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - (node.level - 1)] if node.level > 1 else package
                target = ".".join(base + ([node.module] if node.module else []))
            elif (node.module or "").startswith("backprop_course"):
                target = node.module[len("backprop_course"):].lstrip(".")
            else:
                continue
            found.add(target)
            if not node.module:  # `from .. import sandbox`: the names are modules
                found |= {".".join(filter(None, [target, a.name])) for a in node.names}
    return {name for name in found if name}


def room(name: str) -> str:
    return name.split(".")[0]


IMPORTS = {module_name(p): imported_rooms(p) for p in PACKAGE.rglob("*.py")}


def test_the_scan_sees_the_rooms():
    assert {room(m) for m in IMPORTS} >= STEPS | BASE | {"sandbox", "simulation", "cli"}
    assert "sandbox" in {room(i) for i in IMPORTS["autograde.schedule"]}


@pytest.mark.parametrize("step", sorted(STEPS))
def test_no_step_imports_another_step(step):
    crossing = {m: sorted(i for i in imports if room(i) in STEPS - {step})
                for m, imports in IMPORTS.items() if room(m) == step}
    assert not {m: i for m, i in crossing.items() if i}


def test_base_rooms_and_sandbox_import_no_step():
    upward = {m: sorted(i for i in imports if room(i) in STEPS | {"simulation", "cli"})
              for m, imports in IMPORTS.items() if room(m) in BASE | {"sandbox"}}
    assert not {m: i for m, i in upward.items() if i}


def test_notebooks_is_the_lowest_room():
    upward = {m: sorted(i for i in imports if room(i) != "notebooks")
              for m, imports in IMPORTS.items() if room(m) == "notebooks"}
    assert not {m: i for m, i in upward.items() if i}


def test_only_autograde_and_the_orchestrators_use_the_sandbox():
    users = {m for m, imports in IMPORTS.items() if any(room(i) == "sandbox" for i in imports)}
    assert {room(m) for m in users} - {"sandbox"} <= {"autograde", "simulation", "cli"}
    assert {m for m in users if room(m) == "simulation"} <= ORCHESTRATORS


def test_only_the_orchestrators_put_steps_together():
    simulation = {m: sorted(i for i in imports if room(i) in STEPS)
                  for m, imports in IMPORTS.items() if room(m) == "simulation" and m not in ORCHESTRATORS}
    assert not {m: i for m, i in simulation.items() if i}


def test_one_catalogue_of_mistakes_names_every_diagnosis_and_the_demo_class():
    from backprop.grading.mistakes import HINTS
    import nbformat
    from backprop_course.simulation.mistakes import CATALOGUE_PATH, demo_mistakes, mistakes, with_mistake

    catalogue = mistakes()
    assert not [key for key in HINTS if key not in {m.diagnosis for m in catalogue}]
    demo = demo_mistakes()
    assert demo and all(m in catalogue for m in demo)
    root = Path(__file__).resolve().parents[1]
    sources = {f"{p.parent.name}/{p.stem}": nbformat.read(p, as_version=4) for p in root.glob("source/*/*.ipynb")}
    assert not [m.name for m in demo if with_mistake(sources[m.notebook], m) is None], \
        "every demo student's mistake must change the model solution"
    assert not list(Path(__file__).resolve().parent.rglob("*.toml")), "mistakes belong in " + str(CATALOGUE_PATH)


CHECK_PROBE = """
import json, os, sys
path_before = os.environ.get("PATH", "")
from backprop_course.cli import main
from backprop_course.simulation.toy_course import build_toy_course
from backprop_course.simulation.edits import model_solution
import nbformat, pathlib
root = build_toy_course(pathlib.Path(sys.argv[1]))
source = nbformat.read(root / "source" / "toy" / "toy.ipynb", as_version=4)
nbformat.write(model_solution(source, source), root / "mine.ipynb")
status = main(["check", str(root / "mine.ipynb"), "--timeout", "60"])
api = sys.modules.get("nbgrader.api")
from backprop_course.course.nbgrader_setup import alembic_head_installed
print(json.dumps({"status": status, "sandbox": sorted(m for m in sys.modules if m.startswith("backprop_course.sandbox")),
                  "patched": alembic_head_installed(), "path_changed": os.environ.get("PATH", "") != path_before}))
"""


@pytest.mark.slow
def test_student_check_loads_no_sandbox_and_patches_nothing(tmp_path):
    done = subprocess.run([sys.executable, "-c", CHECK_PROBE, str(tmp_path / "course")], capture_output=True,
                          text=True, timeout=300, env=dict(os.environ, PATH=os.environ.get("PATH", "")))
    assert done.returncode == 0, done.stderr[-2000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found == {"status": 0, "sandbox": [], "patched": False, "path_changed": False}, found
