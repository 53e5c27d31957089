"""2-d max pool on float32/float64 CuPy arrays as one kernel (pooling.py's CUDA path): every
output scans its window's real pixels in PyTorch's order, keeping the first of equal maxima and
letting a NaN replace the best (`v > best || isnan(v)`, PyTorch's kernels' test), and records the flat
input position h * W + w of the one it kept. The tap-by-tap form of pooling.py made ~3 CuPy
calls a tap and read the NaN test back to the host (a synchronisation): ~0.5 ms of host time
for ResNet-18's 3x3/2 stem pool, which the GPU runs in microseconds. CuPy is imported on first
use only."""

import functools


@functools.cache
def _kernel():
    import cupy

    return cupy.ElementwiseKernel(
        "raw T x, int64 H, int64 W, int64 OH, int64 OW, int64 kh, int64 kw, int64 s1, int64 s2, "
        "int64 p1, int64 p2, int64 d1, int64 d2",
        "T y, int64 idx",
        """
        const long long ow = i % OW, oh = (i / OW) % OH, plane = i / (OW * OH);
        const long long h0 = oh * s1 - p1, w0 = ow * s2 - p2;
        T best = 0;
        long long at = -1;
        for (long long a = 0; a < kh; a++) {
            const long long h = h0 + a * d1;
            if (h < 0 || h >= H) continue;
            for (long long b = 0; b < kw; b++) {
                const long long w = w0 + b * d2;
                if (w < 0 || w >= W) continue;
                const T v = x[(plane * H + h) * W + w];
                if (at < 0 || v > best || isnan(v)) {
                    best = v;
                    at = h * W + w;
                }
            }
        }
        y = best;
        idx = at;
        """,
        "torchlet_max_pool2d",
    )


def max_pool2d(X, k, s, d, pads, out):
    """(values, flat input positions) of a 2-d max pool of C-contiguous CuPy array X (N, C, H, W)."""
    import cupy

    N, C, H, W = X.shape
    vals = cupy.empty((N, C) + tuple(out), dtype=X.dtype)
    idx = cupy.empty((N, C) + tuple(out), dtype=cupy.int64)
    (p1, _), (p2, _) = pads
    _kernel()(X, H, W, out[0], out[1], k[0], k[1], s[0], s[1], p1, p2, d[0], d[1], vals, idx)
    return vals, idx
