"""JupyterLab's own HTML export, driven in the browser, is graded like the .ipynb it was made from (issue 14).

Students of the class open report11 as released in JupyterLab, paste their answers into the answer cells (the model
solution; two of them with a mistake of the catalogue) and hand in what the menu File → Save and Export Notebook
As → HTML downloads (the server's nbconvert export, lab template). Collect places the pages in a throwaway course;
the score per test cell of each notebook rebuilt from a page equals the score of the .ipynb JupyterLab saved when
the page was made (the comparison of tests/test_handin_html.py).
"""
import io
import json
import re
import shutil
import zipfile

import nbformat
import pytest

from backprop_course.collect import collect
from backprop_course.collect.html_handin import comparable
from backprop_course.course import Course
from backprop_course.course.handin import read_handin
from backprop_course.notebooks.cells import grade_id, is_answer_cell
from backprop_course.simulation import edits as sim
from backprop_course.simulation.course_demo import make_throwaway_course
from tests.mutants.catalogue import load
from tests.test_handin_html import scores

from . import lab_session, notebooks

pytestmark = pytest.mark.slow

ASSIGNMENT = "report11"
MUTANTS = ["loss_without_half", "gradient_flat_target"]  # catalogue mistakes that lose points on report11
DOWNLOAD_TIMEOUT_MS = 60_000
MENU_ATTEMPTS, MENU_WAIT_MS = 10, 3_000

# Opens a notebook in the page's JupyterLab and keeps its panel as window.courseExport.
OPEN = """async path => {
    const app = window.jupyterapp;
    await app.restored;
    const panel = await app.commands.execute('docmanager:open', {path, factory: 'Notebook'});
    await panel.context.ready;
    app.shell.activateById(panel.id);
    window.courseExport = panel;
    return panel.content.widgets.length;
}"""

# Puts each answer into its cell's editor model ({grade_id: code}); returns the grade ids with no cell.
PASTE = """answers => {
    const notebook = window.courseExport.content;
    const missing = [];
    for (const [id, code] of Object.entries(answers)) {
        const cell = notebook.widgets.find(c => (c.model.getMetadata('nbgrader') || {}).grade_id === id);
        if (cell) cell.model.sharedModel.setSource(code); else missing.push(id);
    }
    return missing;
}"""

CLOSE = """async () => {
    const panel = window.courseExport;
    window.courseExport = null;
    if (panel && !panel.isDisposed) {
        await panel.sessionContext.shutdown();
        panel.dispose();
    }
}"""


def answers_of(nb):
    return {grade_id(c): c.source for c in nb.cells if is_answer_cell(c) and c.cell_type == "code"}


def class_answers(release, source):
    """{student id: (run name, {grade_id: code of each code answer cell})}: the model solution and two mistakes."""
    solution = sim.model_solution(release, source)
    students = {"s2600001": ("reference", answers_of(solution))}
    mutants = {m.name: m for m in load().mutants}
    for number, name in enumerate(MUTANTS, start=2):
        m = mutants[name]
        cell = next(c for c in solution.cells if grade_id(c) == m.cell)
        assert m.old in cell.source, name
        students[f"s260000{number}"] = (name, dict(answers_of(solution), **{m.cell: cell.source.replace(m.old, m.new)}))
    return students


class Downloads:
    """Every file the browser downloads, from any tab (the export opens its own), in order."""

    def __init__(self, context):
        self.context, self.seen, self.tabs = context, [], []
        context.on("page", self._opened)

    def close(self):
        self.context.remove_listener("page", self._opened)
        for tab in self.tabs:
            tab.close()

    def _opened(self, page):
        self.tabs.append(page)
        page.on("download", self._downloaded)

    def _downloaded(self, download):
        self.seen.append(download)

    def wait_for(self, count, page):
        """The count-th download, accepting JupyterLab's "Export as HTML" dialog (sanitize output: yes, its
        default) when it asks."""
        waited, ok = 0, page.locator(".jp-Dialog .jp-mod-accept")
        while len(self.seen) < count and waited < DOWNLOAD_TIMEOUT_MS:
            if ok.count():
                ok.click()
            page.wait_for_timeout(lab_session.POLL_MS)
            waited += lab_session.POLL_MS
        tabs = [tab.url for tab in self.tabs]
        assert len(self.seen) >= count, f"no download within {DOWNLOAD_TIMEOUT_MS} ms; tabs: {tabs}"
        return self.seen[count - 1]


