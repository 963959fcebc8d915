"""The kernel computes, the grader judges: answer records, grading keys, and verdicts made outside the kernel."""
import json

import nbformat
import numpy as np
import pytest

from backprop.grading.builders import builders_of
from backprop.grading.seeds import case_rng, grading_key
from backprop.grading.verdicts import NO_ANSWER, build_cases, is_visible, judge_notebook
from backprop.grading.visible import SHIPPED, visible_cases_text
from backprop_kit.testing.records import MIME, RecordError, decode, dumps, encode, loads
from backprop_kit.testing.runner import NOTEBOOK_MODULES, notebook_tests

NB = "11_02_neural_network2"


class Lying(np.ndarray):
    """An ndarray subclass that claims to equal everything."""

    def __eq__(self, other):
        return np.ones(np.shape(self), dtype=bool)

    def __array_function__(self, func, types, args, kwargs):
        return True


def test_values_round_trip_as_plain_data():
    value = {"a": [np.arange(6.0).reshape(2, 3), (np.int64(3), 2.5)], "b": None, "c": "テキスト", "d": True,
             "e": np.array([1, 2], dtype=np.int32)}
    back = loads(dumps(value))
    assert np.array_equal(back["a"][0], value["a"][0]) and type(back["a"][0]) is np.ndarray
    assert isinstance(back["a"][1], tuple) and back["a"][1][0] == 3 and back["a"][1][1] == 2.5
    assert back["b"] is None and back["c"] == "テキスト" and back["d"] is True
    assert back["e"].dtype == np.int64 and list(back["e"]) == [1, 2]


def test_a_lying_array_arrives_as_its_plain_numbers():
    lying = np.zeros(3).view(Lying)
    back = decode(encode(lying))
    assert type(back) is np.ndarray and np.array_equal(np.asarray(back), [0.0, 0.0, 0.0])


def test_objects_and_complex_numbers_are_named_not_carried():
    back = decode(encode({"f": lambda: 1, "z": np.array([1j])}))
    assert "function" in back["f"].what and back["z"].what == "complex"


@pytest.mark.parametrize("forged", [
    [1, 2], {"array": "AAAA", "dtype": "|O", "shape": [1]}, {"array": "AAAA", "dtype": "<f8", "shape": [5]},
    {"code": "import os"}, {"list": "x"}, {"array": "%%%", "dtype": "<f8", "shape": [1]},
])
def test_forged_or_damaged_data_is_refused(forged):
    with pytest.raises(RecordError):
        decode(forged)


def test_json_that_is_not_an_encoded_value_is_refused():
    with pytest.raises(RecordError):
        loads("{not json")


def test_grading_keys_are_deterministic_per_submission_and_differ_otherwise():
    key = grading_key(b"secret", "s1", "lecture11", NB, b"notebook")
    assert key == grading_key(b"secret", "s1", "lecture11", NB, b"notebook")
    others = [grading_key(b"other", "s1", "lecture11", NB, b"notebook"), grading_key(b"secret", "s2", "lecture11", NB, b"notebook"),
              grading_key(b"secret", "s1", "lecture11", NB, b"notebook changed")]
    assert key not in others
    draw = lambda k: case_rng(k, NB, "test_backward_hidden_deep").integers(2**62)
    assert draw(key) == draw(key) and draw(key) != draw(others[0])


def test_hidden_cases_change_with_the_key_and_visible_tests_keep_their_kind():
    first = build_cases(NB, grading_key(b"s", "a", "lecture11", NB, b"1"))
    second = build_cases(NB, grading_key(b"s", "b", "lecture11", NB, b"1"))
    params = lambda built: built["test_backward_hidden_deep"].inputs["cases"][0]["params"]
    assert [p.shape for p in params(first)] != [p.shape for p in params(second)] or \
        not np.array_equal(params(first)[0], params(second)[0])


def test_every_test_id_has_a_builder_and_the_kit_ships_fresh_visible_cases():
    for notebook in NOTEBOOK_MODULES:
        try:
            tests = notebook_tests(notebook)
        except ModuleNotFoundError:
            continue
        assert set(tests) == set(builders_of(notebook)), notebook
    assert SHIPPED.read_text(encoding="utf-8") == visible_cases_text(), \
        "the kit's visible cases are stale: run python -m backprop.grading.visible"


def test_visibility_follows_the_source_notebooks_hidden_regions(course_source_notebooks):
    for notebook, nb in course_source_notebooks.items():
        for cell in nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if cell.cell_type == "code" and "run_test(" in cell.source:
                assert is_visible(grade_id) == ("BEGIN HIDDEN TESTS" not in cell.source), (notebook, grade_id)


