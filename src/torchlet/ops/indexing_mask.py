"""Masks and positions: masked_fill, masked_select, nonzero, argwhere and take. A mask
broadcasts to the input; masked_select and nonzero read the mask's count on the host (the
result's size depends on it)."""

import numpy as np
from . import subscript
from ._util import Node, Tensor, attach, inplace, method, reduce_grad, wrap
from ._out import out_form
from .indexing import _index

__all__ = ["masked_select", "masked_fill", "nonzero", "argwhere", "take"]


# ----- masks --------------------------------------------------------------------
def _mask(mask, op):
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise RuntimeError(
            f"{op} only supports boolean masks, but got mask with dtype {_C_NAMES.get(m.dtype.name, m.dtype.name)}"
        )
    return m


_C_NAMES = {"uint8": "unsigned char", "int64": "long int", "float32": "float", "int32": "int", "float64": "double"}


class MaskedFillBackward0(Node):
    """d(masked_fill(a, m, v)) = g with zeros where m (and, for a tensor v, g's sum where m)"""

    def backward(self, g):
        m = self.mask
        ga = reduce_grad(masked_fill(g, m, 0), self.input_meta[0]) if self.needs_input_grad(0) else None
        if len(self.next_functions) == 1:
            return ga
        gv = None
        if self.needs_input_grad(1):
            gv = reduce_grad(masked_fill(g, wrap(~m._data), 0).sum(), self.input_meta[1])
        return ga, gv


class MaskedFillBackward1(MaskedFillBackward0):
    pass


@method()
def masked_fill(input, mask, value):
    m = _mask(mask, "masked_fill_")
    x = input._data
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(
                "masked_fill_ only supports a 0-dimensional value tensor, but got tensor "
                f"with {value._data.ndim} dimension(s)."
            )
        v = value._data.astype(x.dtype)
    else:
        v = np.array(value).astype(x.dtype)[()] if x.dtype.kind in "biu" else value
    try:
        res = input._xp.where(m, v, x)
    except ValueError:
        _broadcast_error(x.shape, m.shape)
    if res.dtype != x.dtype:
        res = res.astype(x.dtype)
    mt = mask if isinstance(mask, Tensor) else wrap(m)
    if isinstance(value, Tensor):
        return attach(wrap(res), MaskedFillBackward1, (input, value), mask=mt)
    return attach(wrap(res), MaskedFillBackward0, (input,), mask=mt)


def _broadcast_error(a, b):
    from ._util import broadcast_shapes

    broadcast_shapes(a, b)
    raise RuntimeError(f"shapes {list(a)} and {list(b)} cannot be broadcast")  # pragma: no cover


@method()
def masked_fill_(self, mask, value):
    m = _mask(mask, "masked_fill_")
    if m.ndim > self._data.ndim or any(ms not in (1, s) for ms, s in zip(m.shape[::-1], self._data.shape[::-1])):
        from ._util import broadcast_shapes

        shape = broadcast_shapes(self._data.shape, m.shape)
        raise RuntimeError(
            f"output with shape {list(self._data.shape)} doesn't match the broadcast shape {list(shape)}"
        )
    return inplace(self, lambda t, v: masked_fill(t, mask, v), value)


class MaskedSelectBackward0(Node):
    """d(masked_select(a, m)) = zeros of the broadcast shape with g where m, summed to a"""

    def backward(self, g):
        m = self.mask
        z = subscript._scatter_zeros(g, (m.shape, g._data.dtype), (m,), False)
        return reduce_grad(z, self.input_meta[0])


@method()
@out_form()
def masked_select(input, mask):
    m = _mask(mask, "masked_select:")
    x = input._data
    if m.shape != x.shape:
        from ._util import broadcast_shapes

        shape = broadcast_shapes(x.shape, m.shape)
        x, m = input._xp.broadcast_to(x, shape), input._xp.broadcast_to(m, shape)
    return attach(wrap(x[m]), MaskedSelectBackward0, (input,), mask=m)


# ----- nonzero / take -------------------------------------------------------------
@method()
@out_form(dtype="exact")
def nonzero(input, *, as_tuple=False):
    x = input._data
    xp = input._xp
    if as_tuple:
        if x.ndim == 0:
            return (wrap(xp.zeros(int(bool(x)), dtype=np.int64)),)
        return tuple(wrap(i.astype(np.int64, copy=False)) for i in xp.nonzero(x))
    if x.ndim == 0:
        return wrap(xp.zeros((int(bool(x)), 0), dtype=np.int64))
    return wrap(xp.argwhere(x).astype(np.int64, copy=False))


@method()
def argwhere(input):
    return nonzero(input)


class TakeBackward0(Node):
    """d(take(a, idx)) = zeros like a (flat), g added at idx"""

    def backward(self, g):
        shape, dt = self.input_meta[0]
        n = int(np.prod(shape))
        flat = subscript._scatter_zeros(g.reshape(-1), ((n,), g._data.dtype), (self.index,), True)
        return flat.reshape(shape)


@method()
@out_form()
def take(input, index):
    idx = _index(index, "take", ("int64",))
    x = input._data
    n = x.size
    if idx.size and (int(idx.max()) >= n or int(idx.min()) < -n):
        bad = int(idx.max()) if int(idx.max()) >= n else int(idx.min())
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} elements.")
    return attach(
        wrap(x.reshape(-1)[idx.reshape(-1)].reshape(idx.shape)), TakeBackward0, (input,), index=idx.reshape(-1)
    )
