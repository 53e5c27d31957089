"""Fused multiply-adds: addmm, addmv, baddbmm, addbmm (beta input + alpha product) and their
in-place forms; the gradient of each product term is that of mm/mv/bmm scaled by alpha, the
input's is beta g (summed to its broadcast shape)."""

import numpy as np

from ._table import methods
from ._util import Node, attach, inplace, method, reduce_grad, same_device, wrap
from .._tensor import _wrap_dim
from ._out import out_form
from .linalg import _NAME, _bmm_check, _check_dtypes, _mm_shapes, _mv_check, _name, _prod

__all__ = ["addmm", "addmv", "baddbmm", "addbmm"]


# ----- fused multiply-adds --------------------------------------------------
def _expand_check(shape, target):
    lead = len(target) - len(shape)
    ok = lead >= 0 and all(s == 1 or s == t for s, t in zip(shape, target[lead:]))
    if not ok:
        for i in range(len(shape) - 1, -1, -1):
            t = target[i + lead] if i + lead >= 0 else None
            if shape[i] != 1 and shape[i] != t:
                raise RuntimeError(
                    f"The expanded size of the tensor ({t}) must match the existing size "
                    f"({shape[i]}) at non-singleton dimension {i + lead}.  Target sizes: "
                    f"{list(target)}.  Tensor sizes: {list(shape)}"
                )
        raise RuntimeError(
            f"expand: the number of sizes provided ({len(target)}) must be greater or "
            f"equal to the number of dimensions in the tensor ({len(shape)})"
        )


def _fused(input, prod, beta, alpha, xp):
    """beta * input + alpha * prod on arrays (beta == 0 ignores input, nan included)."""
    if alpha != 1:
        prod = prod * alpha
    c = input._data
    if c.dtype != prod.dtype:
        raise RuntimeError(
            f"self and mat2 must have the same dtype, but got {_name(input)} and "
            f"{_NAME.get(prod.dtype.name, prod.dtype.name)}"
        )
    if beta == 0:
        return prod if prod.shape else xp.asarray(prod)
    if beta == 1 and prod.ndim and prod.shape == np.broadcast_shapes(prod.shape, c.shape):
        prod += c  # the fresh product: added in place, no second buffer (the same sums)
        return prod
    return (prod + c) if beta == 1 else (prod + beta * c)


class _FusedBackward(Node):
    """d(beta*c + alpha*P(a, b)) = beta*g, alpha*dP"""

    def backward(self, g):
        mc = self.input_meta[0]
        gc = None
        if self.needs_input_grad(0):
            gc = reduce_grad(g if self.beta == 1 else g * self.beta, mc)
        ga, gb = self.prod_grads(g if self.alpha == 1 else g * self.alpha)
        return gc, ga, gb


class AddmmBackward0(_FusedBackward):
    def prod_grads(self, g):
        a, b = self.saved_tensors
        return (g.mm(b.t()) if self.needs_input_grad(1) else None, a.t().mm(g) if self.needs_input_grad(2) else None)


class AddmvBackward0(_FusedBackward):
    def prod_grads(self, g):
        a, v = self.saved_tensors
        return (
            g.unsqueeze(-1) * v if self.needs_input_grad(1) else None,
            a.t().mv(g) if self.needs_input_grad(2) else None,
        )


class BaddbmmBackward0(_FusedBackward):
    def prod_grads(self, g):
        a, b = self.saved_tensors
        return (g.bmm(b.mT) if self.needs_input_grad(1) else None, a.mT.bmm(g) if self.needs_input_grad(2) else None)


class AddbmmBackward0(_FusedBackward):
    def prod_grads(self, g):
        a, b = self.saved_tensors
        n = a.shape[0]
        return (
            g.unsqueeze(0).expand(n, *g.shape).bmm(b.mT) if self.needs_input_grad(1) else None,
            a.mT.bmm(g.unsqueeze(0).expand(n, *g.shape)) if self.needs_input_grad(2) else None,
        )


def _fused_op(node, input, a, b, prod, beta, alpha):
    _expand_check(input._data.shape, prod.shape)
    arr = _fused(input, prod, beta, alpha, input._xp)
    res = attach(wrap(arr), node, (input, a, b), (a, b), beta=beta, alpha=alpha)
    return res


@method()
@out_form()
def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    same_device(mat1, mat2, input)
    x, y = mat1._data, mat2._data
    if x.ndim != 2:
        raise RuntimeError(f"mat1 must be a matrix, got {x.ndim}-D tensor")
    if y.ndim != 2:
        raise RuntimeError(f"mat2 must be a matrix, got {y.ndim}-D tensor")
    _mm_shapes(x, y)
    if x.dtype != y.dtype:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got {_name(mat1)} and {_name(mat2)}")
    _check_dtypes(mat1, mat2)
    return _fused_op(AddmmBackward0, input, mat1, mat2, _prod(x, y, mat1._xp), beta, alpha)


@method()
@out_form()
def addmv(input, mat, vec, *, beta=1, alpha=1):
    x, v = mat._data, vec._data
    n_in = input._data.shape[0] if input._data.ndim else 1
    _mv_check(x, v, n_in)
    if input._data.ndim > 1 or n_in not in (1, x.shape[0]):
        raise RuntimeError(f"size mismatch, got input ({n_in}), mat ({x.shape[0]}x{x.shape[1]}), vec ({v.shape[0]})")
    if not (input._data.dtype == x.dtype == v.dtype):
        raise RuntimeError(
            f"addmv input tensors must have the same dtype, but got {_name(input)}, {_name(mat)}, and {_name(vec)}"
        )
    _check_dtypes(mat, vec)
    return _fused_op(AddmvBackward0, input, mat, vec, _prod(x, v, mat._xp), beta, alpha)


@method()
@out_form()
def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    x, y = batch1._data, batch2._data
    _wrap_dim(2, y.ndim), _wrap_dim(1, x.ndim)  # PyTorch reads batch2.size(2), batch1.size(1) first
    _bmm_check(x, y)
    _check_dtypes(batch1, batch2, "scalar")
    return _fused_op(
        BaddbmmBackward0,
        input,
        batch1,
        batch2,
        _prod(x, y, batch1._xp),
        beta,
        alpha,
    )


@method()
@out_form()
def addbmm(input, batch1, batch2, *, beta=1, alpha=1):
    x, y = batch1._data, batch2._data
    _wrap_dim(2, y.ndim), _wrap_dim(1, x.ndim)  # PyTorch reads batch2.size(2), batch1.size(1) first
    _bmm_check(x, y)
    _check_dtypes(batch1, batch2, "scalar")
    prod = _prod(x, y, batch1._xp).sum(0) if x.shape[0] else batch1._xp.zeros((x.shape[1], y.shape[2]), x.dtype)
    return _fused_op(AddbmmBackward0, input, batch1, batch2, prod.astype(x.dtype, copy=False), beta, alpha)


def _fused_inplace(fn):
    def op_(self, a, b, *, beta=1, alpha=1):
        return inplace(self, lambda t, x, y: fn(t, x, y, beta=beta, alpha=alpha), a, b)

    op_.__name__ = fn.__name__ + "_"
    return op_


for _fn in (addmm, addmv, baddbmm, addbmm):
    setattr(methods, _fn.__name__ + "_", _fused_inplace(_fn))
