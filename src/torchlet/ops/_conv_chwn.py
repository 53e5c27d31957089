"""2-d convolution (groups=1) in the batch-last layout (C, H, W, N), on arrays.

Why a second layout: NumPy copies fast only along long contiguous runs. In
NCHW, im2col/col2im move runs of OW elements (8-24 in LeNet) and the matmul
is N small per-sample products. With the batch last,

    cols[c, i, j, o1, o2, n] = x[c, o1*s1 + i*d1, o2*s2 + j*d2, n]

moves runs of OW*N elements (stride 1), and each product covers many output
positions of all N samples at once:

    y     = W (O, C*K) @ cols (C*K, positions*N)      forward
    dW    = sum over tiles of (cols_tile @ g_tile^T)^T  weight gradient
    dx    = conv(g, W^T flipped)                        input gradient, stride 1
          = col2im(W^T @ g)                             otherwise (K strided adds)

Why tiles: the full column matrix of the lessons' CIFAR conv (32 -> 32
channels, 5x5, 16x16, batch 64) is 52 MB, so building it and multiplying it
stream it through memory twice; with O = 32 rows the product is then bound
by memory, not arithmetic (measured 47 GFLOP/s). Built one tile of output
positions at a time (about TILE_BYTES of columns, L2-sized), the same work
runs at 80-100 GFLOP/s: forward 22 -> 15 ms, backward 55 -> 30 ms.

With 1-3 input channels the NCHW path of ops/conv.py stays faster (the
transposes cost more than the short runs), so it takes this one from 4
input channels up.

On a GPU (CuPy) every 2-d convolution, from one input channel up, goes to
_conv_cuda.py's im2col/col2im kernels instead (forward() and backward() pass
it on). Other non-NumPy backends (the fake test device) run the whole grid as
one tile here.
"""

import threading

import numpy as np

from .. import _backends_cupy
from . import _conv_cuda

MIN_CHANNELS = 4
TILE_BYTES = 1 << 20
# 512 rather than 256: backward 63 against 71 ms on the CIFAR 32 -> 32 conv (one thread, batch
# 64; forward the same), 10% on the other CIFAR and ResNet shapes; at two threads the same.
MIN_TILE_COLUMNS = 512
_local = threading.local()


def _workspace(xp, shape, dtype):
    """A scratch array for one tile of columns, reused across calls (one per
    thread and dtype, grown to the largest seen): a fresh allocation per tile
    would be page-faulted anew each time."""
    n = 1
    for v in shape:
        n *= v
    if xp is not np:  # other backends pool their own memory
        return xp.empty(shape, dtype=dtype)
    bufs = getattr(_local, "bufs", None)
    if bufs is None:
        bufs = _local.bufs = {}
    buf = bufs.get(dtype)
    if buf is None or buf.size < n:
        buf = bufs[dtype] = np.empty(n, dtype=dtype)
    return buf[:n].reshape(shape)


def _padded_chwn(xp, x, pads):
    """x (N, C, H, W) -> (C, H + pads, W + pads, N), one copy."""
    N, C, H, W = x.shape
    (pt, pb), (pl, pr) = pads
    if pt or pb or pl or pr:
        out = xp.zeros((C, H + pt + pb, W + pl + pr, N), dtype=x.dtype)
        out[:, pt : pt + H, pl : pl + W, :] = x.transpose(1, 2, 3, 0)
        return out
    return xp.ascontiguousarray(x.transpose(1, 2, 3, 0))


