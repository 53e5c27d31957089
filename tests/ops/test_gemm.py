"""The CPU GEMM entry point (ops/_gemm.py): products on oneDNN's sgemm (above one thread, once
oneDNN's pool runs) and on NumPy (the reference; torchlet.backends.cpu.use_onednn = False /
TORCHLET_ONEDNN=0) both give PyTorch's values and gradients, at one and two threads, for odd,
transposed, non-contiguous and empty operands."""

import os
import subprocess
import sys

import numpy as np
import pytest
import torch as T

import torchlet
import torchlet.backends.cpu as cpu
from torchlet import _cpu
from conftest import require_onednn
from tests.oracle import assert_same, from_torch
from torchlet.ops import _gemm, _matmul_onednn, _onednn


@pytest.fixture(params=["onednn", "numpy"])
def path(request, monkeypatch):
    if request.param == "onednn":
        require_onednn()  # skips locally without the extra; fails under CI=true, where it is installed
        monkeypatch.setitem(_onednn._state, "pool", True)  # as after a convolution on its pool
    monkeypatch.setattr(cpu, "use_onednn", request.param == "onednn")
    return request.param


def _pair(shape, seed, dtype=np.float32):
    a = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    return from_torch(T.from_numpy(a.copy()), requires_grad=True), T.from_numpy(a.copy()).requires_grad_()


# (M, K, N): below and above MIN_MACS, odd sizes, rows too few to split, many rows
SHAPES = [(3, 5, 7), (257, 129, 131), (64, 784, 256), (256, 300, 130), (33, 1025, 40), (1, 2048, 1024)]


@pytest.mark.parametrize("m,k,n", SHAPES)
def test_linear_values_and_grads(path, threads, m, k, n):
    x, tx = _pair((m, k), 0)
    w, tw = _pair((n, k), 1)
    b, tb = _pair((n,), 2)
    y, ty = torchlet.nn.functional.linear(x, w, b), T.nn.functional.linear(tx, tw, tb)
    assert_same(y, ty, rtol=1e-4, atol=1e-4)
    g, tg = _pair((m, n), 3)
    y.backward(g.detach())
    ty.backward(tg.detach())
    for ours, theirs in ((x, tx), (w, tw), (b, tb)):  # float32 sums of up to 2048 terms: 1e-5 of the largest
        assert_same(ours.grad, theirs.grad, rtol=1e-4, atol=1e-5 * float(theirs.grad.abs().max()) + 1e-6)


@pytest.mark.parametrize("layout", ["plain", "a_t", "b_t", "both_t", "strided"])
def test_mm_layouts(path, threads, layout):
    a, ta = _pair((300, 200), 3)
    b, tb = _pair((200, 260), 4)
    if layout in ("a_t", "both_t"):  # F-contiguous operands: sgemm takes them transposed
        a, ta = a.detach().t().contiguous().t(), ta.detach().t().contiguous().t()
    if layout in ("b_t", "both_t"):
        b, tb = b.detach().t().contiguous().t(), tb.detach().t().contiguous().t()
    if layout == "strided":  # neither C- nor F-contiguous: copied once for sgemm
        a, ta = a.detach()[:, ::2], ta.detach()[:, ::2]
        b, tb = b.detach()[::2], tb.detach()[::2]
    assert_same(torchlet.mm(a, b), T.mm(ta, tb), rtol=1e-4, atol=1e-4)
    assert_same(a @ b, ta @ tb, rtol=1e-4, atol=1e-4)


