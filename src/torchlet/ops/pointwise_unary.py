"""The elementwise unary ops, one `define_unary` row each: name, PyTorch's grad_fn name, the
forward on the backend array, the gradient with Tensor ops and what the node saves (the input
`x` or the result `r`), the math, and the result-dtype rule; plus round (with decimals).
The kernels and the row machinery are in pointwise_math.py."""

import builtins
from ._table import methods
from ._util import attach, inplace, method, wrap
from ._out import out_form, plain
from .pointwise_math import (
    _2_SQRTPI,
    _LN2,
    _LN10,
    _erf,
    _float_fn,
    _frac,
    _ints_ok,
    _node_class,
    _not_for,
    _reciprocal,
    _rounding,
    _rsqrt,
    _sign,
    _square,
    _zeros,
    define_unary,
)

__all__ = [
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
    "erf",
    "floor",
    "ceil",
    "round",
    "trunc",
    "frac",
    "absolute",
    "sgn",
    "arcsin",
    "arccos",
    "arctan",
    "fix",
]


# define_unary(module, name, grad_fn name, forward(xp, array), gradient(g, saved), saved ("x", "r" or None), math)
abs = define_unary(
    __name__,
    "abs",
    "AbsBackward0",
    _ints_ok("abs_cpu", lambda xp, x: xp.abs(x)),
    lambda g, x: g * x.sign(),
    "x",
    "g * sign(a)",
)
sign = define_unary(__name__, "sign", "SignBackward0", _sign, lambda g: _zeros(g), None, "0", dtype="same")
exp = define_unary(
    __name__, "exp", "ExpBackward0", _float_fn("exp"), lambda g, r: g * r, "r", "g * exp(a)", dtype="float"
)
exp2 = define_unary(
    __name__,
    "exp2",
    "Exp2Backward0",
    _float_fn("exp2"),
    lambda g, r: g * r * _LN2,
    "r",
    "g * 2^a * ln 2",
    dtype="float",
)
expm1 = define_unary(
    __name__,
    "expm1",
    "Expm1Backward0",
    _float_fn("expm1"),
    lambda g, r: g * (r + 1),
    "r",
    "g * (expm1(a) + 1)",
    dtype="float",
)
log = define_unary(__name__, "log", "LogBackward0", _float_fn("log"), lambda g, x: g / x, "x", "g / a", dtype="float")
log2 = define_unary(
    __name__,
    "log2",
    "Log2Backward0",
    _float_fn("log2"),
    lambda g, x: g / (x * _LN2),
    "x",
    "g / (a ln 2)",
    dtype="float",
)
log10 = define_unary(
    __name__,
    "log10",
    "Log10Backward0",
    _float_fn("log10"),
    lambda g, x: g / (x * _LN10),
    "x",
    "g / (a ln 10)",
    dtype="float",
)
log1p = define_unary(
    __name__, "log1p", "Log1PBackward0", _float_fn("log1p"), lambda g, x: g / (x + 1), "x", "g / (1 + a)", dtype="float"
)
sqrt = define_unary(
    __name__,
    "sqrt",
    "SqrtBackward0",
    _float_fn("sqrt"),
    lambda g, r: g / (r * 2),
    "r",
    "g / (2 sqrt(a))",
    dtype="float",
)
rsqrt = define_unary(
    __name__,
    "rsqrt",
    "RsqrtBackward0",
    _rsqrt,
    lambda g, r: g * -0.5 * r.pow(3),
    "r",
    "-g / (2 a^(3/2))",
    dtype="float",
)
square = define_unary(__name__, "square", "PowBackward0", _square, lambda g, x: g * (x * 2), "x", "2 g a")
reciprocal = define_unary(
    __name__,
    "reciprocal",
    "ReciprocalBackward0",
    _reciprocal,
    lambda g, r: -g * (r * r),
    "r",
    "-g / a^2",
    dtype="float",
)
sin = define_unary(
    __name__, "sin", "SinBackward0", _float_fn("sin"), lambda g, x: g * x.cos(), "x", "g cos(a)", dtype="float"
)
cos = define_unary(
    __name__, "cos", "CosBackward0", _float_fn("cos"), lambda g, x: g * -x.sin(), "x", "-g sin(a)", dtype="float"
)
tan = define_unary(
    __name__,
    "tan",
    "TanBackward0",
    _float_fn("tan"),
    lambda g, r: g * (r * r + 1),
    "r",
    "g (1 + tan(a)^2)",
    dtype="float",
)
asin = define_unary(
    __name__,
    "asin",
    "AsinBackward0",
    _float_fn("arcsin"),
    lambda g, x: g * (-x * x + 1).rsqrt(),
    "x",
    "g / sqrt(1 - a^2)",
    dtype="float",
)
acos = define_unary(
    __name__,
    "acos",
    "AcosBackward0",
    _float_fn("arccos"),
    lambda g, x: g * -((-x * x + 1).rsqrt()),
    "x",
    "-g / sqrt(1 - a^2)",
    dtype="float",
)
atan = define_unary(
    __name__,
    "atan",
    "AtanBackward0",
    _float_fn("arctan"),
    lambda g, x: g / (x * x + 1),
    "x",
    "g / (1 + a^2)",
    dtype="float",
)
sinh = define_unary(
    __name__, "sinh", "SinhBackward0", _float_fn("sinh"), lambda g, x: g * x.cosh(), "x", "g cosh(a)", dtype="float"
)
cosh = define_unary(
    __name__, "cosh", "CoshBackward0", _float_fn("cosh"), lambda g, x: g * x.sinh(), "x", "g sinh(a)", dtype="float"
)
erf = define_unary(
    __name__,
    "erf",
    "ErfBackward0",
    _erf,
    lambda g, x: (-x * x).exp() * _2_SQRTPI * g,
    "x",
    "g 2/sqrt(pi) exp(-a^2)",
    dtype="float",
)
floor = define_unary(
    __name__,
    "floor",
    "FloorBackward0",
    _rounding("floor", "floor_vml_cpu"),
    lambda g: _zeros(g),
    None,
    "0",
    dtype="same",
)
ceil = define_unary(
    __name__, "ceil", "CeilBackward0", _rounding("ceil", "ceil_vml_cpu"), lambda g: _zeros(g), None, "0", dtype="same"
)
trunc = define_unary(
    __name__,
    "trunc",
    "TruncBackward0",
    _rounding("trunc", "trunc_vml_cpu"),
    lambda g: _zeros(g),
    None,
    "0",
    dtype="same",
)
frac = define_unary(__name__, "frac", "FracBackward0", _frac, lambda g: g, None, "g", dtype="same")


