"""`autograde` exits 1 after its summary when a notebook is not gradable or needs review; 0 otherwise."""
import pytest

from backprop_course.autograde import exit_status
from backprop_course.cli import build_parser, main
from backprop_course.release import release_assignment
from backprop_course.course.problems import Problem
from backprop_course.course.status import NotebookStatus
from backprop_course.simulation.toy_course import build_toy_course


def _status(problem=None, fail=None):
    status = NotebookStatus(student="s1", assignment="toy", notebook="toy", score=3.0, max_score=6.0)
    if problem:
        status.add(problem)
    if fail:
        status.add(fail)
    return status


def test_exit_status_counts_only_notebooks_without_a_trustworthy_score():
    assert exit_status([_status(), _status(problem=Problem("timeout", "test_a (#3)"))]) == 0
    assert exit_status([_status(), _status(fail=Problem("invalid_notebook", "JSONDecodeError"))]) == 1
    assert exit_status([_status(), _status(problem=Problem("missing_notebook", "no toy.ipynb"))]) == 0
    assert exit_status([_status(problem=Problem("dead_kernel", "test_a (#3): signal 9"))]) == 0
    assert exit_status([_status(problem=Problem("foreign_upload", "s7654321_report11.ipynb"))]) == 1


def test_help_documents_the_exit_status(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["autograde", "--help"])
    assert "exit status" in capsys.readouterr().out


def test_cli_exits_1_after_the_summary_when_a_notebook_cannot_be_graded(tmp_path, capsys):
    root = build_toy_course(tmp_path / "course")
    release_assignment(root, "toy")
    folder = root / "submitted" / "s7654321" / "toy"
    folder.mkdir(parents=True)
    (folder / "toy.ipynb").write_text('{"cells": [ broken', encoding="utf-8")
    assert main(["--course-root", str(root), "autograde", "--quiet", "--jobs", "1"]) == 1
    captured = capsys.readouterr()
    assert "s7654321" in captured.out and "invalid notebook" in captured.out
    assert "exit status 1: 1 notebook(s)" in captured.err  # toy_extra, not handed in, is not among them
    assert "not_submitted" in captured.out
