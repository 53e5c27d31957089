"""scaled_dot_product_attention's one-node path (ops/attention_fused.py) against PyTorch: taken
for the inputs PyTorch's CPU dispatch sends to its fused kernel (same grad_fn), values and
gradients on scores large enough to be cut into blocks on two threads, every mask kind,
rows that may attend to nothing, and inputs that are strided views (a GPT's heads) or get a
broadcast gradient."""

import numpy as np
import pytest
import torch

import torchlet
from tests.oracle import assert_same
from torchlet.ops import _onednn, _parallel, _softmax_onednn

B, H, L, S, E = 2, 4, 128, 128, 16  # scores: 131072 elements, over _parallel.MIN_ELEMENTS


def _masks(m, kind, dtype):
    rng = np.random.default_rng(3)
    if kind == "bool shared":
        a = rng.random((L, S)) > 0.5
        a[:, 0] = True
        return m.tensor(a)
    if kind == "bool per head, dead rows":
        a = rng.random((B, H, L, S)) > 0.5
        a[0, 1, :7] = False  # rows that may attend nothing: 0, and no gradient
        return m.tensor(a)
    if kind == "float shared":
        return m.tensor(rng.standard_normal((1, 1, L, S)), dtype=dtype)
    if kind == "float per batch":
        return m.tensor(rng.standard_normal((B, 1, 1, S)), dtype=dtype)
    return None


KINDS = [None, "causal", "bool shared", "bool per head, dead rows", "float shared", "float per batch"]


def _attention(m, kind, dtype, threads):
    m.set_num_threads(threads)
    rng = np.random.default_rng(0)
    # q, k, v as a GPT makes them: one projection, split, heads as strided views
    qkv = m.tensor(rng.standard_normal((B, L, 3 * H * E)), dtype=dtype, requires_grad=True)
    q, k, v = (t.reshape(B, L, H, E).transpose(1, 2) for t in qkv.split(H * E, dim=2))
    y = m.nn.functional.scaled_dot_product_attention(
        q, k, v, attn_mask=_masks(m, kind, dtype), is_causal=kind == "causal", scale=None if kind else 0.3
    )
    (y * m.linspace(-1, 1, y.numel(), dtype=dtype).reshape(y.shape)).sum().backward()
    return y, qkv.grad, type(y.grad_fn).__name__


@pytest.fixture
def threads():
    before = (torch.get_num_threads(), torchlet.get_num_threads())
    yield
    torch.set_num_threads(before[0])
    torchlet.set_num_threads(before[1])


@pytest.mark.parametrize("threads_", [1, 2])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kind", KINDS, ids=[str(k) for k in KINDS])
def test_fused_path_matches_torch(kind, dtype, threads_, threads, monkeypatch):
    cuts, on_onednn = [], []
    by_rows = _parallel.by_rows
    monkeypatch.setattr(_parallel, "by_rows", lambda fn, *a: cuts.append(a[0].shape) or by_rows(fn, *a))
    for name in ("softmax_", "softmax_backward_"):
        real = getattr(_softmax_onednn, name)
        monkeypatch.setattr(_softmax_onednn, name, lambda *a, _r=real, _n=name: _r(*a) and not on_onednn.append(_n))
    ty, tg, tname = _attention(torch, kind, getattr(torch, dtype), threads_)
    oy, og, oname = _attention(torchlet, kind, getattr(torchlet, dtype), threads_)
    assert oname == tname == "ScaledDotProductFlashAttentionForCpuBackward0"
    # float32 with the onednn extra: the softmax on oneDNN where no row can be all -inf, dS always
    onednn = dtype == "float32" and _onednn.enabled()
    assert on_onednn == (["softmax_"] if onednn and kind in (None, "causal") else []) + ["softmax_backward_"] * onednn
    # NumPy's kernels on blocks of heads: the forward's scale and mask (and softmax), backward's dS
    assert cuts == [(B * H, L, S)] * (1 if onednn else 2)
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == "float32" else dict(rtol=1e-10, atol=1e-12)
    assert_same(oy, ty, **tol)
    assert_same(og, tg, **tol)
    if kind == "bool per head, dead rows":
        assert not oy[0, 1, :7].any() and oy[0, 1, 7:].abs().sum() > 0


def test_broadcast_gradient_and_plain_sum():
    """y.sum().backward() hands the node a zero-stride gradient (NumPy's matmul skips BLAS
    on it; the node copies it first): values stay PyTorch's."""
    grads = []
    for m in (torch, torchlet):
        q, k, v = (
            m.tensor(np.random.default_rng(i).standard_normal((2, 2, 64, 8)).astype(np.float32), requires_grad=True)
            for i in range(3)
        )
        m.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True).sum().backward()
        grads.append([t.grad for t in (q, k, v)])
    assert_same(grads[1], grads[0], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "kw,shapes",
    [
        (dict(dropout_p=0.5), [(2, 2, 4, 8)] * 3),  # dropout: PyTorch's composite path
        (dict(is_causal=True), [(2, 4, 8)] * 3),  # 3-D
        (dict(), [(2, 2, 4, 8), (1, 2, 4, 8), (1, 2, 4, 8)]),  # key broadcast over the batch
    ],
)
def test_other_inputs_keep_the_composite_path(kw, shapes):
    def name(m):
        m.manual_seed(0)
        ts = [m.ones(s, requires_grad=True) for s in shapes]
        return type(m.nn.functional.scaled_dot_product_attention(*ts, **kw).grad_fn).__name__

    assert name(torchlet) != "ScaledDotProductFlashAttentionForCpuBackward0"
    assert name(torch) != "ScaledDotProductFlashAttentionForCpuBackward0"
