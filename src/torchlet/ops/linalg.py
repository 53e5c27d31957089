"""Matrix products: matmul, mm, bmm, mv, dot, vdot, outer/ger (the fused addmm, addmv,
baddbmm, addbmm live in linalg_fused.py; einsum, tensordot, kron in einsum.py).

Every product is one BLAS call on arrays; its backward is products again,
d(a @ b) = g @ b^T, a^T @ g, with vector operands promoted to matrices and
broadcast batch dims summed away. 16-bit floats are multiplied in float32
(as PyTorch accumulates) and rounded back."""

import numpy as np

from .. import _dtype
from .._device import _NAMESPACES
from . import _gemm
from ._table import methods
from ._util import Node, attach, binary_arrays, method, reduce_grad, same_device, wrap
from .._tensor import Tensor, _new_leaf

from ._out import out_form, plain

__all__ = ["matmul", "mm", "bmm", "mv", "dot", "vdot", "outer", "ger"]

_WORD = _dtype.CPP_NAMES  # PyTorch's dtype names, one table (_dtype.py)
_NAME = _dtype.SCALAR_NAMES  # PyTorch's dtype names, one table (_dtype.py)


def _name(a):
    return _NAME.get(a._data.dtype.name, a._data.dtype.name)


def _check_dtypes(a, b, style="mm"):
    da, db = a._data.dtype, b._data.dtype
    if da != db:
        if style == "mm":
            raise RuntimeError(
                f"expected m1 and m2 to have the same dtype, but got: "
                f"{_WORD.get(da.name, da.name)} != {_WORD.get(db.name, db.name)}"
            )
        raise RuntimeError(f"expected scalar type {_name(a)} but found {_name(b)}")
    if da.kind == "b":
        raise NotImplementedError("\"addmm_impl_cpu_\" not implemented for 'Bool'")


def _prod(x, y, xp):
    """x @ y on arrays (the CPU backend's GEMM entry point, _gemm.py); 16-bit floats go through float32."""
    if x.dtype.itemsize == 2 and x.dtype.kind not in "iub":
        return _gemm.matmul(xp, x.astype(np.float32), y.astype(np.float32)).astype(x.dtype)
    return _gemm.matmul(xp, x, y)


# ----- mm / bmm / mv / dot --------------------------------------------------
class MmBackward0(Node):
    """d(a @ b) = g @ b^T, a^T @ g"""

    def backward(self, g):
        if g._data.dtype.kind == "c":  # g @ b^H, a^H @ g
            ga, gb = self._grads(g.conj())
            return (None if ga is None else ga.conj()), (None if gb is None else gb.conj())
        return self._grads(g)

    def _grads(self, g):
        a, b = self.saved_tensors
        return (g.mm(b.t()) if self.needs_input_grad(0) else None, a.t().mm(g) if self.needs_input_grad(1) else None)


def _mm_shapes(x, y):
    if x.shape[1] != y.shape[0]:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({x.shape[0]}x{x.shape[1]} and {y.shape[0]}x{y.shape[1]})"
        )


@method()
@out_form()
def mm(input, mat2):
    same_device(input, mat2)
    return _mm(input, mat2)


def _mm(input, mat2):
    """mm on two tensors already on one device (matmul's 2-D case calls it directly)."""
    x, y = input._data, mat2._data
    if x.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if y.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    if x.shape[1] != y.shape[0]:
        _mm_shapes(x, y)
    if x.dtype != y.dtype or x.dtype.kind == "b":
        _check_dtypes(input, mat2)
    res = _new_leaf(Tensor, _prod(x, y, _NAMESPACES.get(x.__class__, np)))  # (input._xp inlined; 2-D: an array)
    if input._requires_grad or mat2._requires_grad:  # attach's own first test, without its call
        attach(res, MmBackward0, (input, mat2), (input, mat2))
    return res


class BmmBackward0(Node):
    """d(a @ b) = g @ b^T, a^T @ g (per batch)"""

    def backward(self, g):
        a, b = self.saved_tensors
        return (g.bmm(b.mT) if self.needs_input_grad(0) else None, a.mT.bmm(g) if self.needs_input_grad(1) else None)


def _bmm_check(x, y, what="batch"):
    if x.ndim != 3:
        raise RuntimeError(f"{what}1 must be a 3D tensor")
    if y.ndim != 3:
        raise RuntimeError(f"{what}2 must be a 3D tensor")
    if y.shape[:2] != (x.shape[0], x.shape[2]):
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: "
            f"[{x.shape[0]}, {x.shape[2]}] but got: [{y.shape[0]}, {y.shape[1]}]."
        )


