"""collect: LMS file names, nested folders and zips, duplicates; nothing dropped silently."""
import os
import zipfile
from pathlib import PurePath

import pytest

from backprop_course.collect import collect
from backprop_course.course import Course, CourseError
from backprop_course.course.names import clean_stem, find_student_id, match_notebook
from backprop_course.simulation.toy_course import build_toy_course


@pytest.mark.parametrize("path, student, notebook", [
    ("s1234567_toy.ipynb", "s1234567", "toy"),
    ("toy_s1234567.ipynb", "s1234567", "toy"),
    ("S1234567_TOY (1).ipynb", "s1234567", "toy"),
    ("山田_s1234567_assignsubmission_file_/toy (2).ipynb", "s1234567", "toy"),
    ("1234567/toy_extra - コピー.ipynb", "1234567", "toy_extra"),
    ("s1234567/toy_extra-1.ipynb", "s1234567", "toy_extra"),
])
def test_names_give_student_and_notebook(path, student, notebook):
    found = find_student_id(PurePath(path))
    assert found == student
    assert match_notebook(clean_stem(PurePath(path).stem, found), ["toy", "toy_extra"]) == notebook


def test_no_student_id_and_unknown_notebook():
    assert find_student_id(PurePath("report/toy.ipynb")) is None
    assert match_notebook(clean_stem("s1234567_other", "s1234567"), ["toy", "toy_extra"]) is None


@pytest.fixture
def course(tmp_path):
    return Course.at(build_toy_course(tmp_path / "course"))


def test_folder_with_a_nested_zip(course, tmp_path):
    delivery = tmp_path / "download"
    (delivery / "group A").mkdir(parents=True)
    (delivery / "group A" / "s1000001_toy.ipynb").write_text("{}", encoding="utf-8")
    with zipfile.ZipFile(tmp_path / "inner.zip", "w") as zf:
        zf.writestr("s1000003_toy.ipynb", "{}")
    with zipfile.ZipFile(delivery / "late.zip", "w") as zf:
        zf.writestr("s1000002/toy_extra.ipynb", "{}")
        zf.writestr("s1000002/readme.txt", "hello")
        zf.write(tmp_path / "inner.zip", "s1000003/inner.zip")
    (delivery / "broken.zip").write_bytes(b"PK\x03\x04 not really a zip")
    report = collect(course, delivery)
    assert sorted(dest for _, dest in report.placed) == [
        "submitted/s1000001/toy/toy.ipynb", "submitted/s1000002/toy/toy_extra.ipynb",
        "submitted/s1000003/toy/toy.ipynb"]
    assert sorted(found for found, _ in report.skipped) == ["broken.zip", "late/s1000002/readme.txt"]


def test_newest_duplicate_wins_and_the_older_is_listed(course, tmp_path):
    delivery = tmp_path / "download"
    delivery.mkdir()
    old, new = delivery / "s1000001_toy.ipynb", delivery / "s1000001_toy (1).ipynb"
    old.write_text('{"old": 1}', encoding="utf-8")
    new.write_text('{"new": 1}', encoding="utf-8")
    os.utime(old, (1_000_000, 1_000_000))
    report = collect(course, delivery)
    assert (course.root / "submitted/s1000001/toy/toy.ipynb").read_text(encoding="utf-8") == '{"new": 1}'
    assert report.skipped == [("s1000001_toy.ipynb",
                               "superseded by the newer s1000001_toy (1).ipynb for s1000001/toy")]


def test_assignment_filter_and_bad_paths(course, tmp_path):
    delivery = tmp_path / "download"
    delivery.mkdir()
    (delivery / "s1000001_toy.ipynb").write_text("{}", encoding="utf-8")
    with pytest.raises(CourseError, match="unknown assignment"):
        collect(course, delivery, assignment="nope")
    with pytest.raises(CourseError, match="does not exist"):
        collect(course, tmp_path / "missing")
    (tmp_path / "plain.txt").write_text("x", encoding="utf-8")
    with pytest.raises(CourseError, match="neither a folder nor a zip"):
        collect(course, tmp_path / "plain.txt")
