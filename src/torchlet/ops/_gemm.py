"""The CPU backend's one matrix-product entry point: ``matmul(xp, a, b, bias=None)``.

Why: NumPy's float32 product (OpenBLAS) runs the small-to-medium shapes of
neural networks about 3x slower than PyTorch at one thread ((256, 256) @
(256, 256): 3.6 ms against 1.0 ms; (64, 784) @ (784, 256): 2.3 against 0.9).
BLIS (the ``blis`` wheel, explosion's build that spaCy/thinc use) runs them at
PyTorch's speed. So a float32 2-D product of plain NumPy arrays of at least
MIN_MACS multiply-adds goes to ``blis.py.gemm`` when blis is installed;
everything else (float64, where OpenBLAS measured as fast or faster; batched
products, where a Python loop of gemm calls measured 2-3x slower; other
namespaces: CuPy, the fake test device, vmap) stays ``xp.matmul``.

    C (M, N) = A (M, K) @ B (K, N)          one gemm call; an operand that is the
                                             transpose of a C-contiguous array is
                                             passed with trans=True (no copy)
    C = bias (broadcast) + A @ B            out pre-filled with the bias, beta = 1

Threads: BLIS here is single-threaded; it releases the GIL. At
``torchlet.get_num_threads() > 1`` a large product is split by rows of C over
a persistent pool of that many threads (the caller computes one part). Rows
too few to split leave the product to NumPy, whose OpenBLAS is threaded.

The pure-NumPy path is the reference: ``TORCHLET_BLAS=numpy`` in the
environment, or ``torchlet.backends.cpu.use_blis = False``, turns blis off.
"""

import os
import sys
import threading

import numpy as np

__all__ = ["matmul", "blis_enabled"]

_F32 = np.dtype(np.float32)  # float64: blis measured slower than OpenBLAS on most shapes
# Below this many multiply-adds NumPy's own call is as fast or faster: blis's call costs
# ~10 us against NumPy's ~3 us (measured 1.2-2.3x slower up to 64^3).
MIN_MACS = 1 << 20
# Split over threads from this many multiply-adds (a pool hand-off costs ~20-50 us),
# each thread taking at least MIN_SPLIT_ROWS rows of C.
MIN_SPLIT_MACS = 1 << 21
MIN_SPLIT_ROWS = 32

_blis = []  # [blis.py.gemm or None], filled on the first product: `import torchlet` stays light


def _blis_gemm_fn():
    if not _blis:
        try:  # optional at run time: CI also runs without it
            from blis.py import gemm
        except ImportError:  # pragma: no cover - depends on the install
            gemm = None
        _blis.append(gemm)
    return _blis[0]


def blis_enabled():
    """blis is installed and not turned off: TORCHLET_BLAS=numpy in the environment, or
    torchlet.backends.cpu.use_blis = False (read here without importing torchlet.backends)."""
    cpu = sys.modules.get("torchlet.backends.cpu")
    if cpu is None:
        if os.environ.get("TORCHLET_BLAS", "").lower() == "numpy":
            return False
    elif not cpu.use_blis:
        return False
    return _blis_gemm_fn() is not None


def _operand(a):
    """(C-contiguous array, transposed?) for blis, or None when it would need a copy."""
    if a.flags.c_contiguous:
        return a, False
    if a.flags.f_contiguous:
        return a.T, True
    return None


def _threads():
    import torchlet

    return torchlet.get_num_threads()


# ----- the thread pool ------------------------------------------------------
_pool = [None, 0]  # (executor, its size)
_pool_lock = threading.Lock()


def _executor(n):
    with _pool_lock:
        if _pool[1] != n:
            from concurrent.futures import ThreadPoolExecutor

            if _pool[0] is not None:
                _pool[0].shutdown(wait=False)
            _pool[0], _pool[1] = ThreadPoolExecutor(n - 1, thread_name_prefix="torchlet-gemm"), n
        return _pool[0]


def _forget_pool():  # a forked child (DataLoader worker) has none of the parent's threads
    _pool[0], _pool[1] = None, 0


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


# ----- the products ---------------------------------------------------------
def _gemm2(a, b, out, beta):
    """out = a @ b + beta * out, a and b 2-D, out C-contiguous; False if blis cannot take them."""
    pa, pb = _operand(a), _operand(b)
    if pa is None or pb is None:
        return False
    (A, ta), (B, tb) = pa, pb
    M, K = a.shape
    n = _threads()
    rows = M // n if n > 1 else 0
    if rows < MIN_SPLIT_ROWS or M * K * b.shape[1] < MIN_SPLIT_MACS:
        _blis[0](A, B, out=out, trans1=ta, trans2=tb, alpha=1.0, beta=beta)
        return True
    step = -(-M // n)
    parts = [slice(i, min(i + step, M)) for i in range(0, M, step)]

    def part(s):  # rows of a transposed A are its columns: copy that slab to make it C-contiguous
        rows_of_a = np.ascontiguousarray(a[s]) if ta else A[s]
        _blis[0](rows_of_a, B, out=out[s], trans1=False, trans2=tb, alpha=1.0, beta=beta)

    futures = [_executor(n).submit(part, s) for s in parts[1:]]
    part(parts[0])
    for f in futures:
        f.result()
    return True


def _fits(bias, shape):
    try:
        return np.broadcast_shapes(shape, bias.shape) == shape
    except ValueError:
        return False


def _fill(out, bias):
    if bias is None:
        return 0.0
    out[...] = bias
    return 1.0


def matmul(xp, a, b, bias=None):
    """a @ b (+ bias, broadcast to the result) on arrays of namespace xp, NumPy's semantics."""
    if (
        xp is not np
        or a.__class__ is not np.ndarray
        or b.__class__ is not np.ndarray
        or a.ndim < 2
        or b.ndim < 2
        or a.dtype != b.dtype
        or a.dtype != _F32
        or (bias is not None and (bias.__class__ is not np.ndarray or bias.dtype != _F32 or bias.ndim > 2))
        or not blis_enabled()
    ):
        return _numpy(xp, a, b, bias)
    M, K = a.shape[-2:]
    N = b.shape[-1]
    if b.shape[-2] != K or not (M and N and K):
        return _numpy(xp, a, b, bias)
    if a.ndim == 2 and b.ndim == 2 and M * N * K >= MIN_MACS and (bias is None or _fits(bias, (M, N))):
        out = np.empty((M, N), a.dtype)
        if _gemm2(a, b, out, _fill(out, bias)):
            return out
    return _numpy(xp, a, b, bias)


def _numpy(xp, a, b, bias):
    out = xp.matmul(a, b)
    if bias is not None:
        if out.shape == np.broadcast_shapes(out.shape, bias.shape):
            out += bias  # the fresh product: add in place, no second buffer
        else:
            out = out + bias
    return out
