"""The extended pointwise ops (ops/pointwise_special.py, ops/pointwise_pairs.py)
against PyTorch: values and dtypes (integer and bool inputs too), gradients,
float64 gradcheck/gradgradcheck, broadcasting, non-contiguous inputs, in-place
and Tensor-method forms, `out=` and the exception class of bad calls."""

import numpy as np
import pytest

import torchlet
from tests.oracle import Op, T, check_op
from tests.ops.both import both

U = [((3, 4),), ((),), (T((3, 4)),), ((0, 3),), ((2, 1, 3),)]
BIN = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 3), (4, 1)), ((), (2, 3)), (T((3, 4)), (3, 4)), ((0, 3), (3,))]

UNARY = {
    "asinh": (-3, 3),
    "acosh": (1.2, 4),
    "atanh": (-0.9, 0.9),
    "arcsinh": (-3, 3),
    "arccosh": (1.2, 4),
    "arctanh": (-0.9, 0.9),
    "erfc": (-3, 3),
    "erfinv": (-0.95, 0.95),
    "logit": (0.05, 0.95),
    "deg2rad": (-200, 200),
    "rad2deg": (-3, 3),
}

OPS = [Op(n, lambda m, a, n=n: (getattr(m, n)(a), getattr(a, n)()), U, domain=d) for n, d in UNARY.items()]
OPS += [
    Op("logit_eps", lambda m, a: (m.logit(a, 0.2), a.logit(eps=0.1)), U, domain=(-0.2, 1.2)),
    Op("hypot", lambda m, a, b: (m.hypot(a, b), a.hypot(b)), BIN),
    Op("xlogy", lambda m, a, b: (m.xlogy(a, b), a.xlogy(b)), BIN, domain=(0.1, 3)),
    Op("xlogy_scalars", lambda m, a: (m.xlogy(a, 2.5), m.xlogy(2, a), m.xlogy(a, 3)), U, domain=(0.1, 3)),
    Op("float_power", lambda m, a, b: (m.float_power(a, b), a.float_power(b)), BIN, domain=(0.2, 2)),
    Op(
        "float_power_scalars",
        lambda m, a: (m.float_power(a, 2.5), m.float_power(1.5, a), m.float_power(a, -1)),
        U,
        domain=(0.2, 2),
    ),
    Op("copysign", lambda m, a, b: (m.copysign(a, b), a.copysign(b)), BIN),
    Op("copysign_scalar", lambda m, a: (m.copysign(a, -1.0), a.copysign(2)), U),
    Op("fmax", lambda m, a, b: (m.fmax(a, b), a.fmax(b)), BIN),
    Op("fmin", lambda m, a, b: (m.fmin(a, b), a.fmin(b)), BIN),
    Op("logaddexp", lambda m, a, b: (m.logaddexp(a, b), a.logaddexp(b)), BIN, domain=(-30, 30)),
    Op("logaddexp2", lambda m, a, b: (m.logaddexp2(a, b), a.logaddexp2(b)), BIN, domain=(-30, 30)),
    Op("heaviside", lambda m, a, b: (m.heaviside(a, b), a.heaviside(b)), BIN, grad=False),
    Op("signbit", lambda m, a: (m.signbit(a), a.signbit()), U, grad=False),
]

