"""Max pooling (1d via 2d, 2d, 3d) and max_unpool, with the window geometry the other
pooling files share (pooling_avg.py: average and lp pooling; pooling_adaptive.py: adaptive).

Windows are the strided view of ops/conv.py: win[n, c, *o, *i] = x[n, c, o*s + i*d]
on the (padded) input, so a pool is one reduction over the kernel axes of a
view, never a Python loop over pixels.

Backward, written with Tensor ops: the gradient goes to the arg-max position of each
window (a scatter-add into the flat input positions, `_scatter_flat`, reduction._scatter).
"""

import numpy as np

from .. import _backends_cupy
from . import _block_cache, _pool_cuda, _pool_onednn
from ._util import _NAME_WORDS, Node, attach, grad_enabled, wrap
from .unfold import _pad_array, _tup, _windows
from .reduction import _gather, _scatter

__all__ = [
    "max_pool1d",
    "max_pool2d",
    "max_pool3d",
    "max_pool1d_with_indices",
    "max_pool2d_with_indices",
    "max_unpool1d",
    "max_unpool2d",
]


# ----- scatter / gather on flattened spatial positions ----------------------
def _scatter_flat(g, idx, spatial, overlap):
    """zeros(N, C, *spatial) with g[n, c, j] added at flat position idx[n, c, j]
    (reduction._scatter along the flattened spatial dim)."""
    N, C = idx.shape[:2]
    L, P = int(np.prod(idx.shape[2:])), int(np.prod(spatial))
    out = _scatter(g.reshape(N, C, L), idx.reshape(N, C, L), 2, (N, C, P), unique=not overlap)
    return out.reshape((N, C) + tuple(spatial))


def _gather_flat(x, idx):
    """x[n, c] at the flat spatial positions idx[n, c, j] (reduction._gather)."""
    N, C = idx.shape[:2]
    L, P = int(np.prod(idx.shape[2:])), int(np.prod(x.shape[2:]))
    return _gather(x.reshape(N, C, P), idx.reshape(N, C, L), 2, unique=False).reshape(idx.shape)


# ----- sizes and checks -----------------------------------------------------
def _pool_out(S, k, s, p, d, ceil):
    eff = d * (k - 1) + 1
    o = (S + 2 * p - eff + ((s - 1) if ceil else 0)) // s + 1
    if ceil and (o - 1) * s >= S + p:
        o -= 1
    return o


def _geometry(x, n, kernel_size, stride, padding, dilation, ceil_mode, name):
    k = _tup(kernel_size, n, "kernel_size")
    s = k if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0) else _tup(stride, n, "stride")
    p = _tup(padding, n, "padding")
    d = _tup(dilation, n, "dilation")
    if any(v <= 0 for v in k):
        raise RuntimeError(f"kernel size should be greater than zero, but got kH: {k[0]} kW: {k[-1]}")
    if any(v <= 0 for v in s):
        raise RuntimeError(f"stride should be greater than zero, but got dH: {s[0]} dW: {s[-1]}")
    if any(v <= 0 for v in d):
        raise RuntimeError(f"dilation should be greater than zero, but got dilationH: {d[0]} dilationW: {d[-1]}")
    for kk, pp, dd in zip(k, p, d):
        if pp < 0 or pp > (dd * (kk - 1) + 1) // 2:
            raise RuntimeError(
                f"pad should be at most half of effective kernel size, but got pad={pp}, "
                f"kernel_size={kk} and dilation={dd}"
            )
    spatial = x._data.shape[2:]
    out = tuple(_pool_out(S, kk, ss, pp, dd, ceil_mode) for S, kk, ss, pp, dd in zip(spatial, k, s, p, d))
    if any(o < 1 for o in out):
        C = x._data.shape[1]
        raise RuntimeError(
            f"Given input size: ({'x'.join(map(str, (C,) + spatial))}). Calculated output "
            f"size: ({'x'.join(map(str, (C,) + out))}). Output size is too small"
        )
    # right padding so that every (ceil-mode) window lies inside the padded array
    pads = tuple(
        (pp, max(0, (o - 1) * ss + dd * (kk - 1) + 1 - S - pp))
        for o, S, kk, ss, pp, dd in zip(out, spatial, k, s, p, d)
    )
    return k, s, d, pads, out


def _batch(input, n, name):
    if input.dim() not in (n + 1, n + 2) or input.numel() == 0 and input.dim() == n + 1:
        raise RuntimeError(f"non-empty {n + 1}D or {n + 2}D (batch mode) tensor expected for input")
    return input if input.dim() == n + 2 else input.unsqueeze(0)


