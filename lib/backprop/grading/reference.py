"""The truth that student gradients are judged against: central differences of the loss, in float64.

Nothing here uses backpropagation. dL/dparams perturbs each parameter; delta^l = dL/dg^l perturbs each
pre-activation g^l and runs the rest of the network forward from there. `backprop_kit.gradcheck` supplies the
central differences (h = 1e-5, error ~1e-8 relative for these cases).
"""
from ..activations import log_softmax
from backprop_kit.gradcheck import numerical_gradient
from ..losses import cross_entropy_from_log, squared_error


def loss_from_g(case, net, l, g):
    """The batch loss when layer l's pre-activation is g (N, n_l) and the layers after it run forward."""
    for m in range(l, case.depth + 1):
        if m > l:
            W, b = net.params[2 * m - 2], net.params[2 * m - 1]
            g = h @ W.T + b
        h = net.f(g) if m < case.depth else net.f_out(g)
    if case.output == "softmax":
        return cross_entropy_from_log(log_softmax(g), case.t)
    return squared_error(h, case.t)


def numerical_delta(case, l):
    """delta^l = dL/dg^l (N, n_l) for layer l = 1..L, by central differences."""
    net = case.network()
    g = case.gs[l].copy()
    return numerical_gradient(lambda: loss_from_g(case, net, l, g), [g])[0]


def numerical_param_gradients(case):
    """[dL/dW^1, dL/db^1, ..., dL/dW^L, dL/db^L] by central differences of the case's loss."""
    net = case.network()
    return numerical_gradient(lambda: net.loss(case.x, case.t), net.params)


def numerical_layer_gradients(case, l):
    """(dL/dW^l, dL/db^l) by central differences, perturbing only layer l's parameters."""
    net = case.network()
    return numerical_gradient(lambda: net.loss(case.x, case.t), net.params[2 * l - 2:2 * l])