_a = np.array
SPECIAL = [
    Op(
        "erfc_tails",
        lambda m, a: m.erfc(a),
        [
            (
                _a(
                    [
                        -30.0,
                        -6.0,
                        -1.0,
                        -0.5,
                        0.0,
                        0.3,
                        0.999,
                        1.0,
                        2.5,
                        5.0,
                        7.9,
                        8.0,
                        12.0,
                        26.0,
                        27.5,
                        40.0,
                        np.inf,
                        -np.inf,
                        np.nan,
                    ]
                ),
            )
        ],
        gradcheck=False,
    ),
    Op(
        "erfinv_edges",
        lambda m, a: m.erfinv(a),
        [
            (
                _a(
                    [
                        -1.0,
                        -0.999999,
                        -0.9,
                        -0.5,
                        -1e-12,
                        0.0,
                        1e-9,
                        0.4999,
                        0.5,
                        0.5001,
                        0.9999999,
                        1.0,
                        1.5,
                        -2.0,
                        np.nan,
                    ]
                ),
            )
        ],
        gradcheck=False,
    ),
    Op("erfinv_dense", lambda m, a: m.erfinv(a), [(np.linspace(-0.999, 0.999, 201),)], gradcheck=False),
    Op(
        "acosh_atanh_edges",
        lambda m, a: (m.acosh(a), m.atanh(a), m.asinh(a)),
        [(_a([-2.0, -1.0, 0.0, 0.5, 1.0, 2.0, 1e10]),)],
        grad=False,
    ),
    Op(
        "logit_edges", lambda m, a: (m.logit(a), m.logit(a, 0.25)), [(_a([-0.5, 0.0, 0.3, 1.0, 1.5]),)], gradcheck=False
    ),
    Op("signbit_zeros", lambda m, a: m.signbit(a), [(_a([-0.0, 0.0, np.nan, -np.nan, -np.inf, 1.0]),)], grad=False),
    Op(
        "xlogy_zeros",
        lambda m, a, b: m.xlogy(a, b),
        [(_a([0.0, 0.0, 0.0, 1.0, 2.0, 0.0]), _a([0.0, np.nan, -1.0, 0.0, np.inf, 3.0]))],
        gradcheck=False,
    ),
    Op(
        "fmax_fmin_nan_ties",
        lambda m, a, b: (m.fmax(a, b), m.fmin(a, b)),
        [(_a([np.nan, 1.0, np.nan, 2.0, 3.0]), _a([1.0, np.nan, np.nan, 2.0, -1.0]))],
        gradcheck=False,
    ),
    Op(
        "heaviside_zero",
        lambda m, a, b: m.heaviside(a, b),
        [(_a([-1.0, 0.0, 2.0, -0.0, np.nan]), _a([0.5, 0.5, 0.5, 7.0, 0.5]))],
        grad=False,
    ),
    Op(
        "copysign_zero",
        lambda m, a, b: m.copysign(a, b),
        [(_a([0.0, -0.0, 2.0, 3.0]), _a([-1.0, 1.0, -0.0, np.nan]))],
        gradcheck=False,
    ),
    Op(
        "logaddexp_inf",
        lambda m, a, b: (m.logaddexp(a, b), m.logaddexp2(a, b)),
        [(_a([-np.inf, np.inf, 1000.0, -1000.0]), _a([-np.inf, 1.0, 1000.0, -999.0]))],
        grad=False,
    ),
    Op(
        "float32_erfc_erfinv",
        lambda m, a: (m.erfc(a), m.erfinv(a / 4)),
        [((50,),)],
        dtypes=("float32",),
        domain=(-3.9, 3.9),
    ),
]


@pytest.mark.parametrize("op", OPS + SPECIAL, ids=str)
def test_op(op, torch):
    check_op(op)


UNARY_NAMES = ["asinh", "acosh", "atanh", "erfc", "erfinv", "logit", "deg2rad", "rad2deg", "signbit"]
DTYPES = ["int64", "int32", "uint8", "int8", "bool", "float16", "bfloat16", "float64"]


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("name", UNARY_NAMES)
def test_unary_dtypes(name, dt, torch):
    vals = [1, 0, 1, 1] if dt in ("bool", "uint8") else [-2, 0, 1, 3]
    both(lambda m: getattr(m, name)(m.tensor(vals, dtype=getattr(m, dt))), torch, rtol=1e-2, atol=1e-2)


BINARY_NAMES = [
    "hypot",
    "xlogy",
    "float_power",
    "copysign",
    "heaviside",
    "fmax",
    "fmin",
    "logaddexp",
    "logaddexp2",
    "bitwise_left_shift",
    "bitwise_right_shift",
]
PAIRS = [
    ("int64", "int64"),
    ("int32", "int64"),
    ("uint8", "int8"),
    ("bool", "bool"),
    ("bool", "int64"),
    ("int64", "float32"),
    ("float16", "float32"),
    ("int32", "float64"),
    ("float32", "float32"),
]


@pytest.mark.parametrize("pair", PAIRS, ids="-".join)
@pytest.mark.parametrize("name", BINARY_NAMES)
def test_binary_dtypes(name, pair, torch):
    a = [7, 0, 3, 1] if pair[0] in ("uint8", "bool") else [-7, 0, 3, 5]
    b = [1, 1, 0, 1] if pair[1] in ("uint8", "bool") else [2, 3, -2, 1]
    both(
        lambda m: getattr(m, name)(m.tensor(a, dtype=getattr(m, pair[0])), m.tensor(b, dtype=getattr(m, pair[1]))),
        torch,
        rtol=1e-3,
        atol=1e-3,
    )