@method()
@out_form()
def bmm(input, mat2):
    x, y = input._data, mat2._data
    _bmm_check(x, y)
    _check_dtypes(input, mat2, "scalar")
    small = x.dtype.kind == "f" and x.shape[2] * x.shape[1] * y.shape[2] < 400
    prod = _bmm_small(x, y, input._xp) if small else _prod(x, y, input._xp)
    return attach(wrap(prod), BmmBackward0, (input, mat2), (input, mat2))


def _bmm_small(x, y, xp):
    """PyTorch's bmm below 400 multiply-adds per matrix (contraction x rows x cols): a plain loop
    that adds the products in k order in float (16-bit floats too), so its sums are PyTorch's to
    the bit where a BLAS kernel would add in another order."""
    wide = np.float32 if x.dtype.itemsize == 2 else x.dtype
    a, b = x.astype(wide, copy=False), y.astype(wide, copy=False)
    acc = xp.zeros((x.shape[0], x.shape[1], y.shape[2]), dtype=wide)
    for k in range(x.shape[2]):
        acc += a[:, :, k, None] * b[:, None, k, :]
    return acc.astype(x.dtype, copy=False)


class MvBackward0(Node):
    """d(A v) = g v^T, A^T g"""

    def backward(self, g):
        a, v = self.saved_tensors
        return (
            g.unsqueeze(-1) * v if self.needs_input_grad(0) else None,
            a.t().mv(g) if self.needs_input_grad(1) else None,
        )


def _mv_check(x, v, n_input=None):
    if x.ndim != 2 or v.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {x.ndim}, {v.ndim}")
    if x.shape[1] != v.shape[0]:
        n = x.shape[0] if n_input is None else n_input
        raise RuntimeError(f"size mismatch, got input ({n}), mat ({x.shape[0]}x{x.shape[1]}), vec ({v.shape[0]})")


@method()
@out_form()
def mv(input, vec):
    x, v = input._data, vec._data
    _mv_check(x, v)
    if x.dtype != v.dtype:
        raise RuntimeError(
            f"addmv input tensors must have the same dtype, but got {_name(vec)}, {_name(input)}, and {_name(vec)}"
        )
    _check_dtypes(input, vec)
    res = attach(wrap(_prod(x, v, input._xp)), MvBackward0, (input, vec), (input, vec))
    return res


class DotBackward0(Node):
    """d(a . b) = g b, g a"""

    def backward(self, g):
        a, b = self.saved_tensors
        return (g * b if self.needs_input_grad(0) else None, g * a if self.needs_input_grad(1) else None)


VdotBackward0 = type("VdotBackward0", (DotBackward0,), {"__doc__": "d(conj(a) . b) (real case)"})


def _dot_check(x, y, name="dot"):
    if x.ndim != 1 or y.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {x.ndim}D and {y.ndim}D tensors")
    if x.shape[0] != y.shape[0]:
        raise RuntimeError(
            f"inconsistent tensor size, expected tensor [{x.shape[0]}] and src "
            f"[{y.shape[0]}] to have the same number of elements, but got "
            f"{x.shape[0]} and {y.shape[0]} elements respectively"
        )


@method()
@out_form()
def dot(input, tensor):
    x, y = input._data, tensor._data
    _dot_check(x, y)
    if x.dtype != y.dtype:
        raise RuntimeError(
            f"dot : expected both vectors to have same dtype, but found {_name(input)} and {_name(tensor)}"
        )
    _check_dtypes(input, tensor)
    arr = input._xp.asarray(_prod(x, y, input._xp))  # NumPy gives a scalar for 1-D @ 1-D
    return attach(wrap(arr), DotBackward0, (input, tensor), (input, tensor))


@method()
@out_form()
def vdot(input, other):
    x, y = input._data, other._data
    _dot_check(x, y, "vdot")
    if x.dtype != y.dtype:
        raise RuntimeError(
            f"vdot : expected both vectors to have same dtype, but found {_name(input)} and {_name(other)}"
        )
    res = wrap(input._xp.asarray(_prod(input._xp.conj(x), y, input._xp)))
    return attach(res, VdotBackward0, (input, other), (input, other))


class OuterBackward(Node):
    """d(a b^T) = g b, g^T a"""

    def backward(self, g):
        a, b = self.saved_tensors
        ma, mb = self.input_meta
        return (
            reduce_grad(g.mv(b.to(g.dtype)), ma) if self.needs_input_grad(0) else None,
            reduce_grad(g.t().mv(a.to(g.dtype)), mb) if self.needs_input_grad(1) else None,
        )


OuterBackward.__name__ = OuterBackward.__qualname__ = "MulBackward0"


@method()
@out_form(grad_name="mul")
def outer(input, vec2):
    for name, t in (("self", input), ("vec2", vec2)):
        if t._data.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {t._data.ndim}-D")
    x, y = binary_arrays(input, vec2)
    res = wrap(x[:, None] * y[None, :])
    return attach(res, OuterBackward, (input, vec2), (input, vec2))