def _unbatch(res, input, n):
    if input.dim() == n + 2:
        return res
    if isinstance(res, tuple):
        return tuple(r.squeeze(0) for r in res)
    return res.squeeze(0)


# ----- max pooling ----------------------------------------------------------
class MaxPool2DWithIndicesBackward0(Node):
    """The gradient of each output goes to its window's arg-max (summed where windows overlap)."""

    def backward(self, g):
        onednn = self.__dict__.get("onednn")
        if onednn is not None:  # the forward ran on oneDNN (_pool_onednn.max_pool2d_training)
            backward, X, geometry = onednn
            dx = None if grad_enabled() else backward(g._data)
            if dx is not None:
                return wrap(dx)
            self.indices = _max_pool2d_taps(np, X, *geometry)[1]  # create_graph, or a refused plan
        arg = self.__dict__.get("arg")
        if arg is not None and not grad_enabled():  # tiled windows: one masked write per tap
            return wrap(_tiled_unpool(g._xp, g._data, arg, self.ksize, self.spatial))
        return _scatter_flat(g, self.indices, self.spatial, self.overlap)


def _tiled_unpool(xp, G, arg, k, spatial):
    """Windows tile the input: tap t of every window receives g where the
    arg-max is t (a fancy-index scatter was 2x slower on LeNet's pools)."""
    (kh, kw), (oh, ow) = k, G.shape[2:]
    shape = G.shape[:2] + tuple(spatial)
    if xp is np:
        res = _block_cache.empty(shape, G.dtype)
        if (kh * oh, kw * ow) != tuple(spatial):  # rows or columns no window covers
            res.fill(0)
    else:
        res = xp.zeros(shape, dtype=G.dtype)
    for t in range(kh * kw):
        i, j = divmod(t, kw)
        xp.multiply(G, arg == t, out=res[:, :, i : i + kh * oh : kh, j : j + kw * ow : kw])
    return res


def _tiled_spread(xp, G, k, spatial):
    """Windows tile the input: every tap of a window receives its output's
    gradient, one strided write per tap (2.3x faster than copying g broadcast
    over the window axes, whose innermost runs are k2 long)."""
    (kh, kw), (oh, ow) = k, G.shape[2:]
    exact = (kh * oh, kw * ow) == tuple(spatial)
    res = (xp.empty if exact else xp.zeros)(G.shape[:2] + tuple(spatial), dtype=G.dtype)
    for i in range(kh):
        for j in range(kw):
            res[:, :, i : i + kh * oh : kh, j : j + kw * ow : kw] = G
    return res


MaxPool3DWithIndicesBackward0 = type("MaxPool3DWithIndicesBackward0", (MaxPool2DWithIndicesBackward0,), {})


