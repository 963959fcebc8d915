"""collect: the uploader is who the LMS says; LMS layouts, nested folders and zips, duplicates; the hostile
downloads of tests/hostile/uploads.py; nothing dropped silently."""
import os
import shutil
import tracemalloc
import zipfile
from pathlib import PurePath

import pytest

from backprop_course.collect import collect, print_collect_report
from backprop_course.collect.html_handin import MAX_HTML_BYTES
from backprop_course.collect.identity import content_claims, place_of
from backprop_course.course import Course, CourseError
from backprop_course.course.handin import read_handin
from backprop_course.course.names import DEFAULT_STUDENT_ID, clean_stem, match_notebook
from backprop_course.course.uploads import load_rejected
from backprop_course.simulation.toy_course import build_toy_course
from hostile.uploads import ATTACKER, FOLDERS, PARTICIPANTS, VICTIMS, attacks, blank, moodle_download


def place(path, zips=()):
    return place_of(PurePath(path), {PurePath(z) for z in zips}, DEFAULT_STUDENT_ID, {"1003": "s5400003"})


@pytest.mark.parametrize("path, layout, student, notebook", [
    ("s1234567_toy.ipynb", "<id>_<file>", "s1234567", "toy"),
    ("S1234567_TOY (1).ipynb", "<id>_<file>", "s1234567", "toy"),
    ("s1234567_s1234567_toy.ipynb", "<id>_<file>", "s1234567", "toy"),
    ("山田_s1234567_assignsubmission_file_/toy (2).ipynb", "Moodle folder", "s1234567", "toy"),
    ("s1234567 山田_77_assignsubmission_file_/toy.ipynb", "Moodle folder", "s1234567", "toy"),
    ("田中_1003_assignsubmission_file_/toy.ipynb", "Moodle folder", "s5400003", "toy"),
    ("山田_s1234567_assignsubmission_file_toy.ipynb", "Moodle file name", "s1234567", "toy"),
    ("download/1234567/toy_extra - コピー.ipynb", "<id>/ folder", "1234567", "toy_extra"),
    ("s1234567/toy_extra-1.ipynb", "<id>/ folder", "s1234567", "toy_extra"),
])
def test_the_lms_names_the_uploader(path, layout, student, notebook):
    found = place(path, zips=["download"])
    assert (found.layout, found.uploader) == (layout, student)
    own = PurePath(found.own_parts[-1]).stem
    assert match_notebook(clean_stem(own, student), ["toy", "toy_extra"]) == notebook


def test_no_lms_place_no_student():
    assert place("report/s1234567_toy.ipynb") is None  # a folder the student (or nobody) named
    assert place("toy_s1234567.ipynb") is None  # not a name an LMS gives
    assert place("山田_77_assignsubmission_file_/s1234567_toy.ipynb").uploader is None  # Moodle, no id known
    assert match_notebook(clean_stem("s1234567_other", "s1234567"), ["toy", "toy_extra"]) is None


def test_content_claims_read_labelled_ids_only():
    assert content_claims('{"source": "学籍番号: s5400003\\n"}'.encode(), DEFAULT_STUDENT_ID) == {"s5400003"}
    assert content_claims(b'STUDENT_ID = \\"s5400001\\"', DEFAULT_STUDENT_ID) == {"s5400001"}
    assert content_claims("<p>学籍番号: <b>s5400002</b> / 課題".encode(), DEFAULT_STUDENT_ID) == {"s5400002"}
    assert content_claims(b'"loss": 0.12345678, "step": 1234567', DEFAULT_STUDENT_ID) == set()
    assert content_claims("`--student-id 学籍番号`".encode(), DEFAULT_STUDENT_ID) == set()
    assert content_claims("Student-No: s5400005, ſtudent id s5400006 / STUDENT NUMBER s5400007".encode(),
                          DEFAULT_STUDENT_ID) == {"s5400005", "s5400006", "s5400007"}
    assert content_claims("学籍番号<i>s5400008</i> 学生番号学生証番号：S5400009".encode() + b"\xff student_id=s1",
                          DEFAULT_STUDENT_ID) == {"s5400008", "s5400009"}
    assert content_claims(b"tudent: 1 / student id s5400010 / s", DEFAULT_STUDENT_ID) == {"s5400010"}