def _tiles(out, bytes_per_position, batch, tile_bytes=TILE_BYTES):
    """Row and column slices covering the output grid. A tile holds about
    tile_bytes of columns but at least MIN_TILE_COLUMNS (positions x batch):
    thinner products lose more than the cache saves. Whole rows when a row
    fits, else part of one row."""
    OH, OW = out
    if not bytes_per_position or not batch:  # an empty batch (e.g. a mask head on 0 detections): no tiles
        return
    if tile_bytes is None:  # one tile
        yield slice(0, OH), slice(0, OW)
        return
    most = max(tile_bytes // bytes_per_position, -(-MIN_TILE_COLUMNS // batch))  # positions
    if most >= OW:
        rows, cols = _even(OH, most // OW), OW
    else:
        rows, cols = 1, _even(OW, most)
    for a in range(0, OH, rows):
        for b in range(0, OW, cols):
            yield slice(a, min(a + rows, OH)), slice(b, min(b + cols, OW))


def _even(n, most):
    """The step that splits n into equal parts of at most `most` (>= 1)."""
    parts = -(-n // max(1, most))
    return -(-n // parts)


def _as_strided(xp, x, shape, strides):
    """A read-only strided view through the namespace (CuPy's as_strided has no `writeable`)."""
    tricks = xp.lib.stride_tricks
    try:
        return tricks.as_strided(x, shape, strides, writeable=False)
    except TypeError:
        return tricks.as_strided(x, shape, strides)


def _column_tiles(xp, xpad, ksize, stride, dilation, out):
    """(rows, cols, column matrix (C*K, tile positions * N)) for each tile."""
    C, _, _, N = xpad.shape
    sc, sh, sw, sn = xpad.strides
    (s1, s2), (d1, d2) = stride, dilation
    CK = C * ksize[0] * ksize[1]
    tile_bytes = TILE_BYTES if xp is np else None  # (see the module docstring)
    for r, c in _tiles(out, CK * N * xpad.itemsize, N, tile_bytes):
        shape = (C, ksize[0], ksize[1], r.stop - r.start, c.stop - c.start, N)
        win = _as_strided(
            xp, xpad[:, r.start * s1 :, c.start * s2 :, :], shape, (sc, sh * d1, sw * d2, sh * s1, sw * s2, sn)
        )
        cols = _workspace(xp, shape, xpad.dtype)
        cols[...] = win
        yield r, c, cols.reshape(CK, -1)


def forward(xp, x, w, b, stride, pads, dilation, out):
    """y (N, O, *out) = conv2d(x, w) + b."""
    if _backends_cupy.fused(xp, x.dtype):
        return _conv_cuda.forward(xp.ascontiguousarray(x), xp.ascontiguousarray(w), b, stride, pads, dilation, out)
    N, O = x.shape[0], w.shape[0]
    wm = w.reshape(O, -1)
    y = xp.empty((O,) + tuple(out) + (N,), dtype=x.dtype)
    for r, c, cols in _column_tiles(xp, _padded_chwn(xp, x, pads), w.shape[2:], stride, dilation, out):
        y[:, r, c, :] = (wm @ cols).reshape(O, r.stop - r.start, c.stop - c.start, N)
    res = xp.empty((N, O) + tuple(out), dtype=x.dtype)
    if b is None:
        xp.copyto(res, y.transpose(3, 0, 1, 2))
    else:  # the NCHW copy and the bias in one pass
        xp.add(y.transpose(3, 0, 1, 2), b.reshape(O, 1, 1), out=res)
    return res


def backward(xp, g, x, w, stride, pads, dilation, need):
    """(dx, dW, db) for output gradient g; entries of `need` False give None."""
    if _backends_cupy.fused(xp, x.dtype):
        c = xp.ascontiguousarray
        return _conv_cuda.backward(c(g), c(x), c(w), stride, pads, dilation, need)
    O, ksize, out = w.shape[0], w.shape[2:], g.shape[2:]
    gx = gw = gb = None
    if need[1]:
        gt = xp.ascontiguousarray(g.transpose(1, 2, 3, 0))  # (O, OH, OW, N)
        # cols @ g^T runs 10-40% faster than g @ cols^T (measured with OpenBLAS), worth
        # one transposing copy of dW unless the product is short next to dW's size
        transposed = gt[0].size >= 1024
        gw = None
        for r, c, cols in _column_tiles(xp, _padded_chwn(xp, x, pads), ksize, stride, dilation, out):
            gtile = gt[:, r, c, :].reshape(O, -1)
            part = cols @ gtile.T if transposed else gtile @ cols.T
            gw = part if gw is None else xp.add(gw, part, out=gw)
        if gw is None:  # no tiles: an empty batch contributes a zero gradient
            gw = xp.zeros(w.shape, dtype=w.dtype)
        else:  # C-contiguous: the optimizer's ops on it stay fast
            gw = (xp.ascontiguousarray(gw.T) if transposed else gw).reshape(w.shape)
    if need[2]:
        gb = g.sum((0, 2, 3))
    if need[0]:
        gx = _input_grad(xp, g, x, w, stride, pads, dilation)
    return gx, gw, gb


def _input_grad(xp, g, x, w, stride, pads, dilation):
    """dx. With stride 1 and padding p <= d*(k-1) it is itself a convolution:
    dx = conv(g, W^T with taps reversed, padding d*(k-1) - p), each input pixel
    gathering the outputs its taps reached. Its columns have O*K rows where
    col2im(W^T @ g) moves C*K, and it copies the flipped weight once: it is
    taken when O <= C and the columns are long next to the weight (measured:
    LeNet's 6 -> 16 conv is 1.5x slower as a convolution, ResNet's 512-channel
    conv on 1x1 maps 2.4x slower)."""
    N, C, H, W = x.shape
    O, ksize, out = w.shape[0], w.shape[2:], g.shape[2:]
    reach = [d * (k - 1) for k, d in zip(ksize, dilation)]
    if O <= C and N * H * W >= 16 * O and all(s == 1 for s in stride) and all(max(p) <= e for p, e in zip(pads, reach)):
        wt = w.transpose(1, 0, 2, 3)[:, :, ::-1, ::-1]
        gpads = tuple((e - lo, e - hi) for (lo, hi), e in zip(pads, reach))
        return forward(xp, g, wt, None, stride, gpads, dilation, (H, W))
    gm = xp.ascontiguousarray(g.transpose(1, 2, 3, 0)).reshape(O, -1)
    dcols = (w.reshape(O, -1).T @ gm).reshape(C, ksize[0], ksize[1], out[0], out[1], N)
    (pt, pb), (pl, pr) = pads
    res = xp.zeros((C, H + pt + pb, W + pl + pr, N), dtype=x.dtype)
    (s1, s2), (d1, d2) = stride, dilation
    for i in range(ksize[0]):
        rows = slice(i * d1, i * d1 + s1 * (out[0] - 1) + 1, s1)
        for j in range(ksize[1]):
            res[:, rows, j * d2 : j * d2 + s2 * (out[1] - 1) + 1 : s2, :] += dcols[:, i, j]
    return xp.ascontiguousarray(res[:, pt : pt + H, pl : pl + W, :].transpose(3, 0, 1, 2))
