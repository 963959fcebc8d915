"""A multi-layer perceptron of any depth, trained by backpropagation, in the lecture's notation.

Layers are numbered l = 1, ..., L; h^0 = x is the input. For one batch of N samples (one row each):

    g^l = h^{l-1} W^l.T + b^l          pre-activation, shape (N, n_l)
    h^l = f(g^l)                       activation: sigmoid or ReLU in hidden layers, softmax or identity at l = L

Parameters are kept in `params = [W^1, b^1, ..., W^L, b^L]`, with W^l of shape (n_l, n_{l-1}) (row k holds the
lecture's w_kj, the weights into node k) and b^l of shape (n_l,). The loss is the batch mean of the cross-entropy
L_ce (softmax output) or of the squared error L_sq (identity output), written `loss` below: L alone is the number
of layers. The backward pass carries delta^l = d(loss)/dg^l (N, n_l), starting from delta^L = (h^L - t) / N, which
holds both for softmax + cross-entropy and for identity + squared error.
"""
import numpy as np

from backprop_kit import initializers

from . import activations
from .losses import batch_cross_entropy, batch_squared_error, cross_entropy_from_log, squared_error
from backprop_kit.optimizers import make_optimizer
from .targets import as_inputs, class_targets, regression_targets


class MLP:
    """Fully connected network with sizes = [D, n_1, ..., n_L] (input width first, output width last).

    hidden: 'sigmoid' (Xavier initialisation) or 'relu' (He initialisation).
    output: 'softmax' (classification, cross-entropy loss) or 'identity' (regression, squared-error loss).
    seed: seeds the initial weights; the same seed gives the same network.
    """

    def __init__(self, sizes, hidden="sigmoid", output="softmax", seed=None):
        sizes = list(sizes)
        if len(sizes) < 2 or any(not isinstance(n, (int, np.integer)) or n < 1 for n in sizes):
            raise ValueError(f"sizes must list at least two positive integers [D, ..., K]; got {sizes}")
        self.f, self.f_derivative = activations.hidden_activation(hidden)
        self.f_out = activations.output_activation(output)
        self.sizes, self.hidden, self.output = sizes, hidden, output
        rng = np.random.default_rng(seed)
        init = initializers.FOR_ACTIVATION[hidden]
        self.params = []
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            self.params += [init(rng, n_out, n_in), np.zeros(n_out)]

    @property
    def depth(self):
        """L, the number of layers with weights."""
        return len(self.sizes) - 1

    def __repr__(self):
        return f"MLP({self.sizes}, hidden={self.hidden!r}, output={self.output!r})"

    # -- forward ---------------------------------------------------------------------------------------------
    def forward(self, x):
        """Forward pass on x (N, D). Returns (gs, hs): gs[l] = g^l for l = 1..L (gs[0] is None), and
        hs[l] = h^l for l = 0..L with hs[0] = x; each of shape (N, n_l)."""
        gs, hs = [None], [x]
        for l in range(1, self.depth + 1):
            W, b = self.params[2 * l - 2], self.params[2 * l - 1]
            g = hs[-1] @ W.T
            g += b
            gs.append(g)
            hs.append(self.f(g) if l < self.depth else self.f_out(g))
        return gs, hs

    def predict(self, x):
        """Output h^L (N, K): class probabilities for softmax, predicted values for identity."""
        return self.forward(as_inputs(x, self.sizes[0]))[1][-1]

    def predict_classes(self, x):
        """Most probable class per sample (N,), for a softmax network."""
        return np.argmax(self.predict(x), axis=1)

    def accuracy(self, x, labels):
        """Share of samples whose most probable class equals the integer label (N,)."""
        return float(np.mean(self.predict_classes(x) == np.asarray(labels)))

    # -- loss and gradient -----------------------------------------------------------------------------------
    def targets(self, t, n_samples):
        """Targets as the (N, K) float64 array that the loss and delta^L use (labels become one-hot)."""
        if self.output == "softmax":
            return class_targets(t, n_samples, self.sizes[-1])
        return regression_targets(t, n_samples, self.sizes[-1])

    def _loss(self, gs, hs, t):
        if self.output == "softmax":
            return cross_entropy_from_log(activations.log_softmax(gs[-1]), t)
        return squared_error(hs[-1], t)

    def _batch_loss(self, h, t):
        """The loss of one training mini-batch from its output h^L (N, K) and float targets t (N, K), unchecked.
        Equals `loss` except that a log-probability below log(smallest float) ~ -708 is floored there."""
        if self.output == "softmax":
            return batch_cross_entropy(h, t)
        return batch_squared_error(h, t)

    def loss(self, x, t):
        """Mean loss over the batch: cross-entropy (softmax) or (1/N) sum 1/2 ||h - t||^2 (identity)."""
        x = as_inputs(x, self.sizes[0])
        gs, hs = self.forward(x)
        return self._loss(gs, hs, self.targets(t, x.shape[0]))

    def backward(self, hs, t):
        """Backpropagation. hs: the activations [h^0, ..., h^L] of `forward`; t: (N, K) targets.

        Returns [d(loss)/dW^1, d(loss)/db^1, ..., d(loss)/dW^L, d(loss)/db^L], the same shapes and order as `params`.
        """
        grads = [None] * len(self.params)
        delta = hs[-1] - t
        delta /= t.shape[0]                                    # delta^L = d(loss)/dg^L = (h^L - t) / N
        for l in range(self.depth, 0, -1):
            grads[2 * l - 2] = delta.T @ hs[l - 1]             # d(loss)/dw_kj = sum_n delta_k h_j^{l-1}
            grads[2 * l - 1] = delta.sum(axis=0)               # d(loss)/db_k  = sum_n delta_k
            if l > 1:                                          # delta^{l-1} = (delta^l W^l) * f'(g^{l-1})
                delta = delta @ self.params[2 * l - 2]
                delta *= self.f_derivative(hs[l - 1])
        return grads

    def gradient(self, x, t):
        """d(loss)/dparams for inputs x (N, D) and targets t; the parameters are left unchanged."""
        x = as_inputs(x, self.sizes[0])
        _, hs = self.forward(x)
        return self.backward(hs, self.targets(t, x.shape[0]))

    # -- training --------------------------------------------------------------------------------------------
    def fit(self, x, t, epochs=10, lr=0.1, batch_size=32, optimizer="sgd", seed=None, validation=None):
        """Mini-batch training. x (N, D); t labels (N,) / one-hot (N, K) or regression targets (N, K).

        optimizer: 'sgd', 'momentum', 'adam' or an optimiser object with step(params, grads).
        seed: seeds the shuffling of each epoch. validation: optional (x_val, t_val).
        Returns the history: {'loss': mean training loss of each epoch's mini-batches, and with validation
        'val_loss' (and 'val_accuracy' for softmax) after each epoch}.
        """
        if epochs < 0 or batch_size < 1:
            raise ValueError(f"epochs must be >= 0 and batch_size >= 1; got {epochs} and {batch_size}")
        x = as_inputs(x, self.sizes[0])
        t = self.targets(t, x.shape[0])
        step = make_optimizer(optimizer, lr).step
        rng = np.random.default_rng(seed)
        history = {"loss": []}
        if validation is not None:
            x_val = as_inputs(validation[0], self.sizes[0])
            t_val = self.targets(validation[1], x_val.shape[0])
            history["val_loss"] = []
            if self.output == "softmax":
                history["val_accuracy"] = []
        n = x.shape[0]
        for _ in range(epochs):
            order = rng.permutation(n)
            xs, ts = x.take(order, axis=0), t.take(order, axis=0)    # shuffled copies (take: faster than x[order])
            total = 0.0
            for start in range(0, n, batch_size):
                xb, tb = xs[start:start + batch_size], ts[start:start + batch_size]
                _, hs = self.forward(xb)
                total += self._batch_loss(hs[-1], tb) * xb.shape[0]
                step(self.params, self.backward(hs, tb))
            history["loss"].append(total / n)
            if validation is not None:
                gs, hs = self.forward(x_val)
                history["val_loss"].append(self._loss(gs, hs, t_val))
                if self.output == "softmax":
                    hit = np.argmax(hs[-1], axis=1) == np.argmax(t_val, axis=1)
                    history["val_accuracy"].append(float(hit.mean()))
        return history
