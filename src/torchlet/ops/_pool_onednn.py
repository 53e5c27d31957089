"""2-d max and average pools of large float32 NCHW arrays on oneDNN's pooling primitive (the
`onednn` extra): one pass on its threads, padding never picked (max) or counted as PyTorch
counts it (average).

Max pool, in inference (values only, no arg-max, no graph), for undilated windows that overlap or
pad: NumPy's running maximum over the window taps makes k*k strided passes on one thread after a
padded copy of the input (ResNet-18's 3x3/2 stem pool at batch 64: 2.66 -> 0.64 ms at one thread,
2.55 -> 0.42 at two; its inference at two threads 29.4-30.3 -> 25.6-25.7 ms); tiling windows
(LeNet's 2x2) stay on NumPy's taps, as fast there (405 against 471 us at one thread). A maximum
is exact, so the values are PyTorch's. A NaN in a window must win, as in PyTorch; oneDNN's max
instruction keeps whichever operand comes second, so an input with a NaN takes NumPy's path
(found by one max over the input, which propagates NaN).

Max pool in training (the gradient wanted, indices not asked for), for the same windows: forward
with oneDNN's workspace (each output's arg-max tap, a uint8 per output: the `arg` of NumPy's taps)
and backward from it. ResNet-18's stem pool at batch 64, two threads: forward 5.4 -> 0.65 ms,
forward and backward 12.0 -> 1.05 (PyTorch 3.9 and 4.5); the training step 124 -> 115 ms. An input
picked by several windows receives the sum of their gradients: for two the order does not matter,
for three or more oneDNN's order differs from PyTorch's (output order) in the last bits, as NumPy's
float64 sums did (an exact masked add per tap in PyTorch's order took 17 ms). A double backward
(create_graph) or a refused plan finds the indices by NumPy's taps from the saved input.

Average pool, forward values in training and inference: each window's sum in PyTorch's order,
divided by its size, so PyTorch's bits, where NumPy's window sums were not (pairwise); LeNet-5's
2x2 pools at two threads 638 -> 279 us, a padded 3x3/2 pool of 64x64x16x16 13.7 -> 0.25 ms.

Plans are kept per (algorithm, geometry, threads) and Python thread, as _conv_onednn's.
"""

import numpy as np

from . import _block_cache, _onednn
from ._onednn_plan import (
    ARG_DIFF_DST,
    ARG_DIFF_SRC,
    ARG_DST,
    ARG_SRC,
    FORWARD_INFERENCE,
    FORWARD_TRAINING,
    Plan,
    cached_plan,
    dims,
    plan_cache,
)

__all__ = ["avg_pool2d", "max_pool2d", "max_pool2d_training"]

MIN_ELEMENTS = 1 << 16
PLANS = 32  # per thread
_POOLING_MAX, _AVG_INCLUDE_PAD, _AVG_EXCLUDE_PAD = 0x1FF, 0x2FF, 0x3FF  # dnnl_alg_kind_t at v3.2
_LOWEST = np.finfo(np.float32).min
_ARG_WORKSPACE, _QUERY_EXEC_ARG_MD = 64, 255
_local = plan_cache()


def _plan(lib, key):
    return cached_plan(_local, key + (lib.sync_threads(),), lambda: _build(lib, *key), PLANS)


def _build(lib, algorithm, shape, out_shape, k, s, d, low, high, training=False):
    """The forward plan; in training, (forward with the arg-max workspace, backward) plans."""
    plan = Plan(lib)
    src, dst = plan.mds.plain(shape), plan.mds.plain(out_shape)
    geometry = (dims(s), dims(k), dims([v - 1 for v in d]), dims(low), dims(high))  # (oneDNN's dilation counts from 0)
    prop = FORWARD_TRAINING if training else FORWARD_INFERENCE
    pd = lib.new("dnnl_pooling_forward_primitive_desc_create", lib.engine, prop, algorithm, src, dst, *geometry, None)
    if not training:
        return plan.single(pd, [("x", ARG_SRC, src), ("y", ARG_DST, dst)])
    workspace = _onednn.P(lib.lib.dnnl_primitive_desc_query_md(pd, _QUERY_EXEC_ARG_MD, _ARG_WORKSPACE))
    plan.workspace_bytes = lib.lib.dnnl_memory_desc_get_size(workspace)
    plan.single(pd, [("x", ARG_SRC, src), ("y", ARG_DST, dst), ("workspace", _ARG_WORKSPACE, workspace)])
    back = Plan(lib)
    back.forward = plan  # (its descriptor was the hint)
    bpd = lib.new("dnnl_pooling_backward_primitive_desc_create", lib.engine, algorithm, src, dst, *geometry, pd, None)
    back.single(bpd, [("g", ARG_DIFF_DST, dst), ("workspace", _ARG_WORKSPACE, workspace), ("out", ARG_DIFF_SRC, src)])
    return plan, back


