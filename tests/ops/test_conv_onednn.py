"""Convolutions on oneDNN (ops/_conv_onednn.py, the `onednn` extra) and on NumPy (the reference,
torchlet.backends.cpu.use_onednn = False): both give PyTorch's values and gradients for 1-3
spatial dims, groups, strides, dilations, asymmetric padding and no bias, at one and two threads;
the oneDNN path is really taken where it should be; refused shapes, create_graph, threads and a
forked child all work (create_graph: test_fast_paths.test_conv2d_double_backward)."""

import numpy as np
import pytest

import torchlet
import torchlet.backends.cpu as cpu
from conftest import require_onednn
from tests.oracle import assert_same
from tests.ops.concurrency import in_forked_child, run_on_threads
from torchlet.ops import _conv_onednn, _onednn


@pytest.fixture(params=["onednn", "numpy"])
def path(request, monkeypatch):
    if request.param == "onednn":
        require_onednn()
    monkeypatch.setattr(cpu, "use_onednn", request.param == "onednn")
    return request.param


CASES = [  # (function, x shape, w shape, keyword arguments)
    ("conv2d", (4, 3, 10, 10), (8, 3, 3, 3), dict(padding=1)),
    ("conv2d", (3, 6, 11, 9), (6, 2, 3, 5), dict(stride=2, padding=(1, 2), groups=3, dilation=(2, 1))),
    ("conv2d", (2, 4, 9, 9), (4, 4, 3, 3), dict(padding="same", dilation=2)),  # asymmetric padding
    ("conv2d", (2, 4, 9, 8), (5, 4, 2, 3), dict(padding="same", bias=False)),
    ("conv2d", (2, 8, 7, 7), (8, 1, 3, 3), dict(padding=1, groups=8)),  # depthwise
    ("conv2d", (2, 5, 18, 18), (7, 5, 5, 5), dict(stride=3)),  # (18 - 5) % 3 != 0
    ("conv1d", (3, 4, 33), (5, 4, 3), dict(stride=2, padding=1)),
    ("conv3d", (2, 2, 5, 6, 7), (3, 2, 3, 3, 3), dict(padding=1)),
]


def _run(m, fn, x, w, b, g, kw):
    tensors = [m.tensor(a, requires_grad=True) if a is not None else None for a in (x, w, b)]
    y = getattr(m.nn.functional, fn)(*tensors, **kw)
    y.backward(m.tensor(g))
    return y, [t.grad if t is not None else None for t in tensors]


@pytest.mark.parametrize("fn,x_shape,w_shape,kw", CASES)
def test_values_and_grads_match_torch(torch, path, threads, fn, x_shape, w_shape, kw):
    kw = dict(kw)
    rng = np.random.default_rng(0)
    x = rng.standard_normal(x_shape).astype(np.float32)
    w = rng.standard_normal(w_shape).astype(np.float32)
    b = rng.standard_normal(w_shape[0]).astype(np.float32) if kw.pop("bias", True) else None
    ty = getattr(torch.nn.functional, fn)(
        torch.tensor(x), torch.tensor(w), None if b is None else torch.tensor(b), **kw
    )
    g = rng.standard_normal(tuple(ty.shape)).astype(np.float32)
    y, grads = _run(torchlet, fn, x, w, b, g, kw)
    ty, tgrads = _run(torch, fn, x, w, b, g, kw)
    assert_same(y, ty, rtol=1e-5, atol=1e-5)
    for ours, theirs in zip(grads, tgrads):
        if theirs is not None:
            assert_same(ours, theirs, rtol=1e-5, atol=1e-5)
    assert y.grad_fn.name() == ty.grad_fn.name() == "ConvolutionBackward0"
    assert y.grad_fn.__dict__["onednn"] == (path == "onednn")  # the path asked for was taken


def test_small_output_grids_run_on_onednn_other_dtypes_on_numpy(torch):
    """Every float32 convolution runs on oneDNN, down to a 1x1 output grid (ResNet-18's last
    stage on 32x32 images); float64 and an empty batch take conv.py's NumPy paths."""
    require_onednn()
    for x, onednn in (
        (torchlet.randn(2, 3, 6, 6), True),  # 4x4 positions
        (torchlet.randn(2, 3, 3, 3), True),  # 1x1
        (torchlet.randn(0, 3, 8, 8), False),
        (torchlet.randn(2, 3, 8, 8, dtype=torchlet.float64), False),
    ):
        w = torchlet.randn(4, 3, 3, 3, dtype=x.dtype, requires_grad=True)
        assert torchlet.nn.functional.conv2d(x, w).grad_fn.__dict__["onednn"] is onednn


