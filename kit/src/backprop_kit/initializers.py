"""Weight initialisation suited to the hidden activation.

Weights W^l have shape (n_l, n_{l-1}) as in the lecture's w_kj; biases start at zero.
"""
import numpy as np


def xavier(rng, n_out, n_in):
    """Glorot/Xavier normal: std sqrt(2 / (n_in + n_out)), keeps sigmoid layers' signal variance steady."""
    return rng.normal(0.0, np.sqrt(2.0 / (n_in + n_out)), size=(n_out, n_in))


def he(rng, n_out, n_in):
    """He normal: std sqrt(2 / n_in), for ReLU layers, which zero half their inputs."""
    return rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_out, n_in))


FOR_ACTIVATION = {"sigmoid": xavier, "relu": he}