ger = outer
method("ger")(outer)


# ----- matmul ---------------------------------------------------------------
class MatmulBackward(Node):
    """General matmul: d(a @ b) = g @ b^T, a^T @ g, vectors promoted to
    matrices and broadcast batch dims summed away. Named as PyTorch names the
    node it ends its decomposition with (see _ND_NAMES)."""

    def backward(self, g):
        if g._data.dtype.kind == "c":  # complex: g @ b^H, a^H @ g
            ga, gb = self._grads(g.conj())
            return (None if ga is None else ga.conj()), (None if gb is None else gb.conj())
        return self._grads(g)

    def _grads(self, g):
        a, b = self.saved_tensors
        ma, mb = self.input_meta
        a2 = a.unsqueeze(0) if a.ndim == 1 else a
        b2 = b.unsqueeze(-1) if b.ndim == 1 else b
        g2 = g
        if a.ndim == 1:
            g2 = g2.unsqueeze(-2)
        if b.ndim == 1:
            g2 = g2.unsqueeze(-1)
        ga = gb = None
        if self.needs_input_grad(0):
            ga = reduce_grad(g2.matmul(b2.mT), (a2.shape, ma[1])).reshape(ma[0])
        if self.needs_input_grad(1):
            if b2.ndim == 2 and a2.ndim > 2:  # fold the batch into one product
                k, n = a2.shape[-1], g2.shape[-1]
                gb = a2.reshape(-1, k).t().mm(g2.reshape(-1, n))
            else:
                gb = reduce_grad(a2.mT.matmul(g2), (b2.shape, mb[1]))
            gb = gb.reshape(mb[0])
        return ga, gb


_ND_NAMES = {}


def _nd_node(name):
    cls = _ND_NAMES.get(name)
    if cls is None:
        cls = _ND_NAMES[name] = type(name, (MatmulBackward,), {})
    return cls


def _batch_shape(sa, sb):
    """Broadcast two batch shapes with PyTorch's message on a mismatch."""
    n = max(len(sa), len(sb))
    out = []
    for i in range(n - 1, -1, -1):
        ia, ib = i - n + len(sa), i - n + len(sb)
        a = sa[ia] if ia >= 0 else 1
        b = sb[ib] if ib >= 0 else 1
        if a != b and a != 1 and b != 1:
            raise RuntimeError(
                f"The size of tensor a ({a}) must match the size of tensor b ({b}) at non-singleton dimension {i}"
            )
        out.append(a if b == 1 else b)
    return tuple(out[::-1])


@method()
@out_form()
def matmul(input, other):
    if input.__class__ is not Tensor and input.is_nested:  # torch.nested
        return input.matmul(other)
    x, y = input._data, other._data
    if x.__class__ is not y.__class__:
        same_device(input, other)
    nx, ny = x.ndim, y.ndim
    if nx == 0 or ny == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {nx}D and {ny}D")
    if nx == 2 and ny == 2:
        return _mm(input, other)
    if nx == 1 and ny == 1:
        return dot(input, other)
    if nx == 2 and ny == 1:
        return mv(input, other)
    kx, ky = x.shape[-1], (y.shape[-2] if ny > 1 else y.shape[0])
    if ny == 1:  # N-D @ vector
        if kx != ky:
            _mv_check(x.reshape(-1, kx), y, x.size // kx if kx else 0)
        name = "UnsafeViewBackward0"
    elif ny == 2:  # vector or N-D @ matrix
        if kx != ky:
            _mm_shapes(x.reshape(-1, kx), y)
        name = "SqueezeBackward4" if nx == 1 else "UnsafeViewBackward0"
    else:
        bx = x.shape[:-2] if nx > 2 else ()
        batch = _batch_shape(bx, y.shape[:-2])
        if kx != ky:
            b = int(np.prod(batch))
            raise RuntimeError(
                f"Expected size for first two dimensions of batch2 tensor to be: [{b}, {kx}] but got: [{b}, {ky}]."
            )
        name = "CloneBackward0" if nx == 2 else "UnsafeViewBackward0"
    _check_dtypes(input, other, "mm" if ny <= 2 else "scalar")
    xp = input._xp
    if ny == 2 and nx > 2:  # one product over the folded batch
        arr = _prod(x.reshape(-1, kx), y, xp).reshape(x.shape[:-1] + (y.shape[1],))
    else:
        arr = _prod(x, y, xp)
    res = attach(wrap(arr), _nd_node(name), (input, other), (input, other))
    return res


methods.__matmul__ = plain(matmul)
methods.__rmatmul__ = lambda self, other: matmul(other, self)
