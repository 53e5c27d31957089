"""The CuPy namespace's additions (torchlet/_backends_cupy.py), checked on the CPU over a stand-in
with CuPy's signatures, against NumPy's own functions: what gather, scatter and max-pool backward
need of `indices`, and `as_strided` with NumPy's keywords."""

import types

import numpy as np
import pytest

from torchlet._backends_cupy import _CuPyNamespace


def _cupy_like():
    """NumPy's functions with CuPy's narrower signatures (indices has no `sparse`, as_strided no
    `subok`/`writeable`), so a shim that forwards NumPy's keywords fails here as on CuPy."""

    def indices(dimensions, dtype=int):
        return np.indices(dimensions, dtype)

    def as_strided(x, shape=None, strides=None):
        return np.lib.stride_tricks.as_strided(x, shape, strides)

    lib = types.SimpleNamespace(stride_tricks=types.SimpleNamespace(as_strided=as_strided))
    return types.SimpleNamespace(indices=indices, arange=np.arange, lib=lib)


@pytest.mark.parametrize("shape", [(3, 4, 5), (2,), (1, 3), (4, 1, 2, 3)])
@pytest.mark.parametrize("dtype", [int, np.int32])
def test_sparse_indices_are_numpys(shape, dtype):
    xp = _CuPyNamespace(_cupy_like())
    ours, theirs = xp.indices(shape, dtype, sparse=True), np.indices(shape, dtype, sparse=True)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(xp.indices(shape, dtype), np.indices(shape, dtype))


def test_as_strided_takes_numpys_keywords():
    xp = _CuPyNamespace(_cupy_like())
    x = np.arange(6.0)
    v = xp.lib.stride_tricks.as_strided(x, (2, 3), (24, 8), subok=False, writeable=False)
    np.testing.assert_array_equal(v, x.reshape(2, 3))
