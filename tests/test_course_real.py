"""The real course: every assignment in source/ releases through `release_assignment` without leaks.

(The only test of this tool on the real notebooks; the toy course covers the rest.) The release goes
to a temporary folder with a throwaway gradebook, so the course's own files are not touched.
"""
import json
from pathlib import Path

import pytest

from backprop_course.course import Course
from backprop_course.release import release_assignment

ROOT = Path(__file__).resolve().parents[1]
COURSE = Course.at(ROOT)


@pytest.mark.parametrize("assignment", COURSE.assignments())
def test_real_assignment_releases_cleanly(assignment, tmp_path):
    paths = release_assignment(ROOT, assignment, release_root=tmp_path)
    assert [p.stem for p in paths] == COURSE.notebook_names(assignment)
    for path in paths:
        text = path.read_text(encoding="utf-8")
        assert "{{deadline}}" not in text
        cells = json.loads(text)["cells"]
        assert not any(c.get("outputs") for c in cells if c["cell_type"] == "code")
    deadline = COURSE.assignment_settings(assignment).get("deadline")
    if assignment == "report11":
        assert deadline == "7/19(火) AM10:30" and deadline in paths[0].read_text(encoding="utf-8")
