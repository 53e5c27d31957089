"""The CPU backend's one matrix-product entry point: ``matmul(xp, a, b, bias=None)``.

Every product goes to ``xp.matmul`` (NumPy's OpenBLAS on the CPU; a small 2-D one on
C-contiguous NumPy arrays to ``np.dot``, the same BLAS call with less set-up), except in two
cases, where a float32 2-D product large enough for OpenBLAS to run on its own threads goes
to oneDNN's sgemm instead (the `onednn` extra installed): above one thread, once oneDNN's
OpenMP pool has started in this process (the first convolution on it, see _onednn.py, or the
first product of ONE_THREAD_MIN_N or more output columns, which starts it); and
at one thread, for outputs of ONE_THREAD_MIN_N columns or more (on Intel CPUs also narrower
products of ONE_THREAD_NARROW_MACS or more), where its kernels are faster (_on_onednn).

Why: both libraries keep their idle threads spinning for a while after each
call, waiting for the next. Two pools of spinning threads on the same cores take
the cores from each other: with the convolutions on oneDNN and the Linear layers
on OpenBLAS, both at two threads, a LeNet training step took 35 ms against 22
with everything on OpenBLAS, and CIFAR's 190 ms against 147; with the products
on oneDNN's pool too, 19 and 81 (PyTorch: 24 and 93). Sums through BLAS follow
the same rule (_blas_sum.py). An LSTM or GRU layer, GELU and attention's softmax
start oneDNN's pool too (they run on it): a fused LSTM step at two threads ran
130-140 ms with every product and sum on oneDNN against 165-195 with them on
OpenBLAS (and 265 with the products on oneDNN while gemv sums still woke
OpenBLAS). Stacks of products (attention's) then go to oneDNN as one matmul
primitive (_matmul_onednn.py). A wide product starts the pool too, so an MLP's
process runs on it: its optimizer's updates of large parameters follow to the pool
(optim/_sgd_onednn.py, _adam_kernel.py), where beside OpenBLAS's spinning threads
they had one core. The MLP of benchmarks/ at two threads: inference 560 -> 456 us
(PyTorch 420), the Adam step 2169 -> 1946 us (PyTorch ~1700), the SGD step 1692 ->
1646. A process whose products are all narrow (softmax regression) keeps OpenBLAS.

    C (M, N) = A (M, K) @ B (K, N)          one sgemm call; an operand that is the
                                             transpose of a C-contiguous array is
                                             passed transposed (no copy); a strided
                                             one is copied contiguous once
    C = bias (broadcast) + A @ B            out pre-filled with the bias, beta = 1

NumPy's OpenBLAS is primed once when torchlet loads (_prime_openblas below).
"""

import sys

import numpy as np

from .. import _cpu
from . import _block_cache, _matmul_onednn, _onednn

__all__ = ["matmul"]

_F32 = np.dtype(np.float32)
# OpenBLAS runs a product on its threads from 65536 * 4 multiply-adds (SMP_THRESHOLD_MIN *
# GEMM_MULTITHREAD_THRESHOLD in its interface/gemm.c); below, on the calling thread.
THREADED_MACS = 1 << 18
ONE_THREAD_MIN_N = 128  # at one thread, oneDNN's sgemm from this many output columns (_on_onednn)
ONE_THREAD_NARROW_MACS = 1 << 20  # and on Intel CPUs, narrower products from this many multiply-adds


def _prime_openblas():
    """One 384^3 float32 product (~3-6 ms), run once when torchlet loads.

    NumPy's OpenBLAS (0.3.31, Haswell kernels on this Zen machine) runs every
    one-thread sgemm of a neural network's sizes 2-3x slower until some product
    has packed a large enough block into its 32 MB buffer: (64, 784) @ (784, 256)
    12-13 GFLOP/s before, 35 after; (256, 784) @ (784, 256) 11-14 against 39-41;
    the ResNet-18 convolutions' (256, 2304) @ (2304, 256) 11 against 34. The same
    instructions run (callgrind counts the same in sgemm_kernel); what changes is
    which pages of that buffer are mapped, most likely the kernel's prefetches
    reaching past the packed panel. Nothing is set; the buffer is OpenBLAS's own
    and stays allocated anyway. A process whose first products are small (ResNet-18
    inference on 32x32 images) ran 1.6x slower without it. (This is also why blis,
    an optional extra until 2026-12-02, measured faster: against a primed OpenBLAS
    it was not, MLP training 1.00 of PyTorch against 0.95, and it was removed.)"""
    a = np.ones((384, 384), _F32)
    a @ a


