"""`check NOTEBOOK`: the student's own test run, like nbgrader validate but honest about failures.

Runs a copy of the notebook from top to bottom in a fresh kernel (the file is not modified), then
reports in Japanese every visible test that failed and every other cell that raised. Test cells left
empty by the release (their tests are hidden) are listed as run at grading time, never as passed,
and the totals count only the tests that really ran. The kernel runs under grading's conditions
(backprop_kit.limits: the same seconds per cell, one BLAS thread). Exit status: 0 when all visible
tests pass, 1 when anything failed, 2 when the file itself is unusable.

The course tool's check passes its own kernel loop (`run`), how it recognises the notebook (`identify`),
nbgrader's scoring (`score`) and its warnings (`notes`, e.g. locked cells changed).
"""
from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

from ..limits import CELL_SECONDS, grading_threads, limits_text
from .cells import grade_id, is_emptied_hidden_test, is_test_cell, points, test_cells
from .hints import hint_for
from .notebook import StudentError, notebook_name, read_student_notebook
from .outcomes import kit_score, last_error, reason_text, relabel_test_stderr, test_outcomes
from .running import run_notebook

PENDING = "隠しテスト (採点時に実行)"


def check_notebook(path: Path, timeout: int = CELL_SECONDS, out=None, run: Callable | None = None,
                   identify: Callable | None = None, score: Callable = kit_score,
                   notes: Callable | None = None) -> int:
    """Run the notebook's visible tests and print a Japanese report; returns the exit status."""
    out = out or sys.stdout
    path = Path(path)
    try:
        nb = read_student_notebook(path)
        (identify or notebook_name)(nb, path)
    except StudentError as err:
        print(f"エラー: {err}", file=out)
        return 2
    for note in (notes(nb) if notes else []):
        print(f"  注意: {note}", file=out)
    print(f"{path.name} を最初から実行しています ({running_conditions(timeout)})...", file=out)
    with grading_threads():
        (run or run_notebook)(nb, str(path.parent.resolve()), timeout)  # problems show up as error outputs
    relabel_test_stderr(nb)
    emptied = {grade_id(c) for _, c in test_cells(nb) if is_emptied_hidden_test(c)}
    outcomes = [t for t in test_outcomes(nb, score) if t.grade_id not in emptied]
    failed = [t for t in outcomes if not t.passed]
    cell_errors = [(i, last_error(c)) for i, c in enumerate(nb.cells)
                   if c.cell_type == "code" and not is_test_cell(c) and last_error(c)]
    for index, (ename, evalue) in cell_errors:
        print(f"  セル {index + 1} でエラー:\n{textwrap.indent(reason_text(ename, evalue), '    ')}\n"
              f"    → {hint_for(ename)}", file=out)
    for _, cell in test_cells(nb):
        test = next((t for t in outcomes if t.grade_id == grade_id(cell)), None)
        if test is None:
            print(f"  [{PENDING}] {grade_id(cell)} (- / {points(cell):g} 点)", file=out)
            continue
        mark = "合格  " if test.passed else "不合格"
        print(f"  [{mark}] {test.grade_id} ({test.points:g}/{test.max_points:g} 点)", file=out)
        if not test.passed:
            hint = hint_for(test.ename, test.evalue)   # '' where the test's own message says what to check
            print(textwrap.indent(test.reason, '      ') + (f"\n      → {hint}" if hint else ""), file=out)
    print(totals(outcomes, [c for _, c in test_cells(nb) if grade_id(c) in emptied], len(cell_errors)), file=out)
    return 0 if not failed and not cell_errors else 1


def running_conditions(timeout: int) -> str:
    """What the run is held to, in Japanese, saying whether it is grading's limit."""
    if timeout == CELL_SECONDS:
        return f"採点と同じ条件: {limits_text(timeout)}"
    return f"{limits_text(timeout)}。採点では各セル {CELL_SECONDS} 秒以内です"


def totals(ran: list, pending_cells: list, cell_errors: int) -> str:
    """The Japanese summary: the tests that ran (passed, points), errors, hidden tests left for grading."""
    passed = sum(t.passed for t in ran)
    lines = [f"実行したテスト: {len(ran)} 個中 {passed} 個に合格 "
             f"({sum(t.points for t in ran):g} / {sum(t.max_points for t in ran):g} 点)。"]
    if passed == len(ran) and not cell_errors:
        lines.insert(0, "すべての公開テストに合格しました。")
    else:
        lines.append(f"不合格のテスト: {len(ran) - passed} 個、エラーのセル: {cell_errors} 個。")
    hidden_points = sum(points(c) for c in pending_cells)
    lines.append(f"隠しテスト{f' {len(pending_cells)} 個 ({hidden_points:g} 点)' if pending_cells else ''}は"
                 "ここでは実行されず、提出後の採点時に実行されます。")
    return "\n".join(lines)
