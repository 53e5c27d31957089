"""Float sums as matrix-vector products with a vector of ones (BLAS gemv).

NumPy's float32 `add.reduce` over a whole array, or over several axes such as
batch norm's (0, 2, 3), runs several times slower than PyTorch's sum; OpenBLAS's
gemv computes the same sums at memory speed (and with BLAS's threads at the
default thread count). For a C-contiguous float32/float64 array whose reduced
dims form a trailing run, a leading run, or both (N, C, H, W over (0, 2, 3)):

    sum over trailing R of x viewed (K, R)      = x @ ones(R)
    sum over leading R of x viewed (R, K)       = ones(R) @ x
    sum over leading R0 and trailing R1 of (R0, K, R1) = ones(R0) @ (x @ ones(R1))

Each gemv accumulates one output in float32 lanes over at most LONGEST inputs;
a longer trailing run is cut into blocks of BLOCK whose sums NumPy adds
pairwise (a cascade, like PyTorch's). A whole array of EINSUM_MIN to LONGEST elements is
one einsum("i->"): NumPy's SIMD sum of products, with vector lanes, accumulating
in the array's dtype, ~2x faster than its pairwise add.reduce there and as fast
as PyTorch's sum (errors of the same order: ~1e-8 of sum|x| on float32). Anything
else (small arrays, other dtypes or layouts) returns None and the caller uses NumPy.

Measured against NumPy's sum in one process (one thread, loaded machine):
(64, 64, 8, 8) over (0, 2, 3) 0.27x its time, over (2, 3) 0.34x; (512, 784)
over 0 0.59x; (1024, 1024) whole 0.47x; (256, 256) over 0 or 1 0.82-0.92x;
(256, 256) whole 1.29x, so that case is einsum's: 0.5-0.6x NumPy's time from
16K elements (0.9-1.0x at 8K), PyTorch's 1.0x (under load, medians)."""

import numpy as np

from . import _gemm, _onednn

try:  # np.einsum without its Python wrapper (~0.8 us of a 6 us 256x256 sum); the same C function
    from numpy._core.multiarray import c_einsum as _c_einsum
except ImportError:  # NumPy 1.x
    from numpy.core.multiarray import c_einsum as _c_einsum

_F32 = np.dtype(np.float32)
MIN_SIZE = 4096  # below this NumPy's overhead is lower, and tiny edge cases (-0.0) keep NumPy's result
EINSUM_MIN = 16384  # a whole-array sum from here to LONGEST: einsum (below it NumPy's pairwise sum is as fast)
LONGEST = 1 << 16
BLOCK = 4096
GEMV_THREADED = 9216  # OpenBLAS's gemv runs on its threads from here (2304 * 4, its interface/gemv.c)


_ONES = {}  # (xp, dtype, n) -> read-only ones: allocating 64K of them per call cost as much as the sum


def _ones(xp, dtype, n):
    key = (xp, dtype, n)
    v = _ONES.get(key)
    if v is None:
        if len(_ONES) >= 32:
            _ONES.clear()
        v = _ONES[key] = xp.ones(n, dtype=dtype)
        v.flags.writeable = False
    return v


def _runs(dims, ndim):
    """(lead, trail): the leading and trailing reduced dim counts when `dims` is
    exactly a leading run plus a trailing run, else None."""
    lead = 0
    while lead < ndim and lead in dims:
        lead += 1
    trail = 0
    while trail < ndim - lead and (ndim - 1 - trail) in dims:
        trail += 1
    return (lead, trail) if lead + trail == len(dims) else None


