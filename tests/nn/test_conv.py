"""Convolutions (conv1d/2d/3d, conv_transpose, unfold/fold) and the Conv layers against PyTorch."""

import numpy as np
import pytest

from tests.oracle import Op, T, assert_same, check_error, check_op

C2 = lambda **kw: lambda m, x, w, b: m.nn.functional.conv2d(x, w, b, **kw)
C2NB = lambda **kw: lambda m, x, w: m.nn.functional.conv2d(x, w, **kw)

OPS = [
    Op("conv2d", C2(), [((2, 3, 5, 6), (4, 3, 3, 2), (4,)), ((1, 2, 3, 3), (1, 2, 3, 3), (1,))]),
    Op("conv2d_stride_pad", C2(stride=2, padding=1), [((2, 3, 7, 6), (4, 3, 3, 3), (4,))]),
    Op("conv2d_tuple_args", C2(stride=(2, 1), padding=(0, 2), dilation=(1, 2)), [((1, 2, 7, 6), (3, 2, 3, 2), (3,))]),
    Op("conv2d_groups", C2(groups=2, padding=1), [((2, 4, 5, 5), (6, 2, 3, 3), (6,))]),
    Op("conv2d_depthwise", C2(groups=3), [((1, 3, 5, 4), (3, 1, 2, 2), (3,))]),
    Op("conv2d_same_odd", C2NB(padding="same"), [((1, 2, 5, 6), (3, 2, 3, 3))]),
    Op("conv2d_same_even", C2NB(padding="same", dilation=(1, 2)), [((1, 2, 5, 6), (3, 2, 4, 3))]),
    Op("conv2d_valid", C2NB(padding="valid"), [((1, 2, 5, 6), (3, 2, 3, 3))]),
    Op("conv2d_unbatched", C2NB(padding=1), [((2, 4, 5), (3, 2, 3, 3))]),
    Op("conv2d_noncontig", C2NB(), [(T((5, 4, 3, 2)), (3, 3, 2, 2))]),
    Op(
        "conv1d",
        lambda m, x, w, b: m.nn.functional.conv1d(x, w, b, stride=2, padding=1),
        [((2, 3, 9), (4, 3, 3), (4,)), ((3, 8), (2, 3, 2), (2,))],
    ),
    Op(
        "conv1d_same_groups",
        lambda m, x, w: m.nn.functional.conv1d(x, w, padding="same", groups=2, dilation=2),
        [((2, 4, 9), (4, 2, 4))],
    ),
    Op(
        "conv3d",
        lambda m, x, w: m.nn.functional.conv3d(x, w, padding=1, stride=(2, 1, 2)),
        [((1, 2, 4, 3, 4), (2, 2, 3, 2, 3))],
    ),
    Op(
        "conv_transpose2d",
        lambda m, x, w, b: m.nn.functional.conv_transpose2d(x, w, b),
        [((2, 3, 4, 5), (3, 2, 3, 3), (2,))],
    ),
    Op(
        "conv_transpose2d_args",
        lambda m, x, w, b: m.nn.functional.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1, groups=2),
        [((2, 4, 3, 4), (4, 3, 3, 2), (6,))],
    ),
    Op(
        "conv_transpose2d_dilation",
        lambda m, x, w: m.nn.functional.conv_transpose2d(x, w, stride=(1, 2), padding=(2, 0), dilation=2),
        [((1, 2, 4, 3), (2, 3, 3, 2))],
    ),
    Op(
        "conv_transpose1d",
        lambda m, x, w: m.nn.functional.conv_transpose1d(x, w, stride=3, padding=1),
        [((2, 2, 5), (2, 3, 4))],
    ),
    Op(
        "unfold",
        lambda m, x: m.nn.functional.unfold(x, (2, 3), padding=1, stride=(2, 1), dilation=(1, 2)),
        [((2, 3, 6, 7),), ((2, 5, 4),)],
    ),
    Op("fold", lambda m, x: m.nn.functional.fold(x, (5, 6), (2, 3), padding=1), [((2, 12, 36),)]),
]


@pytest.mark.parametrize("op", OPS, ids=str)
def test_op(op, torch):
    check_op(op)


