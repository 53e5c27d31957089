"""Sigmoid of a large float32 array on oneDNN's eltwise primitive (its `logistic`): one pass over
the array on oneDNN's threads, where NumPy's 1 / (1 + exp(-x)) is four passes on one thread.

Taken (sigmoid() returns None otherwise) for C-contiguous float32 NumPy arrays of MIN_ELEMENTS
or more, with the `onednn` extra enabled, at one thread or once oneDNN's pool holds the cores
(_gemm.onednn_holds_cores: a process running its convolutions), never to start a pool of its own
beside OpenBLAS's. Values: within a few ulp of PyTorch's, subnormal results included (FLUSHES_BELOW).
A primitive is made per (element count, threads) and kept per Python thread (its memory objects
are re-pointed each call), as _conv_onednn keeps its plans; a forked child drops the parent's.
"""

import os
import threading

import numpy as np

from . import _gemm, _onednn
from ._conv_onednn import _Plan

MIN_ELEMENTS = 1 << 16
# oneDNN's logistic leaves PyTorch's values from about -87 down (0 from -87.3, where
# 1 / (1 + exp(-x)) is still a float32: a subnormal down to -103.3, as PyTorch's): elements
# below FLUSHES_BELOW take NumPy's formula. Above it both are within 5 ulp of PyTorch's.
FLUSHES_BELOW = -80.0
_FORWARD_INFERENCE = 96
_ELTWISE_LOGISTIC = 0x29  # dnnl_alg_kind_t at v3.2
_ARG_SRC, _ARG_DST = 1, 17
PLANS = 64  # per thread; more sizes than this start over
_local = threading.local()  # .plans: (elements, threads) -> _Plan


def _forget_plans():  # a forked child: the parent's primitives were made for its OpenMP pool
    _local.__dict__.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_plans)


def _plan(lib, n):
    plans = _local.__dict__.setdefault("plans", {})
    key = (n, lib.sync_threads())
    plan = plans.get(key)
    if plan is None:
        if len(plans) >= PLANS:
            plans.clear()
        plan = _Plan(lib)
        md = plan.mds.plain((n,))
        pd = lib.new(
            "dnnl_eltwise_forward_primitive_desc_create",
            lib.engine,
            _FORWARD_INFERENCE,
            _ELTWISE_LOGISTIC,
            md,
            md,
            0.0,
            0.0,
            None,
        )
        prim = plan.primitive(pd)
        src, dst = plan.user["src"], plan.user["dst"] = plan.memory(md), plan.memory(md)
        plan.finish(prim, [(_ARG_SRC, src), (_ARG_DST, dst)], [], [])
        plans[key] = plan
    return plan


def sigmoid(x):
    """sigmoid(x) in a new float32 array, or None where this path is not taken (module docstring)."""
    if (
        x.size < MIN_ELEMENTS  # first: every sigmoid call passes here
        or x.__class__ is not np.ndarray
        or x.dtype != _onednn.F32
        or not x.flags.c_contiguous
        or not _onednn.enabled()
    ):
        return None
    if _onednn.threads() > 1 and not _gemm.onednn_holds_cores():  # (a forked child: one thread)
        return None
    try:
        plan = _plan(_onednn.library(), x.size)
    except _onednn.Unsupported:
        return None
    out = np.empty_like(x)
    plan.run(src=x, dst=out)
    if np.fmin.reduce(x, axis=None) < FLUSHES_BELOW:  # (fmin skips NaN, which oneDNN keeps)
        low = x < FLUSHES_BELOW
        with np.errstate(over="ignore"):
            out[low] = 1 / (1 + np.exp(-x[low]))
    return out
