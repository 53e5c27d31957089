"""The in-place softmax and its gradient on oneDNN (ops/_softmax_onednn.py, the `onednn` extra)
against PyTorch's softmax and softmax backward: scores with -inf entries (a causal mask), large
and tiny values, at one and two threads; refused where NumPy's kernel is the path."""

import numpy as np
import pytest

import torchlet
import torchlet.backends.cpu as cpu
from conftest import require_onednn
from torchlet.ops import _softmax_onednn


@pytest.fixture(autouse=True)
def _onednn_on(monkeypatch):
    require_onednn()
    monkeypatch.setattr(cpu, "use_onednn", True)


def _scores(shape=(8, 4, 64, 128)):
    rng = np.random.default_rng(0)
    s = rng.standard_normal(shape, dtype=np.float32) * 8
    s[..., 1::7] *= 30  # rows whose max stands far above the rest
    causal = np.tril(np.ones(shape[-2:], bool), shape[-1] - shape[-2])
    return np.where(causal, s, np.float32(-np.inf))


@pytest.mark.parametrize("threads", [1, 2])
def test_forward_and_backward_match_torch(torch, threads):
    s = _scores()
    dp = np.random.default_rng(1).standard_normal(s.shape, dtype=np.float32)
    before = torchlet.get_num_threads()
    torchlet.set_num_threads(threads)
    try:
        p = s.copy()
        assert _softmax_onednn.softmax_(p)
        ds = dp.copy()
        assert _softmax_onednn.softmax_backward_(ds, p)
    finally:
        torchlet.set_num_threads(before)
    want = torch.softmax(torch.from_numpy(s), -1)
    np.testing.assert_allclose(p, want.numpy(), rtol=2e-6, atol=1e-7)
    assert (p[s == -np.inf] == 0).all()
    want_ds = torch._softmax_backward_data(torch.from_numpy(dp), want, -1, torch.float32)
    np.testing.assert_allclose(ds, want_ds.numpy(), rtol=1e-5, atol=5e-7)


def test_refused_where_numpy_is_the_path(monkeypatch):
    s = _scores()
    small = s[:1, :1].copy()
    assert small.size < _softmax_onednn.MIN_ELEMENTS
    for bad in (small, s.astype(np.float64), s[..., ::2]):
        before = bad.copy()
        assert not _softmax_onednn.softmax_(bad)
        np.testing.assert_array_equal(bad, before)  # untouched
    p = s.copy()
    assert not _softmax_onednn.softmax_backward_(p, p[:, :2])  # shapes differ
    monkeypatch.setattr(cpu, "use_onednn", False)
    assert not _softmax_onednn.softmax_(p)
