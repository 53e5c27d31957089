"""Joining, splitting and repeating: cat/stack (+ h/v/dstack), split/chunk/
unbind/tensor_split (views), flip/roll, repeat/tile/repeat_interleave, and
broadcasting helpers (broadcast_to/tensors/shapes, meshgrid).

split/chunk/unbind return views of their input made by one multi-output
node (SplitBackward0 / UnbindBackward0): its backward joins the outputs'
gradients (zeros for outputs that got none) with cat / stack.
"""

import numpy as np

from .. import _dtype
from . import _block_cache
from .._tensor import _view_of
from ._args import int_arg
from ._util import Node, Tensor, attach, method, wrap, wrap_dim, dims_of, broadcast_shapes
from ._out import out_form
from .indexing import narrow, select
from .view import reshape

__all__ = [
    "cat",
    "concat",
    "concatenate",
    "stack",
    "hstack",
    "vstack",
    "dstack",
    "split",
    "chunk",
    "unbind",
    "tensor_split",
    "flip",
    "fliplr",
    "flipud",
    "roll",
    "broadcast_shapes",
]

_ALL = slice(None)


# ----- cat / stack ------------------------------------------------------------
class CatBackward0(Node):
    """d(cat(a_i, dim)) = the slice of g each a_i occupies along dim"""

    def backward(self, g):
        out, start = [], 0
        for meta in self.input_meta:
            shape = meta[0]
            if len(shape) == 1 and shape[0] == 0 and g._data.ndim != 1:
                out.append(wrap(g._xp.zeros(shape, dtype=g._data.dtype)))  # skipped input
                continue
            n = shape[self.dim]
            out.append(narrow(g, self.dim, start, n))
            start += n
        return tuple(out)


def _result_dtype(tensors):
    d = tensors[0].dtype
    for t in tensors[1:]:
        if t.dtype is not d:
            d = _dtype.promote_types(d, t.dtype)
    return d


@out_form(dtype="cat")
def cat(tensors, dim=0):
    tensors = list(tensors)
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    used, arrays, dt = [], [], None
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
        a = t._data
        if a.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
        dt = a.dtype if dt is None else _promote_np(dt, a.dtype)
        if not (a.ndim == 1 and a.shape[0] == 0):  # legacy: empty 1-D tensors are skipped
            used.append(i)
            arrays.append(a)
    if not arrays:
        used, arrays = [0], [tensors[0]._data]
    ref = arrays[0].shape
    d = wrap_dim(dim, len(ref))
    rest = ref[:d] + ref[d + 1 :]
    for i, a in zip(used, arrays):
        if a.shape[:d] + a.shape[d + 1 :] != rest:
            _cat_mismatch(ref, a.shape, d, i)
    if any(a.dtype != dt for a in arrays):
        arrays = [a.astype(dt) for a in arrays]
    res = wrap(_concatenate(tensors[used[0]]._xp, arrays, d) if len(arrays) > 1 else arrays[0].copy())
    return attach(res, CatBackward0, tuple(tensors), dim=d)


def _concatenate(xp, arrays, d):
    """xp.concatenate(arrays, axis=d); C-contiguous NumPy arrays into a block of _block_cache."""
    first = arrays[0]
    if xp is not np or not _block_cache.large(first) or not all(a.flags.c_contiguous for a in arrays):
        return xp.concatenate(arrays, axis=d)
    shape = list(first.shape)
    shape[d] = sum(a.shape[d] for a in arrays)
    return np.concatenate(arrays, axis=d, out=_block_cache.empty(tuple(shape), first.dtype))


def _promote_np(a, b):
    if a == b:
        return a
    return _dtype.promote_types(_dtype._FROM_NP[a], _dtype._FROM_NP[b]).np


def _cat_mismatch(ref, shape, d, i):
    if len(shape) != len(ref):
        raise RuntimeError(f"Tensors must have same number of dimensions: got {len(ref)} and {len(shape)}")
    for k in range(len(ref)):
        if k != d and shape[k] != ref[k]:
            raise RuntimeError(
                f"Sizes of tensors must match except in dimension {d}. Expected size "
                f"{ref[k]} but got size {shape[k]} for tensor number {i} in the list."
            )


