"""torchlet.linalg's decompositions and helpers: eigh, eigvalsh, svd, svdvals, qr,
cholesky, pinv, matrix_rank, multi_dot, vecdot, cross."""

import numpy as np

from .._device import host
from ._util import Node, attach, wrap
from ._out import out_form
from .linalg import _NAME, matmul
from .linalg_functions import cholesky_attach
from ._linalg_checks import LinAlgError, _float_check, _matrix_check, _square_check, _result

__all__ = ["eigh", "eigvalsh", "svd", "svdvals", "qr", "cholesky", "pinv", "matrix_rank", "multi_dot", "vecdot"]


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
        raise RuntimeError(
            f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', or 'complete'"
        )
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
        flat = host(A._data).reshape(-1, *A._data.shape[-2:])  # the error's detail, on the host
        for b, m in enumerate(flat):
            for k in range(1, m.shape[0] + 1):
                try:
                    np.linalg.cholesky(m[:k, :k])
                except np.linalg.LinAlgError:
                    where = f"(Batch element {b}): " if A._data.ndim > 2 else ""
                    raise LinAlgError(
                        f"linalg.cholesky: {where}The factorization could not be completed "
                        "because the input is not positive-definite (the leading minor of "
                        f"order {k} is not positive-definite)."
                    ) from None
        raise
    r = A._xp.swapaxes(lo, -1, -2).copy() if upper else lo
    return cholesky_attach(wrap(r), A, upper)


@out_form()
def pinv(A, *, atol=None, rtol=None, hermitian=False):
    if A._data.ndim < 2:
        raise RuntimeError(
            f"linalg.pinv({_NAME.get(A.dtype.name, A.dtype.name)}{{{list(A._data.shape)}}}): "
            "expected a tensor with 2 or more dimensions of float, double, cfloat or "
            "cdouble types"
        )
    _float_check(A, "pinv")
    return _nograd((wrap(A._xp.linalg.pinv(A._data, hermitian=hermitian).astype(A._data.dtype)),), A, "linalg_pinv")[0]


@out_form()
def matrix_rank(A, *, atol=None, tol=None, rtol=None, hermitian=False):
    _matrix_check(A, "matrix_rank", "input", "torch.linalg.")
    return wrap(A._xp.asarray(A._xp.linalg.matrix_rank(A._data, hermitian=hermitian), dtype=np.int64))


@out_form()
def multi_dot(tensors):
    res = tensors[0]
    for t in tensors[1:]:
        res = matmul(res, t)
    return res


@out_form()
def vecdot(x, y, *, dim=-1):
    return (x * y).sum(dim)
