"""Numeric binary pointwise ops: atan2, fmod, remainder, floor_divide (and
the `//`, `%` operators), div with rounding_mode, lerp, addcmul, addcdiv.

Integer division by zero is PyTorch's RuntimeError; ops PyTorch cannot
differentiate (floor_divide, number % tensor) record a node whose backward
raises, as PyTorch's NotImplemented node does.
"""

import builtins

import numpy as np

from .. import _dtype
from ._table import dtype_rule, methods
from ._util import Node, Tensor, attach, binary_arrays, direct_inplace, inplace, method, reduce_grad, wrap
from ._out import out_form, plain
from .pointwise_math import _FLOAT, _broadcast_error, _floating, _not_for, _shape

__all__ = ["atan2", "arctan2", "fmod", "remainder", "floor_divide", "lerp", "addcmul", "addcdiv"]


# ----- binary ops ------------------------------------------------------------
def _lhs(input, other):
    """A Python-number first operand (5 // t) as a 0-d tensor of the promoted dtype."""
    if isinstance(input, Tensor):
        return input
    from .creation import tensor

    return tensor(input, dtype=_dtype.result_type(input, other), device=other.device)


def _need_tensor(fn, other):
    if not isinstance(other, Tensor):
        raise TypeError(f"{fn}(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}")


def _no_int_zero(x, y):
    """Integer division by zero is an error in PyTorch (NumPy returns 0)."""
    if x.dtype.kind in "iu" and (not y.all() if isinstance(y, np.ndarray) or hasattr(y, "all") else y == 0):
        raise RuntimeError("ZeroDivisionError")


def _call(ufunc, x, y, a, b):
    try:
        return ufunc(x, y)
    except ValueError:
        raise _broadcast_error(_shape(a), _shape(b)) from None


def _tensors(a, b):
    return (a, b if isinstance(b, Tensor) else None)


class Atan2Backward0(Node):
    """d atan2(a, b) = g b / (a^2 + b^2), -g a / (a^2 + b^2)"""

    def backward(self, g):
        a, b = self.saved_tensors
        recip = (a * a + b * b).reciprocal()
        ma, mb = self.input_meta
        return (
            reduce_grad(g * b * recip, ma) if self.needs_input_grad(0) else None,
            reduce_grad(g * -a * recip, mb) if self.needs_input_grad(1) else None,
        )


@method()
@out_form()
def atan2(input, other):
    _need_tensor("atan2", other)
    x, y = binary_arrays(input, other)
    res = wrap(_call(input._xp.arctan2, _floating(x), _floating(y), input, other))
    attach(res, Atan2Backward0, (input, other), (input, other))
    return res


arctan2 = atan2
methods.arctan2 = plain(atan2)
methods.atan2_ = methods.arctan2_ = lambda self, other: inplace(self, atan2, other)


class _ScalarPass(Node):
    def backward(self, g):
        return g


class FmodBackward0(_ScalarPass):
    """d fmod(a, s) = g"""


class RemainderBackward0(_ScalarPass):
    """d remainder(a, s) = g"""


class FmodBackward1(Node):
    """d fmod(a, b) = g, -g trunc(a / b)"""

    mode = "trunc"

    def backward(self, g):
        a, b = self.saved_tensors
        ma, mb = self.input_meta
        gb = None
        if self.needs_input_grad(1):
            gb = reduce_grad(-g * a.div(b, rounding_mode=self.mode), mb)
        return reduce_grad(g, ma), gb


class RemainderBackward1(FmodBackward1):
    """d remainder(a, b) = g, -g floor(a / b)"""

    mode = "floor"


def _modulo(name, ufunc, kernel, nodes, input, other):
    if not isinstance(input, Tensor):  # 2.5 % t: PyTorch has no derivative for it
        nodes = (None, NotImplementedBackward)
        input = _lhs(input, other)
    x, y = binary_arrays(input, other)
    if x.dtype.kind == "b":
        raise _not_for(kernel, x.dtype)
    _no_int_zero(x, y)
    res = wrap(_call(getattr(input._xp, ufunc), x, y, input, other))
    if nodes[0] is None:
        attach(res, nodes[1], (input, other), op=name)
    elif isinstance(other, Tensor):
        attach(res, nodes[1], (input, other), (input, other))
    else:
        attach(res, nodes[0], (input,))
    return res


@method()
@out_form()
def fmod(input, other):
    return _modulo("fmod", "fmod", "fmod_cpu", (FmodBackward0, FmodBackward1), input, other)


@method()
@out_form()
def remainder(input, other):
    return _modulo("remainder", "remainder", "remainder_cpu", (RemainderBackward0, RemainderBackward1), input, other)


class NotImplementedBackward(Node):
    """An op PyTorch has no derivative for: backward through it is an error."""

    def name(self):
        return "torch::autograd::NotImplemented"

    def backward(self, g):
        raise RuntimeError(f"derivative for aten::{self.op} is not implemented")


