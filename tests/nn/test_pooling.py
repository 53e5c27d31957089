"""Pooling ops and layers against PyTorch."""

import numpy as np
import pytest

from tests.oracle import Op, assert_same, check_error, check_op


def F(m):
    return m.nn.functional


MP = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2), ceil_mode=True),
    dict(kernel_size=3, stride=2, ceil_mode=True),
    dict(kernel_size=2, stride=1),
]
AP = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=3, stride=2, padding=1, count_include_pad=False, ceil_mode=True),
    dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 0), ceil_mode=True),
    dict(kernel_size=3, divisor_override=2),
]
ADAPT = [(3, 3), (2, 5), (None, 3), (7, 8), 1, (4, 2)]

OPS = (
    [
        Op(f"max_pool2d_{i}", lambda m, x, kw=kw: F(m).max_pool2d(x, **kw), [((2, 3, 7, 8),), ((3, 7, 8),)])
        for i, kw in enumerate(MP)
    ]
    + [
        Op(
            f"max_pool2d_indices_{i}",
            lambda m, x, kw=kw: F(m).max_pool2d(x, return_indices=True, **kw),
            [((2, 3, 7, 8),)],
        )
        for i, kw in enumerate(MP)
    ]
    + [
        Op(f"avg_pool2d_{i}", lambda m, x, kw=kw: F(m).avg_pool2d(x, **kw), [((2, 3, 7, 8),), ((3, 7, 8),)])
        for i, kw in enumerate(AP)
    ]
    + [
        Op(f"adaptive_avg_pool2d_{o}", lambda m, x, o=o: F(m).adaptive_avg_pool2d(x, o), [((2, 3, 7, 8),)])
        for o in ADAPT
    ]
    + [
        Op(
            f"adaptive_max_pool2d_{o}",
            lambda m, x, o=o: F(m).adaptive_max_pool2d(x, o, return_indices=True),
            [((2, 3, 7, 8),), ((3, 7, 8),)],
        )
        for o in ADAPT
    ]
    + [
        Op("max_pool1d", lambda m, x: F(m).max_pool1d(x, 3, 2, 1), [((2, 3, 9),), ((3, 9),)]),
        Op(
            "max_pool1d_indices",
            lambda m, x: F(m).max_pool1d(x, 2, return_indices=True, ceil_mode=True),
            [((2, 3, 9),)],
        ),
        Op("avg_pool1d", lambda m, x: F(m).avg_pool1d(x, 3, 2, 1, count_include_pad=False), [((2, 3, 9),)]),
        Op("adaptive_avg_pool1d", lambda m, x: F(m).adaptive_avg_pool1d(x, 4), [((2, 3, 9),)]),
        Op("adaptive_max_pool1d", lambda m, x: F(m).adaptive_max_pool1d(x, 4), [((2, 3, 9),)]),
        Op("max_pool3d", lambda m, x: F(m).max_pool3d(x, 2, padding=1), [((1, 2, 4, 5, 4),)]),
        Op("avg_pool3d", lambda m, x: F(m).avg_pool3d(x, 2, stride=1), [((1, 2, 3, 4, 3),)]),
        Op("lp_pool2d", lambda m, x: F(m).lp_pool2d(x, 2, 2), [((1, 2, 4, 4),)], domain=(0.5, 2)),
    ]
)


@pytest.mark.parametrize("op", OPS, ids=str)
def test_op(op, torch):
    check_op(op)


def test_indices_ties_and_unpool(torch):
    import torchlet

    x = np.arange(2 * 3 * 6 * 6, dtype=np.float32).reshape(2, 3, 6, 6) % 5
    yo, io = torchlet.nn.functional.max_pool2d(torchlet.tensor(x), 3, 2, 1, return_indices=True)
    yt, it = torch.nn.functional.max_pool2d(torch.tensor(x), 3, 2, 1, return_indices=True)
    assert_same(io, it)
    assert_same(
        torchlet.nn.functional.max_unpool2d(yo, io, 3, 2, 1, output_size=(6, 6)),
        torch.nn.functional.max_unpool2d(yt, it, 3, 2, 1, output_size=(6, 6)),
    )
    x = np.random.rand(2, 3, 6, 6).astype(np.float32)
    yo, io = torchlet.nn.functional.max_pool2d(torchlet.tensor(x), 2, return_indices=True)
    yt, it = torch.nn.functional.max_pool2d(torch.tensor(x), 2, return_indices=True)
    assert_same(torchlet.nn.functional.max_unpool2d(yo, io, 2), torch.nn.functional.max_unpool2d(yt, it, 2))


