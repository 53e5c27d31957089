"""Fast paths taken by the common training-step shapes (see benchmarks/suite):
each must give PyTorch's values, indices and gradients, including the edge
cases the general path handles (ties, NaN, ragged sizes)."""

import numpy as np
import pytest

import torchlet
from tests.oracle import assert_same


def _pair(torch, x, requires_grad=False):
    return (torchlet.tensor(x, requires_grad=requires_grad), torch.tensor(x, requires_grad=requires_grad))


@pytest.mark.parametrize("k", [2, 3, (1, 2), (2, 3)])
@pytest.mark.parametrize("shape", [(2, 3, 8, 12), (2, 3, 7, 13)])
def test_tiled_max_pool_ties_and_nan(torch, k, shape):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 3, shape).astype(np.float32)  # many ties
    x[0, 0, 0, :3] = np.nan  # one window with several NaN, others with one
    x[1, 2, 3, 4] = np.nan
    a, b = _pair(torch, x, True)
    ya, ia = torchlet.nn.functional.max_pool2d(a, k, return_indices=True)
    yb, ib = torch.nn.functional.max_pool2d(b, k, return_indices=True)
    assert_same(ya, yb)
    assert_same(ia, ib)
    g = rng.standard_normal(tuple(yb.shape)).astype(np.float32)
    ya.backward(torchlet.tensor(g))
    yb.backward(torch.tensor(g))
    assert_same(a.grad, b.grad)


@pytest.mark.parametrize("shape", [(4, 6, 24, 24), (2, 3, 9, 7)])
def test_tiled_pools_match_torch(torch, shape):
    x = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    for fn in (
        lambda F, t: F.max_pool2d(t, 2, 2),
        lambda F, t: F.avg_pool2d(t, 2, stride=2),
        lambda F, t: F.avg_pool2d(t, (3, 2), divisor_override=5),
    ):
        a, b = _pair(torch, x, True)
        ya, yb = fn(torchlet.nn.functional, a), fn(torch.nn.functional, b)
        assert_same(ya, yb)
        (ya * ya).sum().backward()
        (yb * yb).sum().backward()
        assert_same(a.grad, b.grad)


def test_nll_fast_path_matches_torch(torch):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((7, 5)).astype(np.float32)
    for t in (rng.integers(0, 5, 7), rng.integers(0, 5, 7).astype(np.uint8)):
        for reduction in ("mean", "sum"):
            a, b = _pair(torch, x, True)
            la = torchlet.nn.functional.cross_entropy(a, torchlet.tensor(t), reduction=reduction)
            lb = torch.nn.functional.cross_entropy(b, torch.tensor(t).long(), reduction=reduction)
            assert_same(la, lb)
            la.backward()
            lb.backward()
            assert_same(a.grad, b.grad)
    with pytest.raises(IndexError, match="Target 5 is out of bounds"):
        torchlet.nn.functional.nll_loss(torchlet.zeros(3, 5), torchlet.tensor([0, 5, 1]))


@pytest.mark.parametrize(
    "kw",
    [
        dict(),
        dict(stride=2, padding=1),
        dict(padding="same", dilation=2),
        dict(stride=(2, 1), padding=(0, 2), dilation=(1, 2)),
        dict(padding="same", bias=False),
    ],
)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_batch_last_conv2d_matches_torch(torch, numpy_conv, kw, dtype):
    """Conv2d with >= 4 input channels takes ops/_conv_chwn (forward and backward)."""
    _conv_matches_torch(torch, (3, 5, 9, 8), (4, 5, 3, 4), kw, dtype)


@pytest.mark.parametrize("tile_bytes", [1, 3000, 20000])
@pytest.mark.parametrize(
    "kw", [dict(padding=1), dict(padding=(2, 0), dilation=(1, 2)), dict(stride=2, padding=1), dict(padding="same")]
)
def test_batch_last_conv2d_in_tiles(torch, numpy_conv, monkeypatch, tile_bytes, kw):
    """Columns built one tile of output positions at a time (single positions,
    ragged part-rows, several rows) sum to the same values and gradients; the
    shapes take the input gradient as a convolution (O <= C, long columns)
    and, strided, as col2im."""
    from torchlet.ops import _conv_chwn

    monkeypatch.setattr(_conv_chwn, "TILE_BYTES", tile_bytes)
    monkeypatch.setattr(_conv_chwn, "MIN_TILE_COLUMNS", 1)
    _conv_matches_torch(torch, (4, 6, 11, 10), (5, 6, 3, 4), kw, "float32")


