"""Datasets: shapes, ranges, determinism per seed, stratification, and the report data's nonlinearity."""
import importlib.util
from pathlib import Path

import numpy as np
import pytest

from sklearn.linear_model import LogisticRegression

from backprop import MLP
from backprop_kit import datasets
from backprop.demo import linear_least_squares, rmse, run_report11

ROOT = Path(__file__).resolve().parent.parent
TOY_KINDS = sorted(datasets.TOY_RULES)


def load_tool():
    """The instructor-only generator tools/report11_data.py, imported as a module."""
    spec = importlib.util.spec_from_file_location("report11_data", ROOT / "tools" / "report11_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# -- toy sets -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", TOY_KINDS)
def test_toy_shapes_labels_and_determinism(kind):
    x, y = datasets.make_toy(kind, n=150, seed=3)
    assert x.shape == (150, 2) and x.dtype == np.float64
    assert y.shape == (150,) and np.issubdtype(y.dtype, np.integer)
    assert set(np.unique(y)) == set(range(datasets.TOY_CLASSES[kind]))   # every class occurs
    x2, y2 = datasets.make_toy(kind, n=150, seed=3)
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)
    x3, _ = datasets.make_toy(kind, n=150, seed=4)
    assert not np.array_equal(x, x3)


@pytest.mark.parametrize("kind", TOY_KINDS)
def test_toy_without_noise_follows_its_rule_and_fills_the_square(kind):
    x, y = datasets.make_toy(kind, n=400, noise=0.0, seed=0)
    assert np.all(np.abs(x) <= 1.0)
    np.testing.assert_array_equal(y, datasets.TOY_RULES[kind](x))


def test_corner_is_the_and_of_two_boundary_lines():
    x, y = datasets.make_toy("corner", n=500, noise=0.0, seed=1)
    flags = (x[:, 0] > datasets.CORNER_A) & (x[:, 1] > datasets.CORNER_B)
    np.testing.assert_array_equal(y == 1, flags)


@pytest.mark.parametrize("kind", TOY_KINDS)
def test_toy_sets_need_a_hidden_layer(kind):
    """The best linear classifier (logistic regression, weak regularisation) misclassifies a clear share,
    while a network with one small hidden layer separates the classes almost perfectly."""
    x, y = datasets.make_toy(kind, n=400, noise=0.0, seed=2)
    linear = LogisticRegression(C=1e4, max_iter=5000).fit(x, y)
    assert linear.score(x, y) < 0.93
    net = MLP([2, 8, datasets.TOY_CLASSES[kind]], seed=0)
    net.fit(x, y, epochs=200, lr=0.05, optimizer="adam", seed=0)
    assert net.accuracy(x, y) >= 0.97


def test_toy_noise_moves_points():
    x0, _ = datasets.make_toy("xor", n=300, noise=0.0, seed=5)
    x1, _ = datasets.make_toy("xor", n=300, noise=0.2, seed=5)
    assert 0.1 < np.std(x1 - x0) < 0.3


@pytest.mark.parametrize("bad", [dict(kind="circle"), dict(n=0), dict(n=2.5), dict(noise=-1.0),
                                 dict(noise="0.1")])
def test_toy_bad_arguments_are_named(bad):
    with pytest.raises(ValueError, match=list(bad)[0]):
        datasets.make_toy(**{"kind": "xor", **bad})


def test_unknown_kind_lists_the_known_ones():
    with pytest.raises(ValueError, match="corner"):
        datasets.make_toy("spiral")


# -- digits ---------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def digits():
    return datasets.load_digits_split(test_size=0.25, seed=0)


def test_digits_shapes_and_range(digits):
    x_train, x_test, y_train, y_test = digits
    assert x_train.shape[1] == x_test.shape[1] == 64
    assert len(x_train) + len(x_test) == 1797 and len(x_test) == 450
    assert y_train.shape == (len(x_train),) and y_test.shape == (len(x_test),)
    for x in (x_train, x_test):
        assert x.dtype == np.float64 and x.min() == 0.0 and x.max() == 1.0
    assert set(np.unique(y_test)) == set(range(10))