def _prod(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def _matmul(a, b):
    """a @ b without NumPy's "invalid value / overflow encountered in matmul" warnings: a sum over
    NaN or inf is NaN or inf, silently, as PyTorch's (~0.5 us of a 17 us (64, 4096) gemv)."""
    with np.errstate(invalid="ignore", over="ignore"):
        return a @ b


def _on_onednn(a, b):
    """a @ b (one of them a vector of ones, both C-contiguous) as a 2-D oneDNN sgemm, for while
    its threads hold the cores (_gemm.onednn_holds_cores); below GEMV_THREADED elements,
    OpenBLAS's gemv on this thread."""
    if a.size * (b.shape[-1] if b.ndim == 2 else 1) < GEMV_THREADED:
        return _matmul(a, b)
    a2 = a.reshape(1, -1) if a.ndim == 1 else a.reshape(-1, a.shape[-1])
    b2 = b.reshape(-1, 1) if b.ndim == 1 else b
    out = _onednn.sgemm(a2, False, b2, False, np.empty((a2.shape[0], b2.shape[1]), _F32), 0.0)
    return out.reshape(-1) if a.ndim == 1 else out.reshape(a.shape[:-1])


def squared_sum(xp, flat):
    """flat . flat for a 1-D float array: BLAS's dot, or NumPy's einsum (no BLAS) while oneDNN's
    threads hold the cores (OpenBLAS's dot wakes its own threads from 10000 elements)."""
    if xp is np and flat.dtype == _F32 and _gemm.onednn_holds_cores():
        return _c_einsum("i,i->", flat, flat)
    return xp.vdot(flat, flat)


def blas_sum(xp, x, dims, keepdim):
    """x.sum(axis=dims, keepdims=keepdim) through gemv, or None when not applicable."""
    if x.dtype.kind != "f" or x.dtype.itemsize not in (4, 8) or x.size < MIN_SIZE or not x.flags.c_contiguous:
        return None
    if EINSUM_MIN <= x.size <= LONGEST and len(dims) == x.ndim:  # a whole array: one einsum
        s = (_c_einsum if xp is np else xp.einsum)("i->", x.ravel())
        return s.reshape((1,) * x.ndim) if keepdim else s  # NumPy's is a scalar: wrap() makes it 0-d
    runs = _runs(set(dims), x.ndim)
    if runs is None:
        return None
    lead, trail = (0, x.ndim) if runs[0] == x.ndim else runs  # all dims: one trailing run
    r0, r1 = _prod(x.shape[:lead]), _prod(x.shape[x.ndim - trail :])
    k = x.size // (r0 * r1)
    if r0 > LONGEST:
        return None
    mv = _matmul
    if xp is np and x.dtype == _F32 and _gemm.onednn_holds_cores():
        # OpenBLAS's gemv would wake its threads (from 9216 elements): oneDNN's sgemm, or below
        # THREADED_MACS for a leading run alone NumPy's sum ((128, 120) over 0: 6 us, oneDNN 27)
        if r1 == 1 and x.size < _gemm.THREADED_MACS:
            return None
        mv = _on_onednn
    y = x.reshape(r0, k, r1)
    if r1 > 1:
        if r1 > LONGEST:
            tail = r1 % BLOCK
            if tail and r0 * k > 1:
                return None
            blocks = y.reshape(-1)[: r1 - tail] if tail else y
            blocks = blocks.reshape(r0, k, r1 // BLOCK, BLOCK)
            y = mv(blocks, _ones(xp, x.dtype, BLOCK)).sum(axis=-1)
            if tail:  # one run (a whole-array sum): its last partial block
                y = y + x.reshape(-1)[r1 - tail :].sum()
        elif r0 * k == 1:
            return None  # one run of at most 64K (a whole small array): NumPy's pairwise sum was faster than dot
        else:
            y = mv(y.reshape(r0 * k, r1), _ones(xp, x.dtype, r1))
        y = y.reshape(r0, k)
    else:
        y = y.reshape(r0, k)
    if r0 > 1:
        y = mv(_ones(xp, x.dtype, r0), y)
    else:
        y = y.reshape(k)
    out_shape = (
        [1 if i in dims else s for i, s in enumerate(x.shape)]
        if keepdim
        else [s for i, s in enumerate(x.shape) if i not in dims]
    )
    return y.reshape(out_shape)
