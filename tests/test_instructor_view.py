"""What the instructor sees (issue 15, section 5): unconfined grading is a flag shown once, not a problem on every
row; a notebook not handed in is `not_submitted`; every problem kind tells the student what happened."""
from backprop_course.autograde.summary import print_summary
from backprop_course.course.problems import KINDS, NOT_SUBMITTED, Problem
from backprop_course.course.status import GRADED, GRADED_WITH_PROBLEMS, NotebookStatus


def test_every_kind_has_its_own_japanese_sentence():
    for name, kind in KINDS.items():
        assert "採点中に問題がありました" not in kind.japanese, name
        assert kind.japanese.endswith("。"), name
    assert KINDS["missing_notebook"].severity == NOT_SUBMITTED


def test_a_notebook_not_handed_in_is_not_submitted_without_a_score():
    status = NotebookStatus("s1", "toy", "toy_extra", score=0.0)
    status.add(Problem("missing_notebook", "no toy_extra.ipynb"))
    assert (status.state, status.score) == ("not_submitted", None)
    status.add(Problem("invalid_notebook", "broken"))  # not gradable wins
    assert status.state == "not_gradable"


def test_unconfined_is_a_flag_printed_once(capsys):
    statuses = [NotebookStatus("s1", "toy", "toy", score=6.0, max_score=6.0, unconfined=True),
                NotebookStatus("s2", "toy", "toy", score=6.0, max_score=6.0, unconfined=True)]
    print_summary(statuses)
    out = capsys.readouterr().out
    assert out.count("UNCONFINED") == 1 and "2 notebook(s)" in out
    assert all(s.state == GRADED for s in statuses)


def test_statuses_saved_before_the_flag_load_as_flagged_and_graded():
    old = {"student": "s1", "assignment": "toy", "notebook": "toy", "state": GRADED_WITH_PROBLEMS, "score": 6.0,
           "problems": [{"kind": "unconfined", "detail": "UNCONFINED GRADING: ...", "text": "..."}]}
    status = NotebookStatus.from_dict(old)
    assert status.unconfined and status.state == GRADED and status.problems == []
    missing = {"student": "s1", "assignment": "toy", "notebook": "toy_extra", "state": "not_gradable",
               "problems": [{"kind": "missing_notebook", "detail": "no toy_extra.ipynb"}]}
    assert NotebookStatus.from_dict(missing).state == "not_submitted"
