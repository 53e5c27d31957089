"""Indexing ops that combine or copy along a dim: scatter_reduce (sum, prod,
mean, amax, amin, with or without self's values), index_copy and
take_along_dim.

Positions follow indexing.py's convention: element (i0, .., index[i], .., ik)
along `dim`, with NumPy's unbuffered `ufunc.at` doing repeated positions.
Gradients are PyTorch's (FunctionsManual's scatter_reduce_backward), written
with Tensor ops so they can be differentiated again.
"""

import numpy as np

from ._util import Node, Tensor, attach, inplace, method, wrap, wrap_dim
from ._out import out_form
from .clamp import where
from .indexing import _ALL, _check_along, _index, _pad_to, gather, index_fill, index_select
from .reduction import along_key
from .pointwise_math import _not_for, _type_word

__all__ = ["scatter_reduce", "index_copy", "take_along_dim"]

_REDUCES = ("sum", "prod", "mean", "amax", "amin")
_UFUNC = {"sum": "add", "mean": "add", "prod": "multiply", "amax": "maximum", "amin": "minimum"}


def _identity(reduce, dt):
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    if dt.kind == "b":
        return reduce == "amin"
    if dt.kind in "iu":
        info = np.iinfo(dt)
        return info.min if reduce == "amax" else info.max
    return -np.inf if reduce == "amax" else np.inf


# ----- scatter_reduce ----------------------------------------------------------------
class ScatterReduceBackward0(Node):
    """Gradients of r = scatter_reduce(a, dim, idx, s, reduce), gather/scatter written as G/S:
      sum:  g, G(g)
      mean: g / N, G(g / N)             N = number of values reduced into each position
      prod: g r / a (a = 0: g times the product of the rest), G(g r) / s (a lone zero s: the rest's product)
      amax/amin: g / M where a == r, G(g / M) where s == G(r)   M = number of values equal to r
    and without include_self a's gradient is 0 where anything was scattered."""

    def backward(self, g):
        a, s, r = self.saved_tensors
        d, idx, reduce, keep = self.dim, self.index, self.reduce, self.include_self
        sv = s[tuple(slice(0, n) for n in idx.shape)] if tuple(s.shape) != tuple(idx.shape) else s
        if reduce == "sum":
            ga, gs = g, gather(g, d, idx)
        elif reduce == "mean":
            n = wrap(g._xp.full(g._data.shape, 1 if keep else 0, dtype=g._data.dtype))
            n = n.scatter_add(d, idx, wrap(g._xp.ones(idx._data.shape, dtype=g._data.dtype)))
            n = n.masked_fill(n == 0, 1)
            ga, gs = g / n, gather(g, d, idx) / gather(n, d, idx)
        elif reduce == "prod":
            masked_a = a.masked_fill(a == 0, 1)
            ga = g * scatter_reduce(masked_a, d, idx, sv, "prod", include_self=keep) / masked_a
            s_zero = sv == 0
            zeros = a.new_zeros(a.shape).scatter_add(d, idx, s_zero.to(a.dtype))
            lone = s_zero & (gather(zeros, d, idx) == 1)
            rest = scatter_reduce(a, d, idx, sv.masked_fill(lone, 1), "prod", include_self=keep)
            gs = where(lone, gather(g * rest, d, idx), gather(g * r, d, idx) / sv.masked_fill(s_zero, 1))
        else:
            value = gather(r, d, idx)
            a_is = (a == r).to(g.dtype)
            s_is = (sv == value).to(g.dtype)
            share = g / a_is.scatter_add(d, idx, s_is)
            ga, gs = a_is * share, s_is * gather(share, d, idx)
        if not keep:
            ga = ga.scatter(d, idx, 0)
        return (
            ga if self.needs_input_grad(0) else None,
            _pad_to(gs, self.input_meta[1][0]) if self.needs_input_grad(1) else None,
        )


