"""Convolutions on oneDNN (loaded by _onednn.py when ``torchlet[onednn]`` is
installed), the library PyTorch's own CPU convolutions run on. conv.py takes
this path for every float32 NumPy convolution with 1-3 spatial dims; otherwise,
or where oneDNN refuses the shapes, its NumPy im2col paths (with _conv_chwn.py)
stay the reference.

Why: with NumPy a convolution is an im2col copy and an OpenBLAS product, and
OpenBLAS runs the thin products of small convolutions at 13-35 GFLOP/s on one
core; oneDNN's JIT kernels work on channel-blocked layouts (nChw8c on AVX2) at
~40. One thread, batch 64, forward (this machine, Zen):

    conv          PyTorch   NumPy im2col   oneDNN (with the layout reorders)
    3->32 @32 k5   17.1 ms     15.0 ms       10.7 ms
    32->32 @16 k5  21.6        31             20.7
    32->64 @8 k5    9.2        13              8.8

How one call runs. The convolution is described to oneDNN with its shapes
and layout "any", so it picks its fastest layouts; the NumPy arrays (plain
NCHW / OIHW, C-contiguous) are reordered into those layouts, the convolution
runs, and its result is reordered back into a fresh NumPy array. All of it
for one set of shapes is a Plan (_onednn_plan.py): the primitives, and the memory objects that
point at the NumPy arrays and at the blocked-layout buffers in the thread's
scratch arena (re-pointed each call). Creating a plan costs milliseconds (the
JIT), so plans are cached per thread, most recent first, up to PLANS of them,
keyed by the thread count too (a primitive keeps the count it was made with).

    forward           y  = conv(x, W) + b
    backward data     dx = conv_transpose(g, W)   (oneDNN's backward_data)
    backward weights  dW[o, c, i, j] = sum over n, positions p of g[n, o, p] x[n, c, p + (i, j)]
                      db[o] = sum over n, p of g[n, o, p]

Grouped weights (G, O/G, C/G, *k) are the same C-contiguous buffer as PyTorch's
(O, C/G, *k). Dilation counts from 0 in oneDNN (d - 1).
"""

import numpy as np

from . import _block_cache, _onednn
from ._onednn_plan import FORWARD_TRAINING, Plan, cached_plan, dims, plan_cache

__all__ = ["usable", "forward", "backward"]

PLANS = 64  # per thread; one per (kind, shapes, stride, padding, dilation, groups)
# Small output grids too (ResNet-18's last stages, 2x2 and 1x1): NumPy's batch-last product was
# ahead there at one thread on an earlier machine, but at two threads its OpenBLAS threads and
# oneDNN's OpenMP ones take turns spinning on the same two cores. All on oneDNN, ResNet-18 on
# 32x32 images, batch 64, this machine (EPYC, 2 cores), train step / inference:
# 2 threads 277 / 111 ms -> 119 / 46 ms; 1 thread 214 / 83 -> 184-210 / 77.

# oneDNN 3.x enum values (include/oneapi/dnnl/dnnl_types.h, dnnl_common_types.h at v3.2)
_CONVOLUTION_DIRECT = 1
_QUERY = {"src": 129, "diff_src": 130, "weights": 131, "diff_weights": 132, "dst": 133, "diff_dst": 134}
_ARG = {
    "src": 1,
    "dst": 17,
    "weights": 33,
    "bias": 41,
    "diff_src": 129,
    "diff_dst": 145,
    "diff_weights": 161,
    "diff_bias": 169,
}

_F32 = _onednn.F32
_P = _onednn.P


_local = plan_cache()  # .plans


def usable(x, w):
    """Arrays oneDNN takes: float32 NumPy arrays, 1-3 spatial dims, nothing empty."""
    return (
        x.__class__ is np.ndarray
        and w.__class__ is np.ndarray
        and x.dtype == _F32
        and w.dtype == _F32
        and 3 <= x.ndim <= 5
        and x.size > 0
        and w.size > 0
        and _onednn.enabled()
    )


