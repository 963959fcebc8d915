"""The public contract of `MLP` that notebooks, the grader and outside checks rely on.

params are the live [W1, b1, ..., WL, bL] with W^l of shape (n_l, n_{l-1}); gradient() returns the same shapes and
order and never touches the parameters; seed reproduces exactly; bad input raises an error naming the problem.
"""
import numpy as np
import pytest

from backprop import MLP

SIZES = [5, 7, 4, 3]


@pytest.fixture
def batch(rng):
    """x (6, 5) and labels (6,) for a [5, 7, 4, 3] network: N != K and no two widths equal."""
    return rng.normal(size=(6, 5)), np.array([0, 2, 1, 2, 0, 1])


def snapshot(params):
    return [p.copy() for p in params]


def assert_bitwise_equal(arrays, expected):
    assert len(arrays) == len(expected)
    for a, e in zip(arrays, expected):
        assert a.dtype == e.dtype and a.shape == e.shape
        assert a.tobytes() == e.tobytes()


@pytest.mark.parametrize("hidden", ["sigmoid", "relu"])
def test_param_shapes_follow_the_lecture(hidden):
    net = MLP(SIZES, hidden=hidden, seed=0)
    expected = []
    for n_in, n_out in zip(SIZES[:-1], SIZES[1:]):
        expected += [(n_out, n_in), (n_out,)]
    assert [p.shape for p in net.params] == expected
    assert all(p.dtype == np.float64 for p in net.params)
    assert all(np.all(b == 0) for b in net.params[1::2])


@pytest.mark.parametrize("hidden, expected_std", [
    ("sigmoid", lambda n_in, n_out: np.sqrt(2.0 / (n_in + n_out))),  # Xavier
    ("relu", lambda n_in, n_out: np.sqrt(2.0 / n_in)),               # He
], ids=["sigmoid-xavier", "relu-he"])
def test_initial_weight_scale_suits_the_activation(hidden, expected_std):
    sizes = [300, 200, 100]
    net = MLP(sizes, hidden=hidden, seed=0)
    for W, n_in, n_out in zip(net.params[::2], sizes[:-1], sizes[1:]):
        assert abs(W.mean()) < 0.05 * expected_std(n_in, n_out)
        assert W.std() == pytest.approx(expected_std(n_in, n_out), rel=0.03)


@pytest.mark.parametrize("output", ["softmax", "identity"])
def test_forward_keeps_g_and_h_of_every_layer(batch, output):
    x, _ = batch
    net = MLP(SIZES, output=output, seed=0)
    gs, hs = net.forward(x)
    assert gs[0] is None and hs[0] is x
    assert [g.shape for g in gs[1:]] == [(6, n) for n in SIZES[1:]]
    assert [h.shape for h in hs] == [(6, n) for n in SIZES]
    W1, b1 = net.params[:2]
    np.testing.assert_allclose(gs[1], x @ W1.T + b1)
    np.testing.assert_allclose(hs[1], 1.0 / (1.0 + np.exp(-gs[1])))
    if output == "identity":
        np.testing.assert_array_equal(hs[-1], gs[-1])
    np.testing.assert_array_equal(net.predict(x), hs[-1])


def test_gradient_leaves_the_parameters_unchanged(batch):
    x, labels = batch
    net = MLP(SIZES, seed=0)
    arrays, before = list(net.params), snapshot(net.params)
    grads = net.gradient(x, labels)
    assert all(p is a for p, a in zip(net.params, arrays))
    assert_bitwise_equal(net.params, before)
    assert [d.shape for d in grads] == [p.shape for p in net.params]
    assert not any(d is p for d in grads for p in net.params)


def test_loss_and_predict_leave_the_parameters_unchanged(batch):
    x, labels = batch
    net = MLP(SIZES, seed=0)
    before = snapshot(net.params)
    net.loss(x, labels), net.predict(x), net.accuracy(x, labels)
    assert_bitwise_equal(net.params, before)


def test_seed_reproduces_initialisation_and_training_exactly(batch):
    x, labels = batch
    first, second = MLP(SIZES, seed=7), MLP(SIZES, seed=7)
    assert_bitwise_equal(first.params, second.params)
    assert not np.array_equal(MLP(SIZES, seed=8).params[0], first.params[0])
    h1 = first.fit(x, labels, epochs=3, lr=0.3, batch_size=4, seed=1)
    h2 = second.fit(x, labels, epochs=3, lr=0.3, batch_size=4, seed=1)
    assert h1 == h2
    assert_bitwise_equal(first.params, second.params)