def _max_pool(input, n, kernel_size, stride, padding, dilation, ceil_mode, name, want_indices=True):
    """(values, indices) of a max pool; indices None when not `want_indices` and no graph is
    built (inference: the running maximum alone, no arg-max)."""
    if input.dtype.name == "bool" or name == "max_pool1d" and input._data.dtype.kind in "iu":
        word = "max_pool1d_impl" if name == "max_pool1d" else name
        raise NotImplementedError(f"\"{word}\" not implemented for '{_NAME_WORDS[input.dtype.name]}'")
    x = _batch(input, n, name)
    k, s, d, pads, out = _geometry(x, n, kernel_size, stride, padding, dilation, ceil_mode, name)
    X = x._data
    xp = x._xp
    spatial = X.shape[2:]
    overlap = any(ss < dd * (kk - 1) + 1 for ss, kk, dd in zip(s, k, d))
    taps = n == 2 and X.dtype.kind == "f" and k[0] * k[1] < 256 and X.size
    if taps and not want_indices and not (x.requires_grad and grad_enabled()):
        vals = _pool_onednn.max_pool2d(X, k, s, d, pads, out)  # a large float32 batch: on oneDNN's threads
        if vals is None:
            vals = _max_of_taps(xp, _taps(xp, X, k, s, d, pads, out))
        return _unbatch(wrap(vals), input, n), None
    if taps and not want_indices:  # a large float32 batch in training: values and gradient on oneDNN
        trained = _pool_onednn.max_pool2d_training(X, k, s, d, pads, out)
        if trained is not None:
            vals, backward = trained
            geometry = (k, s, d, pads, out)
            node = MaxPool2DWithIndicesBackward0
            res = attach(wrap(vals), node, (x,), onednn=(backward, X, geometry), spatial=spatial, overlap=overlap)
            return _unbatch(res, input, n), None
    if taps:
        vals, indices, arg = _max_pool2d_taps(xp, X, k, s, d, pads, out)
        tiled = k == s and d == (1, 1) and pads == ((0, 0), (0, 0))
        node = MaxPool2DWithIndicesBackward0
        res = attach(
            wrap(vals),
            node,
            (x,),
            indices=indices,
            spatial=spatial,
            overlap=overlap,
            arg=arg if tiled else None,
            ksize=k,
        )
        return _unbatch(res, input, n), _unbatch(wrap(indices), input, n)
    low = -xp.inf if X.dtype.kind == "f" else (np.iinfo(X.dtype).min if X.dtype.kind in "iu" else False)
    win = _windows(xp, _pad_array(xp, X, pads, low), k, s, d, out)
    N, C = X.shape[:2]
    flatwin = win.reshape((N, C) + out + (int(np.prod(win.shape[len(out) + 2 :])),))  # no -1: N may be 0
    arg = flatwin.argmax(-1)
    vals = xp.take_along_axis(flatwin, arg[..., None], -1)[..., 0]
    # flat input position of each window's arg-max: coordinate o*s - pad + i*d per dim
    flat = 0
    rem = arg
    for dim in range(n):
        kk = int(np.prod(k[dim + 1 :]))
        i = rem // kk
        rem = rem % kk
        o = xp.arange(out[dim]).reshape((-1,) + (1,) * (n - 1 - dim))
        coord = o * s[dim] - pads[dim][0] + i * d[dim]
        flat = flat * spatial[dim] + coord
    indices = flat.astype(np.int64)
    node = MaxPool2DWithIndicesBackward0 if n == 2 else MaxPool3DWithIndicesBackward0
    res = attach(wrap(vals), node, (x,), indices=indices, spatial=spatial, overlap=overlap)
    return _unbatch(res, input, n), _unbatch(wrap(indices), input, n)


def _taps(xp, X, k, s, d, pads, out):
    """The window taps of a 2-d max pool, each a strided view of the (-inf padded) input."""
    (kh, kw), (s1, s2), (d1, d2), (oh, ow) = k, s, d, out
    Xp = _pad_array(xp, X, pads, -xp.inf) if any(lo or hi for lo, hi in pads) else X
    return [
        Xp[:, :, i * d1 : i * d1 + s1 * (oh - 1) + 1 : s1, j * d2 : j * d2 + s2 * (ow - 1) + 1 : s2]
        for i in range(kh)
        for j in range(kw)
    ]


def _max_of_taps(xp, taps):
    """The values of a 2-d max pool: a running maximum over its taps (NumPy's maximum
    propagates NaN, as PyTorch's max pool does)."""
    best = taps[0].copy()
    for tap in taps[1:]:
        xp.maximum(best, tap, out=best)
    return best