@method()
@out_form()
def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    if reduce not in _REDUCES:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    x, s = input._data, src._data
    d = wrap_dim(dim, x.ndim)
    idx = _index(index, "scatter_reduce", ("int64", "int32"))
    if idx.ndim != x.ndim and not (idx.ndim <= 1 and x.ndim <= 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    _check_along(x, d, idx, s, "scatter_reduce")
    if s.dtype != x.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    if reduce == "mean" and x.dtype.kind == "b":
        raise _not_for("scatter_gather_tensor_cpu_reduce_mean", x.dtype)
    xp = input._xp
    res = x.copy()
    key = along_key(input._xp, idx, d) if x.ndim else idx
    v = s[tuple(slice(0, n) for n in idx.shape)]
    if not include_self:
        res[key] = _identity(reduce, x.dtype)
    ufunc = getattr(xp, _UFUNC[reduce])
    if x.dtype.kind == "b" and reduce == "sum":
        ufunc = xp.logical_or
    ufunc.at(res, key, v)
    if reduce == "mean":
        count = xp.full(x.shape, 1 if include_self else 0, dtype=np.int64)
        xp.add.at(count, key, 1)
        count[count == 0] = 1
        res = (res // count if x.dtype.kind in "iu" else res / count).astype(x.dtype, copy=False)
    r = wrap(res)
    attach(
        r,
        ScatterReduceBackward0,
        (input, src),
        (input, src, r),
        dim=d,
        index=wrap(idx.astype(np.int64, copy=False)),
        reduce=reduce,
        include_self=include_self,
    )
    return r


@method()
def scatter_reduce_(self, dim, index, src, reduce, *, include_self=True):
    return inplace(self, lambda t, s: scatter_reduce(t, dim, index, s, reduce, include_self=include_self), src)


# ----- index_copy --------------------------------------------------------------------
class IndexCopyBackward0(Node):
    """d index_copy(a, dim, idx, s) = g with zeros at idx, index_select(g, dim, idx)"""

    def backward(self, g):
        ga = index_fill(g, self.dim, self.index, 0) if self.needs_input_grad(0) else None
        gs = None
        if self.needs_input_grad(1):
            gs = index_select(g, self.dim, self.index).reshape(self.input_meta[1][0])
        return ga, gs


@method()
@out_form()
def index_copy(input, dim, index, source):
    """Rows (slices along dim) of source copied to positions index of input."""
    x, s = input._data, source._data
    d = wrap_dim(dim, x.ndim)
    if not isinstance(index, Tensor) or index._data.dtype != np.int64:
        got = _type_word(index._data.dtype) if isinstance(index, Tensor) else type(index).__name__
        raise RuntimeError(f"index_copy_(): Expected a long tensor for index, but got {got}")
    idx = index._data
    if idx.ndim > 1:
        raise IndexError(f"index_copy_(): Index should have dimension 1 or 0 (got {idx.ndim})")
    idx = idx.reshape(-1)
    ns = s.shape[d] if s.ndim else 1
    if idx.size != ns:
        raise IndexError(f"index_copy_(): Number of indices ({idx.size}) should be equal to source.size(dim) ({ns})")
    if s.ndim and x.ndim and (s.shape[:d] + s.shape[d + 1 :]) != (x.shape[:d] + x.shape[d + 1 :]):
        k = next(
            i for i in range(max(x.ndim, s.ndim)) if i != d and (i >= s.ndim or i >= x.ndim or s.shape[i] != x.shape[i])
        )
        raise RuntimeError(
            "index_copy_(): Source/destination tensor must have same slice shapes. "
            f"Destination slice shape: {' '.join(map(str, x.shape[:d] + x.shape[d + 1 :]))} "
            f"at dimension {k} and source slice shape: "
            f"{' '.join(map(str, s.shape[:d] + s.shape[d + 1 :]))} at dimension {k}."
        )
    if s.dtype != x.dtype:
        raise RuntimeError(
            "index_copy_(): self and source expected to have the same dtype, but got (self) "
            f"{_type_word(x.dtype)} and (source) {_type_word(s.dtype)}"
        )
    size = x.shape[d] if x.ndim else 1
    bad = idx[(idx < 0) | (idx >= size)]
    if bad.size:
        raise IndexError(f"index_copy_(): index {int(bad[0])} is out of bounds for dimension {d} with size {size}")
    res = x.copy()
    if x.ndim:
        res[(_ALL,) * d + (idx,)] = s if s.ndim else s.reshape(1)
    elif idx.size:
        res[...] = s.reshape(())
    r = wrap(res)
    attach(r, IndexCopyBackward0, (input, source), dim=d, index=wrap(idx))
    return r


@method()
def index_copy_(self, dim, index, source):
    return inplace(self, lambda t, s: index_copy(t, dim, index, s), source)


# ----- take_along_dim ----------------------------------------------------------------
@method()
@out_form(grad_name="gather")
def take_along_dim(input, indices, dim=None):
    """gather along dim after broadcasting input and indices over the other dims
    (dim=None: over the flattened input)."""
    if dim is None:  # gather's own index check (int32 passes)
        res = gather(input.reshape(-1), 0, indices.reshape(-1))
        return res
    if indices._data.dtype != np.int64:
        raise RuntimeError(
            f"torch.take_along_dim(): dtype of indices should be Long but got {_type_word(indices._data.dtype)}"
        )
    nx, ni = input._data.ndim, indices._data.ndim
    if nx != ni:
        raise RuntimeError(
            "torch.take_along_dim(): input and indices should have the same number of "
            f"dimensions, but got {nx} dimensions for input, and {ni} dimensions for indices"
        )
    from ._util import broadcast_shapes

    d = wrap_dim(dim, nx)
    xs, js = list(input._data.shape), list(indices._data.shape)
    want_i = list(broadcast_shapes(tuple(xs[:d] + [js[d]] + xs[d + 1 :]), tuple(js)))
    want_x = list(broadcast_shapes(tuple(js[:d] + [xs[d]] + js[d + 1 :]), tuple(xs)))
    if xs != want_x:
        input = input.expand(want_x)
    if js != want_i:
        indices = indices.expand(want_i)
    res = gather(input, d, indices)
    return res
