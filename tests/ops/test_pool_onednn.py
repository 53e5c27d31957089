"""Max and average pools on oneDNN (ops/_pool_onednn.py, the `onednn` extra) against PyTorch:
exactly PyTorch's values over padded, overlapping, asymmetric, short-ended and ceil_mode
geometries at one and two threads (the average pool's gradient too; the max pool's in training,
exact wherever fewer than three windows pick an input); a max-pool input with a NaN takes NumPy's
path and keeps PyTorch's NaNs; taken exactly where it should be."""

import numpy as np
import pytest

import torchlet
import torchlet.backends.cpu as cpu
from conftest import require_onednn
from torchlet.ops import _pool_onednn

torch = pytest.importorskip("torch")


def _spy(monkeypatch, name):
    """The oneDNN path on; records whether each call of _pool_onednn.`name` took it."""
    require_onednn()
    monkeypatch.setattr(cpu, "use_onednn", True)
    runs = []
    real = getattr(_pool_onednn, name)

    def spy(*a):
        out = real(*a)
        runs.append(out is not None)
        return out

    monkeypatch.setattr(_pool_onednn, name, spy)
    return runs


@pytest.fixture
def taken(monkeypatch):
    return _spy(monkeypatch, "max_pool2d")


def _both(x, **kw):
    with torchlet.no_grad():
        ours = torchlet.nn.functional.max_pool2d(torchlet.from_numpy(x), **kw).numpy()
    return ours, torch.nn.functional.max_pool2d(torch.from_numpy(x), **kw).numpy()


GEOMETRIES = [
    ((64, 64, 16, 16), dict(kernel_size=3, stride=2, padding=1)),  # ResNet's stem pool
    ((8, 16, 33, 35), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ((8, 16, 33, 35), dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 0))),
    ((8, 8, 47, 41), dict(kernel_size=4, stride=3, ceil_mode=True)),
    ((4, 8, 64, 64), dict(kernel_size=2, stride=2, padding=1)),
    ((8, 16, 33, 35), dict(kernel_size=(3, 2), stride=(1, 2), padding=(1, 0))),  # the last column unread
]


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("shape,kw", GEOMETRIES)
def test_values_are_torch_values(taken, threads, shape, kw):
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    for start, every, value in ((0, 97, -np.inf), (1, 89, np.inf), (2, 101, np.finfo(np.float32).min)):
        at = np.zeros(shape, bool)
        at.reshape(-1)[start::every] = True
        at[..., :2, :] = at[..., -2:, :] = at[..., :, :2] = at[..., :, -2:] = False  # (no edge window of them alone)
        x[at] = value
    before = torchlet.get_num_threads()
    torchlet.set_num_threads(threads)
    try:
        ours, theirs = _both(x, **kw)
    finally:
        torchlet.set_num_threads(before)
    assert taken == [True]
    assert ours.shape == theirs.shape
    np.testing.assert_array_equal(ours, theirs)


def test_nan_takes_numpys_path_and_wins_its_windows(taken):
    shape, kw = GEOMETRIES[0]
    x = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    x[3, 5, 7, 9] = np.nan
    ours, theirs = _both(x, **kw)
    assert taken == [False]
    np.testing.assert_array_equal(ours, theirs)  # (NaN where PyTorch has NaN)
    assert np.isnan(ours).sum() == np.isnan(theirs).sum() > 0


def test_not_taken_where_numpy_is_the_path(taken, monkeypatch):
    x = np.random.default_rng(2).standard_normal((64, 64, 16, 16)).astype(np.float32)
    _both(x, kernel_size=2)  # tiles
    _both(x, kernel_size=3, stride=2, dilation=2)  # dilated
    _both(x[:2, :2], kernel_size=3, stride=2, padding=1)  # small
    _both(x[:, :, :, ::2].copy().transpose(0, 1, 3, 2), kernel_size=3, stride=2, padding=1)  # strided
    assert taken == [False] * 4
    assert _pool_onednn.max_pool2d(x.astype(np.float64), (3, 3), (2, 2), (1, 1), ((1, 1), (1, 1)), (8, 8)) is None
    monkeypatch.setattr(cpu, "use_onednn", False)
    _both(x, kernel_size=3, stride=2, padding=1)
    assert taken[-1] is False
    with torchlet.enable_grad():  # training: values and indices, NumPy's
        t = torchlet.from_numpy(x).requires_grad_()
        torchlet.nn.functional.max_pool2d(t, 3, 2, 1).sum().backward()
    assert len(taken) == 6  # (the float64 call above counted too)