@pytest.fixture
def numpy_conv(monkeypatch):
    """The NumPy convolution paths, also where the oneDNN extra is installed (it takes float32)."""
    import torchlet.backends.cpu as cpu

    monkeypatch.setattr(cpu, "use_onednn", False)


def _conv_matches_torch(torch, x_shape, w_shape, kw, dtype):
    kw = dict(kw)
    bias = kw.pop("bias", True)
    rng = np.random.default_rng(3)
    x = rng.standard_normal(x_shape).astype(dtype)
    w = rng.standard_normal(w_shape).astype(dtype)
    b = rng.standard_normal(w_shape[0]).astype(dtype) if bias else None
    ours = [torchlet.tensor(a, requires_grad=True) if a is not None else None for a in (x, w, b)]
    theirs = [torch.tensor(a, requires_grad=True) if a is not None else None for a in (x, w, b)]
    ya = torchlet.nn.functional.conv2d(*ours, **kw)
    yb = torch.nn.functional.conv2d(*theirs, **kw)
    assert_same(ya, yb, rtol=1e-5, atol=1e-5)
    g = rng.standard_normal(tuple(yb.shape)).astype(dtype)
    ya.backward(torchlet.tensor(g))
    yb.backward(torch.tensor(g))
    for a, t in zip(ours, theirs):
        if a is not None:
            assert_same(a.grad, t.grad, rtol=1e-5, atol=1e-5)
    assert ya.grad_fn.name() == yb.grad_fn.name()


@pytest.mark.parametrize("dtype", ["float64", "float32"])  # float32 takes oneDNN where the extra is installed
def test_conv2d_double_backward(torch, dtype):
    """create_graph takes the Tensor-op backward (after the batch-last or the oneDNN forward), so
    second derivatives still flow."""
    rng = np.random.default_rng(4)
    x, w = rng.standard_normal((2, 4, 6, 6)).astype(dtype), rng.standard_normal((3, 4, 3, 3)).astype(dtype)
    tol = dict(rtol=1e-4, atol=1e-3) if dtype == "float32" else {}
    res = []
    for m in (torchlet, torch):
        xt, wt = m.tensor(x, requires_grad=True), m.tensor(w, requires_grad=True)
        y = m.nn.functional.conv2d(xt, wt, padding=1)
        (gx,) = m.autograd.grad((y * y).sum(), xt, create_graph=True)
        gx.pow(2).sum().backward()
        res.append((gx, wt.grad))
    assert_same(res[0][0], res[1][0], **tol)
    assert_same(res[0][1], res[1][1], **tol)


def test_grad_takes_over_sole_views_but_never_aliases():
    """The engine keeps a gradient that is the only view of a fresh array
    (no copy) but copies one whose memory something else can still see."""
    w = torchlet.ones(4, 3, requires_grad=True)
    x = torchlet.ones(2, 4, 5, 5)
    torchlet.nn.functional.conv2d(x, w.reshape(3, 4, 1, 1)).sum().backward()
    assert w.grad.shape == (4, 3)
    keep = torchlet.ones(6)
    v = torchlet.ones(3, requires_grad=True)
    v.backward(keep[:3])  # a view of a tensor the caller still holds
    keep.add_(1.0)
    assert v.grad.tolist() == [1.0, 1.0, 1.0]
    g = torchlet.ones(2, 3)
    u = torchlet.ones(6, requires_grad=True)
    u.backward(g.reshape(6))
    g.mul_(5.0)
    assert u.grad.tolist() == [1.0] * 6


