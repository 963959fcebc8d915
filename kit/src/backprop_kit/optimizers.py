"""Optimisers: each updates the parameter arrays in place from their gradients (same shapes and order)."""
import numpy as np


class SGD:
    """Plain gradient descent: p <- p - lr * dp."""

    def __init__(self, lr=0.1):
        self.lr = lr

    def step(self, params, grads):
        for p, dp in zip(params, grads):
            p -= self.lr * dp


class Momentum:
    """Gradient descent with momentum: v <- beta v - lr dp; p <- p + v."""

    def __init__(self, lr=0.1, beta=0.9):
        self.lr, self.beta = lr, beta
        self.velocity = None

    def step(self, params, grads):
        if self.velocity is None:
            self.velocity = [np.zeros_like(p) for p in params]
        for p, dp, v in zip(params, grads, self.velocity):
            v *= self.beta
            v -= self.lr * dp
            p += v


class Adam:
    """Adam (Kingma & Ba, 2015) with bias-corrected first and second moment estimates."""

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.m = self.v = None
        self.steps = 0

    def step(self, params, grads):
        if self.m is None:
            self.m = [np.zeros_like(p) for p in params]
            self.v = [np.zeros_like(p) for p in params]
        self.steps += 1
        scale = self.lr * np.sqrt(1 - self.beta2**self.steps) / (1 - self.beta1**self.steps)
        for p, dp, m, v in zip(params, grads, self.m, self.v):
            m += (1 - self.beta1) * (dp - m)
            v += (1 - self.beta2) * (dp * dp - v)
            p -= scale * m / (np.sqrt(v) + self.eps)


OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "adam": Adam}


def make_optimizer(optimizer, lr):
    """An optimiser from a name ('sgd', 'momentum', 'adam') and a learning rate, or an instance as given."""
    if not isinstance(optimizer, str):
        return optimizer
    try:
        return OPTIMIZERS[optimizer](lr=lr)
    except KeyError:
        raise ValueError(f"unknown optimizer {optimizer!r}: choose one of {sorted(OPTIMIZERS)}") from None