def _cell(grade_id, outputs):
    cell = nbformat.v4.new_code_cell(f'run_test("{grade_id}")')
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "grade_id": grade_id,
                                 "points": 1, "schema_version": 3}
    cell.outputs = outputs
    return cell


def _record(notebook, test_id, answers):
    return nbformat.v4.new_output("display_data", data={MIME: {"notebook": notebook, "test": test_id,
                                                                "answers": encode(answers)}})


def _reference_answers(built):
    """What a correct backward publishes: the truth itself, through the kit's calls."""
    return {"cases": [{"value": list(grads), "changed": [], "fp_errors": []} for grads in built.expected]}


def test_only_a_record_for_that_very_test_passes():
    built = build_cases(NB, grading_key(b"s", "x", "lecture11", NB, b"1"))
    test_id = "test_backward_hidden_deep"
    right = _reference_answers(built[test_id])
    cells = [
        _cell(test_id, [_record(NB, test_id, right)]),
    ]
    assert judge_notebook(nbformat.v4.new_notebook(cells=cells), NB, built)[test_id].passed
    wrong = {"cases": [{"value": [2 * g for g in c["value"]], "changed": [], "fp_errors": []} for c in right["cases"]]}
    cases = {
        "no record": [nbformat.v4.new_output("stream", name="stdout", text="OK\n")],
        "record of another test": [_record(NB, "test_backward_hidden_shapes", right)],
        "record of another notebook": [_record("report11", test_id, right)],
        "damaged record": [nbformat.v4.new_output("display_data", data={MIME: {"notebook": NB, "test": test_id,
                                                                                 "answers": {"code": "x"}}})],
        "a right and a wrong record": [_record(NB, test_id, right), _record(NB, test_id, wrong)],
        "a displayed number": [nbformat.v4.new_output("execute_result", data={"text/plain": "3"}, execution_count=1)],
    }
    for name, outputs in cases.items():
        verdict = judge_notebook(nbformat.v4.new_notebook(cells=[_cell(test_id, outputs)]), NB, built)[test_id]
        assert not verdict.passed, name
    no_record = judge_notebook(nbformat.v4.new_notebook(cells=[_cell(test_id, [])]), NB, built)[test_id]
    assert no_record.message == NO_ANSWER



@pytest.mark.parametrize("notebook", ["11_02_neural_network2", "report11"])
def test_a_truth_is_computed_only_when_a_comparison_reaches_its_case(notebook):
    """The gradient tests' truth (central differences, the large network's reference backward) is computed per case
    when the comparison reaches it: never for a test without an answer record, only the first case's for an
    exercise left as NotImplementedError; an honest answer still meets every case's truth and passes."""
    key = grading_key(b"s", "x", "lecture11", notebook, b"1")
    built = build_cases(notebook, key)
    deferred = [test_id for test_id, b in built.items() if not b.settled]
    assert len(deferred) >= 4, deferred
    blank = nbformat.v4.new_notebook(cells=[_cell(test_id, []) for test_id in deferred])
    assert all(v.message == NO_ANSWER for v in judge_notebook(blank, notebook, built).values())
    assert not any(built[test_id].truths.done for test_id in deferred)
    unanswered = {"error": "NotImplementedError", "failure": {"function": "f", "kind": "not_implemented"}}
    test_id = deferred[0]
    cases = len(built[test_id].inputs["cases"])
    failed = nbformat.v4.new_notebook(cells=[_cell(test_id, [_record(notebook, test_id,
                                                                     {"cases": [unanswered] * cases})])])
    assert not judge_notebook(failed, notebook, built)[test_id].passed
    assert list(built[test_id].truths.done) == [0]
    honest = {"cases": [{"value": value, "changed": [], "fp_errors": [], "again": value}
                        for value in built[test_id].expected]}
    passed = nbformat.v4.new_notebook(cells=[_cell(test_id, [_record(notebook, test_id, honest)])])
    assert judge_notebook(passed, notebook, built)[test_id].passed and built[test_id].settled


def test_a_wrong_gradient_gets_the_catalogues_diagnosis():
    built = build_cases(NB, grading_key(b"s", "x", "lecture11", NB, b"1"))["test_backward_hidden_deep"]
    case = built.context[0]["case"]
    grads = list(built.expected[0])
    grads[0] = grads[0] * case.n_samples         # delta not divided by N shows in every layer; here in one array
    answers = {"cases": [{"value": [g * case.n_samples for g in grads_of_case], "changed": [], "fp_errors": []}
                         for grads_of_case in built.expected]}
    verdict = judge_notebook(nbformat.v4.new_notebook(cells=[_cell("test_backward_hidden_deep",
                             [_record(NB, "test_backward_hidden_deep", answers)])]), NB,
                             {"test_backward_hidden_deep": built})["test_backward_hidden_deep"]
    assert not verdict.passed and "ヒント" in verdict.message and "N" in verdict.message


