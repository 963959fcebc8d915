"""The mutant catalogue (backprop_course/simulation/mistakes.toml): loading it, running every mutant with the fast runner, and reading
the results as a kill matrix and a diagnosis rate.

A run is named `<mutant>` or `<mutant>@seed+<k>` (the same edit graded with another grading key, so other hidden
cases, and with the seed literals of the notebook's seeded cells shifted by k);
the reference runs are `reference` and `reference@seed+<k>`.
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import tomllib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from backprop.grading.mistakes import HINTS
from backprop_course.notebooks.cells import HIDDEN_TESTS, distinctive, grade_id, region_lines
from backprop_course.notebooks.outcomes import reason_text, student_message
from backprop_course.simulation.mistakes import CATALOGUE_PATH

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
CATALOGUE = CATALOGUE_PATH  # the one catalogue of mistakes, lib/backprop_course/simulation/mistakes.toml
RUNNER = HERE / "runner.py"
REFERENCE = "reference"


@dataclass(frozen=True)
class Mutant:
    name: str
    mistake: str
    notebook: str
    cell: str
    old: str
    new: str
    killed_by: tuple
    diagnosis: str
    demo: str = ""

    @property
    def edits(self):
        return [{"cell": self.cell, "old": self.old, "new": self.new}]

    @property
    def expected_text(self):
        """What a failing cell's message must contain for the mistake to count as named ('' = nothing can)."""
        return HINTS.get(self.diagnosis, self.diagnosis)


@dataclass
class Catalogue:
    mutants: list
    seeds: dict = field(default_factory=dict)        # notebook -> {"cells": [...], "offsets": [...]}

    @property
    def notebooks(self):
        return sorted({m.notebook for m in self.mutants} | set(self.seeds))

    def runs(self, notebook):
        """{run name: edits} for one notebook: every mutant, and every run again with shifted seeds."""
        mutants = [m for m in self.mutants if m.notebook == notebook]
        runs = {m.name: m.edits for m in mutants}
        seeds = self.seeds.get(notebook)
        if seeds:
            for k in seeds["offsets"]:
                shift = [{"cell": cell, "seed_offset": k} for cell in seeds["cells"]] + [{"key": f"seed+{k}"}]
                runs[f"{REFERENCE}@seed+{k}"] = shift
                runs.update({f"{m.name}@seed+{k}": m.edits + shift for m in mutants if self.seeded(m)})
        return runs

    def seeded(self, mutant):
        """Whether seeds matter for this mutant: its notebook's hidden cases are drawn from a grading key, or it
        edits a cell with seed literals."""
        return mutant.notebook in self.seeds


def load(path=CATALOGUE):
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    mutants = [Mutant(**{**entry, "killed_by": tuple(entry["killed_by"])}) for entry in data["mutant"]]
    seeds = {entry["notebook"]: {"cells": entry["cells"], "offsets": entry["offsets"]} for entry in data.get("seeds", [])}
    return Catalogue(mutants, seeds)


# One runner process grades all of a notebook's mutants; 11_02's large gradient case (2.4 M parameters) made
# its runs take close to 900 s on a loaded 2-core machine: the bound only stops a runner that hangs.
RUNNER_SECONDS = 1800


def notebook_path(notebook):
    return REPO / "source" / f"{notebook}.ipynb"


def run_notebook(notebook, runs, jobs=1):
    """{run name: {grade_id: {"passed", "message", "seconds"}}} from one runner process (see runner.py)."""
    return run_path(notebook_path(notebook), runs, jobs)