# ----- descriptors ---------------------------------------------------------------
class _Geometry:
    """One convolution's shapes and oneDNN's dims arrays (dilation counts from 0 there)."""

    def __init__(self, x_shape, w_shape, y_shape, stride, pads, dilation, groups):
        self.x, self.y = tuple(x_shape), tuple(y_shape)
        O = w_shape[0]
        # grouped weights are (G, O/G, C/G, *k): the same C-contiguous buffer as (O, C/G, *k)
        self.w = tuple(w_shape) if groups == 1 else (groups, O // groups) + tuple(w_shape[1:])
        self.b = (O,)
        self.args = (
            dims(stride),
            dims([d - 1 for d in dilation]),
            dims([lo for lo, _ in pads]),
            dims([hi for _, hi in pads]),
        )


def _forward_pd(lib, mds, geo, bias):
    """A forward convolution descriptor with every layout "any" (the bias plain)."""
    return lib.new(
        "dnnl_convolution_forward_primitive_desc_create",
        lib.engine,
        FORWARD_TRAINING,
        _CONVOLUTION_DIRECT,
        mds.any(geo.x),
        mds.any(geo.w),
        mds.plain(geo.b) if bias else None,
        mds.any(geo.y),
        *geo.args,
        None,
    )


def _chosen(lib, pd, what):
    return _P(lib.lib.dnnl_primitive_desc_query_md(pd, _QUERY[what], 0))


# kind -> its operands: (oneDNN's argument, the caller's array, its shape in _Geometry, read by
# the convolution (True) or written (False)); the bias operand, where the kind has one
_OPERANDS = {
    "forward": [("src", "x", "x", True), ("weights", "w", "w", True), ("dst", "y", "y", False)],
    "backward_data": [("diff_dst", "g", "y", True), ("weights", "w", "w", True), ("diff_src", "gx", "x", False)],
    "backward_weights": [("src", "x", "x", True), ("diff_dst", "g", "y", True), ("diff_weights", "gw", "w", False)],
}
_BIAS = {"forward": ("bias", "b", True), "backward_weights": ("diff_bias", "gb", False)}


def _descriptor(kind, plan, geo, bias):
    """The convolution's primitive descriptor; a backward one takes a forward one as its hint."""
    lib, mds = plan.lib, plan.mds
    if kind == "forward":
        return _forward_pd(lib, mds, geo, bias)
    hint = _forward_pd(lib, mds, geo, bias)
    plan.pds.append(hint)
    if kind == "backward_data":
        descs = (mds.any(geo.x), mds.any(geo.w), mds.any(geo.y))
    else:
        descs = (mds.any(geo.x), mds.any(geo.w), mds.plain(geo.b) if bias else None, mds.any(geo.y))
    name = f"dnnl_convolution_{kind}_primitive_desc_create"
    return lib.new(name, lib.engine, _CONVOLUTION_DIRECT, *descs, *geo.args, hint, None)


def _build(kind, lib, geo, bias):
    plan = Plan(lib)
    pd = _descriptor(kind, plan, geo, bias)
    prim = plan.primitive(pd)
    before, after, args = [], [], []
    for arg, name, shape, into in _OPERANDS[kind]:
        plain = plan.mds.plain(getattr(geo, shape))
        args.append((_ARG[arg], plan.operand(name, plain, _chosen(lib, pd, arg), into, before, after)))
    if bias and kind in _BIAS:
        arg, name, into = _BIAS[kind]
        plain = plan.mds.plain(geo.b)
        args.append((_ARG[arg], plan.operand(name, plain, plain, into, before, after)))
    plan.finish(prim, args, before, after)
    return plan


def _plan(kind, geo_key, flag):
    """The cached plan (None: oneDNN refused these shapes) for this thread."""
    lib = _onednn.library()
    key = (kind, geo_key, flag, lib.sync_threads())
    return cached_plan(_local, key, lambda: _build(kind, lib, _Geometry(*geo_key), flag), PLANS)


def forward(x, w, b, stride, pads, dilation, groups, out):
    """y (N, O, *out) = conv(x, w) + b on oneDNN, or None where oneDNN refuses the shapes."""
    y_shape = (x.shape[0], w.shape[0]) + tuple(out)
    plan = _plan("forward", (x.shape, w.shape, y_shape, stride, pads, dilation, groups), b is not None)
    if plan is None:
        return None
    y = _block_cache.empty(y_shape, _F32)
    arrays = {"x": np.ascontiguousarray(x), "w": np.ascontiguousarray(w), "y": y}
    if b is not None:
        arrays["b"] = np.ascontiguousarray(b)
    plan.run(**arrays)
    return y


def backward(g, x, w, stride, pads, dilation, groups, need):
    """(dx, dW, db) for output gradient g; entries of `need` False give None. None as a
    whole where oneDNN refuses the shapes."""
    key = (x.shape, w.shape, g.shape, stride, pads, dilation, groups)
    g, w = np.ascontiguousarray(g), np.ascontiguousarray(w)
    gx = gw = gb = None
    if need[0]:
        plan = _plan("backward_data", key, False)
        if plan is None:
            return None
        gx = _block_cache.empty(x.shape, _F32)
        plan.run(g=g, w=w, gx=gx)
    if need[1] or need[2]:
        plan = _plan("backward_weights", key, need[2])
        if plan is None:
            return None
        gw = np.empty(w.shape, _F32)
        arrays = {"x": np.ascontiguousarray(x), "g": g, "gw": gw}
        if need[2]:
            gb = arrays["gb"] = np.empty(w.shape[:1], _F32)
        plan.run(**arrays)
        if not need[1]:
            gw = None
    return gx, gw, gb
