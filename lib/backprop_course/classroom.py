"""A simulated class for a real course: who submits what, with realistic backprop mistakes.

`simulated_class(course, n_students)` returns one SimulatedStudent per student id: a description
and the files as an LMS would deliver them ({file name in the download: text}). Variants, in order:
the reference solution, the untouched release, one realistic bug each (MISTAKES, applied wherever
the pattern occurs in the answers), a cell that loops forever, os._exit in an answer, a notebook
that is not valid JSON, and a file renamed by a second download (`report11 (1).ipynb`).
With more students than variants, the variants repeat; include_broken=False keeps only the
reference, the untouched release and the mistakes (for timing runs).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import nbformat
from nbformat import NotebookNode

from . import simulate as sim
from .cells import grade_id, is_answer_cell
from .course import Course

# (what the student got wrong, regex in the answer code, replacement)
MISTAKES = [
    ("シグモイドの微分を忘れた", r"\s*\*\s*\(1 - h\) \* h", ""),
    ("dW を転置して計算した", r"delta\.T @ h_prev", "h_prev.T @ delta"),
    ("delta を N で割り忘れた", r"\(h_L - t\) / N", "(h_L - t)"),
    ("ソフトマックスで最大値を引かなかった", r"z - np\.max\(z, axis=1, keepdims=True\)", "z"),
    ("バイアスの勾配を間違った軸で和をとった", r"delta\.sum\(axis=0\)", "delta.sum(axis=1)"),
    ("入力を 16 で割り忘れた", r"\.astype\(np\.float64\) / 16\.0", ".astype(np.float64)"),
    ("argmax の軸を間違えた", r"np\.argmax\(np\.asarray\(h\), axis=1\)", "np.argmax(np.asarray(h), axis=0)"),
    ("回帰の delta を N で割り忘れた", r"\(hs\[-1\] - t\) / t\.shape\[0\]", "(hs[-1] - t)"),
]
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


def _variants(reference: dict, release: dict) -> list[tuple[str, dict]]:
    """(description, {(assignment, notebook): notebook or raw text}) for each kind of student."""
    variants = [("模範解答", dict(reference)), ("配布したまま (未解答)", dict(release))]
    for description, pattern, replacement in MISTAKES:
        changed = {key: sim.mutated(nb, pattern, replacement) for key, nb in reference.items()}
        if any(changed.values()):
            variants.append((description, {k: changed[k] or reference[k] for k in reference}))
    last = sorted(reference)[-1]
    variants.append(("終わらないループ", {**reference, last: sim.with_appended(
        reference[last], _first_answer(reference[last]), LOOP_FOREVER)}))
    first = sorted(reference)[0]
    variants.append(("カーネルを終了させた (os._exit)", {**reference, first: sim.with_appended(
        reference[first], _first_answer(reference[first]), KILL_KERNEL)}))
    variants.append(("壊れたノートブック (JSON でない)",
                     {**reference, last: nbformat.writes(reference[last])[:500]}))
    variants.append(("ダウンロードで名前が変わった", dict(reference)))
    return variants


def simulated_class(course: Course, n_students: int | None = None, start_id: int = 2600001,
                    include_broken: bool = True) -> list[SimulatedStudent]:
    """Students for every assignment released in `course` (release/ must be up to date)."""
    release = _notebooks(course, "release")
    source = _notebooks(course, "source")
    reference = {key: sim.reference_solution(release[key], source[key]) for key in release}
    variants = _variants(reference, release)
    if not include_broken:
        variants = [v for v in variants if v[0] in ("模範解答", "配布したまま (未解答)")
                    or v[0] in {m[0] for m in MISTAKES}]
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
