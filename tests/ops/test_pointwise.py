"""Pointwise math, comparisons, logic and selection ops against PyTorch
(ops/pointwise_math.py and ops/comparison.py)."""

import numpy as np
import pytest

import torchlet
from tests.oracle import Op, T, assert_same, check_error, check_op, to_torch

U = [((3, 4),), ((),), (T((3, 4)),), ((0, 3),), ((2, 1, 3),)]
BIN = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 3), (4, 1)), ((), (2, 3)), (T((3, 4)), (3, 4)), ((0, 3), (3,))]
TRI = [
    ((3, 4), (3, 4), (3, 4)),
    ((3, 1), (4,), (2, 1, 1)),
    ((), (2, 3), (3,)),
    (T((3, 4)), (4,), ()),
    ((0, 3), (3,), (1, 3)),
]

# unary op -> sampling domain (kept off singular points and branch cuts)
UNARY = {
    "abs": (-2, 2),
    "exp": (-2, 2),
    "exp2": (-2, 2),
    "expm1": (-2, 2),
    "log": (0.1, 3),
    "log2": (0.1, 3),
    "log10": (0.1, 3),
    "log1p": (-0.5, 3),
    "sqrt": (0.1, 3),
    "rsqrt": (0.1, 3),
    "square": (-2, 2),
    "reciprocal": (0.3, 3),
    "sin": (-3, 3),
    "cos": (-3, 3),
    "tan": (-1.2, 1.2),
    "asin": (-0.9, 0.9),
    "acos": (-0.9, 0.9),
    "atan": (-3, 3),
    "sinh": (-2, 2),
    "cosh": (-2, 2),
    "tanh": (-3, 3),
    "sigmoid": (-6, 6),
    "relu": (-2, 2),
    "erf": (-3, 3),
    "frac": (-3, 3),
}
STEPS = ["sign", "floor", "ceil", "round", "trunc"]  # zero gradient almost everywhere

EDGE = np.array([-2.5, -1.5, -0.5, 0.0, 0.5, 1.5, 2.5, 1e-3, -1e-3])
ERF_X = np.array([-7.0, -3.2, -1.0, -0.999, -0.2, 0.0, 1e-8, 0.3, 0.999, 1.0, 1.7, 4.5, 6.5, 30.0])

