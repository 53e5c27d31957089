"""out = (a x) op (b y) on large float32 arrays, as oneDNN's binary primitive with a runtime
scale on each source: the optimizers' updates (optim/_sgd_onednn.py, _adam_kernel.py) on
oneDNN's threads.

While oneDNN's OpenMP pool holds the cores (_gemm.onednn_holds_cores: a process running its
convolutions or products on it above one thread), its workers spin between calls, so NumPy's
one-thread passes and torchlet's own Python threads (ops/_parallel.py) get one core between
them: ResNet-18's SGD step (11M parameters) took 17 ms at two threads, PyTorch's 7, which runs
its elementwise loops on that same pool. On the pool, the step's two scaled adds per parameter
take 0.75 ms for a 2.36M-element weight (NumPy, one thread: 2.3).

Each source is scaled, rounded to float32, then the two combined and rounded again:
round(round(a x) op round(b y)), the bits of NumPy's `x op b * y` for a = 1 (a scale of 1 is
exact), which is what the tensor-op forms of the optimizers compute. y may be a number
(broadcast); `out` may be x (in place; oneDNN allows dst to alias src0).

    k = kernels(arrays, ops)       the primitives `ops` for these arrays, or None (not taken)
    k.binary(op, x, y, out, a, b)  op one of ADD, SUB, MUL, DIV
    k.sqrt(x, out)                 oneDNN's eltwise sqrt (correctly rounded, as NumPy's)

Taken for C-contiguous, writable float32 NumPy arrays of one size of MIN_ELEMENTS or more, with
the `onednn` extra enabled and its pool holding the cores (or, where the caller asks, at one
thread: SGD's update of a 200K-element weight 118 -> 81 us, of a 2.4M one 2.33 -> 1.38 ms; Adam's
NumPy kernel in cache-sized blocks is as fast there). The primitives an update needs are
made together (Kernels) per (element count, ops, threads) and kept per Python thread; the scales
and a number operand are memory read at run time, so every step of every learning rate shares
them.
"""

import numpy as np

from . import _gemm, _onednn
from ._onednn_plan import ARG_DST, ARG_SRC, FORWARD_TRAINING, Plan, cached_plan, plan_cache

MIN_ELEMENTS = 1 << 16  # below: ~8 us of ctypes calls a primitive outweighs a core's worth
ADD, MUL, DIV, SUB = 0x1FFF0, 0x1FFF1, 0x1FFF4, 0x1FFF5  # dnnl_binary_* (dnnl_alg_kind_t at v3.2)
SQRT = 0x25  # dnnl_eltwise_sqrt
_ARG_SRC_0, _ARG_SRC_1 = 1, 2
_ARG_ATTR_SCALES = 4096  # DNNL_ARG_ATTR_SCALES, or-ed with the argument it scales
PLANS = 64  # per thread
_address = _onednn.address
_local = plan_cache()  # .plans: (elements, ops, threads) -> Kernels


def _build_binary(lib, op, n, scalar):
    plan = Plan(lib)
    md, one = plan.mds.plain((n,)), plan.mds.plain((1,))
    attr = lib.new("dnnl_primitive_attr_create")
    try:
        for arg in (_ARG_SRC_0, _ARG_SRC_1):
            lib.call("dnnl_primitive_attr_set_scales_mask", attr, arg, 0)  # mask 0: one scale
        pd = lib.new("dnnl_binary_primitive_desc_create", lib.engine, op, md, one if scalar else md, md, attr)
    finally:
        lib.lib.dnnl_primitive_attr_destroy(attr)
    operands = [
        ("x", _ARG_SRC_0, md),
        ("y", _ARG_SRC_1, one if scalar else md),
        ("out", ARG_DST, md),
        ("a", _ARG_ATTR_SCALES | _ARG_SRC_0, one),
        ("b", _ARG_ATTR_SCALES | _ARG_SRC_1, one),
    ]
    return plan.single(pd, operands)


def _build_sqrt(lib, n):
    plan = Plan(lib)
    md = plan.mds.plain((n,))
    pd = lib.new(
        "dnnl_eltwise_forward_primitive_desc_create", lib.engine, FORWARD_TRAINING, SQRT, md, md, 0.0, 0.0, None
    )
    return plan.single(pd, [("x", ARG_SRC, md), ("out", ARG_DST, md)])


class Kernels:
    """The primitives for one element count, every one made before any runs (so a refusal is
    known before an optimizer has written anything). The scales and a number operand live in
    one-element arrays of each plan, their memory objects pointed at them once."""

    def __init__(self, lib, n, ops):
        self.plans, self.lib = {}, lib.lib
        for op in ops:  # (op, y a number?) pairs, or SQRT
            if op == SQRT:
                self.plans[op] = _build_sqrt(lib, n)
                continue
            plan = self.plans[op] = _build_binary(lib, op[0], n, op[1])
            plan.numbers = np.zeros(3, _onednn.F32)  # a, b, and y where y is a number
            for i, name in enumerate(("a", "b", "y") if op[1] else ("a", "b")):
                self.lib.dnnl_memory_set_data_handle(plan.user[name], plan.numbers[i:].ctypes.data)

    def binary(self, op, x, y, out, a=1, b=1):
        """out = round(round(a x) op round(b y)); y an array or a number."""
        scalar = not isinstance(y, np.ndarray)
        plan = self.plans[op, scalar]
        numbers, user, set_data = plan.numbers, plan.user, self.lib.dnnl_memory_set_data_handle
        numbers[0], numbers[1] = a, b
        if scalar:
            numbers[2] = y
        else:
            set_data(user["y"], _address(y))
        set_data(user["x"], _address(x))
        set_data(user["out"], _address(out))
        plan.execute()

    def sqrt(self, x, out):
        plan = self.plans[SQRT]
        self.lib.dnnl_memory_set_data_handle(plan.user["x"], _address(x))
        self.lib.dnnl_memory_set_data_handle(plan.user["out"], _address(out))
        plan.execute()


def kernels(arrays, ops, one_thread=False):
    """Kernels for `ops` ((op, y a number?) pairs, SQRT) on these arrays, or None where this path
    does not take them (module docstring) or oneDNN refuses one; with one_thread, at one thread
    too (SGD's two scaled adds are two passes there where the tensor ops are four)."""
    n = arrays[0].size
    if n < MIN_ELEMENTS:
        return None
    for a in arrays:
        if (
            a.__class__ is not np.ndarray
            or a.dtype != _onednn.F32
            or a.size != n
            or not a.flags.c_contiguous
            or not a.flags.writeable
        ):
            return None
    if not (_gemm.onednn_holds_cores() or one_thread and _onednn.threads() == 1 and _onednn.enabled()):
        return None
    lib = _onednn.library()
    return cached_plan(_local, (n, ops, lib.sync_threads()), lambda: Kernels(lib, n, ops), PLANS)
