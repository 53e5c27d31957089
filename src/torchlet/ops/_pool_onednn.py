"""A 2-d max pool in inference (values only, no arg-max, no graph) of a large float32 NCHW array
on oneDNN's pooling primitive (the `onednn` extra): one pass on its threads, padding never
picked, where NumPy's running maximum over the window taps makes k*k strided passes on one thread
after a padded copy of the input (ResNet-18's 3x3/2 stem pool at batch 64: ~3.9 ms a call).

Taken for undilated pools whose windows overlap or pad (the stem pool: 2.66 -> 0.64 ms at one
thread, 2.55 -> 0.42 at two; ResNet-18 inference at two threads 29.4-30.3 -> 25.6-25.7 ms);
tiling windows (LeNet's 2x2) stay on NumPy's taps, as fast there (405 against 471 us at one
thread). A maximum is exact, so the values are PyTorch's. A NaN in a window must win, as in
PyTorch; oneDNN's max instruction keeps whichever operand comes second, so an input with a NaN
takes NumPy's path (found by one max over the input, which propagates NaN). Plans are kept per
(geometry, threads) and Python thread, as _conv_onednn's.
"""

import os
import threading

import numpy as np

from . import _block_cache, _onednn
from ._conv_onednn import _Plan, _dims

__all__ = ["max_pool2d"]

MIN_ELEMENTS = 1 << 16
PLANS = 32  # per thread
_FORWARD_INFERENCE = 96
_POOLING_MAX = 0x1FF
_ARG_SRC, _ARG_DST = 1, 17
_LOWEST = np.finfo(np.float32).min
_local = threading.local()


def _forget_plans():  # a forked child: the parent's primitives were made for its OpenMP pool
    _local.__dict__.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_plans)


def _plan(lib, key):
    plans = _local.__dict__.setdefault("plans", {})
    full = key + (lib.sync_threads(),)
    plan = plans.get(full)
    if plan is None:
        if len(plans) >= PLANS:
            plans.clear()
        shape, out_shape, k, s, d, low, high = key
        plan = _Plan(lib)
        src, dst = plan.mds.plain(shape), plan.mds.plain(out_shape)
        pd = lib.new(
            "dnnl_pooling_forward_primitive_desc_create",
            lib.engine,
            _FORWARD_INFERENCE,
            _POOLING_MAX,
            src,
            dst,
            _dims(s),
            _dims(k),
            _dims([v - 1 for v in d]),  # (oneDNN's dilation counts from 0)
            _dims(low),
            _dims(high),
            None,
        )
        prim = plan.primitive(pd)
        plan.user["x"], plan.user["y"] = plan.memory(src), plan.memory(dst)
        plan.finish(prim, [(_ARG_SRC, plan.user["x"]), (_ARG_DST, plan.user["y"])], [], [])
        plans[full] = plan
    return plan


def max_pool2d(X, k, s, d, pads, out):
    """The max pool's values (N, C, *out), or None where this path is not taken."""
    if (
        X.size < MIN_ELEMENTS
        or tuple(d) != (1, 1)  # (oneDNN's dilated pooling ran 5 ms against NumPy's 0.15)
        or (tuple(k) == tuple(s) and not any(lo or hi for lo, hi in pads))  # tiles: NumPy's taps are as fast
        or X.__class__ is not np.ndarray
        or X.dtype != _onednn.F32
        or not X.flags.c_contiguous
        or not _onednn.enabled()
    ):
        return None
    low = [lo for lo, _ in pads]
    # the right padding that makes oneDNN's output size `out` (PyTorch's, ceil_mode included)
    high = [
        (o - 1) * ss + (kk - 1) * dd + 1 - size - lo for o, ss, kk, dd, size, lo in zip(out, s, k, d, X.shape[2:], low)
    ]
    if min(high) < 0 or np.isnan(np.max(X)):
        return None
    out_shape = X.shape[:2] + tuple(out)
    try:
        plan = _plan(_onednn.library(), (X.shape, out_shape, tuple(k), tuple(s), tuple(d), tuple(low), tuple(high)))
    except _onednn.Unsupported:
        return None
    y = _block_cache.empty(out_shape, X.dtype)
    plan.run(x=X, y=y)
    if np.min(y) == _LOWEST:  # a window of -inf alone (or of -FLT_MAX): oneDNN starts from
        return None  # the lowest finite float, PyTorch from -inf
    return y
