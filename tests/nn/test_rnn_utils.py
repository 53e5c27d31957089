"""nn.utils.rnn (PackedSequence, pack/pad/unpad) and packed input to RNN/LSTM/GRU against PyTorch."""

import numpy as np
import pytest

from tests.nn._exact import same_error
from tests.oracle import assert_same

rng = np.random.default_rng(0)


def R(m):
    return m.nn.utils.rnn


def _seqs(lengths, feat=(3,), dtype=np.float32, seed=0):
    r = np.random.default_rng(seed)
    return [r.normal(size=(n,) + feat).astype(dtype) for n in lengths]


def _pair(arrays, requires_grad=False):
    import torch
    import torchlet

    a = [torchlet.tensor(x, requires_grad=requires_grad) for x in arrays]
    b = [torch.tensor(x, requires_grad=requires_grad) for x in arrays]
    return a, b


def _same_packed(p, q):
    assert type(p).__name__ == "PackedSequence" and p._fields == q._fields
    assert_same(p.data, q.data)
    assert_same(p.batch_sizes, q.batch_sizes)
    assert_same(p.sorted_indices, q.sorted_indices)
    assert_same(p.unsorted_indices, q.unsorted_indices)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("enforce_sorted,lengths", [(True, [5, 3, 3, 1]), (False, [2, 5, 1, 3]), (False, [4, 4, 4])])
@pytest.mark.parametrize("as_tensor", [False, True])
def test_pack_pad_roundtrip_and_grads(batch_first, enforce_sorted, lengths, as_tensor, torch):
    import torchlet

    x = rng.normal(size=(5, len(lengths), 2, 3)).astype(np.float32)
    if batch_first:
        x = x.transpose(1, 0, 2, 3).copy()
    res = []
    for m in (torchlet, torch):
        t = m.tensor(x, requires_grad=True)
        ln = m.tensor(lengths) if as_tensor else lengths
        p = R(m).pack_padded_sequence(t, ln, batch_first=batch_first, enforce_sorted=enforce_sorted)
        padded, out_len = R(m).pad_packed_sequence(p, batch_first=batch_first, padding_value=-2.5, total_length=6)
        g = np.random.default_rng(1).normal(size=tuple(padded.shape)).astype(np.float32)
        gd = np.random.default_rng(2).normal(size=tuple(p.data.shape)).astype(np.float32)
        (padded * m.tensor(g)).sum().backward(retain_graph=True)
        g1 = t.grad.clone()
        t.grad = None
        (p.data * m.tensor(gd)).sum().backward()
        res.append((p, padded, out_len, g1, t.grad))
    (p, *rest_a), (q, *rest_b) = res
    _same_packed(p, q)
    for a, b in zip(rest_a, rest_b):
        assert_same(a, b)


def test_packed_sequence_namedtuple_repr_and_to(torch):
    import torchlet

    a, b = _pair(_seqs([3, 1, 2], (2,)))
    p = R(torchlet).pack_sequence(a, enforce_sorted=False)
    q = R(torch).pack_sequence(b, enforce_sorted=False)
    assert repr(p) == repr(q)
    assert str(p) == str(q)
    data, bs, si, ui = p
    assert data is p.data and bs is p.batch_sizes and si is p.sorted_indices and ui is p.unsorted_indices
    assert isinstance(p, tuple) and p._fields == q._fields and len(p) == 4
    pd, qd = p.double(), q.double()
    _same_packed(pd, qd)
    assert p.to(torchlet.float32) is p and q.to(torch.float32) is q
    assert p.to("cpu") is p and p.cpu() is p
    assert repr(p.to(torchlet.float64)).replace("torchlet.", "torch.") == repr(q.to(torch.float64))
    assert p.is_cuda is False
    p2 = R(torchlet).PackedSequence(p.data, p.batch_sizes, p.sorted_indices)
    q2 = R(torch).PackedSequence(q.data, q.batch_sizes, q.sorted_indices)
    _same_packed(p2, q2)
    p3 = R(torchlet).PackedSequence((p.data, p.batch_sizes))
    q3 = R(torch).PackedSequence((q.data, q.batch_sizes))
    _same_packed(p3, q3)
    assert_same(
        R(torchlet).invert_permutation(torchlet.tensor([2, 0, 3, 1])),
        R(torch).invert_permutation(torch.tensor([2, 0, 3, 1])),
    )
    assert R(torchlet).invert_permutation(None) is None


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["right", "left"])
def test_pad_sequence(batch_first, side, torch):
    import torchlet

    a, b = _pair(_seqs([2, 4, 1], (2, 3)), requires_grad=True)
    ya = R(torchlet).pad_sequence(a, batch_first=batch_first, padding_value=7.0, padding_side=side)
    yb = R(torch).pad_sequence(b, batch_first=batch_first, padding_value=7.0, padding_side=side)
    assert_same(ya, yb)
    g = np.random.default_rng(3).normal(size=tuple(yb.shape)).astype(np.float32)
    ga = torchlet.autograd.grad(ya, a, torchlet.tensor(g))
    gb = torch.autograd.grad(yb, b, torch.tensor(g))
    assert_same(list(ga), list(gb))