def test_digits_split_is_stratified(digits):
    _, _, y_train, y_test = digits
    share_train = np.bincount(y_train, minlength=10) / len(y_train)
    share_test = np.bincount(y_test, minlength=10) / len(y_test)
    np.testing.assert_allclose(share_train, share_test, atol=0.005)


def test_digits_split_depends_on_seed_only(digits):
    again = datasets.load_digits_split(test_size=0.25, seed=0)
    other = datasets.load_digits_split(test_size=0.25, seed=1)
    for a, b in zip(digits, again):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(digits[1], other[1])


def test_digits_bad_test_size():
    with pytest.raises(ValueError, match="test_size"):
        datasets.load_digits_split(test_size=1.5)


# -- 1-D curve ------------------------------------------------------------------------------------------------
def test_curve_shapes_noise_and_truth():
    x, t = datasets.make_curve(n=500, noise=0.1, seed=0)
    assert x.shape == t.shape == (500, 1)
    assert np.all((0 <= x) & (x <= 1)) and np.all(np.diff(x[:, 0]) >= 0)
    residual = t - datasets.curve_truth(x)
    assert 0.08 < residual.std() < 0.12
    assert datasets.curve_truth(np.array([0.25, 0.75])) == pytest.approx([1.0, -1.0])
    np.testing.assert_array_equal(t, datasets.make_curve(n=500, noise=0.1, seed=0)[1])


def test_curve_bad_arguments():
    with pytest.raises(ValueError, match="noise"):
        datasets.make_curve(noise=float("nan"))
    with pytest.raises(ValueError, match="n"):
        datasets.make_curve(n=-3)


# -- report 11 data -------------------------------------------------------------------------------------------
def test_report11_shapes_and_values():
    x, t = datasets.load_report11()
    assert x.shape == (400, 2) and t.shape == (400, 1)
    assert x.dtype == t.dtype == np.float64
    assert np.all(np.isfinite(x)) and np.all(np.isfinite(t))
    assert np.all((-2 <= x) & (x <= 2))
    assert t.std() > 0.3                                   # the terrain varies well above the noise (0.05)


def test_report11_csv_is_what_the_tool_generates():
    """The packaged CSV was written by tools/report11_data.py and not edited by hand."""
    tool = load_tool()
    x, t = tool.training_set()
    x_csv, t_csv = datasets.load_report11()
    np.testing.assert_allclose(x_csv, x, atol=1e-6)
    np.testing.assert_allclose(t_csv, t, atol=1e-6)


def test_report11_heldout_comes_from_the_same_terrain_without_noise():
    tool = load_tool()
    x = tool.sample_inputs(50, seed=2026)
    assert not np.allclose(x, tool.sample_inputs(50, seed=tool.TRAIN_SEED))
    x_train, t_train = datasets.load_report11()
    residual = t_train - tool.terrain(x_train)
    assert residual.std() == pytest.approx(tool.NOISE, rel=0.2)


def test_report11_heldout_printout_is_python(capsys):
    tool = load_tool()
    tool.main(["--heldout", "5", "--seed", "7"])
    names = {}
    exec(capsys.readouterr().out, {}, names)               # the printout is pasted into a hidden test cell
    assert np.array(names["x_heldout"]).shape == (5, 2)
    np.testing.assert_allclose(names["t_heldout"], tool.terrain(np.array(names["x_heldout"])), atol=2e-6)


def test_package_does_not_ship_the_generator():
    package = Path(datasets.__file__).parent
    for path in package.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "HILLS" not in text and "def terrain" not in text, path


@pytest.fixture(scope="module")
def report_run():
    return run_report11()[0]


def test_linear_model_cannot_fit_report11():
    x, t = datasets.load_report11()
    r_squared = 1 - rmse(linear_least_squares(x, t)(x), t) ** 2 / t.var()
    assert r_squared < 0.2


def test_mlp_beats_linear_least_squares_on_report11(report_run):
    assert report_run["mlp_rmse"] < 0.4 * report_run["linear_rmse"]
    assert report_run["mlp_rmse"] < 0.1                     # close to the noise level 0.05
