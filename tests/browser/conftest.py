"""Session fixtures for the browser tests: one Chromium, the exported report, one JupyterLab.

Everything started here is stopped by the fixture's own teardown, even when a test fails.
"""
import pytest

from . import chromium, lab_session, notebooks
from .jupyterlab_server import LabServer

ARTIFACTS = notebooks.REPO_ROOT / "build" / "test-artifacts" / "browser"


@pytest.fixture(scope="session")
def artifacts_dir():
    """build/test-artifacts/browser/: screenshots and probe results a human can look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def chromium_path():
    """The system Chromium (fails under CI, skips elsewhere, when it or playwright is missing)."""
    return chromium.require_browser()


@pytest.fixture(scope="session")
def playwright_driver(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright_driver, chromium_path, tmp_path_factory):
    """One headless Chromium context for the session, on a fresh profile."""
    context = chromium.launch_context(playwright_driver, chromium_path, tmp_path_factory.mktemp("chromium-profile"))
    yield context
    context.close()


@pytest.fixture(scope="session")
def exported_report(tmp_path_factory):
    """The report notebook (source, with solutions) executed and exported as a student hands it in.

    Returns (executed notebook, path of the HTML file).
    """
    work = tmp_path_factory.mktemp("report")
    notebook = notebooks.copy_assignment(notebooks.report_notebook(work), work / "run")
    executed = notebooks.execute_in_place(notebook)
    html_dir = work / "html"
    html_dir.mkdir()
    return executed, notebooks.export_html(notebook, html_dir)


@pytest.fixture(scope="session")
def jupyterlab(browser, tmp_path_factory):
    """One JupyterLab for the session, serving a copy of source/ and release/ (never the repository)."""
    root = notebooks.copy_steps(tmp_path_factory.mktemp("lab-root"))
    with LabServer(root, tmp_path_factory.mktemp("jupyterlab")) as lab:
        yield lab


@pytest.fixture(scope="session")
def lab_page(browser, jupyterlab):
    """A browser tab with JupyterLab loaded; each test opens its notebook in it."""
    page = browser.new_page()
    lab_session.open_lab(page, jupyterlab.url)
    yield page
    page.close()
