"""interpolate's bicubic and antialiased modes (and the kernels' special cases for
unchanged and doubled sizes) against PyTorch: values and gradients, float32 and
float64, size and scale_factor forms, recompute_scale_factor; float64 gradcheck;
errors; nn.Upsample."""

import numpy as np
import pytest

from tests.nn._exact import same_error
from tests.oracle import assert_same

rng = np.random.default_rng(0)
X = rng.normal(size=(2, 3, 7, 9))
X_TALL = rng.normal(size=(1, 2, 16, 12))

RESIZES = [
    dict(size=(5, 13)),
    dict(size=(3, 4)),
    dict(size=11),
    dict(scale_factor=0.37),
    dict(scale_factor=(2.5, 0.5)),
    dict(scale_factor=0.45, recompute_scale_factor=True),
    dict(size=(31, 2)),
    dict(scale_factor=(1.3, 1.0)),
    dict(scale_factor=(0.7, 1.15)),
]


def _interp(m, x, **kw):
    return m.nn.functional.interpolate(x, **kw)


def _compare(torch, x, dtype, **kw):
    import torchlet

    g = np.random.default_rng(1)
    res = []
    for m in (torchlet, torch):
        t = m.tensor(x.astype(dtype), requires_grad=True)
        y = _interp(m, t, **kw)
        gy = g.normal(size=tuple(y.shape)).astype(dtype) if not res else res[0][2]
        y.backward(m.tensor(gy))
        res.append((y, t.grad, gy))
    (ya, ga, _), (yb, gb, _) = res
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == "float32" else dict(rtol=1e-10, atol=1e-12)
    assert_same(ya, yb, **tol, what="value")
    assert_same(ga, gb, **tol, what="grad")
    assert ya.grad_fn.name() == yb.grad_fn.name()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("kw", RESIZES, ids=str)
def test_bicubic(kw, align_corners, dtype, torch):
    _compare(torch, X, dtype, mode="bicubic", align_corners=align_corners, **kw)


AA_MODES = [
    ("bilinear", False),
    ("bilinear", True),
    ("bicubic", False),
    ("bicubic", True),
    ("lanczos", False),
]  # lanczos refuses align_corners=True (test_errors)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("mode,align_corners", AA_MODES, ids=str)
@pytest.mark.parametrize("kw", RESIZES, ids=str)
def test_antialias(kw, mode, align_corners, dtype, torch):
    _compare(torch, X_TALL, dtype, mode=mode, align_corners=align_corners, antialias=True, **kw)


def test_antialias_output_width_one(torch):
    """PyTorch's antialiased forward gives every row the same value when the output width
    is 1 (its backward disagrees with it); ours is the separable filter its backward uses."""
    import torchlet

    x = rng.normal(size=(1, 1, 16, 5))
    a = torchlet.tensor(x, requires_grad=True)
    b = torch.tensor(x, requires_grad=True)
    ya = _interp(torchlet, a, size=(5, 1), mode="bilinear", antialias=True)
    yb = _interp(torch, b, size=(5, 1), mode="bilinear", antialias=True)
    g = rng.normal(size=(1, 1, 5, 1))
    ya.backward(torchlet.tensor(g))
    yb.backward(torch.tensor(g))
    assert_same(a.grad, b.grad)
    # the rows of PyTorch's forward are all equal; ours are the width filter, then the height filter
    assert len(set(np.round(yb.detach().numpy().ravel(), 12))) == 1
    w = _interp(torchlet, torchlet.tensor(x), size=(16, 1), mode="bilinear", antialias=True)
    h = _interp(torchlet, w, size=(5, 1), mode="bilinear", antialias=True)
    np.testing.assert_allclose(ya.detach().numpy(), h.numpy(), rtol=1e-12)


@pytest.mark.parametrize("mode", ["nearest", "bilinear", "linear", "trilinear"])
@pytest.mark.parametrize("factor", [1.05, 2.04])
def test_unchanged_and_doubled_sizes(mode, factor, torch):
    """PyTorch's kernels copy a dim whose size does not change (linear modes) and halve the
    index of an exact doubling (nearest, 2-d forward and all backwards), whatever scale_factor."""
    nd = {"nearest": 2, "bilinear": 2, "linear": 1, "trilinear": 3}[mode]
    for n in (1, 2, 3) if mode == "nearest" else (nd,):
        x = rng.normal(size=(1, 2) + (8,) * n)
        sf = (factor,) * n
        _compare(torch, x, "float64", mode=mode, scale_factor=sf)


def test_gradcheck(torch):
    import torchlet

    x = torchlet.tensor(rng.normal(size=(1, 2, 5, 6)), requires_grad=True)
    for kw in (
        dict(mode="bicubic", size=(7, 4)),
        dict(mode="bicubic", scale_factor=1.7, align_corners=True),
        dict(mode="bilinear", size=(3, 4), antialias=True),
        dict(mode="bicubic", scale_factor=0.6, antialias=True),
        dict(mode="lanczos", size=(4, 9), antialias=True),
    ):

        def f(t):
            return _interp(torchlet, t, **kw)

        assert torchlet.autograd.gradcheck(f, (x,), eps=1e-6, atol=1e-6, rtol=1e-4)
        assert torchlet.autograd.gradgradcheck(f, (x,), eps=1e-6, atol=1e-6, rtol=1e-4)


