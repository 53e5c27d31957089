"""Statistics over dims: var/std (+ var_mean/std_mean), norm, logsumexp."""

import numpy as np

from ._blas_sum import squared_sum
from ._util import Node, attach, float_result, method, wrap
from .linalg_norms import LinalgVectorNormBackward0
from ._out import out_form
from .reduction import _dims, _expand_back, _float_name, _np_names, _out_shape, _required

__all__ = ["var", "std", "var_mean", "std_mean", "norm", "logsumexp"]


# ----- var, std -------------------------------------------------------------
def _var_setup(name, input, dim, unbiased, correction):
    if isinstance(dim, bool):  # var(input, unbiased)
        unbiased, dim = dim, None
    if input.dtype.category < 2:
        raise RuntimeError("std and var only support floating point and complex dtypes")
    if correction is None:
        correction = 1 if unbiased else 0
    x = input._data
    _, dims = _dims(dim, x.ndim)
    n = 1
    for d in dims:
        n *= x.shape[d]
    if n - correction <= 0:
        import warnings

        warnings.warn(
            f"{name}(): degrees of freedom is <= 0. Correction should be strictly less than "
            "the reduction factor (input numel divided by output numel).",
            UserWarning,
            stacklevel=3,
        )
    return x, dims, correction, n


def _var_array(x, dims, correction, keepdim, xp, n):
    """sum((x - mean)^2) / (n - correction), as PyTorch (inf/nan when n <= correction)."""
    if n == 0:
        shape = _out_shape(x.shape, dims, keepdim)
        return xp.full(shape, float("nan"), dtype=x.dtype)
    d = x - x.mean(axis=dims, keepdims=True)
    ss = xp.asarray((d * d).sum(axis=dims, keepdims=keepdim))
    denom = n - correction
    if denom > 0:
        return ss / ss.dtype.type(denom)
    with np.errstate(divide="ignore", invalid="ignore"):
        return ss / ss.dtype.type(0)


def _var_grad(g, x, meta, dims, keepdim, denom):
    """d(var(a)) = g * 2 (a - mean(a)) / (n - correction)"""
    g = _expand_back(g, meta, dims, keepdim)
    return g * (x - x.mean(dims, keepdim=True)) * (2.0 / denom if denom else float("inf"))


def _std_grad(g, x, res, meta, dims, keepdim, denom):
    """d(std(a)) = g * (a - mean(a)) / ((n - correction) * std(a)), 0 where std is 0"""
    zero = res._data == 0
    if zero.any():
        res = res + wrap(zero.astype(res._data.dtype))
        g = g * wrap((~zero).astype(res._data.dtype))
    return _var_grad(g / res, x, meta, dims, keepdim, denom) * 0.5


class VarBackward0(Node):
    __doc__ = _var_grad.__doc__

    def backward(self, g):
        (x,) = self.saved_tensors
        return _var_grad(g, x, self.input_meta[0], self.dims, self.keepdim, self.denom)


class StdBackward0(Node):
    __doc__ = _std_grad.__doc__

    def backward(self, g):
        x, res = self.saved_tensors
        return _std_grad(g, x, res, self.input_meta[0], self.dims, self.keepdim, self.denom)


class VarMeanBackward0(Node):
    """d(var(a), mean(a)) = the var gradient + g_mean / n"""

    n_outputs = 2

    def backward(self, gv, gm):
        x, res = self.saved_tensors
        meta, dims, keepdim = self.input_meta[0], self.dims, self.keepdim
        out = None
        if gv is not None:
            out = (
                _std_grad(gv, x, res, meta, dims, keepdim, self.denom)
                if self.std
                else _var_grad(gv, x, meta, dims, keepdim, self.denom)
            )
        if gm is not None:
            gmean = _expand_back(gm / self.n, meta, dims, keepdim)
            out = gmean if out is None else out + gmean
        return out


StdMeanBackward0 = type("StdMeanBackward0", (VarMeanBackward0,), {})


@method()
@out_form()
def var(input, dim=None, unbiased=True, keepdim=False, *, correction=None, axis=None, keepdims=None):
    if axis is not None or keepdims is not None:
        dim, keepdim = _np_names(dim, keepdim, axis, keepdims)
    x, dims, c, n = _var_setup("var", input, dim, unbiased, correction)
    res = wrap(_var_array(x, dims, c, keepdim, input._xp, n))
    return attach(res, VarBackward0, (input,), (input,), dims=dims, keepdim=keepdim, denom=n - c)


@method()
@out_form()
def std(input, dim=None, unbiased=True, keepdim=False, *, correction=None, axis=None, keepdims=None):
    if axis is not None or keepdims is not None:
        dim, keepdim = _np_names(dim, keepdim, axis, keepdims)
    x, dims, c, n = _var_setup("std", input, dim, unbiased, correction)
    res = wrap(input._xp.sqrt(_var_array(x, dims, c, keepdim, input._xp, n)))
    return attach(res, StdBackward0, (input,), (input, res), dims=dims, keepdim=keepdim, denom=n - c)


