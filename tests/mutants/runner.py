"""Fast execution of a notebook and of many mutated copies of it, with nbgrader's scoring rule per test cell.

Why not `nbgrader autograde` per mutant: a kernel start, the nbgrader start-up and the notebook's own set-up
cost seconds each time. Here one Python process runs the notebook's cells in order (as a kernel would: one
namespace, cwd = the notebook's folder, Agg plots, one BLAS thread) and, just before the first cell a run
changes, forks: the child applies the run's edits and executes the rest of the notebook, the parent goes on
with the reference. So the cells before a mutation run once for all mutants, and every run still executes the
whole notebook from top to bottom, exactly as a student's submission would be.

Scoring, as the course's grader does it: in a notebook the grader judges (backprop.grading.builders), the cases
file of a grading key is written and named in the environment as for a grading kernel, the answers each test
cell publishes are captured, and the grader's verdict decides the cell (backprop.grading.verdicts). In any other
notebook the rule of `nbgrader.utils.determine_grade` applies: a test cell scores 0 when it raises or writes to
stderr (except Python warnings, which nbgrader_config.py's IgnorePattern removes), its points otherwise.

Usage (a subprocess, so that the caller is never forked):
    python runner.py NOTEBOOK RUNS_JSON OUTPUT_JSON
RUNS_JSON: {run_name: [edit, ...]}, an edit being {"cell": grade_id, "old": text, "new": text} (a text edit) or
{"cell": grade_id, "seed_offset": k} (every `seed=<int>` literal of the cell shifted by k, after the text edits),
or {"key": label} (the run is graded with the grading key of that label instead of the reference's).
The reference run (no edits) is always added.
OUTPUT_JSON: {run_name: {grade_id: {"passed": bool, "message": str, "seconds": float}}}.
"""
import ast
import contextlib
import io
import json
import linecache
import os
import re
import signal
import sys
import tempfile
import time

from backprop_kit.limits import CELL_SECONDS

REFERENCE = "reference"
WARNING_LINE = re.compile(r":\d+: \w*Warning: ")      # the IgnorePattern of nbgrader_config.py
CELL_TIMEOUT = CELL_SECONDS                           # grading's limit per cell (nbgrader_config.py reads it too)
MAX_CHILDREN = int(os.environ.get("MUTANT_JOBS", "2"))
MAX_MESSAGE = 2000


class CellTimeout(Exception):
    pass


def _on_alarm(signum, frame):
    raise CellTimeout(f"セルの実行が {CELL_TIMEOUT} 秒を超えました")


def code_cells(path):
    """[(grade_id or None, is_test, source)] for every code cell of the notebook, in order."""
    with open(path, encoding="utf-8") as f:
        cells = json.load(f)["cells"]
    found = []
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        meta = cell.get("metadata", {}).get("nbgrader", {})
        is_test = bool(meta.get("grade")) and not meta.get("solution")
        found.append((meta.get("grade_id"), is_test, "".join(cell["source"])))
    return found


SEED_LITERAL = re.compile(r"\bseed=(\d+)")
REFERENCE_KEY = "reference"
GRADING = {"notebook": None, "built": {}, "published": []}     # this process's grading key, cases and answers


def start_grading(notebook, label):
    """Build the cases of the grading key `label` and name their file in the environment, as the grader does."""
    from backprop.grading.seeds import grading_key
    from backprop.grading.verdicts import build_cases, cases_file_text
    from backprop_kit.testing import runner as kit_runner
    from backprop_kit.testing.cases import CASES_VARIABLE

    GRADING["notebook"] = notebook
    GRADING["built"] = build_cases(notebook, grading_key(b"mutant runs", label, "", notebook, b""))
    if not GRADING["built"]:
        os.environ.pop(CASES_VARIABLE, None)
        return
    handle, path = tempfile.mkstemp(prefix="cases-", suffix=".json")
    with os.fdopen(handle, "w", encoding="utf-8") as f:
        f.write(cases_file_text(GRADING["built"]))
    os.environ[CASES_VARIABLE] = path
    kit_runner.publish = lambda notebook, test_id, answers: GRADING["published"].append((notebook, test_id, answers))


def judged(grade_id):
    """(passed, message) of the grader for the answers the cell published, or None when no grader judges it."""
    from backprop.grading.verdicts import judge_answers
    from backprop_kit.testing.records import decode, encode
    from backprop_kit.testing.runner import notebook_tests

    if grade_id not in GRADING["built"]:
        return None
    answers = [decode(encode(a)) for nb, test_id, a in GRADING["published"] if (nb, test_id) == (GRADING["notebook"], grade_id)]
    verdict = judge_answers(notebook_tests(GRADING["notebook"])[grade_id], GRADING["built"][grade_id], answers)
    return verdict.passed, ("" if verdict.passed else f"AssertionError: {verdict.message}")


def run_key(edits):
    """The grading key label of a run."""
    return next((edit["key"] for edit in edits if "key" in edit), REFERENCE_KEY)


def apply_edits(grade_id, source, edits):
    """The cell's source with the edits for this cell applied (see the module docstring). An old text must
    occur exactly once and a seed shift must find a seed: a catalogue entry that no longer matches the
    notebook is an error, never a silent survivor."""
    mine = [edit for edit in edits if edit.get("cell") == grade_id]
    for edit in (e for e in mine if "old" in e):
        count = source.count(edit["old"])
        if count != 1:
            raise ValueError(f"edit of cell {grade_id!r}: text {edit['old']!r} found {count} times")
        source = source.replace(edit["old"], edit["new"])
    for edit in (e for e in mine if "seed_offset" in e):
        source, count = SEED_LITERAL.subn(lambda m: f"seed={int(m.group(1)) + edit['seed_offset']}", source)
        if count == 0:
            raise ValueError(f"seed shift of cell {grade_id!r}: no seed=<int> literal")
    return source


