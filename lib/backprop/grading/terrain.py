"""The true terrain behind report11's data (instructor only: never in the student kit, never in a kernel).

The story told to students: a survey team measured the elevation of a hilly area at scattered points of a map.
    x1: east-west position [km], x2: north-south position [km], both uniform in [LOW, HIGH]
    t : elevation [100 m], measured with Gaussian noise of standard deviation NOISE
Two peaks of different heights and widths, a shallow basin and a gentle ripple: a smooth but clearly nonlinear
function of (x1, x2) that linear least squares explains little of, while a small MLP fits it closely.

tools/report11_data.py writes the training CSV shipped in the kit from `training_set()`; the grader draws its
held-out points with `heldout(rng, n)` afresh for every grading run, so no held-out point exists anywhere else.
"""
import numpy as np

TRAIN_SEED = 11
TRAIN_SIZE = 400
NOISE = 0.05
LOW, HIGH = -2.0, 2.0

# (height, centre x1, centre x2, width): Gaussian hills (negative height: a basin)
HILLS = [(1.6, 0.7, 0.5, 0.6), (1.0, -0.9, -0.8, 0.45), (-0.6, -0.6, 1.1, 0.5)]


def terrain(x):
    """Noiseless elevation [100 m] at map points x (N, 2) [km] -> (N, 1)."""
    x = np.asarray(x, dtype=np.float64)
    height = 0.15 * np.sin(1.7 * x[:, 0]) * np.cos(1.3 * x[:, 1])
    for h, c1, c2, width in HILLS:
        height = height + h * np.exp(-((x[:, 0] - c1) ** 2 + (x[:, 1] - c2) ** 2) / (2 * width**2))
    return height[:, None]


def sample_inputs(n, seed):
    """n map points (n, 2), uniform in [LOW, HIGH]^2, from a seed."""
    return np.random.default_rng(seed).uniform(LOW, HIGH, size=(n, 2))


def training_set():
    """The training data: x (TRAIN_SIZE, 2), noisy t (TRAIN_SIZE, 1) (the kit's report11_train.csv)."""
    x = sample_inputs(TRAIN_SIZE, TRAIN_SEED)
    noise = np.random.default_rng(TRAIN_SEED + 1).normal(0.0, NOISE, size=(TRAIN_SIZE, 1))
    return x, terrain(x) + noise


def heldout(rng, n):
    """n fresh map points drawn from rng (n, 2) and their NOISELESS elevations (n, 1)."""
    x = rng.uniform(LOW, HIGH, size=(n, 2))
    return x, terrain(x)
