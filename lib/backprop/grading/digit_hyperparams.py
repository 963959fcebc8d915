"""Judging the hyperparameters a student chose for the digits (notebook 11_03): check them, retrain from scratch
on a split the student has not seen, and compare the test accuracy with a bar.

The student hands in a dict such as
    {"hidden_sizes": [30], "activation": "sigmoid", "lr": 0.5, "epochs": 30, "batch_size": 32}
and the grader, not the student's code, does the training: `backprop.MLP` with sizes [64, *hidden_sizes, 10],
plain mini-batch SGD, everything seeded by one `seed` (split, initial weights, shuffling). The limits keep one
training run to a few seconds of CPU (the largest allowed, 3 x 128 units, 50 epochs of batches of 16, takes
~5 s), so a hidden test stays well inside nbgrader's per-cell timeout even on a busy grading machine.
"""
import warnings
from numbers import Integral, Real

import numpy as np

from backprop_kit.datasets import load_digits_split
from ..mlp import MLP
from .canary import guarded_check

# Calibrated in tests/test_assignments_outcomes.py (the measurements are recorded there).
ACCURACY_BAR = 0.93

KEYS = ("hidden_sizes", "activation", "lr", "epochs", "batch_size")
ACTIVATIONS = ("sigmoid", "relu")
MAX_HIDDEN_LAYERS = 3
MAX_WIDTH = 128
MAX_EPOCHS = 50
BATCH_RANGE = (16, 512)
MAX_LR = 10.0


def _is_int(value):
    return isinstance(value, Integral) and not isinstance(value, bool)


def checked_hyperparams(hyperparams):
    """A plain copy of the student's dict, or AssertionError (Japanese) naming the first problem found."""
    if not isinstance(hyperparams, dict):
        raise AssertionError(f"HYPERPARAMS は辞書 (dict) にしてください（型: {type(hyperparams).__name__}）。")
    missing = [key for key in KEYS if key not in hyperparams]
    unknown = [key for key in hyperparams if key not in KEYS]
    if missing or unknown:
        raise AssertionError(f"HYPERPARAMS のキーは {list(KEYS)} の5つにしてください"
                             f"（足りないキー: {missing}、余分なキー: {unknown}）。")
    sizes = hyperparams["hidden_sizes"]
    if (not isinstance(sizes, (list, tuple)) or not 1 <= len(sizes) <= MAX_HIDDEN_LAYERS
            or not all(_is_int(n) and 1 <= n <= MAX_WIDTH for n in sizes)):
        raise AssertionError(f"hidden_sizes は中間層のユニット数のリスト（1〜{MAX_HIDDEN_LAYERS} 層、"
                             f"各層 1〜{MAX_WIDTH} の整数）にしてください（値: {sizes!r}）。")
    if hyperparams["activation"] not in ACTIVATIONS:
        raise AssertionError(f"activation は {ACTIVATIONS} のどちらかにしてください"
                             f"（値: {hyperparams['activation']!r}）。")
    lr = hyperparams["lr"]
    if not isinstance(lr, Real) or isinstance(lr, bool) or not 0 < lr <= MAX_LR:
        raise AssertionError(f"lr（学習率）は 0 より大きく {MAX_LR} 以下の数にしてください（値: {lr!r}）。")
    epochs = hyperparams["epochs"]
    if not _is_int(epochs) or not 1 <= epochs <= MAX_EPOCHS:
        raise AssertionError(f"epochs は 1〜{MAX_EPOCHS} の整数にしてください（値: {epochs!r}）。")
    batch = hyperparams["batch_size"]
    if not _is_int(batch) or not BATCH_RANGE[0] <= batch <= BATCH_RANGE[1]:
        raise AssertionError(f"batch_size は {BATCH_RANGE[0]}〜{BATCH_RANGE[1]} の整数にしてください（値: {batch!r}）。")
    return {"hidden_sizes": [int(n) for n in sizes], "activation": str(hyperparams["activation"]),
            "lr": float(lr), "epochs": int(epochs), "batch_size": int(batch)}


def digits_test_accuracy(hyperparams, seed):
    """Train a fresh MLP with these hyperparameters on load_digits_split(seed=seed) and return the test accuracy.

    Warnings and floating-point errors are silenced (a diverging run just scores low): nbgrader zeroes a test
    cell that writes to stderr.
    """
    hp = checked_hyperparams(hyperparams)
    x_train, x_test, y_train, y_test = load_digits_split(seed=seed)
    net = MLP([x_train.shape[1], *hp["hidden_sizes"], 10], hidden=hp["activation"], seed=seed)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        net.fit(x_train, y_train, epochs=hp["epochs"], lr=hp["lr"], batch_size=hp["batch_size"], seed=seed)
        return net.accuracy(x_test, y_test)


@guarded_check
def check_digit_hyperparams(hyperparams, seed, bar=ACCURACY_BAR):
    """AssertionError (Japanese) unless training with these hyperparameters reaches test accuracy >= bar.

    Returns the accuracy, so a visible test can print it; assign it (`_accuracy = ...`): a number shown as a
    test cell's value would be read by nbgrader as partial credit.
    """
    accuracy = digits_test_accuracy(hyperparams, seed)
    if not accuracy >= bar:
        raise AssertionError(
            f"このハイパーパラメータで学習し直すと、テストデータの正解率は {accuracy:.3f} で、"
            f"基準の {bar:.2f} に届きませんでした。学習率・エポック数・中間層の大きさを見直してください。"
        )
    return accuracy
