"""torch.* / Tensor.* spellings of torchlet.linalg functions: cross (and linalg.cross itself,
an einsum with the Levi-Civita tensor), inverse, det, slogdet, logdet. They take no out= where
PyTorch's take none, and cross keeps PyTorch's legacy default dim (the first of size 3)."""

from . import linalg_inverse
from ._util import method, wrap, wrap_dim
from ._out import out_form
from .einsum import einsum
from .linalg import _NAME

__all__ = ["cross", "inverse", "det", "logdet", "slogdet"]


@out_form()
def linalg_cross(input, other, *, dim=-1):
    """torchlet.linalg.cross: (a x b)_i = eps_ijk a_j b_k, as an einsum with the Levi-Civita tensor."""
    n = max(input._data.ndim, other._data.ndim)
    sa, sb = input._data.shape, other._data.shape
    d = wrap_dim(dim, n)
    la, lb = d - n + len(sa), d - n + len(sb)
    if la < 0 or lb < 0 or sa[la] != 3 or sb[lb] != 3:
        raise RuntimeError(
            f"linalg.cross: inputs dimension {dim} must have length 3. Got "
            f"{sa[la] if la >= 0 else 1} and {sb[lb] if lb >= 0 else 1}"
        )
    if input._data.dtype != other._data.dtype:
        raise RuntimeError(
            f"linalg.cross: expected both inputs to have the same dtype, but got "
            f"{_NAME[input.dtype.name]} and {_NAME[other.dtype.name]}"
        )
    eps = input._xp.zeros((3, 3, 3), input._data.dtype)
    eps[0, 1, 2] = eps[1, 2, 0] = eps[2, 0, 1] = 1
    eps[0, 2, 1] = eps[2, 1, 0] = eps[1, 0, 2] = -1
    a, b = input.movedim(la, -1), other.movedim(lb, -1)
    res = einsum("...j,...k,ijk->...i", a, b, wrap(input._xp.asarray(eps))).movedim(-1, d)
    return res


# ----- torch.* / Tensor.* spellings of torchlet.linalg functions -----------------
@method()
@out_form()
def cross(input, other, dim=None):
    if dim is None:  # PyTorch's legacy default: the first dim of size 3
        dim = next((i for i, s in enumerate(input.shape) if s == 3), -1)
    return linalg_cross(input, other, dim=dim)


@method()
@out_form()
def inverse(input):
    return linalg_inverse.inv(input)


@method()
def det(input):
    return linalg_inverse.det(input)


@method()
def slogdet(input):
    return linalg_inverse.slogdet(input)


@method()
def logdet(input):
    """log det(A): log|det A| where det A > 0, nan where it is negative."""
    sign, logabs = linalg_inverse.slogdet(input)
    xp = input._xp
    return logabs + wrap(xp.log(xp.where(sign._data < 0, xp.nan, sign._data)).astype(sign._data.dtype))
