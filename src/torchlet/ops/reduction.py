"""Reductions over dims: sum, mean, prod, nansum/nanmean, all/any/count_nonzero,
and the helpers the other reduction files share. Statistics (var, std, norm,
logsumexp) are in reduction_stats.py, selections (max, sort, median, ...) in
reduction_sort.py, running reductions (cumsum, cummax, ...) in reduction_scan.py."""

import sys

import numpy as np

from .. import _dtype
from ._util import Node, attach, dims_of, grad_enabled, method, wrap, wrap_dim

from ._blas_sum import MIN_SIZE as _BLAS_MIN, blas_sum
from ._out import out_form

__all__ = ["sum", "mean", "nansum", "nanmean", "prod", "all", "any", "count_nonzero"]

_FROM_NP = _dtype._FROM_NP
_add_reduce = np.add.reduce
_ALL_DIMS = [tuple(range(n)) for n in range(8)]  # what _dims(None, n) gives


# ----- shared helpers -------------------------------------------------------
def _dims(dim, ndim):
    """(reduce_all, dims): `dim` as a sorted tuple of non-negative dims; an
    absent or empty dim means all dims; a 0-d input has nothing to reduce."""
    if dim is None or (type(dim) in (tuple, list) and not dim):
        return True, tuple(range(ndim))
    dims = dims_of(dim, ndim)
    return False, dims if ndim else ()


def _np_names(dim, keepdim, axis, keepdims, name=None):
    """NumPy's spellings, which PyTorch accepts too: axis= for dim=, keepdims= for keepdim=.
    Both spellings at once is PyTorch's TypeError, named after `name` (default: the caller)."""
    both_dims = axis is not None and dim is not None and dim != ()  # (amax's default dim is ())
    if both_dims or (keepdims is not None and keepdim):
        alias = "axis" if both_dims else "keepdims"
        name = name or sys._getframe(1).f_code.co_name
        raise TypeError(f"{name}() got an unexpected keyword argument '{alias}'")
    return (dim if axis is None else axis), (keepdim if keepdims is None else keepdims)


def _required(name, dim, axis):
    if axis is not None:
        dim, _ = _np_names(dim, False, axis, None, name)
    if dim is None:
        raise TypeError(f'{name}() missing 1 required positional arguments: "dim"')
    return dim


def _keep_shape(shape, dims):
    kept = list(shape)
    for d in dims:
        kept[d] = 1
    return tuple(kept)


def _out_shape(shape, dims, keepdim):
    if keepdim:
        return _keep_shape(shape, dims)
    return tuple(s for i, s in enumerate(shape) if i not in dims)


def _expand_back(g, meta, dims, keepdim):
    """Broadcast a reduced gradient back over the reduced `dims` of the input
    (and back to the input's dtype when the reduction ran in another one)."""
    shape, dt = meta
    if g._data.dtype != dt:
        g = g.to(_FROM_NP[dt])
    if not keepdim and dims and g._data.ndim not in (0, len(shape)):  # (expand puts a 0-d g's dims in front)
        g = g.reshape(_keep_shape(shape, dims))
    return g.expand(shape)


def _acc_array(input, dtype):
    """The input array in the dtype a sum/prod accumulates in: `dtype` if
    given, int64 for bool and integer inputs."""
    x = input._data
    if dtype is not None:
        return x.astype(dtype.np)
    if x.dtype.kind in "biu":
        return x.astype(np.int64)
    return x


def _even_grad(g, x, value, dims):
    """Gradient of a reduction that picked `value` (keepdim array) out of x:
    g split evenly among the elements equal to it (NaN matches NaN)."""
    mask = x == value
    if x.dtype.kind == "f":
        xp = g._xp
        mask |= xp.isnan(x) & xp.isnan(value)
    count = mask.sum(axis=dims, keepdims=True)
    return g * wrap((mask / count).astype(x.dtype))


def _float_name(d):
    return _LONG_NAMES.get(d.name, d.name)


_LONG_NAMES = _dtype.SCALAR_NAMES  # PyTorch's dtype names, one table (_dtype.py)


# ----- gather / scatter along a dim (backward of index-picking reductions) --
class GatherBackward0(Node):
    """d(take_along(a, idx)) = g scattered (added) back to the picked positions"""

    def backward(self, g):
        return _scatter(g, self.index, self.dim, self.input_meta[0][0], self.unique)


class ScatterAddBackward0(Node):
    """d(zeros.scatter_add(idx, src)) = g taken along idx"""

    def backward(self, g):
        return _gather(g, self.index, self.dim, self.unique)


def _gather(t, index, dim, unique=True):
    """t's values at `index` (an int64 array) along `dim`, differentiably."""
    res = wrap(t._xp.take_along_axis(t._data, index, dim))
    return attach(res, GatherBackward0, (t,), index=index, dim=dim, unique=unique)


