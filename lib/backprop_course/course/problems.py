"""What can go wrong while grading one notebook: typed problems and the one table that describes them.

A `Problem` is a kind (a key of KINDS) and a detail (which cell, what the error said). The table gives
each kind its severity, the English text the instructor reads (summary lines, CSV, class report,
grading_status/*.json) and the Japanese sentence the student reads in the feedback. Code decides
by kind and severity, never by reading the text.

Severities: NOTE (nothing went wrong, the status just says it: "rebuilt from HTML"), SCORED (the score stands,
the instructor should look), REVIEW (the score stands but must
not be trusted before the instructor has looked: an upload claimed another student's id), NOT_GRADABLE (no score),
NOT_SUBMITTED (the student handed nothing in for this notebook: no score, nothing for the instructor to fix).
Grading unconfined is not a problem of a notebook: it is a flag of the status (NotebookStatus.unconfined).
"""
from __future__ import annotations

from dataclasses import dataclass

NOTE, SCORED, REVIEW, NOT_GRADABLE = "note", "scored", "review", "not_gradable"
NOT_SUBMITTED = "not_submitted"


@dataclass(frozen=True)
class Kind:
    severity: str
    english: str  # a template with {detail}
    japanese: str


KINDS = {
    "missing_notebook": Kind(NOT_SUBMITTED, "missing notebook: {detail}",
                             "このノートブックは提出されていませんでした。"),
    "misnamed_notebook": Kind(NOT_GRADABLE, "missing notebook, other notebooks handed in instead: {detail}",
                              "このノートブックの名前のファイルがなく、別の名前のノートブックが提出されていました。教員が確認します。"),
    "invalid_notebook": Kind(NOT_GRADABLE, "invalid notebook: {detail}",
                             "ノートブックのファイルが壊れていて読み込めませんでした (JSON として不正)。"),
    "metadata_unusable": Kind(NOT_GRADABLE, "nbgrader metadata unusable: {detail}",
                              "ノートブックの採点用情報が壊れていて採点できませんでした。"),
    "grading_crashed": Kind(NOT_GRADABLE, "grading crashed: {detail}", "採点処理が失敗しました。教員が確認します。"),
    # Dask cluster (autograde/cluster.py): a worker died each time it held this notebook (allowed-failures used
    # up). No score, flagged for manual grading, kept on a rerun (--regrade tries again): never a zero.
    "worker_lost": Kind(NOT_GRADABLE, "needs review: grading workers died each time they ran this notebook, "
                                      "not graded (--regrade tries again): {detail}",
                        "採点中に採点用の計算機が繰り返し停止したため、このノートブックは自動採点できませんでした。"
                        "教員が確認します。"),
    "timeout": Kind(SCORED, "timeout in cell {detail}", "制限時間内に終わらないセルがありました。"),
    "dead_kernel": Kind(SCORED, "kernel died in cell {detail}",
                        "実行中にカーネルが停止しました。停止する前に得た点は残っています。"),
    "not_run": Kind(SCORED, "cells from {detail} on not run (kernel unresponsive)",
                    "カーネルが応答しなくなり、残りのセルは実行されませんでした。"),
    # Limits of a confined kernel (sandbox/policy.py, limits.py): each ends that kernel only (output: the rest dropped).
    "time_limit": Kind(SCORED, "notebook time limit reached in cell {detail}; later cells not run",
                       "ノートブック全体の制限時間を超えたため、残りのセルは実行されませんでした。"
                       "それまでに得た点は残っています。"),
    "cpu_limit": Kind(SCORED, "kernel ended by its CPU time limit in cell {detail}",
                      "CPU 時間の上限を超えたため、カーネルを停止しました。停止する前に得た点は残っています。"),
    "memory_limit": Kind(SCORED, "kernel ended by its memory limit (all its processes together) in cell {detail}",
                         "カーネルとその子プロセスが使ったメモリの合計が上限を超えたため、カーネルを停止しました。"
                         "停止する前に得た点は残っています。"),
    "process_limit": Kind(SCORED, "kernel ended by its process limit (too many processes or threads) in cell {detail}",
                          "プロセス (またはスレッド) の数が上限に達したため、カーネルを停止しました。"
                          "停止する前に得た点は残っています。"),
    "disk_limit": Kind(SCORED, "kernel ended: its in-memory disk is full, in cell {detail}",
                       "作業用のディスク領域 (ホームフォルダ, /tmp) がいっぱいになったため、カーネルを停止しました。"
                       "停止する前に得た点は残っています。"),
    "output_limit": Kind(SCORED, "output budget used up in cell {detail}",
                         "出力が多すぎるため、上限を超えた分の出力は省略しました。"),
    "tests_edited": Kind(SCORED, "test cells restored (edited by the student): {detail}",
                         "テストセルが編集または削除されていたため、元に戻して採点しました。"),
    "tests_deleted": Kind(SCORED, "test cells restored (deleted by the student): {detail}",
                          "テストセルが編集または削除されていたため、元に戻して採点しました。"),
    "tests_duplicated": Kind(SCORED, "duplicated test cells removed (the gradebook's copy is graded): {detail}",
                             "テストセルが重複していたため、コピーを取り除き、元のテストで採点しました。"),
    "answer_record": Kind(SCORED, "answer records: {detail}",
                          "テストの答えの記録に問題があったため、該当するテストは不合格として採点しました。"),
    "foreign_upload": Kind(REVIEW, "needs review: uploaded files claiming another student's id (not placed by "
                                   "collect): {detail}",
                           "提出物の中に、ほかの学生の学籍番号を名乗るファイルがありました。そのファイルは採点に使わず、"
                           "教員が確認します。"),
    # HTML hand-ins (collect/html_handin.py): recorded by collect next to the placed notebook, added by autograde.
    "html_rebuilt": Kind(NOTE, "rebuilt from HTML ({detail}): the code shown in the page, in the release's cells",
                         "提出された HTML に表示されているコードから、ノートブックを復元して採点しました。"),
    "html_edited": Kind(REVIEW, "needs review: hand-edited HTML, the code shown differs from the embedded notebook "
                                "in cells {detail}; graded from the embedded notebook",
                        "HTML に表示されているコードが、HTML に埋め込まれたノートブックと一致しませんでした。"
                        "埋め込まれたノートブックで採点し、教員が確認します。"),
    "html_embedded_ignored": Kind(REVIEW, "needs review: embedded notebook not used ({detail}); graded from the "
                                          "code shown in the page",
                                  "HTML に埋め込まれたノートブックが壊れていたため、表示されているコードで採点しました。"
                                  "教員が確認します。"),
    "html_unreadable": Kind(NOT_GRADABLE, "HTML hand-in unreadable: {detail}",
                            "提出されたファイルを HTML として読み取れませんでした (壊れている、HTML ではない、または"
                            "大きすぎる)。ノートブックを HTML に書き出し直して提出してください。"),
    "html_no_input": Kind(NOT_GRADABLE, "HTML hand-in shows no code (exported without input?): {detail}",
                          "提出された HTML にコードが表示されていません (入力を隠して書き出したもの)。"
                          "コードが表示される通常の方法で書き出し直して提出してください。"),
    "html_cells_missing": Kind(NOT_GRADABLE, "HTML hand-in lacks answer cells: {detail}",
                               "提出された HTML に解答のセルが見つかりませんでした。配布されたノートブックのセルを"
                               "消さずに、すべて HTML に書き出して提出してください。"),
    "html_wrong_assignment": Kind(NOT_GRADABLE, "HTML hand-in is not this notebook: {detail}",
                                  "提出された HTML は、この課題のノートブックを書き出したものではありませんでした。"),
}


@dataclass(frozen=True)
class Problem:
    """One thing that went wrong with one notebook: `kind` (a key of KINDS) and its `detail`."""

    kind: str
    detail: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown problem kind {self.kind!r}; known: {', '.join(KINDS)}")

    @property
    def severity(self) -> str:
        return KINDS[self.kind].severity

    @property
    def text(self) -> str:
        """The instructor's English line."""
        return KINDS[self.kind].english.format(detail=self.detail)

    @property
    def japanese(self) -> str:
        """The student's Japanese sentence."""
        return KINDS[self.kind].japanese

    def __str__(self) -> str:
        return self.text

    def __contains__(self, words: str) -> bool:
        """`"timeout" in problem` searches the instructor's text, as one would search the printed line."""
        return words in self.text

    def to_dict(self) -> dict:
        return {"kind": self.kind, "detail": self.detail, "text": self.text}

    @classmethod
    def from_dict(cls, data: dict) -> "Problem":
        return cls(data["kind"], data.get("detail", ""))
