"""The function a test cell calls: `run_test = test_runner("11_02_neural_network2")`, then
`run_test("test_backward_visible", backward=backward, ...)`.

At home the answers are compared at once and the verdict printed (or raised as AssertionError in Japanese).
At grading time the answers are only published, as one display output of type `records.MIME`, for the grader
to judge in its own process: nothing the kernel prints, raises or displays decides a grade. A hidden test has
no case outside a grading run (nbgrader's own autograde included): it fails, saying where it is graded.
"""
from importlib import import_module

from IPython.display import display

from .cases import CaseMissing, load_case
from .records import MIME, encode

NOTEBOOK_MODULES = {
    "11_01_neural_network": "nb_11_01",
    "11_02_neural_network2": "nb_11_02",
    "11_03_digit_classification": "nb_11_03",
    "report11": "nb_report11",
}


def notebook_tests(notebook):
    """{test id: Test} of a notebook."""
    if notebook not in NOTEBOOK_MODULES:
        raise ValueError(f"unknown notebook {notebook!r}; known: {', '.join(NOTEBOOK_MODULES)}")
    return import_module(f"{__package__}.{NOTEBOOK_MODULES[notebook]}").TESTS


def numpy_warnings(answers):
    """The kinds of floating-point errors (overflow, invalid value, divide by zero) the calls met."""
    found = set()
    for answer in (answers.get("cases", []) if isinstance(answers, dict) else []):
        if isinstance(answer, dict):
            found.update(kind for kind in answer.get("fp_errors", []) if kind != "underflow")
    return found


def publish(notebook, test_id, answers):
    """Send the answers out of the kernel as plain data."""
    display({MIME: {"notebook": notebook, "test": test_id, "answers": encode(answers)}}, raw=True)


def test_runner(notebook):
    """The `run_test(test_id, **student_objects)` function of one notebook."""
    tests = notebook_tests(notebook)

    def run_test(test_id, **student):
        test = tests[test_id]
        try:
            case = load_case(notebook, test_id)
        except CaseMissing:
            raise AssertionError(f"テスト {test_id} は採点 (backprop-course autograde) のときにだけ実行されます。") from None
        answers = test.ask(student, case.inputs)
        if case.graded:
            publish(notebook, test_id, answers)
            return
        test.compare(case.inputs, case.expected, answers)
        print(test.passed)
        met = sorted(numpy_warnings(answers))
        if met:
            print(f"注意: 計算の途中で numpy の警告 ({', '.join(met)}) が出ています。値は正しいので合格ですが、"
                  "exp に大きな数を渡していないか、log(0) を計算していないかを見直すと、より安全な実装になります。")

    return run_test
