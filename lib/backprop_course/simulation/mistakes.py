"""The one catalogue of realistic student mistakes (mistakes.toml, next to this file).

Each entry is one textual edit of the model solution of one notebook, with the tests that must catch
it and the diagnosis the feedback must name (a key of backprop.grading.mistakes.HINTS or a phrase).
Three readers: the demo's class (entries with a `demo` description, classroom.py), the mutant tests
(tests/mutants/, every entry) and the diagnostics' test (every key-like diagnosis is a HINTS key).
"""
from __future__ import annotations

import copy
import tomllib
from dataclasses import dataclass
from pathlib import Path

from nbformat import NotebookNode

from ..notebooks.cells import grade_id

CATALOGUE_PATH = Path(__file__).resolve().parent / "mistakes.toml"


@dataclass(frozen=True)
class Mistake:
    name: str
    mistake: str  # what the student did wrong (English)
    notebook: str  # <assignment>/<notebook>
    cell: str  # grade_id of the edited answer cell
    old: str
    new: str
    killed_by: tuple
    diagnosis: str
    demo: str = ""  # the Japanese description of the demo class's student making it ('' = not in the demo)


def load_catalogue(path: Path | str = CATALOGUE_PATH) -> dict:
    """The parsed catalogue: {"mutant": [...], "seeds": [...]} as written in the TOML file."""
    return tomllib.loads(Path(path).read_text(encoding="utf-8"))


def mistakes(path: Path | str = CATALOGUE_PATH) -> list[Mistake]:
    return [Mistake(**{**entry, "killed_by": tuple(entry["killed_by"])}) for entry in load_catalogue(path)["mutant"]]


def demo_mistakes() -> list[Mistake]:
    """The mistakes made by the demo's class, in catalogue order."""
    return [m for m in mistakes() if m.demo]


def with_mistake(nb: NotebookNode, mistake: Mistake) -> NotebookNode | None:
    """A copy of `nb` with the mistake's edit made in its cell; None when the cell or text is not there."""
    for index, cell in enumerate(nb.cells):
        if grade_id(cell) == mistake.cell and mistake.old in cell.source:
            nb = copy.deepcopy(nb)
            nb.cells[index].source = cell.source.replace(mistake.old, mistake.new, 1)
            return nb
    return None
