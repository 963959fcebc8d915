"""The hint under a failed test (check and feedback): the general value-mismatch hint only where it fits.

A failed test is an AssertionError carrying the test's own message; the hint added under it must not repeat
advice the message already gives, nor call a missing answer or a crash a wrong value (issue 16, section 6).
"""
import numpy as np

from backprop_kit.student.hints import HINTS, VALUE_MISMATCH_HINT, failed_test_hint, hint_for
from backprop_kit.testing.calls import call, plain_failure
from backprop_kit.testing.compare import WrongValues, judge_arrays
from backprop_kit.testing.nb_11_01 import TESTS


def _message_of(compare, *args):
    try:
        compare(*args)
    except AssertionError as failed:
        return str(failed)
    raise AssertionError("the comparison passed")


def test_a_bare_wrong_value_gets_the_value_mismatch_hint():
    message = _message_of(judge_arrays, [np.ones((2, 3))], [np.zeros((2, 3))], ["dW^2"], "数値微分")
    assert message.startswith("値が正しくありません")
    assert hint_for("AssertionError", message) == VALUE_MISMATCH_HINT


def test_a_wrong_value_with_a_diagnosis_gets_no_second_hint():
    error = WrongValues("値が正しくありません: dW^1（相対誤差 3.1e-01）。数値微分と一致していません。", [], [], [], [], 0)
    diagnosed = "\n".join([str(error), "ヒント: シグモイドの微分 (1 - h) h を掛け忘れていませんか。"])
    assert hint_for("AssertionError", diagnosed) == ""


def test_an_unwritten_answer_is_not_called_a_wrong_value():
    def unwritten(z):
        raise NotImplementedError()
    message = plain_failure(call(unwritten, "softmax", {"z": np.zeros((2, 3))})["failure"])
    assert "まだ実装されていません" in message
    assert hint_for("AssertionError", message) == HINTS["NotImplementedError"]


def test_a_crash_gets_the_hint_of_its_exception_unless_the_message_has_one():
    def out_of_range(z):
        return z[10]

    def wrong_shapes(z):
        return z @ np.ones((5, 5))
    message = plain_failure(call(out_of_range, "softmax", {"z": np.zeros((2, 3))})["failure"])
    assert message.endswith(": IndexError")
    assert hint_for("AssertionError", message) == HINTS["IndexError"]
    with_own_hint = plain_failure(call(wrong_shapes, "softmax", {"z": np.zeros((2, 3))})["failure"])
    assert "ValueError\nヒント: " in with_own_hint
    assert hint_for("AssertionError", with_own_hint) == ""


def test_messages_that_advise_by_themselves_get_no_hint():
    for message in ["epochs は 1〜50 の整数にしてください: 0", "答えが記録されていません（テストのセルが最後まで実行されなかったか、出力が消されました）。"]:
        assert failed_test_hint(message) == ""


def test_no_message_of_11_01s_tests_gets_the_general_hint():
    """11_01's messages explain themselves: every failure of its comparisons, on wrong answers of each kind."""
    cases = {"sigmoid-test-hidden": ({"cases": [{"g": np.array([-1000.0, 0.0, 1000.0])}]}, [np.array([0.0, 0.5, 1.0])],
                                     {"cases": [{"value": np.array([np.nan, 0.5, np.nan]), "changed": []}]}),
             "softmax-test-values": ({"cases": [{"z": np.zeros((2, 2))}]}, [np.full((2, 2), 0.5)],
                                     {"cases": [{"value": np.array([[0.9, 0.1], [0.5, 0.5]]), "changed": []}]}),
             "cross-entropy-test-values": ({"cases": [{"h_L": np.full((2, 2), 0.5), "t": np.array([0, 1])}]},
                                           [{"value": np.log(2.0), "rtol": 1e-10, "small": False}],
                                           {"cases": [{"value": 5.0, "changed": []}]}),
             "forward-test-values": ({"cases": [{}]}, [(np.full((1, 2), 0.5), np.full((1, 2), 0.5))],
                                     {"cases": [{"value": (np.full((1, 2), 0.5), np.array([[0.2, 0.8]])), "changed": []}]})}
    for test_id, (inputs, expected, answers) in cases.items():
        message = _message_of(TESTS[test_id].compare, inputs, expected, answers)
        assert hint_for("AssertionError", message) == "", (test_id, message)


def test_without_a_message_the_table_answers():
    assert hint_for("AssertionError") == VALUE_MISMATCH_HINT
    assert hint_for("NameError", "name 'x' is not defined") == HINTS["NameError"]
    assert hint_for(None, "anything") == ""


def test_the_feedback_table_adds_a_hint_only_where_it_fits():
    from backprop_course.course.status import NotebookStatus
    from backprop_course.notebooks.outcomes import TestOutcome
    from backprop_course.results.feedback import summary_html

    unwritten = "softmax はまだ実装されていません（NotImplementedError）。"
    advised = "正解率が 0.685 で、0.95 に届きません。散布図から境界線の位置を読み直しましょう。"
    bare = "値が正しくありません: dW^2（相対誤差 1.2e-01）。数値微分と一致していません。"
    tests = [TestOutcome(name, 0.0, 1.0, False, "AssertionError", message)
             for name, message in [("unwritten", unwritten), ("advised", advised), ("bare", bare)]]
    page = summary_html(NotebookStatus("s1", "lecture11", "11_01_neural_network", score=0.0, max_score=3.0,
                                       tests=tests), "情報管理")
    rows = {row.split("</td>")[0].rsplit(">", 1)[-1]: row for row in page.split("<tr>")[2:]}
    assert HINTS["NotImplementedError"].split("`")[0] in rows["unwritten"] and VALUE_MISMATCH_HINT not in rows["unwritten"]
    assert VALUE_MISMATCH_HINT not in rows["advised"] and "境界線の位置" in rows["advised"]
    assert VALUE_MISMATCH_HINT in rows["bare"]
