"""Sigmoid and GELU on oneDNN's eltwise primitive (ops/_eltwise_onednn.py, the `onednn` extra)
against PyTorch: values within a few ulp over the whole float32 range (subnormal results, +-inf,
NaN, -0.0), the gradients, float16 through float32; taken exactly where it should be (sigmoid: one
thread, or oneDNN's pool holding the cores; GELU: also starting the pool; large contiguous
float32 only); from several threads and in a forked child."""

import numpy as np
import pytest

import torchlet
import torchlet.backends.cpu as cpu
from conftest import require_onednn
from tests.ops.concurrency import in_forked_child, run_on_threads
from torchlet.ops import _eltwise_onednn, _onednn


def _ulps(a, b):
    """Distance in float32 steps (both finite or equal)."""
    ia, ib = (np.asarray(v, np.float32).view(np.int32).astype(np.int64) for v in (a, b))
    ia = np.where(ia < 0, np.int64(-(2**31)) - ia, ia)  # sign-magnitude to a monotone line
    ib = np.where(ib < 0, np.int64(-(2**31)) - ib, ib)
    return np.abs(ia - ib)


@pytest.fixture
def taken(monkeypatch):
    """The oneDNN path on; counts its runs."""
    require_onednn()
    monkeypatch.setattr(cpu, "use_onednn", True)
    runs = []
    real = _eltwise_onednn._plan

    def plan(lib, algorithm, n, backward=False):
        p = real(lib, algorithm, n, backward)
        runs.append(n if algorithm == "sigmoid" else (algorithm, n, backward))
        return p

    monkeypatch.setattr(_eltwise_onednn, "_plan", plan)
    return runs


@pytest.mark.parametrize("threads", [1, 2])
def test_values_over_the_float32_range_match_torch(torch, taken, threads, monkeypatch):
    if threads > 1:
        monkeypatch.setitem(_onednn._state, "pool", True)  # as after a convolution on its pool
    x = np.linspace(-120, 120, 1_000_003, dtype=np.float32)
    x[:8] = [np.nan, np.inf, -np.inf, -0.0, 0.0, -88.7, -103.0, -87.2]  # subnormal results at -88.7, -103
    before = torchlet.get_num_threads()
    torchlet.set_num_threads(threads)
    try:
        ours = torchlet.sigmoid(torchlet.from_numpy(x)).numpy()
    finally:
        torchlet.set_num_threads(before)
    theirs = torch.sigmoid(torch.from_numpy(x)).numpy()
    assert taken == [x.size]
    assert np.isnan(ours[0]) and np.array_equal(ours[1:], ours[1:])  # NaN only where x is NaN
    assert _ulps(ours[1:], theirs[1:]).max() <= 6
    assert ours[5] > 0 and ours[7] > 0  # PyTorch's subnormals, not oneDNN's 0


def test_gradient_and_float16_match_torch(torch, taken, monkeypatch):
    monkeypatch.setattr(torchlet, "_threads", [1])
    x = np.random.default_rng(0).standard_normal((128, 6, 28, 28)).astype(np.float32) * 5
    a, b = torchlet.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ya, yb = torchlet.sigmoid(a), torch.sigmoid(b)
    (ya * ya).sum().backward()
    (yb * yb).sum().backward()
    np.testing.assert_allclose(ya.detach().numpy(), yb.detach().numpy(), rtol=1e-6, atol=2e-7)
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-5, atol=5e-7)  # (NumPy's path: 2.4e-7)
    assert taken == [x.size]
    h = torchlet.sigmoid(torchlet.tensor(x).half()).float().numpy()
    t = torch.sigmoid(torch.tensor(x).half()).float().numpy()
    np.testing.assert_allclose(h, t, rtol=2**-10, atol=2**-24)  # one float16 step where rounding a
    assert (h != t).sum() <= 8  # near-tie rounds the other way (NumPy's path: 1 of these 602112)
    assert taken == [x.size] * 2  # float16 goes through float32


def test_not_taken_where_numpy_is_the_path(taken, monkeypatch):
    """Small, float64, strided: NumPy's formula. Above one thread before oneDNN's pool holds
    the cores: NumPy's too (no second pool beside OpenBLAS's). use_onednn off: NumPy's."""
    big = np.ones(1 << 17, np.float32)
    assert _eltwise_onednn.sigmoid(big[: _eltwise_onednn.MIN_ELEMENTS - 1]) is None
    assert _eltwise_onednn.sigmoid(big.astype(np.float64)) is None
    assert _eltwise_onednn.sigmoid(big.reshape(256, 512)[:, ::2]) is None
    monkeypatch.setattr(torchlet, "_threads", [2])
    monkeypatch.setattr(_onednn, "_state", {k: v for k, v in _onednn._state.items() if k != "pool"})
    assert _eltwise_onednn.sigmoid(big) is None
    monkeypatch.setitem(_onednn._state, "pool", True)
    monkeypatch.setattr(cpu, "use_onednn", False)
    assert _eltwise_onednn.sigmoid(big) is None
    assert taken == []
    np.testing.assert_allclose(torchlet.sigmoid(torchlet.from_numpy(big)).numpy(), 1 / (1 + np.exp(-1.0)), rtol=1e-6)