def test_int64_forward(torch):
    import torchlet

    x = np.arange(25).reshape(1, 1, 5, 5)
    k = np.array([[1, 2, 1], [0, 1, 0], [2, 1, 0]]).reshape(1, 1, 3, 3)
    for kw in ({}, {"stride": 2}, {"padding": 1}):
        ours = torchlet.nn.functional.conv2d(torchlet.tensor(x), torchlet.tensor(k), **kw)
        theirs = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(k), **kw)
        assert_same(ours, theirs)


def test_grad_fn_name(torch):
    import torchlet

    x = torchlet.randn(1, 2, 5, 5, requires_grad=True)
    w = torchlet.randn(3, 2, 3, 3, requires_grad=True)
    assert torchlet.nn.functional.conv2d(x, w).grad_fn.name() == "ConvolutionBackward0"
    assert torchlet.nn.functional.conv_transpose2d(x, w.transpose(0, 1)).grad_fn.name() == "ConvolutionBackward0"


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.nn.functional.conv2d(m.randn(1, 1, 32, 32), m.randn(6, 3, 5, 5)),
        lambda m: m.nn.functional.conv2d(m.randn(1, 3, 2, 2), m.randn(6, 3, 3, 3)),
        lambda m: m.nn.functional.conv2d(m.randn(2, 3), m.randn(6, 3, 3, 3)),
        lambda m: m.nn.functional.conv2d(m.randn(1, 3, 5, 5), m.randn(6, 3, 3, 3), stride=2, padding="same"),
        lambda m: m.nn.functional.conv2d(m.randn(1, 4, 5, 5), m.randn(3, 2, 3, 3), groups=2),
        lambda m: m.nn.functional.conv2d(m.randn(1, 4, 5, 5).double(), m.randn(3, 4, 3, 3)),
        lambda m: m.nn.functional.conv2d(m.randn(1, 4, 5, 5), m.randn(3, 4, 3, 3), m.randn(3).double()),
        lambda m: m.nn.functional.conv2d(m.randn(1, 4, 5, 5), m.randn(3, 4, 3, 3), m.randn(4)),
        lambda m: m.nn.functional.conv2d(m.randn(1, 4, 5, 5), m.randn(3, 4, 3, 3), padding="foo"),
        lambda m: m.nn.functional.conv2d(m.randn(1, 4, 5, 5), m.randn(3, 4, 3, 3), padding=-1),
        lambda m: m.nn.functional.conv2d(m.randn(1, 4, 5, 5), m.randn(3, 4, 3, 3), stride=0),
        lambda m: m.nn.functional.conv_transpose2d(m.randn(1, 4, 5, 5), m.randn(3, 4, 3, 3)),
        lambda m: m.nn.functional.conv_transpose2d(
            m.randn(1, 4, 5, 5), m.randn(4, 3, 3, 3), stride=2, output_padding=2
        ),
    ],
)
def test_errors(call, torch):
    check_error(call)


def test_error_messages(torch):
    eo, et = check_error(lambda m: m.nn.functional.conv2d(m.randn(1, 1, 32, 32), m.randn(6, 3, 5, 5)))
    assert str(eo) == str(et)
    eo, et = check_error(lambda m: m.nn.functional.conv2d(m.randn(1, 3, 2, 2), m.randn(6, 3, 3, 3)))
    assert str(eo) == str(et)


