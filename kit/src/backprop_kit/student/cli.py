"""`python -m backprop_kit` / `backprop-kit`: the student's commands, with only the kit installed."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..limits import CELL_SECONDS
from .check import check_notebook
from .export_html import export_html
from .notebook import StudentError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m backprop_kit",
                                     description="第11回の学生用コマンド: 提出前の確認 (check) と提出用 HTML (export-html)")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("check", help="ノートブックを最初から実行し、公開テストの結果を日本語で表示する")
    p.add_argument("notebook")
    p.add_argument("--timeout", type=int, default=CELL_SECONDS,
                   help=f"1 セルあたりの制限時間 (秒)。既定は採点と同じ {CELL_SECONDS} 秒")
    p = sub.add_parser("export-html", help="提出用の HTML (ノートブックを埋め込んだ 1 ファイル) を書き出す")
    p.add_argument("notebook")
    p.add_argument("--student-id", help="学籍番号 (ファイル名とページの先頭に入ります)")
    p.add_argument("--out-dir", default=".", help="書き出すフォルダ (既定: 今のフォルダ)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "check":
        return check_notebook(Path(args.notebook), timeout=args.timeout)
    try:
        path = export_html(Path(args.notebook), Path(args.out_dir), student_id=args.student_id)
    except StudentError as err:
        print(f"エラー: {err}", file=sys.stderr)
        return 2
    print(f"提出用 HTML を書き出しました: {path}")
    return 0