@pytest.mark.parametrize(
    "kw",
    [
        dict(kernel_size=3, stride=2, padding=1),
        dict(kernel_size=3, stride=1),
        dict(kernel_size=2, stride=1, padding=1, dilation=2),
        dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
    ],
)
def test_overlapping_max_pool_taps(torch, kw):
    rng = np.random.default_rng(5)
    x = rng.integers(0, 3, (2, 3, 9, 10)).astype(np.float32)
    x[0, 0, 0, 0] = np.nan
    x[1, 1, :2, :2] = -np.inf  # a window of -inf only: padding must not be picked
    x[1, 2, 4, 4] = np.inf
    a, b = _pair(torch, x, True)
    ya, ia = torchlet.nn.functional.max_pool2d(a, return_indices=True, **kw)
    yb, ib = torch.nn.functional.max_pool2d(b, return_indices=True, **kw)
    assert_same(ya, yb)
    assert_same(ia, ib)
    g = rng.standard_normal(tuple(yb.shape)).astype(np.float32)
    ya.backward(torchlet.tensor(g))
    yb.backward(torch.tensor(g))
    assert_same(a.grad, b.grad)


@pytest.mark.parametrize(
    "kw",
    [
        dict(kernel_size=3, stride=2, padding=1),
        dict(kernel_size=2),
        dict(kernel_size=2, stride=1, padding=1, dilation=2),
        dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
    ],
)
@pytest.mark.parametrize("no_grad", [True, False])
def test_max_pool_values_alone_without_indices_or_graph(torch, monkeypatch, kw, no_grad):
    """Inference (no_grad, or an input that needs no gradient) without return_indices takes a
    running maximum of the taps and no arg-max: the same values as PyTorch, NaN and -inf windows
    included, batched, unbatched and 1-d."""
    from torchlet.ops import pooling

    def no_arg_max(*args):
        raise AssertionError("the arg-max path ran")

    monkeypatch.setattr(pooling, "_max_pool2d_taps", no_arg_max)
    rng = np.random.default_rng(6)
    x = rng.integers(-1, 2, (2, 3, 9, 10)).astype(np.float32)
    x[0, 1] = rng.integers(0, 3, (9, 10))
    x[0, 0, 0, 0] = np.nan
    x[1, 1, :2, :2] = -np.inf
    F = torchlet.nn.functional
    for arr in (x, x[0]):
        a, b = _pair(torch, arr)
        with torchlet.set_grad_enabled(not no_grad), torch.set_grad_enabled(not no_grad):
            ya, yb = F.max_pool2d(a, **kw), torch.nn.functional.max_pool2d(b, **kw)
        assert_same(ya, yb)
    k = kw["kernel_size"]
    a, b = _pair(torch, x[0])
    with torchlet.set_grad_enabled(not no_grad), torch.set_grad_enabled(not no_grad):
        assert_same(F.max_pool1d(a, k), torch.nn.functional.max_pool1d(b, k))


@pytest.mark.parametrize("shape", [(16, 4), (8, 5, 7), (16, 6, 5, 5)])
@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_training_fast_path(torch, shape, affine):
    rng = np.random.default_rng(6)
    x = (rng.standard_normal(shape) * 3 + 1).astype(np.float32)
    g = rng.standard_normal(shape).astype(np.float32)
    out = []
    for m in (torchlet, torch):
        bn = m.nn.BatchNorm1d(shape[1], affine=affine) if len(shape) < 4 else m.nn.BatchNorm2d(shape[1], affine=affine)
        if affine:
            with m.no_grad():
                bn.weight.copy_(m.tensor(rng.standard_normal(shape[1]).astype(np.float32)))
        xt = m.tensor(x, requires_grad=True)
        y = bn(xt)
        y.backward(m.tensor(g))
        out.append(
            (
                y,
                xt.grad,
                bn.running_mean,
                bn.running_var,
                bn.weight.grad if affine else None,
                bn.bias.grad if affine else None,
            )
        )
        rng = np.random.default_rng(6)
        rng.standard_normal(shape), rng.standard_normal(shape)
    for a, b in zip(*out):
        if b is not None:
            assert_same(a, b, rtol=1e-4, atol=1e-5)


