"""The three discrete Fourier transforms every torchlet.fft function reduces
to, as differentiable ops (the same split as PyTorch's _fft_c2c / _fft_r2c /
_fft_c2r), plus the argument checks they share.

A transform's scaling is one of none / 1/sqrt(n) / 1/n, chosen by `norm` and
the direction ("backward": the inverse divides by n; "forward": the forward
does; "ortho": both divide by sqrt(n)). Each transform is linear, so its
gradient is the adjoint transform: the opposite direction with the same
scaling (PyTorch's convention gives complex gradients as dL/dx + i dL/dy,
which makes the adjoint exactly the gradient).

    c2c:  y = F x            g_x = F^H g_y
    r2c:  y = (F x)[:n//2+1] g_x = real(F^H pad(g_y, n))     (zeros fill the dropped half)
    c2r:  y = real(F^H h(x)) with h the Hermitian extension of the half spectrum x
                             g_x = (F g_y)[:n//2+1], entries 1 .. n - (n//2+1) doubled
                             (each of those also stands for its mirrored partner)
"""

from .. import _dtype
from ..ops._util import Node, attach, wrap, wrap_dim

_NONE, _SQRT, _N = 0, 1, 2
# NumPy's norm names give the scaling for its forward (fftn/rfftn) and inverse
# (ifftn/irfftn) transforms: index by (scaling, direction is forward).
_NP_NORM = {
    (_NONE, True): "backward",
    (_N, True): "forward",
    (_SQRT, True): "ortho",
    (_NONE, False): "forward",
    (_N, False): "backward",
    (_SQRT, False): "ortho",
}
_SCALE_NAMES = ("backward", "forward", "ortho")


def scaling(norm, forward):
    """PyTorch's norm string as a scaling (none, sqrt, n) for one direction."""
    if norm is None or norm == "backward":
        return _NONE if forward else _N
    if norm == "forward":
        return _N if forward else _NONE
    if norm == "ortho":
        return _SQRT
    raise RuntimeError(f'Invalid normalization mode: "{norm}"')


_SCALAR = {
    "float16": "Half",
    "bfloat16": "BFloat16",
    "float32": "Float",
    "float64": "Double",
    "complex64": "ComplexFloat",
    "complex128": "ComplexDouble",
}


def promote(x, require_complex=False):
    """Integers become the default float dtype; Half/BFloat16 are refused on
    CPU as in PyTorch; `require_complex` lifts a real input to complex."""
    d = x.dtype
    if d.category < 2:
        x = x.to(_dtype.get_default_dtype())
        d = x.dtype
    if d.name in ("float16", "bfloat16"):
        raise NotImplementedError(f"Unsupported dtype {_SCALAR[d.name]}")
    if require_complex and not d.is_complex:
        x = x.to(_dtype.complex128 if d is _dtype.float64 else _dtype.complex64)
    return x


def fft_dims(x, s, dim, check_sizes=True):
    """Resolve (s, dim) as torch.fft's n-dimensional functions do: returns
    (sizes or None, dims)."""
    nd = x.dim()
    if dim is not None:
        if isinstance(dim, int):
            dim = (dim,)
        if nd == 0 and dim:
            raise IndexError(f"Dimension specified as {dim[0]} but tensor has no dimensions")
        dims = tuple(wrap_dim(d, nd) for d in dim)
        if len(set(dims)) != len(dims):
            raise RuntimeError("FFT dims must be unique")
        if s is not None:
            s = tuple(int(v) for v in s)
            if len(s) != len(dims):
                raise RuntimeError("When given, dim and shape arguments must have the same length")
    elif s is not None:
        s = tuple(int(v) for v in s)
        if len(s) > nd:
            raise RuntimeError(f"Got shape with {len(s)} values but input tensor only has {nd} dimensions.")
        dims = tuple(range(nd - len(s), nd))
    else:
        dims = tuple(range(nd))
    if s is not None:
        s = tuple(x.shape[d] if n == -1 else n for n, d in zip(s, dims))
    for n in s if s is not None else (x.shape[d] for d in dims) if check_sizes else ():
        if n <= 0:
            raise RuntimeError(f"Invalid number of data points ({n}) specified")
    return s, dims


