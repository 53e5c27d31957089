"""Indexing ops: gather/scatter, index_select/index_add/index_fill, narrow/select. (Masks,
nonzero and take live in indexing_mask.py, subscripting `x[key]` in subscript.py,
triangles and diagonals in diagonal.py.)

Along-a-dim ops address element (i0, .., index[i], .., ik) of the input: the
index array on `dim` plus broadcast aranges on the other dims, so NumPy's
fancy indexing (and `add.at` where positions can repeat) does the work.
"""

import numpy as np

from . import subscript
from ._args import int_arg
from ._util import Node, Tensor, attach, inplace, method, reduce_grad, wrap, wrap_dim

from ._out import out_form
from .reduction import along_key

__all__ = ["gather", "scatter", "scatter_add", "index_select", "index_fill", "index_add", "narrow", "select"]

_ALL = slice(None)


def _index(index, op, dtypes=("int64",)):
    a = index._data if isinstance(index, Tensor) else np.asarray(index)
    if a.dtype.name not in dtypes:
        raise RuntimeError(f"{op}(): Expected dtype {' or '.join(dtypes)} for index")
    return a


def _bounds(idx, size, dim, negative_ok=False):
    if idx.size:
        lo, hi = int(idx.min()), int(idx.max())
        if hi >= size:
            raise RuntimeError(f"index {hi} is out of bounds for dimension {dim} with size {size}")
        if lo < (-size if negative_ok else 0):
            raise RuntimeError(f"index {lo} is out of bounds for dimension {dim} with size {size}")


