"""Plotting helpers: each runs headless, draws what it says, and every Japanese glyph comes from IPAexGothic."""
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.font_manager import FontProperties, findfont  # noqa: E402
from matplotlib.ft2font import FT2Font  # noqa: E402
from sklearn.metrics import confusion_matrix  # noqa: E402

from backprop_kit import plotting  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def vertical_split(z):
    """A stand-in classifier for 2-D points (M, 2): class 1 right of x1 = 0."""
    return (z[:, 0] > 0).astype(int)


def linear_model(z):
    return 2.0 * z[:, :1] - 1.0


TOY_X = np.random.default_rng(0).uniform(-1, 1, size=(60, 2))
TOY_Y = vertical_split(TOY_X)
HISTORY = {"loss": [1.0, 0.5, 0.3], "val_loss": [1.1, 0.7, 0.6], "val_accuracy": [0.5, 0.8, 0.9]}
CURVE_X = np.linspace(0, 1, 30)[:, None]
DIGITS = np.random.default_rng(1).uniform(0, 1, size=(10, 64))
DIGIT_LABELS = np.arange(10)

# name -> draw(ax): each call draws on ax (None: a new figure) and returns the Axes
DRAWINGS = {
    "points": lambda ax: plotting.plot_points(TOY_X, TOY_Y, ax=ax),
    "decision_regions": lambda ax: plotting.plot_decision_regions(vertical_split, TOY_X, TOY_Y, ax=ax),
    "learning_curves": lambda ax: plotting.plot_learning_curves(HISTORY, ax=ax),
    "gradient_norms": lambda ax: plotting.plot_gradient_norms({"sigmoid": [1e-6, 1e-3, 1.0], "relu": [1, 2, 1]},
                                                              ax=ax),
    "regression": lambda ax: plotting.plot_regression(CURVE_X, linear_model(CURVE_X), linear_model,
                                                      truth=linear_model, ax=ax),
    "regression_map": lambda ax: plotting.plot_regression_map(TOY_X, TOY_X.sum(axis=1), lambda z: z.sum(axis=1),
                                                              ax=ax),
    "parity": lambda ax: plotting.plot_parity(np.arange(5.0), np.arange(5.0) + 0.1, ax=ax),
    "confusion_matrix": lambda ax: plotting.plot_confusion_matrix(
        confusion_matrix(TOY_Y, vertical_split(TOY_X + 0.1)), ax=ax),
    "digits": lambda ax: plotting.plot_digits(DIGITS, DIGIT_LABELS, predicted=DIGIT_LABELS[::-1], ncols=5,
                                              axes=ax)[0],
}


def is_japanese(char):
    return ord(char) >= 0x3000          # kana, kanji and full-width forms


@pytest.mark.parametrize("name", sorted(DRAWINGS))
def test_draws_headless_with_japanese_glyphs_from_ipaexgothic(name):
    ax = DRAWINGS[name](None)
    fig = ax.figure
    with warnings.catch_warnings():
        warnings.simplefilter("error")              # "Glyph ... missing from font(s)" would raise here
        fig.canvas.draw()
    assert matplotlib.get_backend().lower() == "agg"
    japanese_texts = [t for t in fig.findobj(matplotlib.text.Text) if any(map(is_japanese, t.get_text()))]
    assert japanese_texts, "every plot carries Japanese labels by default"
    for text in japanese_texts:
        path = findfont(text.get_fontproperties(), fallback_to_default=False)
        assert FontProperties(fname=path).get_name() == plotting.JAPANESE_FONT
        charmap = FT2Font(path).get_charmap()
        missing = [c for c in text.get_text() if is_japanese(c) and ord(c) not in charmap]
        assert not missing, f"{text.get_text()!r}: no glyph for {missing}"


@pytest.mark.parametrize("name", sorted(DRAWINGS))
def test_draws_on_the_given_axes(name):
    fig, axes = plt.subplots(2, 5)
    given = axes if name == "digits" else axes[0, 0]
    assert DRAWINGS[name](given) is axes[0, 0]
    assert len(plt.get_fignums()) == 1              # no other figure was opened


def test_decision_regions_colour_the_plane_by_the_prediction():
    ax = plotting.plot_decision_regions(vertical_split, TOY_X, TOY_Y)
    assert len(ax.collections) >= 3                 # filled regions + one scatter per class
    scatters = [c for c in ax.collections if isinstance(c, matplotlib.collections.PathCollection)]
    assert sorted(len(s.get_offsets()) for s in scatters) == sorted(np.bincount(TOY_Y))
    # probabilities (M, K) are accepted in place of labels
    plotting.plot_decision_regions(lambda z: np.eye(2)[vertical_split(z)], TOY_X, TOY_Y)


def test_points_one_colour_per_class():
    ax = plotting.plot_points(TOY_X, TOY_Y)
    for k, scatter in enumerate(ax.collections):
        assert matplotlib.colors.same_color(scatter.get_facecolor()[0], plotting.CLASS_COLORS(k))
        assert len(scatter.get_offsets()) == np.sum(TOY_Y == k)
    with pytest.raises(ValueError, match="個数"):
        plotting.plot_points(TOY_X, TOY_Y[:-1])


