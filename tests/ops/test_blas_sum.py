"""Float sums and means large enough to go through BLAS (ops/_blas_sum.py) agree
with PyTorch: whole-array, trailing, leading and batch-norm-shaped (0, 2, 3)
reductions, keepdim, float32/float64, NaN and inf, and the layouts that fall
back to NumPy (non-contiguous, a reduced dim in between)."""

import warnings

import numpy as np
import pytest

import torchlet
from torchlet.ops import _blas_sum

CASES = [
    ((256, 256), None),
    ((256, 256), (0,)),
    ((256, 256), (1,)),
    ((64, 64, 8, 8), (0, 2, 3)),
    ((64, 64, 8, 8), (2, 3)),
    ((64, 64, 8, 8), (1,)),  # a middle dim: NumPy's path
    ((3, 70001), None),  # a long run that is no multiple of the block: NumPy's path
    ((200003,), None),  # one long run: blocks plus a tail
    ((17, 4096 * 17), (1,)),  # long trailing runs cut into blocks
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("shape,dims", CASES, ids=[f"{s}-{d}" for s, d in CASES])
def test_sum_and_mean_match_torch(torch, shape, dims, keepdim, dtype):
    x = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    a, b = torchlet.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    for name in ("sum", "mean"):
        if dims is None and keepdim:
            continue
        kw = {} if dims is None else {"dim": dims, "keepdim": keepdim}
        ra, rb = getattr(a, name)(**kw), getattr(b, name)(**kw)
        assert ra.shape == rb.shape and ra.dtype.is_floating_point and str(ra.dtype)[-7:] == str(rb.dtype)[-7:]
        scale = np.sqrt(x.size / max(1, rb.numel())) * (1 if name == "sum" else 1 / (x.size / max(1, rb.numel())))
        tol = (1e-5 if dtype == "float32" else 1e-12) * max(1.0, scale)
        np.testing.assert_allclose(ra.detach().numpy(), rb.detach().numpy(), rtol=1e-5, atol=tol)
        ra.sum().backward()
        rb.sum().backward()
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-6)
        a.grad = b.grad = None


def test_nan_and_inf_propagate_like_torch(torch):
    x = np.random.default_rng(1).standard_normal((64, 64, 8, 8)).astype(np.float32)
    x[3, 5, 1, 1] = np.nan
    x[7, 9, 0, 0] = np.inf
    x[7, 10, 0, 0], x[8, 10, 0, 0] = np.inf, -np.inf
    for dims in ((0, 2, 3), (2, 3), None):
        kw = {} if dims is None else {"dim": dims}
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # PyTorch warns nothing: neither do we
            ours = torchlet.tensor(x).sum(**kw).numpy()
        theirs = torch.tensor(x).sum(**kw).numpy()
        assert np.array_equal(np.isnan(ours), np.isnan(theirs)) and np.array_equal(np.isinf(ours), np.isinf(theirs))
    big = np.full((64, 4096), 3e38, np.float32)  # sums past float32's range: inf, silently
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = torchlet.tensor(big).sum(1).numpy()
    np.testing.assert_array_equal(ours, torch.tensor(big).sum(1).numpy())


def test_layouts_it_does_not_take_return_none():
    x = np.ones((64, 64, 8, 8), np.float32)
    assert _blas_sum.blas_sum(np, x, (1,), False) is None  # middle dim
    assert _blas_sum.blas_sum(np, x.transpose(1, 0, 2, 3), (0, 2, 3), False) is None  # not contiguous
    assert _blas_sum.blas_sum(np, x.astype(np.float16), (0, 2, 3), False) is None
    assert _blas_sum.blas_sum(np, np.ones((8, 8), np.float32), (0, 1), False) is None  # small: NumPy
    np.testing.assert_array_equal(_blas_sum.blas_sum(np, x, (0, 2, 3), True), np.full((1, 64, 1, 1), 4096.0))


def test_the_ones_it_keeps_cannot_be_written():
    x = np.ones((64, 4096), np.float32)
    _blas_sum.blas_sum(np, x, (1,), False)
    ones = _blas_sum._ones(np, x.dtype, 4096)
    with pytest.raises(ValueError):
        ones[0] = 2


@pytest.fixture
def onednn_holds_cores(monkeypatch):
    """Two threads, oneDNN's pool started (as after a convolution or a fused LSTM on it); records
    the products left to OpenBLAS (their element counts) and those given to oneDNN's sgemm."""
    from conftest import require_onednn
    from torchlet.ops import _onednn

    import torchlet.backends.cpu as cpu

    require_onednn()
    monkeypatch.setattr(cpu, "use_onednn", True)
    monkeypatch.setattr(torchlet, "_threads", [2])
    monkeypatch.setitem(_onednn._state, "pool", True)
    seen = {"openblas": [], "onednn": []}
    real_mm, real_sgemm = _blas_sum._matmul, _onednn.sgemm
    monkeypatch.setattr(
        _blas_sum, "_matmul", lambda a, b: seen["openblas"].append(max(a.size, b.size)) or real_mm(a, b)
    )
    monkeypatch.setattr(_onednn, "sgemm", lambda *a: seen["onednn"].append(a[-2].shape) or real_sgemm(*a))
    return seen


HELD_CASES = CASES + [((64, 512, 2, 2), (0, 2, 3)), ((128, 120), (0,)), ((128, 16, 8, 8), (0, 2, 3))]


@pytest.mark.parametrize("shape,dims", HELD_CASES, ids=[f"{s}-{d}" for s, d in HELD_CASES])
def test_while_onednn_holds_the_cores_no_sum_wakes_openblas(torch, onednn_holds_cores, shape, dims):
    """OpenBLAS's gemv runs on its own threads from GEMV_THREADED elements, which then spin beside
    oneDNN's: while oneDNN's pool holds the cores, such sums go to its sgemm (or NumPy's sum),
    with torch's values."""
    x = np.random.default_rng(2).standard_normal(shape).astype(np.float32)
    kw = {} if dims is None else {"dim": dims}
    np.testing.assert_allclose(
        torchlet.tensor(x).sum(**kw).numpy(), torch.tensor(x).sum(**kw).numpy(), rtol=1e-4, atol=2e-3
    )
    assert all(n < _blas_sum.GEMV_THREADED for n in onednn_holds_cores["openblas"])
    if dims == (0, 2, 3):  # batch norm's sums: on oneDNN (NumPy's sum over them is 4-7x slower)
        assert onednn_holds_cores["onednn"]


def test_while_onednn_holds_the_cores_the_2_norm_is_no_blas_dot(torch, onednn_holds_cores, monkeypatch):
    x = np.random.default_rng(3).standard_normal((300, 400)).astype(np.float32)
    expect = torch.linalg.vector_norm(torch.tensor(x)).item()
    monkeypatch.setattr(
        np, "vdot", lambda *a: pytest.fail("OpenBLAS's dot (its threads) while oneDNN's hold the cores")
    )
    np.testing.assert_allclose(torchlet.linalg.vector_norm(torchlet.tensor(x)).item(), expect, rtol=1e-5)
    np.testing.assert_allclose(torchlet.tensor(x).norm().item(), expect, rtol=1e-5)
