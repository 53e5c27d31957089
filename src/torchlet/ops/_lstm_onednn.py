"""One float32 LSTM layer on oneDNN's LSTM primitive (the `onednn` extra), as PyTorch's CPU LSTM
runs (its mkldnn_rnn_layer and mkldnn_rnn_layer_backward): the input and recurrent products of
every step, the gates and the cell in oneDNN's own kernels, forward and backward, on its
OpenMP threads. nn/_rnn_onednn.py takes it for left-to-right float32 NumPy LSTM layers (no
projection); nn/_rnn_fused.py's array loop stays the reference (oneDNN off, other dtypes).

    gates a_t = x_t W_ih^T + h_{t-1} W_hh^T + (b_ih + b_hh)      (i, f, g, o: PyTorch's order,
    c_t = f c_{t-1} + i g,  h_t = o tanh(c_t)                      which is oneDNN's)

Layouts, the caller's C-contiguous arrays as they are: x (T, N, C), y (T, N, H), the states (N, H), and
PyTorch's weights (4H, C) and (4H, H), which oneDNN reads as ldgoi (dims l, d, i, g, o) and
reorders into its own blocked layout each call, as PyTorch's bridge does. The forward for
training writes a workspace (the gates of every step) that backward reads. Backward
accumulates the weight and bias gradients into its outputs, which start at zero; the bias
gradient is both b_ih's and b_hh's. Plans (primitives and reorders) are cached per thread and
thread count, as _conv_onednn's.
"""

import numpy as np

from . import _block_cache, _onednn
from ._onednn_plan import ARG_FROM, ARG_TO, BACKWARD, FORWARD_INFERENCE, FORWARD_TRAINING, Plan, cached_plan, plan_cache

__all__ = ["usable", "bias", "forward", "backward"]

PLANS = 16  # per thread
_F32 = _onednn.F32
_LEFT2RIGHT = 1
_QUERY_EXEC_ARG_MD = 255
# DNNL_ARG_*: layer / iter / iter_c of src and dst, weights, bias, workspace, and their diffs
_ARG = dict(x=1, h0=2, c0=3, y=17, hn=18, cn=19, w_ih=33, w_hh=34, b=41, workspace=64)
_ARG.update(gx=129, gh0=130, gc0=131, gy=145, ghn=146, gcn=147, gw_ih=161, gw_hh=162, gb=169)
_local = plan_cache()


def usable(*arrays):
    """float32 NumPy arrays, the first (the input) not empty, the extra enabled."""
    return (
        all(a.__class__ is np.ndarray and a.dtype == _F32 for a in arrays) and arrays[0].size > 0 and _onednn.enabled()
    )


def bias(b_ih, b_hh, w_ih):
    """oneDNN's one bias (4H,): b_ih + b_hh, as PyTorch adds them; zeros for a layer without."""
    return np.zeros(w_ih.shape[:1], _F32) if b_ih is None else b_ih + b_hh


class _Shapes:
    """One layer's memory descriptors: T steps, batch N, C inputs, H hidden."""

    def __init__(self, mds, T, N, C, H):
        self.x, self.y = mds.plain((T, N, C)), mds.plain((T, N, H))
        self.state = mds.plain((1, 1, N, H))
        # PyTorch's (4H, I) weights as oneDNN's (l, d, i, g, o) dims ("ldgoi"); theirs: "any"
        self.w_ih = mds.strided((1, 1, C, 4, H), (4 * H * C, 4 * H * C, 1, H * C, C))
        self.w_hh = mds.strided((1, 1, H, 4, H), (4 * H * H, 4 * H * H, 1, H * H, H))
        self.any_w_ih, self.any_w_hh = mds.any((1, 1, C, 4, H)), mds.any((1, 1, H, 4, H))
        self.b = mds.plain((1, 1, 4, H))

    def forward(self, weights):
        """The forward descriptors in oneDNN's order (src, weights, bias, dst), with `weights`."""
        return (self.x, self.state, self.state, *weights, None, None, self.b, self.y, self.state, self.state)


def _forward_pd(lib, s, prop):
    fwd = s.forward((s.any_w_ih, s.any_w_hh))
    return lib.new("dnnl_lstm_forward_primitive_desc_create", lib.engine, prop, _LEFT2RIGHT, *fwd, 0, None)


def _chosen(lib, pd, name):
    return _onednn.P(lib.lib.dnnl_primitive_desc_query_md(pd, _QUERY_EXEC_ARG_MD, _ARG[name]))


