"""Large result arrays on memory reused from freed arrays of the same size, without touching the
process's allocator: a cache of torchlet's own blocks (as PyTorch caches its CUDA blocks).

glibc returns a freed block of more than its mmap threshold (128 KiB, rising to the size of the
blocks freed) to the kernel, or trims it off the heap's top, so the next array of that size is
fresh memory: every 4 KiB page of it faults on first write. A training or inference step makes
and frees the same activation sizes every time: LeNet's inference took 832 page faults a step
(the first convolution's output and its ReLU's, 1.7 MB each) and 5.3 ms at two threads, against
PyTorch's 0 faults and 3.7 ms; with the faults gone it takes 2.5-3.6 ms. Changing glibc's
thresholds (mallopt) would do the same for the whole process, so that is an opt-in
(torchlet._malloc); this cache serves only the hot paths that ask it (the callers of empty,
binary and contiguous_copy).

The second thing a block gives is alignment. malloc aligns to 16 bytes, so a fresh NumPy array
starts at 0, 16, 32 or 48 bytes into a 64-byte cache line (an mmap-ed one always 16 in), and
NumPy's SIMD arithmetic loops then split their stores across cache lines: np.add of two 256x256
float32 arrays into a misaligned result takes 9.6-11 us, into a 64-byte aligned one 5.5 (PyTorch
aligns every CPU tensor to 64 bytes). Which one a process gets is the heap's luck, the same for
every call at one place in a loop: the benchmarks' 256x256 add read 7.4 us in one run and 13.4
in the next on the same code. The difference is that large from 16K float32 elements (64 KiB,
2.8 against 1.5 us) up to the L2 cache (256K elements: 51 against 38 us) and gone above it,
where memory is the bound; copies and clip do not care. So every block starts on a 64-byte
boundary, and the arithmetic (binary, the products, ReLU's gradient) takes blocks from
ALIGNED_BYTES = 128 KiB, where an aligned result pays for this module's ~1 us.

empty(shape, dtype) returns a C-contiguous, 64-byte aligned array viewing a cached uint8 block
of exactly its byte size (cut from a raw array 63 bytes longer). A block is free again when no
array uses it: every array made from it, and every view of those, holds a reference to the raw
array (NumPy points a view's .base at the array that owns the memory), so a block whose only
reference is the cache's is unused. Blocks count
against KEEP_BYTES, in use or free; past it, free blocks of other sizes are dropped, and when
none is free the array is a plain np.empty.
"""

import math
import os
import sys
import threading

import numpy as np

MIN_BYTES = 1 << 20  # 1 MiB: smaller arrays come back from malloc's heap without faulting
ALIGNED_BYTES = 128 << 10  # the arithmetic's results from here (see above)
ALIGN = 64  # bytes: a cache line, and PyTorch's alignment of CPU tensors
KEEP_BYTES = 256 << 20  # the most this cache holds, its blocks in use included

_lock = threading.Lock()
_blocks = {}  # nbytes -> ([raw uint8 arrays of nbytes + ALIGN - 1], [each one's offset to ALIGN])
_held = [0]  # bytes in _blocks
_ids = set()  # id() of every block in _blocks


_getrefcount = sys.getrefcount
_prod = math.prod


def _refs(blocks, i):
    return _getrefcount(blocks[i])


_UNUSED = _refs([np.empty(1, np.uint8)], 0)  # a block only its list holds (calibrated: interpreters differ)


def empty(shape, dtype, min_bytes=MIN_BYTES):
    """np.empty(shape, dtype), C-contiguous, on a free cached block of its size when it has
    min_bytes or more (ALIGNED_BYTES for an arithmetic result)."""
    dtype = np.dtype(dtype)
    return _empty(shape, dtype, dtype.itemsize * _prod(shape), min_bytes)


def _empty(shape, dtype, n, min_bytes):  # n: the array's bytes
    if n < min_bytes:
        return np.empty(shape, dtype)
    with _lock:
        raw, at = _take(n)
    if raw is None:
        return np.empty(shape, dtype)
    return np.ndarray(shape, dtype, raw, at)  # raw is its .base


LARGE = MIN_BYTES // 8  # elements from which an array of up to 8-byte items may reach MIN_BYTES
ALIGNED = ALIGNED_BYTES // 4  # elements from which a float32 result is aligned (float64 from half of it)


def large(x):
    """Whether NumPy array x may reach MIN_BYTES (a cheap test before empty() or contiguous_copy())."""
    return x.__class__ is np.ndarray and x.size >= LARGE


