"""The grader's verdict on each test cell, made in the grader's own process from the answers a kernel published.

    built = build_cases(notebook, key)        the inputs (sent to the kernel) and the truth (kept here)
    cases_file_text(built)                     the kernel's cases file: inputs only
    verdicts = judge_notebook(nb, notebook, built)    {grade_id: Verdict} for every test cell

A test cell passes only when its outputs hold an answer record for that very test, decodable as plain data,
and every such record compares right with the truth (the kit's `compare`, plus the catalogue's diagnosis of
a wrong gradient). No record, a damaged record or an error in the comparison is a fail with a message; what
else the cell printed, raised or displayed is ignored.
"""
import json
from dataclasses import dataclass, field

from backprop_kit.testing.calls import plain_failure
from backprop_kit.testing.compare import WrongValues
from backprop_kit.testing.records import MIME, RecordError, decode, encode
from backprop_kit.testing.runner import notebook_tests

from .builders import Built, builders_of
from .mistakes import diagnose
from .seeds import case_rng

NO_ANSWER = "答えが記録されていません（テストのセルが最後まで実行されなかったか、出力が消されました）。"


@dataclass
class Verdict:
    """passed; message: Japanese, for the student ('' when passed); problem: English, for the instructor;
    diagnoses: keys of the mistakes the catalogue recognised (backprop.grading.mistakes)."""
    passed: bool
    message: str = ""
    problem: str = ""
    diagnoses: list = field(default_factory=list)


def build_cases(notebook, key):
    """{test id: Built} for every test of the notebook that has a builder; key None: the visible tests' own cases."""
    return {test_id: build(case_rng(key, notebook, test_id)) for test_id, build in builders_of(notebook).items()
            if key is not None or is_visible(test_id)}


def cases_file_text(built):
    """The JSON text of the kernel's cases file: each test's inputs, nothing else."""
    return json.dumps({test_id: {"inputs": encode(b.inputs)} for test_id, b in built.items()}, separators=(",", ":"))


def visible_cases(notebooks):
    """{notebook: {test id: {"inputs", "expected"}}} of the tests whose id says visible (shipped with the kit)."""
    shipped = {}
    for notebook in notebooks:
        shipped[notebook] = {test_id: {"inputs": encode(b.inputs), "expected": encode(b.plain_expected())}
                             for test_id, b in build_cases(notebook, None).items()}
    return shipped


def is_visible(test_id):
    """A test is hidden when its id says so (`..._hidden_deep`, `...-test-hidden`), unless it ends in `visible`
    (`test_hidden_delta_visible`). The suite checks this against the source notebooks' hidden-test regions."""
    return test_id.endswith("visible") or "hidden" not in test_id


def answer_records(cell, notebook, test_id):
    """The answers published in one cell's outputs for this notebook and test (decoded), and problems found."""
    answers, problems = [], []
    for output in cell.get("outputs", []):
        data = output.get("data", {}) if output.get("output_type") in ("display_data", "execute_result") else {}
        if MIME not in data:
            continue
        record = data[MIME]
        if not isinstance(record, dict) or record.get("notebook") != notebook or record.get("test") != test_id:
            problems.append("an answer record for another test")
            continue
        try:
            answers.append(decode(record.get("answers")))
        except RecordError as error:
            problems.append(f"a damaged answer record ({error})")
        except Exception as error:      # whatever a forged record makes numpy or the decoder do
            problems.append(f"a damaged answer record ({type(error).__name__})")
    return answers, problems


def _diagnoses(error: WrongValues, built: Built):
    """The catalogue's diagnoses of wrong arrays (backprop.grading.mistakes), or [] without a case to compare or
    for a sketched answer (backprop_kit.testing.sketch: the catalogue models full arrays)."""
    if error.case_index >= len(built.context) or "exercise" not in built.context[error.case_index] \
            or "sketch" in built.context[error.case_index]:
        return []
    context = built.context[error.case_index]
    return diagnose(context["exercise"], error.student, error.expected, error.names, error.wrong,
                    context["case"], context["layer"], context["inputs"], error.changed)


def with_plain_failures(value):
    """The answers with every failed call's message rebuilt from its named parts only (`plain_failure`): text the
    student's code produced while a test ran never reaches the verdict, and so never the feedback."""
    if isinstance(value, dict):
        if "error" in value:
            failure = value.get("failure") if isinstance(value.get("failure"), dict) else {}
            return {"error": plain_failure(failure)}
        return {key: with_plain_failures(item) for key, item in value.items()}
    if isinstance(value, list):
        return [with_plain_failures(item) for item in value]
    return value


def judge_answers(test, built: Built, answers):
    """Verdict on the decoded answers of one test."""
    if not answers:
        return Verdict(False, NO_ANSWER, "no answer record")
    for answer in map(with_plain_failures, answers):
        try:
            test.compare(built.inputs, built.expected, answer)
        except WrongValues as wrong:
            found = _diagnoses(wrong, built)
            return Verdict(False, "\n".join([str(wrong)] + ["ヒント: " + d.hint for d in found]),
                           diagnoses=[d.key for d in found])
        except AssertionError as failed:
            return Verdict(False, str(failed))
        except Exception as error:   # a record shaped so that the comparison itself fails
            return Verdict(False, "答えの形式が正しくありません。", f"comparison failed: {type(error).__name__}: {error}")
    return Verdict(True)


def judge_notebook(nb, notebook, built):
    """{grade_id: Verdict} for every test cell of an executed notebook that has a test of that id."""
    tests = notebook_tests(notebook)
    verdicts = {}
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        grade_id = meta.get("grade_id")
        if cell.get("cell_type") != "code" or not meta.get("grade") or grade_id not in tests:
            continue
        if grade_id not in built:
            verdicts[grade_id] = Verdict(False, NO_ANSWER, "no case built for this test")
            continue
        answers, problems = answer_records(cell, notebook, grade_id)
        verdict = judge_answers(tests[grade_id], built[grade_id], answers)
        if problems:
            verdict.problem = "; ".join(filter(None, [verdict.problem] + problems))
        verdicts[grade_id] = verdict
    return verdicts
