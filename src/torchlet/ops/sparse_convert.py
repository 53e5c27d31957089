"""Tensor.to_sparse / Tensor.to_dense on a dense tensor (the COO tensor itself lives in torchlet.sparse)."""

import numpy as np

from .._device import namespace
from .._layout import sparse_coo
from ._table import methods


def to_sparse(self, sparse_dim=None, *, layout=None, blocksize=None, dense_dim=None):
    """Tensor.to_sparse: the nonzero entries (over the first sparse_dim dims) as coalesced COO."""
    if layout is not None and layout is not sparse_coo:
        raise RuntimeError(f"to_sparse for {layout} layout is not supported by torchlet")
    a = self.detach()._data
    sd = a.ndim if sparse_dim is None else int(sparse_dim)
    if not 0 <= sd <= a.ndim:
        raise RuntimeError(f"sparse_dim argument must be in [0,{a.ndim}] range, but {sd} is given")
    nz = a != 0
    if sd < a.ndim:
        nz = nz.any(axis=tuple(range(sd, a.ndim)))
    xp = namespace(a)
    idx = xp.stack(xp.nonzero(nz)).astype(np.int64).reshape(sd, -1)
    vals = a[tuple(idx)] if sd else a[None]
    from ..sparse._coo import _make

    return _make(idx, xp.ascontiguousarray(vals), a.shape, True)


def to_dense(self, dtype=None, *, masked_grad=None):
    """A dense tensor's to_dense is itself."""
    return self if dtype is None else self.to(dtype)


def to_sparse_csr(self, dense_dim=None):
    """Tensor.to_sparse_csr: a 2-D tensor's nonzero entries in compressed-row form (torchlet.sparse._csr)."""
    from ..sparse._csr import from_dense

    return from_dense(self)


methods.to_sparse = to_sparse
methods.to_dense = to_dense
methods.to_sparse_csr = to_sparse_csr
methods.is_sparse_csr = property(lambda self: False, doc="True for a sparse CSR tensor.")
