"""torchlet.linalg: norms, inverse, solve, determinants and decompositions.

Forwards are LAPACK calls through the backend (`xp.linalg`); backwards are
written with Tensor ops so higher-order gradients work:
  inv:   dA = -A^-T g A^-T          det:  dA = g det(A) A^-T
  solve: dB = A^-T g, dA = -dB X^T  slogdet: dA = g_logabs A^-T
  vector_norm(x, p): dx = g sign(x) |x|^(p-1) / norm^(p-1)
Singular inputs raise LinAlgError (a RuntimeError) with PyTorch's message."""
import collections
import math

import numpy as np

from ._dtype import _FROM_NP
from .ops._util import Node, attach, dims_of, reduce_grad, wrap, wrap_dim
from .ops._out import out_form
from .ops.linalg import _NAME, matmul  # noqa: F401  (linalg.matmul)
from .ops.linalg_functions import cholesky_attach, matrix_exp, matrix_power, polar_factor  # noqa: F401

__all__ = ["LinAlgError", "norm", "vector_norm", "matrix_norm", "inv", "inv_ex", "solve", "det",
           "slogdet", "matmul", "eigh", "eigvalsh", "svd", "svdvals", "qr", "cholesky", "pinv",
           "matrix_rank", "multi_dot", "vecdot", "cross", "matrix_power", "matrix_exp"]


class _LinAlgError(RuntimeError):
    """A matrix is singular / not positive-definite (torch.linalg.LinAlgError,
    whose class PyTorch names _LinAlgError)."""


LinAlgError = _LinAlgError


def _float_check(A, fn):
    if A.dtype.category < 2:
        raise RuntimeError(f"linalg.{fn}: Expected a floating point or complex tensor as input. "
                           f"Got {_NAME.get(A.dtype.name, A.dtype.name)}")


def _matrix_check(A, fn, what="A", prefix="linalg."):
    """Batches of matrices: at least 2 dims (NumPy would raise its LinAlgError)."""
    if A._data.ndim < 2:
        raise RuntimeError(f"{prefix}{fn}: The input tensor {what} must have at least 2 dimensions.")
    _float_check(A, fn)


def _square_check(A, fn):
    shape = A._data.shape
    if len(shape) < 2:
        raise RuntimeError(f"linalg.{fn}: The input tensor A must have at least 2 dimensions.")
    if shape[-1] != shape[-2]:
        raise RuntimeError(f"linalg.{fn}: A must be batches of square matrices, but they are "
                           f"{shape[-2]} by {shape[-1]} matrices")
    _float_check(A, fn)


def _const(arr):
    return wrap(arr)


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
            raise RuntimeError(f"linalg.vector_norm cannot compute the {ord} norm on an empty tensor "
                               "because the operation does not have an identity")
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
    return attach(wrap(out), AmaxBackward0 if largest else AminBackward0, (t,), (t,), dim=dim,
                  keepdim=keepdim, result=(r,))


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
            m = u[..., :, i:i + 1 if i == 0 else None] @ vh[..., i:i + 1 if i == 0 else None, :]
        return g.unsqueeze(-1).unsqueeze(-1) * _const(m)


def _svd_norm(A, ord, d0, d1, keepdim):
    At = A.movedim((d0, d1), (-2, -1)) if (d0, d1) != (A.ndim - 2, A.ndim - 1) else A
    u, s, vh = At._xp.linalg.svd(At._data, full_matrices=False)
    r = s.sum(-1) if ord == "nuc" else (s[..., 0] if ord > 0 else s[..., -1])
    res = attach(wrap(At._xp.asarray(r, dtype=At._data.dtype)), LinalgSvdBackward0, (At,), (At,),
                 ord=ord, usv=(u, s, vh))
    if keepdim:
        res = res.unsqueeze(min(d0, d1)).unsqueeze(max(d0, d1))
    return res


