"""softshrink, hardshrink, rrelu, pixel_shuffle/unshuffle and their modules against PyTorch."""

import numpy as np
import pytest

from tests.nn._exact import both, same_error, torch_stream
from tests.oracle import Op, T, assert_same, check_op

S = [((3, 4),), ((2, 3, 5),), (T((3, 4)),), ((),)]


def F(m):
    return m.nn.functional


OPS = [
    Op("softshrink", lambda m, a: F(m).softshrink(a), S),
    Op("softshrink_l", lambda m, a: F(m).softshrink(a, 1.3), S),
    Op("softshrink_0", lambda m, a: F(m).softshrink(a, 0), S[:2]),
    Op("hardshrink", lambda m, a: F(m).hardshrink(a), S),
    Op("hardshrink_l", lambda m, a: F(m).hardshrink(a, 0.9), S),
    Op("torch_hardshrink", lambda m, a: m.hardshrink(a, 0.2), S[:2]),
    Op("tensor_hardshrink", lambda m, a: a.hardshrink(0.3), S[:2]),
    Op("rrelu_eval", lambda m, a: F(m).rrelu(a), S),
    Op("rrelu_eval_bounds", lambda m, a: F(m).rrelu(a, 0.2, 0.6, False), S),
    Op("torch_rrelu_eval", lambda m, a: m.rrelu(a, 0.1, 0.3), S[:2]),
    Op("pixel_shuffle", lambda m, a: F(m).pixel_shuffle(a, 2), [((1, 8, 3, 2),), ((4, 2, 3),), ((2, 3, 8, 2, 2),)]),
    Op("pixel_shuffle_3", lambda m, a: m.pixel_shuffle(a, 3), [((2, 9, 2, 1),)]),
    Op("pixel_unshuffle", lambda m, a: F(m).pixel_unshuffle(a, 2), [((1, 2, 4, 6),), ((3, 2, 4),), ((2, 1, 2, 4, 2),)]),
    Op("pixel_unshuffle_3", lambda m, a: m.pixel_unshuffle(a, 3), [((1, 2, 3, 6),)]),
]


@pytest.mark.parametrize("op", OPS, ids=str)
def test_op(op, torch):
    check_op(op)


def test_shrink_edges(torch):
    """The band edges, -0.0 and NaN, values and gradients."""
    x = [0.5, -0.5, 0.6, -0.7, 0.0, -0.0, float("nan"), 0.4999]
    for name in ("softshrink", "hardshrink"):
        a, b = both(np.array(x, dtype=np.float32), requires_grad=True)
        ya, yb = getattr(F(__import__("torchlet")), name)(a, 0.5), getattr(F(torch), name)(b, 0.5)
        assert_same(ya, yb)
        assert np.array_equal(np.signbit(ya.detach().numpy()), np.signbit(yb.detach().numpy()))
        ya.sum().backward()
        yb.sum().backward()
        assert_same(a.grad, b.grad)
        assert ya.grad_fn.name() == yb.grad_fn.name()


def test_pixel_shuffle_integer_and_roundtrip(torch):
    import torchlet

    a, b = both(np.arange(2 * 8 * 2 * 3).reshape(2, 8, 2, 3))
    assert_same(torchlet.pixel_shuffle(a, 2), torch.pixel_shuffle(b, 2))
    assert_same(torchlet.pixel_unshuffle(torchlet.pixel_shuffle(a, 2), 2), b)
    x = torchlet.ones(1, 4, 2, 2, requires_grad=True)
    assert F(torchlet).pixel_shuffle(x, 2).grad_fn.name() == "PixelShuffleBackward0"
    assert F(torchlet).pixel_unshuffle(x, 2).grad_fn.name() == "PixelUnshuffleBackward0"


@pytest.mark.parametrize(
    "call",
    [
        lambda m: F(m).softshrink(m.ones(3), -1.0),
        lambda m: F(m).softshrink(m.ones(3, dtype=m.float64), -0.5),
        lambda m: F(m).softshrink(m.ones(3, dtype=m.long)),
        lambda m: F(m).hardshrink(m.ones(3, dtype=m.long)),
        lambda m: F(m).rrelu(m.ones(3, dtype=m.long)),
        lambda m: F(m).rrelu(m.ones(3), 0.5, 0.2),
        lambda m: F(m).rrelu(m.ones(3), 0.5, 0.2, training=True),
        lambda m: F(m).pixel_shuffle(m.ones(1, 5, 2, 2), 2),
        lambda m: F(m).pixel_shuffle(m.ones(5, 2), 2),
        lambda m: F(m).pixel_shuffle(m.ones(1, 4, 2, 2), 0),
        lambda m: F(m).pixel_unshuffle(m.ones(1, 1, 3, 4), 2),
        lambda m: F(m).pixel_unshuffle(m.ones(1, 1, 4, 3), 2),
        lambda m: F(m).pixel_unshuffle(m.ones(2, 4), 2),
        lambda m: F(m).pixel_unshuffle(m.ones(1, 1, 4, 4), -1),
    ],
)
def test_errors(call, torch):
    eo, et = same_error(call)
    assert str(eo) == str(et)


