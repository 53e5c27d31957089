"""torchlet.sparse: sparse COO tensors (see _coo) and torch.sparse's matrix products.

torch.sparse.mm(S, D) = torch.spmm(S, D) = S @ D (dense result)
d/dD = S^T g   (the gradient reaches the dense side; S carries no gradient here)
"""

from ._coo import SparseCOOTensor, sparse_coo_tensor

__all__ = ["mm", "addmm", "sum", "check_sparse_tensor_invariants"]


def mm(mat1, mat2, reduce="sum"):
    """sparse @ dense (or dense @ sparse) as a dense tensor."""
    if reduce != "sum":
        raise RuntimeError(f"torchlet.sparse.mm supports reduce='sum' only, got {reduce!r}")
    return mat1.mm(mat2)


def spmm(input, mat2):
    """torch.spmm: sparse @ dense as a dense tensor."""
    return input.mm(mat2)


def addmm(mat, mat1, mat2, *, beta=1.0, alpha=1.0):
    return mat.addmm(mat1, mat2, beta=beta, alpha=alpha)


def sum(input, dim=None, dtype=None):
    """The sum of a sparse tensor's values (over dims `dim`)."""
    from .. import sum as dense_sum

    t = input.to_dense() if getattr(input, "is_sparse", False) else input
    r = dense_sum(t, dim=dim) if dim is not None else dense_sum(t)
    return r if dtype is None else r.to(dtype)


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
