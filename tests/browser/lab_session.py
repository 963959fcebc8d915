"""Driving JupyterLab in the browser the way a student does: open a notebook, run it cell by cell.

Cells are run one at a time with JupyterLab's own "run cell" command (so an error in one cell
does not cancel the rest, as "Run All" would), then each cell is described as plain data:
its nbgrader role, its errors, and whether its markdown, math and images rendered.
"""
import re
import time
from pathlib import Path

from .page_probes import RAW_DOLLAR_TEXTS

CELL_TIMEOUT_MS = 120_000
MATH_TIMEOUT_MS = 20_000  # MathJax 3 gets this long after the last cell; what stays raw is reported
LAB_READY_TIMEOUT_MS = 60_000
RUN_ALL_TIMEOUT = 900  # seconds for all notebooks together
POLL_MS = 250

LAB_READY = "() => !!(window.jupyterapp && window.jupyterapp.shell && document.querySelector('.jp-LabShell'))"

# Installed once per tab as window.courseRun: start(path) runs a notebook in the background and
# leaves {cells} or {error} in window.courseRun.outcome, so two tabs can run notebooks at once.
RUNNER = """(() => {
    const app = window.jupyterapp;
    const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));
    const rawDollarTexts = """ + RAW_DOLLAR_TEXTS + """;
    const withTimeout = (promise, ms, what) => Promise.race([promise, new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`${what} still running after ${ms} ms`)), ms))]);

    const rawMathLeft = notebook => [...notebook.node.querySelectorAll('.jp-MarkdownCell .jp-RenderedMarkdown')]
        .some(el => rawDollarTexts(el).length > 0);

    const describe = async notebook => {
        const described = [];
        for (const [index, cell] of notebook.widgets.entries()) {
            const model = cell.model;
            const outputs = model.type === 'code' ? model.outputs.toJSON() : [];
            const images = [...cell.node.querySelectorAll('.jp-OutputArea-output img')];
            await Promise.all(images.map(img => img.decode().catch(() => null)));
            const markdown = cell.node.querySelector('.jp-RenderedMarkdown');
            const math = [...cell.node.querySelectorAll('mjx-container')];
            described.push({
                index,
                type: model.type,
                nbgrader: model.getMetadata('nbgrader') || {},
                executionCount: model.type === 'code' ? model.executionCount : null,
                source: model.sharedModel.getSource().slice(0, 80),
                errors: outputs.filter(o => o.output_type === 'error').map(o => ({
                    ename: o.ename, evalue: o.evalue, traceback: (o.traceback || []).join('\\n'),
                })),
                stderr: outputs.filter(o => o.output_type === 'stream' && o.name === 'stderr')
                    .map(o => Array.isArray(o.text) ? o.text.join('') : o.text).join(''),
                images: images.map(img => ({width: img.naturalWidth, height: img.naturalHeight})),
                rendered: model.type !== 'markdown' || (cell.rendered && !!markdown),
                rawDollars: markdown ? rawDollarTexts(markdown) : [],
                mathTypeset: math.length,
                mathErrors: math.filter(m => m.querySelector('mjx-merror, [style*="color: red"]')).length,
            });
        }
        return described;
    };

    // Open, run every cell in order (each waits for the previous), let MathJax finish, save, describe.
    const run = async (path, cellTimeoutMs, mathTimeoutMs) => {
        await app.restored;
        const panel = await app.commands.execute('docmanager:open', {path, factory: 'Notebook'});
        runner.panel = panel;
        await withTimeout(panel.context.ready.then(() => panel.sessionContext.ready), 60000, 'kernel start');
        app.shell.activateById(panel.id);
        const notebook = panel.content;
        for (let index = 0; index < notebook.widgets.length; index++) {
            notebook.activeCellIndex = index;
            notebook.deselectAll();
            await withTimeout(app.commands.execute('notebook:run-cell'), cellTimeoutMs, `cell ${index}`);
        }
        const deadline = Date.now() + mathTimeoutMs;
        while (rawMathLeft(notebook) && Date.now() < deadline) await sleep(100);
        await panel.context.save();
        return describe(notebook);
    };

    const runner = {
        panel: null,
        outcome: null,
        start(path, cellTimeoutMs, mathTimeoutMs) {
            runner.panel = null;
            runner.outcome = null;
            const started = Date.now();
            const seconds = () => (Date.now() - started) / 1000;
            run(path, cellTimeoutMs, mathTimeoutMs).then(
                cells => { runner.outcome = {seconds: seconds(), cells}; },
                error => { runner.outcome = {seconds: seconds(), error: String(error && error.stack || error)}; });
        },
        async close() {
            const panel = runner.panel;
            runner.panel = null;
            if (panel && !panel.isDisposed) {
                await panel.sessionContext.shutdown();
                panel.dispose();
            }
        },
    };
    window.courseRun = runner;
})()"""

ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")
CELL_FRAME = re.compile(r"Cell In\s*\[(\d+)\]")