def _stat_mean(name, input, dim, unbiased, keepdim, correction, take_sqrt):
    x, dims, c, n = _var_setup(name, input, dim, unbiased, correction)
    xp = input._xp
    v = _var_array(x, dims, c, keepdim, xp, n)
    v = wrap(xp.sqrt(v) if take_sqrt else v)
    m = wrap(xp.asarray(x.mean(axis=dims, keepdims=keepdim)) if x.ndim else x.copy())
    cls = StdMeanBackward0 if take_sqrt else VarMeanBackward0
    return attach((v, m), cls, (input,), (input, v), dims=dims, keepdim=keepdim, denom=n - c, n=n, std=take_sqrt)


def var_mean(input, dim=None, unbiased=True, keepdim=False, *, correction=None, axis=None, keepdims=None):
    if axis is not None or keepdims is not None:
        dim, keepdim = _np_names(dim, keepdim, axis, keepdims)
    return _stat_mean("var_mean", input, dim, unbiased, keepdim, correction, False)


def std_mean(input, dim=None, unbiased=True, keepdim=False, *, correction=None, axis=None, keepdims=None):
    if axis is not None or keepdims is not None:
        dim, keepdim = _np_names(dim, keepdim, axis, keepdims)
    return _stat_mean("std_mean", input, dim, unbiased, keepdim, correction, True)


# ----- norm -----------------------------------------------------------------
# LinalgVectorNormBackward0: the one vector-norm node, with linalg.vector_norm (linalg_norms.py)


@method()
@out_form(grad_name="linalg_vector_norm")
def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    if isinstance(p, str):
        if p == "nuc":  # the nuclear norm of the matrices at dim (all dims when None)
            from .linalg_norms import matrix_norm

            dims = tuple(range(input._data.ndim)) if dim is None else (dim,) if isinstance(dim, int) else dim
            if input._data.ndim < 2:
                dims = (-2, -1)
            return matrix_norm(input, "nuc", tuple(dims), keepdim, dtype=dtype)
        if p != "fro":
            raise RuntimeError(f"linalg.matrix_norm: Order {p} not supported.")
        if isinstance(dim, (tuple, list)) and len(dim) > 2:
            raise RuntimeError("linalg.matrix_norm: dim must be a 2-tuple. Got " + " ".join(str(d) for d in dim))
        p = 2
    if input.dtype.category < 2:
        raise RuntimeError(
            f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got {_float_name(input.dtype)}"
        )
    if dtype is not None and dtype is not input.dtype:
        input = input.to(dtype)
    x = input._data
    xp = input._xp
    _, dims = _dims(dim, x.ndim)
    p = float(p)
    if p == 2 and len(dims) == x.ndim and x.flags.c_contiguous and x.dtype.kind == "f" and not keepdim:
        flat = x.reshape(-1)  # the whole-tensor 2-norm (clip_grad_norm_) as one BLAS dot
        res = wrap(xp.asarray(xp.sqrt(squared_sum(xp, flat)), dtype=x.dtype))
        return attach(res, LinalgVectorNormBackward0, (input,), (input, res), dims=dims, keepdim=keepdim, ord=p)
    a = xp.abs(x)
    if p == 2:
        r = xp.sqrt((x * x).sum(axis=dims, keepdims=keepdim))
    elif p == 1:
        r = a.sum(axis=dims, keepdims=keepdim)
    elif p == float("inf"):
        r = a.max(axis=dims, keepdims=keepdim)
    elif p == float("-inf"):
        r = a.min(axis=dims, keepdims=keepdim)
    elif p == 0:
        r = (x != 0).sum(axis=dims, keepdims=keepdim).astype(x.dtype)
    else:
        r = (a**p).sum(axis=dims, keepdims=keepdim) ** (1.0 / p)
    res = wrap(xp.asarray(r, dtype=x.dtype))
    return attach(res, LinalgVectorNormBackward0, (input,), (input, res), dims=dims, keepdim=keepdim, ord=p)


# ----- logsumexp ------------------------------------------------------------
class LogsumexpBackward0(Node):
    """d(log sum exp(a)) = g * exp(a - logsumexp(a))"""

    def backward(self, g):
        x, res = self.saved_tensors
        meta, dims, keepdim = self.input_meta[0], self.dims, self.keepdim
        g = _expand_back(g, meta, dims, keepdim)
        return g * (x - _expand_back(res, meta, dims, keepdim)).exp()


@method()
@out_form(needs=("dim",))
def logsumexp(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    if axis is not None or keepdims is not None:
        dim, keepdim = _np_names(dim, keepdim, axis, keepdims)
    dim = _required("logsumexp", dim, None)
    x = input._data
    xp = input._xp
    if x.dtype.kind in "biu":
        x = float_result(x)
        input = wrap(x)
    _, dims = _dims(dim, x.ndim)
    if x.size == 0:
        with np.errstate(divide="ignore"):
            r = xp.log(xp.exp(x).sum(axis=dims, keepdims=keepdim))
    else:
        m = x.max(axis=dims, keepdims=True)
        m = xp.where(xp.isfinite(m), m, 0)
        with np.errstate(divide="ignore"):
            r = xp.log(xp.exp(x - m).sum(axis=dims, keepdims=True)) + m
        if not keepdim:
            r = r.reshape([s for i, s in enumerate(x.shape) if i not in dims])
    res = wrap(xp.asarray(r))
    return attach(res, LogsumexpBackward0, (input,), (input, res), dims=dims, keepdim=keepdim)
