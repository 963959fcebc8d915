"""The real course: every assignment in source/ releases through `release_assignment` without leaks.

(The only test of this tool on the real notebooks; the toy course covers the rest.) The clock is set a month
before course.toml's deadline, so the test does not expire with the term. The release goes
to a temporary folder with a throwaway gradebook, so the course's own files are not touched.
"""
import json
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from backprop_course.course import Course
from backprop_course.course.deadlines import assignment_deadline
from backprop_course.release import release_assignment

ROOT = Path(__file__).resolve().parents[1]
COURSE = Course.at(ROOT)


@pytest.mark.parametrize("assignment", COURSE.assignments())
def test_real_assignment_releases_cleanly(assignment, tmp_path):
    due = assignment_deadline(COURSE.settings, assignment)
    assert due is not None, f"course.toml gives {assignment} no deadline"
    paths = release_assignment(ROOT, assignment, release_root=tmp_path, now=due - timedelta(days=30))
    assert [p.stem for p in paths] == COURSE.notebook_names(assignment)
    for path in paths:
        text = path.read_text(encoding="utf-8")
        assert "{{deadline}}" not in text
        cells = json.loads(text)["cells"]
        assert not any(c.get("outputs") for c in cells if c["cell_type"] == "code")
    local = due.astimezone(ZoneInfo("Asia/Tokyo"))  # the text students read, its weekday computed here apart
    shown = f"{local.month}/{local.day}({'月火水木金土日'[local.weekday()]}) {local:%H:%M}"
    if assignment == "report11":
        assert shown in paths[0].read_text(encoding="utf-8")
