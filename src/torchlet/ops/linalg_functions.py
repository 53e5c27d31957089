"""Matrix functions and distances: linalg.matrix_power, linalg.matrix_exp,
cdist, and the derivative of the Cholesky factorization.

  matrix_power: repeated squaring with matmul (negative n: of the inverse),
                so its gradient is matmul's.
  matrix_exp:   Pade(13) scaling and squaring (Higham 2005) in float64;
                d exp(A) = the upper-right block of exp([[A^T, g], [0, A^T]]).
  cdist:        d ||x_i - y_j||_p / dx_i = w(x_i - y_j), with
                w(d) = sign(d) |d|^(p-1) / dist^(p-1)  (0 where dist = 0),
                w = d / dist for p = 2, sign(d) [|d| = dist] for p = inf, 0 for p = 0.
  cholesky:     A = L L^T: dA = L^-T Phi(L^T gL) L^-1 with Phi(X) = (tril(X) + tril(X, -1)^T) / 2.
"""

import math

import numpy as np

from . import linalg_inverse
from ._util import Node, attach, method, reduce_grad, wrap
from ._linalg_checks import _square_shape
from ._out import out_form
from .pointwise_math import _type_word

__all__ = ["matrix_power", "matrix_exp", "cdist", "cholesky"]


# ----- matrix_power ------------------------------------------------------------------
class _ZeroGrad(Node):
    """d A^0 = 0"""

    def backward(self, g):
        return wrap(g._xp.zeros(*self.input_meta[0]))


def _castable(name, result_dtype, out_dtype):
    if result_dtype.category > out_dtype.category:
        raise RuntimeError(
            f"{name}: Expected result to be safely castable from {_type_word(result_dtype.np)} "
            f"dtype, but got result with dtype {_type_word(out_dtype.np)}"
        )


