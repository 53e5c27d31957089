"""2-d convolution (groups=1) on CuPy arrays: im2col and col2im as one kernel each around
cuBLAS products (the CUDA path of _conv_chwn.py's entry points).

On the GPU the cost of a convolution is the host's: every CuPy call is ~12 us of Python and
driver time, and the batch-last form of _conv_chwn.py made ~7 calls forward and ~20 backward
(padded copies, strided tap adds). Here, with cols[(c, i, j), (n, o1, o2)] the input pixel
x[n, c, o1*s1 - p1 + i*d1, o2*s2 - p2 + j*d2] (0 outside the image):

    forward    cols = im2col(x)                    one kernel
               y (O, N*L) = W (O, C*K) @ cols      cuBLAS
               out (N, O, L) = y^T per sample + b  one copy
    backward   gT (O, N*L) = g^T per sample        one copy
               dW = gT @ cols^T                    cuBLAS (cols made again: one kernel)
               dcols = W^T @ gT                    cuBLAS
               dx = col2im(dcols)                  one kernel: each input pixel sums the
                                                   columns that read it (no atomics, so the
                                                   sums are deterministic)
               db = sum of g over (n, o1, o2)      one reduction

CuPy compiles each kernel once per dtype (NVRTC) and caches it; it is imported on first use."""

import functools

_GEOMETRY = "int64 N, int64 C, int64 H, int64 W, int64 kh, int64 kw, int64 OH, int64 OW, int64 s1, int64 s2, "
_GEOMETRY += "int64 p1, int64 p2, int64 d1, int64 d2"


@functools.cache
def _kernels():
    import cupy

    im2col = cupy.ElementwiseKernel(
        "raw T x, " + _GEOMETRY,
        "T col",
        """
        long long t = i;
        const long long o2 = t % OW; t /= OW;
        const long long o1 = t % OH; t /= OH;
        const long long n = t % N; t /= N;
        const long long j = t % kw; t /= kw;
        const long long k = t % kh;
        const long long c = t / kh;
        const long long h = o1 * s1 - p1 + k * d1, w = o2 * s2 - p2 + j * d2;
        col = (h >= 0 && h < H && w >= 0 && w < W) ? x[((n * C + c) * H + h) * W + w] : (T)0;
        """,
        "torchlet_im2col",
    )
    col2im = cupy.ElementwiseKernel(
        "raw T cols, " + _GEOMETRY,
        "T dx",
        """
        long long t = i;
        const long long w = t % W; t /= W;
        const long long h = t % H; t /= H;
        const long long c = t % C;
        const long long n = t / C;
        T acc = 0;
        for (long long k = 0; k < kh; k++) {
            const long long hh = h + p1 - k * d1;
            if (hh < 0 || hh % s1 != 0 || hh / s1 >= OH) continue;
            for (long long j = 0; j < kw; j++) {
                const long long ww = w + p2 - j * d2;
                if (ww < 0 || ww % s2 != 0 || ww / s2 >= OW) continue;
                acc += cols[(((c * kh + k) * kw + j) * N + n) * OH * OW + (hh / s1) * OW + ww / s2];
            }
        }
        dx = acc;
        """,
        "torchlet_col2im",
    )
    return im2col, col2im


def _geometry(x, w, stride, pads, dilation, out):
    N, C, H, W = x.shape
    (p1, _), (p2, _) = pads
    return (N, C, H, W, w.shape[2], w.shape[3], out[0], out[1], stride[0], stride[1], p1, p2) + tuple(dilation)


def _columns(x, w, geometry):
    import cupy

    N, C, _, _, kh, kw, OH, OW = geometry[:8]
    cols = cupy.empty((C * kh * kw, N * OH * OW), dtype=x.dtype)
    _kernels()[0](x, *geometry, cols)
    return cols


def forward(x, w, b, stride, pads, dilation, out):
    """conv2d(x, w) + b for C-contiguous CuPy arrays x (N, C, H, W), w (O, C, kh, kw)."""
    import cupy

    geometry = _geometry(x, w, stride, pads, dilation, out)
    N, O = x.shape[0], w.shape[0]
    y = w.reshape(O, -1) @ _columns(x, w, geometry)  # (O, N * L)
    res = cupy.empty((N, O) + tuple(out), dtype=x.dtype)
    per_sample = y.reshape(O, N, -1).transpose(1, 0, 2)
    if b is None:
        cupy.copyto(res.reshape(N, O, -1), per_sample)
    else:
        cupy.add(per_sample, b.reshape(1, O, 1), out=res.reshape(N, O, -1))
    return res


def backward(g, x, w, stride, pads, dilation, need):
    """(dx, dW, db) for output gradient g (N, O, OH, OW); entries of `need` False give None."""
    import cupy

    N, O = g.shape[:2]
    geometry = _geometry(x, w, stride, pads, dilation, g.shape[2:])
    gT = cupy.ascontiguousarray(g.reshape(N, O, -1).transpose(1, 0, 2)).reshape(O, -1)  # (O, N * L)
    wm = w.reshape(O, -1)
    gx = gw = gb = None
    if need[1]:
        gw = (gT @ _columns(x, w, geometry).T).reshape(w.shape)
    if need[2]:
        gb = gT.sum(axis=1)
    if need[0]:
        gx = cupy.empty(x.shape, dtype=x.dtype)
        _kernels()[1](wm.T @ gT, *geometry, gx)
    return gx, gw, gb
