"""Batching rules: NumPy functions that run once on a BatchedArray's whole physical array.

Each rule takes (level, *args, **kwargs) as the NumPy function does and returns the result, or
NotImplemented to fall back to the per-sample loop. Logical axes become physical ones by
adding one (the batch dim is in front); arrays not batched at `level` broadcast (pointwise
calls) or are expanded to the batch (joining calls).
"""

import numpy as np

from ._batched_array import BatchedArray, _make, _aligned, _ndim, _shift_axis, _wrap, _batch_size

_RULES = {}


def _mine(x, level):
    return isinstance(x, BatchedArray) and x.level == level


def rule(*funcs):
    def deco(fn):
        for f in funcs:
            _RULES[f] = fn
        return fn

    return deco


def _reduction(func, axis_none_ok=True):
    def fn(level, a, axis=None, *args, **kwargs):
        if not _mine(a, level) or args or kwargs.get("out") is not None or "where" in kwargs:
            return NotImplemented
        if axis is None and not axis_none_ok:
            return NotImplemented
        kwargs.pop("out", None)
        return _wrap(func(a.phys, _shift_axis(axis, a.ndim), **kwargs), level)

    return fn


for _f in (
    np.sum,
    np.mean,
    np.prod,
    np.max,
    np.min,
    np.amax,
    np.amin,
    np.any,
    np.all,
    np.std,
    np.var,
    np.nansum,
    np.nanmean,
    np.nanmax,
    np.nanmin,
    np.count_nonzero,
):
    _RULES[_f] = _reduction(_f)
for _f in (np.argmax, np.argmin, np.cumsum, np.cumprod, np.sort, np.argsort, np.nanargmax, np.nanargmin):
    _RULES[_f] = _reduction(_f, axis_none_ok=False)


@rule(np.shape)
def _shape(level, a):
    return a.shape if isinstance(a, BatchedArray) else np.shape(a)


@rule(np.ndim)
def _ndim_rule(level, a):
    return _ndim(a)


@rule(np.size)
def _size(level, a, axis=None):
    return a.size if axis is None else a.shape[axis]


def _dtypes(args):
    return [a.dtype if isinstance(a, BatchedArray) else a for a in args]


@rule(np.result_type)
def _result_type(level, *args):
    return np.result_type(*_dtypes(args))


@rule(np.can_cast)
def _can_cast(level, f, t, casting="safe"):
    return np.can_cast(*_dtypes((f, t)), casting=casting)


@rule(np.iscomplexobj)
def _iscomplexobj(level, a):
    return np.iscomplexobj(np.empty(0, a.dtype) if isinstance(a, BatchedArray) else a)


@rule(np.isrealobj)
def _isrealobj(level, a):
    return not _iscomplexobj(level, a)


@rule(np.reshape)
def _reshape(level, a, *args, **kwargs):
    if not _mine(a, level):
        return NotImplemented
    shape = args[0] if args else kwargs.pop("newshape", kwargs.pop("shape", None))
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return a.reshape(shape, **kwargs)


@rule(np.ravel)
def _ravel(level, a, order="C"):
    return a.reshape(-1, order=order) if _mine(a, level) else NotImplemented


@rule(np.transpose)
def _transpose(level, a, axes=None):
    return a.transpose(axes) if _mine(a, level) else NotImplemented


@rule(np.swapaxes)
def _swapaxes(level, a, axis1, axis2):
    return a.swapaxes(axis1, axis2) if _mine(a, level) else NotImplemented


@rule(np.moveaxis)
def _moveaxis(level, a, source, destination):
    if not _mine(a, level):
        return NotImplemented
    n = a.ndim
    return _make(np.moveaxis(a.phys, _shift_axis(source, n), _shift_axis(destination, n)), level)


@rule(np.squeeze)
def _squeeze(level, a, axis=None):
    return a.squeeze(axis) if _mine(a, level) else NotImplemented


@rule(np.expand_dims)
def _expand_dims(level, a, axis):
    if not _mine(a, level):
        return NotImplemented
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    n = a.ndim + len(axes)
    return _make(np.expand_dims(a.phys, tuple(x % n + 1 for x in axes)), level)


@rule(np.broadcast_to)
def _broadcast_to(level, a, shape, subok=False):
    if not _mine(a, level):
        return NotImplemented
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    p = _aligned(a, level, len(shape))
    return _make(np.broadcast_to(p, p.shape[:1] + shape), level)


@rule(np.flip)
def _flip(level, a, axis=None):
    return _make(np.flip(a.phys, _shift_axis(axis, a.ndim)), level) if _mine(a, level) else NotImplemented


@rule(np.tril, np.triu)
def _tri(level, a, k=0):
    return NotImplemented  # replaced below (needs the function)


def _tri_rule(f):
    def fn(level, a, k=0):
        if not _mine(a, level) or a.ndim < 2:
            return NotImplemented
        return _make(f(a.phys, k), level)

    return fn


_RULES[np.tril] = _tri_rule(np.tril)
_RULES[np.triu] = _tri_rule(np.triu)


@rule(np.diagonal)
def _diagonal(level, a, offset=0, axis1=0, axis2=1):
    if not _mine(a, level):
        return NotImplemented
    n = a.ndim
    return _make(np.diagonal(a.phys, offset, axis1 % n + 1, axis2 % n + 1), level)


