"""out = a*x + b*y on large float32 arrays, as oneDNN's binary `add` with a runtime scale on
each source: the optimizers' `p.add_(g, alpha=...)` on oneDNN's threads.

While oneDNN's OpenMP pool holds the cores (_gemm.onednn_holds_cores: a process running its
convolutions above one thread), its workers spin between calls, so NumPy's one-thread passes and
torchlet's own Python threads (ops/_parallel.py) get one core between them: ResNet-18's SGD step
(11M parameters) took 17 ms at two threads, PyTorch's 7, which runs its elementwise loops on that
same pool. On the pool, the step's two scaled adds per parameter take 0.75 ms for a 2.36M-element
weight (NumPy, one thread: 2.3).

Each source is scaled, rounded to float32, then added, rounded again: round(round(a x) +
round(b y)), the bits of NumPy's `x + b * y` for a = 1 (a scale of 1 is exact), which is what the
tensor-op form of the optimizers computes. `out` may be x (in place).

Taken (axpby returns False otherwise) for C-contiguous float32 NumPy arrays of one size (out writable) of
MIN_ELEMENTS or more, with the `onednn` extra enabled and its pool holding the cores. One
primitive per (element count, threads), kept per Python thread; the scales are memory read at
run time, so every step of every learning rate shares it.
"""

import numpy as np

from . import _gemm, _onednn
from ._onednn_plan import ARG_DST, Plan, cached_plan, plan_cache

MIN_ELEMENTS = 1 << 16  # below: ~10 us of ctypes calls a primitive outweighs a core's worth
_BINARY_ADD = 0x1FFF0  # dnnl_binary_add (dnnl_alg_kind_t at v3.2)
_ARG_SRC_0, _ARG_SRC_1 = 1, 2
_ARG_ATTR_SCALES = 4096  # DNNL_ARG_ATTR_SCALES, or-ed with the argument it scales
PLANS = 64  # per thread
_local = plan_cache()  # .plans: (elements, threads) -> Plan


def _build(lib, n):
    plan = Plan(lib)
    md, scale_md = plan.mds.plain((n,)), plan.mds.plain((1,))
    attr = lib.new("dnnl_primitive_attr_create")
    try:
        for arg in (_ARG_SRC_0, _ARG_SRC_1):
            lib.call("dnnl_primitive_attr_set_scales_mask", attr, arg, 0)  # mask 0: one scale
        pd = lib.new("dnnl_binary_primitive_desc_create", lib.engine, _BINARY_ADD, md, md, md, attr)
    finally:
        lib.lib.dnnl_primitive_attr_destroy(attr)
    operands = [
        ("x", _ARG_SRC_0, md),
        ("y", _ARG_SRC_1, md),
        ("out", ARG_DST, md),
        ("a", _ARG_ATTR_SCALES | _ARG_SRC_0, scale_md),
        ("b", _ARG_ATTR_SCALES | _ARG_SRC_1, scale_md),
    ]
    return plan.single(pd, operands)


def _fits(x, y, out):
    for a in (x, y, out):
        if a.__class__ is not np.ndarray or a.dtype != _onednn.F32 or not a.flags.c_contiguous or a.size != x.size:
            return False
    return out.flags.writeable


def axpby(a, x, b, y, out):
    """out = round(round(a x) + round(b y)) in float32 on oneDNN's pool (a, b numbers; `out` may
    be x); False, with nothing written, where this path is not taken (module docstring)."""
    if x.size < MIN_ELEMENTS or not _fits(x, y, out) or not _gemm.onednn_holds_cores():
        return False
    lib = _onednn.library()
    plan = cached_plan(_local, (x.size, lib.sync_threads()), lambda: _build(lib, x.size), PLANS)
    if plan is None:
        return False
    plan.run(x=x, y=y, out=out, a=np.array([a], _onednn.F32), b=np.array([b], _onednn.F32))
    return True
