"""Reductions beyond the round-one set: aminmax (both extremes at once) and
logcumsumexp (a running log-sum-exp along a dim)."""

import numpy as np

from .. import return_types
from ._util import Node, attach, method, wrap, wrap_dim
from ._out import out_form
from .pointwise_math import _FLOAT, _finfo, _not_for
from .reduction_sort import amax, amin

__all__ = ["aminmax", "logcumsumexp"]


class AminmaxBackward0(Node):
    """d (amin(a), amax(a)) = amin's gradient of g_min + amax's gradient of g_max
    (each shared evenly by the tied extremes)"""

    n_outputs = 2

    def backward(self, g_min, g_max):
        lo, hi = self.parts
        gs = [node.backward(g) for node, g in ((lo, g_min), (hi, g_max)) if g is not None]
        return gs[0] if len(gs) == 1 else gs[0] + gs[1]


@method()
@out_form()
def aminmax(input, *, dim=None, keepdim=False):
    """(amin, amax) over dim (all dims when None); ties share the gradient, as amin/amax."""
    x = input._data
    if dim is None:
        if x.size == 0:
            raise RuntimeError(
                "aminmax(): cannot compute aminmax over an empty dimension as the operation has no identity."
            )
        dims = tuple(range(x.ndim))
    else:
        d = wrap_dim(dim, x.ndim) if x.ndim else wrap_dim(dim, 1)
        if x.ndim and x.shape[d] == 0:
            raise IndexError(f"aminmax: Expected reduction dim {d} to have non-zero size.")
        dims = (d,) if x.ndim else ()
    lo, hi = amin(input, dims, keepdim), amax(input, dims, keepdim)
    if lo._grad_fn is not None:  # one node for both results, as PyTorch records it
        parts = (lo._grad_fn, hi._grad_fn)
        lo, hi = attach((wrap(lo._data), wrap(hi._data)), AminmaxBackward0, (input,), parts=parts)
    return return_types.aminmax((lo, hi))


# ----- logcumsumexp ------------------------------------------------------------------
def _reverse_logcumsumexp(t, d):
    return logcumsumexp(t.flip(d), d).flip(d)


class LogcumsumexpBackward0(Node):
    """d logcumsumexp(a)_k = sum_{i >= k} g_i exp(a_k - r_i), computed in log space with
    the positive and negative parts of g apart:
    exp(a + revlcse(log g+ - r)) - exp(a + revlcse(log g- - r))"""

    def backward(self, g):
        a, r = self.saved_tensors
        d = self.dim
        if a._data.ndim == 0:
            return g
        low = float(_finfo(g._data.dtype).min)
        log_abs = g.abs().log()
        pos = log_abs.masked_fill(~(g > 0), low)
        neg = log_abs.masked_fill(~(g < 0), low)
        return (_reverse_logcumsumexp(pos - r, d) + a).exp() - (_reverse_logcumsumexp(neg - r, d) + a).exp()


@method()
@out_form()
def logcumsumexp(input, dim):
    """log(cumsum(exp(a))) along dim, without overflow."""
    x, xp = input._data, input._xp
    d = wrap_dim(dim, x.ndim) if x.ndim else wrap_dim(dim, 1)
    if x.dtype.kind not in _FLOAT:
        raise _not_for("logcumsumexp_out_cpu", x.dtype)
    if x.ndim == 0 or x.size == 0:
        r = x.copy()
    else:
        acc = x.astype(np.float64) if x.dtype.itemsize < 8 else x
        r = xp.logaddexp.accumulate(acc, axis=d).astype(x.dtype, copy=False)
    res = wrap(r)
    attach(res, LogcumsumexpBackward0, (input,), (input, res), dim=d)
    return res
