"""Elementwise kernels of large float32 arrays on oneDNN's eltwise primitive: sigmoid (its
`logistic`), and GELU (`gelu_erf`, `gelu_tanh`) with its gradient. One pass over the array on
oneDNN's threads, where NumPy's formulas are 4 (sigmoid) to ~20 (GELU) passes on one.

Taken (the functions return None otherwise) for C-contiguous float32 NumPy arrays of MIN_ELEMENTS
or more, with the `onednn` extra enabled. Above one thread, sigmoid runs only once oneDNN's pool
holds the cores (_gemm.onednn_holds_cores: a process running its convolutions), never to start a
pool of its own beside OpenBLAS's; GELU starts the pool itself (as an LSTM layer does), and the
process's products follow to oneDNN (_gemm.py). For GELU that pays: at two threads on 1M floats
forward 1.40 -> 0.28 ms and backward 2.51 -> 0.58 (PyTorch 0.95 and 1.07), and the GPT step of
benchmarks/ went 155 -> 139 ms with its products moved along. Values: sigmoid within a few ulp
of PyTorch's, subnormal results included (FLUSHES_BELOW); GELU within tests/ops/test_eltwise_onednn.py's
bounds of PyTorch's, nearer than NumPy's formulas (89% of the 1M forward values equal to
PyTorch's bits, against 81%).

A primitive is made per (algorithm, direction, element count, threads) and kept per Python
thread (its memory objects are re-pointed each call), as _conv_onednn keeps its plans; a forked
child drops the parent's.
"""

import numpy as np

from . import _block_cache, _gemm, _onednn
from ._onednn_plan import ARG_DIFF_DST, ARG_DIFF_SRC, ARG_DST, ARG_SRC, FORWARD_TRAINING, Plan, cached_plan, plan_cache

MIN_ELEMENTS = 1 << 16
# oneDNN's logistic leaves PyTorch's values from about -87 down (0 from -87.3, where
# 1 / (1 + exp(-x)) is still a float32: a subnormal down to -103.3, as PyTorch's): elements
# below FLUSHES_BELOW take NumPy's formula. Above it both are within 5 ulp of PyTorch's.
FLUSHES_BELOW = -80.0
_ALGORITHM = {"sigmoid": 0x29, "tanh": 0x2B, "none": 0x31}  # dnnl_alg_kind_t at v3.2 (GELU by approximation)
PLANS = 64  # per thread
_local = plan_cache()  # .plans: (algorithm, backward, elements, threads) -> Plan


def _plan(lib, algorithm, n, backward=False):
    key = (algorithm, backward, n, lib.sync_threads())
    return cached_plan(_local, key, lambda: _build(lib, algorithm, n, backward), PLANS)


def _build(lib, algorithm, n, backward):
    plan = Plan(lib)
    md = plan.mds.plain((n,))
    alg = _ALGORITHM[algorithm]
    pd = lib.new(
        "dnnl_eltwise_forward_primitive_desc_create", lib.engine, FORWARD_TRAINING, alg, md, md, 0.0, 0.0, None
    )
    if not backward:
        return plan.single(pd, [("x", ARG_SRC, md), ("out", ARG_DST, md)])
    plan.pds.append(pd)  # diff_src = diff_dst * f'(src)
    pd = lib.new("dnnl_eltwise_backward_primitive_desc_create", lib.engine, alg, md, md, md, 0.0, 0.0, pd, None)
    return plan.single(pd, [("x", ARG_SRC, md), ("g", ARG_DIFF_DST, md), ("out", ARG_DIFF_SRC, md)])


def _run(algorithm, x, g=None, start_pool=False):
    """f(x) (or g * f'(x)) in a new array on oneDNN, or None where this path is not taken."""
    if (
        x.size < MIN_ELEMENTS  # first: every call passes here
        or x.__class__ is not np.ndarray
        or x.dtype != _onednn.F32
        or not x.flags.c_contiguous
        or (g is not None and (g.__class__ is not np.ndarray or g.dtype != x.dtype or not g.flags.c_contiguous))
        or not _onednn.enabled()
    ):
        return None
    if not start_pool and _onednn.threads() > 1 and not _gemm.onednn_holds_cores():  # (a forked child: one thread)
        return None
    plan = _plan(_onednn.library(), algorithm, x.size, g is not None)
    if plan is None:
        return None
    out = _block_cache.empty(x.shape, x.dtype)
    if g is None:
        plan.run(x=x, out=out)
    else:
        plan.run(x=x, g=g, out=out)
    return out


def sigmoid(x):
    """sigmoid(x) in a new float32 array, or None where this path is not taken (module docstring)."""
    out = _run("sigmoid", x)
    if out is not None and np.fmin.reduce(x, axis=None) < FLUSHES_BELOW:  # (fmin skips NaN, which oneDNN keeps)
        low = x < FLUSHES_BELOW
        with np.errstate(over="ignore"):
            out[low] = 1 / (1 + np.exp(-x[low]))
    return out


def gelu(x, approximate):
    """gelu(x) ("none": x Phi(x); "tanh": its tanh form) in a new float32 array, or None."""
    return _run(approximate, x, start_pool=True)


def gelu_backward(x, g, approximate):
    """g * gelu'(x) in a new float32 array, or None."""
    return _run(approximate, x, g, start_pool=True)
