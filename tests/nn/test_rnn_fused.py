"""The fused LSTM / GRU layer node (nn/_rnn_fused.py) against PyTorch: outputs, final
states and gradients of input, initial state and every parameter, over shapes,
bidirectional, two layers, batch_first, with and without initial state and bias; double
backward (which recomputes through the per-step Tensor ops); packed sequences (the
per-step path) next to unpacked ones."""

import numpy as np
import pytest

import torchlet

torch = pytest.importorskip("torch")


def _pair(mode, I, H, layers, **kw):
    dtype = kw.pop("dtype", "float64")
    theirs = getattr(torch.nn, mode)(I, H, layers, **kw).to(getattr(torch, dtype))
    ours = getattr(torchlet.nn, mode)(I, H, layers, **kw).to(getattr(torchlet, dtype))
    ours.load_state_dict({k: torchlet.from_numpy(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()})
    return theirs, ours


def _run(lib, m, x, h0, c0):
    xt = lib.tensor(x, requires_grad=True)
    hx = None
    if h0 is not None:
        hx = lib.tensor(h0, requires_grad=True)
        if c0 is not None:
            hx = (hx, lib.tensor(c0, requires_grad=True))
    out, hn = m(xt, hx)
    hn = hn if isinstance(hn, tuple) else (hn,)
    # weight every output differently so that each gradient path counts
    w = lib.tensor(np.linspace(-1, 1, out.numel()).reshape(tuple(out.shape)).astype(x.dtype))
    loss = (out * w).sum() + (out * out).sum() + sum((h * h * (k + 0.5)).sum() for k, h in enumerate(hn))
    loss.backward()
    got = [out, *hn, xt.grad] + [p.grad for p in m.parameters()]
    if hx is not None:
        got += [h.grad for h in (hx if isinstance(hx, tuple) else (hx,))]
    return got


def _compare(theirs, ours, dtype):
    tol = dict(rtol=1e-9, atol=1e-10) if dtype == "float64" else dict(rtol=2e-4, atol=2e-5)
    assert len(theirs) == len(ours)
    for i, (a, b) in enumerate(zip(theirs, ours)):
        a, b = a.detach().numpy(), np.asarray(b.detach()._data)
        assert a.shape == b.shape and a.dtype == b.dtype, i
        np.testing.assert_allclose(b, a, err_msg=f"output/gradient {i}", **tol)


@pytest.mark.parametrize("mode", ["LSTM", "GRU"])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("layers", [1, 2])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("with_state", [False, True])
def test_fused_matches_torch(mode, bidirectional, layers, batch_first, with_state):
    T, N, I, H = 6, 3, 4, 5
    theirs, ours = _pair(mode, I, H, layers, bidirectional=bidirectional, batch_first=batch_first)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, T, I) if batch_first else (T, N, I))
    D = 2 if bidirectional else 1
    h0 = rng.standard_normal((layers * D, N, H)) if with_state else None
    c0 = rng.standard_normal((layers * D, N, H)) if with_state and mode == "LSTM" else None
    _compare(_run(torch, theirs, x, h0, c0), _run(torchlet, ours, x, h0, c0), "float64")


@pytest.mark.parametrize("mode", ["LSTM", "GRU"])
def test_saturated_gates_match_torch(mode):
    """Pre-activations of +-1000 overflow the gates' exp: PyTorch's gates are then 0 or 1. (In
    float64: in float32 a gate within an ulp of 1 makes y (1 - y) a difference of neighbours,
    whose last bits differ between any two exp implementations.)"""
    theirs, ours = _pair(mode, 4, 5, 2)
    x = np.random.default_rng(1).standard_normal((6, 3, 4)) * 1000
    _compare(_run(torch, theirs, x, None, None), _run(torchlet, ours, x, None, None), "float64")