def _build(kind, lib, key):
    """The plan of one call: the primitive, its weights reordered into its layouts before it, its
    weight gradients (backward) reordered into PyTorch's after it."""
    plan = Plan(lib)
    s = _Shapes(plan.mds, *key)
    if kind == "backward":
        hint = _forward_pd(lib, s, FORWARD_TRAINING)
        plan.pds.append(hint)
        fwd = s.forward((s.any_w_ih, s.any_w_hh))  # (and the diffs': the same descriptors)
        pd = lib.new(
            "dnnl_lstm_backward_primitive_desc_create", lib.engine, BACKWARD, _LEFT2RIGHT, *fwd, *fwd, 0, hint, None
        )
    else:
        pd = _forward_pd(lib, s, FORWARD_TRAINING if kind == "training" else FORWARD_INFERENCE)
    prim = plan.primitive(pd)
    before, after, args = [], [], []
    for name, md in (("w_ih", s.w_ih), ("w_hh", s.w_hh)):
        args.append((_ARG[name], plan.operand(name, md, _chosen(lib, pd, name), True, before, after)))
    names = ("x", "h0", "c0", "b", "y", "hn", "cn") + (("workspace",) if kind != "inference" else ())
    if kind == "backward":
        names += ("gy", "ghn", "gcn", "gx", "gh0", "gc0")
    for name in names:  # the caller's arrays in the layouts given (the workspace's: oneDNN's)
        md = _chosen(lib, pd, name)
        plan.user[name] = memory = plan.memory(md)
        args.append((_ARG[name], memory))
        if name == "workspace":
            plan.workspace_bytes = lib.lib.dnnl_memory_desc_get_size(md)
    plan.accumulated = {}
    if kind == "backward":
        for name, md in (("gw_ih", s.w_ih), ("gw_hh", s.w_hh), ("gb", s.b)):
            args.append((_ARG[name], _accumulated(plan, name, md, _chosen(lib, pd, name), after)))
    plan.finish(prim, args, before, after)
    return plan


def _accumulated(plan, name, user_md, chosen_md, after):
    """The memory of a gradient oneDNN adds into: the caller's zeroed array where oneDNN takes
    its layout, else a zeroed buffer in oneDNN's (plan.accumulated: name -> its bytes),
    reordered into the caller's array after the primitive."""
    lib = plan.lib
    user = plan.user[name] = plan.memory(user_md)
    if lib.lib.dnnl_memory_desc_equal(user_md, chosen_md):
        return user
    inner = plan.user[name + "_blocked"] = plan.memory(chosen_md)
    plan.accumulated[name] = lib.lib.dnnl_memory_desc_get_size(chosen_md)
    reorder = plan.primitive(
        lib.new("dnnl_reorder_primitive_desc_create", chosen_md, lib.engine, user_md, lib.engine, None)
    )
    after.append((reorder, [(ARG_FROM, inner), (ARG_TO, user)]))
    return inner


def _plan(kind, key):
    lib = _onednn.library()
    return cached_plan(_local, (kind, key, lib.sync_threads()), lambda: _build(kind, lib, key), PLANS)


def forward(x, h0, c0, w_ih, w_hh, b, training):
    """(y (T, N, H), h_n, c_n, workspace or None) for one layer, or None where oneDNN refuses.
    x (T, N, C), h0 and c0 (N, H), b = b_ih + b_hh (4H,): float32 C-contiguous arrays."""
    T, N, C = x.shape
    H = h0.shape[-1]
    plan = _plan("training" if training else "inference", (T, N, C, H))
    if plan is None:
        return None
    y, hn, cn = _block_cache.empty((T, N, H), _F32), np.empty((N, H), _F32), np.empty((N, H), _F32)
    arrays = dict(x=x, h0=h0, c0=c0, w_ih=w_ih, w_hh=w_hh, b=b, y=y, hn=hn, cn=cn)
    workspace = None
    if training:
        workspace = arrays["workspace"] = _block_cache.empty((plan.workspace_bytes,), np.uint8)
    plan.run(**arrays)
    return y, hn, cn, workspace


def _zeros(shape, dtype=_F32):
    """Zeros on a reused block from 1 MiB (the workspace's and the gradients' pages faulted in
    on every call took the two-thread forward from 8.5 to 10-31 ms, the backward from 18 to
    29-31; PyTorch's 8.8 and 17.7)."""
    out = _block_cache.empty(shape, dtype)
    out.fill(0)
    return out


def backward(saved, gy, ghn, gcn):
    """(gx, gh0, gc0, gw_ih, gw_hh, gb) from forward's arrays `saved` (x, h0, c0, w_ih, w_hh, b,
    y, hn, cn, workspace) and the output gradients (zeros where None), or None where refused."""
    x, h0, c0, w_ih, w_hh, b, y, hn, cn, workspace = saved
    T, N, C = x.shape
    H = h0.shape[-1]
    plan = _plan("backward", (T, N, C, H))
    if plan is None:
        return None
    grads = dict(
        gx=_block_cache.empty(x.shape, _F32),
        gh0=np.empty((N, H), _F32),
        gc0=np.empty((N, H), _F32),
        gw_ih=_zeros(w_ih.shape),  # (added into, where oneDNN takes their layout)
        gw_hh=_zeros(w_hh.shape),
        gb=_zeros(b.shape),
    )
    for name, nbytes in plan.accumulated.items():
        grads[name + "_blocked"] = _zeros((nbytes,), np.uint8)
    plan.run(
        x=x,
        h0=h0,
        c0=c0,
        w_ih=w_ih,
        w_hh=w_hh,
        b=b,
        y=y,
        hn=hn,
        cn=cn,
        workspace=workspace,
        gy=_zeros(y.shape) if gy is None else gy,
        ghn=_zeros((N, H)) if ghn is None else ghn,
        gcn=_zeros((N, H)) if gcn is None else gcn,
        **grads,
    )
    return tuple(grads[k] for k in ("gx", "gh0", "gc0", "gw_ih", "gw_hh", "gb"))
