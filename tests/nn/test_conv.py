"""Convolutions (conv1d/2d/3d, conv_transpose, unfold/fold) and the Conv layers against PyTorch."""
import numpy as np
import pytest

from tests.oracle import Op, T, assert_same, check_error, check_op

C2 = lambda **kw: (lambda m, x, w, b: m.nn.functional.conv2d(x, w, b, **kw))  # noqa: E731
C2NB = lambda **kw: (lambda m, x, w: m.nn.functional.conv2d(x, w, **kw))  # noqa: E731

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
    Op("conv1d", lambda m, x, w, b: m.nn.functional.conv1d(x, w, b, stride=2, padding=1),
       [((2, 3, 9), (4, 3, 3), (4,)), ((3, 8), (2, 3, 2), (2,))]),
    Op("conv1d_same_groups", lambda m, x, w: m.nn.functional.conv1d(x, w, padding="same", groups=2, dilation=2),
       [((2, 4, 9), (4, 2, 4))]),
    Op("conv3d", lambda m, x, w: m.nn.functional.conv3d(x, w, padding=1, stride=(2, 1, 2)),
       [((1, 2, 4, 3, 4), (2, 2, 3, 2, 3))]),
    Op("conv_transpose2d", lambda m, x, w, b: m.nn.functional.conv_transpose2d(x, w, b),
       [((2, 3, 4, 5), (3, 2, 3, 3), (2,))]),
    Op("conv_transpose2d_args", lambda m, x, w, b: m.nn.functional.conv_transpose2d(
        x, w, b, stride=2, padding=1, output_padding=1, groups=2), [((2, 4, 3, 4), (4, 3, 3, 2), (6,))]),
    Op("conv_transpose2d_dilation", lambda m, x, w: m.nn.functional.conv_transpose2d(
        x, w, stride=(1, 2), padding=(2, 0), dilation=2), [((1, 2, 4, 3), (2, 3, 3, 2))]),
    Op("conv_transpose1d", lambda m, x, w: m.nn.functional.conv_transpose1d(x, w, stride=3, padding=1),
       [((2, 2, 5), (2, 3, 4))]),
    Op("unfold", lambda m, x: m.nn.functional.unfold(x, (2, 3), padding=1, stride=(2, 1), dilation=(1, 2)),
       [((2, 3, 6, 7),), ((2, 5, 4),)]),
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


@pytest.mark.parametrize("call", [
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
    lambda m: m.nn.functional.conv_transpose2d(m.randn(1, 4, 5, 5), m.randn(4, 3, 3, 3), stride=2,
                                               output_padding=2),
])
def test_errors(call, torch):
    check_error(call)


def test_error_messages(torch):
    eo, et = check_error(lambda m: m.nn.functional.conv2d(m.randn(1, 1, 32, 32), m.randn(6, 3, 5, 5)))
    assert str(eo) == str(et)
    eo, et = check_error(lambda m: m.nn.functional.conv2d(m.randn(1, 3, 2, 2), m.randn(6, 3, 3, 3)))
    assert str(eo) == str(et)
