"""A simulated class for a real course: who submits what, with realistic backprop mistakes.

`simulated_class(course, n_students)` returns one SimulatedStudent per student id: a description
and the files as an LMS would deliver them ({file name in the download: text}). Variants, in order:
the model solution, the untouched release, one realistic bug each (the catalogue's mistakes that
have a `demo` description, mistakes.toml), a cell that loops forever, os._exit in an answer, a notebook
that is not valid JSON, and a file renamed by a second download (`report11 (1).ipynb`).
report11 is handed in the way the course asks, as HTML (`HANDIN_ROUTES`, taken in turn): the student kit's
export-html, plain nbconvert with the lab or the classic template; two more students hand in the model solution
as an export-html page whose shown code was edited by hand and as a `--no-input` page. A notebook that is not
valid JSON, or renamed by a second download, stays an .ipynb.
With more students than variants, the variants repeat; include_broken=False keeps only the
model solution, the untouched release and the mistakes, all as .ipynb (for timing runs).

When the LMS received each file (its entry time in the download zip, what collect takes as the submission
time): `time_hand_ins` puts every file a day before its assignment's deadline, or a given time after it for
chosen students (a late one, one inside an extension). The class's TA: `grade_written_answer` saves a written
answer's score and comment through nbgrader's Gradebook API, as formgrader does when a TA saves them.
"""
from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import nbformat
from backprop_kit.student.export_html import export_html
from nbconvert import HTMLExporter
from nbformat import NotebookNode
from nbgrader.api import Gradebook

from . import edits as sim
from .mistakes import demo_mistakes, with_mistake
from ..notebooks.cells import grade_id, is_answer_cell, nbgrader_meta
from ..course.folder import Course

LOOP_FOREVER = "while True:  # 終わらないループ\n    pass"
KILL_KERNEL = "import os\nos._exit(1)"
HTML_NOTEBOOK = ("report11", "report11")  # the report, handed in as HTML
HANDIN_ROUTES = ("export-html", "nbconvert lab", "nbconvert classic")
HAND_EDITED, NO_INPUT = "模範解答 (HTML のコードを手で書き換えた)", "模範解答 (--no-input で書き出した HTML)"
RENAMED, BROKEN = "ダウンロードで名前が変わった", "壊れたノートブック (JSON でない)"


@dataclass
class SimulatedStudent:
    student: str
    description: str
    files: dict[str, str] = field(default_factory=dict)  # name in the LMS download -> file text
    assignments: dict[str, str] = field(default_factory=dict)  # name in the LMS download -> its assignment
    times: dict[str, datetime] = field(default_factory=dict)  # name in the LMS download -> when the LMS got it


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
    variants.append((BROKEN, {**model, last: nbformat.writes(model[last])[:500]}))
    variants.append((RENAMED, dict(model)))
    if HTML_NOTEBOOK in model:
        variants += [(HAND_EDITED, dict(model)), (NO_INPUT, dict(model))]
    return variants


def html_handin(nb: NotebookNode, route: str, student: str) -> str:
    """The page a student makes of `nb`: a HANDIN_ROUTES route, HAND_EDITED or NO_INPUT."""
    if route in ("export-html", HAND_EDITED):
        with tempfile.TemporaryDirectory(prefix="handin-") as scratch:
            path = Path(scratch) / f"{HTML_NOTEBOOK[1]}.ipynb"
            nbformat.write(nb, path)
            page = export_html(path, scratch, student_id=student).read_text(encoding="utf-8")
        if route == HAND_EDITED:  # a number typed into the first shown `return` (the notebook inside is unchanged)
            page = re.sub(r'(<span class="k">return</span>)', r'\1 <span class="mi">2</span><span class="o">*</span>',
                          page, count=1)
        return page
    template = "classic" if route == "nbconvert classic" else "lab"
    body, _ = HTMLExporter(template_name=template, exclude_input=route == NO_INPUT).from_notebook_node(nb)
    return body


def _route(description: str, number: int) -> str | None:
    """How this student hands in report11 (None: as the .ipynb)."""
    if description in (RENAMED, BROKEN):
        return None
    return description if description in (HAND_EDITED, NO_INPUT) else HANDIN_ROUTES[number % len(HANDIN_ROUTES)]


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
        route = _route(description, number) if include_broken else None
        for (assignment, name), nb in sorted(notebooks.items()):
            if (assignment, name) == HTML_NOTEBOOK and route and not isinstance(nb, str):
                student.files[f"{student.student}_{name}.html"] = html_handin(nb, route, student.student)
                student.assignments[f"{student.student}_{name}.html"] = assignment
                student.description = f"{description} / {name}: {route if route in HANDIN_ROUTES else 'HTML'}"
                continue
            text = nb if isinstance(nb, str) else nbformat.writes(nb)
            renamed = description == RENAMED
            file_name = f"{student.student}/{name} (1).ipynb" if renamed else f"{student.student}_{name}.ipynb"
            student.files[file_name] = text
            student.assignments[file_name] = assignment
        students.append(student)
    return students


ON_TIME = timedelta(days=1)  # how long before its deadline a punctual student's file reaches the LMS


def time_hand_ins(students: list[SimulatedStudent], deadlines: dict[str, datetime],
                  after_deadline: dict[tuple[str, str | None], timedelta]) -> None:
    """Set when the LMS received each file: `after_deadline[(student, assignment)]` (assignment None: every
    assignment of that student) after its assignment's deadline, else ON_TIME before it."""
    for student in students:
        for name, assignment in student.assignments.items():
            late = after_deadline.get((student.student, assignment), after_deadline.get((student.student, None)))
            student.times[name] = deadlines[assignment] + late if late is not None else deadlines[assignment] - ON_TIME


def written_answers(course: Course) -> list[tuple[str, str, str]]:
    """(assignment, notebook, grade id) of every written answer (a cell graded by hand: solution and points)."""
    return [(assignment, name, grade_id(cell))
            for assignment in course.assignments() for name in course.notebook_names(assignment)
            for cell in nbformat.read(course.folder("source") / assignment / f"{name}.ipynb", as_version=4).cells
            if is_answer_cell(cell) and nbgrader_meta(cell).get("grade")]


def grade_written_answer(course: Course, answer: tuple[str, str, str], student: str, points_off: float,
                         comment: str) -> None:
    """The TA's score (the answer's points less `points_off`) and comment for one written answer, saved as
    formgrader's API handlers save them."""
    assignment, notebook, cell = answer
    with Gradebook(course.db_url, course.course_id) as gb:
        grade = gb.find_grade(cell, notebook, assignment, student)
        grade.manual_score = max(0.0, float(grade.max_score) - points_off)
        grade.needs_manual_grade = grade.manual_score is None and grade.auto_score is None
        gb.db.commit()
        note = gb.find_comment(cell, notebook, assignment, student)
        note.manual_comment = comment
        gb.db.commit()
