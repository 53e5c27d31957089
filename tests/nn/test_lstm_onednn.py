"""The float32 LSTM layer on oneDNN's LSTM primitive (nn/_rnn_onednn.py, ops/_lstm_onednn.py)
against PyTorch, whose CPU LSTM runs the same primitive: outputs, final states and every
gradient, over layers, batch_first, bias, initial state and thread counts; that the path is
taken (and not with the extra off); no-grad inference; gradients that add into zeroed buffers
(a retained graph run twice); double backward; in-place changes caught."""

import numpy as np
import pytest

import torchlet
from conftest import require_onednn

torch = pytest.importorskip("torch")

# oneDNN 3.2 here, PyTorch's newer oneDNN there: the same kernels gave the same bits on the
# machines this was written on; the tolerance leaves room for another CPU's kernel choice.
TOL = dict(rtol=1e-5, atol=1e-6)


@pytest.fixture(autouse=True)
def _onednn_on(monkeypatch):
    import torchlet.backends.cpu as cpu

    require_onednn()
    monkeypatch.setattr(cpu, "use_onednn", True)  # (also in CI's TORCHLET_ONEDNN=0 pass)


def _pair(I, H, layers, **kw):
    theirs = torch.nn.LSTM(I, H, layers, **kw)
    ours = torchlet.nn.LSTM(I, H, layers, **kw)
    ours.load_state_dict({k: torchlet.from_numpy(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()})
    return theirs, ours


def _run(lib, m, x, state, create_graph=False):
    m.zero_grad()
    xt = lib.tensor(x, requires_grad=True)
    hx = None if state is None else tuple(lib.tensor(s, requires_grad=True) for s in state)
    out, (hn, cn) = m(xt, hx)
    w = lib.tensor(np.linspace(-1, 1, out.numel()).reshape(tuple(out.shape)).astype(np.float32))
    loss = (out * w).sum() + (out * out).sum() + (hn * hn).sum() + (cn * 0.5).sum()
    ins = [xt] + list(m.parameters()) + ([] if hx is None else list(hx))
    if create_graph:  # a gradient penalty
        grads = lib.autograd.grad(loss, ins, create_graph=True)
        sum((g * g).sum() for g in grads).backward()
    else:
        loss.backward()
    return [out, hn, cn] + [t.grad for t in ins]


def _compare(theirs, ours, tol=TOL):
    assert len(theirs) == len(ours)
    for i, (a, b) in enumerate(zip(theirs, ours)):
        a, b = a.detach().numpy(), np.asarray(b.detach()._data)
        assert a.shape == b.shape and a.dtype == b.dtype == np.float32, i
        np.testing.assert_allclose(b, a, err_msg=f"output/gradient {i}", **tol)


def _node_types(out):
    """Every node class in the graph of `out`."""
    seen, stack = set(), [out.grad_fn]
    while stack:
        node = stack.pop()
        if node is not None and node not in seen:
            seen.add(node)
            stack.extend(n for n, _ in node.next_functions)
    return {type(n) for n in seen}


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("layers", [1, 2])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("with_state", [False, True])
def test_matches_torch(threads, layers, batch_first, with_state):
    T, N, I, H = 9, 4, 6, 8
    theirs, ours = _pair(I, H, layers, batch_first=batch_first)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, T, I) if batch_first else (T, N, I), dtype=np.float32)
    state = None
    if with_state:
        state = tuple(rng.standard_normal((layers, N, H), dtype=np.float32) for _ in range(2))
    before = (torch.get_num_threads(), torchlet.get_num_threads())
    try:
        torch.set_num_threads(threads)
        torchlet.set_num_threads(threads)
        _compare(_run(torch, theirs, x, state), _run(torchlet, ours, x, state))
    finally:
        torch.set_num_threads(before[0])
        torchlet.set_num_threads(before[1])


@pytest.mark.parametrize("shape", [(1, 1, 1, 1), (64, 32, 128, 256)])
def test_shapes_without_bias(shape):
    """A single step of one unit, and the benchmark's LSTM (whose weight gradients oneDNN keeps in
    a blocked layout, reordered into PyTorch's)."""
    T, N, I, H = shape
    theirs, ours = _pair(I, H, 1, bias=False)
    x = np.random.default_rng(1).standard_normal((T, N, I), dtype=np.float32)
    _compare(_run(torch, theirs, x, None), _run(torchlet, ours, x, None))


