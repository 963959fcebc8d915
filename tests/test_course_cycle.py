"""The whole instructor cycle on the toy course: release, collect from a zip, parallel autograde,
feedback, grades. One simulated class is graded once per test session and shared."""
import csv
import io
import os
import zipfile

import nbformat
import pytest
from nbgrader.api import Gradebook

from backprop_course.simulation import edits as sim
from backprop_course.autograde import autograde
from backprop_course.cli import main
from backprop_course.collect import collect
from backprop_course.course import Course
from backprop_course.results.feedback import write_feedback
from backprop_course.results.grades import write_grades_csv
from backprop_course.release import release_assignment
from backprop_course.course.status import GRADED, GRADED_WITH_PROBLEMS, NOT_GRADABLE, NOT_SUBMITTED, load_statuses
from backprop_course.simulation.toy_course import HIDDEN_SECRET, build_toy_course

WRONG_SIGN = "def sigmoid(g):\n    return 1.0 / (1.0 + np.exp(g))"
CONSTANT = "def sigmoid(g):\n    return 0.7 + 0 * g"

# student -> {notebook: (state, score)}; toy.ipynb is worth 6 points, toy_extra.ipynb 1.
EXPECTED = {
    "s1000001": {"toy": (GRADED, 6), "toy_extra": (GRADED, 1)},  # reference (its stderr warning is harmless)
    "s1000002": {"toy": (GRADED, 0), "toy_extra": (GRADED, 0)},  # untouched release: a real zero
    "s1000003": {"toy": (GRADED, 4), "toy_extra": (GRADED, 1)},  # sign error: visible passes, hidden fails
    "s1000004": {"toy": (GRADED_WITH_PROBLEMS, 4), "toy_extra": (GRADED, 1)},  # infinite loop in 2nd answer
    "s1000005": {"toy": (GRADED_WITH_PROBLEMS, 4), "toy_extra": (GRADED, 1)},  # os._exit: earlier points kept
    "s1000006": {"toy": (NOT_GRADABLE, None), "toy_extra": (GRADED, 1)},  # invalid JSON
    "s1000007": {"toy": (GRADED_WITH_PROBLEMS, 3), "toy_extra": (GRADED, 1)},  # edited a test to `pass`
    "s1000008": {"toy": (GRADED_WITH_PROBLEMS, 4), "toy_extra": (NOT_SUBMITTED, None)},  # deleted a test; no extra
}