def test_pad_sequence_forms(torch):
    import torchlet

    assert_same(R(torchlet).pad_sequence(torchlet.ones(2, 3)), R(torch).pad_sequence(torch.ones(2, 3)))
    mixed = [lambda m: m.ones(2), lambda m: m.arange(3)]
    assert_same(
        R(torchlet).pad_sequence([f(torchlet) for f in mixed]), R(torch).pad_sequence([f(torch) for f in mixed])
    )
    bc = [lambda m: m.ones(2, 3), lambda m: m.arange(3.0).reshape(3, 1)]
    assert_same(
        R(torchlet).pad_sequence([f(torchlet) for f in bc], True), R(torch).pad_sequence([f(torch) for f in bc], True)
    )
    ints = [lambda m: m.tensor([1, 2, 3]), lambda m: m.tensor([4])]
    assert_same(
        R(torchlet).pad_sequence([f(torchlet) for f in ints], True, -1),
        R(torch).pad_sequence([f(torch) for f in ints], True, -1),
    )


def test_pack_unpack_unpad(torch):
    import torchlet

    arrays = _seqs([2, 5, 3])
    a, b = _pair(arrays)
    p = R(torchlet).pack_sequence(a, enforce_sorted=False)
    q = R(torch).pack_sequence(b, enforce_sorted=False)
    _same_packed(p, q)
    assert_same(R(torchlet).unpack_sequence(p), R(torch).unpack_sequence(q))
    for bf in (False, True):
        pa = R(torchlet).pad_sequence(a, batch_first=bf)
        pb = R(torch).pad_sequence(b, batch_first=bf)
        lens = [2, 5, 3]
        assert_same(
            R(torchlet).unpad_sequence(pa, torchlet.tensor(lens), batch_first=bf),
            R(torch).unpad_sequence(pb, torch.tensor(lens), batch_first=bf),
        )


@pytest.mark.parametrize(
    "call",
    [
        lambda m: R(m).pack_padded_sequence(m.ones(4, 3, 2), [2, 3, 1]),
        lambda m: R(m).pack_padded_sequence(m.ones(4, 3, 2), [3, 2, 0]),
        lambda m: R(m).pack_padded_sequence(m.ones(4, 3, 2), [3, 2, -1], enforce_sorted=False),
        lambda m: R(m).pack_padded_sequence(m.ones(4, 3, 2), [3, 2]),
        lambda m: R(m).pack_padded_sequence(m.ones(4, 3, 2), m.tensor([[3, 2, 1]])),
        lambda m: R(m).pack_sequence([m.ones(2), m.ones(3)]),
        lambda m: R(m).pad_sequence([]),
        lambda m: R(m).pad_sequence([m.ones(2)], padding_side="middle"),
        lambda m: R(m).pad_sequence([m.ones(2, 3), m.ones(2, 4)]),
        lambda m: R(m).pad_sequence(5),
        lambda m: R(m).pad_sequence([m.tensor(1.0)]),
        lambda m: R(m).pad_packed_sequence(R(m).pack_sequence([m.ones(3), m.ones(2)]), total_length=2),
        lambda m: R(m).PackedSequence(m.ones(3)),
        lambda m: m.nn.RNN(2, 3)(R(m).PackedSequence(m.ones(4, 1, 2), m.tensor([2, 2]))),
        lambda m: m.nn.GRU(2, 3)(R(m).pack_sequence([m.ones(3, 2), m.ones(2, 2)]), m.zeros(1, 3, 3)),
        lambda m: m.nn.RNN(2, 3)(R(m).pack_sequence([m.ones(3, 4), m.ones(2, 4)])),
    ],
)
def test_errors(call, torch):
    eo, et = same_error(call)
    if not isinstance(et, AssertionError):
        assert str(eo) == str(et)


