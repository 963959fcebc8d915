"""Re-measure the calibration recorded in tests/test_mutants.py's docstring: the value each pass bar judges (the
digits test accuracies of 11_03's hidden hyperparameter test, report11's held-out RMSE, the accuracy of 11_01's
hand-chosen weights) for the reference and for every catalogue mutant that the bar must stop, over several
grading keys (and, for report11, training seeds). An instructor's tool, not a test (a few minutes):

    .venv/bin/python tests/mutants/calibrate.py

The values are the grader's: for each run the notebook's cells run in this process up to the judged test cell
(other test cells skipped), that cell publishes its answers through the kit as in a grading kernel (the
runner's grading set-up: the cases of the grading key `reference` or `seed+<k>`, as the catalogue's runs use),
and the value is computed from those answers and the grader's cases, as the test's compare computes it.
"""
import os
from dataclasses import dataclass

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

import catalogue  # noqa: E402  (run as a script from this folder's parent or anywhere)
import runner  # noqa: E402
from backprop.grading.builders.nb_report11 import network_outputs, rmse  # noqa: E402
from backprop_kit.handnet import HandNetwork  # noqa: E402
from backprop_kit.testing.nb_11_01 import hand_weights  # noqa: E402
from backprop_kit.testing.nb_report11 import checked_params  # noqa: E402
from backprop_kit.training import checked_hyperparams  # noqa: E402


def digits_values(answers, expected):
    """Test accuracy of the network the grader itself trains with the published HYPERPARAMS on each split the
    hidden test drew (expected["accuracy"], backprop.grading.digit_training)."""
    hyperparams = checked_hyperparams(answers["hyperparams"])
    return [expected["accuracy"](hyperparams, seed) for seed in expected["splits"]]


def heldout_values(answers, expected):
    """RMSE of the grader's forward pass of the published parameters on its held-out points."""
    return [rmse(network_outputs(checked_params(answers.get("params")), expected["x_eval"]), expected["t_eval"])]


def hand_values(answers, expected):
    """Accuracy of the hand-chosen weights on the fresh sample of the data's rule."""
    return [HandNetwork(*hand_weights(answers)).accuracy(np.asarray(expected["x"]), np.asarray(expected["y"]))]


@dataclass
class Bar:
    """A pass bar: its test cell, how its value is computed, the key offsets, the cells whose seed=<int> literals
    shift with the offset, and other test cells with the same value and another bar (their mutants are shown)."""
    notebook: str
    test_cell: str
    values: object
    offsets: tuple
    seeded_cells: tuple = ()
    also: tuple = ()


BARS = [
    Bar("lecture11/11_03_digit_classification", "hyperparams-test-hidden", digits_values, (0, 1, 2)),
    Bar("report11/report11", "model-test-hidden-loose", heldout_values, (0, 1, 2, 3, 4),
        seeded_cells=("train-answer",), also=("model-test-hidden-tight",)),
    Bar("lecture11/11_01_neural_network", "hand-weights-test-hidden", hand_values, (0, 1, 2, 3, 4)),
]


def key_label(offset):
    return runner.REFERENCE_KEY if offset == 0 else f"seed+{offset}"


def measure(bar, variants):
    """{variant name: [values over every offset]}; the cells before the first cell any run changes run once."""
    cells = runner.code_cells(str(catalogue.notebook_path(bar.notebook)))
    ids = [grade_id for grade_id, _, _ in cells]
    judged = ids.index(bar.test_cell)
    changed = {edit["cell"] for _, edits in variants for edit in edits} | set(bar.seeded_cells)
    first = min([ids.index(cell) for cell in changed] + [judged])
    notebook = os.path.splitext(os.path.basename(str(catalogue.notebook_path(bar.notebook))))[0]
    runner.start_grading(notebook, runner.REFERENCE_KEY)
    prefix = {"__name__": "__main__"}
    for index in range(first):
        grade_id, is_test, source = cells[index]
        if not is_test:
            runner.execute_cell(source, prefix, index)
    found = {}
    for name, edits in variants:
        values = []
        for offset in bar.offsets:
            runner.start_grading(notebook, key_label(offset))
            shift = [{"cell": cell, "seed_offset": offset} for cell in bar.seeded_cells]
            namespace = dict(prefix)
            for index in range(first, judged + 1):
                grade_id, is_test, source = cells[index]
                if is_test and index != judged:
                    continue
                runner.GRADING["published"].clear()
                error, _, _ = runner.execute_cell(runner.apply_edits(grade_id, source, edits + shift), namespace, index)
            answers = [a for nb, test_id, a in runner.GRADING["published"] if test_id == bar.test_cell]
            try:
                values += bar.values(answers[0], runner.GRADING["built"][bar.test_cell].expected)
            except (AssertionError, IndexError, KeyError) as refused:
                values.append(f"refused ({error or refused})"[:60])
        found[name] = values
    return found


def shown(values):
    numbers = [v for v in values if isinstance(v, float) and abs(v) < 1e6]
    text = " ".join("diverged" if isinstance(v, float) and abs(v) >= 1e6 else f"{v:.3f}" if isinstance(v, float)
                    else v for v in values)
    span = f"   [{min(numbers):.3f}-{max(numbers):.3f}]" if numbers else ""
    return text + span


def main():
    os.chdir(catalogue.REPO)
    mutants = catalogue.load().mutants
    for bar in BARS:
        print(f"== {bar.notebook}: {bar.test_cell}, grading keys {[key_label(k) for k in bar.offsets]}"
              + (f", seeds shifted in {list(bar.seeded_cells)}" if bar.seeded_cells else ""), flush=True)
        variants = [("reference", [])] + [(m.name, m.edits) for m in mutants if m.notebook == bar.notebook
                                          and {bar.test_cell, *bar.also} & set(m.killed_by)]
        os.chdir(catalogue.notebook_path(bar.notebook).parent)          # the notebook's folder, as a kernel's
        for name, values in measure(bar, variants).items():
            print(f"  {name:32s} {shown(values)}", flush=True)
        os.chdir(catalogue.REPO)


if __name__ == "__main__":
    main()