@out_form(dtype=_castable, grad_name="matmul")
def matrix_power(A, n):
    """A^n by binary powering (least significant bit first, as PyTorch); A^-n = (A^-1)^n."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"matrix_power(): argument 'n' (position 2) must be int, not {type(n).__name__}")
    _square_shape(A, "matrix_power")
    n = int(n)
    if n == 0:
        xp = A._xp
        eye = xp.broadcast_to(xp.eye(A._data.shape[-1], dtype=A._data.dtype), A._data.shape).copy()
        res = attach(wrap(eye), _ZeroGrad, (A,))
    else:
        if n < 0:
            A, n = linalg_inverse.inv(A), -n
        from .linalg import matmul

        if n == 1:
            res = A.clone()
        elif n == 2:
            res = matmul(A, A)
        elif n == 3:
            res = matmul(matmul(A, A), A)
        else:
            z = res = None
            while n > 0:
                bit, n = n % 2, n // 2
                z = A if z is None else matmul(z, z)
                if bit:
                    res = z if res is None else matmul(res, z)
    return res


@method("matrix_power")
def _matrix_power(input, n):
    return matrix_power(input, n)


# ----- matrix_exp --------------------------------------------------------------------
_PADE13 = (
    64764752532480000.0,
    32382376266240000.0,
    7771770303897600.0,
    1187353796428800.0,
    129060195264000.0,
    10559470521600.0,
    670442572800.0,
    33522128640.0,
    1323241920.0,
    40840800.0,
    960960.0,
    16380.0,
    182.0,
    1.0,
)
_THETA13 = 5.371920351148152


def _expm(xp, a):
    """exp of a batch of float64 matrices (..., n, n)."""
    n = a.shape[-1]
    norm1 = xp.abs(a).sum(-2).max(-1) if a.size else xp.zeros(a.shape[:-2])
    with np.errstate(divide="ignore", invalid="ignore"):
        s = xp.ceil(xp.log2(xp.where(norm1 > 0, norm1, 1) / _THETA13))
    s = xp.where(xp.isfinite(s), xp.maximum(s, 0), 0).astype(np.int64)
    a = a / (2.0**s)[..., None, None]
    b = _PADE13
    eye = xp.broadcast_to(xp.eye(n), a.shape)
    a2 = a @ a
    a4 = a2 @ a2
    a6 = a4 @ a2
    u = a @ (a6 @ (b[13] * a6 + b[11] * a4 + b[9] * a2) + b[7] * a6 + b[5] * a4 + b[3] * a2 + b[1] * eye)
    v = a6 @ (b[12] * a6 + b[10] * a4 + b[8] * a2) + b[6] * a6 + b[4] * a4 + b[2] * a2 + b[0] * eye
    r = xp.linalg.solve(v - u, v + u)
    top = int(s.max()) if s.size else 0
    for k in range(top):
        sq = r @ r
        r = xp.where((k < s)[..., None, None], sq, r)
    return r


class LinalgMatrixExpBackward0(Node):
    """d exp(A) = exp([[A^H, g], [0, A^H]])[:n, n:]   (A^H = A^T for real A)"""

    def backward(self, g):
        (a,) = self.saved_tensors
        from .joining import cat

        n = a.shape[-1]
        at = a.mH
        big = cat([cat([at, g], -1), cat([at.new_zeros(at.shape), at], -1)], -2)
        return matrix_exp(big)[..., :n, n:]


def matrix_exp(A):
    _square_shape(A, "matrix_exp")
    x, xp = A._data, A._xp
    if x.dtype.kind not in "fVc":
        raise RuntimeError(
            f"linalg.matrix_exp: Expected a floating point or complex tensor as input. Got {_type_word(x.dtype)}"
        )
    work = np.complex128 if x.dtype.kind == "c" else np.float64
    r = _expm(xp, x.astype(work)).astype(x.dtype, copy=False) if x.size else x.copy()
    return attach(wrap(xp.ascontiguousarray(r)), LinalgMatrixExpBackward0, (A,), (A,))


@method("matrix_exp")
def _matrix_exp(input):
    return matrix_exp(input)


# ----- cdist -------------------------------------------------------------------------
_MODES = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist")


def _cdist_checks(x1, x2, p, compute_mode):
    for name, t in (("X1", x1), ("X2", x2)):
        if t._data.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: {t._data.ndim}D")
    for name, t in (("X1", x1), ("X2", x2)):
        if t._data.dtype.kind not in "fV":
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: {_type_word(t._data.dtype)}")
    if x1._data.shape[-1] != x2._data.shape[-1]:
        raise RuntimeError(
            f"X1 and X2 must have the same number of columns. X1: {x1._data.shape[-1]} X2: {x2._data.shape[-1]}"
        )
    if x1._data.dtype != x2._data.dtype:
        raise RuntimeError(f"expected scalar type {_type_word(x1._data.dtype)} but found {_type_word(x2._data.dtype)}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    if compute_mode not in _MODES:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    if x1._data.dtype.itemsize < 4:
        raise NotImplementedError(f"\"cdist\" not implemented for '{_type_word(x1._data.dtype)}'")


def _distances(xp, a, b, p, use_mm):
    if use_mm:  # |a|^2 + |b|^2 - 2 a.b, as PyTorch's matrix-product path (clamped at 0)
        an = (a * a).sum(-1)[..., :, None]
        bn = (b * b).sum(-1)[..., None, :]
        sq = an + bn - 2 * (a @ xp.swapaxes(b, -1, -2))
        return xp.sqrt(xp.maximum(sq, 0))
    d = xp.abs(a[..., :, None, :] - b[..., None, :, :])
    if p == 0:
        return (d != 0).sum(-1).astype(a.dtype)
    if p == 1:
        return d.sum(-1)
    if p == 2:
        return xp.sqrt((d * d).sum(-1))
    if p == math.inf:
        return d.max(-1) if d.shape[-1] else d.sum(-1)
    return ((d**p).sum(-1)) ** (1.0 / p)


class CdistBackward0(Node):
    """d dist_ij / dx1_i = w(x1_i - x2_j), d dist_ij / dx2_j = -w(x1_i - x2_j) (see the module doc)"""

    def backward(self, g):
        x1, x2, r = self.saved_tensors
        p = self.p
        diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)
        dist = r.unsqueeze(-1)
        if p == 0:
            w = diff * 0
        elif p == 1:
            w = diff.sign()
        elif p == 2:
            w = (diff / dist).masked_fill(dist == 0, 0)
        elif p == math.inf:
            w = diff.sign() * (diff.abs() == dist)
        else:
            w = (diff.sign() * diff.abs().pow(p - 1) / dist.pow(p - 1)).masked_fill(dist == 0, 0)
            if p < 1:
                w = w.masked_fill(diff == 0, 0)
        gw = g.unsqueeze(-1) * w
        return (
            reduce_grad(gw.sum(-2), self.input_meta[0]) if self.needs_input_grad(0) else None,
            reduce_grad(-gw.sum(-3), self.input_meta[1]) if self.needs_input_grad(1) else None,
        )


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """p-norm distances between the rows of x1 (..., P, M) and x2 (..., R, M): (..., P, R)."""
    _cdist_checks(x1, x2, p, compute_mode)
    from ._util import broadcast_shapes

    a, b, xp = x1._data, x2._data, x1._xp
    batch = broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = xp.broadcast_to(a, tuple(batch) + a.shape[-2:])
    b = xp.broadcast_to(b, tuple(batch) + b.shape[-2:])
    rows, cols = a.shape[-2], b.shape[-2]
    use_mm = p == 2 and (
        compute_mode == "use_mm_for_euclid_dist" or (compute_mode == _MODES[0] and (rows > 25 or cols > 25))
    )
    r = _distances(xp, a, b, float(p), use_mm).astype(a.dtype, copy=False)
    res = wrap(xp.ascontiguousarray(r))
    return attach(res, CdistBackward0, (x1, x2), (x1, x2, res), p=float(p))


# ----- the polar factor U V^T (the nuclear norm's gradient) ---------------------------------
class PolarFactorBackward(Node):
    """Q = U V^T of A = U S V^T (thin, rank k). With M = U^T G V and K_ij = 1 / (s_i + s_j):
    dA = U ((M - M^T) o K) V^T + (I - U U^T) G V S^-1 V^T + U S^-1 U^T G (I - V V^T)"""

    def backward(self, g):
        u, s, vh = (wrap(a) for a in self.usv)
        v, ut = vh.mT, u.mT
        inv_s = s.reciprocal()
        m = ut @ g @ v
        k = (s.unsqueeze(-1) + s.unsqueeze(-2)).reciprocal()
        grad = u @ ((m - m.mT) * k) @ vh
        rows, cols = u.shape[-2], v.shape[-2]
        if rows > s.shape[-1]:
            gv = g @ v
            grad = grad + (gv - u @ (ut @ gv)) * inv_s.unsqueeze(-2) @ vh
        if cols > s.shape[-1]:
            ug = ut @ g
            grad = grad + u @ (inv_s.unsqueeze(-1) * (ug - (ug @ v) @ vh))
        return grad


def polar_factor(A, u, s, vh):
    """U V^T from A's thin SVD arrays, differentiable once more (the nuclear norm's double backward)."""
    return attach(wrap(u @ vh), PolarFactorBackward, (A,), usv=(u, s, vh))


# ----- Cholesky ----------------------------------------------------------------------
class LinalgCholeskyExBackward0(Node):
    """A = L L^T: dA = L^-T Phi(L^T gL) L^-1, Phi(X) = (tril(X) + tril(X, -1)^T) / 2
    (for upper=True, L = U^T and gL = gU^T)."""

    def backward(self, g):
        (f,) = self.saved_tensors
        lo, gl = (f.mT, g.mT) if self.upper else (f, g)
        from .linalg import matmul

        phi = matmul(lo.mT, gl).tril()
        phi = (phi + phi.tril(-1).mT) * 0.5
        solve = linalg_inverse.solve
        x = solve(lo.mT, phi)  # L^-T Phi
        return solve(lo.mT, x.mT).mT  # (L^-T (L^-T Phi)^T)^T = L^-T Phi L^-1


def cholesky_attach(res, A, upper):
    """Record the Cholesky derivative on linalg.cholesky's result."""
    return attach(res, LinalgCholeskyExBackward0, (A,), (res,), upper=upper)


_REMOVED = (
    "This function was deprecated since version 1.9 and is now removed. `torch.cholesky` is "
    "deprecated in favor of `torch.linalg.cholesky`.\nL = torch.cholesky(A) should be replaced "
    "with:\nL = torch.linalg.cholesky(A)\nU = torch.cholesky(A, upper=True) should be replaced "
    "with:\nU = torch.linalg.cholesky(A).mH"
)


@method()
@out_form()
def cholesky(input, upper=False):
    """Removed in PyTorch (it raises there, with the way to call linalg.cholesky)."""
    raise RuntimeError(_REMOVED)
