"""The ops that pick between values: maximum, minimum, clamp (clip, clamp_min,
clamp_max) and where. Ties in maximum/minimum (and tensor clamp bounds) split
the gradient in half, as PyTorch does; where routes g to the chosen side."""

import warnings

import numpy as np

from .. import _dtype
from ._table import dtype_rule, methods
from ._util import Node, Tensor, attach, binary_arrays, grad_enabled, inplace, method, reduce_grad, wrap, zero_array
from ._out import out_form
from .pointwise_math import _broadcast_error, _not_for, _np_clip, _shape
from .comparison import _WORDS, _run

__all__ = ["maximum", "minimum", "clamp", "clip", "clamp_min", "clamp_max", "where"]


def zero_where(g, drop):
    """Gradient tensor g with 0 where bool array `drop` holds (consumed): the select PyTorch's
    backward formulas make (threshold_backward, clamp's and hardtanh's, masked_fill), so an inf
    or NaN in g gives 0 there, where g * mask gives NaN. A Tensor-op where while a graph of the
    gradient is recorded (create_graph) or off NumPy's float dtypes; zero_array otherwise."""
    d = g._data
    if grad_enabled() or d.__class__ is not np.ndarray or d.dtype.kind != "f":
        return where(wrap(drop), 0.0, g)  # (drop: an array of g's kind, a batched one under vmap)
    return wrap(zero_array(d, drop))


# ----- maximum, minimum -------------------------------------------------------
def _tie_split(g, a, b, keep_a):
    """Gradients of max(a, b) (keep_a) or min(a, b): the chosen side gets g, ties g/2 each
    (and both get g where a NaN makes every comparison false, as in PyTorch)."""
    x, y = binary_arrays(a.detach(), b.detach())
    dt = g._data.dtype
    half = (x == y).astype(dt)
    half *= 0.5
    a_loses, b_loses = (y > x, x > y) if keep_a else (x > y, y > x)
    shared = g * wrap(1 - half)  # the loser's share is a select (masked_fill in PyTorch): 0 for an inf or NaN g
    return zero_where(shared, a_loses), zero_where(shared, b_loses)


class MaximumBackward0(Node):
    """d max(a, b) = g where a > b (b), g/2 at ties"""

    keep_a = True

    def backward(self, g):
        a, b = self.saved_tensors
        ga, gb = _tie_split(g, a, b, self.keep_a)
        return reduce_grad(ga, self.input_meta[0]), reduce_grad(gb, self.input_meta[1])


class MinimumBackward0(MaximumBackward0):
    """d min(a, b) = g where a < b (b), g/2 at ties"""

    keep_a = False


class ClampMinBackward1(MaximumBackward0):
    """d clamp_min(a, m) = as maximum(a, m)"""


class ClampMaxBackward1(MinimumBackward0):
    """d clamp_max(a, m) = as minimum(a, m)"""


def _pick(name, ufunc, node, input, other):
    if not isinstance(other, Tensor):
        raise TypeError(f"{name}(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}")
    x, y = binary_arrays(input, other)
    res = attach(wrap(_run(getattr(input._xp, ufunc), x, y, input, other)), node, (input, other), (input, other))
    return res


@method()
@out_form()
def maximum(input, other):
    return _pick("maximum", "maximum", MaximumBackward0, input, other)


@method()
@out_form()
def minimum(input, other):
    return _pick("minimum", "minimum", MinimumBackward0, input, other)


# ----- clamp -----------------------------------------------------------------
def _scalar_of(v, np_dtype):
    """Number `v` as a NumPy scalar of np_dtype, with PyTorch's overflow check for integers
    (uint8 accepts -255..255, negative values wrapping)."""
    if v is None or np_dtype.kind not in "iuV":
        return v
    if np_dtype.kind != "V" and not isinstance(v, (bool, np.bool_)):
        info = np.iinfo(np_dtype)
        if not (-info.max if info.min == 0 else info.min) <= v <= info.max:
            raise RuntimeError(f"value cannot be converted to type {np_dtype.name}_t without overflow")
        return np.array(v).astype(np_dtype)[()]
    return np_dtype.type(v)


_PLAIN = (float, int, type(None))


def _clamp_scalars(input, lo, hi):
    """clamp with number bounds, in PyTorch's promoted dtype."""
    x, xp = input._data, input._xp
    if not (x.dtype.kind == "f" and type(lo) in _PLAIN and type(hi) in _PLAIN):
        groups = (
            [input.dtype] if x.ndim else [],
            [] if x.ndim else [input.dtype],
            [_dtype.scalar_dtype(v) for v in (lo, hi) if v is not None],
        )
        rt = _dtype.promote_operands(groups).np
        if rt == np.bool_:
            which = "clamp" if lo is not None and hi is not None else "clamp_min" if hi is None else "clamp_max"
            raise _not_for(f"{which}_scalar_cpu", rt)
        x, lo, hi = x.astype(rt, copy=False), _scalar_of(lo, rt), _scalar_of(hi, rt)
    if xp is np and x.dtype.kind == "f":  # one pass of the clip ufunc is the fastest form
        return _np_clip(x, -np.inf if lo is None else lo, np.inf if hi is None else hi)
    if lo is not None:
        x = xp.maximum(x, lo)
    return x if hi is None else xp.minimum(x, hi)


class ClampBackward1(Node):
    """d clamp(a, lo, hi) = g where lo < a < hi, else 0 (NaN a: 0)"""

    def backward(self, g):
        (a,) = self.saved_tensors
        lo, hi = self.min, self.max
        x = a._data
        keep = x > lo if hi is None else x < hi if lo is None else (x > lo) & (x < hi)
        return zero_where(g, ~keep)  # a select: an inf or NaN g gives 0 outside (PyTorch's where)


