"""Per-dimension weights of interpolate's bicubic and antialiased modes.

interpolate is separable: along each resized dim, output j is a weighted sum
of a few input positions, out[j] = sum_k w_k[j] * x[i_k[j]]. These functions
return the index arrays i_k and weight arrays w_k, built on the input's device
(`xp`, its array namespace) in its float type with PyTorch's CPU kernels' arithmetic (the sums then run in tap
order, as its kernels do).

bicubic (Keys' cubic convolution, A = -0.75), 4 taps at floor(s) - 1 .. floor(s) + 2,
clamped to the border, with s = scale (j + 0.5) - 0.5 (not clamped at 0) or
scale j with align_corners, t = s - floor(s):
  W1(x) = ((A + 2) x - (A + 3)) x^2 + 1            for |x| <= 1
  W2(x) = ((A x - 5A) x + 8A) x - 4A               for 1 < |x| < 2
  w = W2(t + 1), W1(t), W1(1 - t), W2(2 - t)

antialias (bilinear: triangle filter, support 1; bicubic: cubic with A = -0.5,
support 2; lanczos: sinc(x) sinc(x/3), support 3): when shrinking by `scale` > 1 the filter is stretched by scale,
so every input pixel under it contributes (a box-filtered, alias-free
result); each output's weights are normalised to sum to 1:
  center = scale (j + 0.5),  support' = support * max(scale, 1)
  taps i in [trunc(center - support' + 0.5), trunc(center + support' + 0.5)) within the input
  w_i = filter((i - center + 0.5) / max(scale, 1)) / sum
"""

import math

import numpy as np  # dtypes only: the arrays are built with the input's namespace xp

__all__ = []


def _scale(n_in, n_out, scale, align_corners, dt):
    """PyTorch's area_pixel_compute_scale in the op's float type."""
    if align_corners:
        return dt.type(dt.type(n_in - 1) / dt.type(n_out - 1)) if n_out > 1 else dt.type(0)
    if scale is not None and scale > 0:
        return dt.type(1.0 / scale)
    return dt.type(dt.type(n_in) / dt.type(n_out))


def _cubic1(x, a):
    return ((a + 2) * x - (a + 3)) * x * x + 1


def _cubic2(x, a):
    return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a


def cubic_map(xp, n_in, n_out, scale, align_corners, dt):
    """(indices, weights) of bicubic interpolation along one dim: 4 taps."""
    s = _scale(n_in, n_out, scale, align_corners, dt)
    j = xp.arange(n_out).astype(dt)
    real = s * j if align_corners else s * (j + dt.type(0.5)) - dt.type(0.5)
    real = real.astype(dt)
    base = xp.minimum(xp.floor(real).astype(xp.int64), n_in - 1)
    t = xp.clip(real - base.astype(dt), 0, 1).astype(dt)
    a = dt.type(-0.75)
    one = dt.type(1)
    weights = [_cubic2(t + one, a), _cubic1(t, a), _cubic1(one - t, a), _cubic2((one - t) + one, a)]
    idx = [xp.clip(base - 1 + k, 0, n_in - 1) for k in range(4)]
    return idx, [w.astype(dt) for w in weights]


def _triangle(xp, x):
    x = xp.abs(x)
    return xp.where(x < 1, 1 - x, 0).astype(x.dtype)


def _keys_half(xp, x):
    """The cubic filter with A = -0.5 (PIL's bicubic), antialias's kernel."""
    x = xp.abs(x)
    a = x.dtype.type(-0.5)
    return xp.where(x < 1, _cubic1(x, a), xp.where(x < 2, _cubic2(x, a), 0)).astype(x.dtype)


def _lanczos3(xp, x):
    """sinc(x) sinc(x / 3) on |x| < 3 (PIL's LANCZOS)."""
    x = xp.abs(x)
    px = math.pi * x.astype(xp.float64)
    safe = xp.where(px == 0, 1, px)
    sinc = xp.where(px == 0, 1, xp.sin(safe) / safe)
    sinc3 = xp.where(px == 0, 1, xp.sin(safe / 3) / (safe / 3))
    return xp.where(x < 3, sinc * sinc3, 0).astype(x.dtype)


