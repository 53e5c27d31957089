"""More binary pointwise ops: hypot, xlogy, float_power, copysign,
heaviside, fmax/fmin, logaddexp/logaddexp2 and the bit shifts
(bitwise_left_shift/bitwise_right_shift, `<<`, `>>`).

Operands are promoted as arithmetic promotes them; ops PyTorch computes in
floating point (xlogy, copysign) give integer inputs the default float
dtype; gradients are reduced to each input's shape by reduce_grad.
"""

import numpy as np

from .. import _dtype
from ._table import methods
from ._util import Node, Tensor, attach, binary_arrays, inplace, method, reduce_grad, wrap
from ._out import out_form
from .pointwise_binary import NotImplementedBackward, _call, _lhs
from .pointwise_math import _FLOAT, _not_for, _type_word

__all__ = [
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
    "xlogy_",
]


def _tensor_arg(fn, pos, name, x):
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}(): argument '{name}' (position {pos}) must be Tensor, not {type(x).__name__}")


def _pair(fn, input, other, second="other"):
    _tensor_arg(fn, 1, "input", input)
    _tensor_arg(fn, 2, second, other)
    return binary_arrays(input, other)


def _grads(node, *gs):
    """Each gradient reduced to its input's shape, None where not needed."""
    return tuple(
        None if g is None or not node.needs_input_grad(i) else reduce_grad(g(), node.input_meta[i])
        for i, g in enumerate(gs)
    )


# ----- hypot -------------------------------------------------------------------------
class HypotBackward0(Node):
    """d hypot(a, b) = g a / r, g b / r  (r = hypot(a, b))"""

    def backward(self, g):
        a, b, r = self.saved_tensors
        return _grads(self, lambda: g * a / r, lambda: g * b / r)


@method()
@out_form()
def hypot(input, other):
    x, y = _pair("hypot", input, other)
    if x.dtype.kind not in _FLOAT:
        raise _not_for("hypot_cpu", x.dtype)
    res = wrap(_call(input._xp.hypot, x, y, input, other))
    attach(res, HypotBackward0, (input, other), (input, other, res))
    return res


methods.hypot_ = lambda self, other: inplace(self, hypot, other)


# ----- xlogy -------------------------------------------------------------------------
def _float_operands(a, b):
    """Both operands as arrays of their promoted dtype made floating (a Python number is
    converted directly, so -1 stays -1 next to a uint8 tensor)."""
    ft = _dtype.result_type(a, b)
    if ft.category < 2:
        ft = _dtype.get_default_dtype()
    xp = (a if isinstance(a, Tensor) else b)._xp
    return tuple(
        t._data.astype(ft.np, copy=False) if isinstance(t, Tensor) else xp.asarray(t, dtype=ft.np) for t in (a, b)
    )


def _xlogy_self_grad(g, a, b):
    """xlogy(g, b), zero where a == 0 and b <= 0"""
    r = xlogy(g, b)
    return r.masked_fill((a == 0) & (b <= 0), 0)


class XlogyBackward0(Node):
    """d xlogy(a, b) = xlogy(g, b) (0 where a == 0, b <= 0), g a / b"""

    def backward(self, g):
        a, b = self.saved_tensors
        return _grads(self, lambda: _xlogy_self_grad(g, a, b), lambda: g * a / b)


class XlogyBackward1(Node):
    """d xlogy(s, b) / db = g s / b"""

    def backward(self, g):
        (b,) = self.saved_tensors
        return g * self.scalar / b


class XlogyBackward2(Node):
    """d xlogy(a, s) / da = xlogy(g, s) (0 where a == 0, s <= 0)"""

    def backward(self, g):
        (a,) = self.saved_tensors
        r = xlogy(g, self.scalar)
        return r.masked_fill(a == 0, 0) if self.scalar <= 0 else r


@method()
@out_form()
def xlogy(input, other):
    """a log(b), 0 where a == 0 (unless b is nan)."""
    scalar_self = not isinstance(input, Tensor)
    t = other if scalar_self else input
    x, y = _float_operands(input, other)
    xp = t._xp
    prod = _call(xp.multiply, x, xp.log(y), t, other)
    r = xp.where((x == 0) & ~xp.isnan(y), 0, prod).astype(prod.dtype, copy=False)
    res = wrap(xp.asarray(r))
    if scalar_self:
        attach(res, XlogyBackward1, (other,), (other,), scalar=input)
    elif isinstance(other, Tensor):
        attach(res, XlogyBackward0, (input, other), (input, other))
    else:
        attach(res, XlogyBackward2, (input,), (input,), scalar=other)
    return res


