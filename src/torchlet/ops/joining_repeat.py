"""repeat, tile and repeat_interleave: copies of the input along dims (RepeatBackward0 sums
the copies back), and the broadcasting ops broadcast_to, broadcast_tensors and meshgrid."""

import numpy as np
from .._device import host
from ._args import int_arg
from ._table import methods
from ._util import Node, Tensor, attach, method, wrap, wrap_dim, broadcast_shapes
from .indexing import index_select
from .view import expand, reshape

__all__ = ["tile", "repeat_interleave", "broadcast_to", "broadcast_tensors", "meshgrid"]


# ----- repeat / tile / repeat_interleave -------------------------------------------
class RepeatBackward0(Node):
    """d(repeat(a, r)) = g viewed as (r0, s0, r1, s1, ..) summed over the r's"""

    def backward(self, g):
        shape = self.input_meta[0][0]
        reps = self.repeats
        padded = (1,) * (len(reps) - len(shape)) + tuple(shape)
        split_shape = []
        for r, s in zip(reps, padded):
            split_shape += [r, s]
        g = g.reshape(split_shape).sum(tuple(range(0, 2 * len(reps), 2)))
        return g.reshape(shape)


def repeat(self, *sizes):
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = tuple(sizes[0])
    sizes = tuple(s if type(s) is int else int_arg(s, "repeats", "tuple of ints", "repeat") for s in sizes)
    x = self._data
    if len(sizes) < x.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor")
    if any(s < 0 for s in sizes):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(sizes)}: {list(sizes)}")
    src = x.reshape((1,) * (len(sizes) - x.ndim) + x.shape)
    res = self._xp.tile(src, sizes)
    return attach(wrap(res), RepeatBackward0, (self,), repeats=sizes)


methods.repeat = repeat


@method()
def tile(input, dims):
    dims = (
        tuple(int_arg(s, "dims", "tuple of ints", "tile") for s in dims)
        if isinstance(dims, (tuple, list))
        else (int_arg(dims, "dims", "tuple of ints", "tile"),)
    )
    n = input._data.ndim
    if len(dims) < n:
        dims = (1,) * (n - len(dims)) + dims
    return repeat(input, dims)


_INT_WORDS = {
    "float32": "Float",
    "float64": "Double",
    "float16": "Half",
    "bfloat16": "BFloat16",
    "bool": "Bool",
    "complex64": "ComplexFloat",
    "complex128": "ComplexDouble",
}


def _check_repeats(r, vector=False):
    """A repeats tensor: integer, 0-d or 1-d (1-d only when it is the whole input), >= 0."""
    if vector and r.ndim != 1:
        raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
    if r.ndim > 1:
        raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
    if r.dtype.kind not in "iu":
        name = getattr(r.dtype, "name", str(r.dtype))
        raise NotImplementedError(f"\"repeat_interleave_cpu\" not implemented for '{_INT_WORDS.get(name, name)}'")
    if r.size and int(r.min()) < 0:
        raise RuntimeError("repeats can not be negative")


@method()
def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    if repeats is None:  # repeat_interleave(repeats): indices repeated
        r = input._data
        _check_repeats(r, vector=True)
        counts = host(r).tolist()  # repeat counts are geometry: CuPy's repeat takes a list
        return wrap(input._xp.repeat(input._xp.arange(r.shape[0], dtype=np.int64), counts))
    if dim is None:
        input = reshape(input, (-1,))
        d = 0
    else:
        d = wrap_dim(dim, input._data.ndim)
    x = input._data
    n = x.shape[d] if x.ndim else 1
    if isinstance(repeats, Tensor):
        r = host(repeats._data)  # checked on the host (the result's size depends on it)
        _check_repeats(r)
        if r.ndim == 1 and r.shape[0] != n and r.shape[0] != 1:
            raise RuntimeError(
                f"repeats must have the same size as input along dim, but got "
                f"repeats.size(0) = {r.shape[0]} and input.size(0) = {n}"
            )
        r = r.reshape(-1).tolist() if r.size != 1 else int(r.reshape(()))  # CuPy's repeat takes a list
    else:
        r = repeats if type(repeats) is int else int_arg(repeats, "repeats", fn="repeat_interleave")
        if r < 0:
            raise RuntimeError("repeats can not be negative")
    xp = input._xp
    idx = xp.repeat(xp.arange(n, dtype=np.int64), r)
    if x.ndim == 0:
        input = reshape(input, (1,))
    return index_select(input, d, wrap(idx))


# ----- broadcasting ---------------------------------------------------------------
@method()
def broadcast_to(input, size):
    return expand(input, tuple(size))


def broadcast_tensors(*tensors):
    if len(tensors) == 1 and isinstance(tensors[0], (tuple, list)):
        tensors = tuple(tensors[0])
    shape = tuple(broadcast_shapes(*(t._data.shape for t in tensors)))
    return tuple(expand(t, shape) for t in tensors)


def meshgrid(*tensors, indexing=None):
    if len(tensors) == 1 and isinstance(tensors[0], (tuple, list)):
        tensors = tuple(tensors[0])
    if indexing is None:
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}')
    for t in tensors:
        if t._data.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {t}")
    sizes = [t._data.size for t in tensors]
    pos = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) >= 2:
        pos[0], pos[1] = 1, 0
        sizes[0], sizes[1] = sizes[1], sizes[0]
    out = []
    for t, p in zip(tensors, pos):
        shape = [1] * len(sizes)
        shape[p] = -1
        out.append(expand(reshape(t, shape), sizes))
    return tuple(out)
