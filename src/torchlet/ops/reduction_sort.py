"""Reductions that pick elements: max/min (+ indices), amax/amin, argmax/argmin,
median/nanmedian, kthvalue, mode, sort/argsort/msort, topk (unique and bincount,
which count, are in counting.py). Picked values are gathered by index, so their gradient is the
incoming gradient scattered back to the picked positions."""

import numpy as np

from .._device import namespace
from .. import return_types
from ._args import int_arg
from ._table import dtype_rule
from ._util import Node, Tensor, attach, method, wrap, wrap_dim
from ._out import out_form
from .reduction import _dims, _even_grad, _expand_back, _np_names, _scatter

__all__ = [
    "max",
    "min",
    "amax",
    "amin",
    "argmax",
    "argmin",
    "median",
    "nanmedian",
    "kthvalue",
    "mode",
    "sort",
    "argsort",
    "msort",
    "topk",
]


class _EvenBackward(Node):
    """d(pick(a)) = g split evenly among the elements equal to the picked value"""

    def backward(self, g):
        (res,) = self.saved_tensors
        meta, dims, keepdim = self.input_meta[0], self.dims, self.keepdim
        g = _expand_back(g, meta, dims, keepdim)
        return _even_grad(g, self.x, _expand_back(res, meta, dims, keepdim)._data, dims)


MaxBackward1 = type("MaxBackward1", (_EvenBackward,), {})
MinBackward1 = type("MinBackward1", (_EvenBackward,), {})
AmaxBackward0 = type("AmaxBackward0", (_EvenBackward,), {})
AminBackward0 = type("AminBackward0", (_EvenBackward,), {})
MedianBackward0 = type("MedianBackward0", (_EvenBackward,), {})
NanmedianBackward0 = type("NanmedianBackward0", (_EvenBackward,), {})


class _IndexBackward(Node):
    """d(a picked at indices along dim) = g scattered back to those indices"""

    def backward(self, g):
        shape = self.input_meta[0][0]
        if not shape:
            return g
        if not self.keepdim:
            g = g.unsqueeze(self.dim)
        return _scatter(g, self.index, self.dim, shape)


MaxBackward0 = type("MaxBackward0", (_IndexBackward,), {})
MinBackward0 = type("MinBackward0", (_IndexBackward,), {})
MedianBackward1 = type("MedianBackward1", (_IndexBackward,), {})
NanmedianBackward1 = type("NanmedianBackward1", (_IndexBackward,), {})
KthvalueBackward0 = type("KthvalueBackward0", (_IndexBackward,), {})
ModeBackward0 = type("ModeBackward0", (_IndexBackward,), {})


def _whole(name, input, value, node_cls):
    """Reduction of all elements to the picked 0-d `value` array."""
    res = wrap(input._xp.asarray(value))
    x = input._data
    return attach(res, node_cls, (input,), (res,), x=x, dims=tuple(range(x.ndim)), keepdim=False)


def _nonempty(name, x, dims):
    if x.size == 0:
        if dims is None:
            raise RuntimeError(
                f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                "Specify the reduction dim with the 'dim' argument."
            )
        for d in dims:
            if x.shape[d] == 0:
                raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")


def _picked(name, input, index, d, keepdim, node_cls, result_cls):
    """(values, indices) named tuple for `index` (keepdim-shaped) along dim d."""
    x = input._data
    if x.ndim == 0:
        values, idx = wrap(x.copy()), wrap(input._xp.zeros((), dtype=np.int64))
        res = attach(values, node_cls, (input,), index=index, dim=0, keepdim=True)
        return result_cls((res, idx))
    values = wrap(input._xp.take_along_axis(x, index, d))
    idx = index.astype(np.int64, copy=False)
    if not keepdim:
        values = wrap(values._data.squeeze(d))
        idx = idx.squeeze(d)
    attach(values, node_cls, (input,), index=index, dim=d, keepdim=keepdim)
    return result_cls((values, wrap(idx)))


def _extreme(name, input, dim, keepdim, largest, other):
    if other is not None or isinstance(dim, Tensor):
        from . import clamp

        fn = clamp.maximum if largest else clamp.minimum
        return fn(input, dim if other is None else other)
    x = input._data
    if dim is None:
        _nonempty(name, x, None)
        value = x.max() if largest else x.min()
        return _whole(name, input, value, MaxBackward1 if largest else MinBackward1)
    d = wrap_dim(dim, x.ndim)
    if x.ndim:
        _nonempty(name, x, (d,))
    index = _arg(x, d, largest)
    node, rt = (MaxBackward0, return_types.max) if largest else (MinBackward0, return_types.min)
    return _picked(name, input, index, d, keepdim, node, rt)


def _arg(x, d, largest):
    """Keepdim indices of the first largest/smallest (NaN counts as extreme)."""
    if x.ndim == 0:
        return namespace(x).zeros((), dtype=np.int64)
    return x.argmax(axis=d, keepdims=True) if largest else x.argmin(axis=d, keepdims=True)


