"""What a student reads about a failed test: the whole grading message, never hidden source or tracebacks."""
import nbformat

from backprop_course.notebooks import outcomes
from backprop_course.notebooks.outcomes import MAX_MESSAGE, last_error, student_message

HIDDEN = "# BEGIN HIDDEN TESTS\nassert secret_check(sigmoid_grad(0.123456))\n# END HIDDEN TESTS"
DIAGNOSIS = ("dW^1 が数値微分と一致しません。\n"
             "ヒント: 中間層のデルタに f'(g) = h (1 - h) を掛け忘れていませんか。")


def _failed_test_cell(evalue, source="assert True\n" + HIDDEN):
    cell = nbformat.v4.new_code_cell(source, metadata={"nbgrader": {
        "grade": True, "solution": False, "locked": True, "points": 2, "grade_id": "test_grad",
        "schema_version": 3}})
    cell.outputs = [nbformat.v4.new_output("error", ename="AssertionError", evalue=evalue,
                                           traceback=["Traceback (most recent call last)", "secret line"])]
    return cell


def test_the_hint_lines_after_the_first_reach_the_student():
    ename, message = last_error(_failed_test_cell(DIAGNOSIS))
    assert ename == "AssertionError"
    assert message == DIAGNOSIS
    nb = nbformat.v4.new_notebook(cells=[_failed_test_cell(DIAGNOSIS)])
    assert "ヒント: 中間層のデルタ" in outcomes.test_outcomes(nb)[0].reason


def test_traceback_lines_and_hidden_test_source_are_dropped():
    evalue = (DIAGNOSIS + '\nTraceback (most recent call last)\n  File "/srv/grader.py", line 12, in judge\n'
              "Cell In[7], line 3\n----> 3 assert secret_check(sigmoid_grad(0.123456))\n"
              "    assert secret_check(sigmoid_grad(0.123456))")
    _, message = last_error(_failed_test_cell(evalue))
    assert message == DIAGNOSIS
    assert "secret_check" not in message and "grader.py" not in message


def test_a_long_message_is_capped_and_says_so():
    shown = student_message("ヒント: " + "あ" * 5000)
    assert len(shown) <= MAX_MESSAGE and shown.startswith("ヒント: ") and shown.endswith("(省略)")
    assert student_message("") == ""