def run_path(path, runs, jobs=1):
    """run_notebook for a notebook file anywhere."""
    with tempfile.TemporaryDirectory(prefix="mutants-") as folder:
        runs_json, output_json = Path(folder) / "runs.json", Path(folder) / "results.json"
        runs_json.write_text(json.dumps(runs, ensure_ascii=False), encoding="utf-8")
        env = dict(os.environ, MUTANT_JOBS=str(jobs), OPENBLAS_NUM_THREADS="1", MPLBACKEND="Agg")
        done = subprocess.run([sys.executable, str(RUNNER), str(path), str(runs_json), str(output_json)],
                              env=env, capture_output=True, text=True, timeout=RUNNER_SECONDS)
        if done.returncode != 0:
            raise RuntimeError(f"runner failed on {path}:\n{done.stderr[-3000:]}")
        return json.loads(output_json.read_text(encoding="utf-8"))


def run_catalogue(catalogue, workers=None):
    """{notebook: {run name: results}} for every notebook of the catalogue, notebooks in parallel."""
    workers = workers or len(catalogue.notebooks)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {nb: pool.submit(run_notebook, nb, catalogue.runs(nb)) for nb in catalogue.notebooks}
        return {nb: future.result() for nb, future in futures.items()}


def failed_cells(results):
    return [grade_id for grade_id, result in results.items() if not result["passed"]]


RUNNER_ERROR = re.compile(r"([A-Za-z_][\w.]*): (.*)", re.DOTALL)      # runner.py: f"{type(exc).__name__}: {exc}"


def hidden_lines_by_cell(notebook):
    """{grade_id: distinctive hidden-test lines} of a source notebook."""
    nb = nbformat.read(notebook_path(notebook), as_version=4)
    return {grade_id(c): distinctive(region_lines(c.source, HIDDEN_TESTS)) for c in nb.cells if grade_id(c)}


def feedback_reason(message, hidden_lines=()):
    """The reason the course tool's feedback and `check` show for a runner message (backprop_course.outcomes):
    an exception's message filtered and capped; nothing for stderr noise or a displayed value, which raise no
    error in the kernel."""
    error = RUNNER_ERROR.fullmatch(message or "")
    if not error or message.startswith("stderr: "):
        return ""
    return reason_text(error.group(1), student_message(error.group(2), hidden_lines))


def diagnosed(mutant, results, as_feedback=False):
    """True when a failing cell's message contains the mutant's expected diagnosis text; with as_feedback, the
    message as the student's feedback shows it."""
    if not mutant.expected_text:
        return False
    failing = {cell: r["message"] for cell, r in results.items() if not r["passed"]}
    if as_feedback:
        hidden = hidden_lines_by_cell(mutant.notebook)
        failing = {cell: feedback_reason(m, hidden.get(cell, ())) for cell, m in failing.items()}
    return any(mutant.expected_text in m for m in failing.values())


def kill_matrix(catalogue, outcome):
    """The report: per notebook, a table mutant x test cell.
    X = lost points as the catalogue expects, x = lost points too, . = kept its points, ! = SURVIVED (expected
    to lose points but did not); the last column says whether the feedback named the mistake."""
    lines = []
    for notebook in catalogue.notebooks:
        runs = outcome[notebook]
        cells = list(runs[REFERENCE])
        lines.append(f"== {notebook}")
        lines += [f"   {i + 1:2d} {cell}" for i, cell in enumerate(cells)]
        width = max(len(m.name) for m in catalogue.mutants)
        lines.append(" " * (width + 2) + "".join(f"{i + 1:>3d}" for i in range(len(cells))) + "  named")
        for name in [REFERENCE] + [m.name for m in catalogue.mutants if m.notebook == notebook]:
            mutant = next((m for m in catalogue.mutants if m.name == name), None)
            expected = set(mutant.killed_by) if mutant else set()
            marks = []
            for cell in cells:
                lost = not runs[name][cell]["passed"]
                marks.append("X" if lost and cell in expected else "x" if lost else "!" if cell in expected else ".")
            named = "" if mutant is None else ("yes" if diagnosed(mutant, runs[name]) else "-")
            lines.append(f"{name:<{width}}  " + "".join(f"{mark:>3s}" for mark in marks) + f"  {named}")
    return "\n".join(lines)
