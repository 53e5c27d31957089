"""Sparse COO tensors: torch.sparse_coo_tensor, Tensor.to_sparse / to_dense, coalesce.

A SparseCOOTensor keeps PyTorch's COO description -- `_indices` (sparse_dim, nnz) int64 and
`_values` (nnz, *dense_dims), duplicates allowed until coalesce() -- and, as its array, the
dense equivalent (duplicates summed). The operations the graph programs need take their
PyTorch meaning from that: sparse @ dense and torch.spmm / torch.sparse.mm give a dense
result with the gradient to the dense side (dL/dD = A^T g); dense + sparse is dense. Other
ops see the dense values and return dense tensors (PyTorch keeps some of those sparse);
values and gradients are the same either way.
"""

import numpy as np

from .. import _dtype
from .._device import namespace
from .._layout import sparse_coo
from .._tensor import Tensor, _new_leaf
from ..autograd.graph import Node
from ..ops._util import wrap

__all__ = ["SparseCOOTensor", "sparse_coo_tensor"]


class SparseCOOTensor(Tensor):
    """A torch.sparse_coo tensor (type name Tensor, as PyTorch's)."""

    __module__ = "torchlet"

    @property
    def layout(self):
        return sparse_coo

    @property
    def is_sparse(self):
        return True

    def _nnz(self):
        return int(self._indices_t._data.shape[1])

    def sparse_dim(self):
        return int(self._indices_t._data.shape[0])

    def dense_dim(self):
        return self._data.ndim - self.sparse_dim()

    def _indices(self):
        return self._indices_t

    def _values(self):
        return self._values_t

    def indices(self):
        if not self._coalesced:
            raise RuntimeError("Cannot get indices on an uncoalesced tensor, please call .coalesce() first")
        return self._indices_t

    def values(self):
        if not self._coalesced:
            raise RuntimeError("Cannot get values on an uncoalesced tensor, please call .coalesce() first")
        return self._values_t

    def is_coalesced(self):
        return self._coalesced

    def coalesce(self):
        """Indices sorted (row-major) and unique; the values of duplicates summed."""
        if self._coalesced:
            return self
        idx, vals = coalesced_arrays(self)
        return _ops().attach_masked(_make(idx, vals, self._data.shape, True), "CoalesceBackward0", self)

    def to_dense(self, dtype=None, *, masked_grad=None):
        out = _ops().to_dense(self)
        return out if dtype is None else out.to(dtype)

    def to_sparse(self, sparse_dim=None, *, layout=None, blocksize=None, dense_dim=None):
        return self

    def to(self, *args, **kwargs):
        from ..ops.conversion import _parse_to

        dtype, device, copy = _parse_to(args, kwargs)
        if device is not None:
            from .._device import namespace_for

            namespace_for(device)  # PyTorch's error for a device this build lacks
        if dtype is None or dtype is self.dtype:
            return self
        return _make(self._indices_t._data, self._values_t._data.astype(dtype.np), self._data.shape, self._coalesced)

    # The sparse-preserving operations (values, patterns and gradients in _coo_ops).
    def t(self):
        return _ops().transpose(self, 0, 1, "t")

    def transpose(self, dim0, dim1):
        return _ops().transpose(self, dim0, dim1)

    def mul(self, other):
        return _ops().mul(self, other)

    def add(self, other, *, alpha=1):
        return _ops().add(self, other, alpha)

    def sub(self, other, *, alpha=1):
        return _ops().sub(self, other, alpha)

    def div(self, other):
        return _ops().div(self, other)

    def neg(self):
        return _ops().neg(self)

    def sum(self, dim=None, keepdim=False, dtype=None):
        if dim is None or keepdim:
            return super().sum(*(() if dim is None else (dim, keepdim)), dtype=dtype)
        return _ops().sparse_sum(self, dim, dtype, "SumBackward1")

    def __mul__(self, other):
        return _ops().mul(self, other)

    def __rmul__(self, other):
        return _ops().mul(self, other)

    def __add__(self, other):
        return _ops().add(self, other, 1)

    def __radd__(self, other):
        return _ops().radd(self, other)

    def __sub__(self, other):
        return _ops().sub(self, other, 1)

    def __truediv__(self, other):
        return _ops().div(self, other)

    def __neg__(self):
        return _ops().neg(self)

    def to_sparse_csr(self, dense_dim=None):
        from ._csr import from_coo

        return from_coo(self)

    def detach(self):
        return _make(self._indices_t._data, self._values_t._data, self._data.shape, self._coalesced)

    def clone(self, *, memory_format=None):
        return _make(self._indices_t._data.copy(), self._values_t._data.copy(), self._data.shape, self._coalesced)

    def __repr__(self, *, tensor_contents=None):
        parts = [("indices", self._indices_t), ("values", self._values_t)]
        return sparse_repr(self, parts, [f"size={tuple(self._data.shape)}", f"nnz={self._nnz()}"], True)