@pytest.fixture
def course(tmp_path):
    return Course.at(build_toy_course(tmp_path / "course"))


def write_zip(path, entries):
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return path


def test_an_oversized_page_costs_no_more_than_the_size_limit(course, tmp_path):
    size = 64 * 2**20
    delivery = write_zip(tmp_path / "download.zip", {
        "s1000001_toy.html": b"<html><body><p>" + b"x" * size + b"</p></body></html>", "s1000002_toy.ipynb": "{}"})
    tracemalloc.start()
    try:
        report = collect(course, delivery)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * MAX_HTML_BYTES < 2 * size, "only the first MAX_HTML_BYTES + 1 bytes of a page are ever read"
    folder = course.folder("submitted") / "s1000001" / "toy"
    assert [p.kind for p in read_handin(folder, "toy")] == ["html_unreadable"] and len(report.placed) == 2
    assert (folder / "toy.html").stat().st_size > size and not (folder / "toy.ipynb").exists()  # kept as handed in


def test_folder_with_a_nested_zip(course, tmp_path):
    delivery = tmp_path / "download"
    (delivery / "group A").mkdir(parents=True)
    (delivery / "group A" / "s1000004_toy.ipynb").write_text("{}", encoding="utf-8")  # no LMS place: not placed
    (delivery / "s1000001_toy.ipynb").write_text("{}", encoding="utf-8")
    inner = write_zip(tmp_path / "inner.zip", {"s1000003_toy.ipynb": "{}"})
    with zipfile.ZipFile(delivery / "late.zip", "w") as zf:
        zf.writestr("s1000002/toy_extra.ipynb", "{}")
        zf.writestr("s1000002/readme.txt", "hello")
        zf.write(inner, "s1000003/inner.zip")
    (delivery / "broken.zip").write_bytes(b"PK\x03\x04 not really a zip")
    report = collect(course, delivery)
    assert sorted(dest for _, dest in report.placed) == [
        "submitted/s1000001/toy/toy.ipynb", "submitted/s1000002/toy/toy_extra.ipynb",
        "submitted/s1000003/toy/toy.ipynb"]
    assert sorted(found for found, _ in report.skipped) == ["broken.zip", "group A/s1000004_toy.ipynb",
                                                           "late/s1000002/readme.txt"]
    assert course.students() == ["s1000001", "s1000002", "s1000003"]


def test_newest_duplicate_wins_and_the_older_is_listed(course, tmp_path, capsys):
    delivery = tmp_path / "download"
    delivery.mkdir()
    old, new = delivery / "s1000001_toy.ipynb", delivery / "s1000001_toy (1).ipynb"
    old.write_text('{"old": 1}', encoding="utf-8")
    new.write_text('{"new": 1}', encoding="utf-8")
    os.utime(old, (1_000_000, 1_000_000))
    report = collect(course, delivery)
    assert (course.root / "submitted/s1000001/toy/toy.ipynb").read_text(encoding="utf-8") == '{"new": 1}'
    assert report.superseded == [("s1000001_toy.ipynb", "s1000001/toy", "s1000001_toy (1).ipynb")]
    assert report.skipped == [("s1000001_toy.ipynb",
                               "superseded by the newer s1000001_toy (1).ipynb for s1000001/toy")]
    print_collect_report(report)
    printed = capsys.readouterr().out
    assert "1 superseded" in printed and "| s1000001_toy.ipynb | s1000001/toy" in printed


def test_plain_zip_of_id_prefixed_files(course, tmp_path):
    delivery = write_zip(tmp_path / "toy.zip", {"s1000001_toy.ipynb": "{}", "s1000002_toy_extra (1).ipynb": "{}",
                                                "s1000002_s1000001_toy.ipynb": "{}"})
    report = collect(course, delivery)
    assert sorted(dest for _, dest in report.placed) == ["submitted/s1000001/toy/toy.ipynb",
                                                         "submitted/s1000002/toy/toy_extra.ipynb"]
    assert [(r.found, r.uploader, r.claims) for r in report.rejected] == [
        ("toy/s1000002_s1000001_toy.ipynb", "s1000002", ("s1000001",))]