def run_source(source, namespace, index):
    """Execute one cell like IPython: the last expression statement is evaluated and returned."""
    filename = f"<cell {index}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    tree = ast.parse(source, filename)
    last = None
    code_lines = [line for line in source.splitlines() if line.strip() and not line.strip().startswith("#")]
    silenced = bool(code_lines) and code_lines[-1].rstrip().endswith(";")    # IPython: no display after ';'
    if tree.body and isinstance(tree.body[-1], ast.Expr) and not silenced:
        last = ast.Expression(tree.body.pop().value)
    exec(compile(tree, filename, "exec"), namespace)
    if last is not None:
        return eval(compile(last, filename, "eval"), namespace)
    return None


def execute_cell(source, namespace, index):
    """Run a cell; (error message or None, stderr text without warnings, displayed value)."""
    import matplotlib.pyplot as plt
    stderr, stdout = io.StringIO(), io.StringIO()
    error, value = None, None
    signal.alarm(CELL_TIMEOUT)
    try:
        with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(stdout):
            value = run_source(source, namespace, index)
    except (Exception, CellTimeout) as exc:                       # a student's cell may raise anything
        error = f"{type(exc).__name__}: {exc}"
    finally:
        signal.alarm(0)
        plt.close("all")
    noise = "" if WARNING_LINE.search(stderr.getvalue()) else stderr.getvalue()
    return error, noise, value


def score(error, noise, value):
    """(passed, message) by nbgrader's rule; a displayed number would be read as a partial score."""
    if error is not None:
        return False, error[:MAX_MESSAGE]
    if noise:
        return False, "stderr: " + noise[:MAX_MESSAGE]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return False, f"displayed {value!r}: nbgrader would take it as a partial score"
    return True, ""


def run_cells(cells, start, namespace, edits):
    """Execute cells[start:] with the edits; {grade_id: result} for the test cells."""
    results = {}
    for index in range(start, len(cells)):
        grade_id, is_test, source = cells[index]
        began = time.perf_counter()
        GRADING["published"].clear()
        error, noise, value = execute_cell(apply_edits(grade_id, source, edits), namespace, index)
        if is_test:
            passed, message = judged(grade_id) or score(error, noise, value)
            results[grade_id] = {"passed": passed, "message": message, "seconds": time.perf_counter() - began}
    return results


def first_edited(cells, edits, judged_cells=()):
    """The index of the first cell the run changes: an edited cell, or for a run with its own grading key the
    first test cell the grader judges (the cells before it do not depend on the key)."""
    targets = {edit["cell"] for edit in edits if "cell" in edit}
    missing = targets - {grade_id for grade_id, _, _ in cells}
    if missing:
        raise ValueError(f"no cell with grade_id {sorted(missing)}")
    if run_key(edits) != REFERENCE_KEY:
        targets |= set(judged_cells)
    return min(i for i, (grade_id, _, _) in enumerate(cells) if grade_id in targets)


def run_all(path, runs):
    """{run_name: results} for the reference and every run, sharing the cells before each run's first edit."""
    cells = code_cells(path)
    for edits in runs.values():                            # refuse stale edits before anything runs
        for grade_id, _, source in cells:
            apply_edits(grade_id, source, edits)
    notebook = os.path.splitext(os.path.basename(path))[0]
    start_grading(notebook, REFERENCE_KEY)
    starts = {name: first_edited(cells, edits, GRADING["built"]) for name, edits in runs.items()}
    namespace = {"__name__": "__main__"}
    results, children, folder = {}, {}, tempfile.mkdtemp(prefix="mutants-")

    def reap(limit):
        """Wait for children until at most `limit` are running; collect their results."""
        while len(children) > limit:
            pid, _ = os.waitpid(-1, 0)
            name = children.pop(pid, None)
            out = os.path.join(folder, f"{pid}.json")
            if name is not None:
                results[name] = json.load(open(out)) if os.path.exists(out) else {}

    reference = {}
    for index in range(len(cells)):
        for name in [n for n, start in starts.items() if start == index]:
            reap(MAX_CHILDREN - 1)
            sys.stdout.flush()
            pid = os.fork()
            if pid == 0:                                   # the child: this run from here to the end
                try:                                       # test cells before the fork scored as the reference's
                    if run_key(runs[name]) != REFERENCE_KEY:
                        start_grading(notebook, run_key(runs[name]))
                    out = dict(reference)
                    out.update(run_cells(cells, index, namespace, runs[name]))
                    with open(os.path.join(folder, f"{os.getpid()}.json"), "w") as f:
                        json.dump(out, f)
                finally:
                    os._exit(0)
            children[pid] = name
        reference.update(run_cells(cells[:index + 1], index, namespace, []))
    reap(0)
    results[REFERENCE] = reference
    return results


def main(notebook, runs_json, output_json):
    notebook = os.path.abspath(notebook)
    os.chdir(os.path.dirname(notebook))
    signal.signal(signal.SIGALRM, _on_alarm)
    with open(runs_json, encoding="utf-8") as f:
        runs = json.load(f)
    results = run_all(notebook, runs)
    with open(output_json, "w", encoding="utf-8") as f:
        json.dump(results, f, ensure_ascii=False)


if __name__ == "__main__":
    for name, value in {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"}.items():
        os.environ.setdefault(name, value)
    main(*sys.argv[1:4])
