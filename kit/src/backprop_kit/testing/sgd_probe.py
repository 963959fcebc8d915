"""What the test of 11_03's `sgd_epoch` hands to the student's loop: a gradient function that logs its batches.

The test does not use the student's backward (that is graded in 11_02): it passes `pull_gradient`, the gradient
of a simple loss whose minimum moves with each mini-batch,

    L(params) = 1/2 * sum_i ||p_i - c||^2,   c = mean over the batch of (x_n1 + ... + x_n(D-1)) / (D-1) + 0.1 * class_n,

so that every update p_i <- p_i - lr * (p_i - c) depends on which samples the batch holds, on how many updates
the epoch makes and on their order. Column 0 of the test's x holds each sample's number n, which is how the
log knows which samples each call received.

    log = {"batches": [], "t_rows": []}
    gradient = pull_gradient(log)         gradient(params, x_batch, t_batch) -> [dL/dp_i] (same shapes as params)
"""
import copy

import numpy as np


def pull_gradient(log):
    """The test's gradient function; each call appends the sample numbers of x_batch (column 0) to log["batches"]
    and the number of rows of t_batch to log["t_rows"]."""
    def gradient(params, x_batch, t_batch):
        x_batch, t_batch = np.asarray(x_batch, dtype=np.float64), np.asarray(t_batch, dtype=np.float64)
        log["batches"].append([int(round(n)) for n in x_batch[:, 0]] if x_batch.ndim == 2 else [])
        log["t_rows"].append(int(t_batch.shape[0]) if t_batch.ndim == 2 else -1)
        classes = t_batch @ np.arange(t_batch.shape[-1])                  # (B,) the class numbers of the rows
        centre = float(np.mean(x_batch[:, 1:]) + 0.1 * np.mean(classes))
        return [np.asarray(p, dtype=np.float64) - centre for p in params]
    return gradient


def two_epochs(sgd_epoch, log):
    """A function (params, x, t, lr, batch_size, seed) -> [params after epoch 1, params after epoch 2] that calls
    the student's sgd_epoch twice with one generator np.random.default_rng(seed) and the logging gradient."""
    def run(params, x, t, lr, batch_size, seed):
        rng = np.random.default_rng(seed)
        gradient = pull_gradient(log)
        first = sgd_epoch(params, x, t, lr, batch_size, rng, gradient)
        log["first_epoch_calls"] = len(log["batches"])
        if not isinstance(first, (list, tuple)):
            return [first, None]                     # nothing to go on with (a forgotten return): judged as it is
        kept = copy.deepcopy(first)                  # a loop that updates in place must not change epoch 1's answer
        second = sgd_epoch(first, x, t, lr, batch_size, rng, gradient)
        return [kept, second]
    return run
