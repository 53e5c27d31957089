"""Joining, splitting, repeating and broadcasting ops against PyTorch."""

import pytest

import torchlet
from tests.oracle import Op, T, assert_same, check_op, check_error

OPS = [
    Op("cat", lambda m, a, b: m.cat([a, b]), [((2, 3), (4, 3)), (T((3, 2)), (1, 2))]),
    Op("cat_dim", lambda m, a, b: m.cat((a, b), dim=-1), [((2, 3), (2, 1)), ((2, 0), (2, 2))]),
    Op("cat_three", lambda m, a, b, c: m.concat([a, b, c], 1), [((2, 1, 2), (2, 3, 2), (2, 2, 2))]),
    Op("cat_skip_empty", lambda m, a, b: m.cat([a, b]), [((0,), (2, 3)), ((2, 3), (0,))]),
    Op("cat_one", lambda m, a: m.cat([a]), [((2, 3),)]),
    Op("concatenate", lambda m, a, b: m.concatenate([a, b], 0), [((1, 3), (2, 3))]),
    Op("stack", lambda m, a, b: m.stack([a, b]), [((2, 3), (2, 3)), ((), ())]),
    Op("stack_neg", lambda m, a, b: m.stack((a, b), -1), [((2, 3), T((2, 3)))]),
    Op("hstack", lambda m, a, b: m.hstack([a, b]), [((2,), (3,)), ((2, 3), (2, 1)), ((), ())]),
    Op("vstack", lambda m, a, b: m.vstack([a, b]), [((3,), (3,)), ((2, 3), (1, 3))]),
    Op("dstack", lambda m, a, b: m.dstack([a, b]), [((3,), (3,)), ((2, 3), (2, 3)), ((2, 3, 1), (2, 3, 2))]),
    Op("split", lambda m, a: m.split(a, 2), [((5, 3),), ((4, 3),)]),
    Op("split_dim", lambda m, a: a.split(2, dim=-1), [((3, 5),), (T((5, 3)),)]),
    Op("split_sizes", lambda m, a: a.split([1, 3, 1]), [((5, 2),)]),
    Op("split_one_used", lambda m, a: a.split(2)[1], [((5, 3),)]),
    Op("chunk", lambda m, a: m.chunk(a, 3), [((5, 2),), ((6, 2),), ((2, 2),)]),
    Op("chunk_dim", lambda m, a: a.chunk(2, 1), [((3, 4),)]),
    Op("unbind", lambda m, a: m.unbind(a), [((3, 2),)]),
    Op("unbind_dim", lambda m, a: a.unbind(-1), [((3, 2),)]),
    Op("unbind_one_used", lambda m, a: a.unbind(1)[0], [((3, 2),)]),
    Op("tensor_split_n", lambda m, a: m.tensor_split(a, 3), [((7, 2),)]),
    Op("tensor_split_idx", lambda m, a: a.tensor_split([1, 4], dim=1), [((2, 6),)]),
    Op("flip", lambda m, a: m.flip(a, (0, 2)), [((2, 3, 4),)]),
    Op("flip_neg", lambda m, a: a.flip(-1), [((3, 4),), (T((3, 4)),)]),
    Op("fliplr", lambda m, a: m.fliplr(a), [((3, 4),)]),
    Op("flipud", lambda m, a: a.flipud(), [((3, 4),)]),
    Op("roll", lambda m, a: m.roll(a, 1, 0), [((3, 4),)]),
    Op("roll_flat", lambda m, a: a.roll(-5), [((3, 4),)]),
    Op("roll_multi", lambda m, a: m.roll(a, (1, -2), (-1, 0)), [((3, 4),)]),
    Op("repeat", lambda m, a: a.repeat(2, 3), [((3, 4),), (T((3, 4)),)]),
    Op("repeat_more_dims", lambda m, a: a.repeat(2, 1, 3), [((3, 4),), ((),)]),
    Op("repeat_zero", lambda m, a: a.repeat(0, 2), [((3, 4),)]),
    Op("tile", lambda m, a: m.tile(a, (2,)), [((3, 4),)]),
    Op("tile_more", lambda m, a: a.tile((2, 1, 2)), [((3, 4),)]),
    Op("repeat_interleave", lambda m, a: m.repeat_interleave(a, 2), [((3, 2),), ((),)]),
    Op("repeat_interleave_dim", lambda m, a: a.repeat_interleave(3, dim=1), [((3, 2),)]),
    Op("repeat_interleave_tensor", lambda m, a: a.repeat_interleave(m.tensor([1, 0, 2]), dim=0), [((3, 2),)]),
    Op("broadcast_to", lambda m, a: m.broadcast_to(a, (2, 3, 4)), [((3, 1),), ((),)]),
    Op("broadcast_tensors", lambda m, a, b: m.broadcast_tensors(a, b), [((3, 1), (4,)), ((), (2, 2))]),
    Op("meshgrid_ij", lambda m, a, b: m.meshgrid(a, b, indexing="ij"), [((3,), (4,))]),
    Op("meshgrid_xy", lambda m, a, b, c: m.meshgrid([a, b, c], indexing="xy"), [((3,), (4,), (2,))]),
]


@pytest.mark.parametrize("op", OPS, ids=str)
def test_op(op, torch):
    check_op(op)


