"""RNN / LSTM / GRU and their cells against PyTorch (same state_dict, dropout=0)."""

import numpy as np
import pytest

from tests.oracle import assert_same, check_error

TOL = dict(rtol=1e-4, atol=1e-5)


def _load(ours, theirs):
    import torchlet

    ours.load_state_dict(
        {k: torchlet.tensor(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()}, strict=True
    )


def _t(lib, a):
    return lib.tensor(a.copy(), requires_grad=True)


CONFIGS = [
    dict(),
    dict(num_layers=2),
    dict(bidirectional=True),
    dict(num_layers=2, bidirectional=True, batch_first=True),
    dict(bias=False),
    dict(batch_first=True),
    dict(num_layers=3, dropout=0.0, bidirectional=True),
]


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("cfg", CONFIGS, ids=str)
@pytest.mark.parametrize("with_h0", [False, True])
def test_recurrent(kind, cfg, with_h0, torch):
    import torchlet

    theirs = getattr(torch.nn, kind)(3, 4, **cfg)
    ours = getattr(torchlet.nn, kind)(3, 4, **cfg)
    assert repr(ours) == repr(theirs)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == [
        (k, tuple(v.shape)) for k, v in theirs.state_dict().items()
    ]
    _load(ours, theirs)
    rng = np.random.default_rng(0)
    T, N = 5, 2
    x = rng.standard_normal((N, T, 3) if cfg.get("batch_first") else (T, N, 3)).astype(np.float32)
    D = 2 if cfg.get("bidirectional") else 1
    L = cfg.get("num_layers", 1)
    args_o, args_t = [_t(torchlet, x)], [_t(torch, x)]
    if with_h0:
        h = rng.standard_normal((L * D, N, 4)).astype(np.float32)
        if kind == "LSTM":
            c = rng.standard_normal((L * D, N, 4)).astype(np.float32)
            args_o.append((_t(torchlet, h), _t(torchlet, c)))
            args_t.append((_t(torch, h), _t(torch, c)))
        else:
            args_o.append(_t(torchlet, h))
            args_t.append(_t(torch, h))
    out_o, st_o = ours(*args_o)
    out_t, st_t = theirs(*args_t)
    assert_same(out_o, out_t, **TOL)
    assert_same(st_o, st_t, **TOL)
    g = rng.standard_normal(tuple(out_t.shape)).astype(np.float32)
    hs_t = st_t if isinstance(st_t, tuple) else (st_t,)
    hs_o = st_o if isinstance(st_o, tuple) else (st_o,)
    loss_t = (out_t * torch.tensor(g)).sum() + sum((h * h).sum() for h in hs_t)
    loss_o = (out_o * torchlet.tensor(g)).sum() + sum((h * h).sum() for h in hs_o)
    loss_t.backward()
    loss_o.backward()
    assert_same(args_o[0].grad, args_t[0].grad, **TOL)
    if with_h0:
        a = args_o[1] if isinstance(args_o[1], tuple) else (args_o[1],)
        b = args_t[1] if isinstance(args_t[1], tuple) else (args_t[1],)
        for p, q in zip(a, b):
            assert_same(p.grad, q.grad, **TOL)
    for (k, p), (k2, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert k == k2
        assert_same(p.grad, q.grad, rtol=1e-4, atol=1e-4, what=k)


@pytest.mark.parametrize(
    "kind,kw",
    [("RNN", dict(nonlinearity="relu", num_layers=2)), ("LSTM", dict(proj_size=2, num_layers=2, bidirectional=True))],
)
def test_variants_and_unbatched(kind, kw, torch):
    import torchlet

    theirs = getattr(torch.nn, kind)(3, 4, **kw)
    ours = getattr(torchlet.nn, kind)(3, 4, **kw)
    assert repr(ours) == repr(theirs)
    _load(ours, theirs)
    x = np.random.default_rng(1).standard_normal((6, 3)).astype(np.float32)
    xo, xt = _t(torchlet, x), _t(torch, x)
    out_o, st_o = ours(xo)
    out_t, st_t = theirs(xt)
    assert_same(out_o, out_t, **TOL)
    assert_same(st_o, st_t, **TOL)
    out_o.sum().backward()
    out_t.sum().backward()
    assert_same(xo.grad, xt.grad, **TOL)


def test_train_dropout_runs(torch):
    import torchlet

    m = torchlet.nn.LSTM(3, 4, num_layers=2, dropout=0.5)
    out, (h, c) = m(torchlet.randn(5, 2, 3))
    assert tuple(out.shape) == (5, 2, 4) and tuple(h.shape) == (2, 2, 4)
    m.eval()
    x = torchlet.randn(5, 2, 3)
    a, b = m(x)[0], m(x)[0]
    assert np.array_equal(a.detach().numpy(), b.detach().numpy())


def test_init_bounds(torch):
    import torchlet

    m = torchlet.nn.GRU(3, 16, num_layers=2)
    for p in m.parameters():
        a = p.detach().numpy()
        assert np.abs(a).max() <= 0.25 and a.std() > 0.1


@pytest.mark.parametrize(
    "kind,kw,hidden",
    [
        ("RNNCell", {}, True),
        ("RNNCell", dict(nonlinearity="relu", bias=False), False),
        ("LSTMCell", {}, True),
        ("LSTMCell", dict(bias=False), False),
        ("GRUCell", {}, True),
        ("GRUCell", {}, False),
    ],
)
@pytest.mark.parametrize("batched", [True, False])
def test_cells(kind, kw, hidden, batched, torch):
    import torchlet

    theirs = getattr(torch.nn, kind)(3, 4, **kw)
    ours = getattr(torchlet.nn, kind)(3, 4, **kw)
    assert repr(ours) == repr(theirs)
    _load(ours, theirs)
    rng = np.random.default_rng(2)
    lead = (2,) if batched else ()
    x = rng.standard_normal(lead + (3,)).astype(np.float32)
    args_o, args_t = [_t(torchlet, x)], [_t(torch, x)]
    if hidden:
        hs = [rng.standard_normal(lead + (4,)).astype(np.float32) for _ in range(2 if kind == "LSTMCell" else 1)]
        args_o.append(tuple(_t(torchlet, h) for h in hs) if kind == "LSTMCell" else _t(torchlet, hs[0]))
        args_t.append(tuple(_t(torch, h) for h in hs) if kind == "LSTMCell" else _t(torch, hs[0]))
    yo, yt = ours(*args_o), theirs(*args_t)
    assert_same(yo, yt, **TOL)
    (sum(y.sum() for y in yo) if isinstance(yo, tuple) else yo.sum()).backward()
    (sum(y.sum() for y in yt) if isinstance(yt, tuple) else yt.sum()).backward()
    assert_same(args_o[0].grad, args_t[0].grad, **TOL)
    for (k, p), (k2, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert k == k2
        assert_same(p.grad, q.grad, **TOL)


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.nn.RNN(3, 4)(m.randn(5, 2, 4)),
        lambda m: m.nn.RNN(3, 4)(m.randn(5, 2, 3), m.randn(2, 2, 4)),
        lambda m: m.nn.RNN(3, 4)(m.randn(5, 3), m.randn(1, 2, 4)),
        lambda m: m.nn.RNN(3, 4)(m.randn(1, 5, 2, 3)),
        lambda m: m.nn.RNN(3, 4, nonlinearity="foo"),
        lambda m: m.nn.GRU(3, 4, proj_size=2),
        lambda m: m.nn.LSTM(3, 4, proj_size=4),
        lambda m: m.nn.LSTM(3, 4, dropout=2),
        lambda m: m.nn.LSTM(3, 4)(m.randn(5, 2, 3), (m.randn(1, 2, 4), m.randn(1, 2, 3))),
        lambda m: m.nn.RNNCell(3, 4)(m.randn(2, 4)),
        lambda m: m.nn.RNNCell(3, 4)(m.randn(2, 3), m.randn(3, 4)),
        lambda m: m.nn.RNNCell(3, 4)(m.randn(2, 2, 3)),
    ],
)
def test_errors(call, torch):
    eo, et = check_error(call)
    assert str(eo) == str(et)