def _scatter(src, index, dim, shape, unique=True):
    """Zeros of `shape` with src added at `index` along `dim`, differentiably.
    `unique`: no position is picked twice (a plain put suffices). The one
    gather/scatter pair of the op files (pooling's windows use it too)."""
    xp = src._xp
    out = xp.zeros(shape, dtype=src._data.dtype)
    if unique:
        xp.put_along_axis(out, index, src._data, dim)
    else:
        _add_along(xp, out, index, dim, src._data)
    return attach(wrap(out), ScatterAddBackward0, (src,), index=index, dim=dim, unique=unique)


def along_key(xp, index, dim):
    """The index tuple addressing a[.., index[i..], ..] along `dim` (aranges elsewhere, over
    index's shape): what gather/scatter and every along-a-dim op of the op files use."""
    grid = list(xp.indices(index.shape, sparse=True))
    grid[dim] = index
    return tuple(grid)


def _add_along(xp, out, index, dim, values):
    """out[.., index[i..], ..] += values[i..] along `dim`, repeated positions summed:
    one bincount over flat positions for real floats (NumPy's add.at is ~10x slower)."""
    grid = along_key(xp, index, dim)
    if out.dtype.kind != "f" or not out.size:
        xp.add.at(out, grid, values)
        return
    stride, flat = 1, 0
    for k in range(out.ndim - 1, -1, -1):
        flat = flat + grid[k] * stride
        stride *= out.shape[k]
    sums = xp.bincount(xp.asarray(flat).ravel(), weights=values.ravel(), minlength=out.size)
    out += sums.reshape(out.shape).astype(out.dtype, copy=False)


# ----- sum, mean ------------------------------------------------------------
class SumBackward0(Node):
    """d(sum(a)) = g broadcast over the summed dims"""

    def backward(self, g):
        return _expand_back(g, self.input_meta[0], self.dims, self.keepdim)


SumBackward1 = type("SumBackward1", (SumBackward0,), {})


