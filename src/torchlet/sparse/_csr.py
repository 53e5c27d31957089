"""Sparse CSR tensors: Tensor.to_sparse_csr, torch.sparse_csr_tensor, crow_indices / col_indices /
values, to_dense / to_sparse, printing; CSR @ dense through the dense equivalent (a dense result).

As the COO tensor, it keeps PyTorch's description (crow_indices (rows + 1,), col_indices (nnz,),
values (nnz,), int64) and, as its array, the dense equivalent.
"""

import numpy as np

from .._device import namespace
from .._layout import sparse_csr
from .._tensor import Tensor, _new_leaf
from ..ops._util import wrap

__all__ = ["SparseCSRTensor", "sparse_csr_tensor"]


class SparseCSRTensor(Tensor):
    """A torch.sparse_csr tensor (2-D, no dense dims)."""

    __module__ = "torchlet"

    @property
    def layout(self):
        return sparse_csr

    @property
    def is_sparse_csr(self):
        return True

    def _nnz(self):
        return int(self._col_t._data.shape[0])

    def crow_indices(self):
        return self._crow_t

    def col_indices(self):
        return self._col_t

    def values(self):
        return self._values_t

    def to_dense(self, dtype=None, *, masked_grad=None):
        out = wrap(self._data.copy())
        return out if dtype is None else out.to(dtype)

    def to_sparse_csr(self, dense_dim=None):
        return self

    def to_sparse(self, sparse_dim=None, *, layout=None, blocksize=None, dense_dim=None):
        from ._coo import _make

        crow, col = self._crow_t._data, self._col_t._data
        rows = self._xp.repeat(self._xp.arange(len(crow) - 1, dtype=np.int64), self._xp.diff(crow))
        return _make(self._xp.stack([rows, col]), self._values_t._data, self.shape, True)

    def __repr__(self, *, tensor_contents=None):
        from ._coo import sparse_repr

        parts = [("crow_indices", self._crow_t), ("col_indices", self._col_t), ("values", self._values_t)]
        return sparse_repr(self, parts, [f"size={tuple(self._data.shape)}", f"nnz={self._nnz()}"], False)


def _make_csr(crow, col, values, shape):
    xp = namespace(values)
    crow = xp.ascontiguousarray(crow, dtype=np.int64)
    col = xp.ascontiguousarray(col, dtype=np.int64)
    rows = xp.repeat(xp.arange(len(crow) - 1, dtype=np.int64), xp.diff(crow))
    dense = xp.zeros(tuple(int(s) for s in shape), dtype=values.dtype)
    if len(col):
        xp.add.at(dense, (rows, col), values)
    if hasattr(dense, "flags"):
        dense.flags.writeable = False
    t = _new_leaf(SparseCSRTensor, dense)
    t._crow_t, t._col_t, t._values_t = wrap(crow), wrap(col), wrap(values)
    return t


def _check_2d(shape, what):
    if len(shape) != 2:
        raise RuntimeError(
            f"{what}: expected a 2-D tensor (batched and hybrid CSR are not supported), got {len(shape)}-D"
        )


def from_dense(x):
    """The nonzero entries of a 2-D dense tensor, row by row."""
    a = x.detach()._data
    _check_2d(a.shape, "to_sparse_csr")
    xp = namespace(a)
    rows, col = xp.nonzero(a)
    crow = xp.concatenate([xp.zeros(1, dtype=np.int64), xp.cumsum(xp.bincount(rows, minlength=a.shape[0]))])
    return _make_csr(crow, col, xp.ascontiguousarray(a[rows, col]), a.shape)


def from_coo(s):
    from ._coo import coalesced_arrays

    _check_2d(s.shape, "to_sparse_csr")
    if s.dense_dim():
        raise RuntimeError("to_sparse_csr: a COO tensor with dense dimensions is not supported")
    idx, vals = coalesced_arrays(s)
    xp = s._xp
    crow = xp.concatenate([xp.zeros(1, dtype=np.int64), xp.cumsum(xp.bincount(idx[0], minlength=s.shape[0]))])
    return _make_csr(crow, idx[1], vals, s.shape)


def sparse_csr_tensor(
    crow_indices,
    col_indices,
    values,
    size=None,
    *,
    dtype=None,
    device=None,
    requires_grad=False,
    check_invariants=None,
    pin_memory=False,
):
    """A CSR tensor from its compressed row pointers, column indices and values."""
    from ._coo import _array

    crow, col, vals = (_array(a, n) for a, n in ((crow_indices, "crow"), (col_indices, "col"), (values, "values")))
    if dtype is not None:
        vals = vals.astype(dtype.np)
    if crow.ndim != 1 or col.ndim != 1 or vals.ndim != 1:
        raise RuntimeError("crow_indices, col_indices and values must be 1-D (batched CSR is not supported)")
    if len(col) != len(vals):
        raise RuntimeError(
            f"col_indices and values must have the same number of elements, but got col_indices.numel(): "
            f"{len(col)}, values.numel(): {len(vals)}"
        )
    if len(crow) == 0 or int(crow[0]) != 0 or int(crow[-1]) != len(col) or (np.diff(crow) < 0).any():
        raise RuntimeError(
            "`crow_indices[..., 0] == 0`, `crow_indices[..., -1] == nnz` and non-decreasing are not satisfied."
        )
    if size is None:
        size = (len(crow) - 1, int(col.max()) + 1 if len(col) else 0)
    size = tuple(int(s) for s in size)
    _check_2d(size, "sparse_csr_tensor")
    if len(crow) != size[0] + 1:
        raise RuntimeError(
            f"crow_indices.size(-1) must be equal to size[-2] + 1 (that is {size[0] + 1}), but got: {len(crow)}"
        )
    if len(col) and (int(col.min()) < 0 or int(col.max()) >= size[1]):
        raise RuntimeError(f"`0 <= col_indices < ncols` is not satisfied (ncols = {size[1]})")
    out = _make_csr(crow, col, vals, size)
    out._requires_grad = bool(requires_grad)
    return out
