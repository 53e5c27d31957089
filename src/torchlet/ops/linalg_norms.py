"""torchlet.linalg.vector_norm / matrix_norm / norm (and the one vector-norm node,
which Tensor.norm records too):
  vector_norm(x, p): dx = g sign(x) |x|^(p-1) / norm^(p-1)
  matrix_norm: Frobenius through vector_norm; nuclear / spectral through the SVD."""

import math

import numpy as np

from .._dtype import _FROM_NP
from ._util import Node, attach, dims_of, wrap, wrap_dim
from ._out import out_form
from .linalg_functions import polar_factor
from ._linalg_checks import _float_check, _const

__all__ = ["vector_norm", "matrix_norm", "norm"]


# ----- vector / matrix norms --------------------------------------------------
class LinalgVectorNormBackward0(Node):
    """d||x||_p = g sign(x) |x|^(p-1) / ||x||^(p-1)  (p=inf: shared by the maxima)"""

    def backward(self, g):
        gx = self._grad(g)
        dt = self.input_meta[0][1]
        return gx if gx._data.dtype == dt else gx.to(_FROM_NP[dt])

    def _grad(self, g):
        x, norm = self.saved_tensors
        p, dims = self.ord, self.dims
        if x._data.dtype != g._data.dtype:
            x = x.to(g.dtype)
        if not self.keepdim and dims:
            kept = list(x.shape)
            for d in dims:
                kept[d] = 1
            g, norm = g.reshape(kept), norm.reshape(kept)
        xp = x._xp
        sgn = _const(xp.sign(x._data))
        if p == 0:
            return x * 0
        if p == 1:
            return g * sgn
        zero = norm._data == 0
        safe = norm + _const(zero.astype(norm._data.dtype)) if zero.any() else norm
        if p == 2:
            return x * (g / safe)
        if math.isinf(p):
            mask = (xp.abs(x._data) == norm._data).astype(x._data.dtype)
            count = mask.sum(axis=dims, keepdims=True)
            return g * _const(mask * x._data.dtype.type(1) / count) * sgn
        absx = x * sgn
        if p < 1:
            nz = _const((x._data != 0).astype(x._data.dtype))
            return sgn * (absx + (1 - nz)).pow(p - 1) * nz * g * norm.pow(1 - p)
        scaled = sgn * absx.pow(p - 1) if p < 2 else x * absx.pow(p - 2)
        return scaled * (g / safe.pow(p - 1))


@out_form(grad_name="linalg_vector_norm")
def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    if isinstance(ord, str):
        raise TypeError("linalg_vector_norm(): argument 'ord' (position 2) must be Number, not str")
    _float_check(x if dtype is None else wrap(np.empty(0, dtype.np)), "vector_norm")
    if x.is_complex():  # the norm of |x| (its gradient reaches x through abs: g sgn(x))
        return vector_norm(x.abs(), ord, dim, keepdim)
    a = x._data if dtype is None or dtype.np == x._data.dtype else x._data.astype(dtype.np)
    xp = x._xp
    dims = dims_of(dim, a.ndim) if dim is not None else tuple(range(a.ndim))
    axis = dims if a.ndim else None
    p = float(ord)
    if p == 2:
        if len(dims) == a.ndim and not keepdim and a.dtype.itemsize >= 4:  # one BLAS dot
            f = a.reshape(-1)
            r = xp.sqrt(xp.dot(f, f))
        else:
            r = xp.sqrt((a * a).sum(axis=axis, keepdims=keepdim))
    elif p == 1:
        r = xp.abs(a).sum(axis=axis, keepdims=keepdim)
    elif math.isinf(p):
        if a.size == 0 and (not a.ndim or any(a.shape[d] == 0 for d in dims)):
            raise RuntimeError(
                f"linalg.vector_norm cannot compute the {ord} norm on an empty tensor "
                "because the operation does not have an identity"
            )
        f = xp.max if p > 0 else xp.min
        r = f(xp.abs(a), axis=axis, keepdims=keepdim)
    elif p == 0:
        r = (a != 0).sum(axis=axis, keepdims=keepdim)
    else:
        r = (xp.abs(a) ** p).sum(axis=axis, keepdims=keepdim) ** (1.0 / p)
    res = wrap(xp.asarray(r, dtype=a.dtype))
    attach(res, LinalgVectorNormBackward0, (x,), (x, res), ord=p, dims=dims, keepdim=keepdim)
    return res