def test_float64_and_batched(path):
    a, ta = _pair((4, 130, 90), 5, np.float64)
    b, tb = _pair((90, 120), 6, np.float64)
    assert_same(a @ b, ta @ tb, rtol=1e-10, atol=1e-10)
    a, ta = _pair((3, 130, 90), 7)
    b, tb = _pair((3, 90, 120), 8)
    assert_same(torchlet.bmm(a, b), T.bmm(ta, tb), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("m,k,n", [(0, 300, 400), (300, 0, 400), (300, 400, 0)])
def test_zero_size(path, m, k, n):
    a, ta = _pair((m, k), 9)
    b, tb = _pair((k, n), 10)
    bias, tbias = _pair((n,), 11)
    assert_same(torchlet.mm(a, b), T.mm(ta, tb))
    assert_same(torchlet.addmm(bias, a, b), T.addmm(tbias, ta, tb))


def test_addmm_and_out(path, threads):
    a, ta = _pair((256, 256), 12)
    b, tb = _pair((256, 256), 13)
    c, tc = _pair((256,), 14)
    assert_same(
        torchlet.addmm(c, a, b, beta=0.5, alpha=2), T.addmm(tc, ta, tb, beta=0.5, alpha=2), rtol=1e-4, atol=1e-4
    )
    out, tout = torchlet.empty(256, 256), T.empty(256, 256)
    with torchlet.no_grad():
        res = torchlet.mm(a, b, out=out)
    with T.no_grad():
        T.mm(ta, tb, out=tout)
    assert res is out
    assert_same(out, tout, rtol=1e-4, atol=1e-4)


def test_bias_that_does_not_fit_raises_as_before(path):
    x, w = torchlet.ones(300, 200), torchlet.ones(260, 200)
    with pytest.raises(RuntimeError):
        torchlet.nn.functional.linear(x, w, torchlet.ones(3, 260, dtype=torchlet.float64))


def test_onednn_is_on_by_default_and_off_by_env():
    require_onednn()
    code = "from torchlet.ops import _onednn; print(_onednn.enabled())"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    for value, expect in (("", "True"), ("1", "True"), ("0", "False")):
        env["TORCHLET_ONEDNN"] = value
        res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
        assert res.stdout.strip() == expect, res.stderr


def test_sgemm_is_taken_only_with_the_pool_and_agrees_with_numpy(monkeypatch):
    """Above one thread, once oneDNN's pool has run, a product OpenBLAS would thread goes to
    oneDNN's sgemm (not a silent NumPy fallback); before the pool, a narrow one (under
    ONE_THREAD_MIN_N columns) stays NumPy's and a wide one starts the pool; below THREADED_MACS
    it stays NumPy's. At one thread (no pool to share) products of ONE_THREAD_MIN_N output
    columns or more go to oneDNN (on Intel CPUs also narrower ones of ONE_THREAD_NARROW_MACS or
    more), narrower ones stay NumPy's, and none with use_onednn off."""
    require_onednn()
    calls = []
    real = _onednn.sgemm
    monkeypatch.setattr(_onednn, "sgemm", lambda *a: calls.append(1) or real(*a))
    monkeypatch.setattr(cpu, "use_onednn", True)
    a = np.random.default_rng(15).standard_normal((256, 300)).astype(np.float32)
    bias = np.arange(256, dtype=np.float32)
    monkeypatch.setattr(torchlet, "_threads", [2])
    monkeypatch.delitem(_onednn._state, "pool", raising=False)
    _gemm.matmul(np, a, np.ones((300, _gemm.ONE_THREAD_MIN_N - 1), np.float32))
    assert not calls and not _onednn.pool_started()  # narrow, no pool yet: OpenBLAS's
    np.testing.assert_allclose(_gemm.matmul(np, a, a.T), a @ a.T, rtol=1e-4, atol=1e-3)
    assert calls == [1] and _onednn.pool_started()  # wide: starts the pool, runs on it
    calls.pop()
    for x, y, b in ((a, a.T, None), (a.T, a, None), (a, a.T, bias), (a[:, ::2], a[:, ::2].T, None)):
        np.testing.assert_allclose(_gemm.matmul(np, x, y, b), x @ y + (0 if b is None else b), rtol=1e-4, atol=1e-3)
    assert len(calls) == 4
    _gemm.matmul(np, a[:8, :8], a[:8, :8].T)  # below THREADED_MACS
    monkeypatch.setattr(torchlet, "_threads", [1])
    monkeypatch.delitem(_onednn._state, "pool", raising=False)
    np.testing.assert_allclose(_gemm.matmul(np, a, a.T), a @ a.T, rtol=1e-4, atol=1e-3)  # 256 columns
    assert len(calls) == 5
    narrow = np.ones((300, 8), np.float32)
    _gemm.matmul(np, a, narrow)  # 256 * 300 * 8 multiply-adds: above THREADED_MACS, under ONE_THREAD_NARROW_MACS
    assert len(calls) == 5
    wide_enough = np.ones((300, _gemm.ONE_THREAD_MIN_N - 1), np.float32)  # 256 * 300 * 127: 9.8M
    monkeypatch.setattr(_cpu, "_INTEL", [False])
    _gemm.matmul(np, a, wide_enough)
    assert len(calls) == 5  # narrow: OpenBLAS's (faster on the AMD EPYC it was measured on)
    monkeypatch.setattr(_cpu, "_INTEL", [True])
    np.testing.assert_allclose(_gemm.matmul(np, a, wide_enough), a @ wide_enough, rtol=1e-4, atol=1e-3)
    assert len(calls) == 6  # on Intel oneDNN's from ONE_THREAD_NARROW_MACS
    calls.pop()
    monkeypatch.setattr(cpu, "use_onednn", False)
    _gemm.matmul(np, a, a.T)
    assert len(calls) == 5


def test_batched_products_stay_off_openblas_while_onednn_holds_the_cores(monkeypatch, torch):
    """Stacks of products each of THREADED_MACS or more (attention's q @ k^T and its backward; a
    Linear on a 3-D input: one 2-D product) go to oneDNN while its pool holds the cores, a stack as
    one matmul primitive in its strides (else one sgemm per matrix), with torch's values and
    gradients; broadcast stacks, small ones and float64 stay NumPy's; without the pool, all."""
    require_onednn()
    calls = []
    real, real_stack = _onednn.sgemm, _matmul_onednn.matmul
    monkeypatch.setattr(_onednn, "sgemm", lambda *a: calls.append(a[-2].shape) or real(*a))
    monkeypatch.setattr(_matmul_onednn, "matmul", lambda a, b: calls.append(("stack", a.shape)) or real_stack(a, b))
    monkeypatch.setattr(cpu, "use_onednn", True)
    monkeypatch.setattr(torchlet, "_threads", [2])
    monkeypatch.setitem(_onednn._state, "pool", True)
    rng = np.random.default_rng(16)
    q, k = (rng.standard_normal((2, 3, 96, 64)).astype(np.float32) for _ in range(2))
    w = rng.standard_normal((64, 128)).astype(np.float32)
    # per matrix: 96 * 64 * 96 multiply-adds; q @ w: linalg.matmul folds the stack into one product
    cases = ((q, k.swapaxes(-1, -2), [("stack", q.shape)]), (q, w, [(2 * 3 * 96, 128)]))
    cases += ((q.swapaxes(-1, -2)[..., :48, :], k, [("stack", (2, 3, 48, 96))]),)
    for x, y, expect in cases:
        ours = [torchlet.tensor(v, requires_grad=True) for v in (x, y)]
        theirs = [torch.tensor(v, requires_grad=True) for v in (x, y)]
        calls.clear()
        r, t = ours[0] @ ours[1], theirs[0] @ theirs[1]
        assert calls == expect
        r.backward(torchlet.ones_like(r))
        t.backward(torch.ones_like(t))
        for u, v in zip([r] + [o.grad for o in ours], [t] + [o.grad for o in theirs]):
            np.testing.assert_allclose(u.detach().numpy(), v.detach().numpy(), rtol=1e-4, atol=1e-4)
    # where oneDNN's matmul refuses a stack: one sgemm per matrix, the same values
    monkeypatch.setattr(_matmul_onednn, "matmul", lambda a, b: calls.append("refused"))
    calls.clear()
    per_matrix = _gemm.matmul(np, q, k.swapaxes(-1, -2))
    assert calls == ["refused"] + [(96, 96)] * 6
    np.testing.assert_allclose(per_matrix, real_stack(q, k.swapaxes(-1, -2)), rtol=1e-5, atol=1e-5)
    calls.clear()
    _gemm.matmul(np, q, k[:1].swapaxes(-1, -2))  # a broadcast stack
    _gemm.matmul(np, q[..., :8, :], k[..., :8, :].swapaxes(-1, -2))  # small matrices
    _gemm.matmul(np, q.astype(np.float64), w.astype(np.float64))
    monkeypatch.delitem(_onednn._state, "pool")
    _gemm.matmul(np, q, k.swapaxes(-1, -2))
    assert calls == []


@pytest.mark.parametrize("threads", [1, 2])
def test_onednn_matmul_of_strided_stacks_matches_numpy(threads, monkeypatch):
    """_matmul_onednn on a GPT's operands: heads as strided views of one projection, transposed
    keys, a transposed score stack; reversed or broadcast strides are refused (the loop takes
    them)."""
    require_onednn()
    monkeypatch.setattr(torchlet, "_threads", [threads])
    rng = np.random.default_rng(17)
    qkv = rng.standard_normal((4, 128, 3 * 64)).astype(np.float32)
    q, k = (qkv[..., i * 64 : (i + 1) * 64].reshape(4, 128, 2, 32).transpose(0, 2, 1, 3) for i in range(2))
    p = rng.standard_normal((4, 2, 128, 128)).astype(np.float32)
    for a, b in ((q, k.swapaxes(-1, -2)), (p.swapaxes(-1, -2), q), (p, k)):
        got = _matmul_onednn.matmul(a, b)
        assert got.flags.c_contiguous and got.dtype == np.float32
        np.testing.assert_allclose(got, np.matmul(a.astype(np.float64), b.astype(np.float64)), rtol=1e-4, atol=1e-4)
    assert _matmul_onednn.matmul(q[:, :, ::-1], k.swapaxes(-1, -2)) is None
    assert _matmul_onednn.matmul(q, np.broadcast_to(k[:1], k.shape).swapaxes(-1, -2)) is None