def _max_pool2d_taps(xp, X, k, s, d, pads, out):
    """2-d max pool over the k1*k2 window taps, each a strided view of the
    (-inf padded) input: a running maximum, then the first tap equal to the
    maximum in Horner form over "tap t is not the max" (uint8 arithmetic).
    This replaces the window copy + argmax of the general path (profiled:
    5-7x faster on LeNet's MaxPool2d(2) and on ResNet's 3x3/2 stem pool;
    masked copies were slower than the arithmetic). PyTorch keeps the first
    of equal maxima and lets a NaN replace the best: windows with NaN take
    that scan literally; padding is never picked."""
    if _backends_cupy.fused(xp, X.dtype) and X.flags.c_contiguous:  # one kernel (_pool_cuda.py)
        return _pool_cuda.max_pool2d(X, k, s, d, pads, out) + (None,)
    (kh, kw), (s1, s2), (d1, d2), (oh, ow) = k, s, d, out
    H, W = X.shape[2:]
    padded = any(lo or hi for lo, hi in pads)
    taps = _taps(xp, X, k, s, d, pads, out)
    best = _max_of_taps(xp, taps)
    # pad[t]: where tap t reads padding, (oh, ow); padding never wins (PyTorch scans real pixels)
    pad = [None] * len(taps)
    if padded:
        (p1, _), (p2, _) = pads
        r, c = xp.arange(oh) * s1 - p1, xp.arange(ow) * s2 - p2
        pad = [
            ((r + i * d1 < 0) | (r + i * d1 >= H))[:, None] | (c + j * d2 < 0) | (c + j * d2 >= W)
            for i in range(kh)
            for j in range(kw)
        ]
    if len(taps) == 1:
        arg = xp.zeros(best.shape, dtype=np.uint8)
    elif xp.isnan(best).any():
        best, arg = taps[0].copy(), xp.zeros(best.shape, dtype=np.uint8)
        best_pad = xp.zeros(best.shape, dtype=bool)
        if pad[0] is not None:
            best_pad |= pad[0]
        for t, tap in enumerate(taps[1:], 1):
            take = (tap > best) | (tap != tap) | best_pad
            if pad[t] is not None:
                take &= ~pad[t]
                best_pad &= ~take
            xp.copyto(best, tap, where=take)
            xp.copyto(arg, t, where=take)
    else:

        def not_max(t):
            ne = taps[t] != best
            if pad[t] is not None:
                ne |= pad[t]
            return ne.view(np.uint8)

        arg = not_max(len(taps) - 2)
        for t in range(len(taps) - 3, -1, -1):
            arg += 1
            arg *= not_max(t)
    # flat input position of each arg-max: (o1*s1 - pad1 + i*d1) * W + o2*s2 - pad2 + j*d2
    (p1, _), (p2, _) = pads
    tap_offset = xp.asarray([(i * d1 - p1) * W + j * d2 - p2 for i in range(kh) for j in range(kw)], dtype=np.int64)
    base = (xp.arange(oh) * (s1 * W))[:, None] + xp.arange(ow) * s2
    if xp is np:  # np.take: half the time of fancy indexing here ("clip": out= unbuffered; arg is in range)
        idx = np.take(tap_offset, arg, out=_block_cache.empty(arg.shape, np.int64), mode="clip")
    else:
        idx = xp.take(tap_offset, arg)
    idx += base
    return best, idx, arg


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    res, idx = _max_pool(input, 2, kernel_size, stride, padding, dilation, ceil_mode, "max_pool2d", return_indices)
    return (res, idx) if return_indices else res


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    res, idx = _max_pool(input, 3, kernel_size, stride, padding, dilation, ceil_mode, "max_pool3d")
    return (res, idx) if return_indices else res


def max_pool2d_with_indices(
    input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=True
):
    return _max_pool(input, 2, kernel_size, stride, padding, dilation, ceil_mode, "max_pool2d")


def _as1(v, name):
    if isinstance(v, (tuple, list)):
        if len(v) != 1:
            raise RuntimeError(f"max_pool1d() {name} must be an int or int list of size 1 but got size {len(v)}")
        return v[0]
    return v


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    if input.dim() not in (2, 3):
        raise RuntimeError(f"max_pool1d() Expected 2D or 3D input tensor, but got {list(input.shape)}")
    stride = None if stride is None or stride == () or stride == [] else (1, _as1(stride, "stride"))
    x = input.unsqueeze(-2)
    res, idx = _max_pool(
        x,
        2,
        (1, _as1(kernel_size, "kernel_size")),
        stride,
        (0, _as1(padding, "padding")),
        (1, _as1(dilation, "dilation")),
        ceil_mode,
        "max_pool1d",
        return_indices,
    )
    res = res.squeeze(-2)
    return (res, idx.squeeze(-2)) if return_indices else res


def max_pool1d_with_indices(
    input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=True
):
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


# ----- max_unpool -----------------------------------------------------------
def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    k = _tup(kernel_size, 2, "kernel_size")
    s = k if stride is None else _tup(stride, 2, "stride")
    p = _tup(padding, 2, "padding")
    H, W = input._data.shape[-2:]
    if output_size is None:
        out = tuple((S - 1) * ss - 2 * pp + kk for S, ss, pp, kk in zip((H, W), s, p, k))
    else:
        out = tuple(output_size)[-2:]
    x = input if input.dim() == 4 else input.unsqueeze(0)
    idx = indices._data if indices.dim() == 4 else indices._data[None]
    res = _scatter_flat(x, idx, out, False)
    return res if input.dim() == 4 else res.squeeze(0)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    k, s, p = _as1(kernel_size, "k"), _as1(stride if stride is not None else kernel_size, "s"), _as1(padding, "p")
    L = input._data.shape[-1]
    out = (L - 1) * s - 2 * p + k if output_size is None else tuple(output_size)[-1]
    return max_unpool2d(input.unsqueeze(-2), indices.unsqueeze(-2), (1, k), (1, s), (0, p), (1, out)).squeeze(-2)