concat = concatenate = cat


class StackBackward0(Node):
    """d(stack(a_i, dim)) = g selected at i along dim"""

    def backward(self, g):
        return tuple(select(g, self.dim, i) for i in range(len(self.input_meta)))


@out_form(dtype="cat")
def stack(tensors, dim=0):
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    s0 = tensors[0]._data.shape
    for i, t in enumerate(tensors):
        if t._data.shape != s0:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(s0)} at entry 0 "
                f"and {list(t._data.shape)} at entry {i}"
            )
    d = wrap_dim(dim, len(s0) + 1)
    dt = _result_dtype(tensors)
    xp = tensors[0]._xp
    res = wrap(xp.stack([t._data.astype(dt.np, copy=False) for t in tensors], axis=d))
    return attach(res, StackBackward0, tuple(tensors), dim=d)


def _atleast(t, n):
    shape = t._data.shape
    if len(shape) >= n:
        return t
    if n == 1:
        return reshape(t, (1,))
    if n == 2:
        return reshape(t, (1,) * (2 - len(shape)) + shape)
    return reshape(t, {0: (1, 1, 1), 1: (1,) + shape + (1,), 2: shape + (1,)}[len(shape)])


@out_form(dtype="cat", grad_name="cat")
def hstack(tensors):
    ts = [_atleast(t, 1) for t in tensors]
    return cat(ts, 0 if ts and ts[0]._data.ndim == 1 else 1)


@out_form(dtype="cat", grad_name="cat")
def vstack(tensors):
    return cat([_atleast(t, 2) for t in tensors], 0)


@out_form(dtype="cat", grad_name="cat")
def dstack(tensors):
    return cat([_atleast(t, 3) for t in tensors], 2)


# ----- split / chunk / unbind (views) -------------------------------------------
class SplitBackward0(Node):
    """d(split(a)) = cat of the outputs' gradients (zeros where none came)"""

    def backward(self, *grads):
        return cat(list(grads), self.dim)


class SplitWithSizesBackward0(SplitBackward0):
    pass


class UnbindBackward0(Node):
    """d(unbind(a, dim)) = stack of the outputs' gradients (zeros where none came)"""

    def backward(self, *grads):
        return stack(list(grads), self.dim)


def _multi_view(input, arrays, view_fns, node_cls, **attrs):
    outs = tuple(_view_of(input, a, f) for a, f in zip(arrays, view_fns))
    attach(outs, node_cls, (input,), **attrs)
    node = outs[0]._grad_fn if outs else None
    if node is not None:
        node.n_outputs = len(outs)
        node._outputs_meta = [(a.shape, input.dtype) for a in arrays]
    return outs


def _pieces(input, d, sizes, node_cls):
    x = input._data
    arrays, fns, start = [], [], 0
    for n in sizes:
        key = (_ALL,) * d + (slice(start, start + n), Ellipsis)
        arrays.append(x[key])
        fns.append(lambda b, s=start, n=n: narrow(b, d, s, n))
        start += n
    return _multi_view(input, arrays, fns, node_cls, dim=d)