OPS = [Op(n, lambda m, a, n=n: getattr(m, n)(a), U, domain=d) for n, d in UNARY.items()]
OPS += [Op(n, lambda m, a, n=n: getattr(m, n)(a), U, domain=(-3, 3), gradgradcheck=False) for n in STEPS]
OPS += [Op(n + "_at_jumps", lambda m, a, n=n: getattr(m, n)(a), [(EDGE,)], gradcheck=False) for n in STEPS]
OPS += [
    Op("method_exp", lambda m, a: a.exp(), [((3, 4),)]),
    Op("abs_operator", lambda m, a: abs(a), [((3, 4),)]),
    Op("relu_abs_at_0", lambda m, a: (m.relu(a), m.abs(a), m.sign(a)), [(EDGE,)], gradcheck=False),
    Op("sqrt_at_0", lambda m, a: m.sqrt(a), [(np.array([0.0, 1.0, 4.0]),)], gradcheck=False),
    Op("erf_wide", lambda m, a: m.erf(a), [(ERF_X,)], gradcheck=False),
    Op(
        "sigmoid_tails",
        lambda m, a: m.sigmoid(a),
        [(np.array([-800.0, -100.0, -20.0, 0.0, 30.0, 800.0]),)],
        gradcheck=False,
    ),
    Op("round_decimals", lambda m, a: m.round(a, decimals=2), U, domain=(-30, 30), gradgradcheck=False),
    Op(
        "round_neg_decimals", lambda m, a: m.round(a, decimals=-1), [((3, 4),)], domain=(-300, 300), gradgradcheck=False
    ),
    Op("round_half_even", lambda m, a: m.round(a), [(np.array([0.5, 1.5, 2.5, -0.5, -2.5]),)], gradcheck=False),
    # binary math
    Op("atan2", lambda m, a, b: m.atan2(a, b), BIN),
    Op("maximum", lambda m, a, b: m.maximum(a, b), BIN),
    Op("minimum", lambda m, a, b: m.minimum(a, b), BIN),
    Op(
        "max_min_ties",
        lambda m, a, b: (m.maximum(a, b), m.minimum(a, b)),
        [(np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 3.0])), (np.array([[2.0], [1.0]]), np.array(2.0))],
        gradcheck=False,
    ),
    Op("fmod", lambda m, a, b: m.fmod(a, b), BIN[:5], domain=(0.3, 3)),
    Op("fmod_scalar", lambda m, a: (m.fmod(a, 1.5), a.fmod(-0.7)), U, domain=(-3, 3)),
    Op("remainder", lambda m, a, b: m.remainder(a, b), BIN[:5], domain=(0.3, 3)),
    Op("remainder_neg", lambda m, a, b: m.remainder(-a, b), BIN[:2], domain=(0.3, 3)),
    Op("remainder_scalar", lambda m, a: (m.remainder(a, 1.5), a % -0.7), U, domain=(0.3, 3)),
    Op("rmod", lambda m, a: (2.5 % a, m.remainder(-2, a)), U, domain=(0.3, 3), grad=False),
    Op(
        "floor_divide",
        lambda m, a, b: (m.floor_divide(a, b), a // 0.7, 3 // b, -a // b),
        BIN,
        domain=(0.3, 3),
        grad=False,
    ),
    Op(
        "div_floor",
        lambda m, a, b: (m.div(a, b, rounding_mode="floor"), m.div(-a, 0.7, rounding_mode="floor")),
        BIN,
        domain=(0.3, 3),
        gradgradcheck=False,
    ),
    Op(
        "div_trunc",
        lambda m, a, b: (
            m.div(-a, b, rounding_mode="trunc"),
            a.div(-0.7, rounding_mode="trunc"),
            m.div(2, b, rounding_mode="trunc"),
        ),
        BIN,
        domain=(0.3, 3),
        gradgradcheck=False,
    ),
    Op("lerp_scalar", lambda m, a, b: (m.lerp(a, b, 0.3), a.lerp(b, 0.8), m.lerp(a, b, -1.5)), BIN),
    Op("lerp_tensor", lambda m, a, b, w: m.lerp(a, b, w), TRI),
    Op("addcmul", lambda m, a, b, c: m.addcmul(a, b, c), TRI),
    Op("addcmul_value", lambda m, a, b, c: a.addcmul(b, c, value=-0.5), TRI[:3]),
    Op("addcdiv", lambda m, a, b, c: m.addcdiv(a, b, c, value=2.5), TRI, domain=(0.3, 3)),
    Op("nan_to_num", lambda m, a: (m.nan_to_num(a), a.nan_to_num(1.0, 2.0, -3.0)), U),
    Op(
        "nan_to_num_special",
        lambda m, a: (m.nan_to_num(a), m.nan_to_num(a, nan=0.5, posinf=9.0)),
        [(np.array([np.nan, np.inf, -np.inf, 1.5, -0.5]),)],
        gradcheck=False,
    ),
    # clamp
    Op(
        "clamp_scalar",
        lambda m, a: (m.clamp(a, -0.5, 0.7), a.clamp(min=0.1), m.clamp(a, max=-0.2), m.clip(a, 0.3, -0.3)),
        U,
    ),
    Op(
        "clamp_at_bounds",
        lambda m, a: (m.clamp(a, -0.5, 0.5), m.clamp(a, min=0.5), m.clamp_min(a, 0.5), m.clamp_max(a, -0.5)),
        [(EDGE,)],
        gradcheck=False,
    ),
    Op("clamp_tensor", lambda m, a, b, c: (m.clamp(a, b, c + 1), m.clamp(a, min=b), m.clamp(a, max=c)), TRI),
    Op(
        "clamp_tensor_ties",
        lambda m, a, b, c: m.clamp(a, b, c),
        [(np.array([0.5, 1.0, 2.0, 3.0]), np.array([0.5, 0.5, 2.5, 1.0]), np.array([2.0, 1.0, 2.0, 3.0]))],
        gradcheck=False,
    ),
    Op("clamp_min_max_tensor", lambda m, a, b: (m.clamp_min(a, b), m.clamp_max(a, b)), BIN),
    # where
    Op(
        "where",
        lambda m, c, a, b: m.where(c, a, b),
        [
            (np.array([[True, False, True]]), (2, 3), (3,)),
            (np.array(True), (2, 2), ()),
            (np.array([True, False]), (0, 2), (2,)),
            (np.array([[True], [False]]), T((2, 3)), (2, 3)),
        ],
    ),
    Op(
        "where_scalars",
        lambda m, c, a: (m.where(c, a, 0.5), m.where(c, -1, a), a.where(c, 2)),
        [(np.array([True, False, True]), (2, 3))],
    ),
]