class _ExtremeBackward(Node):
    """d max(a) = g shared evenly by the maxima"""

    def backward(self, g):
        (a,) = self.saved_tensors
        (res,) = self.result
        mask = (a._data == res).astype(a._data.dtype)
        mask /= mask.sum(axis=self.dim, keepdims=True)
        return (g if self.keepdim else g.unsqueeze(self.dim)) * _const(mask)


AmaxBackward0 = type("AmaxBackward0", (_ExtremeBackward,), {})
AminBackward0 = type("AminBackward0", (_ExtremeBackward,), {})


def _extreme(t, dim, largest, keepdim):
    """amax/amin over one dim (private: matrix norms need it)."""
    xp = t._xp
    r = (xp.max if largest else xp.min)(t._data, axis=dim, keepdims=True)
    out = r if keepdim else r.squeeze(dim)
    return attach(
        wrap(out), AmaxBackward0 if largest else AminBackward0, (t,), (t,), dim=dim, keepdim=keepdim, result=(r,)
    )


class LinalgSvdBackward0(Node):
    """d sum(s) = U V^T g (U V^T differentiable again); d s_max = u_1 v_1^T g; d s_min = u_n v_n^T g
    (these two first order only)"""

    def backward(self, g):
        u, s, vh = self.usv
        if self.ord == "nuc":
            (a,) = self.saved_tensors
            return g.unsqueeze(-1).unsqueeze(-1) * polar_factor(a, u, s, vh)
        else:
            i = 0 if self.ord > 0 else -1
            m = u[..., :, i : i + 1 if i == 0 else None] @ vh[..., i : i + 1 if i == 0 else None, :]
        return g.unsqueeze(-1).unsqueeze(-1) * _const(m)


def _svd_norm(A, ord, d0, d1, keepdim):
    At = A.movedim((d0, d1), (-2, -1)) if (d0, d1) != (A.ndim - 2, A.ndim - 1) else A
    u, s, vh = At._xp.linalg.svd(At._data, full_matrices=False)
    r = s.sum(-1) if ord == "nuc" else (s[..., 0] if ord > 0 else s[..., -1])
    res = attach(
        wrap(At._xp.asarray(r, dtype=At._data.dtype)), LinalgSvdBackward0, (At,), (At,), ord=ord, usv=(u, s, vh)
    )
    if keepdim:
        res = res.unsqueeze(min(d0, d1)).unsqueeze(max(d0, d1))
    return res


@out_form(grad="composite")
def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):
    if A._data.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    _float_check(A, "matrix_norm")
    if isinstance(dim, int):
        raise TypeError(
            "linalg_matrix_norm() received an invalid combination of arguments - got an int "
            "dim, but expected a tuple of ints"
        )
    if len(dim) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(map(str, dim))}")
    d0, d1 = (wrap_dim(d, A._data.ndim) for d in dim)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, {dim[1]})")
    if dtype is not None and dtype.np != A._data.dtype:
        A = A.to(dtype)
    if ord == "fro":
        return vector_norm(A, 2, (d0, d1), keepdim)
    if ord == "nuc" or ord in (2, -2):
        return _svd_norm(A, ord, d0, d1, keepdim)
    if ord in (1, -1, math.inf, -math.inf):
        inner, outer = (d0, d1) if ord in (1, -1) else (d1, d0)
        if not keepdim and inner < outer:
            outer -= 1
        return _extreme(vector_norm(A, 1, inner, keepdim), outer, ord > 0, keepdim)
    raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")


@out_form(grad="composite")
def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):
    if isinstance(dim, int):
        dim = (dim,)
    if dim is not None:
        dim = tuple(dim)
    if ord is None:
        if dim is not None and len(dim) == 2:
            return matrix_norm(A, "fro", dim, keepdim, dtype=dtype)
        return vector_norm(A, 2, dim, keepdim, dtype=dtype)
    if dim is None:
        if A._data.ndim not in (1, 2):
            raise RuntimeError(
                f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got {A._data.ndim}D."
            )
        dim = tuple(range(A._data.ndim))
    if len(dim) == 1:
        if isinstance(ord, str):
            raise RuntimeError(f"linalg.vector_norm: Order {ord} not supported.")
        return vector_norm(A, ord, dim, keepdim, dtype=dtype)
    return matrix_norm(A, ord, dim, keepdim, dtype=dtype)