methods.xlogy_ = xlogy_ = lambda self, other: inplace(self, xlogy, other)


# ----- float_power -------------------------------------------------------------------
def _double(x):
    if isinstance(x, Tensor):
        return x.to(_dtype.complex128 if x.dtype.category == 3 else _dtype.float64)
    return complex(x) if isinstance(x, complex) else float(x)


def _float_power_out(name, result_dtype, out_dtype):
    """float_power(out=) wants out in the double result dtype exactly."""
    if out_dtype is not result_dtype:
        raise RuntimeError(
            f"the output given to float_power has dtype {_type_word(out_dtype.np)} but "
            f"the operation's result requires dtype {_type_word(result_dtype.np)}"
        )


@method()
@out_form(dtype=_float_power_out, grad_name="pow")
def float_power(input, exponent):
    """pow computed in double precision (float64, or complex128 for complex operands)."""
    from .pointwise import pow

    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        raise TypeError("float_power(): expected a Tensor argument")
    res = pow(_double(input), _double(exponent))
    return res


def _float_power_(self, exponent):
    want = (
        "ComplexDouble"
        if self.dtype.category == 3 or (isinstance(exponent, Tensor) and exponent.dtype.category == 3)
        else "Double"
    )
    if self._data.dtype != (np.complex128 if want == "ComplexDouble" else np.float64):
        raise RuntimeError(
            f"the base given to float_power_ has dtype {_type_word(self._data.dtype)} but "
            f"the operation's result requires dtype {want}"
        )
    return inplace(self, float_power, exponent)


methods.float_power_ = _float_power_


# ----- copysign ----------------------------------------------------------------------
class CopysignBackward0(Node):
    """d copysign(a, b) = g r / a (0 where a == 0), 0"""

    def backward(self, g):
        a, r = self.saved_tensors
        ratio = (r / a).masked_fill(a == 0, 0)
        zero = None
        if len(self.input_meta) > 1 and self.needs_input_grad(1):
            zero = wrap(g._xp.zeros(*self.input_meta[1]))
        ga = reduce_grad(g * ratio, self.input_meta[0]) if self.needs_input_grad(0) else None
        return (ga, zero) if len(self.input_meta) > 1 else ga


class CopysignBackward1(CopysignBackward0):
    """d copysign(a, s) = g r / a (0 where a == 0)"""


@method()
@out_form()
def copysign(input, other):
    _tensor_arg("copysign", 1, "input", input)
    x, y = _float_operands(input, other)
    res = wrap(input._xp.asarray(_call(input._xp.copysign, x, y, input, other)))
    if isinstance(other, Tensor):
        attach(res, CopysignBackward0, (input, other), (input, res))
    else:
        attach(res, CopysignBackward1, (input,), (input, res))
    return res


methods.copysign_ = lambda self, other: inplace(self, copysign, other)


# ----- heaviside ---------------------------------------------------------------------
@method()
@out_form(grad="composite", grad_name="aten::heaviside")
def heaviside(input, values):
    """0 where a < 0, values where a == 0, 1 where a > 0 (nan counts as < 0); no derivative."""
    _tensor_arg("heaviside", 1, "input", input)
    _tensor_arg("heaviside", 2, "values", values)
    if input._data.dtype != values._data.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
    x, v, xp = input._data, values._data, input._xp
    r = _call(lambda p, q: xp.where(p == 0, q, p > 0).astype(p.dtype), x, v, input, values)
    res = attach(wrap(r), NotImplementedBackward, (input, values), op="heaviside")
    return res


methods.heaviside_ = lambda self, values: inplace(self, heaviside, values)


# ----- fmax / fmin -------------------------------------------------------------------
class FmaxBackward0(Node):
    """d fmax(a, b) = g where a > b (or either is nan), g/2 where a == b; the rest to b, as maximum"""

    loses = "lt"

    def backward(self, g):
        a, b = self.saved_tensors
        share = g.where(a != b, g / 2)
        lose = getattr(a, self.loses)(b)
        return _grads(self, lambda: share.masked_fill(lose, 0), lambda: share.masked_fill(getattr(b, self.loses)(a), 0))


