"""Epoch time of backprop.MLP against scikit-learn's MLPClassifier (and PyTorch, when it is installed).

All train the same network on the digits' training split: 64-100-10, sigmoid hidden layer, softmax +
cross-entropy, mini-batches of 32, plain SGD with a constant learning rate, float64. The floor is the time of one
epoch's matrix products alone (three forward/backward products per layer, same shapes, same batches).

Goals (issue 2): backprop epoch <= 0.5x scikit-learn's, and <= 2x the matrix-product floor.
Run with `make bench` (OPENBLAS_NUM_THREADS=1) or `python bench/epoch_speed.py --repeats 9 --epochs 30`.
"""
import argparse
import os
import statistics
import time
import warnings

import numpy as np

from backprop import MLP
from backprop_kit.datasets import load_digits_split

SIZES = [64, 100, 10]
BATCH_SIZE = 32
LR = 0.1


def per_epoch(train, epochs):
    """(wall time, CPU time) of train() divided by the number of epochs it reports having run.

    All peers run single-threaded here, so on an idle machine both agree; on a busy one the CPU time of this
    process is the steadier measure of the work done.
    """
    wall, cpu = time.perf_counter(), time.process_time()
    ran = train()
    return (time.perf_counter() - wall) / ran, (time.process_time() - cpu) / ran


def backprop_run(x, labels, epochs, seed):
    net = MLP(SIZES, hidden="sigmoid", output="softmax", seed=seed)

    def train():
        net.fit(x, labels, epochs=epochs, lr=LR, batch_size=BATCH_SIZE, optimizer="sgd", seed=seed)
        return epochs
    return per_epoch(train, epochs), net.predict_classes


def sklearn_run(x, labels, epochs, seed):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(hidden_layer_sizes=(SIZES[1],), activation="logistic", solver="sgd", alpha=0.0,
                        batch_size=BATCH_SIZE, learning_rate="constant", learning_rate_init=LR, momentum=0.0,
                        nesterovs_momentum=False, max_iter=epochs, n_iter_no_change=epochs + 1, tol=0.0,
                        shuffle=True, random_state=seed)

    def train():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter is the point here
            clf.fit(x, labels)
        return clf.n_iter_
    return per_epoch(train, epochs), clf.predict


def torch_run(x, labels, epochs, seed):
    import torch

    torch.manual_seed(seed)
    torch.set_num_threads(1)
    model = torch.nn.Sequential(torch.nn.Linear(SIZES[0], SIZES[1]), torch.nn.Sigmoid(),
                                torch.nn.Linear(SIZES[1], SIZES[2])).double()
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    loss_fn = torch.nn.CrossEntropyLoss()
    xt, yt = torch.from_numpy(x), torch.from_numpy(labels)
    generator = torch.Generator().manual_seed(seed)

    def train():
        for _ in range(epochs):
            order = torch.randperm(xt.shape[0], generator=generator)
            for start in range(0, xt.shape[0], BATCH_SIZE):
                batch = order[start:start + BATCH_SIZE]
                optimizer.zero_grad()
                loss = loss_fn(model(xt[batch]), yt[batch])
                loss.backward()
                optimizer.step()
        return epochs

    def predict(x_new):
        with torch.no_grad():
            return model(torch.from_numpy(x_new)).argmax(dim=1).numpy()
    return per_epoch(train, epochs), predict


def matmul_floor_run(x, labels, epochs, seed):
    """One epoch's matrix products alone, on arrays of the network's shapes:
    forward h^{l-1} W^l.T, backward delta^l.T h^{l-1} and delta^l W^l (not below layer 1)."""
    rng = np.random.default_rng(seed)
    n = x.shape[0]
    Ws = [rng.normal(size=(n_out, n_in)) for n_in, n_out in zip(SIZES[:-1], SIZES[1:])]
    hs = [x] + [rng.random((n, width)) for width in SIZES[1:]]
    deltas = [None] + [rng.normal(size=(n, width)) for width in SIZES[1:]]

    def train():
        for _ in range(epochs):
            for start in range(0, n, BATCH_SIZE):
                rows = slice(start, start + BATCH_SIZE)
                for l, W in enumerate(Ws, start=1):
                    hs[l - 1][rows] @ W.T
                for l in range(len(Ws), 0, -1):
                    deltas[l][rows].T @ hs[l - 1][rows]
                    if l > 1:
                        deltas[l][rows] @ Ws[l - 1]
        return epochs
    return per_epoch(train, epochs), None


def available_peers():
    peers = {"backprop.MLP": backprop_run, "sklearn MLPClassifier": sklearn_run}
    try:
        import torch  # noqa: F401  (an optional peer, not a dependency)
        peers["torch (CPU, float64)"] = torch_run
    except ImportError:
        pass
    peers["matmul floor"] = matmul_floor_run
    return peers


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="timed runs per peer (median reported)")
    parser.add_argument("--epochs", type=int, default=20, help="epochs per timed run")
    args = parser.parse_args()

    x_train, x_test, labels_train, labels_test = load_digits_split(test_size=0.25, seed=0)
    peers = available_peers()
    wall = {name: [] for name in peers}
    cpu = {name: [] for name in peers}
    accuracy = {}
    for repeat in range(args.repeats):        # interleaved, so drifts in machine load hit every peer alike
        for name, run in peers.items():
            (wall_s, cpu_s), predict = run(x_train, labels_train, args.epochs, seed=repeat)
            wall[name].append(wall_s)
            cpu[name].append(cpu_s)
            if predict is not None:
                accuracy[name] = float(np.mean(predict(x_test) == labels_test))

    print(f"{SIZES[0]}-{SIZES[1]}-{SIZES[2]} sigmoid, batch {BATCH_SIZE}, SGD lr {LR}, float64, "
          f"{x_train.shape[0]} training digits; median of {args.repeats} runs x {args.epochs} epochs; "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}")
    print(f"  {'ms per epoch':24s} {'wall':>8s} {'CPU':>8s}")
    for name in peers:
        acc = f"test accuracy {accuracy[name]:.3f}" if name in accuracy else "(no training)"
        print(f"  {name:24s} {statistics.median(wall[name]) * 1e3:8.2f} {statistics.median(cpu[name]) * 1e3:8.2f}"
              f"   {acc}")
    for clock, times in (("wall", wall), ("CPU", cpu)):
        median = {name: statistics.median(t) for name, t in times.items()}
        ours = median["backprop.MLP"]
        report(ours / median["sklearn MLPClassifier"], 0.5, f"backprop / sklearn ({clock})")
        report(ours / median["matmul floor"], 2.0, f"backprop / matmul floor ({clock})")
        for name in median:
            if name.startswith("torch"):
                print(f"  backprop / torch ({clock}): {ours / median[name]:.2f}x, for information")


def report(ratio, goal, what):
    verdict = "met" if ratio <= goal else "MISSED"
    print(f"{what:34s} {ratio:5.2f}x   goal <= {goal}x: {verdict}")


if __name__ == "__main__":
    main()
