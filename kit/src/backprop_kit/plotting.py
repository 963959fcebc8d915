"""Plots for the lessons, labelled in Japanese (glyphs from IPAexGothic via matplotlib-fontja).

Every function draws on the Axes `ax` it is given (or on a new figure's Axes) and returns that Axes;
`plot_digits` draws on a grid and returns the array of Axes. Titles and labels can be overridden by keyword.
On a machine without a display (tests, CI, `make demo`) set MPLBACKEND=Agg; `use_headless_backend()` does so.
"""
import matplotlib
import matplotlib.pyplot as plt
import matplotlib_fontja  # noqa: F401  (registers IPAexGothic and makes it the default font family)
import numpy as np

JAPANESE_FONT = "IPAexGothic"
CLASS_COLORS = plt.get_cmap("tab10")    # class k is drawn in colour CLASS_COLORS(k), in every plot


def use_headless_backend():
    """Switch matplotlib to the non-interactive Agg backend (for scripts writing PNG files)."""
    matplotlib.use("Agg")


def _axes(ax, figsize=(5, 4)):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def _as_2d_points(x):
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != 2:
        raise ValueError(f"x は (N, 2) の2次元データにしてください (形状 {x.shape})")
    return x


def _as_class_labels(y, name="y"):
    y = np.asarray(y)
    if y.ndim == 2:                      # probabilities or one-hot (N, K) -> labels (N,)
        y = np.argmax(y, axis=1)
    if y.ndim != 1:
        raise ValueError(f"{name} はクラスラベル (N,) か確率 (N, K) にしてください (形状 {y.shape})")
    return y.astype(np.int64)


def plot_points(x, y, ax=None, title="データ", xlabel="$x_1$", ylabel="$x_2$"):
    """Scatter 2-D points x (N, 2) coloured by their integer class labels y (N,), one legend entry per class."""
    x = _as_2d_points(x)
    y = _as_class_labels(y)
    if y.shape[0] != x.shape[0]:
        raise ValueError(f"x と y の個数が違います ({x.shape[0]} と {y.shape[0]})")
    ax = _axes(ax)
    for k in np.unique(y):
        ax.scatter(*x[y == k].T, s=14, color=CLASS_COLORS(k), edgecolors="k", linewidths=0.3, label=f"クラス {k}")
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    ax.legend(loc="best", fontsize="small")
    return ax


def plot_decision_regions(predict, x, y, ax=None, resolution=200, margin=0.2,
                          title="識別境界", xlabel="$x_1$", ylabel="$x_2$"):
    """Colour the plane by the class `predict` gives, and scatter the data on top.

    predict: maps points (M, 2) to labels (M,) or class probabilities (M, K), e.g. `net.predict`.
    x: (N, 2) points; y: (N,) integer labels.
    """
    x = _as_2d_points(x)
    y = _as_class_labels(y)
    ax = _axes(ax)
    lo, hi = x.min(axis=0) - margin, x.max(axis=0) + margin
    g1, g2 = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
    regions = _as_class_labels(predict(np.column_stack([g1.ravel(), g2.ravel()])), "predict の出力")
    n_classes = int(max(regions.max(), y.max())) + 1
    ax.contourf(g1, g2, regions.reshape(g1.shape), levels=np.arange(n_classes + 1) - 0.5,
                colors=[CLASS_COLORS(k) for k in range(n_classes)], alpha=0.25)
    return plot_points(x, y, ax=ax, title=title, xlabel=xlabel, ylabel=ylabel)


