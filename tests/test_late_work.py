"""Late work (issue 15, 1): each submission's time (zip entry, the LMS's name, else the file's time) in nbgrader's
timestamp.txt with its source; a late policy and extensions from course.toml; late work graded, then the penalty
shown in the CSV, the class report, the feedback and the gradebook (nbgrader's late_submission_penalty)."""
import csv
import io
import os
import zipfile
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import nbformat
import pytest
from nbgrader.api import Gradebook

from backprop_course.autograde import autograde
from backprop_course.collect import collect
from backprop_course.collect.downloads import upload_time
from backprop_course.collect.identity import Place
from backprop_course.course import Course
from backprop_course.course.deadlines import LatePolicy, late_policy, read_submission_time
from backprop_course.release import release_assignment
from backprop_course.results.class_report import write_class_report
from backprop_course.results.feedback import write_feedback
from backprop_course.results.grades import write_grades_csv
from backprop_course.simulation import edits as sim
from backprop_course.simulation.toy_course import build_toy_course

TOKYO = ZoneInfo("Asia/Tokyo")
SETTINGS = """[course]
title = "おもちゃ講義"
[late]
policy = "per_day"
penalty_percent = 10
cutoff = 2026-07-26T10:30:00
[assignments.toy]
deadline = 2026-07-19T10:30:00
[assignments.toy.extensions]
s1000003 = 2026-07-22T10:30:00
"""


def test_the_policy_takes_a_share_per_started_unit_and_all_after_the_cutoff():
    per_day = LatePolicy("per_day", 10, cutoff_after=7 * 86400)
    assert [per_day.penalty(6, s) for s in (0, 1, 86400, 86401, 7 * 86400, 7 * 86400 + 1)] == [0, .6, .6, 1.2, 4.2, 6]
    assert LatePolicy("per_hour", 50).penalty(4, 3601) == 4  # never more than the raw score
    assert LatePolicy("cutoff", cutoff_after=3600).penalty(5, 3600) == 0
    assert LatePolicy("cutoff", cutoff_after=3600).penalty(5, 3601) == 5
    assert LatePolicy().penalty(5, 10 ** 6) == 0
    settings = {"assignments": {"a": {"deadline": datetime(2026, 7, 19, 10, 30),
                                      "late": {"policy": "cutoff", "cutoff": datetime(2026, 7, 20, 10, 30)}}},
                "late": {"policy": "per_hour", "penalty_percent": 5}}
    assert late_policy(settings, "a") == LatePolicy("cutoff", 0, 86400)
    assert late_policy(settings, "b") == LatePolicy("per_hour", 5, None)


def _entry(name: str, when: tuple, data: str) -> tuple[zipfile.ZipInfo, str]:
    return zipfile.ZipInfo(name, date_time=when), data


@pytest.fixture(scope="module")
def late_class(tmp_path_factory):
    """Three students hand in toy_extra.ipynb (the model solution, 1 point): on time, 2 days late, and 2 days late
    within an extension; collected from an LMS zip whose entry times (Tokyo) are the hand-in times."""
    root = build_toy_course(tmp_path_factory.mktemp("late"))
    release_assignment(root, "toy", now=datetime(2026, 7, 1, tzinfo=TOKYO))
    (root / "course.toml").write_text(SETTINGS, encoding="utf-8")
    release = nbformat.read(root / "release" / "toy" / "toy_extra.ipynb", as_version=4)
    solved = nbformat.writes(sim.model_solution(release, nbformat.read(root / "source" / "toy" / "toy_extra.ipynb",
                                                                           as_version=4)))
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:  # the student's own zip claims an early time: not believed
        zf.writestr(zipfile.ZipInfo("toy_extra.ipynb", date_time=(2026, 7, 1, 0, 0, 0)), solved)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr(zipfile.ZipInfo("s1000001_toy_extra.ipynb", date_time=(2026, 7, 19, 10, 29, 0)), solved)
        zf.writestr(zipfile.ZipInfo("s1000002_work.zip", date_time=(2026, 7, 21, 9, 0, 0)), inner.getvalue())
        zf.writestr(zipfile.ZipInfo("s1000003_toy_extra.ipynb", date_time=(2026, 7, 21, 9, 0, 0)), solved)
    (root / "download.zip").write_bytes(buffer.getvalue())
    course = Course.at(root)
    collect(course, root / "download.zip")
    statuses = autograde(course, "toy", jobs=2, progress=False)
    return course, statuses


