"""torchlet.sparse: sparse COO tensors (_coo, _coo_ops), CSR tensors (_csr), torch.sparse's functions.

torch.sparse.mm(S, D) = S @ D (dense result); dD = S^T g, dS = g D^T read at S's pattern (sparse)
torch.spmm(S, D) = torch.mm(S, D): the same value; there dS is the dense g D^T, as PyTorch's
"""

from ._coo import SparseCOOTensor, sparse_coo_tensor
from ._coo_ops import softmax, sparse_mm
from ._csr import SparseCSRTensor, sparse_csr_tensor

__all__ = ["mm", "addmm", "sum", "softmax", "check_sparse_tensor_invariants"]


def mm(mat1, mat2, reduce="sum"):
    """sparse @ dense (or dense @ sparse) as a dense tensor; the gradient to a sparse mat1 is sparse."""
    if reduce != "sum":
        raise RuntimeError(f"torchlet.sparse.mm supports reduce='sum' only, got {reduce!r}")
    return sparse_mm(mat1, mat2)


def spmm(input, mat2):
    """torch.spmm: sparse @ dense as a dense tensor."""
    return input.mm(mat2)


def addmm(mat, mat1, mat2, *, beta=1.0, alpha=1.0):
    return mat.addmm(mat1, mat2, beta=beta, alpha=alpha)


def sum(input, dim=None, dtype=None):
    """The sum of a sparse tensor's values: a dense scalar, or over `dim` a sparse tensor of the
    sparse dims kept (dense when none is kept)."""
    from ._coo_ops import sparse_sum

    if not isinstance(input, SparseCOOTensor):
        r = input.sum(dim) if dim is not None else input.sum()
        return r if dtype is None else r.to(dtype)
    return sparse_sum(input, dim, dtype)


class check_sparse_tensor_invariants:
    """Context manager / decorator accepted for PyTorch compatibility (indices are always checked)."""

    def __init__(self, enable=True):
        self._enable = enable

    @staticmethod
    def is_enabled():
        return True

    @staticmethod
    def enable():
        pass

    @staticmethod
    def disable():
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def __call__(self, fn):
        return fn