def plot_learning_curves(history, ax=None, log_scale=False, title="学習曲線", xlabel="エポック", ylabel="損失"):
    """Loss per epoch from an `MLP.fit` history: 'loss' (training) and, if present, 'val_loss'
    (on a log scale with log_scale=True). A 'val_accuracy' list is drawn on a second y axis (right).
    Returns the loss Axes."""
    if "loss" not in history or len(history["loss"]) == 0:
        raise ValueError("history に 'loss' の記録がありません (MLP.fit の戻り値を渡してください)")
    ax = _axes(ax)
    epochs = np.arange(1, len(history["loss"]) + 1)
    ax.plot(epochs, history["loss"], label="訓練データの損失")
    if history.get("val_loss"):
        ax.plot(epochs, history["val_loss"], label="検証データの損失")
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel, yscale="log" if log_scale else "linear")
    handles, labels = ax.get_legend_handles_labels()
    if history.get("val_accuracy"):
        right = ax.twinx()
        right.plot(epochs, history["val_accuracy"], color="tab:green", linestyle="--", label="検証データの正解率")
        right.set(ylabel="正解率", ylim=(0, 1.02))
        more_handles, more_labels = right.get_legend_handles_labels()
        handles, labels = handles + more_handles, labels + more_labels
    ax.legend(handles, labels, loc="center right", fontsize="small")
    return ax


def plot_gradient_norms(norms, ax=None, title="層ごとの勾配の大きさ", xlabel="層 $l$",
                        ylabel=r"$\|\partial L / \partial W^l\|$"):
    """Per-layer gradient norms on a log scale, one line per setting.

    norms: {name: [||dL/dW^1||, ..., ||dL/dW^L||]}, e.g. {'sigmoid': [...], 'relu': [...]}.
    """
    if not norms:
        raise ValueError("norms が空です: {'名前': [第1層, 第2層, ...]} の形で渡してください")
    ax = _axes(ax)
    for name, values in norms.items():
        values = np.asarray(values, dtype=np.float64)
        if values.ndim != 1 or np.any(values <= 0):
            raise ValueError(f"norms[{name!r}] は正の数の1次元の並びにしてください")
        ax.plot(np.arange(1, values.size + 1), values, marker="o", label=name)
    ax.set_yscale("log")
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    ax.legend(loc="best", fontsize="small")
    return ax


