"""Training a classifier by plain mini-batch SGD, the same way at home and in the instructor's grader.

    model, history = train_classifier(x, y, hidden_sizes=[30], activation="sigmoid", lr=0.5, epochs=30,
                                      batch_size=32, seed=0, validation=(x_val, y_val))

The network is scikit-learn's `MLPClassifier` (softmax output, mean cross-entropy), trained one epoch at a
time with `partial_fit`: solver "sgd" at the constant learning rate `lr`, no momentum, no L2 penalty. Each
epoch shuffles the training samples (seeded by `seed`, like the initial weights) and walks through them in
mini-batches of `batch_size`; the last, smaller mini-batch (the remainder of the division) is one more
update, and since the order is shuffled it holds different samples in every epoch.

It is scikit-learn's code, not the notebooks' exercises (the notebooks' own forward and backward are the
student's work). 11_03 no longer trains with it: its notebook trains with the student's own sgd_epoch and
backward, and its hyperparameter tests judge the networks the student's code trained (testing/digit_networks);
`checked_hyperparams` is what those tests use to check the HYPERPARAMS dict.
"""
import warnings
from numbers import Integral, Real

import numpy as np

from .datasets import load_digits_split

ACTIVATIONS = {"sigmoid": "logistic", "relu": "relu"}


def _network(hidden_sizes, activation, lr, batch_size, seed):
    from sklearn.neural_network import MLPClassifier

    return MLPClassifier(hidden_layer_sizes=tuple(int(n) for n in hidden_sizes), activation=ACTIVATIONS[activation],
                         solver="sgd", learning_rate="constant", learning_rate_init=float(lr), momentum=0.0,
                         nesterovs_momentum=False, alpha=0.0, batch_size=int(batch_size), shuffle=True,
                         random_state=int(seed))


def _mean_cross_entropy(model, x, y):
    p = model.predict_proba(x)
    return float(-np.mean(np.log(np.maximum(p[np.arange(len(y)), y], np.finfo(np.float64).tiny))))


def train_classifier(x, y, hidden_sizes=(30,), activation="sigmoid", lr=0.5, epochs=30, batch_size=32, seed=0,
                     validation=None, n_classes=10):
    """Train a fresh network on x (N, D), integer labels y (N,); returns (model, history).

    model.predict_proba(x) gives the outputs h^L (N, K), model.predict(x) the predicted classes.
    history: {"loss": training loss after each epoch, and with validation=(x_val, y_val) also "val_loss" and
    "val_accuracy"}. A run that diverges (inf or NaN weights) stops early; its accuracy is then that of the
    last weights (usually that of a constant guess).
    """
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation は {list(ACTIVATIONS)} のどちらかにしてください（{activation!r}）")
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.int64)
    model = _network(hidden_sizes, activation, lr, batch_size, seed)
    classes = np.arange(n_classes)
    history = {"loss": []} if validation is None else {"loss": [], "val_loss": [], "val_accuracy": []}
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for _ in range(int(epochs)):
            try:
                model.partial_fit(x, y, classes=classes)
            except ValueError:          # scikit-learn refuses to go on with non-finite weights
                break
            if not all(np.all(np.isfinite(w)) for w in model.coefs_):
                break
            history["loss"].append(_mean_cross_entropy(model, x, y))
            if validation is not None:
                x_val, y_val = np.asarray(validation[0], dtype=np.float64), np.asarray(validation[1], dtype=np.int64)
                history["val_loss"].append(_mean_cross_entropy(model, x_val, y_val))
                history["val_accuracy"].append(float(np.mean(model.predict(x_val) == y_val)))
    return model, history


def accuracy_of(model, x, y):
    """The share of samples of x whose predicted class is y (0 when the model cannot predict)."""
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return float(np.mean(model.predict(np.asarray(x, dtype=np.float64)) == np.asarray(y)))
    except Exception:
        return 0.0


# -- hyperparameters of 11_03 ---------------------------------------------------------------------------------
KEYS = ("hidden_sizes", "activation", "lr", "epochs", "batch_size")
MAX_HIDDEN_LAYERS = 3
MAX_WIDTH = 128
MAX_EPOCHS = 50
BATCH_RANGE = (16, 512)
MAX_LR = 10.0


def _is_int(value):
    return isinstance(value, Integral) and not isinstance(value, bool)


def checked_hyperparams(hyperparams):
    """A plain copy of a HYPERPARAMS dict, or AssertionError (Japanese) naming the first problem found."""
    if not isinstance(hyperparams, dict):
        raise AssertionError(f"HYPERPARAMS は辞書 (dict) にしてください（型: {type(hyperparams).__name__}）。")
    missing = [key for key in KEYS if key not in hyperparams]
    unknown = [key for key in hyperparams if key not in KEYS]
    if missing or unknown:
        raise AssertionError(f"HYPERPARAMS のキーは {list(KEYS)} の 5 つにしてください"
                             f"（足りないキー: {missing}、余分なキー: {unknown}）。")
    sizes = hyperparams["hidden_sizes"]
    if (not isinstance(sizes, (list, tuple)) or not 1 <= len(sizes) <= MAX_HIDDEN_LAYERS
            or not all(_is_int(n) and 1 <= n <= MAX_WIDTH for n in sizes)):
        raise AssertionError(f"hidden_sizes は中間層のノード数のリスト（1〜{MAX_HIDDEN_LAYERS} 層、"
                             f"各層 1〜{MAX_WIDTH} の整数）にしてください（値: {sizes!r}）。")
    if not isinstance(hyperparams["activation"], str) or hyperparams["activation"] not in ACTIVATIONS:
        raise AssertionError(f"activation は \"sigmoid\" か \"relu\" にしてください（値: {hyperparams['activation']!r}）。")
    lr = hyperparams["lr"]
    if not isinstance(lr, Real) or isinstance(lr, bool) or not 0 < lr <= MAX_LR:
        raise AssertionError(f"lr（学習率）は 0 より大きく {MAX_LR:g} 以下の数にしてください（値: {lr!r}）。")
    epochs = hyperparams["epochs"]
    if not _is_int(epochs) or not 1 <= epochs <= MAX_EPOCHS:
        raise AssertionError(f"epochs は 1〜{MAX_EPOCHS} の整数にしてください（値: {epochs!r}）。")
    batch = hyperparams["batch_size"]
    if not _is_int(batch) or not BATCH_RANGE[0] <= batch <= BATCH_RANGE[1]:
        raise AssertionError(f"batch_size は {BATCH_RANGE[0]}〜{BATCH_RANGE[1]} の整数にしてください（値: {batch!r}）。")
    return {"hidden_sizes": [int(n) for n in sizes], "activation": str(hyperparams["activation"]),
            "lr": float(lr), "epochs": int(epochs), "batch_size": int(batch)}


def digits_accuracy(hyperparams, seed):
    """Train a fresh network 64 -> hidden_sizes -> 10 with these hyperparameters on the training part of
    load_digits_split(seed=seed) (initial weights and shuffling seeded by seed too); its test accuracy."""
    hp = checked_hyperparams(hyperparams)
    x_train, x_test, y_train, y_test = load_digits_split(seed=int(seed))
    model, _ = train_classifier(x_train, y_train, hp["hidden_sizes"], hp["activation"], hp["lr"], hp["epochs"],
                                hp["batch_size"], seed=int(seed))
    return accuracy_of(model, x_test, y_test)
