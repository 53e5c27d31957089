"""Tensor memory as MPI buffers (mpi4py's uppercase, buffer-based API: no pickling).

Data movement sends raw bytes, so every dtype travels. Reductions need a
type MPI knows: float16/bfloat16 reduce in float32, bool in uint8 (SUM is
logical or, PRODUCT logical and, as in PyTorch).
"""

import numpy as np


def array(t):
    """The tensor's array, C-contiguous (a copy when it is not)."""
    a = t._data
    if not isinstance(a, np.ndarray):
        raise RuntimeError(f"torchlet.distributed runs on CPU tensors, got a tensor on {t.device}")
    return a if a.flags.c_contiguous else np.ascontiguousarray(a)


def as_bytes(a):
    return a.reshape(-1).view(np.uint8)


_LOW = {"float16", "bfloat16"}


_KIND = {}  # numpy dtype -> "low", "bool" or None (numpy's dtype.name is slow: once per dtype)


def reducible(a):
    """(array MPI can reduce, function that writes a reduced copy back into a)."""
    kind = _KIND.get(a.dtype, "?")
    if kind == "?":
        name = a.dtype.name
        kind = _KIND[a.dtype] = "low" if name in _LOW else "bool" if a.dtype == np.bool_ else None
    if kind is None:
        return a, None
    if kind == "low":
        return a.astype(np.float32), lambda r: np.copyto(a, r.astype(a.dtype))
    return a.view(np.uint8), None


def write_back(t, a):
    """After an in-place collective on a contiguous copy, copy into the tensor."""
    if a is not t._data:
        t._data[...] = a.reshape(t._data.shape)
    t._version[0] += 1
