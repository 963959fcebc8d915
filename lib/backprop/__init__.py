"""backprop: a reference NumPy implementation of backpropagation for 情報管理 第11回 (誤差逆伝播法).

The public pieces: `MLP` (any depth; forward, loss, gradient, fit), the activations and losses, gradient
checking, the course's datasets, plotting helpers with Japanese labels, and a tiny scalar autodiff.
"""
from .activations import relu, sigmoid, softmax
from backprop_kit.gradcheck import check_gradients, check_network, numerical_gradient, relative_error
from .losses import cross_entropy, squared_error
from .mlp import MLP
from backprop_kit.optimizers import SGD, Adam, Momentum

__all__ = [
    "MLP", "sigmoid", "relu", "softmax", "cross_entropy", "squared_error",
    "numerical_gradient", "relative_error", "check_gradients", "check_network",
    "SGD", "Momentum", "Adam",
]