def _operand(a):
    """(C-contiguous array, transposed?) for sgemm; a strided operand (a broadcast gradient, a
    sliced view) is copied once."""
    if a.flags.c_contiguous:
        return a, False
    if a.flags.f_contiguous:
        return a.T, True
    return np.ascontiguousarray(a), False


def _fits(bias, shape):
    if bias.shape == shape[-1:] or bias.shape == shape:  # a Linear's (N,), or a whole result
        return True
    try:
        return np.broadcast_shapes(shape, bias.shape) == shape
    except ValueError:
        return False


def matmul(xp, a, b, bias=None):
    """a @ b (+ bias, broadcast to the result) on arrays of namespace xp, NumPy's semantics."""
    if bias is None and (a.ndim != 2 or b.ndim != 2 or a.size * b.shape[1] < THREADED_MACS):
        if xp is np and a.ndim == 2 and b.ndim == 2 and a.flags.c_contiguous and b.flags.c_contiguous:
            return np.dot(a, b)  # the same BLAS call and bits as matmul's, without its gufunc set-up (~0.5 us)
        if a.ndim > 2 and a.shape[-2] * a.shape[-1] * b.shape[-1] >= THREADED_MACS and _batched_on_onednn(xp, a, b):
            return _batched(a, b)
        out = _cached_out(xp, a, b) if a.ndim > 2 else None  # a large stack's result on a reused block
        return xp.matmul(a, b) if out is None else np.matmul(a, b, out=out)  # small and batched products
    if (
        xp is not np
        or a.__class__ is not np.ndarray
        or b.__class__ is not np.ndarray
        or a.ndim != 2
        or b.ndim != 2
        or a.dtype != _F32
        or b.dtype != _F32
        or (bias is not None and (bias.__class__ is not np.ndarray or bias.dtype != _F32))
    ):
        return _numpy(xp, a, b, bias)
    (M, K), (K2, N) = a.shape, b.shape
    if not _on_onednn(M, N, K, K2) or (bias is not None and not _fits(bias, (M, N))):
        return _numpy(xp, a, b, bias)
    pa, pb = _operand(a), _operand(b)
    out = _block_cache.empty((M, N), _F32, _block_cache.ALIGNED_BYTES)
    beta = 0.0
    if bias is not None:  # C = bias + A @ B in one pass over C
        out[...] = bias
        beta = 1.0
    return _onednn.sgemm(pa[0], pa[1], pb[0], pb[1], out, beta)


def _on_onednn(M, N, K, K2):
    """Whether a float32 (M, K) @ (K2, N) product goes to oneDNN's sgemm: above one thread once
    its pool has started (see the module docstring); at one thread (no pool to share) when
    N >= ONE_THREAD_MIN_N, where its kernels were 5-28% faster than OpenBLAS's (one thread,
    this machine: the LSTM's (32, 256) @ (256, 1024) 189 against 263 us, (2048, 128) @
    (128, 1024) 5.0 against 6.3 ms, the MLP's (256, 784) @ (784, 256) 0.93 against 1.03 ms;
    narrow outputs were slower: (256, 256) @ (256, 10) 33 against 19 us). On an Intel Xeon,
    narrow products of ONE_THREAD_NARROW_MACS or more were faster on oneDNN too: (256, 784) @
    (784, 10) 61 against 81 us, (2048, 128) @ (128, 65) 262 against 305, (10, 256) @ (256, 784)
    33 against 63; (256, 256) @ (256, 10) stayed OpenBLAS's (18 against 23; bench_gemm.py)."""
    if K2 != K or M * N * K < THREADED_MACS:  # (also every empty product)
        return False
    if sys.modules["torchlet"].get_num_threads() > 1:
        if N >= ONE_THREAD_MIN_N and not _onednn.pool_started():
            _onednn.start_pool()  # a wide product: oneDNN's pool from now on (module docstring)
        return onednn_holds_cores()
    return (N >= ONE_THREAD_MIN_N or M * N * K >= ONE_THREAD_NARROW_MACS and _cpu.intel()) and _onednn.enabled()