@pytest.mark.parametrize("scalar", [2, -1, 2.5, True])
@pytest.mark.parametrize("dt", ["int64", "int32", "uint8", "bool", "float32", "float64"])
@pytest.mark.parametrize("name", BINARY_NAMES)
def test_scalar_operands(name, dt, scalar, torch):
    vals = [1, 0, 1, 1] if dt == "bool" else [1, 0, 3, 5]
    both(lambda m: getattr(m, name)(m.tensor(vals, dtype=getattr(m, dt)), scalar), torch)
    both(lambda m: getattr(m, name)(scalar, m.tensor(vals, dtype=getattr(m, dt))), torch)


@pytest.mark.parametrize("dt", ["int64", "int32", "int16", "int8", "uint8"])
def test_shifts(dt, torch):
    def fn(m):
        d = getattr(m, dt)
        a = m.tensor([1, 3, 100, 0, 7, 5], dtype=d) if dt == "uint8" else m.tensor([1, -3, 100, 0, -7, 5], dtype=d)
        s = m.tensor([0, 1, 2, 7, 8, 70], dtype=d) if dt == "uint8" else m.tensor([0, 1, -1, 7, 64, 15], dtype=d)
        return (
            a << s,
            a >> s,
            m.bitwise_left_shift(a, 2),
            m.bitwise_right_shift(a, 1),
            a << 3,
            a >> 2,
            5 << s.clamp(0, 6),
            100 >> s.clamp(0, 6),
            a.bitwise_left_shift(s),
            a.bitwise_right_shift(s),
            m.bitwise_left_shift(a[:, None], s[:3]),
        )

    both(fn, torch)


def test_shift_operators_inplace(torch):
    def fn(m):
        a = m.tensor([1, -3, 100, 8])
        b = a.clone()
        a <<= 2
        b >>= m.tensor([1, 1, 2, 3])
        c = a.clone().bitwise_left_shift_(1)
        d = a.clone().bitwise_right_shift_(m.tensor(2))
        return a, b, c, d

    both(fn, torch)


INPLACE = ["asinh", "acosh", "atanh", "arcsinh", "arccosh", "arctanh", "erfc", "erfinv", "logit", "deg2rad", "rad2deg"]


@pytest.mark.parametrize("name", INPLACE)
def test_unary_inplace(name, torch):
    def fn(m):
        x = m.tensor([[1.5, 0.5, 2.0], [0.25, 0.75, 1.25]])
        if name in ("atanh", "arctanh", "erfinv", "logit"):
            x = x / 3
        y = x.clone()
        r = getattr(y, name + "_")()
        return y, r is y, getattr(x.t(), name)()

    both(fn, torch)


@pytest.mark.parametrize("name", ["hypot", "xlogy", "copysign", "heaviside"])
def test_binary_inplace(name, torch):
    def fn(m):
        x = m.tensor([[1.5, 0.0, 2.0], [0.25, -0.75, 1.25]])
        y = x.clone()
        r = getattr(y, name + "_")(m.tensor([0.5, -1.0, 2.0]))
        return y, r is y

    both(fn, torch)


def test_inplace_functions(torch):
    def fn(m):
        x = m.tensor([0.2, 0.5, 0.7])
        rs = []
        for name in ("asinh_", "atanh_", "arcsinh_", "arctanh_", "erfc_", "logit_", "deg2rad_", "rad2deg_"):
            y = x.clone()
            rs += [getattr(m, name)(y), y]
        y = x.clone() + 1
        rs += [m.acosh_(y), m.arccosh_(y.clone() + 1), m.xlogy_(x.clone(), 2.0)]
        return rs

    both(fn, torch)


def test_inplace_errors_and_graph(torch):
    both(lambda m: m.tensor([1.0, 2.0]).float_power_(2), torch)  # float32 base: needs float64
    both(lambda m: m.tensor([1.0, 2.0], dtype=m.float64).float_power_(m.tensor([2.0, 0.5])), torch)
    both(lambda m: m.tensor([1, 2]).logit_(), torch)  # float result into an int64 tensor
    both(lambda m: m.tensor([1, 2]).xlogy_(2), torch)
    both(lambda m: m.tensor([1.0, 2.0], requires_grad=True).asinh_(), torch)  # a leaf that requires grad

    def graph(m):
        x = m.tensor([0.2, 0.4, 0.6], dtype=m.float64, requires_grad=True)
        y = x * 1
        y.logit_(0.3)
        y.erfinv_()
        y.sum().backward()
        return y, x.grad

    both(graph, torch)


