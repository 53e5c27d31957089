"""The machinery every oneDNN path shares (ops/_conv_onednn.py, _lstm_onednn.py, _eltwise_onednn.py,
_softmax_onednn.py, _pool_onednn.py, _matmul_onednn.py): memory descriptors, a Plan (the
primitives of one call for one set of shapes, with the memory objects re-pointed at the caller's
arrays each call and the blocked-layout buffers in the thread's scratch arena), the per-thread
plan caches, and the oneDNN 3.2 enum values more than one of them uses.
"""

import collections
import os
import threading

import numpy as np

from . import _onednn

# oneDNN 3.x enum values (include/oneapi/dnnl/dnnl_types.h, dnnl_common_types.h at v3.2)
DT_F32 = 3
TAG_ANY = 1
FORWARD_TRAINING, FORWARD_INFERENCE, BACKWARD = 64, 96, 128  # dnnl_prop_kind_t
ARG_SRC, ARG_DST, ARG_WEIGHTS, ARG_DIFF_SRC, ARG_DIFF_DST = 1, 17, 33, 129, 145  # DNNL_ARG_*
ARG_FROM, ARG_TO = 1, 17  # a reorder's


def dims(values):
    d = _onednn.Dims()
    for i, v in enumerate(values):
        d[i] = v
    return d


class Descriptors:
    """Memory descriptors made for one plan, destroyed with it."""

    def __init__(self, lib):
        self.lib, self.made = lib, []

    def plain(self, shape):
        """C-contiguous float32 of this shape (a NumPy array's layout)."""
        strides, step = [], 1
        for v in reversed(shape):
            strides.append(step)
            step *= v
        return self.strided(shape, strides[::-1])

    def strided(self, shape, strides):
        """float32 of this shape, its elements `strides` apart (in elements)."""
        made = self.lib.new("dnnl_memory_desc_create_with_strides", len(shape), dims(shape), DT_F32, dims(strides))
        return self._keep(made)

    def any(self, shape):
        """Layout left to the primitive."""
        return self._keep(self.lib.new("dnnl_memory_desc_create_with_tag", len(shape), dims(shape), DT_F32, TAG_ANY))

    def _keep(self, md):
        self.made.append(md)
        return md

    def destroy(self):
        for md in self.made:
            self.lib.lib.dnnl_memory_desc_destroy(md)
        self.made = []