def on_onednn(xp, dtype, M, N, K):
    """Whether a product of these shapes and dtype goes to oneDNN's sgemm (matmul's rule), for a
    caller choosing between two forms of one product (linear's weight gradient). Above one
    thread a wide one starts oneDNN's pool, as the product itself would."""
    return xp is np and dtype == _F32 and _on_onednn(M, N, K, K)


def onednn_holds_cores():
    """Above one thread, once oneDNN's pool has started: every float32 product from
    THREADED_MACS goes to oneDNN, and nothing may wake OpenBLAS's threads, which spin ~0.1 s
    after each call beside oneDNN's (one OpenBLAS gemv before a loop of (32, 256) @ (256,
    1024) oneDNN products took them from 128 to 242 us each)."""
    return sys.modules["torchlet"].get_num_threads() > 1 and _onednn.pool_started() and _onednn.enabled()


def _batched_on_onednn(xp, a, b):
    """Whether a stack of float32 products each of THREADED_MACS or more (attention's)
    goes to oneDNN, one sgemm per matrix: while its threads hold the cores, NumPy's matmul would
    wake OpenBLAS's (a GPT step after a CNN in one process, two threads: 465-494 -> 306 ms)."""
    return (
        xp is np
        and a.__class__ is np.ndarray
        and b.__class__ is np.ndarray
        and a.dtype == _F32
        and b.dtype == _F32
        and a.shape[:-2] == b.shape[:-2]  # (a broadcast stack: NumPy's)
        and a.shape[-1] == b.shape[-2]
        and onednn_holds_cores()
    )


def _batched(a, b):
    """a (..., M, K) @ b (..., K, N), for _batched_on_onednn's stacks: one matmul primitive for the
    stack (_matmul_onednn.py), else one sgemm per matrix. (N-D @ 2-D products reach matmul as one
    2-D product of all the rows: linalg.matmul folds them.)"""
    out = _matmul_onednn.matmul(a, b)
    if out is not None:
        return out
    out = _block_cache.empty(a.shape[:-1] + (b.shape[-1],), _F32)
    for i in np.ndindex(*a.shape[:-2]):
        pa, pb = _operand(a[i]), _operand(b[i])
        _onednn.sgemm(pa[0], pa[1], pb[0], pb[1], out[i], 0.0)
    return out


def _cached_out(xp, a, b):
    """A block of _block_cache for a @ b (NumPy float arrays of one dtype, both at least 2-D, whose
    product has ALIGNED_BYTES or more, or MIN_BYTES for a stack), else None."""
    if xp is not np or a.ndim < 2 or b.ndim < 2 or a.dtype != b.dtype or a.dtype.kind != "f":
        return None
    (m, k), n = a.shape[-2:], b.shape[-1]
    if k != b.shape[-2] or a.__class__ is not np.ndarray or b.__class__ is not np.ndarray:
        return None  # (NumPy's own error for mismatched operands)
    if a.ndim == b.ndim == 2:
        return _block_cache.empty((m, n), a.dtype, _block_cache.ALIGNED_BYTES)
    matrices = max(a.size // max(m * k, 1), b.size // max(k * n, 1))
    if matrices * m * n * a.dtype.itemsize < _block_cache.MIN_BYTES:
        return None
    try:
        lead = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        return None
    return _block_cache.empty(lead + (m, n), a.dtype)


def _numpy(xp, a, b, bias):
    out = _cached_out(xp, a, b)
    out = xp.matmul(a, b) if out is None else np.matmul(a, b, out=out)
    if bias is not None:
        if _fits(bias, out.shape):
            out += bias  # the fresh product: add in place, no second buffer
        else:
            out = out + bias
    return out


_prime_openblas()