def test_noncontiguous_input(torch):
    import torchlet

    x = rng.normal(size=(2, 3, 9, 7)).astype(np.float32)
    a = _interp(torchlet, torchlet.tensor(x).transpose(2, 3), size=(4, 5), mode="bicubic", antialias=True)
    b = _interp(torch, torch.tensor(x).transpose(2, 3), size=(4, 5), mode="bicubic", antialias=True)
    assert_same(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "call",
    [
        lambda m: _interp(m, m.ones(1, 1, 4), size=3, mode="bicubic"),
        lambda m: _interp(m, m.ones(1, 1, 4, 4, 4), size=3, mode="bicubic"),
        lambda m: _interp(m, m.ones(1, 1, 4), size=3, mode="linear", antialias=True),
        lambda m: _interp(m, m.ones(1, 1, 4, 4), size=3, mode="nearest", antialias=True),
        lambda m: _interp(m, m.ones(1, 1, 4, 4), size=(3, 3), scale_factor=2.0, mode="bicubic"),
        lambda m: _interp(m, m.ones(1, 1, 4, 4), mode="bicubic"),
        lambda m: _interp(m, m.ones(1, 1, 4, 4), size=(3, 3), mode="bicubic", recompute_scale_factor=True),
        lambda m: _interp(m, m.ones(1, 1, 4, 4), size=(3, 3, 3), mode="bicubic"),
        lambda m: _interp(m, m.ones(1, 1, 4, 4), scale_factor=(2.0,), mode="bicubic"),
        lambda m: _interp(m, m.ones(1, 1, 4, 4), scale_factor=0.2, mode="bicubic"),
        lambda m: _interp(m, m.ones(1, 1, 4), scale_factor=0.2, mode="linear"),
        lambda m: _interp(m, m.ones(1, 1, 1, 4, 4), scale_factor=0.2, mode="nearest"),
        lambda m: _interp(m, m.ones(1, 1, 4, 4), size=3, mode="nearest", align_corners=True),
        lambda m: _interp(m, m.ones(1, 1, 4, 4), size=3, mode="trilinear"),
        lambda m: _interp(m, m.ones(1, 1, 4, 4, 4, 4), size=3, mode="bilinear"),
        lambda m: _interp(m, m.ones(1, 1, 4, 4), size=3, mode="lanczos"),
        lambda m: _interp(m, m.ones(1, 1, 4, 4), size=3, mode="lanczos", antialias=True, align_corners=True),
        lambda m: _interp(m, m.ones(1, 1, 4), size=3, mode="lanczos"),
        lambda m: _interp(m, m.ones(1, 1, 4), size=3, mode="lanczos", antialias=True),
    ],
)
def test_errors(call, torch):
    eo, et = same_error(call)
    assert str(eo) == str(et)


@pytest.mark.parametrize(
    "kw",
    [
        dict(scale_factor=2, mode="bicubic"),
        dict(scale_factor=0.5, mode="bicubic", align_corners=True),
        dict(size=(5, 3), mode="bicubic"),
        dict(scale_factor=(1.5, 2.0), mode="bilinear", recompute_scale_factor=True),
    ],
)
def test_upsample_module(kw, torch):
    import torchlet

    ma, mb = torchlet.nn.Upsample(**kw), torch.nn.Upsample(**kw)
    assert repr(ma) == repr(mb)
    assert_same(ma(torchlet.tensor(X)), mb(torch.tensor(X)))


U8 = np.random.default_rng(7).integers(0, 256, (2, 3, 13, 11)).astype(np.uint8)


U8_MODES = [(m, ac, aa) for m in ("bilinear", "bicubic") for ac in (False, True) for aa in (False, True)] + [
    ("lanczos", False, True)
]


@pytest.mark.parametrize("mode,align_corners,antialias", U8_MODES, ids=str)
@pytest.mark.parametrize(
    "kw",
    [
        dict(size=(5, 4)),
        dict(size=(29, 20)),
        dict(size=(13, 30)),
        dict(scale_factor=0.37),
        dict(scale_factor=(2.5, 0.6)),
        dict(scale_factor=1.7, recompute_scale_factor=True),
    ],
    ids=str,
)
def test_uint8_bit_exact(kw, mode, align_corners, antialias, torch):
    """uint8 images (torchvision's Resize on tensors): PyTorch's fixed-point kernels, bit for bit."""
    import torchlet

    a = _interp(torchlet, torchlet.tensor(U8), mode=mode, align_corners=align_corners, antialias=antialias, **kw)
    b = _interp(torch, torch.tensor(U8), mode=mode, align_corners=align_corners, antialias=antialias, **kw)
    assert a.dtype == torchlet.uint8
    np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_integer_nearest_exact(torch):
    import torchlet

    assert_same(
        _interp(torchlet, torchlet.tensor(U8), scale_factor=1.6, mode="nearest-exact"),
        _interp(torch, torch.tensor(U8), scale_factor=1.6, mode="nearest-exact"),
    )