def test_refused_shapes_fall_back_to_numpy(torch, monkeypatch):
    """Where oneDNN refuses a descriptor, the NumPy path gives the values, silently."""
    require_onednn()

    def refuse(*args):
        raise _onednn.Unsupported("refused")

    monkeypatch.setattr(_conv_onednn, "_build", refuse)
    monkeypatch.setattr(_conv_onednn._local, "plans", None, raising=False)
    x = np.random.default_rng(1).standard_normal((2, 3, 9, 9)).astype(np.float32)
    w = np.random.default_rng(2).standard_normal((4, 3, 3, 3)).astype(np.float32)
    y = torchlet.nn.functional.conv2d(torchlet.tensor(x, requires_grad=True), torchlet.tensor(w), padding=1)
    assert_same(y, torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w), padding=1), rtol=1e-5, atol=1e-5)
    assert y.grad_fn.__dict__["onednn"] is False


def test_strided_input_and_plans_are_bounded(torch, monkeypatch):
    """A non-contiguous input is read correctly; the per-thread plan cache keeps PLANS entries."""
    require_onednn()
    monkeypatch.setattr(_conv_onednn, "PLANS", 3)
    rng = np.random.default_rng(5)
    w = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    for size in (8, 9, 10, 11, 12):
        x = rng.standard_normal((2, size, size, 3)).astype(np.float32)  # NHWC, viewed as NCHW below
        ours = torchlet.nn.functional.conv2d(torchlet.tensor(x).permute(0, 3, 1, 2), torchlet.tensor(w))
        theirs = torch.nn.functional.conv2d(torch.tensor(x).permute(0, 3, 1, 2), torch.tensor(w))
        assert_same(ours, theirs, rtol=1e-5, atol=1e-5)
    assert len(_conv_onednn._local.plans) <= 3


def test_threads_convolve_at_once(torch):
    """Plans and their scratch buffers are per thread: concurrent convolutions don't mix."""
    require_onednn()
    rng = np.random.default_rng(6)
    w = rng.standard_normal((8, 4, 3, 3)).astype(np.float32)
    xs = [rng.standard_normal((4, 4, 12, 12)).astype(np.float32) for _ in range(4)]
    want = [torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w), padding=1).numpy() for x in xs]
    got = [None] * len(xs)

    def work(i):
        for _ in range(20):
            got[i] = torchlet.nn.functional.conv2d(torchlet.tensor(xs[i]), torchlet.tensor(w), padding=1).numpy()

    run_on_threads(work, len(xs))
    for g, e in zip(got, want):
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-5)


def _child(q, x, w, expect):
    y = torchlet.nn.functional.conv2d(torchlet.tensor(x), torchlet.tensor(w), padding=1).numpy()
    q.put(float(np.abs(y - expect).max()))


def test_forked_child_convolves_after_the_parent_used_the_pool():
    """GNU OpenMP's pool does not survive fork: a child of a parent that ran oneDNN on two
    threads must still convolve (it hung before the at-fork handler)."""
    require_onednn()
    before = torchlet.get_num_threads()
    torchlet.set_num_threads(2)
    try:
        rng = np.random.default_rng(7)
        x, w = (
            rng.standard_normal((8, 4, 16, 16)).astype(np.float32),
            rng.standard_normal((8, 4, 3, 3)).astype(np.float32),
        )
        y = torchlet.nn.functional.conv2d(torchlet.tensor(x), torchlet.tensor(w), padding=1).numpy()
        assert in_forked_child(_child, x, w, y) < 1e-5
    finally:
        torchlet.set_num_threads(before)


def test_address_is_the_first_elements_for_every_layout():
    """_onednn.address (every oneDNN path's array pointers): the buffer protocol's address where
    it applies, `a.ctypes.data`'s for views it refuses (strided, transposed, read-only, empty,
    broadcast), the same number in every case."""
    a = np.arange(24, dtype=np.float32).reshape(4, 6)
    read_only = a.copy()
    read_only.flags.writeable = False
    views = (
        a,
        a[1:],
        a[:, ::2],
        a.T,
        a[1:, 2:],
        np.empty((0, 3), np.float32),
        read_only,
        np.broadcast_to(a[:1], (4, 6)),
    )
    for v in views:
        assert _onednn.address(v) == v.ctypes.data