@pytest.mark.parametrize(
    "dtypes", [("int64", "float64"), ("int32", "int64"), ("bool", "uint8"), ("float16", "float32"), ("int64", "bool")]
)
def test_cat_stack_promote(dtypes, torch):
    for fn in (lambda m, xs: m.cat(xs), lambda m, xs: m.stack(xs), lambda m, xs: m.cat([m.ones(0)] + xs)):
        ours = fn(torchlet, [torchlet.ones(2, dtype=getattr(torchlet, d)) for d in dtypes])
        theirs = fn(torch, [torch.ones(2, dtype=getattr(torch, d)) for d in dtypes])
        assert_same(ours, theirs)


def test_repeat_interleave_indices(torch):
    assert_same(
        torchlet.repeat_interleave(torchlet.tensor([2, 0, 3])), torch.repeat_interleave(torch.tensor([2, 0, 3]))
    )


def test_broadcast_shapes(torch):
    for shapes in [((2, 1), (3,)), ((), (1,), (4, 1, 1)), (5, (1,)), ((0, 1), (3,))]:
        assert tuple(torchlet.broadcast_shapes(*shapes)) == tuple(torch.broadcast_shapes(*shapes))


@pytest.mark.parametrize(
    "expr,name",
    [
        ("m.cat([x, x])", "CatBackward0"),
        ("m.stack([x, x])", "StackBackward0"),
        ("x.split(2)[0]", None),
        ("x.split([1, 2])[1]", None),
        ("x.chunk(2)[1]", None),
        ("x.unbind(0)[0]", None),
        ("x.flip(0)", None),
        ("x.roll(1, 0)", None),
        ("x.repeat(2, 1)", None),
        ("x.tile(2)", None),
        ("m.broadcast_to(x, (2, 3, 4))", None),
        ("m.hstack([x, x])", None),
        ("x.tensor_split(2)[0]", None),
    ],
)
def test_grad_fn_names(expr, name, torch):
    x = torchlet.randn(3, 4, requires_grad=True) * 1
    tx = torch.randn(3, 4, requires_grad=True) * 1
    assert eval(expr, {"x": x, "m": torchlet}).grad_fn.name() == eval(expr, {"x": tx, "m": torch}).grad_fn.name()


@pytest.mark.parametrize(
    "fn", [lambda x: x.split(2), lambda x: x.chunk(3, 1), lambda x: x.unbind(1), lambda x: x.tensor_split(2)]
)
def test_split_outputs_are_views(fn, torch):
    x, tx = torchlet.zeros(4, 3), torch.zeros(4, 3)
    parts, tparts = fn(x), fn(tx)
    x.add_(torchlet.arange(12.0).view(4, 3))
    tx.add_(torch.arange(12.0).view(4, 3))
    assert_same(list(parts), list(tparts))
    assert all(p._base is not None for p in parts)


def test_iteration_uses_unbind(torch):
    x = torchlet.arange(6.0).view(3, 2).requires_grad_()
    tx = torch.arange(6.0).view(3, 2).requires_grad_()
    sum(r[0] * r[1] for r in x).backward()
    sum(r[0] * r[1] for r in tx).backward()
    assert_same(x.grad, tx.grad)


def test_cat_result_is_copy(torch):
    a = torchlet.zeros(2)
    c = torchlet.cat([a, a])
    a.add_(1)
    assert not c.numpy().any()


ERRORS = [
    lambda m: m.cat([m.zeros(3, 4), m.ones(3, 5)]),
    lambda m: m.cat([m.tensor(1.0), m.zeros(3)]),
    lambda m: m.cat([]),
    lambda m: m.cat([m.zeros(3, 4), m.ones(3)]),
    lambda m: m.cat([m.zeros(3, 4), m.zeros(3, 4)], 2),
    lambda m: m.stack([m.zeros(3, 4), m.ones(3, 5)]),
    lambda m: m.stack([]),
    lambda m: m.stack([m.zeros(3, 4)], 3),
    lambda m: m.zeros(3, 4).split(0),
    lambda m: m.zeros(3, 4).split([1, 1]),
    lambda m: m.zeros(3, 4).chunk(0),
    lambda m: m.roll(m.zeros(3, 4), (1, 2), (0,)),
    lambda m: m.zeros(3, 4).repeat(2),
    lambda m: m.ones(3).repeat_interleave(m.tensor([1, 2])),
    lambda m: m.broadcast_shapes((2, 3), (4,)),
    lambda m: m.broadcast_to(m.zeros(3, 4), (4,)),
    lambda m: m.broadcast_tensors(m.zeros(3), m.zeros(4)),
    lambda m: m.meshgrid(m.ones(2), m.ones(3), indexing="bad"),
    lambda m: m.flip(m.zeros(3, 4), (0, 0)),
    lambda m: m.tensor(1.0).unbind(),
    lambda m: m.ones(2).fliplr(),
    lambda m: m.zeros(3).unbind(1),
]


@pytest.mark.parametrize("call", ERRORS)
def test_errors(call, torch):
    check_error(call)


@pytest.mark.parametrize("call", [ERRORS[i] for i in (0, 1, 3, 5, 6, 8, 9, 10, 11, 12, 13, 14, 17, 19, 20)])
def test_error_messages(call, torch):
    eo, et = check_error(call)
    assert str(eo) == str(et)