def test_out(torch):
    def fn(m):
        x, y = m.tensor([0.5, -1.5, 2.0]), m.tensor([1.0, 2.0, -3.0])
        outs = []
        for name in ("asinh", "erfc", "erfinv", "deg2rad", "signbit"):
            o = m.empty(3, dtype=m.bool if name == "signbit" else m.float32)
            r = getattr(m, name)(x / 3, out=o)
            outs += [o, r is o]
        o = m.empty(0)
        outs += [m.logit(x.sigmoid(), 0.1, out=o), o]
        for name in ("hypot", "xlogy", "copysign", "fmax", "fmin", "logaddexp", "logaddexp2", "heaviside"):
            o = m.empty(3)
            outs += [getattr(m, name)(x, y, out=o), o]
        o = m.empty(3, dtype=m.float64)
        outs += [m.float_power(x, 2, out=o), o]
        o = m.empty(3, dtype=m.int64)
        outs += [m.bitwise_left_shift(m.tensor([1, 2, 3]), 2, out=o), o]
        return outs

    both(fn, torch)
    both(lambda m: m.hypot(m.tensor([1.0]), m.tensor([2.0]), out=m.empty(1, dtype=m.int64)), torch)
    both(lambda m: m.float_power(m.tensor([1.0]), 2, out=m.empty(1)), torch)


def test_grad_fn_names(torch):
    def names(m):
        x = m.tensor([0.3, 0.6], requires_grad=True)
        y = m.tensor([0.5, 0.2], requires_grad=True)
        rs = [
            m.asinh(x),
            m.acosh(x + 1),
            m.atanh(x),
            m.erfc(x),
            m.erfinv(x),
            m.logit(x),
            m.deg2rad(x),
            m.rad2deg(x),
            m.hypot(x, y),
            m.xlogy(x, y),
            m.xlogy(x, 2),
            m.xlogy(2, y),
            m.copysign(x, y),
            m.copysign(x, -1),
            m.fmax(x, y),
            m.fmin(x, y),
            m.logaddexp(x, y),
            m.logaddexp2(x, y),
            m.float_power(x, y),
            m.float_power(x, 2),
            m.float_power(2, y),
        ]
        return [type(r.grad_fn).__name__ for r in rs]

    assert names(torchlet) == names(torch)


def test_heaviside_has_no_derivative(torch):
    def fn(m):
        x = m.tensor([-1.0, 0.0, 2.0], requires_grad=True)
        m.heaviside(x, m.tensor([0.5])).sum().backward()

    both(fn, torch)


BAD = [
    lambda m: m.hypot(m.tensor([1.0]), 2.0),
    lambda m: m.hypot(2.0, m.tensor([1.0])),
    lambda m: m.hypot(m.ones(2, 3), m.ones(4)),
    lambda m: m.fmax(m.ones(2), m.ones(3)),
    lambda m: m.fmin(m.ones(2), 1),
    lambda m: m.logaddexp(m.tensor([1, 2]), m.tensor([1, 2])),
    lambda m: m.logaddexp2(m.ones(3), m.ones(2)),
    lambda m: m.heaviside(m.tensor([1.0]), m.tensor([1.0], dtype=m.float64)),
    lambda m: m.heaviside(m.tensor([1.0]), 0.5),
    lambda m: m.copysign(1.0, m.tensor([1.0])),
    lambda m: m.xlogy(m.ones(2), m.ones(3)),
    lambda m: m.bitwise_left_shift(m.tensor([1.5]), 1),
    lambda m: m.tensor([True]) << 1,
    lambda m: m.tensor([1]) << 1.5,
    lambda m: m.tensor([1.0]) >> 1,
    lambda m: m.bitwise_right_shift(m.ones(2, dtype=m.int64), m.ones(3, dtype=m.int64)),
    lambda m: m.asinh(m.tensor([1.0]), out=m.empty(1, dtype=m.int64)),
    lambda m: m.float_power(2, 3),
]


@pytest.mark.parametrize("i", range(len(BAD)))
def test_errors(i, torch):
    both(BAD[i], torch)


def test_default_dtype_float64(torch):
    torchlet.set_default_dtype(torchlet.float64)
    torch.set_default_dtype(torch.float64)
    try:
        both(
            lambda m: (
                m.asinh(m.tensor([1, 2])),
                m.erfinv(m.tensor([0])),
                m.xlogy(m.tensor([1]), 2),
                m.copysign(m.tensor([1]), m.tensor([-1])),
                m.logit(m.tensor([0])),
            ),
            torch,
        )
    finally:
        torch.set_default_dtype(torch.float32)
