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

import os
import threading

import numpy as np

from . import _onednn
from ._conv_onednn import _Plan

__all__ = ["usable", "softmax_", "softmax_backward_"]

MIN_ELEMENTS = 1 << 16
PLANS = 32  # per thread
_FORWARD_TRAINING = 64
_SOFTMAX_ACCURATE = 0x30000  # dnnl_alg_kind_t at v3.2
_ARG_SRC, _ARG_DST, _ARG_DIFF_SRC, _ARG_DIFF_DST = 1, 17, 129, 145
_local = threading.local()


def _forget_plans():  # a forked child: the parent's primitives were made for its OpenMP pool
    _local.__dict__.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_plans)


def _plan(lib, shape, backward):
    plans = _local.__dict__.setdefault("plans", {})
    key = (backward, shape, lib.sync_threads())
    plan = plans.get(key)
    if plan is None:
        if len(plans) >= PLANS:
            plans.clear()
        plan = _Plan(lib)
        md = plan.mds.plain(shape)
        axis = len(shape) - 1
        pd = lib.new(
            "dnnl_softmax_forward_primitive_desc_create",
            lib.engine,
            _FORWARD_TRAINING,
            _SOFTMAX_ACCURATE,
            md,
            md,
            axis,
            None,
        )
        if backward:
            plan.pds.append(pd)
            pd = lib.new(
                "dnnl_softmax_backward_primitive_desc_create", lib.engine, _SOFTMAX_ACCURATE, md, md, md, axis, pd, None
            )
            names = (("p", _ARG_DST), ("dp", _ARG_DIFF_DST), ("ds", _ARG_DIFF_SRC))
        else:
            names = (("s", _ARG_SRC), ("p", _ARG_DST))
        prim = plan.primitive(pd)
        for name, _ in names:
            plan.user[name] = plan.memory(md)
        plan.finish(prim, [(arg, plan.user[name]) for name, arg in names], [], [])
        plans[key] = plan
    return plan


def usable(*arrays):
    """Large C-contiguous float32 NumPy arrays, the extra enabled."""
    first = arrays[0]
    return (
        first.size >= MIN_ELEMENTS
        and all(a.__class__ is np.ndarray and a.dtype == _onednn.F32 and a.flags.c_contiguous for a in arrays)
        and first.ndim >= 1
        and _onednn.enabled()
    )


def _take(shape, backward):
    try:
        return _plan(_onednn.library(), tuple(shape), backward)
    except _onednn.Unsupported:
        return None


def softmax_(s):
    """s = softmax(s, -1) in place; False where this path is not taken (s unchanged)."""
    plan = _take(s.shape, False) if usable(s) else None
    if plan is None:
        return False
    plan.run(s=s, p=s)
    return True


def softmax_backward_(dp, p):
    """dp = p * (dp - rowsum(dp * p)) in place (softmax's gradient from its output p); False where
    this path is not taken (dp unchanged)."""
    plan = _take(dp.shape, True) if usable(dp, p) and dp.shape == p.shape else None
    if plan is None:
        return False
    plan.run(p=p, dp=dp, ds=dp)
    return True