def _class_zip(root) -> bytes:
    """The class as an LMS zip: per-student folders, download suffixes, an HTML export, a duplicate."""
    read = lambda folder, name: nbformat.read(root / folder / "toy" / f"{name}.ipynb", as_version=4)
    release = {n: read("release", n) for n in ("toy", "toy_extra")}
    ref = {n: sim.model_solution(release[n], read("source", n)) for n in release}
    notebooks = {
        "s1000001": {"toy": ref["toy"], "toy_extra": ref["toy_extra"]},
        "s1000002": dict(release),
        "s1000003": {"toy": sim.with_source(ref["toy"], "sigmoid", WRONG_SIGN), "toy_extra": ref["toy_extra"]},
        "s1000004": {"toy": sim.with_source(ref["toy"], "sigmoid_grad", "while True:\n    pass"),
                     "toy_extra": ref["toy_extra"]},
        "s1000005": {"toy": sim.with_source(ref["toy"], "sigmoid_grad", "import os\nos._exit(1)"),
                     "toy_extra": ref["toy_extra"]},
        "s1000006": {"toy": '{"cells": [ this is not json', "toy_extra": ref["toy_extra"]},
        "s1000007": {"toy": sim.with_source(sim.with_source(ref["toy"], "sigmoid", CONSTANT),
                                            "test_sigmoid_zero", "pass"), "toy_extra": ref["toy_extra"]},
        "s1000008": {"toy": sim.without_cell(sim.with_source(ref["toy"], "sigmoid_grad",
                                                             "def sigmoid_grad(h):\n    return h * (1 + h)"),
                                             "test_sigmoid_grad")},
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for student, by_name in notebooks.items():
            for name, nb in by_name.items():
                text = nb if isinstance(nb, str) else nbformat.writes(nb)
                if student == "s1000003" and name == "toy":  # renamed by a second download, in a folder
                    zf.writestr(f"山田 太郎_{student}_assignsubmission_file_/toy (1).ipynb", text)
                    zf.writestr(zipfile.ZipInfo(f"山田 太郎_{student}_assignsubmission_file_/toy.ipynb",
                                                date_time=(2020, 1, 1, 0, 0, 0)), nbformat.writes(release["toy"]))
                else:
                    zf.writestr(f"{student}_{name}.ipynb", text)
        zf.writestr("s1000001_toy.html", "<html>提出用</html>")
        zf.writestr("__MACOSX/._s1000001_toy.ipynb", "")
        zf.writestr("notes.ipynb", "{}")
    return buffer.getvalue()


@pytest.fixture(scope="session")
def graded_course(tmp_path_factory):
    root = build_toy_course(tmp_path_factory.mktemp("toycourse"), timeout=8)
    release_assignment(root, "toy")
    delivery = root / "lms_download.zip"
    delivery.write_bytes(_class_zip(root))
    course = Course.at(root)
    report = collect(course, delivery)
    statuses = autograde(course, "toy", jobs=2, progress=False)
    return course, report, statuses


def test_collect_places_every_student_and_lists_the_rest(graded_course):
    course, report, _ = graded_course
    assert course.students() == sorted(EXPECTED)
    assert len(report.placed) == 15
    reasons = {found.removeprefix("lms_download/"): why for found, why in report.skipped}
    assert "HTML" in reasons["s1000001_toy.html"]
    assert "student id" in reasons["notes.ipynb"]
    assert "system file" in reasons["__MACOSX/._s1000001_toy.ipynb"]
    assert "superseded" in reasons["山田 太郎_s1000003_assignsubmission_file_/toy.ipynb"]


def test_every_notebook_has_the_expected_state_and_score(graded_course):
    _, _, statuses = graded_course
    found = {(s.student, s.notebook): (s.state, s.score) for s in statuses}
    expected = {(student, nb): value for student, by_nb in EXPECTED.items() for nb, value in by_nb.items()}
    assert found == expected


def test_problems_say_what_happened(graded_course):
    course, _, _ = graded_course
    saved = load_statuses(course, "toy")
    assert any("timeout" in p and "sigmoid_grad" in p for p in saved["s1000004/toy"].problems)
    assert any("kernel died" in p and "sigmoid_grad" in p for p in saved["s1000005/toy"].problems)
    assert any("invalid notebook" in p for p in saved["s1000006/toy"].problems)
    assert any("edited" in p and "test_sigmoid_zero" in p for p in saved["s1000007/toy"].problems)
    assert any("deleted" in p and "test_sigmoid_grad" in p for p in saved["s1000008/toy"].problems)
    assert any("missing notebook" in p for p in saved["s1000008/toy_extra"].problems)
    assert any("stderr" in n for n in saved["s1000001/toy"].notes)


def test_gradebook_matches_and_flags_what_could_not_be_graded(graded_course):
    course, _, _ = graded_course
    with Gradebook(course.db_url) as gb:
        assert gb.find_submission_notebook("toy", "toy", "s1000001").score == 6
        assert gb.find_submission_notebook("toy", "toy", "s1000005").score == 4
        broken = gb.find_submission_notebook("toy", "toy", "s1000006")
        assert broken.needs_manual_grade and all(g.auto_score is None for g in broken.grades)
        assert not gb.find_submission_notebook("toy", "toy", "s1000002").needs_manual_grade


def test_csv_tells_a_failed_grading_from_a_zero(graded_course):
    course, _, _ = graded_course
    path = write_grades_csv(course, "toy")
    rows = {r["student"]: r for r in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig")))}
    assert (rows["s1000002"]["toy"], rows["s1000002"]["total"], rows["s1000002"]["status"]) == ("0", "0", GRADED)
    assert (rows["s1000006"]["toy"], rows["s1000006"]["total"], rows["s1000006"]["status"]) == ("", "", NOT_GRADABLE)
    assert rows["s1000006"]["graded_sum"] == "1" and "invalid notebook" in rows["s1000006"]["problems"]
    assert rows["s1000001"]["total"] == "7" and rows["s1000001"]["needs_manual_grading"] == ""
    assert rows["s1000006"]["needs_manual_grading"] == "toy"
    # Not handed in: an empty cell, counted 0 in the total, never waiting for manual grading.
    assert (rows["s1000008"]["toy_extra"], rows["s1000008"]["total"]) == ("", "4")
    assert rows["s1000008"]["needs_manual_grading"] == "" and rows["s1000008"]["status"] == GRADED_WITH_PROBLEMS
    assert all(row["unconfined"] == "" for row in rows.values())  # confined grading: no flag


def test_csv_row_with_nothing_graded_has_no_sum_at_all(graded_course, monkeypatch, tmp_path):
    """A one-notebook assignment whose only notebook failed: every score column is empty, none says 0."""
    import backprop_course.results.grades as grades
    course, _, _ = graded_course
    broken = [s for s in grades.load_statuses(course, "toy").values()
              if s.student == "s1000006" and s.state == NOT_GRADABLE]
    monkeypatch.setattr(grades, "load_statuses", lambda *_: {s.key: s for s in broken})
    rows = list(csv.DictReader(io.StringIO(
        write_grades_csv(course, "toy", tmp_path / "g.csv").read_text(encoding="utf-8-sig"))))
    assert len(rows) == 1 and rows[0]["status"] == NOT_GRADABLE
    assert (rows[0]["toy"], rows[0]["total"], rows[0]["graded_sum"]) == ("", "", "")


def test_feedback_is_japanese_and_hides_hidden_tests(graded_course):
    course, _, _ = graded_course
    pages = write_feedback(course, "toy")
    assert len(pages) == 16
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert HIDDEN_SECRET not in text and "TOY_HIDDEN_PROBE" not in text and "0.9820137900379085" not in text
        assert "採点結果" in text
    wrong = (course.folder("feedback") / "s1000003" / "toy" / "toy.html").read_text(encoding="utf-8")
    assert "Traceback" not in wrong  # its only errors are in test cells: reduced to type and message
    assert "不合格" in wrong and "sigmoid(4) の値が違います" in wrong and "data:image/png;base64" in wrong
    assert course.mathjax_url in wrong and '<html lang="ja">' in wrong
    broken = (course.folder("feedback") / "s1000006" / "toy" / "toy.html").read_text(encoding="utf-8")
    assert "壊れて" in broken


def test_regrading_one_student_is_idempotent(graded_course):
    course, _, statuses = graded_course
    before = {s.key: (s.state, s.score, s.problems) for s in statuses if s.student == "s1000007"}
    kept = autograde(course, "toy", students=["s1000007"], jobs=1, progress=False)  # already graded: kept
    assert {s.key: (s.state, s.score, s.problems) for s in kept} == before
    again = autograde(course, "toy", students=["s1000007"], jobs=1, progress=False, regrade=True)
    assert {s.key: (s.state, s.score, s.problems) for s in again} == before
    assert len(load_statuses(course, "toy")) == 16


def test_grades_command_writes_csv_and_class_report_with_plots(graded_course, capsys):
    course, _, _ = graded_course
    assert main(["--course-root", str(course.root), "grades", "toy"]) == 0
    printed = capsys.readouterr().out
    assert "grades_toy.csv" in printed and "index.html" in printed
    report = course.folder("grades") / "report_toy"
    page = (report / "index.html").read_text(encoding="utf-8")
    for image in ("score_histogram.png", "pass_rate.png", "failures.png"):
        assert (report / image).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and image in page
    assert "採点できず" in page and "s1000006" in page and "invalid notebook" in page
