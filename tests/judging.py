"""Grading one notebook's tests in this process, the way a grading run does it, without a kernel.

The student's objects stand in for the kernel's namespace: each test asks them (the kit's `ask`, as the test
cell does), the answers go through the plain-data records, and the grader judges them against the cases it
built for a grading key (backprop.grading.verdicts). Used by the tests of the builders and comparisons.
"""
from backprop.grading.seeds import grading_key
from backprop.grading.verdicts import build_cases, judge_answers
from backprop_kit.testing.records import decode, encode
from backprop_kit.testing.runner import notebook_tests


def built_for(notebook, label="tests"):
    """The grader's cases of a notebook for the grading key named `label`."""
    return build_cases(notebook, grading_key(b"tests", label, "", notebook, b""))


def verdicts(notebook, student, test_ids=None, label="tests", built=None):
    """{test id: Verdict} of the notebook's tests (or the ones named) for the student's objects {name: object}."""
    built = built or built_for(notebook, label)
    tests = notebook_tests(notebook)
    found = {}
    for test_id in test_ids or sorted(built):
        answers = decode(encode(tests[test_id].ask(student, built[test_id].inputs)))
        found[test_id] = judge_answers(tests[test_id], built[test_id], [answers])
    return found