def test_rrelu_training_noise(torch):
    """Training draws one slope in [lower, upper] per non-positive element; the
    gradient is that slope; eval is deterministic leaky_relu with the mean slope."""
    import torchlet

    x = np.random.default_rng(0).normal(size=(50, 7)).astype(np.float32)
    a = torchlet.tensor(x, requires_grad=True)
    y = F(torchlet).rrelu(a, 0.1, 0.4, training=True)
    assert y.grad_fn.name() == "RreluWithNoiseBackward0"
    y.sum().backward()
    neg = x <= 0
    slope = a.grad.numpy()
    assert np.all(slope[~neg] == 1)
    assert np.all((slope[neg] >= np.float32(0.1)) & (slope[neg] <= np.float32(0.4)))
    assert len(np.unique(slope[neg])) > neg.sum() // 2
    np.testing.assert_array_equal(y.detach().numpy(), x * slope)
    e1 = F(torchlet).rrelu(torchlet.tensor(x), 0.1, 0.4)
    e2 = F(torch).rrelu(torch.tensor(x), 0.1, 0.4)
    assert_same(e1, e2)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_rrelu_training_stream(dtype, torch):
    """Seeded training draws equal PyTorch's (once the generator is PyTorch's stream)."""
    import torchlet

    if not torch_stream():
        pytest.skip("torchlet's generator does not draw PyTorch's stream yet")
    x = np.random.default_rng(1).normal(size=(40, 3)).astype(dtype)
    outs = []
    for m in (torchlet, torch):
        m.manual_seed(7)
        t = m.tensor(x, requires_grad=True)
        y = F(m).rrelu(t, training=True)
        y.backward(m.ones_like(y))
        g = m.Generator().manual_seed(3)
        z = m.rrelu(m.tensor(x), 0.2, 0.5, True, generator=g)
        m.manual_seed(9)
        w = m.tensor(x)
        F(m).rrelu_(w, training=True)
        outs.append((y, t.grad, z, w))
    for o, t in zip(*outs):
        assert_same(o, t, rtol=0, atol=0)


def test_rrelu_inplace(torch):
    import torchlet

    x = np.random.default_rng(2).normal(size=(4, 5)).astype(np.float32)
    a, b = both(x)
    ra, rb = F(torchlet).rrelu(a, inplace=True), F(torch).rrelu(b, inplace=True)
    assert ra is a and rb is b
    assert_same(a, b)
    leaf = torchlet.tensor(x, requires_grad=True)
    h = leaf * 1
    F(torchlet).rrelu_(h, 0.2, 0.4, training=True)
    h.sum().backward()
    np.testing.assert_array_equal(h.detach().numpy(), x * leaf.grad.numpy())


def test_modules(torch):
    import torchlet

    mods = [
        lambda nn: nn.Softshrink(),
        lambda nn: nn.Softshrink(1.5),
        lambda nn: nn.Hardshrink(),
        lambda nn: nn.Hardshrink(lambd=0.25),
        lambda nn: nn.RReLU(),
        lambda nn: nn.RReLU(0.1, 0.3, inplace=True),
        lambda nn: nn.PixelShuffle(2),
        lambda nn: nn.PixelUnshuffle(2),
    ]
    x = np.random.default_rng(3).normal(size=(2, 4, 4, 6)).astype(np.float32)
    for make in mods:
        ma, mb = make(torchlet.nn), make(torch.nn)
        assert repr(ma) == repr(mb)
        ma.eval()
        mb.eval()
        assert_same(ma(torchlet.tensor(x)), mb(torch.tensor(x)))
    r = torchlet.nn.RReLU()
    y = r(torchlet.tensor(x))  # training mode: random slopes
    assert not np.allclose(y.numpy(), F(torchlet).rrelu(torchlet.tensor(x)).numpy())