class Plan:
    """The primitives of one call for one set of shapes. `steps` run in order, each a
    primitive and its (argument, memory) list; `user` maps a name to the memory that
    points at the caller's array (re-pointed every call)."""

    def __init__(self, lib):
        self.lib = lib
        self.mds = Descriptors(lib)
        self.steps, self.user = [], {}
        self.pds, self.prims, self.mems = [], [], []
        self.scratch, self.scratch_bytes = [], 0  # (memory, offset in the thread's arena), total

    def memory(self, md):
        """A memory object of this layout, pointing nowhere until run() points it."""
        mem = self.lib.new("dnnl_memory_create", md, self.lib.engine, None)
        self.mems.append(mem)
        return mem

    def primitive(self, pd):
        self.pds.append(pd)
        prim = self.lib.new("dnnl_primitive_create", pd)
        self.prims.append(prim)
        return prim

    def operand(self, name, plain_md, chosen_md, into, before, after):
        """The memory the convolution uses for the caller's array `name`. If oneDNN chose
        another layout, a scratch buffer in that layout and a reorder from the caller's
        array (`into` the convolution: a step before it) or back to it (a step after)."""
        user = self.user[name] = self.memory(plain_md)
        if self.lib.lib.dnnl_memory_desc_equal(plain_md, chosen_md):
            return user
        inner = self.memory(chosen_md)
        self.scratch.append((inner, self.scratch_bytes))
        self.scratch_bytes += -(-self.lib.lib.dnnl_memory_desc_get_size(chosen_md) // 64) * 64
        src, dst = (plain_md, chosen_md) if into else (chosen_md, plain_md)
        reorder = self.primitive(
            self.lib.new("dnnl_reorder_primitive_desc_create", src, self.lib.engine, dst, self.lib.engine, None)
        )
        step = (reorder, [(ARG_FROM, user), (ARG_TO, inner)] if into else [(ARG_FROM, inner), (ARG_TO, user)])
        (before if into else after).append(step)
        return inner

    def single(self, pd, operands):
        """This plan as one primitive of descriptor `pd` on the caller's arrays, no reorders:
        `operands` are (name, DNNL_ARG_*, memory descriptor)."""
        prim = self.primitive(pd)
        for name, _, md in operands:
            self.user[name] = self.memory(md)
        self.finish(prim, [(arg, self.user[name]) for name, arg, _ in operands], [], [])
        return self

    def finish(self, prim, args, before, after):
        self.steps = before + [(prim, args)] + after
        self.steps = [
            (p, (_onednn.ExecArg * len(a))(*[_onednn.ExecArg(k, m) for k, m in a]), len(a)) for p, a in self.steps
        ]

    def run(self, **arrays):
        lib = self.lib.lib
        address = _onednn.address
        for name, array in arrays.items():
            lib.dnnl_memory_set_data_handle(self.user[name], address(array))
        base = arena(self.scratch_bytes)
        for mem, offset in self.scratch:
            lib.dnnl_memory_set_data_handle(mem, base + offset)
        self.execute()

    def execute(self):
        """Runs the steps on the memory as pointed (run() points it; a caller that points its own
        memory objects, as _binary_onednn's Kernels do, calls this) and waits for them."""
        lib = self.lib.lib
        # (OpenMP's thread count was set by _plan, on this thread, just before)
        for prim, args, n in self.steps:
            status = lib.dnnl_primitive_execute(prim, self.lib.stream, n, args)
            if status != _onednn.SUCCESS:
                raise RuntimeError(f"oneDNN primitive failed (status {status})")
        lib.dnnl_stream_wait(self.lib.stream)

    def __del__(self):
        try:
            lib = self.lib.lib
            for p in self.prims:
                lib.dnnl_primitive_destroy(p)
            for pd in self.pds:
                lib.dnnl_primitive_desc_destroy(pd)
            for m in self.mems:
                lib.dnnl_memory_destroy(m)
            self.mds.destroy()
        except Exception:  # pragma: no cover - interpreter shutdown
            pass


def arena(nbytes):
    """The address of this thread's scratch arena (64-byte aligned), grown to `nbytes`: the
    blocked-layout buffers of whichever plan runs. One arena of the largest plan's size instead
    of buffers kept per plan: LeNet's epoch added 34 MB with buffers per plan (PyTorch: 33)."""
    buf = getattr(_local, "arena", None)
    if buf is None or buf.size < nbytes + 64:
        buf = _local.arena = np.empty(nbytes + 64, np.uint8)
    return -(-buf.ctypes.data // 64) * 64


def plan_cache():
    """A module's per-thread home for its plans (its `.plans`), which a forked child empties: the
    parent's primitives were made for its OpenMP pool, which the child does not have."""
    local = threading.local()
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=lambda: local.__dict__.clear())
    return local


def cached_plan(local, key, build, limit):
    """This thread's plan for `key` (a key holds the thread count: a primitive keeps the count it
    was made with), made by build() on a miss; None where oneDNN refused it, remembered so that a
    refused shape is not tried again. Past `limit` plans the least recently used goes."""
    plans = getattr(local, "plans", None)
    if plans is None:
        plans = local.plans = collections.OrderedDict()
    if key in plans:
        plans.move_to_end(key)
        return plans[key]
    try:
        plan = build()
    except _onednn.Unsupported:
        plan = None
    plans[key] = plan
    while len(plans) > limit:
        plans.popitem(last=False)
    return plan


_local = plan_cache()  # .arena: the scratch arena (emptied in a forked child too)