class LabRunner:
    """Runs notebooks in JupyterLab tabs of one browser, ``tabs`` notebooks at a time.

    Each tab has its own workspace (two tabs on one workspace would fight over its layout).
    """

    def __init__(self, context, lab, tabs=2):
        self.pages = []
        for number in range(tabs):
            page = context.new_page()
            self.pages.append(page)
            page.goto(lab.workspace_url(f"browser-test-{number}"))
            page.wait_for_function(LAB_READY, timeout=LAB_READY_TIMEOUT_MS)
            page.evaluate(RUNNER)

    def run_all(self, paths, screenshot_dir=None):
        """{path: {"cells": [...]} or {"error": text}} for each path (relative to the server root)."""
        pending, busy, outcomes = list(paths), {}, {}
        deadline = time.monotonic() + RUN_ALL_TIMEOUT
        while pending or busy:
            for page in self.pages:
                if page not in busy and pending:
                    busy[page] = pending.pop(0)
                    page.evaluate(START, [busy[page], CELL_TIMEOUT_MS, MATH_TIMEOUT_MS])
            self.pages[0].wait_for_timeout(POLL_MS)
            for page, path in list(busy.items()):
                outcome = page.evaluate("() => window.courseRun.outcome")
                if outcome is None and time.monotonic() > deadline:
                    outcome = {"error": f"still running after {RUN_ALL_TIMEOUT} s"}
                if outcome is not None:
                    if screenshot_dir and "cells" in outcome:
                        page.screenshot(path=str(Path(screenshot_dir) / screenshot_name(path)))
                    page.evaluate("() => window.courseRun.close()")
                    outcomes[path] = outcome
                    del busy[page]
        return outcomes

    def close(self):
        for page in self.pages:
            page.close()


START = "([path, cellMs, mathMs]) => window.courseRun.start(path, cellMs, mathMs)"


def screenshot_name(path):
    return "lab-" + path.replace("/", "-") + ".png"


def cells_of(outcomes, path):
    """The cell descriptions of a notebook run by LabRunner (fails when the run itself failed)."""
    outcome = outcomes[path]
    assert "error" not in outcome, f"running {path} in JupyterLab failed: {outcome['error']}"
    return outcome["cells"]


def innermost_cell(traceback, cells):
    """The index of the notebook cell in which an error was raised (the last ``Cell In[n]`` frame)."""
    frames = CELL_FRAME.findall(ANSI_ESCAPE.sub("", traceback))
    if not frames:
        return None
    by_count = {cell["executionCount"]: cell["index"] for cell in cells if cell["executionCount"]}
    return by_count.get(int(frames[-1]))


def is_answer_cell(cell):
    """An nbgrader answer cell (solution region) that students fill in."""
    return cell["type"] == "code" and bool(cell["nbgrader"].get("solution"))


def errors_of(cells):
    """(cell, error) pairs for every error output of a run."""
    return [(cell, error) for cell in cells for error in cell["errors"]]


MISSING_NAME = re.compile(r"name '(\w+)' is not defined")
# How the kit's tests report a stub they called (backprop_kit.testing.calls; no NotImplementedError shown).
NOT_IMPLEMENTED_YET = re.compile(r"^(\w+) はまだ実装されていません")


def is_unanswered_stub(error, cells, solution_names):
    """Is this error only the consequence of an answer not written yet?

    Yes for: NotImplementedError raised inside an answer cell (the stub); the course checks'
    AssertionError "<name> はまだ実装されていません" and a NameError, both about a name that
    the solutions define (``solution_names``, see notebooks.names_defined_by_solutions).
    """
    if error["ename"] == "NotImplementedError":
        origin = innermost_cell(error["traceback"], cells)
        return origin is not None and is_answer_cell(cells[origin])
    pattern = {"NameError": MISSING_NAME, "AssertionError": NOT_IMPLEMENTED_YET}.get(error["ename"])
    name = pattern.search(error["evalue"]) if pattern else None
    return bool(name) and name.group(1) in solution_names


def rendering_problems(cells):
    """What a student would see broken, besides errors: unrendered markdown, raw math, bad images, tofu plots."""
    problems = []
    for cell in cells:
        where = f"cell {cell['index']} ({cell['source'][:40]!r})"
        if not cell["rendered"]:
            problems.append(f"{where}: markdown not rendered")
        if cell["rawDollars"]:
            problems.append(f"{where}: raw $ left in rendered markdown: {cell['rawDollars']}")
        if cell["mathErrors"]:
            problems.append(f"{where}: {cell['mathErrors']} formula(s) MathJax could not typeset")
        if any(img["width"] == 0 or img["height"] == 0 for img in cell["images"]):
            problems.append(f"{where}: an output image did not load")
        if "missing from font" in cell["stderr"]:
            problems.append(f"{where}: plot drawn with missing glyphs: {cell['stderr'][:200]}")
        if cell["type"] == "code" and cell["executionCount"] is None:
            problems.append(f"{where}: never ran")
    return problems
