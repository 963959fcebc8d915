"""`demo`'s term (issue 15, Proof): on its own clock (a course whose deadline is long past still releases), one
late student with the penalty, one extension, one written answer graded with a comment through nbgrader's
Gradebook API, the Moodle CSV and the feedback bundle; the summary prints where each is. Run on the toy course
with a written answer (the real course's demo is `make demo`)."""
from __future__ import annotations

import csv
import io
import re
import zipfile

import nbformat
import pytest
from nbgrader.api import Gradebook

from backprop_course.simulation.course_demo import WRITTEN_COMMENT, add_settings, run_demo
from backprop_course.simulation.toy_course import build_toy_course

WRITTEN = nbformat.v4.new_markdown_cell(
    "シグモイド関数の微分が h(1-h) になる理由を説明しなさい。\n\n### BEGIN SOLUTION\n"
    "連鎖律により σ'(g) = σ(g)(1-σ(g)) です。\n### END SOLUTION",
    metadata={"nbgrader": {"schema_version": 3, "grade_id": "explain", "solution": True, "grade": True,
                           "locked": False, "points": 2}})
PAST = "2020-07-19T10:30:00"  # the deadline; today is after it, the demo's clock a week before it


def _rows(path) -> dict[str, dict]:
    return {r.get("student") or r["ID number"]: r
            for r in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig")))}


@pytest.mark.slow
def test_the_demo_shows_the_term(tmp_path, capsys):
    root = build_toy_course(tmp_path / "real")
    settings = root / "course.toml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("2099-07-19T10:30:00", PAST), encoding="utf-8")
    extra = root / "source" / "toy" / "toy_extra.ipynb"
    nb = nbformat.read(extra, as_version=4)
    nb.cells.append(WRITTEN)
    nbformat.write(nb, extra)
    course = run_demo(root, tmp_path / "demo", jobs=2, cell_timeout=8)
    out = capsys.readouterr().out
    term = out[out.index("== the term"):]
    grades = _rows(course.folder("grades") / "grades.csv")

    late = grades["s2600003"]  # every file 1 d 2 h late: two started days, 10% each
    assert (late["late_by"], late["time_source"], late["late_policy"]) == ("1 d 2 h", "zip entry time",
                                                                           "10% per started day")
    raw, penalty = float(late["raw_total"]), float(late["late_penalty"])
    assert raw > 0 and penalty == pytest.approx(0.2 * raw) and float(late["total"]) == pytest.approx(raw - penalty)
    assert re.search(rf"late student: +s2600003 toy: handed in 2020-07-20T12:30:00\+09:00 .*raw {raw:g}, "
                     rf"penalty {penalty:g}, final {raw - penalty:g}", term)
    assert "最終得点" in (course.folder("feedback") / "s2600003" / "toy" / "toy.html").read_text(encoding="utf-8")

    extended = grades["s2600004"]  # handed in two days after the deadline, inside a three-day extension
    assert extended["deadline"] == "2020-07-22T10:30:00+09:00 (extension)"
    assert extended["submitted_at"] == "2020-07-21T10:30:00+09:00" and extended["late_by"] == ""
    assert "extension:      s2600004 toy: deadline 2020-07-22T10:30:00+09:00 (extension)" in term
    assert grades["s2600001"]["late_by"] == "" and grades["s2600001"]["submitted_at"].startswith("2020-07-18")

    with Gradebook(course.db_url, course.course_id) as gb:  # the TA's grade, as formgrader saves it
        grade = gb.find_grade("explain", "toy_extra", "toy", "s2600001")
        comment = gb.find_comment("explain", "toy_extra", "toy", "s2600001")
        assert (grade.manual_score, grade.needs_manual_grade, comment.manual_comment) == (1.0, False, WRITTEN_COMMENT)
    page = course.folder("feedback") / "s2600001" / "toy" / "toy_extra.html"
    assert WRITTEN_COMMENT in page.read_text(encoding="utf-8")
    assert f"written answer: s2600001 toy_extra:explain scored 1 / 2 with the comment 「{WRITTEN_COMMENT}」" in term
    assert f"-> {page} (under the answer and in the summary table)" in term
    assert grades["s2600001"]["total_final"] == "yes"

    moodle = course.folder("grades") / "moodle_toy.csv"
    rows = _rows(moodle)
    assert rows["s2600003"]["Feedback"].startswith("遅れ 1 d 2 h") and rows["s2600003"]["toy"] == late["total"]
    assert (rows["s2600007"]["toy"], rows["s2600007"]["Feedback"]) == ("0", "未提出")  # enrolled, nothing handed in
    assert f"Moodle CSV:     {moodle}" in term

    bundle = course.folder("grades") / "feedback_toy.zip"
    with zipfile.ZipFile(bundle) as zf:
        names = zf.namelist()
        assert "デモ 学生01_9001_assignsubmission_file_/feedback_toy.html" in names and len(names) == 6
        assert WRITTEN_COMMENT in zf.read(names[0]).decode("utf-8")
    assert f"feedback zip:   {bundle} (6 students; not in it: s2600007" in term


def test_settings_go_into_existing_tables(tmp_path):
    path = tmp_path / "course.toml"
    path.write_text('[collect]\nroster = "old.csv"  # theirs\nstudent_id_pattern = "s\\\\d{7}"\n'
                    "[assignments.a]\ndeadline = 2027-07-19T10:30:00\n[assignments.a.extensions]\n"
                    "s1000001 = 2027-07-20T10:30:00\n", encoding="utf-8")
    add_settings(path, "collect", ['roster = "roster.csv"'], drop=re.compile(r"^\s*roster\s*=.*$", re.MULTILINE))
    written = add_settings(path, "assignments.a.extensions", ["s1000002 = 2027-07-21T10:30:00+09:00"])
    assert written["collect"] == {"roster": "roster.csv", "student_id_pattern": "s\\d{7}"}
    assert set(written["assignments"]["a"]["extensions"]) == {"s1000001", "s1000002"}
    assert add_settings(path, "late", ['policy = "per_day"'])["late"] == {"policy": "per_day"}