def _load(ours, theirs):
    import torchlet

    ours.load_state_dict(
        {k: torchlet.tensor(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()}, strict=True
    )


CONV_LAYERS = [
    ("Conv2d", (3, 6, 5), {}, (2, 3, 9, 8)),
    ("Conv2d", (4, 6, (3, 2)), dict(stride=2, padding=1, dilation=(2, 1), groups=2, bias=False), (2, 4, 9, 8)),
    ("Conv2d", (3, 4, 3), dict(padding="same", padding_mode="reflect"), (2, 3, 6, 7)),
    ("Conv2d", (3, 4, 4), dict(padding="same"), (2, 3, 6, 7)),
    ("Conv2d", (3, 4, 3), dict(padding=(1, 2), padding_mode="circular"), (2, 3, 6, 7)),
    ("Conv2d", (3, 4, 3), dict(padding=2, padding_mode="replicate", stride=2), (2, 3, 6, 7)),
    ("Conv2d", (3, 4, 3), dict(padding="valid"), (3, 6, 7)),
    ("Conv1d", (3, 4, 3), dict(stride=2, padding=1), (2, 3, 9)),
    ("Conv1d", (2, 4, 3), dict(padding="same", padding_mode="reflect", groups=2), (2, 2, 9)),
    ("Conv3d", (2, 3, 2), dict(padding=1), (1, 2, 3, 4, 3)),
    ("ConvTranspose2d", (4, 2, 3), dict(stride=2, output_padding=1), (2, 4, 5, 4)),
    ("ConvTranspose2d", (4, 6, (3, 2)), dict(stride=(2, 1), padding=1, groups=2, dilation=2, bias=False), (2, 4, 5, 4)),
    ("ConvTranspose1d", (3, 2, 4), dict(stride=3, padding=1), (2, 3, 5)),
]


@pytest.mark.parametrize("name,args,kw,shape", CONV_LAYERS, ids=lambda v: str(v))
def test_layers(name, args, kw, shape, torch):
    import torchlet

    theirs = getattr(torch.nn, name)(*args, **kw)
    ours = getattr(torchlet.nn, name)(*args, **kw)
    assert repr(ours) == repr(theirs)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == [
        (k, tuple(v.shape)) for k, v in theirs.state_dict().items()
    ]
    _load(ours, theirs)
    x = np.random.rand(*shape).astype(np.float32)
    xo, xt = torchlet.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yo, yt = ours(xo), theirs(xt)
    assert_same(yo, yt, rtol=1e-4, atol=1e-5)
    g = np.random.rand(*yt.shape).astype(np.float32)
    yo.backward(torchlet.tensor(g))
    yt.backward(torch.tensor(g))
    assert_same(xo.grad, xt.grad, rtol=1e-4, atol=1e-5)
    for (k, p), (k2, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert k == k2
        assert_same(p.grad, q.grad, rtol=1e-4, atol=1e-4)


def test_init_bounds(torch):
    import math
    import torchlet

    m = torchlet.nn.Conv2d(4, 6, 3, groups=2)
    bound = 1 / math.sqrt(2 * 9)  # kaiming_uniform(a=sqrt(5)) gives 1/sqrt(fan_in)
    w, b = m.weight.detach().numpy(), m.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound and w.std() > 0.4 * bound
    assert np.abs(b).max() <= bound
    t = torchlet.nn.ConvTranspose2d(4, 6, 3)
    assert tuple(t.weight.shape) == (4, 6, 3, 3)
    assert np.abs(t.weight.detach().numpy()).max() <= 1 / math.sqrt(6 * 9)


def test_conv_transpose_output_size(torch):
    import torchlet

    theirs = torch.nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1)
    ours = torchlet.nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1)
    _load(ours, theirs)
    x = np.random.rand(1, 3, 4, 5).astype(np.float32)
    for size in ([8, 10], [1, 2, 7, 9]):
        assert_same(
            ours(torchlet.tensor(x), output_size=size), theirs(torch.tensor(x), output_size=size), rtol=1e-4, atol=1e-5
        )
    check_error(lambda m: (theirs if m is torch else ours)(m.tensor(x), output_size=[12, 12]))


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.nn.Conv2d(3, 4, 3, groups=2),
        lambda m: m.nn.Conv2d(4, 3, 3, groups=2),
        lambda m: m.nn.Conv2d(3, 4, 3, groups=0),
        lambda m: m.nn.Conv2d(3, 4, 3, padding="foo"),
        lambda m: m.nn.Conv2d(3, 4, 3, padding="same", stride=2),
        lambda m: m.nn.Conv2d(3, 4, 3, padding_mode="bar"),
        lambda m: m.nn.ConvTranspose2d(3, 4, 3, padding_mode="reflect"),
        lambda m: m.nn.Conv2d(3, 6, 5)(m.ones(1, 1, 32, 32)),
    ],
)
def test_layer_errors(call, torch):
    check_error(call)