def export_from_menu(page, artifacts_dir):
    """File → Save and Export Notebook As → HTML, clicked as a student does (in the tab in front). The submenu
    is filled once JupyterLab has asked the server for its export formats: until then the menu is closed and
    opened again, as a student would."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.bring_to_front()
    html = page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^HTML$"))
    for _ in range(MENU_ATTEMPTS):
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^File$")).click()
        page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Save and Export Notebook As")).hover()
        try:
            html.wait_for(state="visible", timeout=MENU_WAIT_MS)
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
            page.keyboard.press("Escape")
            continue
        html.click()
        return
    page.screenshot(path=str(artifacts_dir / "lab-export-menu.png"))
    pytest.fail(f"File → Save and Export Notebook As offered no HTML in {MENU_ATTEMPTS} attempts")


@pytest.fixture(scope="module")
def lab_handins(browser, jupyterlab, tmp_path_factory, artifacts_dir):
    """{student: (run name, .ipynb text JupyterLab saved, HTML bytes JupyterLab's menu downloaded)}."""
    release = nbformat.read(notebooks.REPO_ROOT / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    source = nbformat.read(notebooks.REPO_ROOT / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    students = class_answers(release, source)
    folder = jupyterlab.root_dir / "students-export"  # the student's own copy; the other tests' notebooks stay
    folder.mkdir()
    shutil.copy(notebooks.REPO_ROOT / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", folder)
    lab_path = f"{folder.name}/{ASSIGNMENT}.ipynb"
    downloads = Downloads(browser)
    page = browser.new_page()
    handins = {}
    try:
        page.goto(jupyterlab.workspace_url("browser-test-export"))
        page.wait_for_function(lab_session.LAB_READY, timeout=lab_session.LAB_READY_TIMEOUT_MS)
        assert page.evaluate(OPEN, lab_path) == len(release.cells)
        for student, (run, answers) in students.items():  # every answer cell pasted again for each student
            assert page.evaluate(PASTE, answers) == []
            export_from_menu(page, artifacts_dir)
            download = downloads.wait_for(len(handins) + 1, page)
            target = tmp_path_factory.mktemp("lab-export") / f"{student}_{download.suggested_filename}"
            download.save_as(target)
            handins[student] = (run, (folder / f"{ASSIGNMENT}.ipynb").read_text("utf-8"), target.read_bytes())
        page.screenshot(path=str(artifacts_dir / "lab-export-report11.png"))
    finally:
        page.evaluate(CLOSE)
        downloads.close()
    return handins


def test_jupyterlab_menu_export_is_graded_like_the_notebook(lab_handins, tmp_path):
    for student, (run, saved, page) in lab_handins.items():
        assert page.lstrip().lower().startswith(b"<!doctype html"), (student, page[:200])
        assert b"application/x-ipynb+json" not in page  # plain JupyterLab: nothing embedded, cells rebuilt
    course = make_throwaway_course(Course.at(notebooks.REPO_ROOT), tmp_path / "course", cell_timeout=None)
    shutil.copytree(notebooks.REPO_ROOT / "release" / ASSIGNMENT, course.folder("release") / ASSIGNMENT)
    delivery = io.BytesIO()
    with zipfile.ZipFile(delivery, "w") as zf:
        for student, (_, _, page) in lab_handins.items():
            zf.writestr(f"{student}_{ASSIGNMENT}.html", page)
    (tmp_path / "download.zip").write_bytes(delivery.getvalue())
    report = collect(course, tmp_path / "download.zip")
    assert len(report.placed) == len(lab_handins) and report.skipped == [] and report.rejected == []
    assert all("nbconvert lab" in where for _, where in report.placed), report.placed

    source = nbformat.read(notebooks.REPO_ROOT / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    lost = {}
    for student, (run, saved, _) in lab_handins.items():
        placed = course.folder("submitted") / student / ASSIGNMENT
        problems = read_handin(placed, ASSIGNMENT)
        assert [p.kind for p in problems] == ["html_rebuilt"], (student, [str(p) for p in problems])
        assert (placed / f"{ASSIGNMENT}.html").read_bytes() == lab_handins[student][2]
        rebuilt, handed_in = (nbformat.read(placed / f"{ASSIGNMENT}.ipynb", 4), nbformat.reads(saved, 4))
        assert [c.get("id") for c in rebuilt.cells] == [c.get("id") for c in handed_in.cells]
        assert [c.source for c in rebuilt.cells if c.cell_type == "code"] == \
               [comparable(c.source) for c in handed_in.cells if c.cell_type == "code"], student
        expected = scores(handed_in, source, tmp_path / "scores", f"{student}-ipynb")
        assert scores(rebuilt, source, tmp_path / "scores", f"{student}-html") == expected, (student, run)
        lost[run] = sorted(cell for cell, passed in expected.items() if not passed)
    print("\nJupyterLab menu export (cells that lost points, same on the .ipynb and the collected HTML):")
    for run, cells in lost.items():
        print(f"  {run:<24} {', '.join(cells) or '-'}")
    assert lost["reference"] == [] and all(lost[name] for name in MUTANTS), json.dumps(lost)