@method()
@out_form(grad="composite", grad_name="aten::floor_divide")
def floor_divide(input, other):
    input = _lhs(input, other)
    x, y = binary_arrays(input, other)
    if x.dtype.kind == "b":
        raise _not_for("div_floor_cpu", x.dtype)
    _no_int_zero(x, y)
    res = wrap(_call(input._xp.floor_divide, x, y, input, other))
    attach(res, NotImplementedBackward, _tensors(input, other), op="floor_divide")
    return res


class DivBackward2(Node):
    """d div(a, b, rounding_mode) = 0, 0 (a step function)"""

    def backward(self, g):
        xp = g._xp
        return tuple(
            None if m is None or not self.needs_input_grad(i) else wrap(xp.zeros(*m))
            for i, m in enumerate(self.input_meta)
        )


def _rounded_div(input, other, rounding_mode):
    """div(a, b, rounding_mode='trunc' | 'floor')."""
    if rounding_mode not in ("trunc", "floor"):
        raise RuntimeError(
            f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'"
        )
    input = _lhs(input, other)
    x, y = binary_arrays(input, other)
    xp = input._xp
    if x.dtype.kind == "b":
        raise _not_for(f"div_{rounding_mode}_cpu", x.dtype)
    _no_int_zero(x, y)
    if rounding_mode == "floor":
        r = _call(xp.floor_divide, x, y, input, other)
    elif x.dtype.kind in "iu":  # exact: (a - fmod(a, b)) is a multiple of b
        r = _call(xp.fmod, x, y, input, other)
        r = (x - r) // y
    else:
        r = xp.trunc(_call(xp.true_divide, x, y, input, other))
    return attach(wrap(r), DivBackward2, _tensors(input, other))


methods.__floordiv__ = plain(floor_divide)
methods.__rfloordiv__ = lambda self, other: floor_divide(other, self)
methods.__mod__ = plain(remainder)
methods.__rmod__ = lambda self, other: remainder(other, self)
for _name, _fn in (("fmod", fmod), ("remainder", remainder), ("floor_divide", floor_divide)):
    setattr(methods, _name + "_", (lambda f: lambda self, other: inplace(self, f, other))(_fn))
methods.__ifloordiv__ = methods.floor_divide_
methods.__imod__ = methods.remainder_


# ----- lerp, addcmul, addcdiv ------------------------------------------------
def _same_dtype(what, ref, t):
    if t.dtype is not ref.dtype:
        raise RuntimeError(f"expected dtype {ref.dtype} for `{what}` but got dtype {t.dtype}")


class LerpBackward0(Node):
    """d lerp(a, b, w) = g (1 - w), g w"""

    def backward(self, g):
        ma, mb = self.input_meta
        w = self.weight
        return (
            reduce_grad(g * (1 - w), ma) if self.needs_input_grad(0) else None,
            reduce_grad(g * w, mb) if self.needs_input_grad(1) else None,
        )


class LerpBackward1(Node):
    """d lerp(a, b, w) = g (1 - w), g w, g (b - a)"""

    def backward(self, g):
        a, b, w = self.saved_tensors
        ma, mb, mw = self.input_meta
        n = self.needs_input_grad
        return (
            reduce_grad(g * (1 - w), ma) if n(0) else None,
            reduce_grad(g * w, mb) if n(1) else None,
            reduce_grad(g * (b - a), mw) if n(2) else None,
        )


@method()
@out_form()
def lerp(input, end, weight):
    """a + w (b - a), computed from the nearer end as PyTorch does."""
    _same_dtype("end", input, end)
    s, e, xp = input._data, end._data, input._xp
    wt = isinstance(weight, Tensor)
    if wt:
        _same_dtype("weight", input, weight)
    if s.dtype.kind not in _FLOAT:
        raise _not_for("lerp_kernel_tensor" if wt else "lerp_kernel_scalar", s.dtype)
    try:
        d = e - s
        if wt:
            w = weight._data
            r = xp.where(xp.abs(w) < 0.5, s + w * d, e - d * (1 - w))
        else:
            w, w1 = weight, 1 - weight
            if s.dtype.kind != "f":  # bfloat16: keep the scalar in the tensor's dtype
                w, w1 = s.dtype.type(w), s.dtype.type(w1)
            r = s + w * d if builtins.abs(weight) < 0.5 else e - d * w1
    except ValueError:
        raise _broadcast_error(s.shape, e.shape, _shape(weight)) from None
    res = wrap(r)
    if wt:
        attach(res, LerpBackward1, (input, end, weight), (input, end, weight))
    else:
        attach(res, LerpBackward0, (input, end), weight=weight)
    return res