def test_collect_records_the_lms_time_in_nbgraders_timestamp(late_class):
    course, _ = late_class
    folder = course.folder("submitted") / "s1000002" / "toy"
    recorded = read_submission_time(folder)
    assert recorded["time"] == datetime(2026, 7, 21, 9, 0, tzinfo=TOKYO) and recorded["source"] == "zip entry time"
    assert (folder / "timestamp.txt").read_text() == "2026-07-21 00:00:00.000000 UTC"
    assert course.folder("submitted").joinpath("s1000001", "toy", "toy_extra.ipynb").stat().st_mtime == \
        datetime(2026, 7, 19, 10, 29, tzinfo=TOKYO).timestamp()


def test_a_folder_delivery_uses_the_file_time_never_a_time_the_student_wrote(tmp_path):
    root = build_toy_course(tmp_path / "course")
    delivery = tmp_path / "download"
    delivery.mkdir()
    claimed = delivery / "s1000009_2026-07-01-11-00-00_toy_extra.ipynb"  # the student's part of the name
    claimed.write_text("{}", encoding="utf-8")
    stamp = datetime(2026, 7, 18, 12, 0, tzinfo=timezone.utc).timestamp()
    os.utime(claimed, (stamp, stamp))
    course = Course.at(root)
    collect(course, delivery)
    by_file = read_submission_time(course.folder("submitted") / "s1000009" / "toy")
    assert by_file["time"] == datetime(2026, 7, 18, 21, 0, tzinfo=TOKYO)
    assert by_file["source"] == "file modification time"


def test_a_time_in_the_name_the_lms_made_is_used(tmp_path):
    """For a layout whose LMS-made name carries the time (Blackboard-like `..._attempt_<time>_`)."""
    path = tmp_path / "x.ipynb"
    path.write_text("{}")
    place = Place("<id>_<file>", "s1000011_attempt_2026-07-20-11-00-00_x.ipynb", "s1000011", ("x.ipynb",))
    assert upload_time(path, place, {}, TOKYO) == (datetime(2026, 7, 20, 11, 0, tzinfo=TOKYO), "LMS file name")


def test_late_work_is_graded_then_penalised_visibly(late_class):
    course, statuses = late_class
    extra = {s.student: s for s in statuses if s.notebook == "toy_extra"}
    assert {student: s.score for student, s in extra.items()} == {"s1000001": 1, "s1000002": 1, "s1000003": 1}
    with open(write_grades_csv(course, "toy"), encoding="utf-8-sig") as f:
        rows = {r["student"]: r for r in csv.DictReader(f)}
    assert rows["s1000001"]["late_by"] == "" and rows["s1000001"]["total"] == "1"
    late = rows["s1000002"]
    assert (late["raw_total"], late["late_by"], late["late_penalty"], late["total"]) == ("1", "1 d 22 h 30 min", "0.2", "0.8")
    assert late["submitted_at"] == "2026-07-21T09:00:00+09:00" and late["time_source"] == "zip entry time"
    assert late["late_policy"] == "10% per started day, 0 after 7 d"
    extended = rows["s1000003"]
    assert extended["late_by"] == "" and extended["total"] == "1" and extended["deadline"].endswith("(extension)")
    with Gradebook(course.db_url, course.course_id) as gb:  # what formgrader shows
        assert gb.find_submission("toy", "s1000002").total_seconds_late == pytest.approx((46 * 60 + 30) * 60)
        assert gb.find_submission("toy", "s1000003").total_seconds_late == 0
        assert gb.find_submission_notebook("toy_extra", "toy", "s1000002").late_submission_penalty == pytest.approx(.2)
    page = next(p for p in write_feedback(course, "toy") if p.parts[-3] == "s1000002" and p.stem == "toy_extra")
    text = page.read_text(encoding="utf-8")
    assert "1日22時間30分の遅れ" in text and "減点前 1 点, 減点 0.2 点" in text and "最終得点 0.8 / 1" in text
    report = write_class_report(course, "toy").read_text(encoding="utf-8")
    assert "遅れて提出" in report and "1 d 22 h 30 min" in report