def test_moodle_file_names_without_folders(course, tmp_path):
    delivery = write_zip(tmp_path / "moodle.zip", {
        "山田 太郎_s1000001_assignsubmission_file_toy.ipynb": "{}",
        "鈴木_s1000002_assignsubmission_file_s1000001_toy.ipynb": "{}",
        "匿名_42_assignsubmission_file_toy.ipynb": "{}"})
    report = collect(course, delivery)
    assert [dest for _, dest in report.placed] == ["submitted/s1000001/toy/toy.ipynb"]
    assert [(r.uploader, r.claims) for r in report.rejected] == [("s1000002", ("s1000001",))]
    assert "[collect.participants]" in dict(report.skipped)["moodle/匿名_42_assignsubmission_file_toy.ipynb"]


def hostile_download(course, tmp_path):
    with open(course.root / "course.toml", "a", encoding="utf-8") as settings:
        settings.write(PARTICIPANTS)
    course = Course.at(course.root)
    release_text = (course.root / "source/toy/toy.ipynb").read_text(encoding="utf-8")
    honest = {student: blank(release_text).replace("おもちゃ課題", f"おもちゃ課題 ({student} の解答)")
              for student in VICTIMS}
    delivery = tmp_path / "lms.zip"
    delivery.write_bytes(moodle_download("toy", honest, release_text))
    return course, delivery, honest


def test_impersonation_at_collect_is_refused_listed_and_recorded(course, tmp_path, capsys):
    course, delivery, honest = hostile_download(course, tmp_path)
    report = collect(course, delivery)
    for student in VICTIMS:  # each victim keeps exactly the notebook they uploaded
        assert (course.root / f"submitted/{student}/toy/toy.ipynb").read_text(encoding="utf-8") == honest[student]
    assert course.students() == sorted([*VICTIMS, ATTACKER])
    assert sorted(dest for _, dest in report.placed) == [f"submitted/{s}/toy/toy.ipynb"
                                                         for s in sorted([*VICTIMS, ATTACKER])]
    expected = sorted((a.found, ATTACKER, (a.claims,), "toy") for a in attacks("toy"))
    assert sorted((r.found, r.uploader, r.claims, r.notebook) for r in report.rejected) == expected
    assert report.superseded == []
    assert sorted((r.found, r.claims) for r in load_rejected(course, "toy")) == [(e[0], e[2]) for e in expected]
    print_collect_report(report)
    printed = capsys.readouterr().out
    assert f"{len(expected)} rejected" in printed
    assert all(f"| {a.found} " in printed for a in attacks("toy"))
    collect(course, delivery)  # collecting the same download again records nothing twice
    assert len(load_rejected(course, "toy")) == len(expected)


def test_the_attackers_status_is_flagged_for_review(course, tmp_path):
    from backprop_course.autograde.prepare import prepare_student
    from backprop_course.release import release_assignment
    course, delivery, _ = hostile_download(course, tmp_path)
    release_assignment(course.root, "toy")
    collect(course, delivery)
    statuses = {s.status.notebook: s.status for s in prepare_student(course, "toy", ATTACKER, 3)}
    assert statuses["toy"].needs_review
    assert [p.kind for p in statuses["toy"].problems] == ["foreign_upload"]
    assert all(a.found in statuses["toy"].problems[0].detail for a in attacks("toy"))
    for student in VICTIMS:
        assert not any(s.status.problems and s.status.notebook == "toy"
                       for s in prepare_student(course, "toy", student, 3))


def test_a_moodle_folder_without_a_known_id_places_nothing(course, tmp_path):
    delivery = write_zip(tmp_path / "lms.zip", {f"{FOLDERS['s5400003']}/s5400003_toy.ipynb": "{}"})
    report = collect(course, delivery)  # no [collect.participants]: the file's own name is not trusted
    assert report.placed == [] and course.students() == []
    assert "names none" in report.skipped[0][1]


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


def test_two_assignments_with_the_same_notebook_names(course, tmp_path):
    """A copy of an assignment (toy2: toy.ipynb, toy_extra.ipynb again): --assignment toy places toy's files there,
    --assignment toy2 there, and without it a shared name is not guessed but skipped, saying to give it."""
    shutil.copytree(course.root / "source" / "toy", course.root / "source" / "toy2")
    delivery = write_zip(tmp_path / "lms.zip", {"s1000001_toy.ipynb": "{}", "s1000002_toy_extra.ipynb": "{}"})
    for assignment in ("toy", "toy2"):
        report = collect(course, delivery, assignment=assignment)
        assert report.skipped == []
        assert sorted(to for _, to in report.placed) == [f"submitted/s1000001/{assignment}/toy.ipynb",
                                                         f"submitted/s1000002/{assignment}/toy_extra.ipynb"]
    report = collect(Course.at(course.root), delivery)
    assert report.placed == []
    assert [reason for _, reason in report.skipped] == [
        "toy is a notebook of toy, toy2: say which with --assignment",
        "toy_extra is a notebook of toy, toy2: say which with --assignment"]


