"""The course's datasets: seeded, generated or shipped locally (nothing is downloaded at run time).

- `make_toy`: 2-D classification sets whose classes are separated by several straight lines, so a
  network needs a hidden layer (lecture 11_01, piecewise-linear separation).
- `load_digits_split`: scikit-learn's 8x8 digits, pixels scaled to [0, 1], stratified train/test split.
- `make_curve`, `curve_truth`: a noisy 1-D curve for regression lessons and the demo.
- `load_report11`: the report's regression training data (a CSV shipped with the package).
"""
from importlib import resources

import numpy as np

# -- 2-D toy classification sets ------------------------------------------------------------------------------
# Each rule maps points x (N, 2) in [-1, 1]^2 to integer labels (N,). The boundaries are straight lines.
CORNER_A, CORNER_B = -0.2, 0.1          # "corner": class 1 where x1 > a AND x2 > b
BAND_HALF_WIDTH = 0.4                   # "band": class 1 between the lines x1 + x2 = +-w


def _corner(x):
    return ((x[:, 0] > CORNER_A) & (x[:, 1] > CORNER_B)).astype(np.int64)


def _xor(x):
    return ((x[:, 0] > 0) ^ (x[:, 1] > 0)).astype(np.int64)


def _band(x):
    return (np.abs(x[:, 0] + x[:, 1]) < BAND_HALF_WIDTH).astype(np.int64)


def _three(x):
    # the lines x1 = 0.1 and x2 = -0.1 cut four quadrants: upper right is class 1, lower left class 2,
    # and the other two quadrants together (not connected) class 0
    right, up = x[:, 0] > 0.1, x[:, 1] > -0.1
    return np.where(right & up, 1, np.where(~right & ~up, 2, 0)).astype(np.int64)


TOY_RULES = {"corner": _corner, "xor": _xor, "band": _band, "three": _three}
TOY_CLASSES = {"corner": 2, "xor": 2, "band": 2, "three": 3}


def _check_count(n, name="n"):
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"{name} は正の整数で指定してください ({name}={n!r})")


def _check_noise(noise):
    if not isinstance(noise, (int, float, np.integer, np.floating)) or not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise は 0 以上の有限の数で指定してください (noise={noise!r})")


def make_toy(kind="corner", n=200, noise=0.05, seed=0):
    """A 2-D classification set that a single straight line cannot separate.

    kind: 'corner' (class 1 where x1 > -0.2 and x2 > 0.1: two boundary lines combined by AND),
          'xor' (class 1 where exactly one of x1 > 0, x2 > 0 holds), 'band' (class 1 between two parallel
          lines |x1 + x2| < 0.4) or 'three' (two lines cut four quadrants: upper right is class 1, lower left
          class 2, the other two class 0).
    Points are drawn uniformly from [-1, 1]^2 and labelled by the rule; then Gaussian noise of standard deviation
    `noise` is added to the points, which blurs the boundaries.

    Returns x (N, 2) float64 and y (N,) int64 labels in 0..K-1 (K = 2, or 3 for 'three').
    """
    if kind not in TOY_RULES:
        raise ValueError(f"kind={kind!r} は未知のデータ種別です。{sorted(TOY_RULES)} のどれかを指定してください")
    _check_count(n)
    _check_noise(noise)
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, size=(n, 2))
    y = TOY_RULES[kind](x)
    return x + rng.normal(0.0, noise, size=x.shape), y


# -- digits ---------------------------------------------------------------------------------------------------
def load_digits_split(test_size=0.25, seed=0):
    """scikit-learn's handwritten digits (1797 images of 8x8 pixels, classes 0-9, shipped with scikit-learn).

    Pixels (0-16) are divided by 16 into [0, 1]; the split is stratified, so each digit keeps its share.
    Returns x_train (N_train, 64), x_test (N_test, 64) float64 and y_train (N_train,), y_test (N_test,) int64.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    if not 0 < test_size < 1:
        raise ValueError(f"test_size は 0 と 1 の間の割合で指定してください (test_size={test_size!r})")
    digits = load_digits()
    x = digits.data.astype(np.float64) / 16.0
    y = digits.target.astype(np.int64)
    return train_test_split(x, y, test_size=test_size, stratify=y, random_state=seed)


# -- a 1-D curve ----------------------------------------------------------------------------------------------
def curve_truth(x):
    """The noiseless curve t = sin(2 pi x) behind `make_curve`, for x of any shape (same shape back)."""
    return np.sin(2.0 * np.pi * np.asarray(x, dtype=np.float64))


def make_curve(n=200, noise=0.1, seed=0):
    """Noisy samples of one period of a sine: x uniform in [0, 1], t = sin(2 pi x) + Gaussian noise.

    Returns x (N, 1) sorted ascending and t (N, 1), both float64.
    """
    _check_count(n)
    _check_noise(noise)
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(0.0, 1.0, size=(n, 1)), axis=0)
    return x, curve_truth(x) + rng.normal(0.0, noise, size=x.shape)


# -- the report's regression data -----------------------------------------------------------------------------
REPORT11_FILE = "report11_train.csv"


def load_report11():
    """The report's training data (レポート課題 11): terrain heights measured at points of a map.

    x[:, 0] = x1 (east-west position, km), x[:, 1] = x2 (north-south position, km), both in [-2, 2];
    t = measured elevation (in units of 100 m), including measurement noise.
    Returns x (N, 2) and t (N, 1), float64. The file was written by the instructor's tools/report11_data.py.
    """
    text = resources.files("backprop_kit").joinpath("data", REPORT11_FILE).read_text(encoding="utf-8")
    lines = text.splitlines()
    header = lines[0].split(",")
    if header[-1] != "t":
        raise ValueError(f"{REPORT11_FILE}: the last column must be t; header is {header}")
    table = np.array([[float(v) for v in line.split(",")] for line in lines[1:] if line], dtype=np.float64)
    return table[:, :-1], table[:, -1:]