def test_threads_each_keep_their_own_primitive(taken, monkeypatch):
    monkeypatch.setattr(torchlet, "_threads", [1])
    x = np.random.default_rng(1).standard_normal((4, 1 << 16)).astype(np.float32)
    expect = [1 / (1 + np.exp(-r.astype(np.float64))) for r in x]
    got = [None] * 4

    def work(i):
        for _ in range(20):
            got[i] = _eltwise_onednn.sigmoid(x[i])

    run_on_threads(work, 4)
    for g, e in zip(got, expect):
        np.testing.assert_allclose(g, e, rtol=1e-6, atol=1e-7)
    assert len(taken) == 80


def _child(q, x, y):
    got = _eltwise_onednn.sigmoid(x)
    q.put((got is not None and float(np.abs(got - y).max()), "plans" in _eltwise_onednn._local.__dict__))


def test_forked_child_after_the_parent_used_the_pool(taken, monkeypatch):
    """A forked child has none of the parent's OpenMP threads: it makes its own primitive (one
    thread) instead of entering the parent's pool and waiting forever."""
    monkeypatch.setitem(_onednn._state, "pool", True)
    before = torchlet.get_num_threads()
    torchlet.set_num_threads(2)
    try:
        x = np.random.default_rng(2).standard_normal(1 << 18).astype(np.float32)
        y = _eltwise_onednn.sigmoid(x)
        error, own_primitive = in_forked_child(_child, x, y)
        assert own_primitive and error is not False and error < 1e-6
    finally:
        torchlet.set_num_threads(before)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_and_its_gradient_match_torch(torch, taken, threads, approximate, monkeypatch):
    """Above one thread GELU starts oneDNN's pool itself (the process's products follow)."""
    monkeypatch.setattr(_onednn, "_state", {k: v for k, v in _onednn._state.items() if k != "pool"})
    x = np.linspace(-30, 30, 1_000_003, dtype=np.float32)
    x[:12] = [np.nan, np.inf, -np.inf, -0.0, 0.0, -1e4, 1e4, -1e30, 1e30, -12.0, -9.0, 1e-30]
    g = np.random.default_rng(0).standard_normal(x.size).astype(np.float32)
    before = torchlet.get_num_threads()
    torchlet.set_num_threads(threads)
    try:
        a = torchlet.from_numpy(x).requires_grad_()
        y = torchlet.nn.functional.gelu(a, approximate=approximate)
        y.backward(torchlet.from_numpy(g))
    finally:
        torchlet.set_num_threads(before)
    assert taken == [(approximate, x.size, False), (approximate, x.size, True)]
    assert _onednn.pool_started() == (threads > 1)
    b = torch.from_numpy(x).requires_grad_()
    yb = torch.nn.functional.gelu(b, approximate=approximate)
    yb.backward(torch.from_numpy(g))
    # the erf form: PyTorch's bits here (the same polynomial); the tanh form: where PyTorch's tanh
    # rounds to -1 (x near -5) oneDNN keeps the ~1e-7 that is there
    tol = dict(rtol=1e-6, atol=1e-7) if approximate == "none" else dict(rtol=1e-5, atol=5e-7)
    np.testing.assert_allclose(y.detach().numpy(), yb.detach().numpy(), **tol)
    tol = dict(rtol=1e-6, atol=1e-7) if approximate == "none" else dict(rtol=1e-5, atol=5e-6)
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), **tol)


def test_gelu_not_taken_where_numpy_is_the_path(taken, monkeypatch):
    big = np.ones(1 << 17, np.float32)
    assert _eltwise_onednn.gelu(big[: _eltwise_onednn.MIN_ELEMENTS - 1], "none") is None
    assert _eltwise_onednn.gelu(big.astype(np.float64), "none") is None
    assert _eltwise_onednn.gelu(big.reshape(256, 512)[:, ::2], "tanh") is None
    assert _eltwise_onednn.gelu_backward(big, big.astype(np.float64), "none") is None
    monkeypatch.setattr(cpu, "use_onednn", False)
    assert _eltwise_onednn.gelu(big, "none") is None
    assert taken == []
