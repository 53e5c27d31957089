"""View ops (reshape/view/expand/permute/transpose/squeeze/...) against PyTorch:
values, gradients, grad_fn names, memory sharing with the base, errors."""

import numpy as np
import pytest

import torchlet
from tests.oracle import Op, T, check_op, check_error, from_torch, to_torch

OPS = [
    Op("reshape", lambda m, a: a.reshape(4, 3), [((3, 4),), ((2, 6),)]),
    Op("reshape_infer", lambda m, a: m.reshape(a, (-1, 2)), [((3, 4),), (T((3, 4)),)]),
    Op("reshape_0d", lambda m, a: a.reshape(1, 1), [((),)]),
    Op("reshape_to_0d", lambda m, a: a.reshape(()), [((1,),)]),
    Op("reshape_empty", lambda m, a: a.reshape(3, 0), [((0, 3),)]),
    Op("view", lambda m, a: a.view(2, -1, 2), [((3, 4),)]),
    Op("view_size", lambda m, a: a.view(a.shape[::-1]), [((2, 5),)]),
    Op("view_as", lambda m, a, b: a.view_as(b), [((3, 4), (12,))]),
    Op("reshape_as", lambda m, a, b: a.reshape_as(b), [(T((3, 4)), (2, 6))]),
    Op("expand", lambda m, a: a.expand(2, 3, 4), [((3, 1),), ((1, 4),), ((),)]),
    Op("expand_minus1", lambda m, a: a.expand(-1, 5), [((3, 1),)]),
    Op("expand_as", lambda m, a, b: a.expand_as(b), [((4,), (3, 4))]),
    Op("permute", lambda m, a: a.permute(2, 0, 1), [((2, 3, 4),), (T((2, 3, 4)),)]),
    Op("permute_neg", lambda m, a: m.permute(a, (-1, 0, -2)), [((2, 3, 4),)]),
    Op("transpose", lambda m, a: a.transpose(0, -1), [((2, 3, 4),), ((3,),), ((),)]),
    Op("swapaxes", lambda m, a: a.swapaxes(1, 2), [((2, 3, 4),)]),
    Op("t", lambda m, a: a.t(), [((3, 4),), ((3,),), ((),)]),
    Op("T", lambda m, a: a.T, [((3, 4),)]),
    Op("mT", lambda m, a: a.mT, [((2, 3, 4),)]),
    Op("squeeze", lambda m, a: a.squeeze(), [((1, 3, 1, 4),), ((1,),), ((),)]),
    Op("squeeze_dim", lambda m, a: a.squeeze(-2), [((1, 3, 1, 4),), ((2, 3, 4),)]),
    Op("squeeze_dims", lambda m, a: a.squeeze((0, 2)), [((1, 3, 1, 4),)]),
    Op("unsqueeze", lambda m, a: a.unsqueeze(-1), [((3, 4),), ((),)]),
    Op("unsqueeze0", lambda m, a: m.unsqueeze(a, 1), [(T((3, 4)),)]),
    Op("flatten", lambda m, a: a.flatten(), [((2, 3, 4),), ((),), (T((3, 4)),)]),
    Op("flatten_range", lambda m, a: m.flatten(a, 1, -1), [((2, 3, 4),)]),
    Op("unflatten", lambda m, a: a.unflatten(1, (2, -1)), [((3, 4),)]),
    Op("movedim", lambda m, a: a.movedim(0, -1), [((2, 3, 4),)]),
    Op("movedim_multi", lambda m, a: m.movedim(a, (0, 1), (2, 0)), [((2, 3, 4),)]),
    Op("moveaxis", lambda m, a: m.moveaxis(a, -1, 0), [((2, 3, 4),)]),
    Op("adjoint", lambda m, a: m.adjoint(a), [((2, 3),)]),
    Op("view_then_mul", lambda m, a: a.view(-1) * m.arange(12.0).to(a.dtype), [((3, 4),)]),
]


@pytest.mark.parametrize("op", OPS, ids=str)
def test_op(op, torch):
    check_op(op)


@pytest.mark.parametrize(
    "expr",
    [
        "x.view(12)",
        "x.view_as(x)",
        "x.reshape(3, 4)",
        "x.expand(2, 3, 4)",
        "x.permute(1, 0)",
        "x.transpose(0, 1)",
        "x.t()",
        "x.T",
        "x.mT",
        "x.unsqueeze(0)",
        "x.unsqueeze(0).squeeze()",
        "x.unsqueeze(0).squeeze(0)",
        "x.unsqueeze(0).squeeze((0,))",
        "x.movedim(0, 1)",
        "x.unflatten(1, (2, 2))",
        "x.t().reshape(12)",
        "x.flatten()",
    ],
)
def test_grad_fn_names(expr, torch):
    x = torchlet.randn(3, 4, requires_grad=True) * 1
    tx = torch.randn(3, 4, requires_grad=True) * 1
    ours, theirs = eval(expr, {"x": x}), eval(expr, {"x": tx})
    assert ours.grad_fn.name() == theirs.grad_fn.name()