def test_the_path_is_taken_and_the_reference_agrees(monkeypatch):
    from torchlet.nn import _rnn_fused, _rnn_onednn
    import torchlet.backends.cpu as cpu

    theirs, ours = _pair(3, 5, 2)
    x = np.random.default_rng(2).standard_normal((4, 2, 3), dtype=np.float32)
    out, _ = ours(torchlet.tensor(x, requires_grad=True))
    assert _rnn_onednn.MkldnnRnnLayerBackward0 in _node_types(out)
    assert type(out.grad_fn).__name__ == type(theirs(torch.tensor(x, requires_grad=True))[0].grad_fn).__name__
    on_onednn = _run(torchlet, ours, x, None)
    monkeypatch.setattr(cpu, "use_onednn", False)
    out, _ = ours(torchlet.tensor(x, requires_grad=True))
    assert _rnn_onednn.MkldnnRnnLayerBackward0 not in _node_types(out)
    assert _rnn_fused.MkldnnRnnLayerBackward0 in _node_types(out)
    _compare(_run(torch, theirs, x, None), _run(torchlet, ours, x, None), dict(rtol=2e-4, atol=2e-5))
    _compare(on_onednn, _run(torchlet, ours, x, None), dict(rtol=2e-4, atol=2e-5))


def test_inference_matches_torch():
    theirs, ours = _pair(6, 8, 2, batch_first=True)
    ours.eval(), theirs.eval()
    x = np.random.default_rng(3).standard_normal((4, 9, 6), dtype=np.float32)
    with torch.no_grad():
        want = theirs(torch.tensor(x))
    with torchlet.no_grad():
        got = ours(torchlet.tensor(x))
    assert got[0].grad_fn is None
    _compare([want[0], *want[1]], [got[0], *got[1]])


def test_retained_graph_twice_adds_the_same_gradients():
    """oneDNN adds its weight gradients into its outputs: each backward starts them at zero."""
    _, ours = _pair(6, 8, 1)
    x = torchlet.tensor(np.random.default_rng(4).standard_normal((5, 3, 6), dtype=np.float32))
    out, _ = ours(x)
    loss = (out * out).sum()
    loss.backward(retain_graph=True)
    first = [p.grad.clone() for p in ours.parameters()]
    loss.backward()
    for p, g in zip(ours.parameters(), first):
        np.testing.assert_array_equal(np.asarray(p.grad._data), np.asarray((g * 2)._data))


def test_double_backward_matches_torch():
    """create_graph=True: the node's backward rebuilds the layer from Tensor ops."""
    theirs, ours = _pair(3, 4, 2)
    x = np.random.default_rng(5).standard_normal((4, 2, 3), dtype=np.float32)
    state = tuple(np.random.default_rng(6).standard_normal((2, 2, 4), dtype=np.float32) for _ in range(2))
    _compare(
        _run(torch, theirs, x, state, create_graph=True),
        _run(torchlet, ours, x, state, create_graph=True),
        dict(rtol=2e-4, atol=2e-5),
    )


def test_weight_modified_in_place_is_detected():
    _, ours = _pair(2, 3, 1)
    out, _ = ours(torchlet.randn(4, 1, 2))
    with torchlet.no_grad():
        ours.weight_hh_l0.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()


def test_a_refused_backward_takes_the_tensor_ops(monkeypatch):
    """Where oneDNN took the forward but refuses its backward plan, the gradients come from the
    layer rebuilt from Tensor ops (PyTorch's values), not an error."""
    from torchlet.ops import _lstm_onednn

    theirs, ours = _pair(3, 5, 2)
    x = np.random.default_rng(7).standard_normal((4, 2, 3), dtype=np.float32)
    monkeypatch.setattr(_lstm_onednn, "backward", lambda *a: None)
    _compare(_run(torch, theirs, x, None), _run(torchlet, ours, x, None), dict(rtol=2e-4, atol=2e-5))