def test_a_window_of_minus_inf_alone_gives_minus_inf(taken):
    """oneDNN starts each window at the lowest finite float: such results go to NumPy's path."""
    x = np.random.default_rng(3).standard_normal((4, 8, 64, 64)).astype(np.float32)
    x[1, 2, :2, :2] = -np.inf  # with padding 1, output (0, 0) sees only these
    ours, theirs = _both(x, kernel_size=2, stride=2, padding=1)
    assert taken == [False] and ours[1, 2, 0, 0] == -np.inf
    np.testing.assert_array_equal(ours, theirs)


@pytest.fixture
def trained(monkeypatch):
    return _spy(monkeypatch, "max_pool2d_training")


def _train_both(x, g, threads, **kw):
    """(ours, PyTorch's) (values, input gradient) of max_pool2d in training."""
    before = (torch.get_num_threads(), torchlet.get_num_threads())
    try:
        torch.set_num_threads(threads)
        torchlet.set_num_threads(threads)
        out = []
        for lib in (torchlet, torch):
            t = lib.from_numpy(x.copy()).requires_grad_()
            y = lib.nn.functional.max_pool2d(t, **kw)
            (gx,) = lib.autograd.grad(y, t, lib.from_numpy(g[tuple(slice(n) for n in y.shape)].copy()))
            out.append((y, gx, t))
    finally:
        torch.set_num_threads(before[0])
        torchlet.set_num_threads(before[1])
    return out


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("shape,kw", [g for g in GEOMETRIES if g[1].get("padding") != 1 or g[1]["kernel_size"] != 2])
def test_training_values_and_gradient_match_torch(trained, threads, shape, kw):
    """The gradient sums what each input receives from the windows that picked it: PyTorch adds
    them in output order, oneDNN in its own, so an input picked by three or more windows may
    differ in its last bits; every other gradient is PyTorch's exactly."""
    rng = np.random.default_rng(7)
    x = (np.round(rng.standard_normal(shape) * 2) / 2).astype(np.float32)  # ties: the first maximum wins
    g = rng.standard_normal(shape).astype(np.float32)
    (y, gx, _), (ty, tgx, tx) = _train_both(x, g, threads, **kw)
    assert trained == [True]
    assert type(y.grad_fn).__name__ == type(ty.grad_fn).__name__ == "MaxPool2DWithIndicesBackward0"
    np.testing.assert_array_equal(y.detach().numpy(), ty.detach().numpy())
    _, idx = torch.nn.functional.max_pool2d(tx.detach(), return_indices=True, **kw)
    picks = np.zeros(shape[:2] + (shape[2] * shape[3],), np.int64)
    for n in range(shape[0]):
        for c in range(shape[1]):
            picks[n, c] = np.bincount(idx[n, c].reshape(-1).numpy(), minlength=shape[2] * shape[3])
    few = picks.reshape(shape) < 3
    assert few.mean() > 0.9
    np.testing.assert_array_equal(gx.numpy()[few], tgx.numpy()[few])
    np.testing.assert_allclose(gx.numpy(), tgx.numpy(), rtol=2e-6, atol=2e-6)


def test_training_falls_back_for_nan_inf_windows_and_double_backward(trained):
    shape, kw = GEOMETRIES[0]
    rng = np.random.default_rng(8)
    x, g = rng.standard_normal(shape).astype(np.float32), rng.standard_normal(shape).astype(np.float32)
    x[3, 5, 7, 9] = np.nan
    (y, gx, _), (ty, tgx, _) = _train_both(x, g, 2, **kw)
    assert trained == [False]  # NaN: NumPy's path (its sums of three or more picks are float64's, rounded)
    np.testing.assert_array_equal(y.detach().numpy(), ty.detach().numpy())
    np.testing.assert_allclose(gx.numpy(), tgx.numpy(), rtol=2e-6, atol=2e-6)
    x[3, 5, 7, 9] = 0
    x[1, 2, :2, :2] = -np.inf  # with padding 1, window (0, 0) sees only -inf
    (y, gx, _), (ty, tgx, _) = _train_both(x, g, 2, **kw)
    assert trained == [False, False] and y[1, 2, 0, 0].item() == -np.inf
    np.testing.assert_array_equal(y.detach().numpy(), ty.detach().numpy())
    np.testing.assert_allclose(gx.numpy(), tgx.numpy(), rtol=2e-6, atol=2e-6)
    x[1, 2, :2, :2] = 0
    results = []
    for lib in (torchlet, torch):  # a graph of the gradient (a gradient penalty): d(sum(gx^2))/d(gy)
        t = lib.from_numpy(x.copy()).requires_grad_()
        y = lib.nn.functional.max_pool2d(t, **kw)
        gy = lib.from_numpy(g[tuple(slice(n) for n in y.shape)].copy()).requires_grad_()
        (gx,) = lib.autograd.grad(y, t, gy, create_graph=True)
        (ggy,) = lib.autograd.grad(gx.pow(2).sum(), gy)
        results.append((gx.detach().numpy(), ggy.numpy()))
    assert trained[-1] is True
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=2e-6, atol=2e-6)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=4e-6, atol=4e-6)


