"""Deadlines in course.toml (issue 15, 1): the students' text is made from a date-time, weekday included; release
refuses a missing or past deadline and records nbgrader's duedate; a mistake in course.toml exits 2 naming the key."""
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from nbgrader.api import Gradebook

from backprop_course.cli import main
from backprop_course.course import Course, CourseError
from backprop_course.course.deadlines import assignment_deadline, deadline_text
from backprop_course.release import ReleaseError, release_assignment
from backprop_course.simulation.toy_course import TOY_SETTINGS, build_toy_course

TOKYO = ZoneInfo("Asia/Tokyo")


def test_the_text_is_made_from_the_date_with_its_weekday():
    assert deadline_text(datetime(2026, 7, 19, 10, 30, tzinfo=TOKYO)) == "7/19(日) 10:30"
    assert deadline_text(datetime(2027, 7, 19, 10, 30, tzinfo=TOKYO)) == "7/19(月) 10:30"
    assert deadline_text(datetime(2026, 7, 19, 1, 30, tzinfo=timezone.utc), TOKYO) == "7/19(日) 10:30"
    assert deadline_text(datetime(2026, 7, 18, 23, 59, tzinfo=timezone.utc), TOKYO) == "7/19(日) 08:59"


def _with_settings(tmp_path, text: str):
    root = build_toy_course(tmp_path / "course")
    (root / "course.toml").write_text(text, encoding="utf-8")
    return root


def test_a_local_deadline_is_in_tokyo_and_an_offset_is_kept(tmp_path):
    root = _with_settings(tmp_path, "[assignments.toy]\ndeadline = 2026-07-19T10:30:00\n")
    assert assignment_deadline(Course.at(root).settings, "toy") == datetime(2026, 7, 19, 1, 30, tzinfo=timezone.utc)
    root = _with_settings(tmp_path, "[assignments.toy]\ndeadline = 2026-07-19T10:30:00-04:00\n")
    assert Course.at(root).placeholders("toy")["deadline"] == "7/19(日) 23:30"


def test_release_refuses_a_past_or_missing_deadline_and_records_the_duedate(tmp_path):
    root = _with_settings(tmp_path, "[assignments.toy]\ndeadline = 2026-07-19T10:30:00\n")
    with pytest.raises(ReleaseError, match=r"already past .*set this term's deadline"):
        release_assignment(root, "toy", now=datetime(2026, 7, 19, 10, 31, tzinfo=TOKYO))
    assert not (root / "release" / "toy").exists()
    release_assignment(root, "toy", now=datetime(2026, 7, 1, tzinfo=TOKYO))
    text = (root / "release" / "toy" / "toy.ipynb").read_text(encoding="utf-8")
    assert "締切: 7/19(日) 10:30" in text
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "toy-course") as gb:
        assert gb.find_assignment("toy").duedate == datetime(2026, 7, 19, 1, 30)  # nbgrader's naive UTC
    (root / "course.toml").write_text("[assignments.toy]\ntitle = \"x\"\n", encoding="utf-8")
    with pytest.raises(ReleaseError, match=r"\[assignments.toy\] deadline is missing"):
        release_assignment(root, "toy", release_root=tmp_path / "elsewhere")


@pytest.mark.parametrize("text, words", [
    ('[assignments.toy]\ndeadline = "7/19(火) AM10:30"\n',
     ["assignments.toy.deadline must be a date-time such as 2027-07-19T10:30:00", "not str '7/19(火) AM10:30'"]),
    ("[assignments.toy]\ndeadine = 2099-07-19T10:30:00\n", ["unknown key 'assignments.toy.deadine'",
                                                            "did you mean 'assignments.toy.deadline'"]),
    ("[course]\ntitle = 3\n", ["course.title must be a string, not int 3"]),
    ("[colect]\nstudent_id_pattern = 's\\\\d{7}'\n", ["unknown key 'colect'", "did you mean 'collect'"]),
    ("[assignments.toy]\ndeadline = 2099-07-19\n", ["assignments.toy.deadline must be a date-time", "not date"]),
    ("[late]\npolicy = \"per_week\"\n", ["[late] policy", "'per_week' is not one of none, per_hour"]),
    ("[course]\ntimezone = \"Tokyo\"\n", ["[course] timezone: unknown time zone 'Tokyo'"]),
    ("[collect]\nstudent_id_pattern = \"s(\\\\d\"\n", ["collect.student_id_pattern is not a regular expression"]),
    ("[assignments.toy]\ndeadline = 2099-07-19T10:30:00\n[assignments.toy.extensions]\ns1 = 2099-07-18T10:00:00\n",
     ["[assignments.toy.extensions] s1", "is not after the deadline"]),
])
def test_a_mistake_in_course_toml_exits_2_naming_the_key_and_the_file(tmp_path, capsys, text, words):
    root = _with_settings(tmp_path, text)
    with pytest.raises(CourseError) as caught:
        Course.at(root)
    for word in [str(root / "course.toml"), *words]:
        assert word in str(caught.value)
    assert main(["--course-root", str(root), "feedback"]) == 2
    err = capsys.readouterr().err
    assert str(root / "course.toml") in err and words[0] in err and "Traceback" not in err


def test_the_toy_and_real_settings_pass_the_check():
    assert "deadline = 2099-07-19T10:30:00" in TOY_SETTINGS
    assert assignment_deadline(Course.at(Path(__file__).resolve().parents[1]).settings, "report11") is not None
