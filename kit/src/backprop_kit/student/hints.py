"""Japanese explanations for students: what an error in a test cell most likely means."""
from __future__ import annotations

from .running import DEAD_KERNEL_ERROR, NOT_RUN_ERROR, TIMEOUT_ERROR

HINTS = {
    "NotImplementedError": "まだ解答が書かれていません。`raise NotImplementedError()` を消して実装してください。",
    "NameError": "関数や変数が定義されていません。解答セルを上から順に実行したか、名前の綴りを確認してください。",
    "AssertionError": "結果が期待と一致しませんでした。式・符号・配列の形を見直してください。",
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


def hint_for(ename: str | None) -> str:
    """A helpful Japanese sentence for an exception name ('' when there was no error)."""
    if not ename:
        return ""
    return HINTS.get(ename, GENERIC_HINT)