def test_training_not_taken_with_indices_or_tiles(trained):
    x = torchlet.randn(64, 64, 16, 16, requires_grad=True)
    y, idx = torchlet.nn.functional.max_pool2d(x, 3, 2, 1, return_indices=True)
    torchlet.nn.functional.max_pool2d(x, 2).sum().backward()
    assert trained == [False]  # indices asked for: never asked; tiles: refused (NumPy's taps are as fast)


@pytest.fixture
def avg_taken(monkeypatch):
    return _spy(monkeypatch, "avg_pool2d")


AVERAGES = [  # (shape, arguments, on oneDNN)
    ((128, 6, 28, 28), dict(kernel_size=2), True),  # LeNet-5's
    ((64, 64, 16, 16), dict(kernel_size=3, stride=2, padding=1), True),
    ((64, 16, 15, 17), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True), True),  # (ceil adds no window)
    ((64, 16, 16, 16), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False), True),
    ((64, 16, 15, 17), dict(kernel_size=(3, 2), stride=(1, 2), padding=(1, 0), count_include_pad=False), True),
    # with count_include_pad, a ceil_mode window reaching past the padding is divided by its size
    # within the padding in PyTorch and by the whole window in oneDNN: NumPy's path (within 2 ulp)
    ((64, 16, 16, 16), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True), False),
]


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("shape,kw,on_onednn", AVERAGES)
def test_average_pool_matches_torch(avg_taken, threads, shape, kw, on_onednn):
    x = np.random.default_rng(4).standard_normal(shape).astype(np.float32)
    g = np.random.default_rng(5).standard_normal(shape).astype(np.float32)
    before = (torch.get_num_threads(), torchlet.get_num_threads())
    try:
        torch.set_num_threads(threads)
        torchlet.set_num_threads(threads)
        a, b = torch.from_numpy(x).requires_grad_(), torchlet.from_numpy(x).requires_grad_()
        ya, yb = torch.nn.functional.avg_pool2d(a, **kw), torchlet.nn.functional.avg_pool2d(b, **kw)
        ya.backward(torch.from_numpy(g[tuple(slice(n) for n in ya.shape)].copy()))
        yb.backward(torchlet.from_numpy(g[tuple(slice(n) for n in yb.shape)].copy()))
    finally:
        torch.set_num_threads(before[0])
        torchlet.set_num_threads(before[1])
    assert avg_taken == [on_onednn]
    if on_onednn:
        np.testing.assert_array_equal(yb.detach().numpy(), ya.detach().numpy())
    np.testing.assert_allclose(yb.detach().numpy(), ya.detach().numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(b.grad.numpy(), a.grad.numpy(), rtol=1e-6, atol=1e-6)


def test_average_pool_not_taken_where_numpy_is_the_path(avg_taken, monkeypatch):
    x = np.random.default_rng(6).standard_normal((64, 16, 16, 16)).astype(np.float32)
    f = torchlet.nn.functional.avg_pool2d
    f(torchlet.from_numpy(x[:2, :2]), 2)  # small
    f(torchlet.from_numpy(x).double(), 2)  # float64
    f(torchlet.from_numpy(x), 3, 2, 1, divisor_override=5)
    monkeypatch.setattr(cpu, "use_onednn", False)
    f(torchlet.from_numpy(x), 2)
    assert avg_taken == [False, False, False]  # (divisor_override never asks)
