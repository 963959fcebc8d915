"""Run the hostile corpus through the whole course workflow and measure what each attack got.

One throwaway course is built from this checkout (nbgrader_config.py, course.toml, source/), released, and
given one student per attack plus `blank` (the untouched release notebooks), `reference` (release notebooks
with the source's solutions in the answer cells) and `dummy` (answers that return well-shaped wrong
values, the stand-ins many attacks use). One `autograde` run grades everybody, then `feedback` and `grades`.

What is measured, per student and notebook: the gradebook score and each test cell's score, the grading
status, and the feedback pages; and a leak scan of those pages for hidden-test lines, the grader's own
source (lib/backprop/grading), the course's grading secret and the kernel's cases file (hidden cases' inputs).

Baseline (since the issue-12 redesign): the blank notebook. The grader judges values, so the dummies'
well-shaped wrong answers earn nothing by themselves (the `dummy` control shows it); an attack whose
notebook holds honest work for some cells names them in `Attack.honest`, and those cells' points are not
counted as gained.

The course tool is used only through the ADAPTERS below (one small function per step). The lead is moving
the tool's modules around; after a restructure only these functions need re-pointing:

    run_release(root)            release every assignment (student version into release/)
    place_submission(root, ...)  put a student's notebook where autograde reads it
    run_autograde(root, jobs)    grade every submitted student, every assignment, in parallel
    run_feedback(root)           write the feedback pages
    run_grades(root)             write the grades CSV and class report
    read_statuses(root)          {(student, notebook): state}
    read_scores(root)            {(student, notebook): score} from nbgrader's gradebook
    feedback_pages(root, s)      the feedback HTML files of student s
"""
from __future__ import annotations

import base64
import binascii
import codecs
import copy
import html
import json
import os
import re
import shutil
import subprocess
import sys
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = {"11_01_neural_network": "lecture11", "11_02_neural_network2": "lecture11",
             "11_03_digit_classification": "lecture11", "report11": "report11"}
HIDDEN_BEGIN, HIDDEN_END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")
MIN_LINE = 12          # hidden lines shorter than this (after stripping) are too generic to count as a leak
HELDOUT_SAMPLES = 12   # how many distinctive held-out numbers are scanned for
CONTROL_STUDENTS = ("blank", "reference", "dummy")


# ----------------------------------------------------------------------------------------------------------
# Adapters: the only code that knows how the course tool is called and where it keeps its results.
# ----------------------------------------------------------------------------------------------------------
def grading_python(scratch: Path) -> str:
    """The Python that runs the course tool, and so the grading kernels (they start sys.executable).

    Confined kernels get a cleared environment, so PYTHONPATH does not reach them: they import `backprop`
    from wherever the interpreter's own site-packages say. When that is not this checkout's lib/ (e.g. the
    venv's editable install points at another worktree), a throwaway venv is made whose only site entry
    (a .pth file) lists this checkout's lib/ and then the current environment's site-packages."""
    probe = subprocess.run([sys.executable, "-c", "import backprop, sys; print(backprop.__file__)"],
                           capture_output=True, text=True, env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
                           cwd="/")
    if probe.returncode == 0 and Path(probe.stdout.strip()).resolve().is_relative_to((REPO / "lib").resolve()):
        return sys.executable
    import site
    overlay = scratch / "venv"
    if not (overlay / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(overlay)], check=True)
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    entries = [str(REPO / "lib")] + [p for p in site.getsitepackages() if Path(p).is_dir()]
    (overlay / "lib" / version / "site-packages" / "zz_checkout.pth").write_text("\n".join(entries) + "\n")
    if not (overlay / "share").exists() and (Path(sys.prefix) / "share").is_dir():
        (overlay / "share").symlink_to(Path(sys.prefix) / "share")   # nbconvert's templates (feedback pages)
    return str(overlay / "bin" / "python")


PYTHON: dict[str, str] = {}   # course root -> interpreter chosen by grading_python


