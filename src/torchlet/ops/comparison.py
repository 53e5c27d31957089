"""Comparisons: eq/ne/lt/le/gt/ge (and their operators), isnan/isinf/isfinite/
isposinf/isneginf, isclose/allclose/equal. They promote their operands as
arithmetic does, return bool and have no gradient."""

import numpy as np

from .. import _dtype
from ._table import dtype_rule, methods
from ._util import Tensor, binary_arrays, float_result, inplace, method, wrap, _scalar_ok
from ._out import out_form, plain
from .pointwise_math import _broadcast_error, _shape

__all__ = [
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "greater",
    "greater_equal",
    "less",
    "less_equal",
    "not_equal",
    "isnan",
    "isinf",
    "isfinite",
    "isposinf",
    "isneginf",
    "isclose",
    "allclose",
    "equal",
]


def _run(ufunc, x, y, a, b):
    try:
        return ufunc(x, y)
    except ValueError:
        raise _broadcast_error(a._data.shape, _shape(b)) from None


# ----- comparisons -----------------------------------------------------------
def _comparison(name, ufunc_name, symbol):
    def op(input, other):
        if not isinstance(other, Tensor) and not _scalar_ok(other):
            raise TypeError(
                f"{name}() received an invalid combination of arguments - got (Tensor, "
                f"{type(other).__name__}), but expected (Tensor input, Tensor other) or "
                "(Tensor input, Number other)"
            )
        x, y = binary_arrays(input, other)
        res = wrap(_run(getattr(input._xp, ufunc_name), x, y, input, other))
        return res

    def operator(self, other):  # `t == None`, `t == "a"` fall back to Python's identity test
        if isinstance(other, Tensor) or _scalar_ok(other):
            return op(self, other)
        return NotImplemented

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise `input {symbol} other` (bool result, promoted operands)."
    setattr(methods, name, op)
    setattr(methods, name + "_", lambda self, other: inplace(self, op, other))
    setattr(methods, f"__{name}__", operator)
    return out_form(op)


eq = _comparison("eq", "equal", "==")
ne = _comparison("ne", "not_equal", "!=")
lt = _comparison("lt", "less", "<")
le = _comparison("le", "less_equal", "<=")
gt = _comparison("gt", "greater", ">")
ge = _comparison("ge", "greater_equal", ">=")
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne
for _alias, _fn in (("greater", gt), ("greater_equal", ge), ("less", lt), ("less_equal", le), ("not_equal", ne)):
    setattr(methods, _alias, plain(_fn))
    setattr(methods, _alias + "_", getattr(methods, _fn.__name__ + "_"))


# ----- floating-point classification, closeness, equality ---------------------
def _classify(name, fn):
    def op(input):
        return wrap(fn(input._xp, input._data))

    op.__name__ = op.__qualname__ = name
    setattr(methods, name, op)
    return op


isnan = _classify("isnan", lambda xp, x: xp.isnan(x))
isinf = _classify("isinf", lambda xp, x: xp.isinf(x))
isfinite = _classify("isfinite", lambda xp, x: xp.isfinite(x))
isposinf = _classify("isposinf", lambda xp, x: x == np.inf if x.dtype.kind in "fV" else xp.zeros(x.shape, bool))
isneginf = _classify("isneginf", lambda xp, x: x == -np.inf if x.dtype.kind in "fV" else xp.zeros(x.shape, bool))

_WORDS = _dtype.SCALAR_NAMES  # PyTorch's dtype names, one table (_dtype.py)


@method()
def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """|a - b| <= atol + rtol |b| (and a == b, which covers equal infinities)."""
    if input.dtype is not other.dtype:
        raise RuntimeError(f"{_WORDS[input.dtype.name]} did not match {_WORDS[other.dtype.name]}")
    if rtol < 0:
        raise RuntimeError(f"rtol must be greater than or equal to zero, but got {rtol}")
    if atol < 0:
        raise RuntimeError(f"atol must be greater than or equal to zero, but got {atol}")
    x, y, xp = input._data, other._data, input._xp
    close = _run(xp.equal, x, y, input, other)
    if x.dtype.kind == "b":
        return wrap(close)
    if x.dtype.kind in "iu":
        x, y = float_result(x), float_result(y)
    if equal_nan:
        close |= xp.isnan(x) & xp.isnan(y)
    diff = xp.abs(x - y)
    close |= xp.isfinite(diff) & (diff <= atol + xp.abs(rtol * y))
    return wrap(close)


@method()
def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


@method()
def equal(input, other):
    """True when both have the same shape and the same values (NaN is never equal)."""
    if input._data.shape != other._data.shape:
        return False
    x, y = binary_arrays(input, other)
    return bool((x == y).all())


dtype_rule("bool", "eq", "ne", "lt", "le", "gt", "ge", "isnan", "isinf", "isfinite", "isposinf", "isneginf")
