"""torch.svd (U, S, V) with its derivative, and torch.dist.

For A = U diag(S) V^H (reduced: k = min(m, n) singular values), with gradients gU, gS, gV
(gV = gVh^H), PyTorch's formula (real and complex with a gauge-invariant loss):

    gA = U [ (skew(U^H gU) / E) S + S (skew(V^H gV) / E) + diag(gS) ] V^H
         + (I_m - U U^H) gU S^{-1} V^H            (m > k)
         + U S^{-1} gV^H (I_n - V V^H)            (n > k)
    skew(X) = X - X^H,   E_jk = S_k^2 - S_j^2 (j != k), 1 on the diagonal

(the complex case adds i Im(diag(U^H gU)) / (2 S) to the diagonal). With full_matrices the
extra columns of U / rows of Vh carry no gradient: only the first k enter the formula.

    dist(x, y, p) = ||x - y||_p,   its gradient that of the vector norm.
"""

from ._out import out_form
from ._util import Node, Tensor, attach, broadcast_shape, method, wrap
from ..return_types import svd as _svd_result, svd_out as _svd_out_result

__all__ = ["svd", "dist"]

_NAME = {
    "int64": "Long",
    "int32": "Int",
    "int16": "Short",
    "int8": "Char",
    "uint8": "Byte",
    "bool": "Bool",
    "float16": "Half",
    "bfloat16": "BFloat16",
}


class LinalgSvdBackward0(Node):
    __doc__ = __doc__
    n_outputs = 3

    def backward(self, gU, gS, gVh):
        U, S, Vh = self.saved_tensors
        return svd_backward(gU, gS, gVh, U, S, Vh)


def svd_backward(gU, gS, gVh, U, S, Vh):
    """gA from the gradients of (U, S, Vh); see the module docstring."""
    from .creation import zeros

    k = S.shape[-1]
    m, n = U.shape[-2], Vh.shape[-1]
    if U.shape[-1] > k:
        U = U[..., :k]
        gU = None if gU is None else gU[..., :k]
    if Vh.shape[-2] > k:
        Vh = Vh[..., :k, :]
        gVh = None if gVh is None else gVh[..., :k, :]
    cplx = U.dtype.is_complex
    if gU is None and gVh is None:
        if gS is None:
            return zeros(*U.shape[:-2], m, n, dtype=U.dtype)
        return (U * gS.unsqueeze(-2).to(U.dtype)).matmul(Vh)
    V, Uh = Vh.mH, U.mH
    Sr = S.to(U.dtype) if cplx else S
    S2 = S * S
    E = S2.unsqueeze(-2) - S2.unsqueeze(-1)
    E = E + _eye_like(E)  # 1 on the diagonal
    inner = None
    if gU is not None:
        UhgU = Uh.matmul(gU)
        skew = UhgU - UhgU.mH
        inner = (skew / E) * Sr.unsqueeze(-2)
        if cplx:
            d = UhgU.diagonal(0, -2, -1).imag / (2 * S)
            inner = inner + (d * 1j).to(U.dtype).diag_embed()
    if gVh is not None:
        gV = gVh.mH
        VhgV = Vh.matmul(gV)
        term = Sr.unsqueeze(-1) * ((VhgV - VhgV.mH) / E)
        inner = term if inner is None else inner + term
    if gS is not None:
        inner = inner + gS.to(U.dtype).diag_embed()
    gA = U.matmul(inner).matmul(Vh)
    if gU is not None and m > k:
        proj = gU - U.matmul(Uh.matmul(gU))
        gA = gA + (proj / Sr.unsqueeze(-2)).matmul(Vh)
    if gVh is not None and n > k:
        proj = gV.mH - (gV.mH.matmul(V)).matmul(Vh)
        gA = gA + U.matmul(proj / Sr.unsqueeze(-1))
    return gA


def _eye_like(E):
    from .creation import eye

    return eye(E.shape[-1], dtype=E.dtype)


def _linalg_svd(A, full_matrices):
    """(U, S, Vh) as three tensors, one node (LinalgSvdBackward0)."""
    u, s, vh = A._xp.linalg.svd(A._data, full_matrices=full_matrices)
    outs = (wrap(u), wrap(s), wrap(vh))
    return attach(outs, LinalgSvdBackward0, (A,), outs)


def _check(A):
    if A._data.ndim < 2:
        raise RuntimeError(
            f"linalg.svd: input should have at least 2 dimensions, but has {A._data.ndim} dimensions instead"
        )
    if A.dtype.category < 2:
        raise RuntimeError(
            f"linalg.svd: Expected a floating point or complex tensor as input. Got "
            f"{_NAME.get(A.dtype.name, A.dtype.name)}"
        )


def _svd(input, some=True, compute_uv=True):
    _check(input)
    from .creation import zeros

    m, n = input.shape[-2], input.shape[-1]
    batch = tuple(input.shape[:-2])
    U, S, Vh = _linalg_svd(input, not some and compute_uv)
    if compute_uv:
        return U, S, Vh.mH
    return zeros(*batch, m, m, dtype=input.dtype), S, zeros(*batch, n, n, dtype=input.dtype)


@out_form(name="svd", grad_name="_linalg_svd")
def _svd_uvs(input, some=True, compute_uv=True):
    """(U, V, S): the order PyTorch's svd out= writes (and warns about) its outputs."""
    U, S, V = _svd(input, some, compute_uv)
    return U, V, S


def svd(input, some=True, compute_uv=True, *, out=None):
    """torch.svd: (U, S, V) with V (not V^H); some=False gives square U and V. compute_uv=False
    returns zero-filled U (m, m) and V (n, n), as PyTorch does, and S still has its gradient."""
    if out is None:
        return _svd_result(_svd(input, some, compute_uv))
    if not isinstance(out, (tuple, list)) or len(out) != 3:
        raise TypeError(f"svd(): argument 'out' must be tuple of Tensors, not {type(out).__name__}")
    U, S, V = out
    _svd_uvs(input, some, compute_uv, out=(U, V, S))
    return _svd_out_result((U, S, V))


@method("svd")
def _svd_method(input, some=True, compute_uv=True):
    """Tensor.svd (no out=)."""
    return _svd_result(_svd(input, some, compute_uv))


@method()
def dist(input, other, p=2):
    """||input - other||_p over all elements (broadcast first)."""
    from ..linalg import vector_norm

    if not isinstance(other, Tensor):
        raise TypeError(f"dist(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}")
    for t in (input, other):
        if t.dtype.category < 2:
            raise RuntimeError(
                f"norm(): input dtype should be either floating point or complex. Got "
                f"{_NAME.get(t.dtype.name, t.dtype.name)} instead."
            )
    broadcast_shape(tuple(input.shape), tuple(other.shape))
    return vector_norm(input - other, float(p))
