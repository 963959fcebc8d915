"""11_03's decision judged by training in the grader: the test accuracy a HYPERPARAMS choice reaches on a split
when the grader itself trains it, the way the notebook's model solution trains (never the student's code).

    accuracy = decision_accuracy(hyperparams, seed)     float in [0, 1]; hyperparams a checked HYPERPARAMS dict

The network 64 -> hidden_sizes -> 10 (hidden layers sigmoid or ReLU, softmax output, mean cross-entropy) is the
reference `backprop.mlp.MLP`, trained by plain mini-batch SGD on the training part of
load_digits_split(seed=seed) exactly as the notebook's train_network with a correct sgd_epoch trains it: ONE
generator np.random.default_rng(seed) draws the initial weights (Xavier for sigmoid, He for ReLU, layer by layer,
zero biases) and then, once per epoch, the permutation that orders the mini-batches of batch_size (the last,
shorter batch kept). The accuracy is the share of the split's test images whose largest output is their label,
counted by the kit's forward pass (testing.digit_networks.split_accuracy); a diverged run (NaN weights) counts
what its outputs give (about 0.1).

The result depends only on (hidden_sizes, activation, lr, epochs, batch_size, seed), so it is memoised in the
grading worker's process: most students pick the same few settings and the split seeds come from a small pool
(builders.nb_11_03), so a class costs a few trainings per setting, not one per submission. One training of the
model solution's choice (ReLU [64], lr 0.1, 30 epochs, B 16) takes about 0.3 s of one core.
"""
from functools import lru_cache

import numpy as np

from backprop_kit.datasets import load_digits_split
from backprop_kit.testing.digit_networks import layer_sizes, split_accuracy

from ..mlp import MLP


def decision_accuracy(hyperparams, seed):
    """The test accuracy on split `seed` of a network the grader trains with these hyperparameters."""
    return _trained_accuracy(tuple(int(n) for n in hyperparams["hidden_sizes"]), str(hyperparams["activation"]),
                             float(hyperparams["lr"]), int(hyperparams["epochs"]), int(hyperparams["batch_size"]),
                             int(seed))


@lru_cache(maxsize=1024)
def _trained_accuracy(hidden_sizes, activation, lr, epochs, batch_size, seed):
    x_train, _, y_train, _ = load_digits_split(seed=seed)
    rng = np.random.default_rng(seed)              # one generator: initial weights, then each epoch's order
    network = MLP(layer_sizes(hidden_sizes), hidden=activation, output="softmax", seed=rng)
    with np.errstate(all="ignore"):
        network.fit(x_train, y_train, epochs=epochs, lr=lr, batch_size=batch_size, seed=rng)
    return split_accuracy(network.params, activation, seed)
