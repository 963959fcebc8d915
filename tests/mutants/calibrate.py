"""Re-measure the calibration recorded in tests/test_mutants.py's docstring: the value each pass bar judges
(digits test accuracy, report11 held-out RMSE, accuracy of the hand-chosen weights of 11_01) for the reference
and for every catalogue mutant that the bar must stop, over several seeds. An instructor's tool, not a test
(a minute or two):

    .venv/bin/python tests/mutants/calibrate.py

For each notebook the cells before the seeded cell run once per variant; then, for every seed, the cells from
the seeded cell to the judging test cell run again (other test cells skipped) and the judged value is recorded.
"""
import os
import sys
from dataclasses import dataclass

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import catalogue  # noqa: E402  (run as a script from this folder's parent or anywhere)
import runner  # noqa: E402
from backprop.grading import digit_hyperparams, heldout  # noqa: E402

RECORDED = []
# The checks record the value they judge instead of judging it.
digit_hyperparams.check_digit_hyperparams = (
    lambda hyperparams, seed, bar=None: RECORDED.append(digit_hyperparams.digits_test_accuracy(hyperparams, seed)))
heldout.check_heldout_rmse = (
    lambda model, x, t, max_rmse: RECORDED.append(heldout.heldout_rmse(model, x, t)))


@dataclass
class Bar:
    """A pass bar: its test cell, the cell whose seed=<int> literals vary, the offsets, how to read the value."""
    notebook: str
    test_cell: str
    seeded_cell: str
    offsets: tuple
    variable: str = ""          # read this variable after the test cell; else the value a patched check recorded
    also: tuple = ()            # other test cells with the same value and a different bar (their mutants are shown)


BARS = [
    Bar("lecture11/11_03_digit_classification", "hyperparams-test-hidden", "hyperparams-test-hidden", (0, 1, 2)),
    Bar("report11/report11", "model-test-hidden-loose", "train-answer", (0, 1, 2, 3, 4),
        also=("model-test-hidden-tight",)),
    Bar("lecture11/11_01_neural_network", "hand-weights-test-hidden", "hand-weights-test-hidden", (0, 1, 2, 3, 4),
        variable="_accuracy"),
]


def measure(bar, edits):
    """The judged value for each seed offset, for the notebook with these edits."""
    cells = runner.code_cells(str(catalogue.notebook_path(bar.notebook)))
    ids = [grade_id for grade_id, _, _ in cells]
    seeded, judged = ids.index(bar.seeded_cell), ids.index(bar.test_cell)
    namespace = {"__name__": "__main__"}

    def run(index, extra=()):
        grade_id, is_test, source = cells[index]
        if not is_test or index == judged:
            runner.execute_cell(runner.apply_edits(grade_id, source, edits + list(extra)), namespace, index)

    for index in range(seeded):
        run(index)
    values = []
    for offset in bar.offsets:
        RECORDED.clear()
        for index in range(seeded, judged + 1):
            run(index, [{"cell": bar.seeded_cell, "seed_offset": offset}])
        values.append(namespace.get(bar.variable) if bar.variable else (RECORDED[0] if RECORDED else None))
    return values


def main():
    os.chdir(catalogue.REPO)
    mutants = catalogue.load().mutants
    for bar in BARS:
        print(f"== {bar.notebook}: {bar.test_cell}, seed offsets {list(bar.offsets)} in {bar.seeded_cell}")
        variants = [("reference", [])] + [(m.name, m.edits) for m in mutants
                                          if m.notebook == bar.notebook
                                          and {bar.test_cell, *bar.also} & set(m.killed_by)]
        for name, edits in variants:
            values = measure(bar, edits)
            shown = " ".join("error" if v is None else f"{v:.3f}" if abs(v) < 1e6 else "diverged" for v in values)
            print(f"  {name:32s} {shown}", flush=True)


if __name__ == "__main__":
    main()
