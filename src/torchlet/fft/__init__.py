"""torchlet.fft: discrete Fourier transforms with PyTorch's arguments
(n/s, dim, norm), dtypes (float32 -> complex64, float64 -> complex128,
integers -> the default float first) and gradients.

Each function resizes its input (zero-pad or truncate at the end of each
transformed dim, as a differentiable pad/narrow) and then runs one of the
three transforms of `_transforms`.
"""

import sys

from ..ops._aliases import bind_aliases
from ..ops._out import out_form
from . import _transforms as _t
from ._helpers import fftfreq, rfftfreq, fftshift, ifftshift

__all__ = [
    "fft",
    "ifft",
    "rfft",
    "irfft",
    "hfft",
    "ihfft",
    "fft2",
    "ifft2",
    "rfft2",
    "irfft2",
    "hfft2",
    "ihfft2",
    "fftn",
    "ifftn",
    "rfftn",
    "irfftn",
    "hfftn",
    "ihfftn",
    "fftfreq",
    "rfftfreq",
    "fftshift",
    "ifftshift",
]


def _one(n, dim):
    return (None if n is None else (n,)), (dim,)


def _check_norm(norm):
    _t.scaling(norm, True)


def _c2c(input, s, dim, norm, forward):
    _check_norm(norm)
    x = _t.promote(input)
    s, dims = _t.fft_dims(x, s, dim)
    if s is not None:
        x = _t.resize(x, dims, s)
    scale = _t.scaling(norm, forward)
    if not x.dtype.is_complex:  # a real signal: PyTorch's r2c with the full spectrum
        return _t.r2c(x, dims, scale, forward, onesided=False)
    return _t.c2c(x, dims, scale, forward)


def _r2c(name, input, s, dim, norm, forward):
    _check_norm(norm)
    if input.dtype.is_complex:
        got = _t._SCALAR[input.dtype.name]
        if name in ("ihfftn", "ihfft2"):
            raise TypeError(f"Only supports floating-point dtypes, but found: {got}")
        if name in ("rfftn", "rfft2"):
            raise TypeError(f"rfftn expects a real-valued input tensor, but got {got}")
        raise TypeError(f"{name} expects a real input tensor, but got {got}")
    x = _t.promote(input)
    s, dims = _t.fft_dims(x, s, dim)
    if s is not None:
        x = _t.resize(x, dims, s)
    return _t.r2c(x, dims, _t.scaling(norm, forward), forward, onesided=True)


def _c2r(input, s, dim, norm, forward):
    _check_norm(norm)
    x = _t.promote(input, require_complex=True)
    s, dims = _t.fft_dims(x, s, dim, check_sizes=False)
    if not dims:
        raise RuntimeError("Must transform at least one axis")
    last = s[-1] if s is not None else 2 * (x.shape[dims[-1]] - 1)
    if last < 1:
        raise RuntimeError(f"Invalid number of data points ({last}) specified")
    sizes = (s[:-1] if s is not None else tuple(x.shape[d] for d in dims[:-1])) + (last // 2 + 1,)
    x = _t.resize(x, dims, sizes)
    if forward:  # hfft: the Hermitian signal's forward transform is c2r of its conjugate
        x = x.conj()
    return _t.c2r(x, dims, _t.scaling(norm, forward), last)


@out_form(dtype=_t.complex_out, grad_name="_fft_r2c")
def fft(input, n=None, dim=-1, norm=None):
    """One-dimensional discrete Fourier transform."""
    return _c2c(input, *_one(n, dim), norm, True)


@out_form(dtype=_t.complex_out, grad="composite", grad_name="aten::conj_physical")
def ifft(input, n=None, dim=-1, norm=None):
    """One-dimensional inverse discrete Fourier transform."""
    return _c2c(input, *_one(n, dim), norm, False)


@out_form(dtype=_t.complex_out, grad_name="_fft_r2c")
def rfft(input, n=None, dim=-1, norm=None):
    """FFT of a real signal: the n//2+1 non-redundant frequencies."""
    return _r2c("rfft", input, *_one(n, dim), norm, True)


@out_form(dtype=_t.complex_out, grad_name="_fft_c2r")
def irfft(input, n=None, dim=-1, norm=None):
    """Inverse of rfft: a real signal of length n (default 2*(m-1))."""
    return _c2r(input, *_one(n, dim), norm, False)


@out_form(dtype=_t.complex_out, grad_name="_fft_c2r")
def hfft(input, n=None, dim=-1, norm=None):
    """FFT of a Hermitian-symmetric signal given by its first half (real output)."""
    return _c2r(input, *_one(n, dim), norm, True)


@out_form(dtype=_t.complex_out, grad="composite", grad_name="aten::conj_physical")
def ihfft(input, n=None, dim=-1, norm=None):
    """Inverse of hfft: the half spectrum of a real signal's inverse FFT."""
    return _r2c("ihfft", input, *_one(n, dim), norm, False)


@out_form(dtype=_t.complex_out, grad_name="_fft_c2c")
def fftn(input, s=None, dim=None, norm=None):
    return _c2c(input, s, dim, norm, True)


@out_form(dtype=_t.complex_out, grad_name="_fft_c2c")
def ifftn(input, s=None, dim=None, norm=None):
    return _c2c(input, s, dim, norm, False)


@out_form(dtype=_t.complex_out, grad_name="_fft_r2c")
def rfftn(input, s=None, dim=None, norm=None):
    return _r2c("rfftn", input, s, dim, norm, True)


@out_form(dtype=_t.complex_out, grad_name="_fft_c2r")
def irfftn(input, s=None, dim=None, norm=None):
    return _c2r(input, s, dim, norm, False)


@out_form(dtype=_t.complex_out, grad_name="_fft_c2r")
def hfftn(input, s=None, dim=None, norm=None):
    return _c2r(input, s, dim, norm, True)


@out_form(dtype=_t.complex_out)
def ihfftn(input, s=None, dim=None, norm=None):
    return _r2c("ihfftn", input, s, dim, norm, False)


@out_form(dtype=_t.complex_out, grad_name="_fft_c2c")
def fft2(input, s=None, dim=(-2, -1), norm=None):
    return fftn(input, s, dim, norm)


@out_form(dtype=_t.complex_out, grad_name="_fft_c2c")
def ifft2(input, s=None, dim=(-2, -1), norm=None):
    return ifftn(input, s, dim, norm)


@out_form(dtype=_t.complex_out, grad_name="_fft_r2c")
def rfft2(input, s=None, dim=(-2, -1), norm=None):
    return _r2c("rfft2", input, s, dim, norm, True)


@out_form(dtype=_t.complex_out, grad_name="_fft_c2r")
def irfft2(input, s=None, dim=(-2, -1), norm=None):
    return irfftn(input, s, dim, norm)


@out_form(dtype=_t.complex_out, grad_name="_fft_c2r")
def hfft2(input, s=None, dim=(-2, -1), norm=None):
    return hfftn(input, s, dim, norm)


@out_form(dtype=_t.complex_out)
def ihfft2(input, s=None, dim=(-2, -1), norm=None):
    return _r2c("ihfft2", input, s, dim, norm, False)


bind_aliases(sys.modules[__name__])