@method()
@out_form()
def max(input, dim=None, keepdim=False, *, other=None, axis=None, keepdims=None):
    if axis is not None or keepdims is not None:
        dim, keepdim = _np_names(dim, keepdim, axis, keepdims)
    return _extreme("max", input, dim, keepdim, True, other)


@method()
@out_form()
def min(input, dim=None, keepdim=False, *, other=None, axis=None, keepdims=None):
    if axis is not None or keepdims is not None:
        dim, keepdim = _np_names(dim, keepdim, axis, keepdims)
    return _extreme("min", input, dim, keepdim, False, other)


def _amaxmin(name, input, dim, keepdim, largest):
    x = input._data
    all_dims, dims = _dims(dim, x.ndim)
    _nonempty(name, x, None if all_dims else dims)
    fn = x.max if largest else x.min
    res = wrap(input._xp.asarray(fn(axis=dims, keepdims=keepdim)))
    return attach(res, AmaxBackward0 if largest else AminBackward0, (input,), (res,), x=x, dims=dims, keepdim=keepdim)


@method()
@out_form()
def amax(input, dim=(), keepdim=False, *, axis=None, keepdims=None):
    if axis is not None or keepdims is not None:
        dim, keepdim = _np_names(dim, keepdim, axis, keepdims)
    return _amaxmin("amax", input, dim, keepdim, True)


@method()
@out_form()
def amin(input, dim=(), keepdim=False, *, axis=None, keepdims=None):
    if axis is not None or keepdims is not None:
        dim, keepdim = _np_names(dim, keepdim, axis, keepdims)
    return _amaxmin("amin", input, dim, keepdim, False)


def _argextreme(name, input, dim, keepdim, largest):
    x = input._data
    xp = input._xp
    if x.dtype == np.bool_:
        raise RuntimeError(f"{name}(): does not support bool input")
    if dim is None:
        if x.size == 0:
            raise IndexError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
        idx = xp.asarray(x.argmax() if largest else x.argmin(), dtype=np.int64)
        return wrap(idx.reshape((1,) * x.ndim) if keepdim else idx)
    d = wrap_dim(dim, x.ndim)
    if x.ndim == 0:
        return wrap(xp.zeros((), dtype=np.int64))
    _nonempty(name, x, (d,))
    idx = x.argmax(axis=d, keepdims=keepdim) if largest else x.argmin(axis=d, keepdims=keepdim)
    return wrap(idx.astype(np.int64, copy=False))


