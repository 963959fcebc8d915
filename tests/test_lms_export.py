"""Grades and feedback back into the LMS (issue 15, 3): Moodle's grade-import CSV and a generic CSV keyed by
student id (UTF-8 with BOM) listing enrolled students who handed in nothing; the feedback zip for Moodle's
feedback-files upload, with the students left out and why."""
import csv
import io
import zipfile
from datetime import datetime
from zoneinfo import ZoneInfo

import nbformat
import pytest

from backprop_course.autograde import autograde
from backprop_course.cli import main
from backprop_course.collect import collect
from backprop_course.course import Course, CourseError
from backprop_course.release import release_assignment
from backprop_course.results.lms import roster
from backprop_course.simulation import edits as sim
from backprop_course.simulation.toy_course import TOY_SETTINGS, build_toy_course

ROSTER = "student_id,name,lms_id,email\ns1000001,山田 太郎,501,yamada@example.ac.jp\ns1000002,佐藤 花子,,sato@example.ac.jp\n" \
         "s1000003,鈴木 一郎,503,suzuki@example.ac.jp\n"


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """s1000001 (roster with Moodle id) and s1000002 (no Moodle id) hand in toy_extra; s1000003 hands in nothing."""
    root = build_toy_course(tmp_path_factory.mktemp("lms"))
    (root / "course.toml").write_text(TOY_SETTINGS + '[collect]\nroster = "roster.csv"\n'
                                     '[collect.participants]\n501 = "s1000001"\n', encoding="utf-8")
    (root / "roster.csv").write_text("\ufeff" + ROSTER, encoding="utf-8")
    release_assignment(root, "toy", now=datetime(2026, 7, 1, tzinfo=ZoneInfo("Asia/Tokyo")))
    release = nbformat.read(root / "release" / "toy" / "toy_extra.ipynb", as_version=4)
    solved = nbformat.writes(sim.model_solution(release, nbformat.read(root / "source" / "toy" / "toy_extra.ipynb",
                                                                           as_version=4)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("山田 太郎_501_assignsubmission_file_/toy_extra.ipynb", solved)
        zf.writestr("s1000002_toy_extra.ipynb", solved)
    (root / "download.zip").write_bytes(buffer.getvalue())
    course = Course.at(root)
    collect(course, root / "download.zip")
    autograde(course, "toy", jobs=2, progress=False)
    return root


def _read(path):
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel shows Japanese
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def test_moodle_and_generic_csv_list_every_enrolled_student(exported, capsys):
    root = exported
    assert main(["--course-root", str(root), "grades", "toy", "--format", "moodle", "--no-report"]) == 0
    assert main(["--course-root", str(root), "grades", "toy", "--format", "csv", "--no-report"]) == 0
    moodle = _read(root / "grades" / "moodle_toy.csv")
    assert moodle[0] == ["ID number", "Email address", "Full name", "toy", "Feedback"]
    rows = {r[0]: r for r in moodle[1:]}
    assert rows["s1000001"] == ["s1000001", "yamada@example.ac.jp", "山田 太郎", "1", ""]
    assert rows["s1000003"] == ["s1000003", "suzuki@example.ac.jp", "鈴木 一郎", "0", "未提出"]
    generic = _read(root / "grades" / "lms_toy.csv")
    assert generic[0][:7] == ["student_id", "name", "email", "assignment", "score", "max_score", "status"]
    scores = {r[0]: (r[4], r[6]) for r in generic[1:]}
    assert scores["s1000003"] == ("0", "not_submitted") and scores["s1000002"][0] == "1"


def test_the_feedback_bundle_is_named_for_moodle_and_lists_who_is_left_out(exported, capsys):
    root = exported
    assert main(["--course-root", str(root), "feedback", "toy", "--bundle"]) == 0
    out = capsys.readouterr().out
    with zipfile.ZipFile(root / "grades" / "feedback_toy.zip") as zf:
        assert zf.namelist() == ["山田 太郎_501_assignsubmission_file_/feedback_toy.html"]
        page = zf.read(zf.namelist()[0]).decode("utf-8")
    assert "toy_extra" in page and "採点結果" in page
    assert "NOT IN BUNDLE s1000002: no Moodle participant id" in out
    assert "NOT IN BUNDLE s1000003: no feedback page" in out


def test_a_roster_without_student_ids_is_refused(tmp_path):
    root = build_toy_course(tmp_path)
    (root / "course.toml").write_text(TOY_SETTINGS + '[collect]\nroster = "r.csv"\n', encoding="utf-8")
    (root / "r.csv").write_text("name\nx\n", encoding="utf-8")
    with pytest.raises(CourseError, match="student_id column"):
        roster(Course.at(root))