@method()
@out_form(dtype="reduce", needs=("dim",))
def sum(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
    if axis is not None or keepdims is not None:
        dim, keepdim = _np_names(dim, keepdim, axis, keepdims)
    x = input._data
    if dtype is not None or x.dtype.kind in "biu":
        x = _acc_array(input, dtype)
    all_dims, dims = (True, _ALL_DIMS[x.ndim]) if dim is None and x.ndim < 8 else _dims(dim, x.ndim)
    xp = input._xp
    s = blas_sum(xp, x, dims, keepdim) if x.size >= _BLAS_MIN else None
    if s is None:
        # NumPy: its add.reduce itself (x.sum is a Python wrapper around it; wrap() makes a scalar 0-d)
        # (keepdims passed only when set: each positional argument costs the ufunc ~0.1 us to parse)
        if xp is not np:
            s = xp.asarray(x.sum(axis=dims, keepdims=keepdim))
        else:
            s = _add_reduce(x, dims, None, None, True) if keepdim else _add_reduce(x, dims)
    res = wrap(s)
    if not input._requires_grad:  # attach's own first test, without building its keywords
        return res
    return attach(res, SumBackward0 if all_dims else SumBackward1, (input,), dims=dims, keepdim=keepdim)


class NansumBackward0(Node):
    """d(nansum(a)) = g where a is not NaN, else 0"""

    def backward(self, g):
        g = _expand_back(g, self.input_meta[0], self.dims, self.keepdim)
        return g * wrap(self.notnan)


@method()
@out_form(dtype="reduce")
def nansum(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
    if axis is not None or keepdims is not None:
        dim, keepdim = _np_names(dim, keepdim, axis, keepdims)
    x = _acc_array(input, dtype)
    _, dims = _dims(dim, x.ndim)
    res = wrap(input._xp.asarray(input._xp.nansum(x, axis=dims, keepdims=keepdim)))
    if res._data.dtype.kind != "f" or not (input._requires_grad and grad_enabled()):
        return res
    notnan = (~input._xp.isnan(input._data)).astype(input._data.dtype)
    return attach(res, NansumBackward0, (input,), dims=dims, keepdim=keepdim, notnan=notnan)


class MeanBackward0(Node):
    """d(mean(a)) = g / n broadcast over the averaged dims"""

    def backward(self, g):
        g = g / self.count if self.count else g  # count 0: the input (and its grad) is empty
        return _expand_back(g, self.input_meta[0], self.dims, self.keepdim)


MeanBackward1 = type("MeanBackward1", (MeanBackward0,), {})


@method()
@out_form()
def mean(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
    if axis is not None or keepdims is not None:
        dim, keepdim = _np_names(dim, keepdim, axis, keepdims)
    d = dtype or input.dtype
    if d.category < 2:
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or "
            f"complex dtype. Got: {_float_name(d)}"
        )
    x = input._data if dtype is None else input._data.astype(dtype.np)
    all_dims, dims = _dims(dim, x.ndim)
    count = 1
    for d_ in dims:
        count *= x.shape[d_]
    s = blas_sum(input._xp, x, dims, keepdim)
    if s is not None:
        res = wrap(s / x.dtype.type(count))
    elif count:
        res = wrap(input._xp.asarray(x.mean(axis=dims, keepdims=keepdim)) if x.ndim else x.copy())
    else:  # the mean of nothing is NaN (without NumPy's warning)
        res = wrap(input._xp.full(_out_shape(x.shape, dims, keepdim), float("nan"), dtype=x.dtype))
    cls = MeanBackward0 if all_dims else MeanBackward1
    return attach(res, cls, (input,), dims=dims, keepdim=keepdim, count=count)


@method()
@out_form()
def nanmean(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
    if axis is not None or keepdims is not None:
        dim, keepdim = _np_names(dim, keepdim, axis, keepdims)
    d = dtype or input.dtype
    if d.category < 2:
        raise RuntimeError(
            f"nanmean(): expected input to have floating point or complex dtype but got {_float_name(d)}"
        )
    _, dims = _dims(dim, input._data.ndim)
    notnan = ~input._xp.isnan(input._data)
    count = wrap(notnan.sum(axis=dims, keepdims=keepdim).astype(d.np))
    return nansum(input, dim, keepdim, dtype=dtype) / count


# ----- prod -----------------------------------------------------------------
class ProdBackward0(Node):
    """d(prod(a))/da_i = g * prod_{j != i} a_j  (= g * prod / a_i without zeros)"""

    def backward(self, g):
        x, res = self.saved_tensors
        meta, dims, keepdim = self.input_meta[0], self.dims, self.keepdim
        g = _expand_back(g, meta, dims, keepdim)
        if res._data.dtype != meta[1]:
            res = res.to(_FROM_NP[meta[1]])
        xd = x._data
        zero = xd == 0
        if not zero.any():
            return g * _expand_back(res, meta, dims, keepdim) / x
        return g * _prod_others(x, zero, dims)


ProdBackward1 = type("ProdBackward1", (ProdBackward0,), {})


def _prod_others(x, zero, dims):
    """prod_{j != i} x_j over `dims` for an x with zeros, written so that its
    own derivative is exact too (double backward): with S the product of the
    non-zero entries and Z the sum of the zero entries (value 0),
      no zero in the slice: S / x_i;   one zero: S at the zero, S/x_i * Z elsewhere;
      two zeros: S * (Z - x_i) at a zero, 0 elsewhere;   more: 0."""
    dt = x._data.dtype
    count = zero.sum(axis=dims, keepdims=True)
    z = wrap(zero.astype(dt))
    nz = wrap((~zero).astype(dt))
    safe = x * nz + z
    s = _prod_keep(safe, dims)
    zs = (x * z).sum(dims, keepdim=True)
    f = (
        wrap((count == 0).astype(dt))
        + wrap((count == 1).astype(dt)) * (z + nz * zs)
        + wrap((count == 2).astype(dt)) * z * (zs - x)
    )
    return s / safe * f


def _prod_keep(t, dims):
    res = wrap(t._xp.asarray(t._data.prod(axis=dims, keepdims=True)))
    return attach(res, ProdBackward1, (t,), (t, res), dims=dims, keepdim=True)


@method()
@out_form(dtype="reduce", needs=("dim",))
def prod(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
    if axis is not None or keepdims is not None:
        dim, keepdim = _np_names(dim, keepdim, axis, keepdims)
    x = _acc_array(input, dtype)
    if dim is None:
        dims, cls = tuple(range(x.ndim)), ProdBackward0
    else:
        if isinstance(dim, (tuple, list)):
            raise TypeError(
                "prod() received an invalid combination of arguments - got (tuple), but "
                "expected one of: (*, torch.dtype dtype = None), (int dim, bool keepdim = "
                "False, *, torch.dtype dtype = None)"
            )
        d = wrap_dim(dim, x.ndim)
        dims, cls = ((d,) if x.ndim else ()), ProdBackward1
    res = wrap(input._xp.asarray(x.prod(axis=dims, keepdims=keepdim)))
    return attach(res, cls, (input,), (input, res), dims=dims, keepdim=keepdim)


# ----- logical reductions ---------------------------------------------------
def _logical(input, dim, keepdim, fn):
    x = input._data
    _, dims = _dims(dim, x.ndim)
    r = input._xp.asarray(fn(x, axis=dims, keepdims=keepdim))
    return wrap(r.astype(np.uint8) if x.dtype == np.uint8 else r)


@method()
@out_form(dtype="bool")
def all(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    if axis is not None or keepdims is not None:
        dim, keepdim = _np_names(dim, keepdim, axis, keepdims)
    return _logical(input, dim, keepdim, input._xp.all)


@method()
@out_form(dtype="bool")
def any(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    if axis is not None or keepdims is not None:
        dim, keepdim = _np_names(dim, keepdim, axis, keepdims)
    return _logical(input, dim, keepdim, input._xp.any)


@method()
def count_nonzero(input, dim=None, *, axis=None):
    if axis is not None:
        dim = axis
    x = input._data
    _, dims = _dims(dim, x.ndim)
    return wrap(input._xp.asarray((x != 0).sum(axis=dims), dtype=np.int64))
