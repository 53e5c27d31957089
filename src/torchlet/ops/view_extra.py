"""Shape ops beyond view.py: atleast_1d/2d/3d, Tensor.unfold (sliding
windows as a strided view of the input's memory) and diag_embed."""

from ._args import int_arg
from .._device import writeable
from ._util import Node, Tensor, attach, method, view, wrap, wrap_dim

__all__ = ["atleast_1d", "atleast_2d", "atleast_3d", "diag_embed"]


# ----- atleast_nd --------------------------------------------------------------------
def _atleast(name, fix, tensors):
    if len(tensors) == 1:
        t = tensors[0]
        if isinstance(t, Tensor):
            return fix(t)
        if isinstance(t, (list, tuple)):
            tensors = tuple(t)
        else:
            raise TypeError(
                f"{name}() received an invalid combination of arguments - got "
                f"({type(t).__name__}), but expected one of:\n * (Tensor input)\n"
                " * (tuple of Tensors tensors)"
            )
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}(): argument 'tensors' must be tuple of Tensors, not {type(t).__name__}")
    return tuple(fix(t) for t in tensors)


def _fix1(t):
    return t.reshape(1) if t._data.ndim == 0 else t


def _fix2(t):
    n = t._data.ndim
    return t.reshape(1, 1) if n == 0 else t.unsqueeze(0) if n == 1 else t


def _fix3(t):
    n = t._data.ndim
    if n == 0:
        return t.reshape(1, 1, 1)
    if n == 1:
        return t.unsqueeze(0).unsqueeze(-1)
    return t.unsqueeze(-1) if n == 2 else t


def atleast_1d(*tensors):
    """Each input with at least one dim (0-d -> [1]); a views of its input."""
    return _atleast("atleast_1d", _fix1, tensors)


def atleast_2d(*tensors):
    """Each input with at least two dims (0-d -> [1, 1], [n] -> [1, n])."""
    return _atleast("atleast_2d", _fix2, tensors)


def atleast_3d(*tensors):
    """Each input with at least three dims (0-d -> [1, 1, 1], [n] -> [1, n, 1], [m, n] -> [m, n, 1])."""
    return _atleast("atleast_3d", _fix3, tensors)


# ----- unfold ------------------------------------------------------------------------
def _unfold_add(g, shape, dim, size, step):
    """Array: window gradients g [..., n_windows (at dim), ..., size] summed back into `shape`."""
    xp = g._xp
    ga = g._data
    out = xp.zeros(shape, dtype=ga.dtype)
    if len(shape) == 0:
        out[...] = ga.sum()
        return out
    n = ga.shape[dim]
    for k in range(size):
        key = (slice(None),) * dim + (slice(k, k + step * (n - 1) + 1, step),)
        out[key] += ga[..., k]
    return out


class UnfoldBackwardBackward0(Node):
    """d unfold_backward(g) = unfold(gg)"""

    def backward(self, gg):
        return gg.unfold(self.dim, self.size, self.step) if gg.ndim else gg.reshape(self.g_shape)


class UnfoldBackward0(Node):
    """d unfold(a, dim, size, step) = sum over windows: window w's element k adds to a[w step + k]"""

    def backward(self, g):
        shape = self.input_meta[0][0]
        res = wrap(_unfold_add(g, shape, self.dim, self.size, self.step))
        return attach(
            res, UnfoldBackwardBackward0, (g,), dim=self.dim, size=self.size, step=self.step, g_shape=g._data.shape
        )


@method("unfold")
def _tensor_unfold(self, dimension, size, step):
    """Windows of `size` elements every `step` along `dimension`, as a new last dim (a view)."""
    x = self._data
    n = x.ndim
    d = wrap_dim(dimension, n) if n else wrap_dim(dimension, 1)
    length = x.shape[d] if n else 1
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    if size > length:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {length} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if n == 0:
        arr = x.reshape(1)
        return view(self, arr, UnfoldBackward0, lambda b: b.unfold(dimension, size, step), dim=0, size=size, step=step)
    windows = (length - size) // step + 1
    shape = x.shape[:d] + (windows,) + x.shape[d + 1 :] + (size,)
    strides = x.strides[:d] + (x.strides[d] * step,) + x.strides[d + 1 :] + (x.strides[d],)
    tricks = self._xp.lib.stride_tricks
    arr = tricks.as_strided(x, shape, strides, writeable=writeable(x))
    return view(self, arr, UnfoldBackward0, lambda b: b.unfold(dimension, size, step), dim=d, size=size, step=step)


# ----- diag_embed --------------------------------------------------------------------
class DiagEmbedBackward0(Node):
    """d diag_embed(a, offset, d1, d2) = diagonal(g, offset, d1, d2)"""

    def backward(self, g):
        return g.diagonal(self.offset, self.dim1, self.dim2)


@method()
def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """Matrices (at dims dim1, dim2 of a result with one more dim) whose `offset`
    diagonal holds the last dim of input; zeros elsewhere."""
    x, xp = input._data, input._xp
    if type(offset) is not int:
        offset = int_arg(offset, "offset", fn="diag_embed", pos=2)
    n = x.ndim + 1
    d1, d2 = wrap_dim(dim1, n), wrap_dim(dim2, n)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    if x.ndim == 0:
        x = x.reshape(1)
    length = x.shape[-1]
    m = length + abs(offset)
    tmp = xp.zeros(x.shape[:-1] + (m, m), dtype=x.dtype)
    i = xp.arange(length)
    tmp[..., i + max(-offset, 0), i + max(offset, 0)] = x
    res = xp.moveaxis(tmp, (-2, -1), (d1, d2)) if (d1, d2) != (n - 2, n - 1) else tmp
    return attach(wrap(xp.ascontiguousarray(res)), DiagEmbedBackward0, (input,), offset=offset, dim1=d1, dim2=d2)
