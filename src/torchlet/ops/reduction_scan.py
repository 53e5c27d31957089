"""Running reductions along a dim: cumsum, cumprod, cummax, cummin.
float32 scans accumulate in float64 (as PyTorch's CPU kernels do), so long
sequences keep PyTorch's numbers."""

import numpy as np

from .. import return_types
from .._dtype import _FROM_NP
from ._util import Node, TwoPathNode, attach, inplace, method, wrap, wrap_dim
from ._out import out_form
from .reduction import _required, _scatter

__all__ = ["cumsum", "cumprod", "cummax", "cummin"]


def _scan_input(input, dim, dtype):
    x = input._data
    d = wrap_dim(dim, x.ndim)
    if dtype is not None:
        out_dt = dtype.np
    elif x.dtype.kind in "biu":
        out_dt = np.dtype(np.int64)
    else:
        out_dt = x.dtype
    acc = np.float64 if out_dt == np.float32 or out_dt == np.float16 else out_dt
    return x.astype(acc, copy=False), d, out_dt


class CumsumBackward0(Node):
    """d(cumsum(a))_k = sum_{i >= k} g_i  (a reversed cumsum)"""

    def backward(self, g):
        g = _reverse_cumsum(g, self.dim)
        dt = self.input_meta[0][1]
        return g if g._data.dtype == dt else g.to(_FROM_NP[dt])


class _ReverseCumsum(Node):
    """d(reverse_cumsum(a)) = cumsum(g)"""

    def backward(self, g):
        return cumsum(g, self.dim)


def _reverse_cumsum(t, d):
    x = t._data
    if x.ndim == 0:
        return t
    xp = t._xp
    acc = x.astype(np.float64) if x.dtype == np.float32 else x
    r = xp.flip(xp.cumsum(xp.flip(acc, d), axis=d), d).astype(x.dtype, copy=False)
    return attach(wrap(xp.ascontiguousarray(r)), _ReverseCumsum, (t,), dim=d)


@method()
@out_form(dtype="reduce")
def cumsum(input, dim=None, *, dtype=None, axis=None):
    dim = _required("cumsum", dim, axis)
    x, d, out_dt = _scan_input(input, dim, dtype)
    r = x.copy() if x.ndim == 0 else input._xp.cumsum(x, axis=d)
    res = wrap(r.astype(out_dt, copy=False))
    return attach(res, CumsumBackward0, (input,), dim=d)


class CumprodBackward0(TwoPathNode):
    """d(cumprod(a))_k = sum_{i >= k} g_i prod_{j <= i, j != k} a_j;
    without zeros: reverse_cumsum(g * out)_k / a_k. With zeros, positions
    before a slice's first zero z use that formula, z itself gets
    sum_{i >= z} g_i cumprod(a with a_z := 1)_i, positions after z get 0
    (masks from the arrays); under create_graph, with zeros, the quadratic
    form, whose own derivative is exact too."""

    def backward_arrays(self, g):
        return self._grad(g, graph=False)

    def backward_tensors(self, g):
        return self._grad(g, graph=True)

    def _grad(self, g, graph):
        x, res = self.saved_tensors
        d = self.dim
        dt = self.input_meta[0][1]
        if g._data.dtype != dt:
            g, res = g.to(_FROM_NP[dt]), res.to(_FROM_NP[dt])
        if x._data.ndim == 0:
            return g
        zero = x._data == 0
        if not zero.any():
            return _reverse_cumsum(g * res, d) / x
        if graph:  # create_graph: a form whose own derivative is exact too
            return _cumprod_grad_quadratic(g, x, d)
        xp = x._xp
        n = x._data.shape[d]
        has = zero.any(axis=d, keepdims=True)
        first = xp.where(has, zero.argmax(axis=d, keepdims=True), n)
        pos = xp.arange(n).reshape([n if i == d else 1 for i in range(zero.ndim)])
        before = wrap((pos < first).astype(dt))
        at = wrap((pos == first).astype(dt))
        from_first = wrap((pos >= first).astype(dt))
        safe = x * wrap((~zero).astype(dt)) + wrap(zero.astype(dt))
        grad = _reverse_cumsum(g * res, d) / safe * before
        cp = cumprod(x * (1 - at) + at, d)
        return grad + (g * cp * from_first).sum(d, keepdim=True) * at


def _cumprod_grad_quadratic(g, x, d):
    """grad_k = sum_{i >= k} g_i cumprod(a with a_k := 1)_i, all k at once on an
    (..., k, i) grid: O(n^2), used only for double backward through zeros."""
    n = x._data.shape[d]
    xl, gl = x.movedim(d, -1), g.movedim(d, -1)
    eye = wrap(x._xp.eye(n, dtype=x._data.dtype))
    grid = cumprod(xl.unsqueeze(-2) * (1 - eye) + eye, -1)
    upper = wrap(x._xp.triu(x._xp.ones((n, n), dtype=x._data.dtype)))
    return (gl.unsqueeze(-2) * grid * upper).sum(-1).movedim(-1, d)


@method()
@out_form(dtype="reduce")
def cumprod(input, dim=None, *, dtype=None, axis=None):
    dim = _required("cumprod", dim, axis)
    x, d, out_dt = _scan_input(input, dim, dtype)
    r = x.copy() if x.ndim == 0 else input._xp.cumprod(x, axis=d)
    res = wrap(r.astype(out_dt, copy=False))
    return attach(res, CumprodBackward0, (input,), (input, res), dim=d)


@method("cumsum_")
def _cumsum_(self, dim, *, dtype=None):
    return inplace(self, lambda t: cumsum(t, dim, dtype=dtype))


@method("cumprod_")
def _cumprod_(self, dim, *, dtype=None):
    return inplace(self, lambda t: cumprod(t, dim, dtype=dtype))


class CummaxBackward0(Node):
    """d(cummax(a)) = g added into the positions the running extremes came from"""

    def backward(self, g):
        shape = self.input_meta[0][0]
        return _scatter(g, self.index, self.dim, shape, unique=False) if shape else g


CumminBackward0 = type("CumminBackward0", (CummaxBackward0,), {})


def _cumextreme(input, dim, largest):
    x = input._data
    xp = input._xp
    d = wrap_dim(dim, x.ndim)
    node, rt = (CummaxBackward0, return_types.cummax) if largest else (CumminBackward0, return_types.cummin)
    if x.ndim == 0:
        values, index = x.copy(), xp.zeros((), dtype=np.int64)
    else:
        values = (xp.maximum if largest else xp.minimum).accumulate(x, axis=d)
        # the index moves to every element that reaches the running extreme (ties: the
        # latest); NaN propagates and each later NaN takes the index over
        hit = x == values
        if x.dtype.kind == "f":
            hit |= xp.isnan(x)
        n = x.shape[d]
        pos = xp.arange(n, dtype=np.int64).reshape([n if i == d else 1 for i in range(x.ndim)])
        index = xp.maximum.accumulate(xp.where(hit, pos, 0), axis=d)
    v = wrap(values)
    attach(v, node, (input,), index=index, dim=d)
    return rt((v, wrap(index)))


@method()
@out_form()
def cummax(input, dim=None, *, axis=None):
    dim = _required("cummax", dim, axis)
    return _cumextreme(input, dim, True)


@method()
@out_form()
def cummin(input, dim=None, *, axis=None):
    dim = _required("cummin", dim, axis)
    return _cumextreme(input, dim, False)
