"""Softmax over the last axis of a large float32 array, forward and backward, in place on oneDNN's
softmax primitive (the `onednn` extra): the attention scores' (attention_fused.py), whose NumPy
kernel makes ~7 passes over rows of 128 with a per-row cost in each (a row max of 64K floats:
53 us), where oneDNN makes one vectorised pass per row on its threads.

    forward   p = exp(s - max s) / sum exp(s - max s)      (each row; a row of -inf gives NaN:
                                                             callers send none)
    backward  ds = p * (dp - rowsum(dp * p))

Taken (the functions return False otherwise) for C-contiguous float32 NumPy arrays of
MIN_ELEMENTS or more, with the extra enabled; above one thread it starts oneDNN's pool, as GELU
does (_eltwise_onednn.py). Plans are kept per (direction, shape, threads) and Python thread.
"""

import numpy as np

from . import _onednn
from ._onednn_plan import ARG_DIFF_DST, ARG_DIFF_SRC, ARG_DST, ARG_SRC, FORWARD_TRAINING, Plan, cached_plan, plan_cache

__all__ = ["usable", "softmax_", "softmax_backward_"]

MIN_ELEMENTS = 1 << 16
PLANS = 32  # per thread
_ACCURATE = 0x30000  # dnnl_alg_kind_t at v3.2
_local = plan_cache()


def _plan(lib, shape, backward):
    key = (backward, shape, lib.sync_threads())
    return cached_plan(_local, key, lambda: _build(lib, shape, backward), PLANS)


def _build(lib, shape, backward):
    plan = Plan(lib)
    md = plan.mds.plain(shape)
    axis = len(shape) - 1
    pd = lib.new(
        "dnnl_softmax_forward_primitive_desc_create", lib.engine, FORWARD_TRAINING, _ACCURATE, md, md, axis, None
    )
    if not backward:
        return plan.single(pd, [("s", ARG_SRC, md), ("p", ARG_DST, md)])
    plan.pds.append(pd)
    pd = lib.new("dnnl_softmax_backward_primitive_desc_create", lib.engine, _ACCURATE, md, md, md, axis, pd, None)
    return plan.single(pd, [("p", ARG_DST, md), ("dp", ARG_DIFF_DST, md), ("ds", ARG_DIFF_SRC, md)])


def usable(*arrays):
    """Large C-contiguous float32 NumPy arrays, the extra enabled."""
    first = arrays[0]
    return (
        first.size >= MIN_ELEMENTS
        and all(a.__class__ is np.ndarray and a.dtype == _onednn.F32 and a.flags.c_contiguous for a in arrays)
        and first.ndim >= 1
        and _onednn.enabled()
    )


def softmax_(s):
    """s = softmax(s, -1) in place; False where this path is not taken (s unchanged)."""
    plan = _plan(_onednn.library(), s.shape, False) if usable(s) else None
    if plan is None:
        return False
    plan.run(s=s, p=s)
    return True


def softmax_backward_(dp, p):
    """dp = p * (dp - rowsum(dp * p)) in place (softmax's gradient from its output p); False where
    this path is not taken (dp unchanged)."""
    plan = _plan(_onednn.library(), dp.shape, True) if usable(dp, p) and dp.shape == p.shape else None
    if plan is None:
        return False
    plan.run(p=p, dp=dp, ds=dp)
    return True
