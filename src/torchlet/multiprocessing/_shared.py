"""Tensor storage in shared memory.

share_memory_() copies a tensor's array into an anonymous memory file
(memfd, or an unlinked file in /dev/shm where there is none) mapped
MAP_SHARED: children made by fork see the same pages, and other processes
receive the file descriptor itself (see _reductions.py), so every process
writes into one buffer, as PyTorch's shared storages do. A view shares the
whole of its base, so base and view stay views of one another.
Other views made before the call keep the old memory (PyTorch moves the
storage under every view; torchlet's views hold their own array objects).
"""

import mmap
import os
import tempfile
import weakref

import numpy as np

__all__ = ["share", "is_shared", "SharedMap", "mapping_of"]


class SharedMap(mmap.mmap):
    """An mmap that remembers its file descriptor (closed with the map)."""

    @classmethod
    def create(cls, nbytes):
        nbytes = max(int(nbytes), 1)
        if hasattr(os, "memfd_create"):
            fd = os.memfd_create("torchlet_shared", 0)
        else:  # pragma: no cover - macOS
            fd, path = tempfile.mkstemp(prefix="torchlet_", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
            os.unlink(path)
        os.ftruncate(fd, nbytes)
        return cls.attach(fd, nbytes)

    @classmethod
    def attach(cls, fd, nbytes):
        m = cls(fd, nbytes)
        m.fd = fd
        weakref.finalize(m, os.close, fd)
        return m


def mapping_of(a):
    """The SharedMap under array `a`, or None."""
    while a is not None:
        if isinstance(a, SharedMap):
            return a
        a = getattr(a, "base", None)
    return None


def is_shared(t):
    return mapping_of(t._data) is not None


def _moved(view, old_base, new_base):
    """`view` (a view of old_base) rebuilt on new_base at the same offset and strides."""
    offset = view.__array_interface__["data"][0] - old_base.__array_interface__["data"][0]
    return np.ndarray(
        view.shape,
        view.dtype,
        buffer=new_base.base if isinstance(new_base.base, SharedMap) else new_base,
        offset=offset,
        strides=view.strides,
    )


def share(t):
    """Move t's storage (its base's, for a view) into shared memory; returns t."""
    if not isinstance(t._data, np.ndarray):
        return t  # CUDA tensors are shared through their own IPC
    if is_shared(t):
        return t
    base = t._base
    if base is not None:
        old = base._data
        share(base)
        t._data = _moved(t._data, old, base._data)
        return t
    a = t._data
    m = SharedMap.create(a.nbytes)
    arr = np.ndarray(a.shape, a.dtype, buffer=m)
    arr[...] = a
    t._data = arr
    return t
