"""What the browser tests do when the browser is missing: fail under CI, skip with advice elsewhere."""
import pytest

from . import chromium


def no_executable(name):
    return None


def playwright_ok():
    return None


def test_missing_browser_fails_under_ci():
    with pytest.raises(pytest.fail.Exception) as failure:
        chromium.require_browser({"CI": "true"}, which=no_executable, playwright_error=playwright_ok)
    assert "no Chromium executable" in str(failure.value)
    assert "apt-get install chromium" in str(failure.value)


def test_missing_browser_skips_with_install_advice_elsewhere():
    with pytest.raises(pytest.skip.Exception) as skipped:
        chromium.require_browser({}, which=no_executable, playwright_error=playwright_ok)
    assert "apt-get install chromium fonts-noto-cjk libjs-mathjax" in str(skipped.value)


def test_missing_playwright_is_named():
    def broken_import():
        return "No module named 'playwright'"

    with pytest.raises(pytest.fail.Exception) as failure:
        chromium.require_browser({"CI": "1"}, which=lambda name: "/usr/bin/chromium", playwright_error=broken_import)
    assert "playwright cannot be imported" in str(failure.value)
    assert "pip install -e '.[test]'" in str(failure.value)


def test_chromium_path_override_must_exist(tmp_path):
    assert chromium.find_chromium({"CHROMIUM_PATH": str(tmp_path / "nowhere")}, which=lambda name: "/x") is None
    found = tmp_path / "chromium"
    found.write_text("")
    assert chromium.find_chromium({"CHROMIUM_PATH": str(found)}) == str(found)


def test_present_browser_is_returned():
    path = chromium.require_browser({"CI": "1"}, which=lambda name: f"/opt/{name}", playwright_error=playwright_ok)
    assert path == "/opt/chromium"
