"""Finding and launching the system Chromium for the browser tests.

The browser is Debian's ``chromium`` driven by Python playwright through ``executable_path``;
playwright's own browser download is never used. What happens when something is missing:
with the environment variable ``CI`` set the test fails (CI must run every test), elsewhere it
is skipped with a message that says what to install.
"""
import os
import shutil
from pathlib import Path

import pytest

# Names under which distributions ship Chromium; CHROMIUM_PATH overrides the search.
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

# Flags that work headless as root in a container. The fresh user-data-dir is given separately.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)

INSTALL_HINT = (
    "install the browser, a CJK font and a local MathJax 2 "
    "(Debian/Ubuntu: `sudo apt-get install chromium fonts-noto-cjk libjs-mathjax fonts-mathjax`) "
    "and the test extras (`pip install -e '.[test]'`, which brings Python playwright); "
    "never `playwright install`"
)


def find_chromium(environ=os.environ, which=shutil.which):
    """Path of a Chromium executable, or None. ``CHROMIUM_PATH`` wins when it names a file."""
    override = environ.get("CHROMIUM_PATH")
    if override:
        return override if Path(override).is_file() else None
    for name in CHROMIUM_NAMES:
        found = which(name)
        if found:
            return found
    return None


def playwright_missing():
    """None when Python playwright imports, else the import error text."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as error:
        return str(error)
    return None


def missing_browser_parts(environ=os.environ, which=shutil.which, playwright_error=playwright_missing):
    """A list of what is missing to run the browser tests (empty when all is there)."""
    missing = []
    if find_chromium(environ, which) is None:
        where = environ.get("CHROMIUM_PATH") or "/".join(CHROMIUM_NAMES) + " on PATH"
        missing.append(f"no Chromium executable ({where})")
    error = playwright_error()
    if error:
        missing.append(f"Python playwright cannot be imported ({error})")
    return missing


def require_browser(environ=os.environ, which=shutil.which, playwright_error=playwright_missing):
    """Return the Chromium path; otherwise fail under CI, skip elsewhere, saying what to install."""
    missing = missing_browser_parts(environ, which, playwright_error)
    if not missing:
        return find_chromium(environ, which)
    message = "browser tests cannot run: " + "; ".join(missing) + ". To run them, " + INSTALL_HINT + "."
    if environ.get("CI"):
        pytest.fail(message + " (CI is set, so this is a failure, not a skip)", pytrace=False)
    pytest.skip(message)


# A fontconfig file that hides every font covering Japanese: a browser started with it shows tofu.
HIDE_JAPANESE_FONTS = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <selectfont><rejectfont>
    <pattern><patelt name="lang"><string>ja</string></patelt></pattern>
  </rejectfont></selectfont>
</fontconfig>
"""


def environ_without_japanese_fonts(work_dir, environ=os.environ):
    """A copy of environ under which fontconfig (so Chromium) finds no font that covers Japanese."""
    config = Path(work_dir) / "hide-japanese-fonts.conf"
    config.write_text(HIDE_JAPANESE_FONTS, encoding="utf-8")
    return dict(environ, FONTCONFIG_FILE=str(config))


def launch_context(playwright, executable, user_data_dir, env=None):
    """A persistent Chromium context on a fresh ``user_data_dir``, offline-safe and as root.

    ``env`` replaces the browser's environment (e.g. to hide fonts in a negative control).
    """
    return playwright.chromium.launch_persistent_context(
        str(user_data_dir),
        executable_path=executable,
        headless=True,
        args=list(CHROMIUM_FLAGS),
        env=env,
        viewport={"width": 1200, "height": 900},
        locale="ja-JP",
    )