def plot_regression(x, t, predict, truth=None, ax=None, title="回帰の結果", xlabel="$x$", ylabel="$t$"):
    """Data points and the model's prediction for 1-D inputs.

    x: (N, 1) inputs; t: (N, 1) or (N,) targets; predict: maps (M, 1) -> (M, 1) or (M,), e.g. `net.predict`;
    truth: optional noiseless function with the same signature, drawn dashed.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != 1:
        raise ValueError(f"plot_regression は1次元入力 x (N, 1) 用です (形状 {x.shape})。"
                         "多次元入力には plot_parity を使ってください")
    ax = _axes(ax)
    grid = np.linspace(x.min(), x.max(), 400)[:, None]
    ax.scatter(x[:, 0], np.ravel(t), s=10, color="tab:gray", alpha=0.7, label="データ")
    if truth is not None:
        ax.plot(grid[:, 0], np.ravel(truth(grid)), "k--", linewidth=1, label="真の関数")
    ax.plot(grid[:, 0], np.ravel(predict(grid)), color="tab:red", linewidth=2, label="予測")
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    ax.legend(loc="best", fontsize="small")
    return ax


def plot_regression_map(x, t, predict, ax=None, resolution=100, title="予測した値の地図",
                        xlabel="$x_1$", ylabel="$x_2$", colorbar_label="$t$"):
    """For 2-D inputs: the model's prediction as a coloured map, with the data points coloured by their
    targets on the same colour scale (a point that stands out from its background is badly fitted).
    x: (N, 2); t: (N, 1) or (N,); predict: maps (M, 2) -> (M, 1) or (M,)."""
    x = _as_2d_points(x)
    t = np.ravel(t)
    ax = _axes(ax)
    g1, g2 = np.meshgrid(np.linspace(x[:, 0].min(), x[:, 0].max(), resolution),
                         np.linspace(x[:, 1].min(), x[:, 1].max(), resolution))
    surface = np.ravel(predict(np.column_stack([g1.ravel(), g2.ravel()]))).reshape(g1.shape)
    norm = matplotlib.colors.Normalize(min(t.min(), surface.min()), max(t.max(), surface.max()))
    filled = ax.contourf(g1, g2, surface, levels=20, cmap="viridis", norm=norm)
    ax.scatter(x[:, 0], x[:, 1], c=t, cmap="viridis", norm=norm, s=14, edgecolors="w", linewidths=0.4)
    ax.figure.colorbar(filled, ax=ax, label=colorbar_label)
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    return ax


def plot_parity(t, prediction, ax=None, title="予測値と目標値", xlabel="目標値 $t$", ylabel="予測値 $h^L$"):
    """Predicted against true values (any input dimension): points on the diagonal are perfect predictions.
    t, prediction: (N, 1) or (N,)."""
    t, prediction = np.ravel(t), np.ravel(prediction)
    if t.shape != prediction.shape:
        raise ValueError(f"t と prediction の個数が違います ({t.size} と {prediction.size})")
    ax = _axes(ax, figsize=(4, 4))
    lo, hi = min(t.min(), prediction.min()), max(t.max(), prediction.max())
    ax.plot([lo, hi], [lo, hi], "k--", linewidth=1, label="予測値 = 目標値")
    ax.scatter(t, prediction, s=10, alpha=0.7, label="サンプル")
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel, aspect="equal")
    ax.legend(loc="best", fontsize="small")
    return ax


def plot_digits(images, labels, predicted=None, ncols=8, axes=None, title="手書き数字"):
    """A grid of 8x8 digit images with their labels (and predictions: wrong ones in red).

    images: (N, 64) or (N, 8, 8); labels: (N,) ints; predicted: optional (N,) ints.
    axes: optional array of at least N Axes. Returns the array of Axes.
    """
    images = np.asarray(images, dtype=np.float64)
    if images.ndim == 2 and images.shape[1] == 64:
        images = images.reshape(-1, 8, 8)
    if images.ndim != 3 or images.shape[1:] != (8, 8):
        raise ValueError(f"images は (N, 64) か (N, 8, 8) にしてください (形状 {images.shape})")
    labels = np.asarray(labels)
    if labels.shape != (images.shape[0],):
        raise ValueError(f"labels は画像と同じ個数 ({images.shape[0]}) の (N,) にしてください")
    n = images.shape[0]
    if axes is None:
        nrows = -(-n // ncols)
        fig, axes = plt.subplots(nrows, ncols, figsize=(1.1 * ncols, 1.3 * nrows + 0.4), squeeze=False)
        fig.suptitle(title)
    axes = np.ravel(axes)
    if axes.size < n:
        raise ValueError(f"{n} 枚の画像に Axes が {axes.size} 個しかありません")
    for i, ax in enumerate(axes):
        ax.set_axis_off()
        if i >= n:
            continue
        ax.imshow(images[i], cmap="gray_r", vmin=0, vmax=images.max() or 1)
        if predicted is None:
            ax.set_title(f"正解 {labels[i]}", fontsize="small")
        else:
            wrong = np.asarray(predicted)[i] != labels[i]
            ax.set_title(f"正解 {labels[i]} / 予測 {predicted[i]}", fontsize="x-small",
                         color="tab:red" if wrong else "black")
    return axes


def plot_confusion_matrix(C, ax=None, title="混同行列", xlabel="予測したクラス", ylabel="正解のクラス"):
    """Draw a confusion matrix C (K, K) computed beforehand (C[i, j]: samples of true class i predicted as j),
    with the count in each cell."""
    counts = np.asarray(C)
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1] or counts.shape[0] == 0:
        raise ValueError(f"混同行列 C は (K, K) の正方行列にしてください (形状 {counts.shape})")
    if not np.issubdtype(counts.dtype, np.number) or not np.all(np.isfinite(counts)):
        raise ValueError("混同行列 C の成分は数（サンプル数）にしてください")
    ax = _axes(ax, figsize=(5, 5))
    ax.imshow(counts, cmap="Blues")
    k = counts.shape[0]
    for i in range(k):
        for j in range(k):
            dark = counts[i, j] > counts.max() / 2
            ax.text(j, i, f"{counts[i, j]:g}", ha="center", va="center", fontsize="small",
                    color="white" if dark else "black")
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel, xticks=range(k), yticks=range(k))
    return ax