def tree(folder):
    return {str(p.relative_to(folder)): p.read_bytes() if p.is_file() else None for p in sorted(folder.rglob("*"))}


def readers(course, monkeypatch):
    """A page reader without workers (zips extracted by threads) and one with workers, even on one core."""
    from backprop_course.collect import page_pool
    monkeypatch.setattr(page_pool, "usable_cores", lambda: 2)
    return {"threads": page_pool.PageReader(course, 0, DEFAULT_STUDENT_ID),
            "workers": page_pool.PageReader(course, page_pool.POOL_FROM, DEFAULT_STUDENT_ID)}


def test_the_threads_and_the_workers_extract_what_extractall_extracts(course, tmp_path, monkeypatch):
    from backprop_course.collect.downloads import _extract_all, _plain_names
    flat = {f"s{1000000 + n}_toy.html": b"<p>%d</p>" % n * (n * 997) for n in range(24)}  # no folders at all
    nested = {f"{'s%07d' % n}{'/sub' * (n % 3)}/page {n}.html": page for n, page in enumerate(flat.values())}
    nested["s0000005/sub/sub/page 5.html"] = "<p>学籍番号: s5400005</p>".encode()
    nested.update({"empty folder/": b"", "s0000001/": b"", "s0000002/notes.txt": b"student id s5400002"})
    for shape, entries in (("flat", flat), ("nested", nested)):
        archive = write_zip(tmp_path / f"{shape}.zip", entries)
        with zipfile.ZipFile(archive) as zf:
            assert _plain_names(zf.infolist()) is not None  # the threads or workers run on this one
            zf.extractall(tmp_path / shape / "one by one")
            expected = tree(tmp_path / shape / "one by one")
            for way, reader in readers(course, monkeypatch).items():
                with reader, monkeypatch.context() as patched:
                    patched.setattr(zipfile.ZipFile, "extractall", None)  # extractall, the way back, is not taken
                    _extract_all(zf, archive, tmp_path / shape / way, reader)
                assert tree(tmp_path / shape / way) == expected and len(expected) >= 24
                pages = sorted((tmp_path / shape / way).rglob("*.html"))
                claims = [content_claims(p.read_bytes(), DEFAULT_STUDENT_ID) for p in pages]
                assert reader.claims(pages) == claims and ({"s5400005"} in claims) == (shape == "nested")
                assert (way == "workers") == (len(reader._known) == len(pages))
    for names in (["a/../b", "c"], ["a", "a/b"], ["x", "x"], ["/abs"], ["a//b"]):
        assert _plain_names([zipfile.ZipInfo(name) for name in names]) is None, names


def test_a_broken_member_stops_the_unzip_where_extractall_stops(course, tmp_path, monkeypatch):
    from backprop_course.collect.downloads import _extract_all
    entries = {f"s{1000000 + n}_toy.html": (b"member %02d " % n) * 5000 for n in range(20)}
    archive = write_zip(tmp_path / "broken.zip", entries)  # stored: the text of member 7 is in the file as it is
    archive.write_bytes(archive.read_bytes().replace(b"member 07 ", b"member 7! ", 1))
    outcomes = []
    with zipfile.ZipFile(archive) as zf, pytest.raises(zipfile.BadZipFile) as raised:
        zf.extractall(tmp_path / "one by one")
    outcomes.append((str(raised.value), tree(tmp_path / "one by one")))
    for way, reader in readers(course, monkeypatch).items():
        with reader, zipfile.ZipFile(archive) as zf, pytest.raises(zipfile.BadZipFile) as raised:
            _extract_all(zf, archive, tmp_path / way, reader)
        outcomes.append((str(raised.value), tree(tmp_path / way)))
        assert not reader._known
    assert outcomes[0] == outcomes[1] == outcomes[2] and len(outcomes[0][1]) == 8  # members 0-6, 7 to its bad CRC