def test_int_max_pool(torch):
    import torchlet

    x = np.arange(25).reshape(1, 1, 5, 5)
    assert_same(
        torchlet.nn.functional.max_pool2d(torchlet.tensor(x), 3, ceil_mode=True),
        torch.nn.functional.max_pool2d(torch.tensor(x), 3, ceil_mode=True),
    )


def test_grad_fn_names(torch):
    import torchlet

    for call in (
        lambda m, x: F(m).max_pool2d(x, 2),
        lambda m, x: F(m).avg_pool2d(x, 2),
        lambda m, x: F(m).adaptive_avg_pool2d(x, 3),
        lambda m, x: F(m).adaptive_max_pool2d(x, 3),
        lambda m, x: F(m).adaptive_avg_pool2d(x, 1),
        lambda m, x: F(m).max_pool1d(x[0], 2),
    ):
        a = call(torchlet, torchlet.ones(1, 2, 6, 6, requires_grad=True))
        b = call(torch, torch.ones(1, 2, 6, 6, requires_grad=True))
        assert a.grad_fn.name() == b.grad_fn.name()


@pytest.mark.parametrize(
    "call",
    [
        lambda m: F(m).max_pool2d(m.ones(1, 4, 5, 5), 2, padding=2),
        lambda m: F(m).max_pool2d(m.ones(1, 4, 1, 1), 3),
        lambda m: F(m).avg_pool2d(m.ones(1, 4, 5, 5), 2, padding=2),
        lambda m: F(m).avg_pool2d(m.ones(1, 4, 1, 1), 3),
        lambda m: F(m).max_pool2d(m.ones(4, 5), 2),
        lambda m: F(m).adaptive_avg_pool2d(m.ones(4, 5), 2),
    ],
)
def test_errors(call, torch):
    eo, et = check_error(call)
    assert str(eo) == str(et)


LAYERS = [
    ("MaxPool2d", (2,), {}),
    ("MaxPool2d", (3,), dict(stride=2, padding=1, ceil_mode=True)),
    ("MaxPool2d", ((3, 2),), dict(dilation=2, return_indices=True)),
    ("MaxPool1d", (3,), dict(stride=2)),
    ("AvgPool2d", (3,), dict(stride=2, padding=1, count_include_pad=False)),
    ("AvgPool2d", (2,), dict(ceil_mode=True, divisor_override=3)),
    ("AvgPool1d", (2,), {}),
    ("AdaptiveAvgPool2d", ((5, 3),), {}),
    ("AdaptiveAvgPool2d", (1,), {}),
    ("AdaptiveAvgPool1d", (3,), {}),
    ("AdaptiveMaxPool2d", ((2, 3),), dict(return_indices=True)),
    ("AdaptiveAvgPool2d", ((None, 2),), {}),
]


@pytest.mark.parametrize("name,args,kw", LAYERS, ids=lambda v: str(v))
def test_layers(name, args, kw, torch):
    import torchlet

    ours, theirs = getattr(torchlet.nn, name)(*args, **kw), getattr(torch.nn, name)(*args, **kw)
    assert repr(ours) == repr(theirs)
    x = np.random.rand(*((2, 3, 9) if "1d" in name else (2, 3, 9, 8))).astype(np.float32)
    xo, xt = torchlet.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yo, yt = ours(xo), theirs(xt)
    assert_same(yo, yt)
    (yo[0] if isinstance(yo, tuple) else yo).sum().backward()
    (yt[0] if isinstance(yt, tuple) else yt).sum().backward()
    assert_same(xo.grad, xt.grad)
