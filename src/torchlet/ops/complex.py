"""The small complex-number surface: real/imag views, view_as_real/
view_as_complex, conj, angle, complex and polar.

Gradients follow PyTorch's convention for complex tensors: the gradient
stored for z = x + iy of a real loss L is dL/dx + i dL/dy (the conjugate
Wirtinger derivative, doubled). So for w = f(z) holomorphic the chain rule is
g_z = g_w * conj(f'(z)); a real part carries its gradient back as g + 0i, an
imaginary part as i*g.
"""

import numpy as np

from .. import _dtype
from ._table import methods
from ._util import Node, attach, method, view, wrap
from ._out import out_form

__all__ = [
    "real",
    "imag",
    "view_as_real",
    "view_as_complex",
    "conj",
    "conj_physical",
    "angle",
    "complex",
    "polar",
    "is_conj",
    "resolve_conj",
    "is_neg",
    "resolve_neg",
]

_NAMES = _dtype.SCALAR_NAMES  # PyTorch's dtype names, one table (_dtype.py)


def _to_complex(g, like_np_dtype):
    """A real gradient as the complex dtype of a complex input."""
    return g.to(_dtype._FROM_NP[np.dtype(like_np_dtype)])


class RealBackward0(Node):
    """d real(z): g_z = g + 0i"""

    def backward(self, g):
        return _to_complex(g, self.input_meta[0][1])


class ImagBackward0(Node):
    """d imag(z): g_z = i g"""

    def backward(self, g):
        return _to_complex(g, self.input_meta[0][1]) * 1j


def real(input):
    """The real part: a view for complex tensors, the tensor itself otherwise."""
    if not input.dtype.is_complex:
        return input
    return view(input, input._data.real, RealBackward0, view_fn=lambda b: real(b))


def imag(input):
    """The imaginary part of a complex tensor, as a view."""
    if not input.dtype.is_complex:
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return view(input, input._data.imag, ImagBackward0, view_fn=lambda b: imag(b))


methods.real = property(real)
methods.imag = property(imag)


class ViewAsRealBackward0(Node):
    """g_z = view_as_complex(g)"""

    def backward(self, g):
        return view_as_complex(g.contiguous())


class ViewAsComplexBackward0(Node):
    """g_x = view_as_real(g)"""

    def backward(self, g):
        return view_as_real(g)


def view_as_real(input):
    """A complex tensor of shape S as a real view of shape S + (2,)."""
    if not input.dtype.is_complex:
        raise RuntimeError("view_as_real is only supported for complex tensors")
    a = input._data
    parts = a[..., None].view(input.dtype.to_real().np)  # (..., 1) complex -> (..., 2) real
    return view(input, parts, ViewAsRealBackward0, view_fn=view_as_real)


def view_as_complex(input):
    """A real tensor of shape S + (2,) viewed as complex of shape S."""
    d = input.dtype
    if d not in (_dtype.float32, _dtype.float64, _dtype.float16):
        raise RuntimeError(
            "view_as_complex is only supported for float and double tensors, but got "
            f"a tensor of scalar type: {_NAMES[d.name]}"
        )
    a = input._data
    if a.ndim == 0 or a.shape[-1] != 2:
        raise RuntimeError("Tensor must have a last dimension of size 2")
    if a.strides[-1] != a.itemsize:
        raise RuntimeError("Tensor must have a last dimension with stride 1")
    if any(s % (2 * a.itemsize) for s, n in zip(a.strides[:-1], a.shape[:-1]) if n > 1):
        raise RuntimeError("Tensor must have a stride divisible by 2 for all but last dimension")
    cd = _dtype.complex128 if d is _dtype.float64 else _dtype.complex64
    if d is _dtype.float16:
        raise RuntimeError(
            "view_as_complex is only supported for float and double tensors, but got a tensor of scalar type: Half"
        )
    z = a.view(cd.np)[..., 0]
    return view(input, z, ViewAsComplexBackward0, view_fn=view_as_complex)


class ConjBackward0(Node):
    """d conj(z): g_z = conj(g)"""

    def backward(self, g):
        return conj(g)


def conj(input):
    """The complex conjugate (a real tensor is returned as is). PyTorch returns a view with its
    conjugate bit set; here the values are conjugated at once and the bit is recorded, so
    is_conj() answers as PyTorch's does (resolve_conj() gives a tensor without it)."""
    if not input.dtype.is_complex:
        return input
    out = attach(wrap(input._xp.conj(input._data)), ConjBackward0, (input,))
    if not is_conj(input):
        out.__dict__["_is_conj"] = True
    return out


