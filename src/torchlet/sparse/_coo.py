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
from .._layout import sparse_coo
from .._tensor import Tensor, _new_leaf

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
        idx, vals = self._indices_t._data, self._values_t._data
        sparse_shape = self._data.shape[: idx.shape[0]]
        if idx.shape[1]:
            flat = np.ravel_multi_index(tuple(idx), sparse_shape)
            uniq, inverse = np.unique(flat, return_inverse=True)
            summed = np.zeros((len(uniq),) + vals.shape[1:], dtype=vals.dtype)
            np.add.at(summed, inverse, vals)
            idx = np.stack(np.unravel_index(uniq, sparse_shape)).astype(np.int64).reshape(len(sparse_shape), -1)
            vals = summed
        return _make(idx, vals, self._data.shape, True)

    def to_dense(self, dtype=None, *, masked_grad=None):
        from ..ops._util import wrap

        out = wrap(self._data.copy())
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

    def t(self):
        if self.sparse_dim() != 2 or self.dense_dim():
            raise RuntimeError(
                f"t() expects a tensor with <= 2 sparse and 0 dense dimensions, but got "
                f"{self.sparse_dim()} sparse and {self.dense_dim()} dense dimensions"
            )
        return _make(self._indices_t._data[::-1].copy(), self._values_t._data, self._data.shape[::-1], False)

    def detach(self):
        return _make(self._indices_t._data, self._values_t._data, self._data.shape, self._coalesced)

    def clone(self, *, memory_format=None):
        return _make(self._indices_t._data.copy(), self._values_t._data.copy(), self._data.shape, self._coalesced)

    def __repr__(self, *, tensor_contents=None):
        from .._tensor_str import _add_suffixes, tensor_body

        indent = len("tensor(")
        suffixes = [f"size={tuple(self._data.shape)}", f"nnz={self._nnz()}"]
        if self.dtype not in (_dtype.get_default_dtype(), _dtype.int64, _dtype.bool):
            suffixes.append(f"dtype={self.dtype!r}")
        suffixes.append(f"layout={sparse_coo!r}")
        if self._requires_grad:
            suffixes.append("requires_grad=True")
        parts = []
        for name, t in (("indices", self._indices_t), ("values", self._values_t)):
            pre = f"{name}=tensor("
            if t._data.size == 0:
                parts.append(pre + f"[], size={tuple(t._data.shape)})")
            else:
                parts.append(pre + tensor_body(t, indent + len(pre)) + ")")
        text = "tensor(" + parts[0] + ",\n" + " " * indent + parts[1]
        return _add_suffixes(text + ",\n" + " " * indent + suffixes[0], suffixes[1:], indent)


def _make(indices, values, shape, coalesced, requires_grad=False):
    """A SparseCOOTensor from arrays (indices int64 (sparse_dim, nnz), values (nnz, ...))."""
    from ..ops._util import wrap

    shape = tuple(int(s) for s in shape)
    from .._device import namespace

    xp = namespace(values)
    dense = xp.zeros(shape, dtype=values.dtype)
    indices = xp.asarray(indices)
    if indices.shape[1]:
        xp.add.at(dense, tuple(indices), values)
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
    return _make(idx, vals, size, coalesced, requires_grad)
