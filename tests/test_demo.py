"""`python -m backprop.demo`: writes its result and learning-curve figure, with sensible numbers."""
import json
import os
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.image  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from backprop import demo  # noqa: E402


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """One run of the command `make demo` runs, into a fresh directory given on the command line
    (the argument becomes demo.main(out_dir)); returns (out_dir, result.json contents, stdout)."""
    out_dir = tmp_path_factory.mktemp("demo") / "nested" / "out"
    done = subprocess.run([sys.executable, "-m", "backprop.demo", str(out_dir)], capture_output=True, text=True,
                          env={**os.environ, "MPLBACKEND": "Agg"}, timeout=300)
    assert done.returncode == 0, done.stderr
    result = json.loads((out_dir / "result.json").read_text(encoding="utf-8"))
    return out_dir, result, done.stdout


def test_writes_result_and_figure(demo_run):
    out_dir, result, _ = demo_run
    assert set(result) == {"digits", "report11"}
    image = matplotlib.image.imread(out_dir / "learning_curves.png")
    assert image.shape[0] > 200 and image.shape[1] > 400
    assert np.std(image[..., :3]) > 0.05            # something is drawn, not a blank canvas


def test_prints_where_it_wrote(demo_run):
    out_dir, result, stdout = demo_run
    assert str(out_dir / "result.json") in stdout and str(out_dir / "learning_curves.png") in stdout
    assert f"{result['digits']['test_accuracy']:.3f}" in stdout


def test_digits_accuracy(demo_run):
    digits = demo_run[1]["digits"]
    assert digits["test_accuracy"] >= 0.95
    assert digits["n_test"] == 450


def test_report11_mlp_beats_linear_baseline(demo_run):
    report = demo_run[1]["report11"]
    assert report["mlp_rmse"] < 0.4 * report["linear_rmse"]
    assert report["n_fit"] + report["n_check"] == 400


def test_rmse_and_linear_least_squares():
    x = np.linspace(-1, 1, 20)[:, None]
    t = 3 * x - 2
    assert demo.rmse(demo.linear_least_squares(x, t)(x), t) < 1e-12
    assert demo.rmse(np.zeros(4), np.full((4, 1), 2.0)) == pytest.approx(2.0)


def test_report11_split_is_disjoint_and_complete():
    x_fit, t_fit, x_check, t_check = demo.split_report11()
    assert len(x_fit) == 300 and len(x_check) == 100 and t_fit.shape == (300, 1) and t_check.shape == (100, 1)
    rows = {tuple(r) for r in np.vstack([x_fit, x_check])}
    assert len(rows) == 400
