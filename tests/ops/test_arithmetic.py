"""Arithmetic ops (add, sub, mul, div, neg, pow) against PyTorch."""

import pytest

from tests.oracle import Op, T, check_op, check_error

BIN = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 3), (4, 1)), ((), (2, 3)), (T((3, 4)), (3, 4)), ((0, 3), (3,))]

OPS = [
    Op("add", lambda m, a, b: m.add(a, b), BIN),
    Op("add_alpha", lambda m, a, b: m.add(a, b, alpha=2.5), BIN),
    Op("add_scalar", lambda m, a: a + 3, [((3, 4),), ((),)]),
    Op("radd_scalar", lambda m, a: 3 + a, [((3, 4),)]),
    Op("sub", lambda m, a, b: a - b, BIN),
    Op("rsub", lambda m, a: 2 - a, [((3, 4),)]),
    Op("mul", lambda m, a, b: a * b, BIN),
    Op("mul_scalar", lambda m, a: a * 1.5, [((3, 4),)]),
    Op("div", lambda m, a, b: a / b, [((3, 4), (3, 4)), ((2, 3), (3,))], domain=(0.5, 2.0)),
    Op("rdiv", lambda m, a: 2 / a, [((3, 4),)], domain=(0.5, 2.0)),
    Op("neg", lambda m, a: -a, [((3, 4),), ((),)]),
    Op("pow_scalar", lambda m, a: a**3, [((3, 4),)]),
    Op("pow_half", lambda m, a: a**0.5, [((3, 4),)], domain=(0.5, 2.0)),
    Op("pow_tensor", lambda m, a, b: m.pow(a, b), [((3, 4), (3, 4))], domain=(0.5, 2.0)),
    Op("rpow", lambda m, a: 2**a, [((3, 4),)]),
]


@pytest.mark.parametrize("op", OPS, ids=str)
def test_op(op, torch):
    check_op(op)


@pytest.mark.parametrize(
    "a,b",
    [
        ("int64", "float32"),
        ("int32", "int64"),
        ("uint8", "int8"),
        ("bool", "int64"),
        ("float32", "float64"),
        ("float16", "bfloat16"),
        ("bool", "bool"),
        ("uint8", "bool"),
    ],
)
def test_promotion_tensor_tensor(a, b, torch):
    import torchlet

    x = torchlet.ones(2, dtype=getattr(torchlet, a))
    y = torchlet.ones(2, dtype=getattr(torchlet, b))
    tx = torch.ones(2, dtype=getattr(torch, a))
    ty = torch.ones(2, dtype=getattr(torch, b))
    assert str((x + y).dtype).split(".")[-1] == str((tx + ty).dtype).split(".")[-1]
    assert str(torchlet.result_type(x, y)).split(".")[-1] == str(torch.result_type(tx, ty)).split(".")[-1]


@pytest.mark.parametrize("dt", ["int64", "int32", "uint8", "bool", "float32", "float64", "float16"])
@pytest.mark.parametrize("scalar", [2, 2.5, True])
def test_promotion_scalar(dt, scalar, torch):
    import torchlet

    x = torchlet.ones(2, dtype=getattr(torchlet, dt))
    tx = torch.ones(2, dtype=getattr(torch, dt))
    assert str((x * scalar).dtype).split(".")[-1] == str((tx * scalar).dtype).split(".")[-1]
    assert str((x / 2).dtype).split(".")[-1] == str((tx / 2).dtype).split(".")[-1]


def test_zero_dim_does_not_widen(torch):
    import torchlet

    x = torchlet.ones(2, dtype=torchlet.float32) * torchlet.tensor(2.0, dtype=torchlet.float64)
    assert x.dtype is torchlet.float32
    y = torchlet.ones(2, dtype=torchlet.int32) + torchlet.tensor(1.5, dtype=torchlet.float64)
    assert (
        str(y.dtype)
        == "torchlet."
        + str((torch.ones(2, dtype=torch.int32) + torch.tensor(1.5, dtype=torch.float64)).dtype).split(".")[-1]
    )


def test_broadcast_error(torch):
    eo, et = check_error(lambda m: m.ones(2, 3) + m.ones(4))


def test_inplace_int_float_error(torch):
    check_error(lambda m: m.ones(2, dtype=m.int64).add_(1.5))


def test_inplace_leaf_error(torch):
    check_error(lambda m: m.ones(2, requires_grad=True).add_(1))