def _expanded(x, level, B):
    """x as a physical array batched at `level` (an unbatched x is broadcast to the batch)."""
    if _mine(x, level):
        return x.phys
    x = x if hasattr(x, "shape") else np.asarray(x)
    return np.broadcast_to(x, (B,) + tuple(x.shape))


@rule(np.concatenate)
def _concatenate(level, arrays, axis=0, **kwargs):
    if axis is None or kwargs.get("out") is not None:
        return NotImplemented
    kwargs.pop("out", None)
    arrays = list(arrays)
    B = _batch_size(arrays, level)
    n = _ndim(arrays[0])
    return _make(np.concatenate([_expanded(x, level, B) for x in arrays], axis % n + 1, **kwargs), level)


@rule(np.stack)
def _stack(level, arrays, axis=0, **kwargs):
    if kwargs.get("out") is not None:
        return NotImplemented
    kwargs.pop("out", None)
    arrays = list(arrays)
    B = _batch_size(arrays, level)
    n = _ndim(arrays[0]) + 1
    return _make(np.stack([_expanded(x, level, B) for x in arrays], axis % n + 1, **kwargs), level)


@rule(np.split, np.array_split)
def _split(level, a, indices_or_sections, axis=0):
    if not _mine(a, level):
        return NotImplemented
    f = np.array_split if isinstance(indices_or_sections, int) else np.split
    return [_make(p, level) for p in f(a.phys, indices_or_sections, axis % a.ndim + 1)]


@rule(np.where)
def _where(level, *args):
    if len(args) != 3:
        return NotImplemented
    n = max(_ndim(x) for x in args)
    return _make(np.where(*[_aligned(x, level, n) for x in args]), level)


@rule(np.clip)
def _clip(level, a, a_min=None, a_max=None, out=None, **kwargs):
    if out is not None:
        return NotImplemented
    args = [x for x in (a, a_min, a_max)]
    n = max(_ndim(x) for x in args if x is not None)
    al = [None if x is None else _aligned(x, level, n) for x in args]
    return _wrap(np.clip(*al, **kwargs), level)


@rule(np.round, np.around)
def _round(level, a, decimals=0, out=None):
    if out is not None or not _mine(a, level):
        return NotImplemented
    return _make(np.round(a.phys, decimals), level)


@rule(np.copyto)
def _copyto(level, dst, src, casting="same_kind", where=True):
    if where is not True:
        return NotImplemented
    if not _mine(dst, level):
        from ._batched_array import _UNBATCHED_WRITE

        raise RuntimeError(_UNBATCHED_WRITE)
    np.copyto(dst.phys, _aligned(src, level, dst.ndim), casting=casting)


def _like(f):
    def fn(level, a, *args, **kwargs):
        if not _mine(a, level) or kwargs.get("shape") is not None:
            return NotImplemented
        return _make(f(a.phys, *args, **kwargs), level)

    return fn


for _f in (np.zeros_like, np.ones_like, np.empty_like, np.full_like):
    _RULES[_f] = _like(_f)


@rule(np.take_along_axis)
def _take_along_axis(level, arr, indices, axis):
    if axis is None:
        return NotImplemented
    B = _batch_size((arr, indices), level)
    n = _ndim(arr)
    return _make(np.take_along_axis(_expanded(arr, level, B), _expanded(indices, level, B), axis % n + 1), level)


@rule(np.put_along_axis)
def _put_along_axis(level, arr, indices, values, axis):
    if not _mine(arr, level):
        from ._batched_array import _UNBATCHED_WRITE

        raise RuntimeError(_UNBATCHED_WRITE)
    if axis is None:
        return NotImplemented
    B = arr.phys.shape[0]
    n = arr.ndim
    vals = _aligned(values, level, n) if _mine(values, level) else values
    np.put_along_axis(arr.phys, _expanded(indices, level, B), vals, axis % n + 1)


@rule(np.einsum)
def _einsum(level, subscripts, *operands, **kwargs):
    """A fresh index letter for the batch, on every batched operand and on the output."""
    if not isinstance(subscripts, str) or "->" not in subscripts or kwargs.get("out") is not None:
        return NotImplemented
    kwargs.pop("out", None)
    ins, out = subscripts.replace(" ", "").split("->")
    ins = ins.split(",")
    free = next(c for c in "zyxwvutsrqponmlkjihgfedcbaZYXWVUTSRQPONMLKJIHGFEDCBA" if c not in subscripts)
    new_ins, ops = [], []
    for s, x in zip(ins, operands):
        if _mine(x, level):
            new_ins.append(free + s)
            ops.append(x.phys)
        else:
            new_ins.append(s)
            ops.append(x)
    return _make(np.einsum(",".join(new_ins) + "->" + free + out, *ops, **kwargs), level)


@rule(np.vdot)
def _vdot(level, a, b):
    """vdot flattens both operands: the sum of conj(a) * b over every logical axis."""
    if _ndim(a) != _ndim(b):
        return NotImplemented
    prod = np.multiply(np.conjugate(a), b)
    return np.sum(prod, axis=None if not isinstance(prod, BatchedArray) else tuple(range(prod.ndim)))
