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


def test_fused_kernels_take_float32_and_float64_arrays_of_the_registered_namespace(monkeypatch):
    """_backends_cupy.fused: the one test the fused CUDA kernels' call sites ask (batch norm,
    convolution, max pool, SGD). Here a fake backend's namespace stands for CuPy's."""
    import torchlet
    from torchlet import _backends_cupy
    from torchlet.testing import _fake_backend

    _fake_backend.install()
    on_device = torchlet.ones(2, device=_fake_backend.DEVICE)
    assert not _backends_cupy.fused(on_device._xp, np.dtype(np.float32))  # nothing registered as CuPy
    monkeypatch.setitem(_backends_cupy._state, "xp", on_device._xp)
    for dtype, taken in ((np.float32, True), (np.float64, True), (np.float16, False), (np.int64, False)):
        assert _backends_cupy.fused(on_device._xp, np.dtype(dtype)) is taken, dtype
    assert not _backends_cupy.fused(torchlet.ones(2)._xp, np.dtype(np.float32))  # NumPy's