@pytest.fixture(scope="module")
def course_source_notebooks():
    from pathlib import Path
    root = Path(__file__).resolve().parent.parent / "source"
    return {path.stem: nbformat.read(path, as_version=4) for path in sorted(root.glob("*/*.ipynb"))}


# -- a numpy patched in the kernel decides nothing ---------------------------------------------------------------
def _patch_comparisons(monkeypatch):
    """What a student's cell can do to the kernel's numpy: every comparison says 'equal'."""
    monkeypatch.setattr(np, "allclose", lambda *a, **k: True)
    monkeypatch.setattr(np, "isclose", lambda a, b, *r, **k: np.ones(np.broadcast(a, b).shape, dtype=bool))
    monkeypatch.setattr(np, "array_equal", lambda *a, **k: True)
    monkeypatch.setattr(np.testing, "assert_allclose", lambda *a, **k: None)


def _graded_cell_outputs(monkeypatch, tmp_path, notebook, built, cell_source, student):
    """Run one test cell's source in-process as a grading kernel runs it (the grader's cases file named in the
    environment, the kit's run_test) with numpy's comparisons patched; return the display outputs it made."""
    from backprop.grading.verdicts import cases_file_text
    from backprop_kit.testing import runner
    from backprop_kit.testing.cases import CASES_VARIABLE

    cases = tmp_path / "cases.json"
    cases.write_text(cases_file_text(built), encoding="utf-8")
    shown = []
    with monkeypatch.context() as kernel:
        kernel.setenv(CASES_VARIABLE, str(cases))
        kernel.setattr(runner, "display", lambda value, raw=False: shown.append(value))
        _patch_comparisons(kernel)
        exec(cell_source, {"np": np, "run_test": runner.test_runner(notebook), **student})
    assert np.allclose(np.zeros(2), np.ones(2)) is False         # the grader's own numpy is the real one
    return [nbformat.v4.new_output("display_data", data=data) for data in shown]


def test_a_numpy_patched_in_the_kernel_cannot_change_a_verdict(monkeypatch, tmp_path, course_source_notebooks):
    """A wrong softmax (sums over axis 0) whose cell also makes numpy's comparisons always true: the hidden test
    cell of 11_01 publishes its answers, and the grader, judging outside, still fails it; the right softmax under
    the same patches passes."""
    notebook, test_id = "11_01_neural_network", "softmax-test-hidden"
    source = next(c.source for c in course_source_notebooks[notebook].cells
                  if c.metadata.get("nbgrader", {}).get("grade_id") == test_id)
    built = build_cases(notebook, grading_key(b"s", "patched", "lecture11", notebook, b"1"))

    def softmax(axis):
        def f(z):
            z = np.asarray(z, dtype=np.float64)
            e = np.exp(z - np.max(z, axis=1, keepdims=True))
            return e / np.sum(e, axis=axis, keepdims=True)
        return f

    judged = {}
    for name, axis in (("wrong", 0), ("right", 1)):
        outputs = _graded_cell_outputs(monkeypatch, tmp_path, notebook, built, source, {"softmax": softmax(axis)})
        assert len(outputs) == 1 and MIME in outputs[0]["data"]
        nb = nbformat.v4.new_notebook(cells=[_cell(test_id, outputs)])
        judged[name] = judge_notebook(nb, notebook, {test_id: built[test_id]})[test_id]
    assert not judged["wrong"].passed and "axis" in judged["wrong"].message
    assert judged["right"].passed, judged["right"].message


@pytest.mark.parametrize("forged", [
    {"array": "", "dtype": "<f8", "shape": [2**62, 4]},            # a size that overflows int64 to 0
    {"array": "", "dtype": "<f8", "shape": [True]},
    {"dict": {str(i): None for i in range(1000)}},
    {"list": [None] * 200_001},
])
def test_records_shaped_to_break_the_decoder_are_refused(forged):
    with pytest.raises(RecordError):
        decode(forged)


def test_a_record_that_breaks_decoding_fails_only_its_test():
    built = build_cases(NB, grading_key(b"s", "x", "lecture11", NB, b"1"))
    test_id = "test_backward_hidden_deep"
    bomb = nbformat.v4.new_output("display_data", data={MIME: {"notebook": NB, "test": test_id, "answers": {
        "dict": {"cases": {"list": [{"array": "", "dtype": "<f8", "shape": [2**62, 4]}]}}}}})
    verdict = judge_notebook(nbformat.v4.new_notebook(cells=[_cell(test_id, [bomb])]), NB, built)[test_id]
    assert not verdict.passed and "damaged" in verdict.problem
