"""The report's exported HTML, opened offline in headless Chromium as the grader (or the student) sees it."""
import re
from types import SimpleNamespace

import pytest

from . import chromium, notebooks, page_probes

pytestmark = pytest.mark.slow

MARKDOWN = ".jp-MarkdownOutput"
# Where students read Japanese: prose, tables, code comments and printed output.
TEXT_ELEMENTS = ".jp-Cell :is(h1, h2, h3, h4, h5, h6, p, li, td, th, pre)"
MATHJAX_TIMEOUT_MS = 30_000
# One match per formula: $$...$$ first, then $...$ (escaped \$ is not math); code is not math.
MATH_IN_MARKDOWN = re.compile(r"\$\$.+?\$\$|(?<!\\)\$[^$]+?(?<!\\)\$", re.DOTALL)
CODE_IN_MARKDOWN = re.compile(r"```.*?```|`[^`]*`", re.DOTALL)


def open_offline(context, html, mathjax_timeout_ms=MATHJAX_TIMEOUT_MS):
    """Open the HTML with the network blocked; wait for MathJax 2 to finish (or time out)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page = context.new_page()
    requests = page_probes.RequestLog(page)
    page.goto(html.as_uri(), wait_until="load")
    try:
        page.wait_for_function(page_probes.MATHJAX2_DONE, timeout=mathjax_timeout_ms)
        mathjax_done = True
    except PlaywrightTimeout:
        mathjax_done = False
    return page, requests, mathjax_done


@pytest.fixture(scope="module")
def report_view(browser, exported_report, artifacts_dir):
    """The exported report open in the browser, with what was measured in it."""
    executed, html = exported_report
    page, requests, mathjax_done = open_offline(browser, html)
    view = SimpleNamespace(
        executed=executed,
        mathjax_done=mathjax_done,
        math=page_probes.math_state(page, MARKDOWN),
        images=page_probes.image_state(page),
        glyphs=page_probes.cjk_glyph_state(page, TEXT_ELEMENTS),
        requests=requests,
    )
    page.screenshot(path=str(artifacts_dir / f"{html.stem}.html.png"), full_page=True)
    notebooks.write_json(artifacts_dir / f"{html.stem}.html-probes.json", {
        "html": str(html), "mathjax_done": mathjax_done, "math": view.math, "images": view.images,
        "glyphs": view.glyphs, "failed_local": requests.failed_local, "blocked_remote": requests.blocked_remote,
    })
    yield view
    page.close()


def test_math_is_typeset_by_mathjax2_offline(report_view):
    formulas = sum(
        len(MATH_IN_MARKDOWN.findall(CODE_IN_MARKDOWN.sub("", cell.source)))
        for cell in report_view.executed.cells if cell.cell_type == "markdown"
    )
    assert report_view.mathjax_done, (
        "MathJax 2 did not finish (not loaded offline, or its queue never emptied); "
        "the export must point at a local MathJax 2 (libjs-mathjax) when offline"
    )
    assert formulas > 0, "the report's markdown has no math to check"
    assert report_view.math["typeset"] >= formulas, report_view.math
    assert report_view.math["errors"] == [], "formulas MathJax 2 could not typeset (TeX errors)"
    assert report_view.math["rawDollars"] == [], "raw $...$ left in the rendered text"


def test_every_plot_image_loads(report_view):
    expected = notebooks.image_output_count(report_view.executed)
    assert expected > 0, "the executed report displays no plot"
    assert len(report_view.images) >= expected, f"{expected} plots in the notebook, {len(report_view.images)} <img> in the HTML"
    assert page_probes.broken_images(report_view.images) == []


def test_japanese_text_is_drawn_with_a_cjk_font(report_view):
    assert report_view.glyphs, "no Japanese text found in the exported HTML"
    assert page_probes.tofu_elements(report_view.glyphs) == [], (
        "Japanese characters drawn as boxes (tofu): install a CJK font, e.g. fonts-noto-cjk"
    )


def test_plots_have_japanese_glyphs(report_view):
    assert "missing from font" not in notebooks.stderr_text(report_view.executed), (
        "matplotlib drew boxes for Japanese labels: the notebook must `import matplotlib_fontja`"
    )


def test_no_local_asset_fails_to_load(report_view):
    assert report_view.requests.failed_local == []


def test_math_check_fails_when_mathjax_cannot_load(browser, exported_report, tmp_path):
    """Negative control: the same HTML with its MathJax file missing must be reported as raw math."""
    _, html = exported_report
    broken = tmp_path / html.name
    broken.write_text(html.read_text(encoding="utf-8").replace("MathJax.js", "MathJax-missing.js"), encoding="utf-8")
    page, requests, mathjax_done = open_offline(browser, broken, mathjax_timeout_ms=2_000)
    try:
        math = page_probes.math_state(page, MARKDOWN)
    finally:
        page.close()
    assert not mathjax_done
    assert math["typeset"] == 0 and math["rawDollars"], math
    assert any("MathJax-missing.js" in failure["url"] for failure in requests.failed_local)


def test_tofu_check_fails_without_japanese_fonts(playwright_driver, chromium_path, exported_report, tmp_path):
    """Negative control: the same page in a browser that sees no Japanese font must be reported as tofu."""
    _, html = exported_report
    environ = chromium.environ_without_japanese_fonts(tmp_path)
    context = chromium.launch_context(playwright_driver, chromium_path, tmp_path / "profile", env=environ)
    try:
        page, _, _ = open_offline(context, html)
        glyphs = page_probes.cjk_glyph_state(page, TEXT_ELEMENTS)
    finally:
        context.close()
    assert glyphs, "no Japanese text found in the exported HTML"
    assert page_probes.tofu_elements(glyphs) == glyphs, "the tofu check passed text drawn without any Japanese font"
