"""`make demo` on a machine without bubblewrap: only the throwaway course grades unconfined, and says why."""
import io
import os
import tomllib

import pytest

from backprop_course import sandbox
from backprop_course.course import Course
from backprop_course.simulation.course_demo import allow_unconfined_if_needed, make_throwaway_course, set_allow_unconfined
from backprop_course.simulation.toy_course import build_toy_course


def _refuses(course: Course) -> bool:
    try:
        sandbox.confinement(course.root, sandbox.Policy.from_settings(course.settings))
    except sandbox.SandboxUnavailable:
        return True
    return False


def test_without_bwrap_only_the_throwaway_course_grades_unconfined(tmp_path, monkeypatch):
    real = Course.at(build_toy_course(tmp_path / "real"))
    real_settings = (real.root / "course.toml").read_bytes()
    if sandbox.why_unavailable() is None:   # confinement works here: the demo leaves its course alone
        untouched = allow_unconfined_if_needed(make_throwaway_course(real, tmp_path / "demo_confined"))
        assert not _refuses(untouched) and "allow_unconfined" not in str(untouched.settings)
    empty_bin = tmp_path / "bin-without-bwrap"
    empty_bin.mkdir()
    monkeypatch.setenv("PATH", str(empty_bin))          # bwrap, prlimit, setpriv: not found
    assert _refuses(real)
    out = io.StringIO()
    demo = allow_unconfined_if_needed(make_throwaway_course(real, tmp_path / "demo"), out=out)
    said = out.getvalue()
    assert ("missing tool(s) bwrap" if os.geteuid() == 0 else "needs root") in said
    assert "UNCONFINED" in said and "The real course keeps refusing" in said
    assert demo.settings["grading"]["sandbox"]["allow_unconfined"] is True
    jail = sandbox.confinement(demo.root, sandbox.Policy.from_settings(demo.settings))
    assert not jail.confined and jail.warning.startswith("UNCONFINED GRADING")
    assert (real.root / "course.toml").read_bytes() == real_settings and _refuses(Course.at(real.root))


@pytest.mark.parametrize("before", ["", "[course]\ntitle = 'x'\n",
                                    "[grading.sandbox]\nallow_unconfined = false\ncpu_seconds = 30\n"])
def test_set_allow_unconfined_keeps_the_toml_valid(tmp_path, before):
    path = tmp_path / "course.toml"
    if before:
        path.write_text(before, encoding="utf-8")
    set_allow_unconfined(path)
    settings = tomllib.loads(path.read_text(encoding="utf-8"))
    assert settings["grading"]["sandbox"]["allow_unconfined"] is True
    if "cpu_seconds" in before:
        assert settings["grading"]["sandbox"]["cpu_seconds"] == 30
