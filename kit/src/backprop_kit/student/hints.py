"""Japanese explanations for students: what an error in a test cell most likely means.

A failed test is an AssertionError whose message is the test's own words. Most of those messages already say
what to check, so the general hint is added only where it fits: `failed_test_hint` gives the hint of an
exception the message names (the student's function crashed or is not written yet), the value-mismatch hint
for a message that reports a wrong value without advice of its own, and nothing otherwise.
"""
from __future__ import annotations

import re

from .running import DEAD_KERNEL_ERROR, NOT_RUN_ERROR, TIMEOUT_ERROR

VALUE_MISMATCH_HINT = "結果が期待と一致しませんでした。式・符号・配列の形を見直してください。"
HINTS = {
    "NotImplementedError": "まだ解答が書かれていません。`raise NotImplementedError()` を消して実装してください。",
    "NameError": "関数や変数が定義されていません。解答セルを上から順に実行したか、名前の綴りを確認してください。",
    "AssertionError": VALUE_MISMATCH_HINT,
    "ValueError": "値か配列の形 (shape) が合っていません。行列の向き (転置) や次元を確認してください。",
    "TypeError": "引数の数や型が合っていません。関数の定義と呼び出し方を確認してください。",
    "IndexError": "配列の範囲外を参照しています。ループの範囲を確認してください。",
    "ZeroDivisionError": "0 で割っています。",
    "ModuleNotFoundError": "使えないモジュールを import しています。",
    TIMEOUT_ERROR: "制限時間内に終わりませんでした。無限ループや重すぎる計算がないか確認してください。",
    DEAD_KERNEL_ERROR: "カーネルが停止しました (プロセスの終了、メモリ不足など)。このセル以降は採点できませんでした。",
    NOT_RUN_ERROR: "前のセルが終わらなかったため、このセルは実行されませんでした。",
}
GENERIC_HINT = "エラーが発生しました。エラーの種類とメッセージを手がかりに見直してください。"

# How a test's message gives advice of its own, and how it reports a wrong value.
ADVICE_WORDS = ("ヒント", "ください", "ましょう", "確かめ", "確認", "見直")
VALUE_WORDS = ("値が正しくありません", "一致していません", "一致しません", "違います", "ずれています", "届きません")
# An exception named by the kit's message for a call that failed: "…（NotImplementedError）。" or "…: ValueError".
NAMED_ERROR = re.compile(r"（(\w+Error)）|: (\w+Error)\s*$", re.MULTILINE)


def failed_test_hint(message: str) -> str:
    """The hint shown under a failed test's message ('' when the message says enough by itself)."""
    if any(word in message for word in ADVICE_WORDS):
        return ""
    named = NAMED_ERROR.search(message)
    if named:
        return HINTS.get(named.group(1) or named.group(2), "")
    return VALUE_MISMATCH_HINT if any(word in message for word in VALUE_WORDS) else ""


def hint_for(ename: str | None, message: str | None = None) -> str:
    """A helpful Japanese sentence for an error ('' when there was no error). With the error's message, a
    failed test (AssertionError) gets `failed_test_hint`; without it, the table's sentence for the name."""
    if not ename:
        return ""
    if ename == "AssertionError" and message is not None:
        return failed_test_hint(message)
    return HINTS.get(ename, GENERIC_HINT)