@pytest.mark.parametrize("op", OPS, ids=str)
def test_op(op, torch):
    check_op(op)


def _a(x):
    return np.array(x)


CMP_SAMPLES = [
    ((3, 4), (3, 4)),
    ((3, 4), (4,)),
    ((), (2, 3)),
    (T((3, 4)), (3, 4)),
    ((0, 3), (3,)),
    (_a([1.0, 2.0, np.nan, np.inf]), _a([1.0, 3.0, np.nan, np.inf])),
]
CMP_OPS = [
    Op(n, lambda m, a, b, n=n: (getattr(m, n)(a, b), getattr(m, n)(a, 0.5)), CMP_SAMPLES, grad=False)
    for n in ("eq", "ne", "lt", "le", "gt", "ge", "greater", "less", "greater_equal", "less_equal", "not_equal")
]
CMP_OPS += [
    Op(
        "operators",
        lambda m, a, b: (a == b, a != b, a < b, a <= b, a > b, a >= b, a == 0.5, 1 < a, a >= 0),
        CMP_SAMPLES,
        grad=False,
    ),
    Op(
        "logical",
        lambda m, a, b: (
            m.logical_and(a, b),
            m.logical_or(a > 0, b),
            m.logical_xor(a, b > 0),
            m.logical_not(a),
            a.logical_and(b),
        ),
        CMP_SAMPLES + [(_a([0.0, 1.0, 0.0, -2.0]), _a([0.0, 0.0, 3.0, 1.0]))],
        grad=False,
    ),
    Op(
        "classify",
        lambda m, a: (m.isnan(a), m.isinf(a), m.isfinite(a), m.isposinf(a), m.isneginf(a)),
        [((3, 4),), ((),), (_a([np.nan, np.inf, -np.inf, 0.0, 1.0]),)],
        grad=False,
    ),
    Op(
        "isclose",
        lambda m, a, b: (
            m.isclose(a, a + b * 1e-6),
            m.isclose(a, b, rtol=0.5, atol=0.1),
            m.isclose(a, a),
            a.isclose(b, equal_nan=True),
        ),
        CMP_SAMPLES,
        grad=False,
    ),
]


@pytest.mark.parametrize("op", CMP_OPS, ids=str)
def test_comparison_op(op, torch):
    check_op(op)


def test_close_and_equal(torch):
    import torchlet as tl

    for m in (torch, tl):
        a = m.tensor([1.0, 2.0, float("nan")])
        b = m.tensor([1.0, 2.0 + 1e-7, float("nan")])
        ours_or_theirs = (
            m.allclose(a, b),
            m.allclose(a, b, equal_nan=True),
            m.equal(a, a),
            m.equal(a[:2], b[:2]),
            m.equal(a, a[:2]),
            m.equal(m.tensor([1, 2]), m.tensor([1.0, 2.0])),
        )
        if m is torch:
            expected = ours_or_theirs
        else:
            assert ours_or_theirs == expected
            assert all(type(v) is bool for v in ours_or_theirs)


def _run_both(fn, torch):
    """fn(m) on both libraries: same values and dtypes, or the same exception class."""
    try:
        theirs = fn(torch)
    except Exception:
        check_error(fn)
        return
    assert_same(fn(torchlet), theirs, rtol=1e-3, atol=1e-3)


INPUT_DTYPES = ["int64", "int32", "uint8", "bool", "float16", "bfloat16"]
ALL_UNARY = list(UNARY) + STEPS + ["isnan", "isinf", "isfinite", "logical_not", "bitwise_not", "nan_to_num"]