def _check_along(x, dim, idx, src=None, op="gather"):
    if idx.ndim != x.ndim and not (idx.ndim <= 1 and x.ndim <= 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    for d in range(idx.ndim):
        if d != dim and idx.shape[d] > x.shape[d] or (src is not None and idx.shape[d] > src.shape[d]):
            if src is None:
                raise RuntimeError(
                    f"Size does not match at dimension {d} expected index "
                    f"{list(idx.shape)} to be no larger than self {list(x.shape)} apart "
                    f"from dimension {dim}"
                )
            raise RuntimeError(
                f"Expected index {list(idx.shape)} to be no larger than self "
                f"{list(x.shape)} apart from dimension {dim} and to be no larger size "
                f"than src {list(src.shape)}"
            )
    _bounds(idx, x.shape[dim] if x.ndim else 1, dim)


# ----- gather / scatter -----------------------------------------------------
class GatherBackward0(Node):
    """d(gather(a, dim, idx)) = zeros like a, g added at idx along dim"""

    def backward(self, g):
        z = wrap(g._xp.zeros(self.input_meta[0][0], dtype=g._data.dtype))
        return scatter_add(z, self.dim, self.index, g)


@method()
@out_form()
def gather(input, dim, index, *, sparse_grad=False):
    x = input._data
    d = wrap_dim(dim, x.ndim)
    idx = _index(index, "gather", ("int64", "int32"))
    _check_along(x, d, idx)
    if x.ndim == 0:
        res = x[idx].copy() if idx.ndim == 0 else x.reshape(1)[idx]
    else:
        res = x[along_key(input._xp, idx, d)]
    return attach(wrap(res), GatherBackward0, (input,), dim=d, index=wrap(idx.astype(np.int64, copy=False)))


class ScatterBackward0(Node):
    """d(scatter(a, dim, idx, src)) = g with zeros at idx, gather(g, dim, idx)"""

    def backward(self, g):
        ga = scatter(g, self.dim, self.index, 0) if self.needs_input_grad(0) else None
        gs = None
        if self.input_meta[1] is not None and self.needs_input_grad(1):
            gs = _pad_to(gather(g, self.dim, self.index), self.input_meta[1][0])
        return ga, gs


class ScatterBackward1(ScatterBackward0):
    """d(scatter(a, dim, idx, value)) = g with zeros at idx"""


class ScatterAddBackward0(Node):
    """d(scatter_add(a, dim, idx, src)) = g, gather(g, dim, idx)"""

    def backward(self, g):
        gs = _pad_to(gather(g, self.dim, self.index), self.input_meta[1][0]) if self.needs_input_grad(1) else None
        return g, gs


class _ScatterReduceBackward(Node):
    def backward(self, g):
        raise RuntimeError("the derivative for 'scatter' with a `reduce` argument is not implemented")


def _pad_to(g, shape):
    """A gradient for src of index's shape, zero-padded to src's (larger) shape."""
    if tuple(g.shape) == tuple(shape):
        return g
    key = tuple(slice(0, s) for s in g.shape) + (Ellipsis,)
    return subscript._scatter_zeros(g, (shape, g._data.dtype), key, False)


def _scatter_impl(input, dim, index, src, op, reduce=None, add=False):
    x = input._data
    d = wrap_dim(dim, x.ndim)
    idx = _index(index, op)
    is_t = isinstance(src, Tensor)
    _check_along(x, d, idx, src._data if is_t else None, op)
    xp = input._xp
    out = x.copy()
    key = along_key(xp, idx, d) if x.ndim else idx
    v = src._data[tuple(slice(0, s) for s in idx.shape)] if is_t else src
    if is_t and v.dtype != x.dtype:
        raise RuntimeError(f"{op}(): Expected self.dtype to be equal to src.dtype")
    if add or reduce == "add":  # in index order, in the dtype: PyTorch's sums, bit for bit
        xp.add.at(out, key, v)
    elif reduce == "multiply":
        xp.multiply.at(out, key, v)
    elif reduce is not None:
        raise RuntimeError(f"reduce argument must be either add or multiply. Got {reduce}")
    else:
        out[key] = v
    res = wrap(out)
    srcs = (input, src if is_t else None)
    if reduce is not None:
        return attach(res, _ScatterReduceBackward, srcs)
    cls = ScatterAddBackward0 if add else (ScatterBackward0 if is_t else ScatterBackward1)
    return attach(res, cls, srcs, dim=d, index=wrap(idx))


@method()
@out_form()
def scatter(input, dim, index, src=None, *, value=None, reduce=None):
    if src is None:
        src = value
    return _scatter_impl(input, dim, index, src, "scatter", reduce)


@method()
@out_form()
def scatter_add(input, dim, index, src):
    return _scatter_impl(input, dim, index, src, "scatter_add", add=True)


@method()
def scatter_(self, dim, index, src=None, *, value=None, reduce=None):
    return inplace(self, lambda t, s: scatter(t, dim, index, s, value=value, reduce=reduce), src)


@method()
def scatter_add_(self, dim, index, src):
    return inplace(self, lambda t, s: scatter_add(t, dim, index, s), src)


# ----- index_select / index_add / index_fill ------------------------------------
def _vector_index(index, op):
    idx = _index(index, op, ("int64", "int32"))
    if idx.ndim > 1:
        raise IndexError(f"{op}(): Index is supposed to be a vector")
    return idx.reshape(-1)


class IndexSelectBackward0(Node):
    """d(index_select(a, dim, idx)) = zeros like a, g added at idx along dim"""

    def backward(self, g):
        z = wrap(g._xp.zeros(self.input_meta[0][0], dtype=g._data.dtype))
        return index_add(z, self.dim, self.index, g)


@method()
@out_form()
def index_select(input, dim, index):
    x = input._data
    d = wrap_dim(dim, x.ndim)
    idx = _vector_index(index, "index_select")
    size = x.shape[d] if x.ndim else 1
    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= size):
        raise IndexError("index out of range in self")
    res = input._xp.take(x, idx, axis=d) if x.ndim else x.reshape(1)[idx].reshape(())
    return attach(wrap(res), IndexSelectBackward0, (input,), dim=d, index=wrap(idx))


class IndexAddBackward0(Node):
    """d(index_add(a, dim, idx, s, alpha)) = g, alpha * index_select(g, dim, idx)"""

    def backward(self, g):
        gs = None
        if self.needs_input_grad(1):
            gs = index_select(g, self.dim, self.index)
            if self.alpha != 1:
                gs = gs * self.alpha
            gs = gs.reshape(self.input_meta[1][0])
        return g, gs


