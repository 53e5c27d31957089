"""Large elementwise kernels in cache-sized blocks, on as many threads as PyTorch would use
(`get_num_threads()`), except while oneDNN's OpenMP pool holds the cores (_threads): then on
the calling thread.

NumPy runs a ufunc loop on one thread but releases the GIL inside it, so a contiguous array cut
into slices, one per thread, runs on that many cores. Within a slice, a kernel of many NumPy
passes (erf, GELU: ~20) runs block by block, so its temporaries stay in the core's cache instead
of streaming whole arrays through memory on every pass. Every element goes through the same
loops as in one call (cuts fall on 64-element boundaries, so SIMD loops see the same alignment),
so results are bit-identical to the one-call form; only time changes.

    elementwise(fn, x, *others, dtype=None)   fn(x, *others), block by block, into a new array
    by_rows(fn, *arrays)                      fn(*pieces) on pieces cut along the leading axis,
                                              for a kernel writing into one of them (its out)
    ranges(run, n, step)                      run(start, stop) on parts of range(n) cut at
                                              multiples of step (a chunked kernel's chunks)

Below `MIN_ELEMENTS`, or for arrays that are not C-contiguous NumPy arrays of one shape, fn runs
once on the whole arrays. The pool is torchlet's own (no process-global thread setting
changes) and is rebuilt in a forked child (DataLoader workers), which has none of its threads.
"""

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from . import _block_cache, _gemm

MIN_ELEMENTS = 1 << 17  # 128K elements; a thread hand-off costs ~20 us
BLOCK = 1 << 16  # elements per block: a float32 temporary of 256 KB, in L2 with its inputs
_ALIGN = 64

_pool = [None, 0]  # the executor and its worker count


def _threads():
    """get_num_threads(), or 1 while oneDNN's OpenMP pool holds the cores (_gemm.onednn_holds_cores):
    its workers spin between calls, and a Python thread beside them waits for a core (ResNet-18
    inference at two threads, seven process pairs: 38.8 ms median with the blocks on two threads,
    34.0 on one; LeNet's step with ReLU on two threads 11-14 -> 15 ms)."""
    from .. import get_num_threads

    return 1 if _gemm.onednn_holds_cores() else get_num_threads()  # (it holds only above one thread)


def _executor(workers):
    if _pool[1] != workers:
        if _pool[0] is not None:
            _pool[0].shutdown(wait=False)
        _pool[0] = ThreadPoolExecutor(workers, thread_name_prefix="torchlet-elementwise")
        _pool[1] = workers
    return _pool[0]


def _after_fork_in_child():
    _pool[0], _pool[1] = None, 0


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _cuts(n, parts, align=_ALIGN):
    """The cut points 0 < ... < n of range(n) into at most `parts` parts of about equal size,
    each interior cut a multiple of `align`."""
    size = -(-n // parts)
    size = -(-size // align) * align
    return sorted({min(i * size, n) for i in range(parts)} | {n})


def _plan(arrays, threads):
    """The threads' cut points for these arrays, or None when they run as one call."""
    first = arrays[0]
    n = first.size
    if n < MIN_ELEMENTS:
        return None
    for a in arrays:
        if a.__class__ is not np.ndarray or a.shape != first.shape or not a.flags.c_contiguous:
            return None
    return _cuts(n, max(1, min(threads, n // (MIN_ELEMENTS // 2))))


def elementwise(fn, x, *others, dtype=None):
    """fn(x, *others) for an elementwise fn of same-shape arrays, returning `dtype` (default
    x.dtype), computed block by block on get_num_threads() threads."""
    threads = _threads()
    cuts = _plan((x,) + others, threads)
    if cuts is None:
        return fn(x, *others)
    out = _block_cache.empty(x.shape, x.dtype if dtype is None else dtype)
    flat_out = out.reshape(-1)
    flats = [a.reshape(-1) for a in (x,) + others]

    def run(start, stop):
        for a in range(start, stop, BLOCK):
            b = min(a + BLOCK, stop)
            flat_out[a:b] = fn(*[f[a:b] for f in flats])

    _spread(run, cuts, threads)
    return out


def by_rows(fn, *arrays):
    """fn(*pieces) over pieces of `arrays` (C-contiguous NumPy arrays of one leading size) cut
    along the leading axis: as many parts as get_num_threads(), each run in blocks of whole rows
    of about BLOCK elements. For kernels whose every element is an exact IEEE operation
    (multiply, add, clip) written into one of the pieces, so any cut gives the one-call bits;
    below MIN_ELEMENTS, or for other arrays, fn(*arrays) once."""
    first = arrays[0]
    n = first.shape[0] if first.ndim else 0
    if first.size < MIN_ELEMENTS or n < 2:
        return fn(*arrays)
    for a in arrays:
        if a.__class__ is not np.ndarray or a.shape[0] != n or not a.flags.c_contiguous:
            return fn(*arrays)
    threads = _threads()
    rows = max(1, BLOCK // (first.size // n))

    def run(start, stop):
        for a in range(start, stop, rows):
            b = min(a + rows, stop)
            fn(*[x[a:b] for x in arrays])

    _spread(run, _cuts(n, max(1, min(threads, n, first.size // (MIN_ELEMENTS // 2))), 1), threads)


def ranges(run, n, step):
    """run(start, stop) over [0, n) cut into up to get_num_threads() parts at multiples of
    `step` (a kernel's own chunk size, so every chunk is the one it makes alone)."""
    threads = _threads()
    _spread(run, _cuts(n, max(1, min(threads, -(-n // step))), step), threads)


def _spread(run, cuts, threads):
    """run(cuts[i], cuts[i + 1]) for every i: the first on this thread, the others on the pool."""
    if len(cuts) > 2:
        pool = _executor(threads - 1)
        futures = [pool.submit(run, cuts[i], cuts[i + 1]) for i in range(1, len(cuts) - 1)]
        run(cuts[0], cuts[1])
        for f in futures:
            f.result()
    else:
        run(cuts[0], cuts[-1])