@pytest.mark.parametrize("dt", INPUT_DTYPES)
@pytest.mark.parametrize("name", ALL_UNARY)
def test_unary_dtypes(name, dt, torch):
    """int/bool inputs of float functions give the default float dtype; errors where PyTorch has them."""
    vals = [-2, 0, 1, 3] if dt not in ("bool", "uint8") else [1, 0, 1, 1]
    _run_both(lambda m: getattr(m, name)(m.tensor(vals, dtype=getattr(m, dt))), torch)


def test_unary_default_dtype_float64(torch):
    torchlet.set_default_dtype(torchlet.float64)
    torch.set_default_dtype(torch.float64)
    try:
        _run_both(
            lambda m: (m.exp(m.tensor([1, 2])), m.sigmoid(m.tensor([True])), m.atan2(m.tensor([1]), m.tensor([2]))),
            torch,
        )
    finally:
        torch.set_default_dtype(torch.float32)


BIN_NAMES = [
    "atan2",
    "maximum",
    "minimum",
    "fmod",
    "remainder",
    "floor_divide",
    "eq",
    "lt",
    "ge",
    "logical_and",
    "logical_xor",
    "bitwise_and",
    "bitwise_or",
    "bitwise_xor",
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
]


@pytest.mark.parametrize("pair", PAIRS, ids="-".join)
@pytest.mark.parametrize("name", BIN_NAMES)
def test_binary_dtypes(name, pair, torch):
    a = [-7, 0, 3, 5] if "uint8" not in pair[0] and pair[0] != "bool" else [7, 0, 3, 1]
    b = [2, 3, -2, 1] if pair[1] not in ("uint8", "bool") else [1, 1, 0, 1]
    _run_both(
        lambda m: getattr(m, name)(m.tensor(a, dtype=getattr(m, pair[0])), m.tensor(b, dtype=getattr(m, pair[1]))),
        torch,
    )


