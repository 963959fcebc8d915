"""A simulated class for a real course: who submits what, with realistic backprop mistakes.

`simulated_class(course, n_students)` returns one SimulatedStudent per student id: a description
and the files as an LMS would deliver them ({file name in the download: text}). Variants, in order:
the model solution, the untouched release, one realistic bug each (the catalogue's mistakes that
have a `demo` description, mistakes.toml), a cell that loops forever, os._exit in an answer, a notebook
that is not valid JSON, and a file renamed by a second download (`report11 (1).ipynb`).
With more students than variants, the variants repeat; include_broken=False keeps only the
model solution, the untouched release and the mistakes (for timing runs).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import nbformat
from nbformat import NotebookNode

from . import edits as sim
from .mistakes import demo_mistakes, with_mistake
from ..notebooks.cells import grade_id, is_answer_cell
from ..course.folder import Course

LOOP_FOREVER = "while True:  # 終わらないループ\n    pass"
KILL_KERNEL = "import os\nos._exit(1)"


@dataclass
class SimulatedStudent:
    student: str
    description: str
    files: dict[str, str] = field(default_factory=dict)  # name in the LMS download -> file text


def _notebooks(course: Course, folder: str) -> dict[tuple[str, str], NotebookNode]:
    return {(a, n): nbformat.read(course.folder(folder) / a / f"{n}.ipynb", as_version=4)
            for a in course.assignments() for n in course.notebook_names(a)}


def _first_answer(nb: NotebookNode) -> str:
    return next(grade_id(c) for c in nb.cells if is_answer_cell(c) and c.cell_type == "code")


def _variants(model: dict, release: dict) -> list[tuple[str, dict]]:
    """(description, {(assignment, notebook): notebook or raw text}) for each kind of student."""
    variants = [("模範解答", dict(model)), ("配布したまま (未解答)", dict(release))]
    for mistake in demo_mistakes():
        key = tuple(mistake.notebook.split("/"))
        changed = with_mistake(model[key], mistake) if key in model else None
        if changed is not None:
            variants.append((mistake.demo, {**model, key: changed}))
    last = sorted(model)[-1]
    variants.append(("終わらないループ", {**model, last: sim.with_appended(
        model[last], _first_answer(model[last]), LOOP_FOREVER)}))
    first = sorted(model)[0]
    variants.append(("カーネルを終了させた (os._exit)", {**model, first: sim.with_appended(
        model[first], _first_answer(model[first]), KILL_KERNEL)}))
    variants.append(("壊れたノートブック (JSON でない)",
                     {**model, last: nbformat.writes(model[last])[:500]}))
    variants.append(("ダウンロードで名前が変わった", dict(model)))
    return variants


def simulated_class(course: Course, n_students: int | None = None, start_id: int = 2600001,
                    include_broken: bool = True) -> list[SimulatedStudent]:
    """Students for every assignment released in `course` (release/ must be up to date)."""
    release = _notebooks(course, "release")
    source = _notebooks(course, "source")
    model = {key: sim.model_solution(release[key], source[key]) for key in release}
    variants = _variants(model, release)
    if not include_broken:
        variants = [v for v in variants if v[0] in ("模範解答", "配布したまま (未解答)")
                    or v[0] in {m.demo for m in demo_mistakes()}]
    count = n_students or len(variants)
    students = []
    for number in range(count):
        description, notebooks = variants[number % len(variants)]
        student = SimulatedStudent(student=f"s{start_id + number}", description=description)
        for (assignment, name), nb in sorted(notebooks.items()):
            text = nb if isinstance(nb, str) else nbformat.writes(nb)
            renamed = description == "ダウンロードで名前が変わった"
            file_name = f"{student.student}/{name} (1).ipynb" if renamed else f"{student.student}_{name}.ipynb"
            student.files[file_name] = text
        students.append(student)
    return students