def _tool(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """`check`: raise unless the command exited 0 without a Python traceback."""
    """`backprop-course --course-root ROOT ARGS...` run with this checkout's lib/ first on the path."""
    python = PYTHON.setdefault(str(root), grading_python(root.parent))
    env = dict(os.environ, PYTHONPATH=str(REPO / "lib") + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env["PATH"] = str(Path(python).parent) + os.pathsep + env.get("PATH", "")
    done = subprocess.run([python, "-m", "backprop_course.cli", "--course-root", str(root), *args],
                          cwd=root, env=env, capture_output=True, text=True)
    if check and (done.returncode != 0 or crashed(done)):
        raise RuntimeError(f"backprop-course {' '.join(args)} exited {done.returncode}:\n"
                           f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done


def crashed(done: subprocess.CompletedProcess) -> bool:
    """The command died of an exception (Python exits 1 then, like autograde's "needs attention")."""
    return done.returncode not in (0, 1) or "Traceback (most recent call last)" in done.stderr


def run_release(root: Path) -> None:
    _tool(root, "release")


def place_submission(root: Path, student: str, assignment: str, notebook: str, nb) -> None:
    folder = root / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / f"{notebook}.ipynb")


def run_autograde(root: Path, jobs: int, students: list[str]) -> subprocess.CompletedProcess:
    """Grade `students` (all assignments). Exit status 1 is expected: attacks target one notebook, so the
    others are "missing" (not gradable). Any other status means the grading run itself crashed."""
    picks = [arg for student in students for arg in ("--student", student)]
    return _tool(root, "autograde", "--jobs", str(jobs), "--quiet", *picks, check=False)


def run_feedback(root: Path) -> None:
    _tool(root, "feedback")


def run_grades(root: Path) -> None:
    _tool(root, "grades")


def read_statuses(root: Path) -> dict[tuple[str, str], str]:
    states = {}
    for path in sorted((root / "grading_status").glob("*.json")):
        for value in json.loads(path.read_text("utf-8")).values():
            states[(value["student"], value["notebook"])] = value["state"]
    return states


def read_scores(root: Path) -> tuple[dict[tuple[str, str], float], dict[tuple[str, str], dict[str, float]]]:
    """({(student, notebook): score}, {(student, notebook): {grade_id: score of that test cell}})."""
    from nbgrader.api import Gradebook, MissingEntry
    scores, cells = {}, {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        for student in gb.students:
            for notebook, assignment in NOTEBOOKS.items():
                try:
                    found = gb.find_submission_notebook(notebook, assignment, student.id)
                except MissingEntry:
                    continue
                scores[(student.id, notebook)] = float(found.score)
                cells[(student.id, notebook)] = {grade.name: float(grade.score or 0) for grade in found.grades}
    return scores, cells


def feedback_pages(root: Path, student: str) -> list[Path]:
    return sorted((root / "feedback" / student).rglob("*.html"))


# ----------------------------------------------------------------------------------------------------------
# The course and the students
# ----------------------------------------------------------------------------------------------------------
def build_course(root: Path) -> Path:
    """A released throwaway course in `root` made from this checkout."""
    root.mkdir(parents=True, exist_ok=True)
    for name in ("nbgrader_config.py", "course.toml"):
        shutil.copy2(REPO / name, root / name)
    shutil.copytree(REPO / "source", root / "source", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    run_release(root)
    return root


def read_nb(path: Path):
    return nbformat.read(path, as_version=4)


def release_notebook(root: Path, notebook: str):
    return read_nb(root / "release" / NOTEBOOKS[notebook] / f"{notebook}.ipynb")


def source_notebook(root: Path, notebook: str):
    return read_nb(root / "source" / NOTEBOOKS[notebook] / f"{notebook}.ipynb")


def _nbgrader(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def with_solutions(release_nb, source_nb):
    """The release notebook whose answer cells hold the source's solutions (marker lines dropped)."""
    solutions = {_nbgrader(c).get("grade_id"): c.source for c in source_nb.cells if _nbgrader(c).get("solution")}
    nb = copy.deepcopy(release_nb)
    for cell in nb.cells:
        meta = _nbgrader(cell)
        if meta.get("solution") and meta.get("grade_id") in solutions:
            lines = solutions[meta["grade_id"]].splitlines()
            cell.source = "\n".join(line for line in lines if not any(m in line for m in SOLUTION_MARKERS))
    return nb


def auto_points(source_nb) -> float:
    """Points of the notebook's automatically graded test cells (manual answers excluded)."""
    return float(sum(_nbgrader(c).get("points", 0) for c in source_nb.cells
                     if _nbgrader(c).get("grade") and not _nbgrader(c).get("solution")))


# ----------------------------------------------------------------------------------------------------------
# Leak scan
# ----------------------------------------------------------------------------------------------------------
def hidden_lines(source_nb, release_nb) -> list[str]:
    """Distinctive lines of the hidden-test regions: stripped, at least MIN_LINE long, not in the release."""
    released = {line.strip() for cell in release_nb.cells for line in cell.source.splitlines()}
    found = []
    for cell in source_nb.cells:
        inside = False
        for line in cell.source.splitlines():
            if HIDDEN_BEGIN in line:
                inside = True
            elif HIDDEN_END in line:
                inside = False
            elif inside:
                text = line.strip()
                if len(text) >= MIN_LINE and text not in released and text not in found:
                    found.append(text)
    return found


def heldout_values(source_nb, release_nb, count: int = HELDOUT_SAMPLES) -> list[str]:
    """A few distinctive numbers of report11's `_x_heldout` / `_t_heldout`, as written in the hidden cell."""
    released = "\n".join(cell.source for cell in release_nb.cells)
    training = (REPO / "lib" / "backprop" / "data" / "report11_train.csv")
    training_text = training.read_text() if training.is_file() else ""
    picked = []
    for cell in source_nb.cells:
        for match in re.finditer(r"^\s*(_x_heldout|_t_heldout)\s*=\s*(.+)$", cell.source, re.MULTILINE):
            numbers = [n for n in dict.fromkeys(re.findall(r"-?\d+\.\d{5,}", match.group(2)))
                       if n not in released and n.lstrip("-") not in training_text]
            half = count // 2
            # the first ones (what a truncated dump shows) and some from the rest of the list
            picked += numbers[:half // 2] + numbers[half // 2::max(1, len(numbers) // max(1, half - half // 2))][:half - half // 2]
    return picked


_BLOB = re.compile(r"[A-Za-z0-9+/=_-]{24,}")
_HEX = re.compile(r"(?:[0-9a-fA-F]{2}){16,}")


def _decoded_blobs(text: str) -> list[str]:
    """Texts hidden in base64 (also urlsafe, also zlib-compressed) or hex runs of `text`."""
    out = []
    for blob in _BLOB.findall(text):
        for decode in (base64.b64decode, base64.urlsafe_b64decode):
            try:
                raw = decode(blob + "=" * (-len(blob) % 4))
            except (binascii.Error, ValueError):
                continue
            for data in (raw, _inflate(raw)):
                if data:
                    out.append(data.decode("utf-8", "replace"))
    for blob in _HEX.findall(text):
        raw = bytes.fromhex(blob)
        out += [raw.decode("utf-8", "replace"), (_inflate(raw) or b"").decode("utf-8", "replace")]
    return out


def _inflate(raw: bytes) -> bytes | None:
    try:
        return zlib.decompress(raw)
    except zlib.error:
        return None


def page_views(page: str) -> list[str]:
    """The page as the student could read it: raw, HTML-unescaped, JSON/unicode escapes decoded, rot13,
    reversed, and whatever base64/hex runs decode to."""
    text = html.unescape(page)
    views = [page, text]
    try:
        views.append(codecs.decode(text.encode("latin-1", "backslashreplace"), "unicode_escape"))
    except (UnicodeDecodeError, ValueError):
        pass
    views += [codecs.decode(text, "rot13"), text[::-1]]
    views += _decoded_blobs(text)
    return views


GRADER_SOURCES = ("lib/backprop/grading",)
# A dump of the kernel's cases file: a hidden test's id followed by its encoded inputs (JSON, maybe escaped).
CASES_DUMP = re.compile(r"""["'](?:test_[a-z_]*hidden[a-z_]*|[a-z0-9-]+-hidden[a-z-]*)\\?["']\s*:\s*\{\s*\\?["']inputs""")


def grader_lines(minimum: int = 40, per_file: int = 6) -> list[str]:
    """A few distinctive lines of the grader's own source (never in a kernel's reach)."""
    found = []
    for folder in GRADER_SOURCES:
        for path in sorted((REPO / folder).rglob("*.py")):
            lines = [line.strip() for line in path.read_text("utf-8").splitlines()]
            picked = [line for line in lines if len(line) >= minimum and line.isascii()   # Japanese: verdict texts
                      and not line.startswith(("#", '"""', "from ", "import "))]
            found += picked[:per_file]
    return list(dict.fromkeys(found))


def grading_secret(root: Path) -> list[str]:
    path = root / ".grading_secret"
    return [path.read_text().strip()] if path.is_file() else []


def leaks_in(pages: list[Path], needles: list[str]) -> list[str]:
    """The needles found in any view of any page, and 'cases file: ...' for a dump of hidden cases' inputs."""
    views = [view for page in pages for view in page_views(page.read_text("utf-8", "replace"))]
    squeezed = [re.sub(r"\s+", "", v) for v in views]
    found = [n for n in needles if any(n in v for v in views) or any(re.sub(r"\s+", "", n) in v for v in squeezed)]
    dumps = sorted({m.group(0) for v in views for m in CASES_DUMP.finditer(v)})
    return found + [f"cases file: {d}" for d in dumps]


# ----------------------------------------------------------------------------------------------------------
# The run
# ----------------------------------------------------------------------------------------------------------
@dataclass
class StudentResult:
    student: str
    scores: dict = field(default_factory=dict)      # notebook -> gradebook score
    states: dict = field(default_factory=dict)      # notebook -> grading status
    pages: list = field(default_factory=list)       # feedback HTML paths
    leaks: list = field(default_factory=list)       # hidden lines / held-out values found in the pages
    cells: dict = field(default_factory=dict)       # notebook -> {grade_id: score}
    crash: str | None = None                         # the autograde run grading this student crashed


@dataclass
class RunResult:
    root: Path
    students: dict                                   # student -> StudentResult
    max_auto: dict                                   # notebook -> automatically graded points
    seconds: dict                                    # step -> wall seconds
    autograde_output: str = ""
    dummy_based: dict = field(default_factory=dict)  # attack name -> built on attacks.DUMMIES
    dummy_based: dict = field(default_factory=dict)  # attack name -> built on attacks.DUMMIES


def run_corpus(attacks, root: Path, jobs: int | None = None) -> RunResult:
    """Grade every attack (one student each) with the control students, in one autograde run."""
    seconds = {}
    started = time.perf_counter()
    build_course(root)
    seconds["release"] = time.perf_counter() - started
    release = {nb: release_notebook(root, nb) for nb in NOTEBOOKS}
    source = {nb: source_notebook(root, nb) for nb in NOTEBOOKS}
    for notebook, assignment in NOTEBOOKS.items():
        place_submission(root, "blank", assignment, notebook, release[notebook])
        place_submission(root, "reference", assignment, notebook, with_solutions(release[notebook], source[notebook]))
    from .attacks import dummy_notebook
    for notebook, assignment in NOTEBOOKS.items():
        place_submission(root, "dummy", assignment, notebook, dummy_notebook(notebook, release[notebook]))
    names = set(CONTROL_STUDENTS)
    for attack in attacks:
        if attack.name in names:
            raise ValueError(f"duplicate student name {attack.name}")
        names.add(attack.name)
        hostile = attack.build(copy.deepcopy(release[attack.notebook]))
        place_submission(root, attack.name, NOTEBOOKS[attack.notebook], attack.notebook, hostile)

    step = time.perf_counter()
    jobs = jobs or len(os.sched_getaffinity(0))
    groups = [sorted(names - {a.name for a in attacks if a.own_run})] + [[a.name] for a in attacks if a.own_run]
    crashes, outputs = {}, []
    for group in groups:
        graded = run_autograde(root, jobs, group)
        outputs.append(graded.stdout + graded.stderr)
        if crashed(graded):
            tail = (graded.stderr.strip().splitlines() or ["?"])[-1]
            crashes.update({student: f"autograde crashed (exit {graded.returncode}): {tail[:200]}" for student in group})
    seconds["autograde"] = time.perf_counter() - step
    step = time.perf_counter()
    run_feedback(root)
    run_grades(root)
    seconds["feedback+grades"] = time.perf_counter() - step

    needles = [line for nb in NOTEBOOKS for line in hidden_lines(source[nb], release[nb])]
    needles += heldout_values(source["report11"], release["report11"])
    needles += grader_lines() + grading_secret(root)
    (scores, cells), states = read_scores(root), read_statuses(root)
    students = {}
    for name in sorted(names):
        result = StudentResult(name)
        for notebook in NOTEBOOKS:
            if (name, notebook) in scores:
                result.scores[notebook] = scores[(name, notebook)]
                result.cells[notebook] = cells[(name, notebook)]
            if (name, notebook) in states:
                result.states[notebook] = states[(name, notebook)]
        if name in crashes:
            result.crash = crashes[name]
        result.pages = feedback_pages(root, name)
        result.leaks = leaks_in(result.pages, needles)
        students[name] = result
    seconds["total"] = time.perf_counter() - started
    return RunResult(root=root, students=students, max_auto={nb: auto_points(source[nb]) for nb in NOTEBOOKS},
                     seconds=seconds, autograde_output="\n".join(outputs),
                     dummy_based={a.name: uses_dummies(a, release[a.notebook]) for a in attacks})


def uses_dummies(attack, release_nb) -> bool:
    """True when the attack's notebook contains the shared well-shaped wrong answers (attacks.DUMMIES)."""
    from .attacks import DUMMIES
    built = "\n".join(c.source for c in attack.build(copy.deepcopy(release_nb)).cells)
    return any(source in built for source in DUMMIES[attack.notebook].values())


def baseline_cells(run: RunResult, attack) -> dict[str, float]:
    """{grade_id: points} the attack's notebook earns without any cheat: the blank notebook's, and for attacks
    built on the dummies also what the dummies earn by themselves (only shape-only tests still pay for
    well-shaped wrong answers: 11_01's hand-weights-test-shapes)."""
    cells = dict(run.students["blank"].cells.get(attack.notebook, {}))
    if run.dummy_based.get(attack.name):
        for cell, score in run.students["dummy"].cells.get(attack.notebook, {}).items():
            cells[cell] = max(cells.get(cell, 0.0), score)
    return cells


def gained_cells(run: RunResult, attack) -> dict[str, float]:
    """{grade_id: points} the attack got over its baseline cells, honest cells excluded."""
    base = baseline_cells(run, attack)
    mine = run.students[attack.name].cells.get(attack.notebook, {})
    return {cell: score - base.get(cell, 0.0) for cell, score in mine.items()
            if score > base.get(cell, 0.0) and cell not in attack.honest}


def table(run: RunResult, attacks) -> tuple[list[str], float, int]:
    """(lines of the printed table, points gained over the baseline, hidden lines/values leaked in feedback).

    Baseline: the blank notebook cell by cell (for attacks built on the dummies, marked *, the dummy student's
    cells too); cells the attack names as honest work (marked +) are left out."""
    blank = run.students["blank"]
    lines = [f"{'attack':<32} {'class':<27} {'notebook':<27} {'points':>6} {'blank':>6} {'gained':>6} "
             f"{'leaked':>6}  status; cells gained"]
    gained_total, leaked_total = 0.0, 0
    for attack in attacks:
        result = run.students[attack.name]
        points = result.scores.get(attack.notebook, 0.0)
        base = sum(baseline_cells(run, attack).values())
        mark = "+" if attack.honest else "*" if run.dummy_based.get(attack.name) else " "
        cells = gained_cells(run, attack)
        gained = sum(cells.values())
        gained_total += gained
        leaked_total += len(result.leaks)
        where = ", ".join(f"{cell} {value:g}" for cell, value in cells.items())
        lines.append(f"{attack.name:<32} {attack.klass:<27} {attack.notebook:<27} {points:>6g} {base:>5g}{mark} "
                     f"{gained:>6g} {len(result.leaks):>6}  {result.crash or result.states.get(attack.notebook, '-')}"
                     + (f"; {where}" if where else ""))
    for name in CONTROL_STUDENTS:
        result = run.students[name]
        leaked_total += len(result.leaks)
        for notebook in NOTEBOOKS:
            lines.append(f"{'(' + name + ')':<32} {'control':<27} {notebook:<27} "
                         f"{result.scores.get(notebook, 0.0):>6g} {blank.scores.get(notebook, 0.0):>5g}  {'':>6} "
                         f"{len(result.leaks) if notebook == 'report11' else '':>6}  "
                         f"{result.states.get(notebook, '-')} (automatic max {run.max_auto[notebook]:g})")
    return lines, gained_total, leaked_total


def leak_details(run: RunResult) -> list[str]:
    """One line per student whose feedback held hidden material: what was found (shortened)."""
    return [f"{name}: " + " | ".join(needle[:60] for needle in result.leaks[:4])
            + (f" | ... ({len(result.leaks)} in all)" if len(result.leaks) > 4 else "")
            for name, result in sorted(run.students.items()) if result.leaks]