_FILTERS = {"bilinear": (2, _triangle), "bicubic": (4, _keys_half), "lanczos": (6, _lanczos3)}


def aa_map(xp, n_in, n_out, scale, align_corners, dt, mode, antialias=True):
    """(indices, weights) of antialiased bilinear/bicubic resampling along one dim;
    outputs with fewer taps than the widest get zero weights (on a clamped index).
    antialias=False: the unstretched triangle filter (uint8 bilinear's weights)."""
    size, filt = _FILTERS[mode]
    s = _scale(n_in, n_out, scale, align_corners, dt)
    wide = s >= 1 and antialias
    support = dt.type(size * 0.5 * float(s)) if wide else dt.type(size * 0.5)
    invscale = dt.type(1.0 / float(s)) if wide else dt.type(1.0)
    max_taps = int(math.ceil(float(support))) * 2 + 1
    j = xp.arange(n_out, dtype=xp.float64)
    delta = 0.5 if align_corners and not antialias else 0.0
    center = (float(s) * (j + 0.5 - delta) + delta).astype(dt)
    lo = xp.maximum((center - support + 0.5).astype(xp.float64).astype(xp.int64), 0)
    hi = xp.minimum((center + support + 0.5).astype(xp.float64).astype(xp.int64), n_in)
    count = xp.clip(hi - lo, 0, max_taps)
    k = xp.arange(max_taps)
    pos = lo[:, None] + k[None, :]  # (n_out, taps)
    live = k[None, :] < count[:, None]
    arg = ((pos.astype(dt) - center[:, None]).astype(xp.float64) + 0.5) * float(invscale)
    w = xp.where(live, filt(xp, arg.astype(dt)), 0).astype(dt)
    total = xp.zeros(n_out, dtype=dt)
    for c in range(max_taps):  # the kernel's running sum, in order
        total = (total + w[:, c]).astype(dt)
    safe = xp.where(total != 0, total, 1).astype(dt)
    w = xp.where(total[:, None] != 0, w / safe[:, None], w).astype(dt)
    idx = xp.minimum(pos, n_in - 1)
    return [idx[:, c] for c in range(max_taps)], [w[:, c] for c in range(max_taps)]


def uint8_resize(xp, x, out, scales, align_corners, mode, antialias):
    """PyTorch's uint8 bilinear / bicubic / lanczos resize (Pillow's fixed-point algorithm):
    per resized dim, last dim first, the double weights (antialias: aa_map; bilinear: the
    unstretched triangle; bicubic: cubic_map with taps on the same clamped pixel merged)
    are scaled to int16 with the most precision bits p that keep the largest below 2^15,
    and out = clamp((sum x w + 2^(p-1)) >> p, 0, 255), rounded to uint8 after each dim."""
    f64 = np.dtype(np.float64)
    y = x
    for k in range(len(out) - 1, -1, -1):
        d = y.ndim - len(out) + k
        n_in, n_out = y.shape[d], out[k]
        if n_in == n_out:
            continue
        if mode == "bicubic" and not antialias:
            idx, wts = cubic_map(xp, n_in, n_out, scales[k], align_corners, f64)
        else:
            idx, wts = aa_map(xp, n_in, n_out, scales[k], align_corners, f64, mode, antialias)
        m = xp.zeros((n_out, n_in))
        rows = xp.arange(n_out)
        for i, w in zip(idx, wts):
            xp.add.at(m, (rows, i), w)
        top = m.max()
        p = 0
        while p < 22 and int(0.5 + top * (1 << (p + 1))) < (1 << 15):
            p += 1
        q = xp.trunc(m * (1 << p) + xp.where(m < 0, -0.5, 0.5)).astype(xp.int64).T
        acc = xp.matmul(xp.moveaxis(y, d, -1).astype(xp.int64), q)
        y = xp.moveaxis(xp.clip((acc + (1 << (p - 1))) >> p, 0, 255).astype(xp.uint8), -1, d)
    return xp.ascontiguousarray(y) if y is not x else x.copy()