class FminBackward0(FmaxBackward0):
    """d fmin(a, b) = g where a < b (or either is nan), g/2 where a == b; the rest to b, as minimum"""

    loses = "gt"


def _fpick(name, node, input, other):
    x, y = _pair(name, input, other)
    res = wrap(_call(getattr(input._xp, name), x, y, input, other))
    attach(res, node, (input, other), (input, other))
    return res


@method()
@out_form()
def fmax(input, other):
    """Elementwise maximum that ignores nan (nan only where both are nan)."""
    return _fpick("fmax", FmaxBackward0, input, other)


@method()
@out_form()
def fmin(input, other):
    """Elementwise minimum that ignores nan (nan only where both are nan)."""
    return _fpick("fmin", FminBackward0, input, other)


# ----- logaddexp / logaddexp2 ---------------------------------------------------------
class LogaddexpBackward0(Node):
    """d log(e^a + e^b) = g / (1 + e^(b - a)), g / (1 + e^(a - b))"""

    base_exp = "exp"

    def backward(self, g):
        a, b = self.saved_tensors
        e = getattr(Tensor, self.base_exp)
        return _grads(self, lambda: g / (e(b - a) + 1), lambda: g / (e(a - b) + 1))


class Logaddexp2Backward0(LogaddexpBackward0):
    """d log2(2^a + 2^b) = g / (1 + 2^(b - a)), g / (1 + 2^(a - b))"""

    base_exp = "exp2"


def _logaddexp(name, node, input, other):
    x, y = _pair(name, input, other)
    if x.dtype.kind not in _FLOAT:
        raise _not_for(f"{name}_cpu", x.dtype)
    res = wrap(_call(getattr(input._xp, name), x, y, input, other))
    attach(res, node, (input, other), (input, other))
    return res


@method()
@out_form()
def logaddexp(input, other):
    return _logaddexp("logaddexp", LogaddexpBackward0, input, other)


@method()
@out_form()
def logaddexp2(input, other):
    return _logaddexp("logaddexp2", Logaddexp2Backward0, input, other)


# ----- shifts ------------------------------------------------------------------------
def _shift(name, kernel, input, other):
    t = _lhs(input, other)
    x, y = binary_arrays(t, other)
    if x.dtype.kind not in "iu":
        raise _not_for(kernel, x.dtype)
    xp = t._xp
    bits = x.dtype.itemsize * 8
    y = xp.asarray(y).astype(x.dtype, copy=False)
    # PyTorch: a shift by a negative amount or by the width or more gives 0 (left), the sign (right)
    out_of_range = (y < 0) | (y >= bits)
    amount = xp.where(out_of_range, bits - 1, y).astype(x.dtype, copy=False)
    try:
        if kernel == "lshift_cpu":
            r = xp.where(out_of_range, 0, xp.left_shift(x, amount)).astype(x.dtype, copy=False)
        else:
            r = xp.right_shift(x, amount)
    except ValueError:
        from .pointwise_math import _broadcast_error, _shape

        raise _broadcast_error(_shape(t), _shape(other)) from None
    res = wrap(xp.asarray(r))
    return res


@method()
@out_form()
def bitwise_left_shift(input, other):
    return _shift("bitwise_left_shift", "lshift_cpu", input, other)


@method()
@out_form()
def bitwise_right_shift(input, other):
    return _shift("bitwise_right_shift", "rshift_cpu", input, other)


def _operator(fn):
    def op(self, other):
        if isinstance(other, Tensor) or isinstance(other, (bool, int, float, np.number)):
            return fn(self, other)
        return NotImplemented

    return op


def _roperator(fn):
    def op(self, other):
        if isinstance(other, (bool, int, float, np.number)):
            return fn(other, self)
        return NotImplemented

    return op


methods.bitwise_left_shift_ = lambda self, other: inplace(self, bitwise_left_shift, other)
methods.bitwise_right_shift_ = lambda self, other: inplace(self, bitwise_right_shift, other)
methods.__lshift__ = _operator(bitwise_left_shift)
methods.__rshift__ = _operator(bitwise_right_shift)
methods.__rlshift__ = _roperator(bitwise_left_shift)
methods.__rrshift__ = _roperator(bitwise_right_shift)
methods.__ilshift__ = methods.bitwise_left_shift_
methods.__irshift__ = methods.bitwise_right_shift_