@method()
def split(tensor, split_size_or_sections, dim=0):
    x = tensor._data
    d = wrap_dim(dim, x.ndim)
    size = x.shape[d]
    if isinstance(split_size_or_sections, int):
        s = split_size_or_sections
        if s < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got split_size={s}")
        if s == 0:
            if size != 0:
                raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {size}")
            return _pieces(tensor, d, [0], SplitBackward0)
        sizes = [s] * (size // s) + ([size % s] if size % s else [])
        return _pieces(tensor, d, sizes or [0], SplitBackward0)
    if isinstance(split_size_or_sections, Tensor) and split_size_or_sections._data.ndim == 0:
        return split(tensor, int(split_size_or_sections.item()), d)  # Tensor.split reads .item()
    if not isinstance(split_size_or_sections, (tuple, list, Tensor)):
        return split(tensor, int_arg(split_size_or_sections, "split_size", fn="split"), d)
    sizes = [int_arg(s, "split_sizes", "tuple of ints", "split_with_sizes") for s in split_size_or_sections]
    if sum(sizes) != size or any(s < 0 for s in sizes):
        raise RuntimeError(
            f"split_with_sizes expects split_sizes to sum exactly to {size} (input tensor's "
            f"size at dimension {d}), but got split_sizes={sizes}"
        )
    return _pieces(tensor, d, sizes, SplitWithSizesBackward0)


@method()
def chunk(input, chunks, dim=0):
    if type(chunks) is not int:
        chunks = int_arg(chunks, "chunks", fn="chunk", pos=1)
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = wrap_dim(dim, input._data.ndim)
    size = input._data.shape[d]
    step = -(-size // chunks)
    if step == 0:
        return _pieces(input, d, [0] * chunks, SplitBackward0)
    return split(input, step, d)


@method()
def unbind(input, dim=0):
    x = input._data
    if x.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    d = wrap_dim(dim, x.ndim)
    n = x.shape[d]
    arrays = [x[(_ALL,) * d + (i, Ellipsis)] for i in range(n)]
    fns = [lambda b, i=i: select(b, d, i) for i in range(n)]
    return _multi_view(input, arrays, fns, UnbindBackward0, dim=d)


@method()
def tensor_split(input, indices_or_sections, dim=0):
    d = wrap_dim(dim, input._data.ndim)
    size = input._data.shape[d]
    ios = indices_or_sections
    if isinstance(ios, Tensor):
        ios = ios.tolist()
    if isinstance(ios, int):
        if ios <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {ios}")
        q, r = divmod(size, ios)
        bounds = [0]
        for i in range(ios):
            bounds.append(bounds[-1] + q + (1 if i < r else 0))
    else:
        bounds = [0] + [min(max(int(i) if i >= 0 else int(i) + size, 0), size) for i in ios] + [size]
    return tuple(
        narrow(input, d, a, max(b - a, 0)) if b > a else narrow(input, d, min(a, size), 0)
        for a, b in zip(bounds[:-1], bounds[1:])
    )


# ----- flip / roll -------------------------------------------------------------
class FlipBackward0(Node):
    """d(flip(a, dims)) = flip(g, dims)"""

    def backward(self, g):
        return flip(g, self.dims)


@method()
def flip(input, *dims):
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = dims[0]
    x = input._data
    ds = dims_of(tuple(dims), x.ndim) if x.ndim else ()
    res = input._xp.flip(x, axis=ds).copy() if ds else x.copy()
    return attach(wrap(res), FlipBackward0, (input,), dims=ds)


@method()
def fliplr(input):
    if input._data.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, (1,))


@method()
def flipud(input):
    if input._data.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, (0,))


class RollBackward0(Node):
    """d(roll(a, s, dims)) = roll(g, -s, dims)"""

    def backward(self, g):
        return roll(g, tuple(-s for s in self.shifts), self.dims)


@method()
def roll(input, shifts, dims=None):
    x = input._data
    shifts = (
        (shifts,)
        if type(shifts) is int
        else tuple(int_arg(s, "shifts", "tuple of ints", "roll") for s in shifts)
        if isinstance(shifts, (tuple, list))
        else (int_arg(shifts, "shifts", "tuple of ints", "roll"),)
    )
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:0")
        res = input._xp.roll(x.reshape(-1), shifts[0]).reshape(x.shape)
        return attach(wrap(res), RollBackward0, (input,), shifts=shifts, dims=None)
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    dims = tuple(wrap_dim(d, x.ndim) for d in dims)
    res = input._xp.roll(x, shifts, axis=dims)
    return attach(wrap(res), RollBackward0, (input,), shifts=shifts, dims=dims)