class ClampMinBackward0(ClampBackward1):
    """d clamp_min(a, lo) = g where a > lo"""


class ClampMaxBackward0(ClampBackward1):
    """d clamp_max(a, hi) = g where a < hi"""


class ClampBackward0(Node):
    """clamp(a, lo, hi) = min(max(a, lo), hi): each step sends g to the chosen side, ties half"""

    def backward(self, g):
        saved = list(self.saved_tensors)
        a = saved.pop(0)
        lo = saved.pop(0) if self.has_lo else None
        hi = saved.pop(0) if self.has_hi else None
        m = self.input_meta
        glo = ghi = None
        if hi is not None:
            g, ghi = _tie_split(g, a if lo is None else maximum(a.detach(), lo.detach()), hi, False)
            ghi = reduce_grad(ghi, m[2])
        if lo is not None:
            g, glo = _tie_split(g, a, lo, True)
            glo = reduce_grad(glo, m[1])
        return reduce_grad(g, m[0]), glo, ghi


def _clamp_tensors(input, lo, hi):
    ts = tuple(t for t in (input, lo, hi) if t is not None)
    groups = ([], [], [])
    for t in ts:
        groups[0 if t._data.ndim else 1].append(t.dtype)
    dt = _dtype.promote_operands(groups).np
    if dt == np.bool_:
        raise _not_for("clamp_cpu", dt)
    x, xp = input._data.astype(dt, copy=False), input._xp
    try:
        if lo is not None:
            x = xp.maximum(x, lo._data.astype(dt, copy=False))
        if hi is not None:
            x = xp.minimum(x, hi._data.astype(dt, copy=False))
    except ValueError:
        raise _broadcast_error(*(t._data.shape for t in ts)) from None
    return attach(wrap(x), ClampBackward0, (input, lo, hi), ts, has_lo=lo is not None, has_hi=hi is not None)


@method("clamp", "clip")
@out_form()
def clamp(input, min=None, max=None):
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    t_lo, t_hi = isinstance(min, Tensor), isinstance(max, Tensor)
    if t_lo or t_hi:
        if (min is not None and not t_lo) or (max is not None and not t_hi):
            raise TypeError(
                "clamp() received an invalid combination of arguments - got (Tensor, "
                f"{type(min).__name__}, {type(max).__name__})"
            )
        res = _clamp_tensors(input, min, max)
    else:
        res = attach(wrap(_clamp_scalars(input, min, max)), ClampBackward1, (input,), (input,), min=min, max=max)
    return res


clip = clamp
methods.clamp_ = methods.clip_ = lambda self, min=None, max=None: inplace(self, lambda t: clamp(t, min, max))


@method()
def clamp_min(input, min):
    if isinstance(min, Tensor):
        return _pick("clamp_min", "maximum", ClampMinBackward1, input, min)
    return attach(wrap(_clamp_scalars(input, min, None)), ClampMinBackward0, (input,), (input,), min=min, max=None)


@method()
def clamp_max(input, max):
    if isinstance(max, Tensor):
        return _pick("clamp_max", "minimum", ClampMaxBackward1, input, max)
    return attach(wrap(_clamp_scalars(input, None, max)), ClampMaxBackward0, (input,), (input,), min=None, max=max)


methods.clamp_min_ = lambda self, min: inplace(self, clamp_min, min)
methods.clamp_max_ = lambda self, max: inplace(self, clamp_max, max)


# ----- where -----------------------------------------------------------------
class WhereBackward0(Node):
    """d where(c, a, b) = g where c (else 0), g where not c (else 0)"""

    def backward(self, g):
        c, (ma, mb) = self.condition, self.input_meta
        return (
            reduce_grad(g * wrap(c), ma) if self.needs_input_grad(0) else None,
            reduce_grad(g * wrap(~c), mb) if self.needs_input_grad(1) else None,
        )


_NO_ARG = object()


@out_form()
def where(condition, input=_NO_ARG, other=_NO_ARG):
    """Elements of `input` where `condition`, else of `other` (tensors or numbers)."""
    if input is _NO_ARG and other is _NO_ARG:
        if hasattr(Tensor, "nonzero"):
            return condition.nonzero(as_tuple=True)
        return tuple(wrap(i.astype(np.int64)) for i in condition._xp.nonzero(condition._data))
    c = condition._data
    if c.dtype != np.bool_:
        if c.dtype != np.uint8:
            raise RuntimeError(
                "where expected condition to be a boolean tensor, but got a tensor with "
                f"dtype {_WORDS[condition.dtype.name]}"
            )
        warnings.warn(
            "where received a uint8 condition tensor. This behavior is deprecated and will "
            "be removed in a future version of PyTorch. Use a boolean condition instead."
        )
        c = c.astype(bool)
    a_t, b_t = isinstance(input, Tensor), isinstance(other, Tensor)
    if a_t and b_t and input._data.dtype == other._data.dtype:
        dt = input._data.dtype
    else:
        dt = _dtype.result_type(input, other).np
    a = input._data.astype(dt, copy=False) if a_t else _scalar_of(input, dt)
    b = other._data.astype(dt, copy=False) if b_t else _scalar_of(other, dt)
    try:
        r = condition._xp.where(c, a, b)
    except ValueError:
        raise _broadcast_error(c.shape, _shape(input), _shape(other)) from None
    if r.dtype != dt:
        r = r.astype(dt)
    res = attach(wrap(r), WhereBackward0, (input if a_t else None, other if b_t else None), condition=c)
    return res


def _where_method(self, condition, y):
    return where(condition, self, y)


methods.where = _where_method


dtype_rule("promote", "maximum", "minimum")
