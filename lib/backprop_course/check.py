"""`check NOTEBOOK`: the student's own test run, like nbgrader validate but honest about failures.

Runs a copy of the notebook from top to bottom in a fresh kernel (the file is not modified), then
reports in Japanese every visible test that failed and every other cell that raised. Exit status:
0 when all tests pass, 1 when anything failed, 2 when the file itself is unusable.
"""
from __future__ import annotations

import sys
import textwrap
from pathlib import Path

from .cells import is_test_cell, tampered_locked_cells
from .execution import run_cells
from .messages import hint_for
from .outcomes import last_error, reason_text, relabel_test_stderr, test_outcomes
from .student import StudentError, identify, read_student_notebook


def check_notebook(path: Path, timeout: int = 120, out=None) -> int:
    """Run the notebook's visible tests and print a Japanese report; returns the exit status."""
    out = out or sys.stdout
    try:
        nb = read_student_notebook(path)
        identify(nb, path)
    except StudentError as err:
        print(f"エラー: {err}", file=out)
        return 2
    for cell_id in tampered_locked_cells(nb):
        print(f"  注意: テストセル {cell_id} が書き換えられています。提出後は元のテストで採点されます。", file=out)
    print(f"{path.name} を最初から実行しています (各セル最大 {timeout} 秒)...", file=out)
    run_cells(nb, str(path.parent.resolve()), timeout)  # events show up as error outputs
    relabel_test_stderr(nb)
    outcomes = test_outcomes(nb)
    failed = [t for t in outcomes if not t.passed]
    cell_errors = [(i, last_error(c)) for i, c in enumerate(nb.cells)
                   if c.cell_type == "code" and not is_test_cell(c) and last_error(c)]
    for index, (ename, evalue) in cell_errors:
        print(f"  セル {index + 1} でエラー:\n{textwrap.indent(reason_text(ename, evalue), '    ')}\n"
              f"    → {hint_for(ename)}", file=out)
    for test in outcomes:
        mark = "合格  " if test.passed else "不合格"
        print(f"  [{mark}] {test.grade_id} ({test.points:g}/{test.max_points:g} 点)", file=out)
        if not test.passed:
            print(f"{textwrap.indent(test.reason, '      ')}\n      → {hint_for(test.ename)}", file=out)
    if not failed and not cell_errors:
        print(f"すべてのテスト ({len(outcomes)} 個) に合格しました。"
              "(非公開のテストは提出後に採点されます。)", file=out)
        return 0
    print(f"不合格のテスト: {len(failed)} / {len(outcomes)} 個、エラーのセル: {len(cell_errors)} 個。", file=out)
    return 1
