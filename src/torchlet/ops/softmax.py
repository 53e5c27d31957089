"""softmax, log_softmax and softmin (nn.functional, torch.*, Tensor methods), computed after
subtracting the max along dim; with dtype= the input is cast first.

    softmax:     d = y (g - sum(g y, dim))
    log_softmax: d = g - exp(y) sum(g, dim)"""

import warnings

import numpy as np

from . import _block_cache
from ._util import Tensor, TwoPathNode, attach, method, wrap, wrap_dim
from .activation import _WORDS

__all__ = ["softmax", "log_softmax", "softmin"]


# ----- softmax family ---------------------------------------------------------
def _softmax_dim(name, ndim, stacklevel):
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X as an argument.",
        UserWarning,
        stacklevel=stacklevel,
    )
    return 0 if ndim in (0, 1, 3) else 1


def _prep(input, dim, dtype, name, stacklevel):
    if dim is None:
        dim = _softmax_dim(name, input.ndim, stacklevel + 1)
    if dtype is not None:
        input = input.to(dtype)
    elif input.dtype.category < 2:
        raise NotImplementedError(
            f"\"{name}_lastdim_kernel_impl\" not implemented for '{_WORDS.get(input.dtype.name, input.dtype)}'"
        )
    return input, wrap_dim(dim, input.ndim)


def _one_buffer(ya, ga):
    """Whether a backward may build its result in one reused block (_block_cache): large C-contiguous
    NumPy y, and g of its dtype."""
    return _block_cache.large(ya) and ya.flags.c_contiguous and ga.__class__ is np.ndarray and ga.dtype == ya.dtype


class SoftmaxBackward0(TwoPathNode):
    """d softmax = y * (g - sum(g * y, dim))"""

    def backward_arrays(self, g):
        (y,) = self.saved_tensors
        ya, ga = y._data, g._data
        if not _one_buffer(ya, ga):
            gy = ga * ya
            return wrap(gy - ya * gy.sum(self.dim, keepdims=True))
        gy = _block_cache.binary(np.multiply, ga, ya)  # gy - y * sum(gy) in gy's buffer, the same roundings
        s = gy.sum(self.dim, keepdims=True)
        return wrap(np.subtract(gy, _block_cache.binary(np.multiply, ya, s), out=gy))

    def backward_tensors(self, g):
        (y,) = self.saved_tensors
        return y * (g - (g * y).sum(self.dim, keepdim=True))


class LogSoftmaxBackward0(TwoPathNode):
    """d log_softmax = g - exp(y) * sum(g, dim)"""

    def backward_arrays(self, g):
        (y,) = self.saved_tensors
        ya, ga = y._data, g._data
        if not _one_buffer(ya, ga):
            return wrap(ga - y._xp.exp(ya) * ga.sum(self.dim, keepdims=True))
        e = np.exp(ya, out=_block_cache.empty(ya.shape, ya.dtype))  # one buffer, the same roundings
        e *= ga.sum(self.dim, keepdims=True)
        return wrap(np.subtract(ga, e, out=e))

    def backward_tensors(self, g):
        (y,) = self.saved_tensors
        return g - y.exp() * g.sum(self.dim, keepdim=True)


def _softmax_arr(xp, x, dim):
    if x.ndim == 0:
        return xp.ones_like(x)
    if x.size == 0:  # nothing to normalise (NumPy's max refuses an empty axis)
        return x.copy()
    e = xp.exp(x - x.max(dim, keepdims=True))
    e /= e.sum(dim, keepdims=True)
    return e


def _log_softmax_arr(xp, x, dim):
    if x.ndim == 0:
        return xp.zeros_like(x)
    if x.size == 0:  # nothing to normalise (NumPy's max refuses an empty axis)
        return x.copy()
    s = x - x.max(dim, keepdims=True)
    s -= xp.log(xp.exp(s).sum(dim, keepdims=True))
    return s


def _normalize(name, kernel, node, input, dim, stacklevel, dtype):
    """softmax / log_softmax: the array kernel along dim, the node saving the result."""
    if input.__class__ is not Tensor and input.is_nested:  # torch.nested
        return getattr(input, name)(dim, dtype)
    input, d = _prep(input, dim, dtype, name, stacklevel + 1)
    out = wrap(kernel(input._xp, input._data, d))
    if out._data.size == 0:
        return out
    return attach(out, node, (input,), (out,), dim=d)


@method()
def softmax(input, dim=None, _stacklevel=3, dtype=None):
    return _normalize("softmax", _softmax_arr, SoftmaxBackward0, input, dim, _stacklevel, dtype)


@method()
def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    return _normalize("log_softmax", _log_softmax_arr, LogSoftmaxBackward0, input, dim, _stacklevel, dtype)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _softmax_dim("softmin", input.ndim, _stacklevel)
    if dtype is not None:
        input = input.to(dtype)
    return softmax(-input, dim)
