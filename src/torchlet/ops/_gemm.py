"""The CPU backend's one matrix-product entry point: ``matmul(xp, a, b, bias=None)``.

Why: NumPy's float32 product (OpenBLAS) runs the small-to-medium shapes of
neural networks about 3x slower than PyTorch at one thread ((256, 256) @
(256, 256): 3.6 ms against 1.0 ms; (64, 784) @ (784, 256): 2.3 against 0.9).
BLIS (the ``blis`` wheel, explosion's build that spaCy/thinc use) runs them at
PyTorch's speed. So a float32 2-D product of plain NumPy arrays of at least
MIN_MACS multiply-adds goes to ``blis.py.gemm`` when blis is installed;
everything else (float64, where OpenBLAS measured as fast or faster; batched
products, where a Python loop of gemm calls measured 2-3x slower; other
namespaces: CuPy, the fake test device, vmap) stays ``xp.matmul``. The
convolutions keep NumPy's ``@`` too: their im2col products measured slower on
blis ((32, 800) @ (800, 327), the CIFAR conv's L2-sized tile: 1.5-1.7x; whole
(32, 800) @ (800, 16384): 1.6x; LeNet's per-sample batched products: 2.8x).

    C (M, N) = A (M, K) @ B (K, N)          one gemm call; an operand that is the
                                             transpose of a C-contiguous array is
                                             passed with trans=True (no copy); a
                                             strided one is copied contiguous once
    C = bias (broadcast) + A @ B            out pre-filled with the bias, beta = 1

Threads: this BLIS build is single-threaded, so blis runs only at
``torchlet.get_num_threads() == 1``; above that NumPy's threaded OpenBLAS
takes every product. At two threads OpenBLAS beat one-thread blis (256^3:
1.47 ms against 1.8, quiet machine), and splitting the rows of C over a pool
of Python threads (blis releases the GIL) did not beat OpenBLAS in the
measurements taken (under load: 4 of 6 Linear shapes slower; see git history
of this file for that pool).

The pure-NumPy path is the reference: ``TORCHLET_BLAS=numpy`` in the
environment, or ``torchlet.backends.cpu.use_blis = False``, turns blis off.
"""

import os
import sys

import numpy as np

__all__ = ["matmul", "blis_enabled"]

_F32 = np.dtype(np.float32)  # float64: blis measured slower than OpenBLAS on most shapes
# Below this many multiply-adds, or with a side under MIN_SIDE, NumPy's own call is as fast or
# faster: blis's call costs ~10 us against NumPy's ~3 us (1.2-2.3x slower up to 64^3), and
# thin products lose (a 784 -> 10 classifier head, (256, 784) @ (784, 10): 2.1x slower; the
# softmax-regression benchmark went from 0.71 to 1.02 of PyTorch with it on blis; LeNet's
# 256 -> 120 -> 84 layers, 1.3-3.9 M multiply-adds: 1.01 -> 1.08).
MIN_MACS = 1 << 22
MIN_SIDE = 64

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
    """(C-contiguous array, transposed?) for blis; a strided operand (a broadcast gradient, a
    sliced view) is copied once: at >= 4M multiply-adds the copy is ~1% of the product."""
    if a.flags.c_contiguous:
        return a, False
    if a.flags.f_contiguous:
        return a.T, True
    return np.ascontiguousarray(a), False


def _fits(bias, shape):
    try:
        return np.broadcast_shapes(shape, bias.shape) == shape
    except ValueError:
        return False


def matmul(xp, a, b, bias=None):
    """a @ b (+ bias, broadcast to the result) on arrays of namespace xp, NumPy's semantics."""
    if bias is None and (a.ndim != 2 or b.ndim != 2 or a.size * b.shape[1] < MIN_MACS):
        return xp.matmul(a, b)  # small and batched products: straight to the namespace, nothing else read
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
    if K2 != K or M * N * K < MIN_MACS or min(M, N, K) < MIN_SIDE:  # small products: no more checks
        return _numpy(xp, a, b, bias)  # (also every empty product: 0 < MIN_MACS)
    pa, pb = _operand(a), _operand(b)
    if (
        not blis_enabled()
        or sys.modules["torchlet"].get_num_threads() > 1
        or (bias is not None and not _fits(bias, (M, N)))
    ):
        return _numpy(xp, a, b, bias)
    out = np.empty((M, N), _F32)
    beta = 0.0
    if bias is not None:  # C = bias + A @ B in one pass over C
        out[...] = bias
        beta = 1.0
    _blis[0](pa[0], pb[0], out=out, trans1=pa[1], trans2=pb[1], alpha=1.0, beta=beta)
    return out


def _numpy(xp, a, b, bias):
    out = xp.matmul(a, b)
    if bias is not None:
        if out.shape == np.broadcast_shapes(out.shape, bias.shape):
            out += bias  # the fresh product: add in place, no second buffer
        else:
            out = out + bias
    return out
