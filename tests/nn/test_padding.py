"""pad, interpolate, the padding layers and Upsample against PyTorch."""

import numpy as np
import pytest

from tests.oracle import Op, assert_same, check_error, check_op


def F(m):
    return m.nn.functional


MODES = ["constant", "reflect", "replicate", "circular"]
INTERP = [
    dict(scale_factor=2),
    dict(size=(5, 7)),
    dict(scale_factor=(1.7, 0.6)),
    dict(size=(5, 7), mode="bilinear"),
    dict(size=(5, 7), mode="bilinear", align_corners=True),
    dict(scale_factor=2.5, mode="bilinear"),
    dict(scale_factor=0.5, mode="bilinear"),
    dict(size=(3, 13), mode="nearest-exact"),
    dict(size=(2, 3), mode="area"),
    dict(scale_factor=1.5, mode="bilinear", recompute_scale_factor=True),
]

OPS = (
    [
        Op(f"pad_{m_}", lambda m, x, m_=m_: F(m).pad(x, (1, 2, 2, 1), mode=m_), [((2, 3, 4, 5),), ((3, 4, 5),)])
        for m_ in MODES
    ]
    + [Op(f"pad1d_{m_}", lambda m, x, m_=m_: F(m).pad(x, (3, 2), mode=m_), [((3, 4),), ((2, 3, 4),)]) for m_ in MODES]
    + [
        Op(f"pad3d_{m_}", lambda m, x, m_=m_: F(m).pad(x, (1, 1, 2, 0, 1, 1), mode=m_), [((1, 2, 3, 4, 3),)])
        for m_ in MODES
    ]
    + [
        Op(f"interpolate_{i}", lambda m, x, kw=kw: F(m).interpolate(x, **kw), [((2, 3, 4, 6),)])
        for i, kw in enumerate(INTERP)
    ]
    + [
        Op("pad_negative_value", lambda m, x: F(m).pad(x, (-1, 2, 0, -2), value=1.5), [((2, 3, 4, 5),)]),
        Op("pad_more_dims", lambda m, x: F(m).pad(x, (1, 1, 1, 1, 1, 1)), [((2, 3, 4),)]),
        Op("interpolate_linear", lambda m, x: F(m).interpolate(x, size=7, mode="linear"), [((2, 3, 4),)]),
        Op(
            "interpolate_linear_ac",
            lambda m, x: F(m).interpolate(x, scale_factor=3, mode="linear", align_corners=True),
            [((2, 3, 4),)],
        ),
        Op("interpolate_nearest_1d", lambda m, x: F(m).interpolate(x, size=7), [((2, 3, 4),)]),
        Op(
            "interpolate_trilinear",
            lambda m, x: F(m).interpolate(x, scale_factor=2, mode="trilinear"),
            [((1, 2, 3, 4, 3),)],
        ),
    ]
)


@pytest.mark.parametrize("op", OPS, ids=str)
def test_op(op, torch):
    check_op(op)


def test_grad_fn_names(torch):
    import torchlet

    for call in [lambda m, x, mo=mo: F(m).pad(x, (1, 1, 1, 1), mode=mo) for mo in MODES] + [
        lambda m, x: F(m).pad(x[0], (1, 1), mode="reflect"),
        lambda m, x: F(m).interpolate(x, scale_factor=2),
        lambda m, x: F(m).interpolate(x, scale_factor=2, mode="bilinear"),
    ]:
        a = call(torchlet, torchlet.ones(1, 2, 4, 4, requires_grad=True))
        b = call(torch, torch.ones(1, 2, 4, 4, requires_grad=True))
        assert a.grad_fn.name() == b.grad_fn.name().split("::")[-1]


@pytest.mark.parametrize(
    "call",
    [
        lambda m: F(m).pad(m.ones(1, 1, 3, 3), (3, 3), mode="reflect"),
        lambda m: F(m).pad(m.ones(1, 1, 3, 3), (3, 3, 1, 1), mode="reflect"),
        lambda m: F(m).pad(m.ones(1, 1, 3, 3), (1,)),
        lambda m: F(m).pad(m.ones(1, 1, 3, 3), (1, 1) * 5),
        lambda m: F(m).pad(m.ones(3), (1, 1), mode="reflect"),
        lambda m: F(m).pad(m.ones(1, 1, 3, 3), (1, 1), mode="foo"),
        lambda m: F(m).interpolate(m.ones(1, 1, 3, 3), mode="bilinear"),
        lambda m: F(m).interpolate(m.ones(1, 1, 3, 3), size=4, scale_factor=2),
        lambda m: F(m).interpolate(m.ones(1, 1, 3, 3), size=4, align_corners=True),
        lambda m: F(m).interpolate(m.ones(1, 1, 3, 3), size=4, mode="linear"),
    ],
)
def test_errors(call, torch):
    check_error(call)


LAYERS = [
    ("ZeroPad2d", (2,)),
    ("ZeroPad2d", ((1, 2, 0, 3),)),
    ("ConstantPad2d", ((1, 0, 2, 1), 3.5)),
    ("ConstantPad1d", (2, 1.0)),
    ("ReflectionPad2d", (2,)),
    ("ReflectionPad2d", ((1, 0, 2, 1),)),
    ("ReflectionPad1d", ((2, 1),)),
    ("ReplicationPad2d", (3,)),
    ("ReplicationPad1d", (2,)),
    ("CircularPad2d", (1,)),
    ("ZeroPad1d", (1,)),
    ("Upsample", (), dict(scale_factor=2)),
    ("Upsample", (), dict(size=(5, 7), mode="bilinear")),
    ("Upsample", (), dict(scale_factor=1.5, mode="bilinear", align_corners=True)),
    ("UpsamplingNearest2d", (), dict(scale_factor=2)),
    ("UpsamplingBilinear2d", (), dict(size=6)),
]


@pytest.mark.parametrize("spec", LAYERS, ids=str)
def test_layers(spec, torch):
    import torchlet

    name, args = spec[0], spec[1]
    kw = spec[2] if len(spec) > 2 else {}
    ours, theirs = getattr(torchlet.nn, name)(*args, **kw), getattr(torch.nn, name)(*args, **kw)
    assert repr(ours) == repr(theirs)
    x = np.random.rand(*((2, 3, 5) if "1d" in name else (2, 3, 4, 5))).astype(np.float32)
    xo, xt = torchlet.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yo, yt = ours(xo), theirs(xt)
    assert_same(yo, yt)
    g = np.random.rand(*yt.shape).astype(np.float32)
    yo.backward(torchlet.tensor(g))
    yt.backward(torch.tensor(g))
    assert_same(xo.grad, xt.grad)
