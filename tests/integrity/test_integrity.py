"""The hostile corpus against the whole grading workflow: no attack may gain a point or see a hidden line.

One throwaway course, one student per attack plus blank / reference / dummy, ONE autograde run (confined
kernels: needs root and bubblewrap, as production grading does), then feedback and grades. Prints the
table (attack, notebook, points, blank baseline, gained, leaked, and the test cells gained) and the totals;
fails when any attack gained a point over the blank notebook on a cell it does not name as honest work,
when any feedback page holds a hidden-test line, a held-out value, grader source, the grading secret or a
dump of the kernel's cases file, when a grading run crashed, or when the reference solutions do not get
every automatic point.

The corpus: the first wave (issue 12's attack classes, written against the grader that decided grades in
the kernel, re-pointed to the kit-protocol notebooks) and a second wave against the redesign (forged
answer records, the cases file, replaced kit internals, self-reported flags, numerical differentiation
against the large case, report-model cheats, malformed records, leaks). Whether it passes is measured, not
assumed: see MEASURED_2026-11-29.md for the latest table and the findings it names.
Run: pytest -p no:cacheprovider tests/integrity -m slow -s
"""
import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest

from . import harness
from .attacks import ATTACKS


# Attacks that still gain points, with the reason; each must still gain exactly so (the test fails when one is
# fixed: then delete its entry). Printed with the table, never hidden.
KNOWN_GAPS = {}
# samplewise_numeric_backward (9 points until 2026-11-29) was closed by 11_02's deep, wide large network and its
# sketched answer (lib/backprop/grading/builders/nb_11_02.py, backprop_kit.testing.sketch).


def test_attack_classes_and_targets():
    names = [a.name for a in ATTACKS]
    assert len(names) == len(set(names)), "attack names are student ids: they must be unique"
    assert len(ATTACKS) >= 40
    assert all(a.notebook in harness.NOTEBOOKS for a in ATTACKS)


@pytest.mark.slow
def test_no_attack_gains_points_or_sees_hidden_material():
    if os.geteuid() != 0 or shutil.which("bwrap") is None:
        pytest.skip("grading runs in confined kernels: needs root and bubblewrap (bwrap)")
    scratch = Path(tempfile.mkdtemp(prefix="integrity-", dir="/tmp"))  # short path: unix socket names
    started = time.perf_counter()
    try:
        run = harness.run_corpus(ATTACKS, scratch / "course")
        lines, gained, leaked = harness.table(run, ATTACKS)
        print("\n" + "\n".join(lines))
        gap_points = {name: sum(harness.gained_cells(run, attack).values())
                      for attack in ATTACKS for name in [attack.name] if name in KNOWN_GAPS}
        for name, (points, why) in KNOWN_GAPS.items():
            print(f"known gap: {name} gains {gap_points.get(name, 0):g} (listed: {points}): {why}")
        gained -= sum(gap_points.values())
        print("\n".join(["", "feedback pages holding hidden material:"] + harness.leak_details(run)))
        seconds = ", ".join(f"{step} {value:.0f} s" for step, value in run.seconds.items())
        print(f"\n{len(ATTACKS)} attacks tried, {gained:g} points gained over the blank notebook "
              f"(known gaps apart: {sorted(KNOWN_GAPS)}), "
              f"{leaked} hidden lines or values in any feedback page  ({seconds})")
        print("(baseline: the blank notebook cell by cell; * : also the dummy student's cells (attack built on "
              "attacks.DUMMIES); + : the attack's honest cells (Attack.honest) not counted)")
        reference = run.students["reference"]
        short = {nb: (reference.scores.get(nb), run.max_auto[nb]) for nb in harness.NOTEBOOKS
                 if reference.scores.get(nb) != run.max_auto[nb]}
        crashed = sorted(name for name, result in run.students.items() if result.crash)
        no_page = sorted(a.name for a in ATTACKS
                         if not any(p.stem == a.notebook for p in run.students[a.name].pages))
        print(f"attacks without a feedback page for their notebook (leak scan not possible): {no_page or 'none'}")
        assert not short, f"the reference solutions lost points: {short}"
        assert not crashed, f"grading runs crashed on: {crashed}"
        assert not no_page, f"no feedback page to scan for: {no_page}"
        assert gained == 0, f"{gained:g} points gained by attacks"
        assert {name: gap_points.get(name, 0) for name in KNOWN_GAPS} == \
            {name: points for name, (points, _) in KNOWN_GAPS.items()}, "a known gap changed: update KNOWN_GAPS"
        assert leaked == 0, f"{leaked} hidden lines or held-out values in feedback pages"
    finally:
        if not os.environ.get("KEEP_INTEGRITY_COURSE"):
            shutil.rmtree(scratch, ignore_errors=True)
        else:
            print(f"course kept in {scratch} ({time.perf_counter() - started:.0f} s)")
