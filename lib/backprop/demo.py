"""`python -m backprop.demo` (what `make demo` runs): train the reference MLP on the course's two tasks.

1. Digits (classification): a 64-30-10 sigmoid network, plain SGD; test accuracy on a stratified split.
2. Report 11 data (regression): a 2-40-40-1 ReLU network with Adam; RMSE on a held-back quarter of the
   training CSV, next to the RMSE of a linear least-squares fit, which cannot follow the terrain.

Writes OUT_DIR/result.json and OUT_DIR/learning_curves.png (Japanese labels) and prints where they are.
Takes about a second.
"""
import json
import sys
import time
from pathlib import Path

import numpy as np

from backprop_kit import datasets
from .mlp import MLP

DEFAULT_OUT_DIR = Path("build") / "demo"
DIGITS = dict(sizes=[64, 30, 10], hidden="sigmoid", epochs=50, lr=0.5, batch_size=32, optimizer="sgd")
REPORT = dict(sizes=[2, 40, 40, 1], hidden="relu", epochs=500, lr=0.01, batch_size=32, optimizer="adam")
SEED = 0


def rmse(prediction, t):
    """Root mean squared error between (N, K) arrays (or (N,) with (N, 1))."""
    prediction, t = np.asarray(prediction, dtype=np.float64), np.asarray(t, dtype=np.float64)
    return float(np.sqrt(np.mean((prediction.reshape(t.shape) - t) ** 2)))


def linear_least_squares(x, t):
    """Fit t ~ x A + c by least squares on x (N, D), t (N, K); returns predict(x (M, D)) -> (M, K)."""
    def with_ones(z):
        return np.hstack([z, np.ones((z.shape[0], 1))])

    coef, *_ = np.linalg.lstsq(with_ones(x), t, rcond=None)
    return lambda z: with_ones(np.asarray(z, dtype=np.float64)) @ coef


def split_report11(fraction_held_out=0.25, seed=SEED):
    """The report CSV split at random into (x_fit, t_fit, x_check, t_check): (N_fit, 2), (N_fit, 1), ..."""
    x, t = datasets.load_report11()
    order = np.random.default_rng(seed).permutation(x.shape[0])
    n_check = int(round(fraction_held_out * x.shape[0]))
    check, fit = order[:n_check], order[n_check:]
    return x[fit], t[fit], x[check], t[check]


def train(config, x, t, output, validation=None):
    """An MLP built and trained as `config` (DIGITS or REPORT) says, with seed SEED: (net, fit history)."""
    net = MLP(config["sizes"], hidden=config["hidden"], output=output, seed=SEED)
    history = net.fit(x, t, epochs=config["epochs"], lr=config["lr"], batch_size=config["batch_size"],
                      optimizer=config["optimizer"], seed=SEED, validation=validation)
    return net, history


def run_digits():
    """Train on the digits: (summary dict, fit history)."""
    start = time.perf_counter()
    x_train, x_test, y_train, y_test = datasets.load_digits_split(seed=SEED)
    net, history = train(DIGITS, x_train, y_train, "softmax", (x_test, y_test))
    summary = dict(DIGITS, test_accuracy=net.accuracy(x_test, y_test), n_train=len(x_train),
                   n_test=len(x_test), seconds=round(time.perf_counter() - start, 3))
    return summary, history


def run_report11():
    """Train on the report data against a linear baseline: (summary dict, fit history)."""
    start = time.perf_counter()
    x_fit, t_fit, x_check, t_check = split_report11()
    net, history = train(REPORT, x_fit, t_fit, "identity", (x_check, t_check))
    linear = linear_least_squares(x_fit, t_fit)
    summary = dict(REPORT, mlp_rmse=rmse(net.predict(x_check), t_check),
                   linear_rmse=rmse(linear(x_check), t_check), n_fit=len(x_fit), n_check=len(x_check),
                   seconds=round(time.perf_counter() - start, 3))
    return summary, history


def save_learning_curves(histories, path):
    """One learning-curve panel per task, losses on a log scale: histories = {title: fit history}."""
    from backprop_kit import plotting

    plotting.use_headless_backend()
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(histories), figsize=(5.5 * len(histories), 4))
    for ax, (title, history) in zip(np.ravel(axes), histories.items()):
        plotting.plot_learning_curves(history, ax=ax, log_scale=True, title=title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(out_dir=DEFAULT_OUT_DIR):
    """Run both tasks, write result.json and learning_curves.png into out_dir; returns the result dict."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    digits, digits_history = run_digits()
    report, report_history = run_report11()
    result = {"digits": digits, "report11": report}
    result_path, figure_path = out_dir / "result.json", out_dir / "learning_curves.png"
    result_path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    save_learning_curves({"手書き数字の識別 (交差エントロピー)": digits_history,
                          "レポート課題データの回帰 (二乗誤差)": report_history}, figure_path)
    print(f"digits: test accuracy {digits['test_accuracy']:.3f} ({digits['seconds']} s)")
    print(f"report11: RMSE {report['mlp_rmse']:.4f} (MLP) vs {report['linear_rmse']:.4f} (linear least squares)"
          f" ({report['seconds']} s)")
    print(f"wrote {result_path} and {figure_path}")
    return result


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_OUT_DIR)
