"""Class report: grades/report[_<assignment>]/index.html with PNG plots (Japanese labels).

Plots: histogram of the students' totals (only gradable students: a failed grading is no zero),
pass rate per test cell, and the most frequent failures (test, exception type). Below them, the
students whose grading had problems or failed, with what happened.
"""
from __future__ import annotations

import html
from collections import Counter
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib_fontja  # noqa: E402,F401  (Japanese glyphs in plots)

from ..course.folder import Course  # noqa: E402
from .grades import grade_rows  # noqa: E402
from ..notebooks.htmlpage import table  # noqa: E402
from ..course.status import GRADED, LABELS_JA, NotebookStatus, load_statuses  # noqa: E402

TOP_FAILURES = 10


def _statuses(course: Course, assignment: str | None) -> list[NotebookStatus]:
    return [s for name in course.pick_assignments(assignment) for s in load_statuses(course, name).values()]


def _save(figure, path: Path) -> str:
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path.name


def plot_histogram(rows: list[dict], path: Path) -> str:
    totals = [float(r["total"]) for r in rows if r["total"] != ""]
    figure, axes = plt.subplots(figsize=(6, 3.5))
    axes.hist(totals, bins=min(20, max(5, len(set(totals)))), color="tab:blue", edgecolor="white")
    axes.set_title(f"得点の分布 (採点できた {len(totals)} 人)")
    axes.set_xlabel("合計点")
    axes.set_ylabel("人数")
    return _save(figure, path)


def pass_rates(statuses: list[NotebookStatus]) -> dict[str, float]:
    """Fraction of gradable notebooks passing each test, keyed `notebook/grade_id`."""
    passed, seen = Counter(), Counter()
    for status in statuses:
        for test in status.tests:
            key = f"{status.notebook}/{test.grade_id}"
            seen[key] += 1
            passed[key] += test.passed
    return {key: passed[key] / seen[key] for key in seen}


def plot_pass_rates(rates: dict[str, float], path: Path) -> str:
    keys = list(rates)
    figure, axes = plt.subplots(figsize=(7, 0.35 * len(keys) + 1.2))
    axes.barh(keys, [100 * rates[k] for k in keys], color="tab:green")
    axes.invert_yaxis()
    axes.set_xlim(0, 100)
    axes.set_xlabel("合格率 (%)")
    axes.set_title("テストセルごとの合格率")
    return _save(figure, path)


def frequent_failures(statuses: list[NotebookStatus]) -> list[tuple[str, int]]:
    counts = Counter(f"{s.notebook}/{t.grade_id}: {t.ename}" for s in statuses for t in s.tests if not t.passed)
    return counts.most_common(TOP_FAILURES)


def plot_failures(failures: list[tuple[str, int]], path: Path) -> str:
    figure, axes = plt.subplots(figsize=(7, 0.35 * max(1, len(failures)) + 1.2))
    axes.barh([f for f, _ in failures], [n for _, n in failures], color="tab:red")
    axes.invert_yaxis()
    axes.set_xlabel("人数")
    axes.set_title("よくある失敗 (テスト: エラーの種類)")
    return _save(figure, path)


def unconfined_banner(statuses: list[NotebookStatus]) -> str:
    """One loud paragraph when notebooks were graded without the sandbox (the rows do not repeat it)."""
    count = sum(s.unconfined for s in statuses)
    return (f"<p style='border:2px solid #c00;padding:0.5em'><b>隔離なしで採点 (UNCONFINED)</b>: {count} 件の"
            "ノートブックは、学生のコードを採点者の権限で (サンドボックスなしで) 実行して採点しました "
            "(course.toml の [grading.sandbox] allow_unconfined = true)。</p>") if count else ""


def write_class_report(course: Course, assignment: str | None = None) -> Path:
    """Write the report folder and return the path of its index.html."""
    folder = course.folder("grades") / (f"report_{assignment}" if assignment else "report")
    folder.mkdir(parents=True, exist_ok=True)
    statuses = _statuses(course, assignment)
    _, rows = grade_rows(course, assignment)
    images = [plot_histogram(rows, folder / "score_histogram.png"),
              plot_pass_rates(pass_rates(statuses), folder / "pass_rate.png"),
              plot_failures(frequent_failures(statuses), folder / "failures.png")]
    counts = Counter(s.state for s in statuses)
    troubled = [[s.student, s.notebook, LABELS_JA[s.state], "; ".join(p.text for p in s.problems)]
                for s in sorted(statuses, key=lambda s: (s.student, s.notebook)) if s.state != GRADED]
    page = ("<!DOCTYPE html><html lang='ja'><head><meta charset='utf-8'><title>クラスレポート</title></head><body>"
            f"<h1>クラスレポート: {html.escape(assignment or '全課題')}</h1>"
            + unconfined_banner(statuses)
            + table(["状態", "ノートブック数"], [[LABELS_JA[k], counts.get(k, 0)] for k in LABELS_JA])
            + "".join(f'<p><img src="{name}" alt="{name}"></p>' for name in images)
            + "<h2>遅れて提出 (採点後に減点)</h2>"
            + table(["学籍番号", "提出日時", "締切", "遅れ", "減点前", "減点", "最終得点"],
                    [[r["student"], r["submitted_at"], r["deadline"], r["late_by"], r["raw_total"], r["late_penalty"],
                      r["total"]] for r in rows if r["late_by"]])
            + "<h2>要確認の提出</h2>"
            + table(["学籍番号", "ノートブック", "状態", "内容"], troubled)
            + "</body></html>")
    index = folder / "index.html"
    index.write_text(page, encoding="utf-8")
    return index
