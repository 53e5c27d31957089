"""Tensor storage in shared memory.

share_memory_() copies a tensor's array into an anonymous memory file
(memfd, or an unlinked file in /dev/shm where there is none) mapped
MAP_SHARED: children made by fork see the same pages, and other processes
receive the file descriptor itself (see _reductions.py), so every process
writes into one buffer, as PyTorch's shared storages do.

PyTorch moves the storage, so every tensor on it sees the shared memory. A
torchlet view holds an array of its own, so the move copies the whole buffer
under the tensor (its base's) once and re-points each tensor that shares it:
those holding its version counter (views, detach(), Parameter(t)), found
through the garbage collector's referrers. Tensors made with `.data` or
from_numpy on the same array have counters of their own and keep the old
memory.
"""

import ctypes
import gc
import mmap
import os
import sys
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


def _root(a):
    """The array at the bottom of a's .base chain: the one holding the whole buffer."""
    while isinstance(a.base, np.ndarray):
        a = a.base
    return a


def _span(a):
    """[first, end) byte addresses of the elements of array `a`."""
    first = end = a.__array_interface__["data"][0]
    if a.size == 0:
        return first, first
    for n, step in zip(a.shape, a.strides):
        if step < 0:
            first += (n - 1) * step
        else:
            end += (n - 1) * step
    return first, end + a.itemsize


def _sharers(t):
    """t and every live tensor made from the same memory by views, detach() or
    Parameter(t): they hold t's version counter. Other holders of the counter
    are looked up (a heap walk) only when the counter has some."""
    counter = t._version
    if sys.getrefcount(counter) <= 3:  # t's slot, this frame's name, getrefcount's argument
        return [t]
    from .._tensor import Tensor

    return [x for x in gc.get_referrers(counter) if isinstance(x, Tensor) and x._version is counter]


def share(t):
    """Move the memory under t into shared memory: every view of it, made
    before or after, reads and writes the shared copy (as PyTorch moves the
    storage); returns t."""
    if not isinstance(t._data, np.ndarray):
        return t  # CUDA tensors are shared through their own IPC
    if is_shared(t):
        return t
    root = _root(t._data)
    first, end = _span(root)
    m = SharedMap.create(end - first)
    if end > first:
        ctypes.memmove(np.frombuffer(m, np.uint8).ctypes.data, first, end - first)
    for x in _sharers(t):
        a = x._data
        if not isinstance(a, np.ndarray) or _root(a) is not root:
            continue
        moved = np.ndarray(
            a.shape, a.dtype, buffer=m, offset=a.__array_interface__["data"][0] - first, strides=a.strides
        )
        moved.flags.writeable = a.flags.writeable
        x._data = moved
    return t