def conj_physical(input):
    if not input.dtype.is_complex:
        return input.clone()
    return attach(wrap(input._xp.conj(input._data)), ConjBackward0, (input,))


def is_conj(input):
    """Whether the tensor carries PyTorch's (lazy) conjugate bit: the result of conj()."""
    return bool(input.__dict__.get("_is_conj", False))


def resolve_conj(input):
    """The tensor without the conjugate bit (same values)."""
    if not is_conj(input):
        return input
    from .conversion import clone

    out = clone(input)
    out.__dict__.pop("_is_conj", None)
    return out


def is_neg(input):
    return False


def resolve_neg(input):
    return input


class AngleBackward0(Node):
    """d arg(z): g_z = g * i z / |z|^2 (0 at z = 0); real input: 0"""

    def backward(self, g):
        (z,) = self.saved_tensors
        if not z.dtype.is_complex:
            return g * 0
        r2 = z.abs().pow(2)
        safe = r2.masked_fill(r2 == 0, 1)
        return (g / safe).to(z.dtype) * z * 1j


def angle(input):
    """The argument of each element (real input: 0, or pi where negative)."""
    a = input._data
    if a.dtype.kind in "biu":
        a = a.astype(_dtype.get_default_dtype().np)
    if a.dtype.kind == "c":
        r = input._xp.angle(a)
    else:
        r = input._xp.where(a < 0, np.pi, 0.0).astype(a.dtype)
        r[input._xp.isnan(a)] = np.nan
    return attach(wrap(r), AngleBackward0, (input,), (input,))


class ComplexBackward0(Node):
    """z = x + iy: g_x = real(g), g_y = imag(g)"""

    def backward(self, g):
        from ._util import reduce_grad

        ma, mb = self.input_meta
        return reduce_grad(real(g), ma), reduce_grad(imag(g), mb)


@out_form()
def complex(real, imag):
    """real + i imag from two float tensors of one dtype."""
    if real.dtype is not imag.dtype:
        raise RuntimeError(
            f"Expected object of scalar type {_NAMES[real.dtype.name]} but got scalar "
            f"type {_NAMES[imag.dtype.name]} for second argument"
        )
    if real.dtype not in (_dtype.float32, _dtype.float64):
        raise RuntimeError(
            f"Expected both inputs to be Half, Float or Double tensors but got "
            f"{_NAMES[real.dtype.name]} and {_NAMES[imag.dtype.name]}"
        )
    try:
        z = real._data + 1j * imag._data
    except ValueError:
        from .pointwise_math import _broadcast_error

        raise _broadcast_error(tuple(real.shape), tuple(imag.shape)) from None
    cd = _dtype.complex128 if real.dtype is _dtype.float64 else _dtype.complex64
    return attach(wrap(z.astype(cd.np)), ComplexBackward0, (real, imag))


@out_form()
def polar(abs, angle):
    """abs * (cos(angle) + i sin(angle))."""
    return complex(abs * angle.cos(), abs * angle.sin())


for _name in ("conj", "conj_physical", "angle", "is_conj", "resolve_conj", "is_neg", "resolve_neg"):
    method()(globals()[_name])


# ----- complex gradients of the bilinear / holomorphic ops -----------------------------------
def _conjugate_rule(node_cls):
    """For an op holomorphic in each input (products, einsum, prod), PyTorch's complex gradient
    is g * conj(df/dz) = conj(conj(g) * df/dz): the real-case backward run on conj(g), then
    conjugated. Real gradients take the plain path."""
    real_backward = node_cls.backward

    def backward(self, *grads):
        if not any(g is not None and g._data.dtype.kind == "c" for g in grads):
            return real_backward(self, *grads)
        outs = real_backward(self, *[None if g is None else g.conj() for g in grads])
        if type(outs) is tuple:
            return tuple(None if o is None else o.conj() for o in outs)
        return None if outs is None else outs.conj()

    backward.__doc__ = real_backward.__doc__
    node_cls.backward = backward


class VdotBackward0(Node):
    """vdot(a, b) = sum conj(a) b:  g_a = conj(g) b,  g_b = g a"""

    def backward(self, g):
        a, b = self.saved_tensors
        return (g.conj() * b if self.needs_input_grad(0) else None, g * a if self.needs_input_grad(1) else None)


def _install():
    from . import einsum, linalg, linalg_fused, reduction

    for cls in (
        linalg.BmmBackward0,
        linalg.MvBackward0,
        linalg.DotBackward0,
        linalg.OuterBackward,
        linalg_fused._FusedBackward,
        einsum._EinsumBackward,
        reduction.ProdBackward0,
    ):
        _conjugate_rule(cls)
    linalg.VdotBackward0 = VdotBackward0


_install()
