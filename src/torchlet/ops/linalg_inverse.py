"""torchlet.linalg.inv / inv_ex / det / slogdet / solve: LAPACK forwards through the
backend (`xp.linalg`), backwards with Tensor ops so higher-order gradients work:
  inv:   dA = -A^-T g A^-T          det:  dA = g det(A) A^-T
  solve: dB = A^-T g, dA = -dB X^T  slogdet: dA = g_logabs A^-T
Singular inputs raise LinAlgError (a RuntimeError) with PyTorch's message."""

import numpy as np

from .._device import host
from ._util import Node, attach, reduce_grad, wrap
from ._out import out_form
from .linalg import _NAME, matmul
from ._linalg_checks import LinAlgError, _square_check, _result

__all__ = ["inv", "inv_ex", "det", "slogdet", "solve"]


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
        m[j + 1 :, j:] -= np.outer(m[j + 1 :, j] / m[j, j], m[j, j:])
    return 0


def _singular(a, fn):
    flat = host(a).reshape(-1, a.shape[-2], a.shape[-1])  # an error message's detail: on the host
    for b, m in enumerate(flat):
        k = _zero_pivot(m)
        if k:
            where = f"(Batch element {b}): " if a.ndim > 2 else ""
            return LinAlgError(
                f"{fn}: {where}The diagonal element {k} is zero, the inversion could not "
                "be completed because the input matrix is singular."
            )
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


inv_ex_result = _result("linalg_inv_ex", ["inverse", "info"])


@out_form()
def inv_ex(A, *, check_errors=False):
    try:
        return inv_ex_result(inv(A), wrap(A._xp.zeros(A._data.shape[:-2], np.int32)))
    except LinAlgError:
        if check_errors:
            raise
        return inv_ex_result(
            wrap(A._xp.full(A._data.shape, np.nan, A._data.dtype)), wrap(A._xp.ones(A._data.shape[:-2], np.int32))
        )


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
        raise RuntimeError(
            f"linalg.solve: Expected A and B to have the same dtype, but found A of type "
            f"{_NAME[A.dtype.name]} and B of type {_NAME[B.dtype.name]} instead"
        )
    if not left:
        return solve(A.mT, B.mT).mT
    a, b = A._data, B._data
    vec = b.ndim == 1 or (b.ndim == a.ndim - 1 and b.shape == a.shape[:-1])
    b2 = b[..., None] if vec else b
    if b2.shape[-2] != a.shape[-1]:
        raise RuntimeError(
            f"linalg.solve: Incompatible shapes of A and B for the equation AX = B "
            f"({a.shape[-2]}x{a.shape[-1]} and {b2.shape[-2]}x{b2.shape[-1]})"
        )
    try:
        x = A._xp.linalg.solve(a, b2)
    except np.linalg.LinAlgError:
        raise LinAlgError("torch.linalg.solve: The solver failed because the input matrix is singular.") from None
    res = wrap(x[..., 0] if vec else x)
    return attach(res, LinalgSolveExBackward0, (A, B), (A, res), vec=vec)