@out_form(grad="composite")
def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):
    if A._data.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    _float_check(A, "matrix_norm")
    if isinstance(dim, int):
        raise TypeError("linalg_matrix_norm() received an invalid combination of arguments - got an int "
                        "dim, but expected a tuple of ints")
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
            raise RuntimeError("linalg.norm: If dim is not specified but ord is, the input must be 1D or "
                               f"2D. Got {A._data.ndim}D.")
        dim = tuple(range(A._data.ndim))
    if len(dim) == 1:
        if isinstance(ord, str):
            raise RuntimeError(f"linalg.vector_norm: Order {ord} not supported.")
        return vector_norm(A, ord, dim, keepdim, dtype=dtype)
    return matrix_norm(A, ord, dim, keepdim, dtype=dtype)


# ----- inverse, determinant, solve ---------------------------------------------
def _zero_pivot(m):
    """1-based index of the first zero pivot of LU with partial pivoting (0: none)."""
    m = m.copy()
    n = m.shape[0]
    for j in range(n):
        p = j + int(np.argmax(np.abs(m[j:, j])))
        if m[p, j] == 0:
            return j + 1
        m[[j, p]] = m[[p, j]]
        m[j + 1:, j:] -= np.outer(m[j + 1:, j] / m[j, j], m[j, j:])
    return 0


def _singular(a, fn):
    flat = np.asarray(a).reshape(-1, a.shape[-2], a.shape[-1])
    for b, m in enumerate(flat):
        k = _zero_pivot(m)
        if k:
            where = f"(Batch element {b}): " if a.ndim > 2 else ""
            return LinAlgError(f"{fn}: {where}The diagonal element {k} is zero, the inversion could not "
                               "be completed because the input matrix is singular.")
    return LinAlgError(f"{fn}: The input matrix is singular.")


class LinalgInvExBackward0(Node):
    """d A^-1 = -A^-T g A^-T"""

    def backward(self, g):
        (ainv,) = self.saved_tensors
        t = ainv.mT
        return -matmul(matmul(t, g), t)


@out_form(grad_name="linalg_inv_ex")
def inv(A):
    _square_check(A, "inv")
    try:
        r = A._xp.linalg.inv(A._data)
    except np.linalg.LinAlgError:
        raise _singular(A._data, "linalg.inv") from None
    res = wrap(r)
    return attach(res, LinalgInvExBackward0, (A,), (res,))


def _result(name, fields):
    """torchlet.return_types.<name> where that module has it, else a namedtuple."""
    try:
        from . import return_types
        cls = getattr(return_types, name)
        return lambda *values: cls(values)
    except (ImportError, AttributeError):
        return collections.namedtuple(name, fields)


inv_ex_result = _result("linalg_inv_ex", ["inverse", "info"])


@out_form()
def inv_ex(A, *, check_errors=False):
    try:
        return inv_ex_result(inv(A), wrap(np.zeros(A._data.shape[:-2], np.int32)))
    except LinAlgError:
        if check_errors:
            raise
        return inv_ex_result(wrap(np.full(A._data.shape, np.nan, A._data.dtype)),
                             wrap(np.ones(A._data.shape[:-2], np.int32)))


class LinalgDetBackward0(Node):
    """d det(A) = g det(A) A^-T"""

    def backward(self, g):
        a, d = self.saved_tensors
        gd = (g * d).unsqueeze(-1).unsqueeze(-1)
        try:
            return gd * inv(a).mT
        except LinAlgError:  # PyTorch's solve-based formula gives 0 when det(A) == 0
            return gd * a * 0


@out_form(grad_name="_linalg_det")
def det(A):
    _square_check(A, "det")
    r = A._xp.asarray(A._xp.linalg.det(A._data), dtype=A._data.dtype)
    res = wrap(r)
    return attach(res, LinalgDetBackward0, (A,), (A, res))


slogdet_result = _result("linalg_slogdet", ["sign", "logabsdet"])