def _usable(X):
    return (
        X.size >= MIN_ELEMENTS
        and X.__class__ is np.ndarray
        and X.dtype == _onednn.F32
        and X.flags.c_contiguous
        and _onednn.enabled()
    )


def _right_padding(X, k, s, d, pads, out):
    """The right padding that makes oneDNN's output size `out` (PyTorch's, ceil_mode included;
    negative where the last window ends before the input does, which oneDNN takes)."""
    low = [lo for lo, _ in pads]
    return [(o - 1) * ss + (kk - 1) * dd + 1 - n - lo for o, ss, kk, dd, n, lo in zip(out, s, k, d, X.shape[2:], low)]


def _key(algorithm, X, k, s, d, pads, high, out, training=False):
    out_shape = X.shape[:2] + tuple(out)
    return (
        algorithm,
        X.shape,
        out_shape,
        tuple(k),
        tuple(s),
        tuple(d),
        tuple(lo for lo, _ in pads),
        tuple(high),
        training,
    )


def _run(algorithm, X, k, s, d, pads, high, out):
    key = _key(algorithm, X, k, s, d, pads, high, out)
    out_shape = key[2]
    plan = _plan(_onednn.library(), key)
    if plan is None:
        return None
    y = _block_cache.empty(out_shape, X.dtype)
    plan.run(x=X, y=y)
    return y


def _max_pool_usable(X, k, s, d, pads):
    return (
        tuple(d) == (1, 1)  # (oneDNN's dilated pooling ran 5 ms against NumPy's 0.15)
        and (tuple(k) != tuple(s) or any(lo or hi for lo, hi in pads))  # tiles: NumPy's taps are as fast
        and _usable(X)
        and not np.isnan(np.max(X))
    )


def _lowest_window(y):
    """A window of -inf alone (or of -FLT_MAX): oneDNN starts from the lowest finite float,
    PyTorch from -inf."""
    return np.min(y) == _LOWEST


def max_pool2d(X, k, s, d, pads, out):
    """The max pool's values (N, C, *out), or None where this path is not taken."""
    if not _max_pool_usable(X, k, s, d, pads):
        return None
    y = _run(_POOLING_MAX, X, k, s, d, pads, _right_padding(X, k, s, d, pads, out), out)
    return None if y is None or _lowest_window(y) else y


def max_pool2d_training(X, k, s, d, pads, out):
    """(values (N, C, *out), backward) of a max pool whose gradient is wanted, or None where this
    path is not taken; backward(G) is the input's gradient from the output's (C-contiguous
    float32), or None where oneDNN refuses it."""
    if not _max_pool_usable(X, k, s, d, pads):
        return None
    key = _key(_POOLING_MAX, X, k, s, d, pads, _right_padding(X, k, s, d, pads, out), out, training=True)
    plans = _plan(_onednn.library(), key)
    if plans is None:
        return None
    y = _block_cache.empty(key[2], X.dtype)
    workspace = np.empty(plans[0].workspace_bytes, np.uint8)
    plans[0].run(x=X, y=y, workspace=workspace)
    if _lowest_window(y):
        return None

    def backward(G):
        plans = _plan(_onednn.library(), key)  # (this thread's: the backward may run on another)
        if plans is None or G.__class__ is not np.ndarray or G.dtype != X.dtype or not G.flags.c_contiguous:
            return None
        dx = _block_cache.empty(X.shape, X.dtype)
        plans[1].run(g=G, workspace=workspace, out=dx)
        return dx

    return y, backward


def avg_pool2d(X, k, s, pads, out, count_include_pad):
    """The average pool (N, C, *out), or None where this path is not taken. Each window's sum in
    PyTorch's order divided by its size: PyTorch's bits (tiled 2x2 and padded 3x3 pools alike).
    With count_include_pad, a ceil_mode window past the declared padding is divided by its size
    within it in PyTorch, by the whole window in oneDNN: those take NumPy's path."""
    if not _usable(X):
        return None
    high = _right_padding(X, k, s, (1, 1), pads, out)
    if count_include_pad and any(h > lo for h, (lo, _) in zip(high, pads)):  # (PyTorch pads both sides by lo)
        return None
    return _run(_AVG_INCLUDE_PAD if count_include_pad else _AVG_EXCLUDE_PAD, X, k, s, (1, 1), pads, high, out)