@method()
def index_add(input, dim, index, source, *, alpha=1):
    x = input._data
    d = wrap_dim(dim, x.ndim)
    idx = _vector_index(index, "index_add")
    s = source._data
    ns = s.shape[d] if s.ndim else 1
    if idx.size != ns:
        raise RuntimeError(
            f"index_add_(): Number of indices ({idx.size}) should be equal to source.size(dim): ({ns}), for dim: {d}"
        )
    if x.ndim == 1 and idx.size and (int(idx.max()) >= x.shape[0] or int(idx.min()) < 0):
        raise IndexError("index out of range in self")  # PyTorch's 1-d kernel checks as index_select
    _bounds(idx, x.shape[d] if x.ndim else 1, d)
    out = x.copy()
    v = s if alpha == 1 else s * alpha
    if x.ndim:
        input._xp.add.at(out, (_ALL,) * d + (idx,), v.astype(x.dtype, copy=False))
    else:
        out += v.sum().astype(x.dtype)
    return attach(wrap(out), IndexAddBackward0, (input, source), dim=d, index=wrap(idx), alpha=alpha)


@method()
def index_add_(self, dim, index, source, *, alpha=1):
    return inplace(self, lambda t, s: index_add(t, dim, index, s, alpha=alpha), source)


class IndexFillBackward0(Node):
    """d(index_fill(a, dim, idx, v)) = g with zeros at idx (and, for a tensor v, their sum)"""

    def backward(self, g):
        ga = index_fill(g, self.dim, self.index, 0) if self.needs_input_grad(0) else None
        gv = None
        if len(self.next_functions) > 1 and self.needs_input_grad(1):
            gv = reduce_grad(index_select(g, self.dim, self.index).sum(), self.input_meta[1])
        return (ga, gv) if len(self.next_functions) > 1 else ga


class IndexFillBackward1(IndexFillBackward0):
    pass


@method()
def index_fill(input, dim, index, value):
    x = input._data
    d = wrap_dim(dim, x.ndim)
    idx = _vector_index(index, "index_fill")
    size = x.shape[d] if x.ndim else 1
    if idx.size and (int(idx.max()) >= size or int(idx.min()) < -size):
        bad = int(idx.max()) if int(idx.max()) >= size else int(idx.min())
        raise IndexError(f"index {bad} is out of bounds for dimension {d} with size {size}")
    out = x.copy()
    v = value._data if isinstance(value, Tensor) else value
    if x.ndim:
        out[(_ALL,) * d + (idx,)] = v
    elif idx.size:
        out[...] = v
    res = wrap(out)
    if isinstance(value, Tensor):
        return attach(res, IndexFillBackward1, (input, value), dim=d, index=wrap(idx))
    return attach(res, IndexFillBackward0, (input,), dim=d, index=wrap(idx))


@method()
def index_fill_(self, dim, index, value):
    return inplace(self, lambda t, v: index_fill(t, dim, index, v), value)


# ----- narrow / select (views) ----------------------------------------------------
@method()
def narrow(input, dim, start, length):
    n = input._data.ndim
    d = wrap_dim(dim, n)
    size = input._data.shape[d]
    start = start if type(start) is int else int_arg(start, "start", fn="narrow")
    if type(length) is not int:
        length = int_arg(length, "length", fn="narrow")
    if not -size <= start <= size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], but got {start})")
    if start < 0:
        start += size
    if start + length > size or length < 0:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    key = (_ALL,) * d + (slice(start, start + length), Ellipsis)
    return subscript._basic(input, key, subscript.SliceBackward0)


@method()
def select(input, dim, index):
    shape = input._data.shape
    d = wrap_dim(dim, len(shape))
    index = int(index)
    if not -shape[d] <= index < shape[d]:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(shape)} at dimension {d}")
    return subscript._basic(input, (_ALL,) * d + (index, Ellipsis), subscript.SelectBackward0)