def test_params_are_live(batch):
    x, labels = batch
    net = MLP(SIZES, seed=0)
    before = net.predict(x)
    W_last, b_last = net.params[-2:]
    W_last[...] = 0.0
    b_last[...] = 0.0
    np.testing.assert_allclose(net.predict(x), 1.0 / 3.0)  # nothing left to prefer one class
    assert not np.allclose(before, 1.0 / 3.0)
    b_last[2] = 50.0
    assert np.all(net.predict_classes(x) == 2)
    assert net.accuracy(x, labels) == pytest.approx(np.mean(labels == 2))


def test_fit_returns_the_history_and_updates_the_live_arrays(batch):
    x, labels = batch
    net = MLP(SIZES, seed=0)
    arrays, before = list(net.params), snapshot(net.params)
    history = net.fit(x, labels, epochs=4, lr=0.5, batch_size=4, seed=0, validation=(x, labels))
    assert set(history) == {"loss", "val_loss", "val_accuracy"}
    assert all(len(v) == 4 for v in history.values())
    assert all(p is a for p, a in zip(net.params, arrays))
    assert all(not np.array_equal(p, b) for p, b in zip(net.params, before))
    assert history["val_loss"][-1] == pytest.approx(net.loss(x, labels))


@pytest.mark.parametrize("output", ["softmax", "identity"])
def test_history_loss_of_one_full_batch_is_the_loss(rng, output):
    """With lr = 0 and one batch per epoch, each epoch's training loss is net.loss on the whole data."""
    net = MLP([4, 6, 3], output=output, seed=0)
    x = rng.normal(size=(9, 4))
    t = rng.integers(0, 3, size=9) if output == "softmax" else rng.normal(0.0, 2.0, size=(9, 3))
    history = net.fit(x, t, epochs=2, lr=0.0, batch_size=9, seed=0)
    assert history["loss"] == pytest.approx([net.loss(x, t)] * 2, rel=1e-12)


# -- bad input: each error names its problem ----------------------------------------------------------------


@pytest.mark.parametrize("kwargs, message", [
    ({"hidden": "tanh"}, "unknown hidden activation 'tanh'"),
    ({"output": "sigmoid"}, "unknown output activation 'sigmoid'"),
])
def test_unknown_activation_name(kwargs, message):
    with pytest.raises(ValueError, match=message):
        MLP(SIZES, **kwargs)


@pytest.mark.parametrize("sizes", [[5], [5, 0, 3], [5, 2.5, 3]])
def test_bad_sizes(sizes):
    with pytest.raises(ValueError, match="sizes"):
        MLP(sizes)


@pytest.mark.parametrize("method", ["loss", "gradient"])
def test_bad_inputs_are_named(batch, method):
    x, labels = batch
    call = getattr(MLP(SIZES, seed=0), method)
    x_nan = x.copy()
    x_nan[2, 3] = np.nan
    cases = [
        (x[0], labels[:1], r"shape \(N, D\)"),                      # one sample passed as a 1-D vector
        (x[:, :4], labels, "4 features .* expects 5"),              # wrong feature count
        (x_nan, labels, "NaN"),
        (x, labels[:5], "5 targets for 6 samples"),
        (x, np.array([0, 1, 2, 3, 0, 1]), r"labels must lie in 0\.\.2"),  # label K is out of range
        (x, np.array([0, 1, -1, 2, 0, 1]), r"labels must lie in 0\.\.2"),
        (x, np.eye(4)[[0, 1, 2, 3, 0, 1]], r"one-hot of shape \(N, 3\)"),
        (x, labels + 0.5, "integers"),
    ]
    for x_bad, t_bad, message in cases:
        with pytest.raises(ValueError, match=message):
            call(x_bad, t_bad)


def test_bad_training_arguments(batch):
    x, labels = batch
    net = MLP(SIZES, seed=0)
    with pytest.raises(ValueError, match="unknown optimizer 'rmsprop'"):
        net.fit(x, labels, epochs=1, optimizer="rmsprop")
    with pytest.raises(ValueError, match="batch_size"):
        net.fit(x, labels, epochs=1, batch_size=0)
    with pytest.raises(ValueError, match="features"):
        net.fit(x, labels, epochs=1, validation=(x[:, :3], labels))