def sparse_repr(t, parts, suffixes, force_newline):
    """PyTorch's printed form of a sparse tensor: its index/value tensors, then the suffixes, wrapped
    at the line width as PyTorch wraps them (measured with PyTorch's `torch.` names)."""
    from .._tensor_str import PRINT_OPTS, tensor_body

    indent = len("tensor(")
    if t.dtype not in (_dtype.get_default_dtype(), _dtype.int64, _dtype.bool):
        suffixes.append(f"dtype={t.dtype!r}")
    suffixes.append(f"layout={t.layout!r}")
    if t._grad_fn is not None:
        suffixes.append(f"grad_fn=<{type(t._grad_fn).__name__}>")
    elif t._requires_grad:
        suffixes.append("requires_grad=True")
    texts = []
    for name, part in parts:
        pre = f"{name}=tensor("
        body = "[]" if part._data.size == 0 else tensor_body(part, indent + len(pre))
        texts.append(pre + body + (f", size={tuple(part._data.shape)}" if part._data.size == 0 else "") + ")")
    out = ["tensor(" + (",\n" + " " * indent).join(texts)]
    line = len(out[0]) - out[0].rfind("\n") + 1
    for suffix in suffixes:
        n = len(suffix.replace("torchlet.", "torch."))
        if force_newline or line + n + 2 > PRINT_OPTS.linewidth:
            out.append(",\n" + " " * indent + suffix)
            line, force_newline = indent + n, False
        else:
            out.append(", " + suffix)
            line += n + 2
    return "".join(out) + ")"


def coalesced_arrays(s):
    """(indices, values) of `s` coalesced: indices sorted row-major and unique, duplicates summed."""
    idx, vals = s._indices_t._data, s._values_t._data
    if s._coalesced or not idx.shape[1]:
        return idx, vals
    xp = namespace(vals)
    sparse_shape = s._data.shape[: idx.shape[0]]
    flat = xp.ravel_multi_index(tuple(idx), sparse_shape)
    uniq, inverse = xp.unique(flat, return_inverse=True)
    summed = xp.zeros((len(uniq),) + vals.shape[1:], dtype=vals.dtype)
    xp.add.at(summed, inverse, vals)
    idx = xp.stack(xp.unravel_index(uniq, sparse_shape)).astype(np.int64).reshape(len(sparse_shape), -1)
    return idx, summed


def _ops():
    from . import _coo_ops

    return _coo_ops


def _make(indices, values, shape, coalesced, requires_grad=False):
    """A SparseCOOTensor from arrays (indices int64 (sparse_dim, nnz), values (nnz, ...))."""
    shape = tuple(int(s) for s in shape)
    xp = namespace(values)
    dense = xp.zeros(shape, dtype=values.dtype)
    indices = xp.asarray(indices)
    if indices.shape[1]:
        xp.add.at(dense, tuple(indices), values)
    if hasattr(dense, "flags"):  # the dense form is derived: a gradient adds through `+`, never in place
        dense.flags.writeable = False
    t = _new_leaf(SparseCOOTensor, dense, requires_grad)
    t._indices_t = wrap(xp.ascontiguousarray(indices, dtype=np.int64))
    t._values_t = wrap(values)
    t._coalesced = coalesced
    return t


def _array(x, what):
    if isinstance(x, Tensor):
        return x.detach()._data
    from ..ops.creation import tensor

    return tensor(x)._data if not isinstance(x, np.ndarray) else x


def sparse_coo_tensor(
    indices,
    values,
    size=None,
    *,
    dtype=None,
    device=None,
    pin_memory=False,
    requires_grad=False,
    check_invariants=None,
    is_coalesced=None,
):
    """A sparse COO tensor with values[k] at position indices[:, k] (duplicates add up)."""
    if device is not None:
        from .._device import namespace_for

        namespace_for(device)
    idx = _array(indices, "indices")
    vals = _array(values, "values")
    if idx.ndim != 2:
        raise RuntimeError(f"indices must be sparse_dim x nnz, but got: {list(idx.shape)}")
    if vals.ndim == 0:
        raise RuntimeError("values must be at least 1-dimensional")
    if idx.shape[1] != vals.shape[0]:
        raise RuntimeError(
            f"indices and values must have same nnz, but got nnz from indices: {idx.shape[1]}, "
            f"nnz from values: {vals.shape[0]}"
        )
    if dtype is not None:
        vals = vals.astype(dtype.np)
    idx = idx.astype(np.int64)
    if size is None:
        sparse = tuple(int(m) + 1 for m in idx.max(1)) if idx.shape[1] else (0,) * idx.shape[0]
        size = sparse + tuple(vals.shape[1:])
    else:
        size = tuple(int(s) for s in size)
        if len(size) != idx.shape[0] + vals.ndim - 1:
            raise RuntimeError(
                f"number of dimensions must be sparse_dim ({idx.shape[0]}) + dense_dim "
                f"({vals.ndim - 1}), but got {len(size)}"
            )
        if idx.shape[1]:
            for d in range(idx.shape[0]):
                hi, lo = int(idx[d].max()), int(idx[d].min())
                if lo < 0:
                    raise RuntimeError(f"found negative index {lo} for dim {d}")
                if hi >= size[d]:
                    raise RuntimeError(
                        f"size is inconsistent with indices: for dim {d}, size is {size[d]} but found index {hi}"
                    )
    if requires_grad and vals.dtype.kind not in "fc":
        raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
    coalesced = bool(is_coalesced) if is_coalesced is not None else idx.shape[1] <= 1
    out = _make(idx, vals, size, coalesced, requires_grad)
    if isinstance(values, Tensor) and values.requires_grad and dtype is None:
        from ..autograd.graph import attach

        attach(out, SparseCooTensorWithDimsAndTensorsBackward0, (values,), idx=idx)
    return out


class SparseCooTensorWithDimsAndTensorsBackward0(Node):
    """values -> S with S[indices[:, k]] += values[k]:  d values[k] = g[indices[:, k]]"""

    def backward(self, g):
        g = g.to_dense() if g.is_sparse else g
        return (g[tuple(wrap(i) for i in self.idx)],)