def test_saturated_gates_warn_nothing():
    """PyTorch says nothing about them either. A fresh interpreter with warnings as errors, as a
    user's `python -W error`: pytest puts back the warning filters that importing torchlet set."""
    import subprocess
    import sys

    code = (
        "import torchlet\n"
        "for mode in ('LSTM', 'GRU'):\n"
        "    for dtype in (torchlet.float32, torchlet.float64):\n"
        "        m = getattr(torchlet.nn, mode)(4, 5, 2).to(dtype)\n"
        "        x = (torchlet.randn(6, 3, 4) * 1000).to(dtype).requires_grad_()\n"
        "        m(x)[0].sum().backward()\n"
        "print('quiet')\n"
    )
    run = subprocess.run([sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, timeout=120)
    assert (run.returncode, run.stdout, run.stderr) == (0, "quiet\n", "")


@pytest.mark.parametrize("mode", ["LSTM", "GRU"])
@pytest.mark.parametrize("shape", [(1, 1, 1, 1), (9, 2, 7, 3), (4, 5, 3, 8)])
def test_fused_shapes_float32_no_bias(mode, shape):
    T, N, I, H = shape
    theirs, ours = _pair(mode, I, H, 2, bidirectional=True, bias=False, dtype="float32")
    x = np.random.default_rng(1).standard_normal((T, N, I)).astype(np.float32)
    _compare(_run(torch, theirs, x, None, None), _run(torchlet, ours, x, None, None), "float32")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("mode", ["LSTM", "GRU"])
def test_unbatched_and_grad_fn_names(mode, dtype):
    theirs, ours = _pair(mode, 3, 4, 1, dtype=dtype)
    x = np.random.default_rng(2).standard_normal((5, 3)).astype(dtype)
    _compare(_run(torch, theirs, x, None, None), _run(torchlet, ours, x, None, None), dtype)
    t_out, t_h = theirs(torch.tensor(x[:, None]))
    o_out, o_h = ours(torchlet.tensor(x[:, None]))
    # printed grad_fn names, as a lesson shows them
    assert type(o_out.grad_fn).__name__ == type(t_out.grad_fn).__name__
    t_h, o_h = (t_h[0], o_h[0]) if mode == "LSTM" else (t_h, o_h)
    assert type(o_h.grad_fn).__name__ == type(t_h.grad_fn).__name__


@pytest.mark.parametrize("mode", ["LSTM", "GRU"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_double_backward(mode, bidirectional):
    """create_graph=True: the backward recomputes through Tensor ops, so a gradient
    penalty's gradient equals PyTorch's."""
    theirs, ours = _pair(mode, 3, 4, 2, bidirectional=bidirectional)
    x = np.random.default_rng(3).standard_normal((4, 2, 3))
    D = 2 if bidirectional else 1
    h0 = np.random.default_rng(4).standard_normal((2 * D, 2, 4))

    def run(lib, m):
        xt, ht = lib.tensor(x, requires_grad=True), lib.tensor(h0, requires_grad=True)
        hx = (ht, lib.zeros(2 * D, 2, 4, dtype=lib.float64)) if mode == "LSTM" else ht
        out, _ = m(xt, hx)
        loss = (out.tanh() * out).sum()
        params = list(m.parameters())
        grads = lib.autograd.grad(loss, [xt, ht] + params, create_graph=True)
        sum((g * g).sum() for g in grads).backward()
        return [xt.grad, ht.grad] + [p.grad for p in params]

    _compare(run(torch, theirs), run(torchlet, ours), "float64")


def test_backward_twice_needs_retain_graph():
    m = torchlet.nn.LSTM(2, 3)
    out, _ = m(torchlet.randn(4, 1, 2))
    loss = out.sum()
    loss.backward(retain_graph=True)
    loss.backward()  # retained: fine
    out, _ = m(torchlet.randn(4, 1, 2))
    out.sum().backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        out.sum().backward()


def test_weight_modified_in_place_is_detected():
    m = torchlet.nn.GRU(2, 3)
    out, _ = m(torchlet.randn(4, 1, 2))
    with torchlet.no_grad():
        m.weight_hh_l0.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()


@pytest.mark.parametrize("mode", ["LSTM", "GRU"])
def test_packed_matches_unpacked_and_torch(mode):
    """Packed input takes the per-step path; with equal lengths it must agree with the
    fused path, and with unequal lengths with PyTorch."""
    theirs, ours = _pair(mode, 3, 4, 2, bidirectional=True)
    rng = np.random.default_rng(5)
    x = rng.standard_normal((5, 3, 3))
    pack = lambda lib, t, lengths: lib.nn.utils.rnn.pack_padded_sequence(t, lengths, enforce_sorted=False)
    for lengths in ([5, 5, 5], [5, 2, 4]):
        res = []
        for lib, m in ((torch, theirs), (torchlet, ours)):
            xt = lib.tensor(x, requires_grad=True)
            out, hn = m(pack(lib, xt, lengths))
            padded, _ = lib.nn.utils.rnn.pad_packed_sequence(out)
            hn = hn if isinstance(hn, tuple) else (hn,)
            (padded.pow(2).sum() + sum(h.sum() for h in hn)).backward()
            res.append([padded, *hn, xt.grad] + [p.grad for p in m.parameters()])
        _compare(*res, "float64")
    same = [torchlet.tensor(x, requires_grad=True) for _ in range(2)]
    fused_out, _ = ours(same[0])
    packed_out, _ = ours(pack(torchlet, same[1], [5, 5, 5]))
    fused_out.sum().backward()
    padded, _ = torchlet.nn.utils.rnn.pad_packed_sequence(packed_out)
    padded.sum().backward()
    np.testing.assert_allclose(np.asarray(padded._data), np.asarray(fused_out._data), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(same[1].grad._data), np.asarray(same[0].grad._data), rtol=1e-12)


@pytest.mark.parametrize("mode", ["LSTM", "GRU"])
def test_float32_layer_above_one_thread_hands_the_cores_to_onednn(mode, monkeypatch):
    """Above one thread a float32 fused layer starts oneDNN's pool (its products, and the step's
    sums, then stay off OpenBLAS's threads: _gemm.onednn_holds_cores) and still gives torch's
    values and gradients with its products on oneDNN; at one thread it starts nothing."""
    from conftest import require_onednn
    from torchlet.ops import _onednn

    import torchlet.backends.cpu as cpu

    require_onednn()
    monkeypatch.setattr(cpu, "use_onednn", True)  # (also in CI's TORCHLET_ONEDNN=0 pass)
    monkeypatch.setattr(_onednn, "_state", {k: v for k, v in _onednn._state.items() if k != "pool"})
    calls = []
    real = _onednn.sgemm
    monkeypatch.setattr(_onednn, "sgemm", lambda *a: calls.append(a[-2].shape) or real(*a))
    T, N, I, H = 7, 48, 24, 96  # per-step products of 48 * 96 * 4 * 96 multiply-adds: above THREADED_MACS
    # (a left-to-right float32 LSTM layer is one oneDNN LSTM primitive, test_lstm_onednn.py; its
    # right-to-left layer is this fused loop)
    theirs, ours = _pair(mode, I, H, 2, dtype="float32", bidirectional=mode == "LSTM")
    x = np.random.default_rng(1).standard_normal((T, N, I)).astype(np.float32)
    before = torchlet.get_num_threads()
    try:
        torchlet.set_num_threads(1)
        ours(torchlet.tensor(x))
        assert not _onednn.pool_started()
        calls.clear()
        torchlet.set_num_threads(2)
        got = _run(torchlet, ours, x, None, None)
    finally:
        torchlet.set_num_threads(before)
    assert _onednn.pool_started()
    assert sum(shape == (N, 4 * H if mode == "LSTM" else 3 * H) for shape in calls) >= 2 * T  # every step's product
    _compare(_run(torch, theirs, x, None, None), got, "float32")