def resize(x, dims, sizes):
    """Zero-pad or truncate `x` at the end of each dim to `sizes` (differentiably)."""
    for d, n in zip(dims, sizes):
        have = x.shape[d]
        if have > n:
            x = x.narrow(d, 0, n)
        elif have < n:
            pad = [0, 0] * (x.dim() - 1 - d) + [0, n - have]
            from ..ops.padding import pad as _pad

            x = _pad(x, pad)
    return x


def _np_fft(xp, a, dims, scale, forward):
    fn = xp.fft.fftn if forward else xp.fft.ifftn
    return fn(a, axes=dims, norm=_NP_NORM[(scale, forward)])


def _complex_of(real_np):
    return _dtype.complex128.np if real_np == _dtype.float64.np else _dtype.complex64.np


class FftC2CBackward0(Node):
    """g_x = F^H g (the opposite direction, same scaling)"""

    def backward(self, g):
        return c2c(g, self.dims, self.scale, not self.forward)


class FftR2CBackward0(Node):
    """g_x = real(F^H pad(g)); without onesided, real(F^H g)"""

    def backward(self, g):
        shape = self.input_meta[0][0]
        if self.onesided:
            g = resize(g, self.dims[-1:], (shape[self.dims[-1]],))
        return c2c(g, self.dims, self.scale, not self.forward).real


def c2c(x, dims, scale, forward):
    """Complex-to-complex transform over `dims` (x complex)."""
    out = _np_fft(x._xp, x._data, dims, scale, forward).astype(x._data.dtype, copy=False)
    return attach(wrap(out), FftC2CBackward0, (x,), dims=dims, scale=scale, forward=forward)


def r2c(x, dims, scale, forward, onesided):
    """Real-to-complex transform over `dims`; `onesided` keeps the last dim's
    n//2+1 non-redundant entries. The inverse direction is the conjugate."""
    xp, a = x._xp, x._data
    if onesided:
        out = xp.fft.rfftn(a, axes=dims, norm=_NP_NORM[(scale, True)])
        if not forward:
            out = xp.conj(out)
    else:
        out = _np_fft(xp, a, dims, scale, forward)
    out = out.astype(_complex_of(a.dtype), copy=False)
    return attach(wrap(out), FftR2CBackward0, (x,), dims=dims, scale=scale, forward=forward, onesided=onesided)


class FftC2RBackward0(Node):
    """g_x = rfft(g) with entries 1 .. n - (n//2+1) of the last dim doubled"""

    def backward(self, g):
        gi = r2c(g, self.dims, self.scale, True, True)
        last = self.dims[-1]
        extra = g.shape[last] - gi.shape[last]
        if extra > 0:
            w = gi._xp.ones(gi.shape[last], dtype=g._data.dtype)
            w[1 : 1 + extra] = 2
            w = w.reshape((-1,) + (1,) * (gi.dim() - 1 - last))
            gi = gi * wrap(w)
        return gi


def c2r(x, dims, scale, last_size):
    """Half spectrum (last dim last_size//2+1) to a real signal of last_size
    (an inverse transform; the imaginary parts of the self-mirrored entries
    are ignored)."""
    xp, a = x._xp, x._data
    sizes = tuple(a.shape[d] for d in dims[:-1]) + (last_size,)
    out = xp.fft.irfftn(a, s=sizes, axes=dims, norm=_NP_NORM[(scale, False)])
    out = out.astype(x.dtype.to_real().np, copy=False)
    return attach(wrap(out), FftC2RBackward0, (x,), dims=dims, scale=scale)


def complex_out(name, result_dtype, out_dtype):
    """The out= dtype rule of the transforms (ops/_out.py): a complex result needs a
    complex out; a real one is cast into out."""
    got = _SCALAR.get(out_dtype.name, out_dtype.name)
    if result_dtype.is_complex and not out_dtype.is_complex:
        raise RuntimeError(f"{name} expects a complex output tensor, but got {got}")
    if not result_dtype.is_complex and not out_dtype.is_floating_point:
        raise RuntimeError(f"{name} expects a floating point output tensor, but got {got}")
