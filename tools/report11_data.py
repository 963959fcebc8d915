"""Instructor-only generator of the report 11 regression data (never shipped in the `backprop` package).

The story told to students: a survey team measured the elevation of a hilly area at scattered points of a map.
    x1: east-west position [km], x2: north-south position [km], both uniform in [-2, 2]
    t : elevation [100 m], measured with Gaussian noise of standard deviation NOISE
The terrain has two peaks of different heights and widths, a shallow basin and a gentle ripple, so the
elevation is a smooth but clearly nonlinear function of (x1, x2): linear least squares explains little of it
(R^2 about 0.1), while a small MLP fits it closely.

What it writes or prints:
    python tools/report11_data.py
        writes lib/backprop/data/report11_train.csv (header x1,x2,t; TRAIN_SIZE rows; seed TRAIN_SEED).
    python tools/report11_data.py --heldout N --seed S
        prints N held-out samples as Python literals `x_heldout = [[x1, x2], ...]` (N x 2) and
        `t_heldout = [[t], ...]` (N x 1, the NOISELESS elevation), plus, as comments, the RMSE that a linear
        least-squares fit and the reference MLP of backprop.demo, both trained on the training set, reach on
        them (to choose a pass threshold). For calibration only: the notebook embeds no held-out data (the
        grader draws its own held-out points at every grading run). Use a seed other than TRAIN_SEED.
    python tools/report11_data.py --check
        checks that the CSV in the package is exactly what this script generates.

The terrain itself lives in backprop.grading.terrain (instructor side; the grader draws fresh held-out points
from it at every grading run), so students cannot evaluate it from the kit they install.
"""
import argparse
import io
import sys
from pathlib import Path

import numpy as np

from backprop.grading.terrain import (HIGH, HILLS, LOW, NOISE, TRAIN_SEED, TRAIN_SIZE,  # noqa: F401
                                     sample_inputs, terrain, training_set)

CSV_PATH = Path(__file__).resolve().parent.parent / "kit" / "src" / "backprop_kit" / "data" / "report11_train.csv"


def csv_text(x, t):
    out = io.StringIO()
    out.write("x1,x2,t\n")
    for row in np.hstack([x, t]):
        out.write(",".join(f"{v:.6f}" for v in row) + "\n")
    return out.getvalue()


def reference_rmses(x_eval, t_eval):
    """RMSE on (x_eval, t_eval) of a linear least-squares fit and of the demo's reference MLP, both trained
    on the whole training set: {'linear': ..., 'mlp': ...}."""
    from backprop import demo

    x, t = training_set()
    net, _ = demo.train(demo.REPORT, x, t, "identity")
    return {"linear": demo.rmse(demo.linear_least_squares(x, t)(x_eval), t_eval),
            "mlp": demo.rmse(net.predict(x_eval), t_eval)}


def print_heldout(n, seed):
    if seed == TRAIN_SEED:
        sys.exit(f"--seed must differ from the training seed {TRAIN_SEED}")
    x = sample_inputs(n, seed)
    t = terrain(x)
    print(f"# report11 held-out set: {n} points, seed {seed}; t is the noiseless elevation")
    reference = reference_rmses(x, t)
    print(f"# RMSE on these points: linear least squares {reference['linear']:.4f}, "
          f"reference MLP (backprop.demo.REPORT) {reference['mlp']:.4f}; "
          f"training noise std {NOISE}; std of t {t.std():.4f}")
    print("x_heldout = " + repr(np.round(x, 6).tolist()))
    print("t_heldout = " + repr(np.round(t, 6).tolist()))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--heldout", type=int, metavar="N", help="print N held-out samples instead")
    parser.add_argument("--seed", type=int, default=2026, help="seed of the held-out inputs")
    parser.add_argument("--check", action="store_true", help="verify the packaged CSV")
    args = parser.parse_args(argv)
    if args.heldout is not None:
        if args.heldout < 1:
            sys.exit("--heldout needs a positive number of samples")
        print_heldout(args.heldout, args.seed)
        return
    text = csv_text(*training_set())
    if args.check:
        if not CSV_PATH.exists() or CSV_PATH.read_text(encoding="utf-8") != text:
            sys.exit(f"{CSV_PATH} differs from what tools/report11_data.py generates")
        print(f"{CSV_PATH} is up to date")
        return
    CSV_PATH.parent.mkdir(parents=True, exist_ok=True)
    CSV_PATH.write_text(text, encoding="utf-8")
    print(f"wrote {CSV_PATH} ({TRAIN_SIZE} rows)")


if __name__ == "__main__":
    main()