class LinalgSlogdetBackward0(Node):
    """d log|det A| = g A^-T; the sign (of a real matrix) is piecewise constant: no gradient"""
    n_outputs = 2

    def backward(self, g_sign, g_logabs):
        if g_logabs is None:
            return None
        (a,) = self.saved_tensors
        return g_logabs.unsqueeze(-1).unsqueeze(-1) * inv(a).mT


@out_form()
def slogdet(A):
    _square_check(A, "slogdet")
    sign, logabs = A._xp.linalg.slogdet(A._data)
    dt = A._data.dtype
    outs = (wrap(A._xp.asarray(sign, dtype=dt)), wrap(A._xp.asarray(logabs, dtype=dt)))
    outs = attach(outs, LinalgSlogdetBackward0, (A,), (A,))
    return slogdet_result(*outs)


class LinalgSolveExBackward0(Node):
    """X = A^-1 B: dB = A^-T g, dA = -dB X^T"""

    def backward(self, g):
        a, x = self.saved_tensors
        gb = solve(a.mT, g)
        ga = None
        if self.needs_input_grad(0):
            ga = -(gb.unsqueeze(-1) * x.unsqueeze(-2)) if self.vec else -matmul(gb, x.mT)
            ga = reduce_grad(ga, self.input_meta[0])
        return ga, reduce_grad(gb, self.input_meta[1]) if self.needs_input_grad(1) else None


@out_form(grad_name="_linalg_solve_ex")
def solve(A, B, *, left=True):
    _square_check(A, "solve")
    if A._data.dtype != B._data.dtype:
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found A of type "
                           f"{_NAME[A.dtype.name]} and B of type {_NAME[B.dtype.name]} instead")
    if not left:
        return solve(A.mT, B.mT).mT
    a, b = A._data, B._data
    vec = b.ndim == 1 or (b.ndim == a.ndim - 1 and b.shape == a.shape[:-1])
    b2 = b[..., None] if vec else b
    if b2.shape[-2] != a.shape[-1]:
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation AX = B "
                           f"({a.shape[-2]}x{a.shape[-1]} and {b2.shape[-2]}x{b2.shape[-1]})")
    try:
        x = A._xp.linalg.solve(a, b2)
    except np.linalg.LinAlgError:
        raise LinAlgError("torch.linalg.solve: The solver failed because the input matrix is "
                          "singular.") from None
    res = wrap(x[..., 0] if vec else x)
    return attach(res, LinalgSolveExBackward0, (A, B), (A, res), vec=vec)


# ----- decompositions (forward; no derivative yet) --------------------------------
class _NoDerivative(Node):
    def backward(self, *grads):
        raise NotImplementedError(f"the derivative for '{self.op}' is not implemented.")


def _nograd(outs, A, op):
    nodes = tuple(o for o in outs if o is not None)
    for o in nodes:
        attach(o, _NoDerivative, (A,), (), op=op)
    return outs


eigh_result = _result("linalg_eigh", ["eigenvalues", "eigenvectors"])
svd_result = _result("linalg_svd", ["U", "S", "Vh"])
qr_result = _result("linalg_qr", ["Q", "R"])


@out_form()
def eigh(A, UPLO="L"):
    _square_check(A, "eigh")
    w, v = A._xp.linalg.eigh(A._data, UPLO=UPLO)
    return eigh_result(*_nograd((wrap(w), wrap(v)), A, "linalg_eigh"))


@out_form()
def eigvalsh(A, UPLO="L"):
    _square_check(A, "eigvalsh")
    return _nograd((wrap(A._xp.linalg.eigvalsh(A._data, UPLO=UPLO)),), A, "linalg_eigvalsh")[0]


@out_form()
def svd(A, full_matrices=True, *, driver=None):
    _matrix_check(A, "svd")
    u, s, vh = A._xp.linalg.svd(A._data, full_matrices=full_matrices)
    return svd_result(*_nograd((wrap(u), wrap(s), wrap(vh)), A, "linalg_svd"))