def test_lstm_packed_bad_cell_state(torch):
    """PyTorch skips the hidden-size check for a packed LSTM and fails later in a
    broadcast; the class is the same, our message names the expected size."""
    eo, _ = same_error(
        lambda m: m.nn.LSTM(2, 3)(
            R(m).pack_sequence([m.ones(3, 2), m.ones(2, 2)]), (m.zeros(1, 2, 3), m.zeros(1, 3, 3))
        )
    )
    assert "Expected hidden[1] size (1, 2, 3), got [1, 3, 3]" in str(eo)


def test_length_beyond_padding_is_refused(torch):
    """PyTorch reads past the input for a length longer than the padded batch; we refuse."""
    import torchlet

    with pytest.raises(RuntimeError, match="exceeds"):
        R(torchlet).pack_padded_sequence(torchlet.ones(4, 3, 2), [5, 2, 1])


RNNS = [
    ("RNN", dict()),
    ("RNN", dict(nonlinearity="relu", num_layers=2, bidirectional=True)),
    ("GRU", dict(num_layers=2)),
    ("GRU", dict(bidirectional=True, batch_first=True)),
    ("LSTM", dict()),
    ("LSTM", dict(num_layers=2, bidirectional=True, proj_size=2)),
    ("LSTM", dict(batch_first=True, bias=False)),
]


@pytest.mark.parametrize("with_hx", [False, True])
@pytest.mark.parametrize("enforce_sorted", [True, False])
@pytest.mark.parametrize("kind,kw", RNNS, ids=[f"{k}-{i}" for i, (k, _) in enumerate(RNNS)])
def test_rnn_packed(kind, kw, enforce_sorted, with_hx, torch):
    import torchlet

    lengths = [5, 3, 3, 1] if enforce_sorted else [3, 5, 1, 3]
    B, F, H = len(lengths), 3, 4
    bf = kw.get("batch_first", False)
    x = np.random.default_rng(4).normal(size=(B, 5, F) if bf else (5, B, F)).astype(np.float32)
    mt = getattr(torch.nn, kind)(F, H, **kw)
    mo = getattr(torchlet.nn, kind)(F, H, **kw)
    mo.load_state_dict({k: torchlet.tensor(v.detach().numpy()) for k, v in mt.state_dict().items()})
    D = 2 if kw.get("bidirectional") else 1
    L = kw.get("num_layers", 1)
    Hout = kw.get("proj_size", 0) or H
    h0 = np.random.default_rng(5).normal(size=(L * D, B, Hout)).astype(np.float32)
    c0 = np.random.default_rng(6).normal(size=(L * D, B, H)).astype(np.float32)
    res = []
    for m, mod in ((torchlet, mo), (torch, mt)):
        t = m.tensor(x, requires_grad=True)
        p = R(m).pack_padded_sequence(t, lengths, batch_first=bf, enforce_sorted=enforce_sorted)
        hx = None
        leaves = [t]
        if with_hx:
            h = m.tensor(h0, requires_grad=True)
            leaves.append(h)
            hx = h
            if kind == "LSTM":
                c = m.tensor(c0, requires_grad=True)
                leaves.append(c)
                hx = (h, c)
        out, hidden = mod(p, hx)
        assert type(out).__name__ == "PackedSequence"
        padded, _ = R(m).pad_packed_sequence(out, batch_first=bf)
        hs = list(hidden) if isinstance(hidden, tuple) else [hidden]
        loss = (padded * padded.detach().sin()).sum() + sum((h * h.detach().cos()).sum() for h in hs)
        params = list(mod.parameters())
        grads = m.autograd.grad(loss, leaves + params)
        res.append((out, hs, padded, grads))
    (po, ho, pado, go), (pt, ht, padt, gt) = res
    _same_packed(po, pt)
    assert_same(ho, ht, rtol=1e-5, atol=1e-5)
    assert_same(pado, padt, rtol=1e-5, atol=1e-5)
    assert_same(list(go), list(gt), rtol=1e-4, atol=1e-5)


def test_rnn_packed_gradcheck(torch):
    """float64 gradcheck through pack -> GRU -> pad (unsorted, bidirectional)."""
    import torchlet

    torchlet.manual_seed(0)
    gru = torchlet.nn.GRU(2, 3, bidirectional=True).double()
    x = torchlet.randn(4, 3, 2, dtype=torchlet.float64, requires_grad=True)

    def f(x):
        p = R(torchlet).pack_padded_sequence(x, [2, 4, 1], enforce_sorted=False)
        out, h = gru(p)
        return R(torchlet).pad_packed_sequence(out)[0], h

    assert torchlet.autograd.gradcheck(f, (x,), eps=1e-6, atol=1e-5, rtol=1e-3)
