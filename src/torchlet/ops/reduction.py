"""Reductions over dims: sum, mean (the reduction helper extends this file)."""
from .. import _dtype
from ._util import Node, Tensor, attach, dims_of, method, wrap

__all__ = ["sum", "mean"]


def _expand_back(g, meta, dims, keepdim):
    """Broadcast a reduced gradient back over the reduced `dims` of the input."""
    shape = meta[0]
    if not keepdim and dims and g._data.ndim != len(shape):
        kept = list(shape)
        for d in dims:
            kept[d] = 1
        g = g.reshape(kept)
    return g.expand(shape)


class SumBackward0(Node):
    """d(sum(a)) = g broadcast over the summed dims"""

    def backward(self, g):
        return _expand_back(g, self.input_meta[0], self.dims, self.keepdim)


SumBackward1 = type("SumBackward1", (SumBackward0,), {})


@method()
def sum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    x = input._data
    if dtype is not None:
        x = x.astype(dtype.np)
    elif x.dtype.kind in "bi" or x.dtype == "uint8":
        x = x.astype("int64")
    dims = dims_of(dim, x.ndim) if dim is not None and dim != () and dim != [] else None
    res = wrap(x.sum(axis=dims, keepdims=keepdim))
    if dims is None:
        return attach(res, SumBackward0, (input,), dims=tuple(range(x.ndim)), keepdim=keepdim)
    return attach(res, SumBackward1, (input,), dims=dims, keepdim=keepdim)


class MeanBackward0(Node):
    """d(mean(a)) = g / n broadcast over the averaged dims"""

    def backward(self, g):
        return _expand_back(g / self.count, self.input_meta[0], self.dims, self.keepdim)


MeanBackward1 = type("MeanBackward1", (MeanBackward0,), {})


@method()
def mean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    d = dtype or input.dtype
    if d.category < 2:
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or "
            f"complex dtype. Got: {_LONG_NAMES.get(d.name, d.name)}")
    x = input._data if dtype is None else input._data.astype(dtype.np)
    all_dims = dim is None or dim == () or dim == []
    dims = tuple(range(x.ndim)) if all_dims else dims_of(dim, x.ndim)
    res = wrap(x.mean(axis=dims, keepdims=keepdim) if x.ndim else x.copy())
    count = 1
    for d_ in dims:
        count *= x.shape[d_]
    cls = MeanBackward0 if all_dims else MeanBackward1
    return attach(res, cls, (input,), dims=dims, keepdim=keepdim, count=count)


_LONG_NAMES = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
               "bool": "Bool"}