RoundBackward0 = _node_class("RoundBackward0", lambda g: _zeros(g), None, "0")
RoundBackward1 = _node_class("RoundBackward1", lambda g: _zeros(g), None, "0")


@method()
@out_form()
def round(input, *, decimals=0):
    """Round half to even; with `decimals`, as PyTorch: rint(a * 10^d) / 10^d."""
    x, xp = input._data, input._xp
    if x.dtype.kind in "biu":
        if x.dtype.kind == "b" or decimals:
            raise _not_for("round_cpu" if decimals else "round_vml_cpu", x.dtype)
        res = wrap(x.copy())
    elif decimals == 0:
        res = attach(wrap(xp.rint(x)), RoundBackward0, (input,))
    else:
        p = x.dtype.type(10.0 ** builtins.abs(decimals))
        r = xp.rint(x * p if decimals > 0 else x / p)
        res = attach(wrap(r / p if decimals > 0 else r * p), RoundBackward1, (input,))
    return res


methods.round_ = lambda self, *, decimals=0: inplace(self, lambda t: round(t, decimals=decimals))
methods.__abs__ = plain(abs)
absolute, arcsin, arccos, arctan, fix, sgn = abs, asin, acos, atan, trunc, sign
for _alias, _fn in (
    ("absolute", abs),
    ("arcsin", asin),
    ("arccos", acos),
    ("arctan", atan),
    ("fix", trunc),
    ("sgn", sign),
):
    setattr(methods, _alias, plain(_fn))
    setattr(methods, _alias + "_", getattr(methods, _fn.__name__ + "_"))
