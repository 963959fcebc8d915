"""Where a test's inputs come from: the kit's visible cases at home, the grader's file at grading time.

At grading the grader writes the inputs of every test of the notebook (and nothing else: no expected value)
into a file of the kernel's working folder and names it in the environment variable CASES_VARIABLE. At home
that variable is unset and the visible tests use the cases shipped in `data/visible_cases.json`, with their
expected values, so the student gets a verdict at once.
"""
import json
import os
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from .records import decode

CASES_VARIABLE = "BACKPROP_KIT_CASES"
VISIBLE_FILE = "visible_cases.json"


@dataclass(frozen=True)
class Case:
    inputs: dict
    expected: object = None     # None at grading time: the grader judges
    graded: bool = False


class CaseMissing(LookupError):
    """No case for this test (a hidden test run at home, or a test the grader did not prepare)."""


@lru_cache(maxsize=4)
def _read(path):
    with open(path, encoding="utf-8") as file:
        return json.load(file)


@lru_cache(maxsize=1)
def _visible():
    text = resources.files("backprop_kit.testing").joinpath("data", VISIBLE_FILE).read_text(encoding="utf-8")
    return json.loads(text)


def grading_file():
    """The grader's cases file named by the environment, or None at home."""
    return os.environ.get(CASES_VARIABLE) or None


def load_case(notebook, test_id):
    """The Case of one test of one notebook (see the module docstring); CaseMissing when there is none."""
    path = grading_file()
    if path:
        stored = _read(os.path.abspath(path)).get(test_id)
        if stored is None:
            raise CaseMissing(test_id)
        return Case(decode(stored["inputs"]), None, True)
    stored = _visible().get(notebook, {}).get(test_id)
    if stored is None:
        raise CaseMissing(test_id)
    return Case(decode(stored["inputs"]), decode(stored["expected"]), False)
