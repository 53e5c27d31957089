"""A stack of float32 matrix products as one call of oneDNN's matmul primitive (the `onednn`
extra): attention's (..., L, E) @ (..., E, S) stacks while oneDNN's pool holds the cores
(_gemm._batched_on_onednn). One sgemm per matrix cost ~25 us of call and thread hand-off for
64 products of 128 x 32 x 128 (a GPT step made 1,560 of them); the primitive takes the whole
stack, its operands in the strides they have (transposed and sliced views included).

    out[i] = a[i] @ b[i]       a (..., M, K), b (..., K, N), one batch shape

A plan (the primitive and its memory objects) is kept per (shapes, strides, threads) and Python
thread, as _conv_onednn's; a forked child drops the parent's.
"""

import numpy as np

from . import _block_cache, _onednn
from ._onednn_plan import ARG_DST, ARG_SRC, ARG_WEIGHTS, Plan, cached_plan, plan_cache

__all__ = ["matmul"]

PLANS = 32  # per thread
_local = plan_cache()


def _elements(a):
    """a's strides in elements, or None where one is not a whole positive number of them (a
    broadcast's zeros and reversed views take the loop)."""
    n = a.itemsize
    if any(s % n or (s <= 0 and d > 1) for s, d in zip(a.strides, a.shape)):
        return None
    return tuple(s // n for s in a.strides)


def _build(lib, a_shape, a_strides, b_shape, b_strides, out_shape):
    plan = Plan(lib)
    mds = plan.mds
    src, weights, dst = mds.strided(a_shape, a_strides), mds.strided(b_shape, b_strides), mds.plain(out_shape)
    pd = lib.new("dnnl_matmul_primitive_desc_create", lib.engine, src, weights, None, dst, None)
    return plan.single(pd, [("a", ARG_SRC, src), ("b", ARG_WEIGHTS, weights), ("out", ARG_DST, dst)])


def matmul(a, b):
    """a @ b for float32 NumPy stacks of one batch shape, in a new C-contiguous array; None where
    oneDNN refuses (or a stride is not whole elements)."""
    a_strides, b_strides = _elements(a), _elements(b)
    if a_strides is None or b_strides is None:
        return None
    out_shape = a.shape[:-1] + b.shape[-1:]
    lib = _onednn.library()
    key = (a.shape, a_strides, b.shape, b_strides, lib.sync_threads())
    plan = cached_plan(_local, key, lambda: _build(lib, a.shape, a_strides, b.shape, b_strides, out_shape), PLANS)
    if plan is None:
        return None
    out = _block_cache.empty(out_shape, np.float32)
    plan.run(a=a, b=b, out=out)
    return out