@out_form()
def svdvals(A, *, driver=None):
    _matrix_check(A, "svd")
    _float_check(A, "svdvals")
    return _nograd((wrap(A._xp.linalg.svd(A._data, compute_uv=False)),), A, "linalg_svdvals")[0]


@out_form()
def qr(A, mode="reduced"):
    if mode not in ("reduced", "r", "complete"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), "
                           "'r', or 'complete'")
    _matrix_check(A, "qr")
    q, r = A._xp.linalg.qr(A._data, mode=mode)
    if mode == "r":
        q = A._xp.empty((0,), A._data.dtype)
    return qr_result(*_nograd((wrap(q), wrap(r)), A, "linalg_qr"))


@out_form()
def cholesky(A, *, upper=False):
    _square_check(A, "cholesky")
    try:
        lo = A._xp.linalg.cholesky(A._data)
    except np.linalg.LinAlgError:
        flat = A._data.reshape(-1, *A._data.shape[-2:])
        for b, m in enumerate(flat):
            for k in range(1, m.shape[0] + 1):
                try:
                    np.linalg.cholesky(m[:k, :k])
                except np.linalg.LinAlgError:
                    where = f"(Batch element {b}): " if A._data.ndim > 2 else ""
                    raise LinAlgError(f"linalg.cholesky: {where}The factorization could not be completed "
                                      "because the input is not positive-definite (the leading minor of "
                                      f"order {k} is not positive-definite).") from None
        raise
    r = A._xp.swapaxes(lo, -1, -2).copy() if upper else lo
    return cholesky_attach(wrap(r), A, upper)


@out_form()
def pinv(A, *, atol=None, rtol=None, hermitian=False):
    if A._data.ndim < 2:
        raise RuntimeError(f"linalg.pinv({_NAME.get(A.dtype.name, A.dtype.name)}{{{list(A._data.shape)}}}): "
                           "expected a tensor with 2 or more dimensions of float, double, cfloat or "
                           "cdouble types")
    _float_check(A, "pinv")
    return _nograd((wrap(A._xp.linalg.pinv(A._data, hermitian=hermitian).astype(A._data.dtype)),),
                   A, "linalg_pinv")[0]


@out_form()
def matrix_rank(A, *, atol=None, tol=None, rtol=None, hermitian=False):
    _matrix_check(A, "matrix_rank", "input", "torch.linalg.")
    return wrap(np.asarray(A._xp.linalg.matrix_rank(A._data, hermitian=hermitian), dtype=np.int64))


@out_form()
def multi_dot(tensors):
    res = tensors[0]
    for t in tensors[1:]:
        res = matmul(res, t)
    return res


@out_form()
def vecdot(x, y, *, dim=-1):
    return (x * y).sum(dim)


@out_form()
def cross(input, other, *, dim=-1):
    """(a x b)_i = eps_ijk a_j b_k, as an einsum with the Levi-Civita tensor."""
    from .ops.linalg_ext import einsum
    n = max(input._data.ndim, other._data.ndim)
    sa, sb = input._data.shape, other._data.shape
    d = wrap_dim(dim, n)
    la, lb = d - n + len(sa), d - n + len(sb)
    if la < 0 or lb < 0 or sa[la] != 3 or sb[lb] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                           f"{sa[la] if la >= 0 else 1} and {sb[lb] if lb >= 0 else 1}")
    if input._data.dtype != other._data.dtype:
        raise RuntimeError(f"linalg.cross: expected both inputs to have the same dtype, but got "
                           f"{_NAME[input.dtype.name]} and {_NAME[other.dtype.name]}")
    eps = np.zeros((3, 3, 3), input._data.dtype)
    eps[0, 1, 2] = eps[1, 2, 0] = eps[2, 0, 1] = 1
    eps[0, 2, 1] = eps[2, 1, 0] = eps[1, 0, 2] = -1
    a, b = input.movedim(la, -1), other.movedim(lb, -1)
    res = einsum("...j,...k,ijk->...i", a, b, wrap(input._xp.asarray(eps))).movedim(-1, d)
    return res