@pytest.mark.parametrize(
    "expr,shares",
    [
        ("x.view(12)", True),
        ("x.reshape(2, 6)", True),
        ("x.t().reshape(12)", False),
        ("x.transpose(0, 1)", True),
        ("x.permute(1, 0)", True),
        ("x.unsqueeze(1)", True),
        ("x[None].squeeze(0)", True),
        ("x.flatten()", True),
        ("x.expand(2, 3, 4)", True),
        ("x.T", True),
        ("x.view(3, 2, 2).movedim(0, 2)", True),
    ],
)
def test_memory_sharing(expr, shares, torch):
    """Writing into the base shows in a view (and not in a copy), as in torch."""
    x = torchlet.zeros(3, 4)
    tx = torch.zeros(3, 4)
    v, tv = eval(expr, {"x": x}), eval(expr, {"x": tx})
    x.add_(1)
    tx.add_(1)
    assert (v._data == 1).all() == shares
    assert bool((tv == 1).all()) == shares
    assert v._base is not None if shares else True


def test_view_write_reaches_base(torch):
    x = torchlet.zeros(3, 4)
    v = x.t()
    v.mul_(0).add_(torchlet.arange(12.0).view(4, 3))
    tx = torch.zeros(3, 4)
    tv = tx.t()
    tv.mul_(0).add_(torch.arange(12.0).view(4, 3))
    np.testing.assert_array_equal(x.numpy(), tx.numpy())


def test_inplace_on_view_of_nonleaf_grad(torch):
    def run(m):
        a = m.tensor(np.arange(1.0, 13.0).reshape(3, 4), requires_grad=True)
        y = a * 2
        y.t().mul_(3)
        y.view(12).add_(1)
        (y * y).sum().backward()
        return a.grad

    np.testing.assert_allclose(run(torchlet).numpy(), run(torch).numpy())


def test_saved_tensor_modified_through_view(torch):
    def run(m):
        a = m.ones(3, 4, requires_grad=True)
        y = a * 2
        z = y * y  # saves y
        y.view(12).add_(1)
        z.sum().backward()

    eo, et = check_error(run)
    assert "modified by an inplace operation" in str(eo)


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.zeros(3, 4).t().view(12),
        lambda m: m.zeros(3, 4).view(5),
        lambda m: m.zeros(3, 4).view(-1, -1),
        lambda m: m.zeros(3, 4).view(-2, 6),
        lambda m: m.zeros(3, 4).reshape(5),
        lambda m: m.zeros(0, 3).reshape(-1, 0),
        lambda m: m.zeros(3, 4).expand(2),
        lambda m: m.zeros(3, 4).expand(3, 5),
        lambda m: m.zeros(3, 4).expand(-1, 3, 4),
        lambda m: m.zeros(2, 3, 4).permute(0, 1),
        lambda m: m.zeros(2, 3, 4).permute(0, 1, 1),
        lambda m: m.zeros(2, 3, 4).permute(0, 1, 5),
        lambda m: m.zeros(3, 4).transpose(0, 2),
        lambda m: m.zeros(2, 3, 4).t(),
        lambda m: m.zeros(3).mT,
        lambda m: m.zeros(3, 4).squeeze(3),
        lambda m: m.zeros(3, 4).unsqueeze(3),
        lambda m: m.zeros(3, 4).flatten(1, 0),
        lambda m: m.zeros(3, 4).unflatten(1, (3, 2)),
        lambda m: m.zeros(3, 4).movedim(0, 5),
        lambda m: m.zeros(3, 4).movedim((0, 1), (1,)),
        lambda m: m.zeros(3, 4).movedim((0, 0), (1, 0)),
    ],
)
def test_errors(call, torch):
    eo, et = check_error(call)
    if isinstance(et, RuntimeError):
        assert str(eo).split("(")[0] == str(et).split("(")[0] or str(eo)[:20] == str(et)[:20]


def test_view_error_message(torch):
    eo, et = check_error(lambda m: m.zeros(3, 4).t().view(12))
    assert str(eo) == str(et)
    eo, et = check_error(lambda m: m.zeros(3, 4).view(5))
    assert str(eo) == str(et)


def test_view_dtype_shares_memory(torch):
    x = torchlet.zeros(4)
    v = x.view(torchlet.int32)
    v[0] = 1065353216  # bits of 1.0f
    tx = torch.zeros(4)
    tv = tx.view(torch.int32)
    tv[0] = 1065353216
    assert x[0].item() == tx[0].item() == 1.0


def test_size_and_stride_of_views(torch):
    x = torchlet.arange(24.0).view(2, 3, 4)
    tx = torch.arange(24.0).view(2, 3, 4)
    for expr in ["x.permute(2, 0, 1)", "x.transpose(0, 1)", "x[:, 1]", "x.unsqueeze(1)", "x.expand(5, 2, 3, 4)"]:
        a, b = eval(expr, {"x": x}), eval(expr, {"x": tx})
        assert tuple(a.shape) == tuple(b.shape)
        assert a.is_contiguous() == b.is_contiguous(), expr
        if "expand" not in expr:
            assert a.stride() == b.stride(), expr
        np.testing.assert_array_equal(a.contiguous().numpy(), b.contiguous().numpy())


def test_roundtrip_helpers(torch):
    t = torch.randn(2, 3)
    assert np.array_equal(to_torch(from_torch(t)).numpy(), t.numpy())


@pytest.mark.parametrize("shape", [(2, 3, 4), ()])
def test_T_deprecation_warning(shape, torch):
    with pytest.warns(UserWarning) as ours:
        r = torchlet.zeros(shape).T
    with pytest.warns(UserWarning) as theirs:
        tr = torch.zeros(shape).T
    assert tuple(r.shape) == tuple(tr.shape)
    assert str(theirs[0].message).startswith(str(ours[0].message)[:60])
