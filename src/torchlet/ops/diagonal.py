"""Triangles and diagonals: tril/triu, diagonal (a writable view), diag, trace.

`diagonal` views the input through strides (step = stride1 + stride2), so
writing into it writes the input, as in PyTorch (NumPy's own diagonal is
read-only). Its backward puts the gradient on the diagonal of zeros.
"""

import numpy as np

from ._args import int_arg
from .._device import namespace, writeable
from ._util import Node, attach, inplace, method, view, wrap, wrap_dim

from ._out import out_form

__all__ = ["tril", "triu", "diag", "diagonal", "trace"]

_ALL = slice(None)


def _diag_array(x, offset, d1, d2):
    """A writable strided view of x's diagonal (offset, dims d1, d2) as the last dim."""
    n1, n2 = x.shape[d1], x.shape[d2]
    if offset >= 0:
        length, s1, s2 = max(0, min(n1, n2 - offset)), 0, offset
    else:
        length, s1, s2 = max(0, min(n1 + offset, n2)), -offset, 0
    if length:
        key = [_ALL] * x.ndim
        key[d1], key[d2] = slice(s1, None), slice(s2, None)
        x = x[tuple(key)]
    other = [i for i in range(x.ndim) if i != d1 and i != d2]
    shape = tuple(x.shape[i] for i in other) + (length,)
    strides = tuple(x.strides[i] for i in other) + (x.strides[d1] + x.strides[d2],)
    return namespace(x).lib.stride_tricks.as_strided(x, shape, strides, writeable=writeable(x))


def _dims(input, dim1, dim2):
    n = input._data.ndim
    d1, d2 = wrap_dim(dim1, n), wrap_dim(dim2, n)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return d1, d2


class _DiagScatterBackward(Node):
    """d(zeros with g on a diagonal) = gg's diagonal"""

    def backward(self, gg):
        return diagonal(gg, self.offset, self.dim1, self.dim2)


def _diag_scatter(g, shape, offset, d1, d2):
    """Zeros of `shape` with g written on the (offset, d1, d2) diagonal."""
    z = g._xp.zeros(shape, dtype=g._data.dtype)
    _diag_array(z, offset, d1, d2)[...] = g._data
    return attach(wrap(z), _DiagScatterBackward, (g,), offset=offset, dim1=d1, dim2=d2)


class DiagonalBackward0(Node):
    """d(diagonal(a)) = zeros like a with g on that diagonal"""

    def backward(self, g):
        return _diag_scatter(g, self.input_meta[0][0], self.offset, self.dim1, self.dim2)


DiagonalBackward0_copy = type("DiagonalBackward0_copy", (DiagonalBackward0,), {})


@method()
def diagonal(input, offset=0, dim1=0, dim2=1):
    if type(offset) is not int:
        offset = int_arg(offset, "offset")
    d1, d2 = _dims(input, dim1, dim2)
    arr = _diag_array(input._data, offset, d1, d2)
    return view(input, arr, DiagonalBackward0, lambda b: diagonal(b, offset, d1, d2), offset=offset, dim1=d1, dim2=d2)


class DiagEmbedBackward0(Node):
    """d(diag(v, k)) = g's k-th diagonal"""

    def backward(self, g):
        return diagonal(g, self.offset, 0, 1)


@method()
@out_form(grad="composite", grad_name="aten::diagonal_copy")
def diag(input, diagonal=0):
    if type(diagonal) is not int:
        diagonal = int_arg(diagonal, "diagonal")
    x = input._data
    if x.ndim == 1:
        n = x.shape[0] + abs(diagonal)
        z = input._xp.zeros((n, n), dtype=x.dtype)
        _diag_array(z, diagonal, 0, 1)[...] = x
        return attach(wrap(z), DiagEmbedBackward0, (input,), offset=diagonal)
    if x.ndim != 2:
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {x.ndim}D")
    res = _diag_array(x, diagonal, 0, 1).copy()
    return attach(wrap(res), DiagonalBackward0_copy, (input,), offset=diagonal, dim1=0, dim2=1)


class TraceBackward0(Node):
    """d(trace(a)) = g on a's main diagonal"""

    def backward(self, g):
        shape = self.input_meta[0][0]
        return _diag_scatter(g.expand(min(shape)), shape, 0, 0, 1)


@method()
def trace(input):
    x = input._data
    if x.dtype.kind == "b":
        raise NotImplementedError("\"trace\" not implemented for 'Bool'")
    if x.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {x.ndim}")
    d = _diag_array(x, 0, 0, 1)
    res = d.sum(dtype=np.int64) if x.dtype.kind in "biu" else d.sum()
    return attach(wrap(input._xp.asarray(res)), TraceBackward0, (input,))


class TrilBackward0(Node):
    """d(tril(a, k)) = tril(g, k)"""

    def backward(self, g):
        return tril(g, self.diagonal)


class TriuBackward0(Node):
    """d(triu(a, k)) = triu(g, k)"""

    def backward(self, g):
        return triu(g, self.diagonal)


def _tri(input, k, lower):
    x = input._data
    name = "tril" if lower else "triu"
    if type(k) is not int:
        k = int_arg(k, "diagonal", fn=name)
    if x.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
    res = (input._xp.tril if lower else input._xp.triu)(x, k)
    return attach(wrap(res), TrilBackward0 if lower else TriuBackward0, (input,), diagonal=k)


@method()
@out_form()
def tril(input, diagonal=0):
    return _tri(input, diagonal, True)


@method()
@out_form()
def triu(input, diagonal=0):
    return _tri(input, diagonal, False)


@method()
def tril_(self, diagonal=0):
    return inplace(self, lambda t: tril(t, diagonal))


@method()
def triu_(self, diagonal=0):
    return inplace(self, lambda t: triu(t, diagonal))
