"""Driving JupyterLab in the browser the way a student does: open a notebook, run it cell by cell.

Cells are run one at a time with JupyterLab's own "run cell" command (so an error in one cell
does not cancel the rest, as "Run All" would), then each cell is described as plain data:
its nbgrader role, its errors, and whether its markdown, math and images rendered.
"""
import re

CELL_TIMEOUT_MS = 120_000
LAB_READY_TIMEOUT_MS = 60_000

LAB_READY = "() => !!(window.jupyterapp && window.jupyterapp.shell && document.querySelector('.jp-LabShell'))"

OPEN_NOTEBOOK = """async (path) => {
    const app = window.jupyterapp;
    await app.restored;
    const panel = await app.commands.execute('docmanager:open', {path, factory: 'Notebook'});
    await panel.context.ready;
    await panel.sessionContext.ready;
    app.shell.activateById(panel.id);
    return panel.content.widgets.length;
}"""

RUN_CELL = """async ([index, timeoutMs]) => {
    const app = window.jupyterapp;
    const notebook = app.shell.currentWidget.content;
    notebook.activeCellIndex = index;
    notebook.deselectAll();
    const timeout = new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`cell ${index} still running after ${timeoutMs} ms`)), timeoutMs));
    await Promise.race([app.commands.execute('notebook:run-cell'), timeout]);
}"""

# Rendered markdown of the current notebook still showing a raw `$` (MathJax 3 not done or failed).
RAW_MATH_LEFT = """() => [...window.jupyterapp.shell.currentWidget.content.node
    .querySelectorAll('.jp-MarkdownCell .jp-RenderedMarkdown')]
    .some(el => el.innerText.includes('$'))"""

DESCRIBE_CELLS = """async () => {
    const notebook = window.jupyterapp.shell.currentWidget.content;
    const described = [];
    for (const [index, cell] of notebook.widgets.entries()) {
        const model = cell.model;
        const outputs = model.type === 'code' ? model.outputs.toJSON() : [];
        const images = [...cell.node.querySelectorAll('.jp-OutputArea-output img')];
        await Promise.all(images.map(img => img.decode().catch(() => null)));
        const markdown = cell.node.querySelector('.jp-RenderedMarkdown');
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
            markdownText: markdown ? markdown.innerText : '',
            mathTypeset: cell.node.querySelectorAll('mjx-container').length,
        });
    }
    return described;
}"""

CLOSE_NOTEBOOK = """async () => {
    const panel = window.jupyterapp.shell.currentWidget;
    await panel.sessionContext.shutdown();
    panel.dispose();
}"""

ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")
CELL_FRAME = re.compile(r"Cell In\s*\[(\d+)\]")


def open_lab(page, url):
    """Load JupyterLab once; later notebooks open in the same page."""
    page.goto(url)
    page.wait_for_function(LAB_READY, timeout=LAB_READY_TIMEOUT_MS)


def run_notebook(page, path, screenshot=None):
    """Open path (relative to the server root), run every cell in order, describe each; then close it.

    Returns a list of cell descriptions (see DESCRIBE_CELLS). The kernel is shut down at the end.
    """
    cell_count = page.evaluate(OPEN_NOTEBOOK, path)
    try:
        for index in range(cell_count):
            page.evaluate(RUN_CELL, [index, CELL_TIMEOUT_MS])
        _wait_for_math(page)
        cells = page.evaluate(DESCRIBE_CELLS)
        if screenshot:
            page.screenshot(path=str(screenshot))
    finally:
        page.evaluate(CLOSE_NOTEBOOK)
    return cells


def _wait_for_math(page, timeout_ms=20_000):
    """Give MathJax 3 time to typeset; what is still raw afterwards is reported by the checks."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(f"() => !({RAW_MATH_LEFT})()", timeout=timeout_ms)
    except PlaywrightTimeout:
        pass


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


def rendering_problems(cells):
    """What a student would see broken, besides errors: unrendered markdown, raw math, bad images, tofu plots."""
    problems = []
    for cell in cells:
        where = f"cell {cell['index']} ({cell['source'][:40]!r})"
        if not cell["rendered"]:
            problems.append(f"{where}: markdown not rendered")
        if "$" in cell["markdownText"]:
            problems.append(f"{where}: raw $ left in rendered markdown")
        if any(img["width"] == 0 or img["height"] == 0 for img in cell["images"]):
            problems.append(f"{where}: an output image did not load")
        if "missing from font" in cell["stderr"]:
            problems.append(f"{where}: plot drawn with missing glyphs: {cell['stderr'][:200]}")
        if cell["type"] == "code" and cell["executionCount"] is None:
            problems.append(f"{where}: never ran")
    return problems
