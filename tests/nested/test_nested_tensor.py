"""torch.nested against PyTorch: construction (strided and jagged), printing, sizes and their
errors, unbind / values / offsets / to_padded_tensor, indexing, reshape / transpose /
unflatten, matmul, pointwise ops, softmax, dropout (PyTorch's stream over the packed buffer),
nn.Linear with gradients, and the nested-tensor tutorial's multi-head attention over jagged
q/k/v (checked against PyTorch run per sequence, as its nested SDPA needs CUDA here)."""

import re
import warnings

import numpy as np
import pytest
import torch

import torchlet
from tests.oracle import assert_same
from tests.ops.both import both

warnings.filterwarnings("ignore", message=".*nested tensors.*")
warnings.filterwarnings("ignore", message=".*PyTorch API of nested tensors.*")


def _r(x):
    """repr with the package name and the ragged-size counter (j<n>) normalised."""
    return re.sub(r"\bj\d+\b", "j", repr(x).replace("torchlet.", "torch."))


def _pair(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(torch), fn(torchlet)


def _ab(m):
    return m.arange(12.0).reshape(2, 6), m.arange(18.0).reshape(3, 6)


@pytest.mark.parametrize("layout", ["strided", "jagged"])
def test_construction_printing_and_sizes(layout):
    t, o = _pair(lambda m: m.nested.nested_tensor(list(_ab(m)), dtype=m.float, layout=getattr(m, layout)))
    assert _r(o) == _r(t)
    assert (o.size(0), o.dim(), o.is_nested, _r(o.layout), _r(o.dtype), o.size(2), o.size(-1)) == (
        t.size(0),
        t.dim(),
        t.is_nested,
        _r(t.layout),
        _r(t.dtype),
        t.size(2),
        t.size(-1),
    )
    if layout == "jagged":
        assert _r(o.shape) == _r(t.shape)
        assert _r(o.size(1)) == _r(t.size(1))
        assert_same(o.values(), t.values())
        assert_same(o.offsets(), t.offsets())
        assert o.lengths() is t.lengths() is None
    else:
        both(lambda m: m.nested.nested_tensor(list(_ab(m))).shape, torch)
        both(lambda m: m.nested.nested_tensor(list(_ab(m))).size(1), torch)
    assert_same(list(o.unbind()), list(t.unbind()))
    assert type(o.unbind()) is tuple
    assert_same(torchlet.nested.to_padded_tensor(o, 0.0), torch.nested.to_padded_tensor(t, 0.0))
    assert_same(o.to_padded_tensor(-1.0), t.to_padded_tensor(-1.0))
    assert_same((o[0], o[1, :, -1]), (t[0], t[1, :, -1]))
    assert o[0].is_nested is t[0].is_nested is False
    assert torchlet.ones(2).is_nested is False


def test_vectors_and_softmax():
    t, o = _pair(lambda m: m.nested.nested_tensor([m.tensor([1.0, 2.0]), m.tensor([3.0, 4.0, 5.0])]))
    assert _r(o) == _r(t)
    assert _r(torchlet.nn.functional.softmax(o, -1)) == _r(torch.nn.functional.softmax(t, -1))
    t, o = _pair(lambda m: m.nested.nested_tensor([m.tensor([1.0, 2.0]), m.tensor([3.0, 4.0, 5.0])], layout=m.jagged))
    assert _r(o) == _r(t)


def test_tutorial_reshape_transpose_matmul_dropout_softmax():
    def run(m):
        nt = m.nested.nested_tensor(list(_ab(m)), dtype=m.float)
        r = nt.reshape(2, -1, 2, 3)
        tr = r.transpose(1, 2)
        m.manual_seed(1)
        mm = m.nested.nested_tensor([m.randn((2, 3, 4)), m.randn((2, 3, 5))])
        n3 = m.matmul(tr, mm)
        m.manual_seed(2)
        n4 = m.nn.functional.dropout(n3, 0.1)
        n5 = m.nn.functional.softmax(n4, -1)
        return [_r(x) for x in (r, tr, n3, n4, n5)]

    t, o = _pair(run)
    assert o == t


@pytest.mark.parametrize(
    "op",
    [
        lambda x: x.sin(),
        lambda x: x + 1,
        lambda x: x * x,
        lambda x: 2 - x,
        lambda x: (x - 5).relu(),
        lambda x: x / 3,
        lambda x: x.exp().log(),
        lambda x: x.unflatten(-1, [2, 3]).transpose(1, 2).transpose(1, 2).flatten(-2),
    ],
)
def test_jagged_pointwise_and_views(op):
    t, o = _pair(lambda m: op(m.nested.nested_tensor(list(_ab(m)), layout=m.jagged)))
    assert _r(o.shape) == _r(t.shape)
    assert_same(o.values(), t.values())


def test_jagged_dropout_stream():
    def run(m):
        m.manual_seed(3)
        x = m.nested.nested_tensor([m.ones(3, 8), m.ones(5, 8)], layout=m.jagged)
        return m.nn.functional.dropout(x, 0.5).values()

    t, o = _pair(run)
    assert_same(o, t)


def test_linear_gradients_and_from_jagged():
    def run(m):
        m.manual_seed(0)
        lin = m.nn.Linear(6, 4)
        a, b = _ab(m)
        x = m.nested.nested_tensor([a, b], layout=m.jagged, requires_grad=True)
        out = lin(x)
        out.values().square().sum().backward()
        ln = m.nn.LayerNorm(4)
        z = ln(out.detach())
        v = m.randn(5, 6, requires_grad=True)
        y = lin(m.nested.nested_tensor_from_jagged(v, m.tensor([0, 2, 5])))
        (y * 2).values().sum().backward()
        return (
            out.values(),
            x.grad.values(),
            lin.weight.grad,
            v.grad,
            z.values(),
            m.nn.functional.relu(out).values(),
            _r(out.shape),
            x.requires_grad,
            x.is_leaf,
        )

    t, o = _pair(run)
    assert_same(o[:6], t[:6])
    assert o[6:] == t[6:]


def test_errors():
    both(lambda m: m.nested.nested_tensor([m.ones(2, 3), m.ones(3, 4)], layout=m.jagged), torch)
    t, o = _pair(lambda m: m.nested.nested_tensor([m.ones(2, 3), m.ones(2, 4)], layout=m.jagged))
    assert (_r(o), _r(o.shape)) == (_r(t), _r(t.shape))
    assert_same(o.values(), t.values())
    both(lambda m: m.nested.nested_tensor(m.ones(2, 3)), torch)
    both(lambda m: m.nested.nested_tensor(list(_ab(m)), layout=m.jagged).transpose(0, 1), torch)


def _mha(m, q, k, v, W, nheads=2):
    """The tutorial's MultiHeadAttention forward (its projections given as weights)."""
    F = m.nn.functional
    q, k, v = F.linear(q, W[0]), F.linear(k, W[1]), F.linear(v, W[2])
    E = W[0].shape[0] // nheads
    q, k, v = (x.unflatten(-1, [nheads, E]).transpose(1, 2) for x in (q, k, v))
    out = F.scaled_dot_product_attention(q, k, v, dropout_p=0.0, is_causal=True)
    return F.linear(out.transpose(1, 2).flatten(-2), W[3])


def test_tutorial_multihead_attention_on_jagged_tensors():
    rng = np.random.default_rng(0)
    lengths = [3, 1, 5]
    seqs = [rng.standard_normal((n, 8)).astype(np.float32) for n in lengths]
    W = [rng.standard_normal((8, 8)).astype(np.float32) * 0.3 for _ in range(4)]
    nt = torchlet.nested.nested_tensor([torchlet.tensor(s) for s in seqs], layout=torchlet.jagged, requires_grad=True)
    Wl = [torchlet.tensor(w, requires_grad=True) for w in W]
    out = _mha(torchlet, nt, nt, nt, Wl)
    out.values().square().sum().backward()
    Wt = [torch.tensor(w, requires_grad=True) for w in W]
    ts = [torch.tensor(s, requires_grad=True) for s in seqs]
    ref = [_mha(torch, x[None], x[None], x[None], Wt)[0] for x in ts]
    sum(r.square().sum() for r in ref).backward()
    assert_same(list(out.unbind()), ref, rtol=1e-5, atol=1e-5)
    assert_same(list(nt.grad.unbind()), [x.grad for x in ts], rtol=1e-4, atol=1e-5)
    assert_same([w.grad for w in Wl], [w.grad for w in Wt], rtol=1e-4, atol=1e-5)


def test_create_nested_block_mask_matches_per_sequence_causal_attention():
    from torchlet.nn.attention.flex_attention import create_nested_block_mask, flex_attention

    rng = np.random.default_rng(1)
    lengths = [3, 4]
    seqs = [rng.standard_normal((n, 2, 4)).astype(np.float32) for n in lengths]  # (L_i, H, E)
    nt = torchlet.nested.nested_tensor([torchlet.tensor(s) for s in seqs], layout=torchlet.jagged)

    def causal(b, h, q_idx, kv_idx):
        return q_idx >= kv_idx

    bm = create_nested_block_mask(causal, 1, 2, nt, BLOCK_SIZE=2)
    assert bm.shape == (1, 2, 7, 7)
    packed = nt.values().transpose(0, 1).unsqueeze(0)  # (1, H, total, E)
    out = flex_attention(packed, packed, packed, block_mask=bm)
    at = 0
    for s in seqs:
        x = torch.tensor(s).transpose(0, 1)[None]
        ref = torch.nn.functional.scaled_dot_product_attention(x, x, x, is_causal=True)
        assert_same(out[:, :, at : at + len(s)], ref, rtol=1e-5, atol=1e-6)
        at += len(s)
