"""Session fixtures for the browser tests: one Chromium, the exported report, one JupyterLab.

Everything started here is stopped by the fixture's own teardown, even when a test fails.
"""
import shutil

import nbformat
import pytest

from . import chromium, lab_session, notebooks
from .jupyterlab_server import LabServer

ARTIFACTS = notebooks.REPO_ROOT / "build" / "test-artifacts" / "browser"


@pytest.fixture(scope="session")
def artifacts_dir():
    """build/test-artifacts/browser/ (emptied first): screenshots and probe results a human can look at."""
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
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
def jupyterlab(browser, tmp_path_factory):
    """One JupyterLab for the session, serving a copy of source/ and release/ (never the repository)."""
    root = notebooks.copy_steps(tmp_path_factory.mktemp("lab-root"))
    with LabServer(root, tmp_path_factory.mktemp("jupyterlab")) as lab:
        yield lab


def notebooks_to_run(session):
    """The notebooks the selected tests need run in JupyterLab (server-relative paths, in test order)."""
    paths = []
    for item in session.items:
        params = getattr(item, "callspec", None)
        wanted = params.params.get("lab_path") if params else None
        if wanted is None and "exported_report" in getattr(item, "fixturenames", ()):
            wanted = notebooks.REPORT_PATH
        if wanted and wanted not in paths:
            paths.append(wanted)
    return paths


@pytest.fixture(scope="session")
def lab_results(request, browser, jupyterlab, artifacts_dir):
    """{path: {"cells": [...]} or {"error": ...}}: each needed notebook run once, two at a time.

    Runs leave their outputs saved in the server's copy of the notebook.
    """
    runner = lab_session.LabRunner(browser, jupyterlab)
    try:
        outcomes = runner.run_all(notebooks_to_run(request.session), screenshot_dir=artifacts_dir)
    finally:
        runner.close()
    for path, outcome in outcomes.items():
        notebooks.write_json(artifacts_dir / lab_session.screenshot_name(path).replace(".png", ".json"), outcome)
    return outcomes


@pytest.fixture(scope="session")
def exported_report(lab_results, jupyterlab, tmp_path_factory):
    """The report notebook (source, with solutions) as run and saved in JupyterLab, exported to HTML
    the way a student hands it in. Returns (executed notebook, path of the HTML file).
    """
    lab_session.cells_of(lab_results, notebooks.REPORT_PATH)
    saved = jupyterlab.root_dir / notebooks.REPORT_PATH
    executed = nbformat.read(saved, as_version=4)
    return executed, notebooks.export_html(saved, tmp_path_factory.mktemp("report-html"))
