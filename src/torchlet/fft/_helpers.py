"""Sample frequencies (fftfreq, rfftfreq) and moving the zero frequency to the
centre (fftshift, ifftshift)."""

import numpy as np

from .. import _dtype
from ..ops._out import out_form
from ..ops.creation import _arange_resize, arange


def _freqs(name, count, n, d, dtype, device, requires_grad, negative_half):
    dtype = dtype or _dtype.get_default_dtype()
    if dtype.category < 2:
        raise RuntimeError(f"{name} requires a floating point or complex dtype")
    r = arange(count, dtype=dtype, device=device)
    if negative_half:
        a = r._data
        a[(n + 1) // 2 :] -= n
    # PyTorch multiplies by the scalar 1/(n*d) cast to the tensor's dtype
    with np.errstate(invalid="ignore"):  # n*d == 0: inf, so rfftfreq(0) is [nan] as in PyTorch
        r._data *= r._data.dtype.type(1.0 / (n * d) if n * d else np.inf)
    if requires_grad:
        r.requires_grad_()
    return r


@out_form(dtype="factory", resize=_arange_resize, grad_name="aten::fft_fftfreq")
def fftfreq(n, d=1.0, *, dtype=None, layout=None, device=None, requires_grad=False):
    """[0, 1, ..., (n-1)//2, -(n//2), ..., -1] / (d*n)."""
    return _freqs("fftfreq", n, n, d, dtype, device, requires_grad, True)


@out_form(dtype="factory", resize=_arange_resize, grad_name="aten::fft_rfftfreq")
def rfftfreq(n, d=1.0, *, dtype=None, layout=None, device=None, requires_grad=False):
    """[0, 1, ..., n//2] / (d*n): the frequencies of rfft's output."""
    return _freqs("rfftfreq", n // 2 + 1, n, d, dtype, device, requires_grad, False)


def _shift(input, dim, sign):
    if dim is None:
        dims = tuple(range(input.dim()))
    elif isinstance(dim, int):
        dims = (dim,)
    else:
        dims = tuple(dim)
    if not dims:
        raise RuntimeError("`shifts` required")
    shifts = tuple((input.shape[d] // 2) if sign > 0 else (input.shape[d] + 1) // 2 for d in dims)
    return input.roll(shifts, dims)


def fftshift(input, dim=None):
    """Roll each dim by n//2, putting the zero frequency in the middle."""
    return _shift(input, dim, 1)


def ifftshift(input, dim=None):
    """The inverse of fftshift: roll each dim by (n+1)//2."""
    return _shift(input, dim, -1)