def _lerp_(self, end, weight):
    ys = None if isinstance(weight, Tensor) else direct_inplace(self, end, weight)
    if ys is None:
        return inplace(self, lerp, end, weight)
    # fast path (Adam's m.lerp_(g, 1 - beta1)): lerp's arithmetic, in place
    s, e, xp = self._data, ys[0], self._xp
    d = e - s
    if builtins.abs(weight) < 0.5:
        xp.multiply(d, weight, out=d)
        xp.add(s, d, out=s)
    else:
        xp.multiply(d, 1 - weight, out=d)
        xp.subtract(e, d, out=s)
    self._version[0] += 1
    return self


methods.lerp_ = _lerp_


def _common(*ts):
    """PyTorch's promoted NumPy dtype of several tensors (0-d ones weigh less)."""
    d0 = ts[0]._data.dtype
    if all(t._data.dtype == d0 for t in ts):
        return d0
    groups = ([], [], [])
    for t in ts:
        groups[0 if t._data.ndim else 1].append(t.dtype)
    return _dtype.promote_operands(groups).np


class AddcmulBackward0(Node):
    """d (s + v t1 t2) = g, g v t2, g v t1"""

    def backward(self, g):
        t1, t2 = self.saved_tensors
        m, v, n = self.input_meta, self.value, self.needs_input_grad
        return (
            reduce_grad(g, m[0]) if n(0) else None,
            reduce_grad(g * (t2 * v if v != 1 else t2), m[1]) if n(1) else None,
            reduce_grad(g * (t1 * v if v != 1 else t1), m[2]) if n(2) else None,
        )


class AddcdivBackward0(Node):
    """d (s + v t1 / t2) = g, g v / t2, -g v t1 / t2^2"""

    def backward(self, g):
        t1, t2 = self.saved_tensors
        m, v, n = self.input_meta, self.value, self.needs_input_grad
        return (
            reduce_grad(g, m[0]) if n(0) else None,
            reduce_grad(g * (v / t2), m[1]) if n(1) else None,
            reduce_grad(-g * (v * t1 / (t2 * t2)), m[2]) if n(2) else None,
        )


def _addc(name, input, tensor1, tensor2, value):
    dt = _common(input, tensor1, tensor2)
    s, a, b = (t._data.astype(dt, copy=False) for t in (input, tensor1, tensor2))
    v = value
    if dt.kind not in _FLOAT and dt.kind != "c":
        value = v = int(value)  # PyTorch casts the scalar to the integer type
    elif dt.kind == "V":
        v = dt.type(value)  # bfloat16: keep the scalar in the tensor's dtype
    try:
        p = a if value == 1 else v * a
        r = s + (p * b if name == "addcmul" else p / b)
    except ValueError:
        raise _broadcast_error(s.shape, a.shape, b.shape) from None
    res = wrap(r)
    node = AddcmulBackward0 if name == "addcmul" else AddcdivBackward0
    attach(res, node, (input, tensor1, tensor2), (tensor1, tensor2), value=value)
    return res


@method()
@out_form()
def addcmul(input, tensor1, tensor2, *, value=1):
    return _addc("addcmul", input, tensor1, tensor2, value)


@method()
@out_form()
def addcdiv(input, tensor1, tensor2, *, value=1):
    if tensor1.dtype.category < 2 and tensor2.dtype.category < 2:
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future  release addcdiv "
            "will perform a true division of tensor1 and tensor2. The historic addcdiv behavior can be "
            "implemented as (input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for "
            "integer inputs and as (input + value * tensor1 / tensor2) for float inputs. The future "
            "addcdiv behavior is just the latter implementation: (input + value * tensor1 / tensor2), "
            "for all dtypes."
        )
    return _addc("addcdiv", input, tensor1, tensor2, value)


def _addc_(name, self, t1, t2, value):
    ys = direct_inplace(self, t1, t2) if type(value) in (int, float) else None
    if ys is None:
        fn = addcmul if name == "addcmul" else addcdiv
        return inplace(self, lambda s, a, b: fn(s, a, b, value=value), t1, t2)
    # fast path (Adam's v.addcmul_(g, g), p.addcdiv_(m, denom)): _addc's arithmetic, one buffer
    (a, b), s, xp = ys, self._data, self._xp
    if value == 1:
        p = xp.multiply(a, b) if name == "addcmul" else xp.divide(a, b)
    else:
        p = xp.multiply(a, value)
        (xp.multiply if name == "addcmul" else xp.divide)(p, b, out=p)
    xp.add(s, p, out=s)
    self._version[0] += 1
    return self


methods.addcmul_ = lambda self, t1, t2, *, value=1: _addc_("addcmul", self, t1, t2, value)
methods.addcdiv_ = lambda self, t1, t2, *, value=1: _addc_("addcdiv", self, t1, t2, value)


dtype_rule("float", "atan2")