@pytest.mark.parametrize("scalar", [2, -1, 2.5, True, 300])
@pytest.mark.parametrize("dt", ["int64", "int32", "uint8", "int8", "bool", "float32", "float16"])
def test_scalar_promotion(dt, scalar, torch):
    vals = [1, 0, 1, 1] if dt == "bool" else [1, 0, 3, 5]
    _run_both(
        lambda m: (lambda x: (x == scalar, x < scalar, x >= scalar, m.clamp(x, min=scalar), m.where(x > 0, x, scalar)))(
            m.tensor(vals, dtype=getattr(m, dt))
        ),
        torch,
    )
    _run_both(lambda m: (lambda x: (x // scalar, x % scalar))(m.tensor(vals, dtype=getattr(m, dt))), torch)
    _run_both(lambda m: (lambda x: (x & scalar, x | scalar, scalar ^ x))(m.tensor(vals, dtype=getattr(m, dt))), torch)


def test_integer_results(torch):
    _run_both(
        lambda m: (
            lambda i, j: (
                i // j,
                i % j,
                7 // j,
                7 % j,
                m.fmod(i, j),
                m.fmod(i, 2),
                m.div(i, j, rounding_mode="trunc"),
                m.div(i, j, rounding_mode="floor"),
                m.div(5, j, rounding_mode="floor"),
                m.clamp(i, 0, 2),
                m.clamp(i, 0.5, 2.5),
                m.addcmul(i, j, j),
                m.addcmul(i, j, j, value=2),
                m.where(i > 0, i, j),
                m.where(i > 0, 1.0, 0),
                m.where(i > 0, 1, 0),
                m.nan_to_num(i),
                m.square(m.tensor([True, False])),
                m.addcmul(m.tensor([1.5, 2.0, 0.0]), i, j),
            )
        )(m.tensor([-7, 0, 3]), m.tensor([2, 3, -2])),
        torch,
    )


def test_where_promotion(torch):
    _run_both(
        lambda m: (
            lambda b, i, f: (
                m.where(b, i, f),
                m.where(b, i.int(), 5),
                m.where(b, f.double(), 2.5),
                m.where(b, i, 2.5),
                m.where(b, i.int(), m.tensor(2.5).double()),
                m.where(m.tensor(True), 1.0, 2.0),
            )
        )(m.tensor([True, False, True]), m.tensor([-7, 0, 3]), m.tensor([1.5, -2.5, 3.0])),
        torch,
    )


def test_where_single_argument(torch):
    if not hasattr(torchlet.Tensor, "nonzero"):
        c = torchlet.tensor([[True, False], [False, True]])
        tc = to_torch(c)
        assert_same(torchlet.where(c), torch.where(tc))
        return
    _run_both(lambda m: m.where(m.tensor([[True, False], [False, True]])), torch)


def test_bool_and_bitwise_ops(torch):
    _run_both(
        lambda m: (
            lambda b, i, u: (
                b & b,
                b | ~b,
                b ^ True,
                i & b,
                i | 3,
                3 & i,
                ~i,
                ~b,
                u ^ i,
                m.bitwise_not(u),
                b & 1,
                i.bitwise_and(5),
            )
        )(m.tensor([True, False, True]), m.tensor([-7, 0, 3]), m.tensor([1, 200, 3], dtype=m.uint8)),
        torch,
    )


def test_inplace_bitwise_and_compare(torch):
    def fn(m):
        i = m.tensor([-7, 0, 3])
        i &= 6
        i |= m.tensor([1, 1, 0])
        i ^= 2
        b = m.tensor([True, False, True])
        b &= m.tensor([True, True, False])
        f = m.tensor([1.5, -2.5, 3.0])
        f2 = f.clone().eq_(1.5)
        f3 = f.clone().logical_and_(m.tensor([1, 0, 1]))
        i2 = m.tensor([1, 2, 3]).lt_(m.tensor([1.5, 1.5, 1.5]))
        return i, b, f2, f3, i2

    _run_both(fn, torch)


def test_none_and_foreign_operands(torch):
    for m in (torch, torchlet):
        x = m.tensor([1.0, 2.0])
        assert (x == None) is False  # noqa: E711
        assert (x != None) is True  # noqa: E711
        assert (x == "a") is False
    check_error(lambda m: m.eq(m.ones(2), None))


INPLACE = [
    "abs",
    "sign",
    "exp",
    "exp2",
    "expm1",
    "log",
    "log2",
    "log10",
    "log1p",
    "sqrt",
    "rsqrt",
    "square",
    "reciprocal",
    "sin",
    "cos",
    "tan",
    "asin",
    "acos",
    "atan",
    "sinh",
    "cosh",
    "tanh",
    "sigmoid",
    "relu",
    "erf",
    "floor",
    "ceil",
    "round",
    "trunc",
    "frac",
    "nan_to_num",
    "absolute",
    "arcsin",
    "arccos",
    "arctan",
    "fix",
    "logical_not",
]


@pytest.mark.parametrize("name", INPLACE)
def test_unary_inplace(name, torch):
    """In-place forms write into the tensor and carry the gradient like the out-of-place op."""

    def fn(m):
        x = m.tensor([0.3, 0.6, 0.9], dtype=m.float64, requires_grad=True)
        y = x * 1.0
        out = getattr(y, name + "_")()
        assert out is y
        if y.requires_grad:
            y.sum().backward()
            return y.detach(), x.grad
        return y.detach()

    _run_both(fn, torch)


def test_binary_inplace(torch):
    def fn(m):
        x = m.tensor([0.3, -0.6, 0.9], requires_grad=True)
        w = m.tensor([0.5, 1.5, -2.0], requires_grad=True)
        y = x * 1.0
        y.atan2_(w).fmod_(0.5).remainder_(w).clamp_(-0.3, 0.3).clip_(min=-0.2).lerp_(w, 0.3)
        y.addcmul_(w, w, value=0.5).addcdiv_(w, w + 3).clamp_min_(-1).clamp_max_(w)
        y.sum().backward()
        z = m.tensor([7.0, -7.0])
        z //= 2
        z %= 3
        return y.detach(), x.grad, w.grad, z

    _run_both(fn, torch)


def test_inplace_errors(torch):
    check_error(lambda m: m.tensor([1, 2]).exp_())
    check_error(lambda m: m.ones(2, requires_grad=True).sigmoid_())
    check_error(lambda m: m.tensor([1, 2]).clamp_(0.5, 1.5))
    check_error(lambda m: m.tensor([7, 3]).__imod__(1.5))


def test_saved_result_modified_in_place(torch):
    def fn(m):
        x = m.tensor([0.5, 1.0], requires_grad=True)
        y = x.exp()
        y.mul_(2)
        y.sum().backward()

    check_error(fn)


def test_out_argument(torch):
    def fn(m):
        o = m.empty(3)
        r = m.exp(m.tensor([0.0, 1.0, 2.0]), out=o)
        b = m.empty(3, dtype=m.bool)
        m.lt(m.tensor([0.0, 1.0, 2.0]), 1.0, out=b)
        return r is o, o, b

    _run_both(fn, torch)
    check_error(lambda m: m.exp(m.tensor([1.0]), out=m.empty(1, dtype=m.int64)))
    check_error(lambda m: m.exp(m.tensor([1.0], requires_grad=True), out=m.empty(1)))


GRAD_FN_CASES = [
    lambda m, x, y: [getattr(m, n)(x) for n in list(UNARY) + STEPS] + [m.round(x, decimals=1)],
    lambda m, x, y: [
        m.atan2(x, y),
        m.maximum(x, y),
        m.minimum(x, y),
        m.fmod(x, y),
        m.fmod(x, 2.0),
        m.remainder(x, y),
        x % 2.0,
        m.lerp(x, y, 0.3),
        m.lerp(x, y, y),
        m.addcmul(x, x, y),
        m.addcdiv(x, x, y),
        m.nan_to_num(x),
        m.where(x > 0.5, x, y),
        m.where(x > 0.5, x, 0.0),
        m.div(x, y, rounding_mode="floor"),
        m.div(x, 2, rounding_mode="trunc"),
        m.clamp(x, 0.2, 0.5),
        m.clamp(x, min=0.2),
        m.clip(x, max=0.4),
        m.clamp(x, y, y),
        m.clamp(x, min=y),
        m.clamp_min(x, 0.2),
        m.clamp_max(x, 0.2),
        m.clamp_min(x, y),
        m.clamp_max(x, y),
        m.floor_divide(x, y),
        x // y,
        m.square(x),
    ],
]


@pytest.mark.parametrize("case", range(len(GRAD_FN_CASES)))
def test_grad_fn_names(case, torch):
    import torchlet as tl

    names = []
    for m in (torch, tl):
        x = m.tensor([0.3, 0.7, 1.2], requires_grad=True)
        y = m.tensor([0.5, 0.5, 2.0], requires_grad=True)
        names.append([r.grad_fn.name() for r in GRAD_FN_CASES[case](m, x, y)])
    assert names[1] == names[0]


def test_comparisons_have_no_grad(torch):
    x = torchlet.tensor([1.0, 2.0], requires_grad=True)
    for r in (x > 1, x == x, torchlet.isnan(x), torchlet.logical_and(x, x), torchlet.isclose(x, x)):
        assert r.dtype is torchlet.bool and not r.requires_grad and r.grad_fn is None


@pytest.mark.parametrize("f", [lambda x: x // 2, lambda x: 3 // x, lambda x: 2.5 % x])
def test_no_derivative_errors(f, torch):
    def fn(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = f(x)
        assert y.requires_grad and y.grad_fn.name() == "torch::autograd::NotImplemented"
        y.sum().backward()

    check_error(fn)


def test_higher_order(torch):
    """create_graph through saved results (tanh, sigmoid, sqrt) gives torch's second derivatives."""

    def fn(m):
        x = m.tensor([0.3, -0.7, 1.2], dtype=m.float64, requires_grad=True)
        y = (m.tanh(x) * m.sigmoid(x) + m.sqrt(x * x + 1) + m.erf(x) + m.atan2(x, x + 2)).sum()
        (g,) = m.autograd.grad(y, x, create_graph=True)
        (h,) = m.autograd.grad(g.sum(), x)
        return g, h

    _run_both(fn, torch)


ERRORS = [
    lambda m: m.abs(m.tensor([True])),
    lambda m: m.frac(m.tensor([1, 2])),
    lambda m: m.relu(m.tensor([True])),
    lambda m: m.round(m.tensor([1, 2]), decimals=1),
    lambda m: m.floor(m.tensor([True])),
    lambda m: m.atan2(m.ones(2), 2.0),
    lambda m: m.maximum(m.ones(2), 1.0),
    lambda m: m.maximum(m.ones(2, 3), m.ones(4)),
    lambda m: m.atan2(m.ones(2, 3), m.ones(2)),
    lambda m: m.fmod(m.tensor([True]), m.tensor([True])),
    lambda m: m.fmod(m.tensor([1, 2]), 0),
    lambda m: m.remainder(m.tensor([1, 2]), m.tensor([1, 0])),
    lambda m: m.tensor([1, 2]) // 0,
    lambda m: m.div(m.tensor([1, 2]), 0, rounding_mode="floor"),
    lambda m: m.div(m.ones(2), 2, rounding_mode="round"),
    lambda m: m.div(m.tensor([True]), m.tensor([True]), rounding_mode="trunc"),
    lambda m: m.lerp(m.tensor([1, 2]), m.tensor([1, 2]), 0.5),
    lambda m: m.lerp(m.ones(2), m.ones(2, dtype=m.float64), 0.5),
    lambda m: m.lerp(m.ones(2), m.ones(2), m.ones(2, dtype=m.float64)),
    lambda m: m.lerp(m.ones(2), m.ones(3), 0.5),
    lambda m: m.addcdiv(m.ones(2), m.tensor([1, 2]), m.tensor([1, 2])),
    lambda m: m.addcmul(m.ones(2), m.ones(3), m.ones(2)),
    lambda m: m.clamp(m.ones(2)),
    lambda m: m.clamp(m.ones(2), 0.5, m.ones(2)),
    lambda m: m.clamp(m.ones(3), m.ones(2)),
    lambda m: m.where(m.tensor([1, 0]), m.ones(2), m.zeros(2)),
    lambda m: m.where(m.tensor([True, False]), m.ones(3), m.zeros(2)),
    lambda m: m.eq(m.ones(3), m.ones(2)),
    lambda m: m.ones(3) < m.ones(2),
    lambda m: m.logical_and(m.ones(3), m.ones(2)),
    lambda m: m.ones(2) & m.ones(2),
    lambda m: m.tensor([1, 2]) & 1.5,
    lambda m: ~m.ones(2),
    lambda m: m.bitwise_not(m.ones(2)),
    lambda m: m.isclose(m.tensor([1, 2]), m.tensor([1.0, 2.0])),
    lambda m: m.isclose(m.ones(2), m.ones(2), rtol=-1.0),
    lambda m: m.allclose(m.ones(2), m.ones(2, dtype=m.float64)),
    lambda m: m.allclose(m.ones(3), m.ones(2)),
    lambda m: -m.tensor([True]),  # ops/pointwise.py, corrected here to NotImplementedError
    lambda m: m.tensor([True]) - m.tensor([False]),
]


@pytest.mark.parametrize("case", range(len(ERRORS)))
def test_errors(case, torch):
    check_error(ERRORS[case])


def test_broadcast_error_message(torch):
    eo, et = check_error(lambda m: m.maximum(m.ones(2, 3), m.ones(4)))
    assert str(eo) == str(et)


def test_float32_stays_float32(torch):
    x = torchlet.ones(3)
    for r in (
        x.exp(),
        x.sigmoid(),
        x.erf(),
        torchlet.clamp(x, 0, 1),
        torchlet.where(x > 0, x, 0.5),
        torchlet.lerp(x, x, 0.5),
        x.round(decimals=1),
        torchlet.nan_to_num(x),
        x % 0.5,
        x // 2,
    ):
        assert r.dtype is torchlet.float32


def test_bfloat16_keeps_dtype(torch):
    """ml_dtypes' bfloat16 mixed with Python numbers would become float32 in NumPy."""
    _run_both(
        lambda m: (
            lambda x: (
                x * 2.5,
                x > 0.5,
                m.fmod(x, 1.5),
                m.clamp(x, 0, 0.5),
                m.where(x > 1, x, 0.5),
                m.lerp(x, x * 2, 0.3),
                m.addcmul(x, x, x, value=0.5),
                m.maximum(x, x),
                m.nan_to_num(x),
                m.round(x, decimals=1),
                x.clamp(min=0.2),
            )
        )(m.tensor([1.0, 2.5, -3.0]).to(m.bfloat16)),
        torch,
    )