def test_decision_regions_reject_3d_points():
    with pytest.raises(ValueError, match="N, 2"):
        plotting.plot_decision_regions(vertical_split, np.zeros((5, 3)), np.zeros(5, int))


def test_learning_curves_plot_each_record():
    ax = plotting.plot_learning_curves(HISTORY, log_scale=True)
    assert ax.get_yscale() == "log"
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), HISTORY["loss"])
    np.testing.assert_array_equal(ax.lines[1].get_ydata(), HISTORY["val_loss"])
    twins = [a for a in ax.figure.axes if a is not ax]
    assert len(twins) == 1 and twins[0].lines[0].get_ydata().tolist() == HISTORY["val_accuracy"]
    assert len(ax.get_legend().get_texts()) == 3


def test_learning_curves_need_a_loss():
    with pytest.raises(ValueError, match="loss"):
        plotting.plot_learning_curves({"val_loss": [1.0]})


def test_gradient_norms_on_a_log_scale_one_line_per_setting():
    norms = {"sigmoid": [1e-6, 1e-3, 1.0], "relu": [0.5, 1.0, 2.0]}
    ax = plotting.plot_gradient_norms(norms)
    assert ax.get_yscale() == "log"
    assert [line.get_label() for line in ax.lines] == list(norms)
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), norms["sigmoid"])


@pytest.mark.parametrize("bad", [{}, {"relu": [1.0, 0.0]}, {"relu": [[1.0]]}])
def test_gradient_norms_bad_input(bad):
    with pytest.raises(ValueError, match="norms"):
        plotting.plot_gradient_norms(bad)


def test_regression_draws_data_truth_and_prediction():
    x = CURVE_X
    ax = plotting.plot_regression(x, np.sin(x), linear_model, truth=np.sin)
    assert len(ax.lines) == 2                       # truth and prediction
    truth_line, prediction_line = ax.lines
    np.testing.assert_allclose(prediction_line.get_ydata(), 2 * prediction_line.get_xdata() - 1)
    np.testing.assert_allclose(truth_line.get_ydata(), np.sin(truth_line.get_xdata()))
    assert len(ax.collections[0].get_offsets()) == len(x)


def test_regression_points_multidimensional_inputs_elsewhere():
    with pytest.raises(ValueError, match="plot_parity"):
        plotting.plot_regression(TOY_X, TOY_Y, vertical_split)


def test_regression_map_has_a_colour_bar_and_the_data():
    ax = plotting.plot_regression_map(TOY_X, TOY_X.sum(axis=1), lambda z: z.sum(axis=1))
    assert len(ax.figure.axes) == 2                 # the map and its colour bar
    scatters = [c for c in ax.collections if isinstance(c, matplotlib.collections.PathCollection)]
    assert len(scatters[0].get_offsets()) == len(TOY_X)


def test_parity_rejects_different_lengths():
    with pytest.raises(ValueError, match="個数"):
        plotting.plot_parity([1.0, 2.0], [1.0])


def test_digits_titles_show_labels_and_mark_errors_red():
    predicted = DIGIT_LABELS.copy()
    predicted[3] = 8
    axes = plotting.plot_digits(DIGITS, DIGIT_LABELS, predicted=predicted, ncols=4)
    assert axes.size == 12                          # 3 rows of 4, two left empty
    assert "予測 8" in axes[3].get_title() and "正解 3" in axes[3].get_title()
    assert matplotlib.colors.same_color(axes[3].title.get_color(), "tab:red")
    assert matplotlib.colors.same_color(axes[2].title.get_color(), "black")
    assert not axes[11].images


@pytest.mark.parametrize("images", [np.zeros((3, 63)), np.zeros((3, 4, 4))])
def test_digits_bad_images(images):
    with pytest.raises(ValueError, match="images"):
        plotting.plot_digits(images, [0, 1, 2])


def test_confusion_matrix_shows_the_counts_it_is_given():
    """The plot draws the student's own matrix (11_03's 課題4), not one it computes: a transposed matrix is shown
    transposed."""
    rng = np.random.default_rng(3)
    C = confusion_matrix(rng.integers(0, 4, 200), rng.integers(0, 4, 200))
    for shown_matrix in (C, C.T):
        ax = plotting.plot_confusion_matrix(shown_matrix)
        cells = {(round(t.get_position()[1]), round(t.get_position()[0])): int(t.get_text()) for t in ax.texts}
        assert cells == {(i, j): int(shown_matrix[i, j]) for i in range(4) for j in range(4)}
    assert not hasattr(plotting, "confusion_counts")


@pytest.mark.parametrize("bad", [np.zeros((2, 3)), np.zeros(4), [[1, 2], [3, np.nan]], [["a", "b"], ["c", "d"]]])
def test_confusion_matrix_must_be_a_square_matrix_of_counts(bad):
    with pytest.raises(ValueError, match="混同行列"):
        plotting.plot_confusion_matrix(bad)