@method()
@out_form(dtype="exact")
def argmax(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    if axis is not None or keepdims is not None:
        dim, keepdim = _np_names(dim, keepdim, axis, keepdims)
    return _argextreme("argmax", input, dim, keepdim, True)


@method()
@out_form(dtype="exact")
def argmin(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    if axis is not None or keepdims is not None:
        dim, keepdim = _np_names(dim, keepdim, axis, keepdims)
    return _argextreme("argmin", input, dim, keepdim, False)


# ----- order statistics -----------------------------------------------------
def _argsort_array(x, d, descending, xp):
    """Stable sort order along d; NaN sorts as the largest value.
    Descending keeps equal elements in their original order."""
    if x.ndim == 0:
        return xp.zeros((), dtype=np.int64)
    if not descending:
        return xp.argsort(x, axis=d, kind="stable")
    n = x.shape[d]
    rev = xp.flip(xp.argsort(xp.flip(x, d), axis=d, kind="stable"), d)
    return (n - 1) - rev


def _median(name, input, dim, keepdim, ignore_nan):
    x = input._data
    xp = input._xp
    if dim is None:
        flat = x.reshape(-1)
        if ignore_nan and flat.dtype.kind == "f":
            flat = flat[~xp.isnan(flat)]
        if flat.size == 0:
            value = xp.asarray(float("nan"), dtype=x.dtype)
        elif flat.dtype.kind == "f" and xp.isnan(flat).any():
            value = xp.asarray(float("nan"), dtype=x.dtype)
        else:
            k = (flat.size - 1) // 2
            value = xp.partition(flat, k)[k]
        return _whole(name, input, value, NanmedianBackward0 if ignore_nan else MedianBackward0)
    d = wrap_dim(dim, x.ndim)
    if x.ndim:
        _nonempty(name, x, (d,))
    order = _argsort_array(x, d, False, xp)
    if x.ndim == 0:
        k = order
    else:
        n = x.shape[d]
        if x.dtype.kind == "f":
            nan = xp.isnan(x).sum(axis=d, keepdims=True)
            k = xp.maximum(n - nan - 1, 0) // 2 if ignore_nan else xp.where(nan > 0, n - nan, (n - 1) // 2)
        else:
            k = xp.full(x.shape[:d] + (1,) + x.shape[d + 1 :], (n - 1) // 2)
        k = xp.take_along_axis(order, k, d)
    node, rt = (NanmedianBackward1, return_types.nanmedian) if ignore_nan else (MedianBackward1, return_types.median)
    return _picked(name, input, k, d, keepdim, node, rt)


@method()
@out_form(needs=("dim",))
def median(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    if axis is not None or keepdims is not None:
        dim, keepdim = _np_names(dim, keepdim, axis, keepdims)
    return _median("median", input, dim, keepdim, False)


@method()
@out_form(needs=("dim",))
def nanmedian(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    if axis is not None or keepdims is not None:
        dim, keepdim = _np_names(dim, keepdim, axis, keepdims)
    return _median("nanmedian", input, dim, keepdim, True)


@method()
@out_form()
def kthvalue(input, k, dim=-1, keepdim=False, *, axis=None, keepdims=None):
    if axis is not None or keepdims is not None:
        dim, keepdim = _np_names(dim, keepdim, axis, keepdims)
    x = input._data
    if type(k) is not int:
        k = int_arg(k, "k", fn="kthvalue", pos=1)
    d = wrap_dim(dim, x.ndim)
    n = x.shape[d] if x.ndim else 1
    if n == 0:
        raise IndexError(f"kthvalue(): Expected reduction dim {d} to have non-zero size.")
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    order = _argsort_array(x, d, False, input._xp)
    index = order[(slice(None),) * d + (slice(k - 1, k),)] if x.ndim else order
    return _picked("kthvalue", input, index, d, keepdim, KthvalueBackward0, return_types.kthvalue)


@method()
@out_form()
def mode(input, dim=-1, keepdim=False, *, axis=None, keepdims=None):
    """Most frequent value along dim (the smallest among equally frequent ones)
    and the index of its last occurrence."""
    if axis is not None or keepdims is not None:
        dim, keepdim = _np_names(dim, keepdim, axis, keepdims)
    x = input._data
    xp = input._xp
    d = wrap_dim(dim, x.ndim)
    if x.ndim == 0:
        return _picked("mode", input, None, d, keepdim, ModeBackward0, return_types.mode)
    n = x.shape[d]
    if n == 0:
        raise IndexError(f"mode(): Expected reduction dim {d} to have non-zero size.")
    rows = xp.moveaxis(x, d, -1).reshape(-1, n)
    s = xp.sort(rows, axis=1)
    start = xp.ones(s.shape, dtype=bool)
    start[:, 1:] = s[:, 1:] != s[:, :-1]
    pos = xp.arange(n)
    run = pos - xp.maximum.accumulate(xp.where(start, pos, 0), axis=1) + 1
    best = run.argmax(axis=1)
    value = s[xp.arange(s.shape[0]), best]
    last = n - 1 - (rows == value[:, None])[:, ::-1].argmax(axis=1)
    lead = x.shape[:d] + x.shape[d + 1 :]
    index = xp.expand_dims(last.reshape(lead), d)
    return _picked("mode", input, index, d, keepdim, ModeBackward0, return_types.mode)


class SortBackward0(Node):
    """d(sort(a)) = g put back at the positions the values came from"""

    def backward(self, g):
        shape = self.input_meta[0][0]
        return _scatter(g, self.index, self.dim, shape) if shape else g


TopkBackward0 = type("TopkBackward0", (SortBackward0,), {})


def _sorted(input, index, d, node_cls, rt):
    x = input._data
    if x.ndim == 0:
        values = wrap(x.copy())
        attach(values, node_cls, (input,), index=index, dim=0)
        return rt((values, wrap(index.astype(np.int64))))
    values = wrap(input._xp.take_along_axis(x, index, d))
    attach(values, node_cls, (input,), index=index, dim=d)
    return rt((values, wrap(index.astype(np.int64, copy=False))))


@method()
@out_form()
def sort(input, dim=-1, descending=False, stable=False, *, axis=None):
    if axis is not None:
        dim = axis
    d = wrap_dim(dim, input._data.ndim)
    index = _argsort_array(input._data, d, descending, input._xp)
    return _sorted(input, index, d, SortBackward0, return_types.sort)


@method()
@out_form(dtype="exact", needs=("stable",), grad="inputs", grad_name="sort")
def argsort(input, dim=-1, descending=False, stable=False, *, axis=None):
    if axis is not None:
        dim = axis
    d = wrap_dim(dim, input._data.ndim)
    return wrap(_argsort_array(input._data, d, descending, input._xp).astype(np.int64, copy=False))


@method()
@out_form()
def msort(input):
    return sort(input, 0).values


@method()
@out_form()
def topk(input, k, dim=-1, largest=True, sorted=True, *, axis=None):
    if axis is not None:
        dim = axis
    x = input._data
    if type(k) is not int:
        k = int_arg(k, "k", fn="topk", pos=1)
    d = wrap_dim(dim, x.ndim)
    n = x.shape[d] if x.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError("selected index k out of range")
    order = _argsort_array(x, d, largest, input._xp)
    index = order[(slice(None),) * d + (slice(0, k),)] if x.ndim else order
    return _sorted(input, index, d, TopkBackward0, return_types.topk)


dtype_rule("long", "argmax", "argmin")