def contiguous_copy(x):
    """A C-contiguous copy of NumPy array x, on a cached block when it is large."""
    out = empty(x.shape, x.dtype)
    np.copyto(out, x)
    return out


def binary(ufunc, x, y):
    """ufunc(x, y), its result on a cached block where NumPy's would be a C-ordered float array of
    ALIGNED_BYTES or more: x a float NumPy array, y one of the same dtype or a Python number (which
    keeps x's dtype); every operand of the result's shape C-contiguous (NumPy would follow another
    layout). Anything else is ufunc(x, y) itself, NumPy's errors included. The per-op hot paths
    (pointwise add/sub/mul/div) test x.size >= ALIGNED before calling, to spare small arrays a call."""
    if x.__class__ is np.ndarray and x.dtype.kind == "f" and x.flags.c_contiguous:  # the common cases first
        if y.__class__ is np.ndarray:
            if y.shape == x.shape and y.dtype == x.dtype and y.flags.c_contiguous:
                return ufunc(x, y, out=_empty(x.shape, x.dtype, x.nbytes, ALIGNED_BYTES))
        elif type(y) is float or type(y) is int:
            return ufunc(x, y, out=_empty(x.shape, x.dtype, x.nbytes, ALIGNED_BYTES))
    if x.__class__ is not np.ndarray or x.dtype.kind != "f" or x.size < ALIGNED and getattr(y, "size", 0) < ALIGNED:
        return ufunc(x, y)
    if y.__class__ is np.ndarray:
        if y.dtype != x.dtype:
            return ufunc(x, y)
        if x.shape == y.shape:
            shape, ordered = x.shape, x.flags.c_contiguous and y.flags.c_contiguous
        else:
            try:
                shape = np.broadcast_shapes(x.shape, y.shape)
            except ValueError:
                return ufunc(x, y)
            full = [a for a in (x, y) if a.shape == shape]
            ordered = full and all(a.flags.c_contiguous for a in full)
    elif type(y) is float or type(y) is int:
        shape, ordered = x.shape, x.flags.c_contiguous
    else:
        return ufunc(x, y)
    if not ordered:
        return ufunc(x, y)
    return ufunc(x, y, out=empty(shape, x.dtype, ALIGNED_BYTES))


def _take(n):
    """(raw block, offset of its aligned n bytes), a free one of n bytes or a new one; (None, 0) past KEEP_BYTES."""
    entry = _blocks.get(n)
    if entry is None:
        entry = _blocks[n] = ([], [])
    blocks, offsets = entry
    for i in range(len(blocks)):
        if _getrefcount(blocks[i]) <= _UNUSED:  # _refs, inline
            return blocks[i], offsets[i]
    if _held[0] + n > KEEP_BYTES and not _drop_free(n):
        return None, 0
    block = np.empty(n + ALIGN - 1, np.uint8)
    blocks.append(block)
    offsets.append(-block.ctypes.data % ALIGN)
    _ids.add(id(block))
    _held[0] += n
    return block, offsets[-1]


def _drop_free(n):
    """Drop free blocks of other sizes until `n` more bytes fit under KEEP_BYTES; False if they do not."""
    for size, (blocks, offsets) in list(_blocks.items()):
        i = 0
        while i < len(blocks):
            if size != n and _refs(blocks, i) <= _UNUSED:
                _ids.discard(id(blocks[i]))
                del blocks[i], offsets[i]
                _held[0] -= size
                if _held[0] + n <= KEEP_BYTES:
                    return True
            else:
                i += 1
    return _held[0] + n <= KEEP_BYTES


def references(a):
    """How many references to NumPy array `a` this cache holds (1 for a block of it, else 0): the
    autograd engine's count of who else uses a gradient's memory."""
    return 1 if id(a) in _ids else 0


def held_bytes():
    """Bytes of the blocks this cache holds (in use or free)."""
    return _held[0]


def empty_cache():
    """Release every free block to the allocator (blocks in use stay until their arrays are gone)."""
    with _lock:
        for size, (blocks, offsets) in _blocks.items():
            keep = [i for i in range(len(blocks)) if _refs(blocks, i) > _UNUSED]
            _ids.difference_update(id(b) for b in blocks)
            _ids.update(id(blocks[i]) for i in keep)
            _held[0] -= size * (len(blocks) - len(keep))
            blocks[:], offsets[:] = [blocks[i] for i in keep], [offsets[i] for i in keep]


def _after_fork():  # a forked child: the lock may have been held by a thread that is not there
    global _lock
    _lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)