def test_relu_inplace_in_graph_matches_torch(torch):
    x = np.random.default_rng(7).standard_normal((4, 5)).astype(np.float32)
    res = []
    for m in (torchlet, torch):
        a = m.tensor(x, requires_grad=True)
        h = a * 2
        h.relu_()
        (h * h).sum().backward()
        res.append((h, a.grad, h.grad_fn.name()))
        e = m.tensor(x, requires_grad=True).exp()
        e.relu_()  # exp saved its result: the in-place op must invalidate it
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            e.sum().backward()
    assert_same(res[0][0], res[1][0])
    assert_same(res[0][1], res[1][1])
    assert res[0][2] == res[1][2]


@pytest.mark.parametrize("x_shape", [(7, 40), (2, 5, 40)])
def test_linear_head_weight_grad_matches_torch(torch, x_shape):
    """A layer with few outputs takes dW = (x^T g)^T (the faster product);
    first and second derivatives match PyTorch."""
    rng = np.random.default_rng(5)
    x, w, b = rng.standard_normal(x_shape), rng.standard_normal((3, 40)), rng.standard_normal(3)
    res = []
    for m in (torchlet, torch):
        xt, wt, bt = (m.tensor(a, requires_grad=True) for a in (x, w, b))
        y = m.nn.functional.linear(xt, wt, bt)
        (gw,) = m.autograd.grad((y * y).sum(), wt, create_graph=True)
        gw.pow(2).sum().backward()
        res.append((gw, xt.grad, wt.grad, bt.grad))
    for a, t in zip(*res):
        assert_same(a, t)
    assert res[0][0].is_contiguous()


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("n", [1, 4, 17, 64, 65, 300])
def test_relu_keeps_negative_zero_and_nan_bitwise(torch, dtype, n):
    """relu is np.maximum(0, x) up to 64 elements and NumPy's clip above: both must give
    PyTorch's bits, -0.0 staying -0.0 and NaN staying NaN, at every position."""
    x = np.random.default_rng(n).standard_normal(n).astype(dtype)
    x[::3] = -0.0
    x[1::5] = np.nan
    ours = torchlet.relu(torchlet.tensor(x)).numpy()
    theirs = torch.relu(torch.tensor(x)).numpy()
    assert ours.dtype == theirs.dtype
    assert ours.tobytes() == theirs.tobytes()


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
@pytest.mark.parametrize("shape", [(), (7,), (256, 256), (4, 8, 33, 65)])
def test_relu_gradient_selects_as_pytorch_does(torch, dtype, shape):
    """ReluBackward0 is PyTorch's threshold_backward, a select: an inf or NaN gradient at an
    inactive unit gives 0 (g * (r > 0) gave NaN), a NaN unit passes g, -0.0 and NaN pass where
    the unit is active, on the array path (every size) and the Tensor-op one (create_graph,
    bfloat16, 0-d)."""
    rng = np.random.default_rng(len(shape))
    x, g = (np.round(rng.standard_normal(shape) * 16) / 16 for _ in range(2))  # exact in every dtype
    x.reshape(-1)[::4] = -1.0
    x.reshape(-1)[1::6] = np.nan
    g.reshape(-1)[::3] = np.inf
    g.reshape(-1)[1::5] = np.nan
    g.reshape(-1)[2::7] = -0.0
    results = []
    for lib in (torchlet, torch):
        t = lib.tensor(x, dtype=getattr(lib, dtype), requires_grad=True)
        for create_graph in (False, True):
            (gx,) = lib.autograd.grad(lib.relu(t), t, lib.tensor(g, dtype=t.dtype), create_graph=create_graph)
            results.append(gx.detach().float().numpy())
    for ours, theirs in ((results[0], results[2]), (results[1], results[3])):
        np.testing.assert_array_equal(ours, theirs)  # (NaN where PyTorch has NaN)
        np.testing.assert_array_equal(np.signbit(ours[ours == 0]), np.signbit(theirs[theirs == 0]))
