"""What torchlet.linalg's ops share: LinAlgError, the input checks with PyTorch's
messages, and the namedtuple results (torch.return_types.linalg_*)."""

import collections

from ._util import wrap
from .. import _dtype

_NAME = _dtype.SCALAR_NAMES


class _LinAlgError(RuntimeError):
    """A matrix is singular / not positive-definite (torch.linalg.LinAlgError,
    whose class PyTorch names _LinAlgError)."""


LinAlgError = _LinAlgError


def _float_check(A, fn):
    if A.dtype.category < 2:
        raise RuntimeError(
            f"linalg.{fn}: Expected a floating point or complex tensor as input. "
            f"Got {_NAME.get(A.dtype.name, A.dtype.name)}"
        )


def _matrix_check(A, fn, what="A", prefix="linalg."):
    """Batches of matrices: at least 2 dims (NumPy would raise its LinAlgError)."""
    if A._data.ndim < 2:
        raise RuntimeError(f"{prefix}{fn}: The input tensor {what} must have at least 2 dimensions.")
    _float_check(A, fn)


def _square_check(A, fn):
    _square_shape(A, fn)
    _float_check(A, fn)


def _square_shape(A, fn):
    """Batches of square matrices, with PyTorch's messages."""
    shape = A._data.shape
    if len(shape) < 2:
        raise RuntimeError(f"linalg.{fn}: The input tensor A must have at least 2 dimensions.")
    if shape[-1] != shape[-2]:
        raise RuntimeError(
            f"linalg.{fn}: A must be batches of square matrices, but they are {shape[-2]} by {shape[-1]} matrices"
        )


def _const(arr):
    return wrap(arr)


def _result(name, fields):
    """torchlet.return_types.<name> where that module has it, else a namedtuple."""
    try:
        from .. import return_types

        cls = getattr(return_types, name)
        return lambda *values: cls(values)
    except (ImportError, AttributeError):
        return collections.namedtuple(name, fields)
