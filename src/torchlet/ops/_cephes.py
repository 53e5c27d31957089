"""The float32 Box-Muller that PyTorch's CPU normal_ runs: avx_mathfun.h's
log256_ps / sincos256_ps (Cephes polynomials) as compiled, where the build
fuses each multiply that feeds an add into one fused multiply-add (FMA).

NumPy has no FMA, so values are carried in float64 arrays that always hold
float32 numbers: a product of two float32 numbers is exact in float64, so
a * b + c rounded to float64 and then to float32 is the FMA's single rounding,
except when the float64 sum lands exactly halfway between two float32
numbers without being exact. Such ties are found and nudged toward the exact
sum (TwoSum error). Plain float32 operations round to float32 after each step.
Work runs in cache-sized chunks with preallocated buffers.
"""
import numpy as np

_F32 = np.float32
_F64 = np.float64
_LOW29 = np.uint64((1 << 29) - 1)
_HALF29 = np.uint64(1 << 28)
_CHUNK = 1 << 15


class _Work:
    """Scratch buffers for one chunk (n elements)."""

    def __init__(self, n):
        self.f32 = np.empty(n, _F32)
        self.u64 = np.empty(n, np.uint64)
        self.mask = np.empty(n, bool)
        self.f64 = np.empty(n, _F64)
        self.s64 = np.empty(n, _F64)

    def round(self, x):
        """x (float64) := float32(x), in place."""
        f = self.f32[:x.size]
        np.copyto(f, x, casting="unsafe")
        np.copyto(x, f)
        return x

    def fma(self, a, b, c, out):
        """out := fl32(a * b + c); a, b, c float64 arrays or floats holding float32 values
        (out may be one of them)."""
        n = out.size
        t, s = self.f64[:n], self.s64[:n]
        np.multiply(a, b, out=t)  # exact
        np.add(t, c, out=s)
        m = self.mask[:n]
        np.bitwise_and(s.view(np.uint64), _LOW29, out=self.u64[:n])
        np.equal(self.u64[:n], _HALF29, out=m)
        if m.any():  # a float32 tie after one float64 rounding: nudge toward the exact sum
            idx = np.nonzero(m)[0]
            p, si = t[idx], s[idx]
            ci = np.broadcast_to(np.asarray(c, _F64), s.shape)[idx]
            bb = si - p
            err = (p - (si - bb)) + (ci - bb)
            s[idx] = np.where(err > 0, np.nextafter(si, np.inf),
                              np.where(err < 0, np.nextafter(si, -np.inf), si))
        f = self.f32[:n]
        np.copyto(f, s, casting="unsafe")
        np.copyto(out, f)
        return out


def _f(v):
    return float(_F32(v))


_MIN_NORM = float(np.finfo(_F32).tiny)
_SQRTHF = _f(0.707106781186547524)
_LOG_P = [_f(v) for v in (7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1,
                          1.4249322787e-1, -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1,
                          3.3333331174e-1)]
_LOG_Q1 = _f(-2.12194440e-4)
_LOG_Q2 = _f(0.693359375)


def _log(x32, w):
    """log256_ps of positive float32 values, returned as float64 holding float32."""
    x32 = np.maximum(x32, _F32(_MIN_NORM))
    bits = x32.view(np.uint32)
    e = ((bits >> np.uint32(23)).astype(np.int32) - 126).astype(_F64)
    m = ((bits & np.uint32(0x807FFFFF)) | np.uint32(0x3F000000)).view(_F32).astype(_F64)
    small = m < _SQRTHF
    e -= small
    x = m - 1.0  # exact: m in [0.5, 1)
    x += np.where(small, m, 0.0)
    w.round(x)
    z = w.round(x * x)
    y = np.full_like(x, _LOG_P[0])
    for c in _LOG_P[1:]:
        w.fma(y, x, c, y)
    w.round(np.multiply(y, x, out=y))
    eq1 = w.round(e * _LOG_Q1)
    w.fma(y, z, eq1, y)
    w.fma(z, -0.5, y, y)
    w.round(np.add(x, y, out=x))
    return w.fma(e, _LOG_Q2, x, x)


_FOPI = _f(1.27323954473516)
_DP = [_f(v) for v in (-0.78515625, -2.4187564849853515625e-4, -3.77489497744594108e-8)]
_COS_P = [_f(v) for v in (2.443315711809948e-5, -1.388731625493765e-3, 4.166664568298827e-2)]
_SIN_P = [_f(v) for v in (-1.9515295891e-4, 8.3321608736e-3, -1.6666654611e-1)]


def _sincos(x, w):
    """sincos256_ps of non-negative float64-held float32 x: (sin, cos), float64."""
    j = w.round(x * _FOPI).astype(np.int32)  # truncation, as cvttps
    j += 1
    j &= ~1
    y = j.astype(_F64)
    neg_sin = (j & 4) != 0
    poly = (j & 2) == 0
    neg_cos = (~(j - 2) & 4) != 0
    x = x.copy()
    for d in _DP:
        w.fma(y, d, x, x)
    z = w.round(x * x)
    half_z = -w.round(z * 0.5)
    yc = np.full_like(x, _COS_P[0])
    w.fma(yc, z, _COS_P[1], yc)
    w.fma(yc, z, _COS_P[2], yc)
    w.round(np.multiply(yc, z, out=yc))
    w.fma(yc, z, half_z, yc)
    w.round(np.add(yc, 1.0, out=yc))
    ys = np.full_like(x, _SIN_P[0])
    w.fma(ys, z, _SIN_P[1], ys)
    w.fma(ys, z, _SIN_P[2], ys)
    w.round(np.multiply(ys, z, out=ys))
    w.fma(ys, x, x, ys)
    s = np.where(poly, ys, yc)
    c = np.where(poly, yc, ys)
    np.negative(s, out=s, where=neg_sin)
    np.negative(c, out=c, where=neg_cos)
    return s, c


def box_muller_float(u, mean=0.0, std=1.0):
    """normal_fill_16 over float32 uniforms u (length a multiple of 16): for every block
    of 16, the pairs (j, j + 8) become radius * cos(theta), radius * sin(theta) with
    radius = sqrt(-2 log(1 - u_j)) and theta = 2 pi u_(j+8), then fma(n, std, mean)."""
    b = u.reshape(-1, 2, 8)
    u1 = np.ascontiguousarray(b[:, 0]).reshape(-1)
    u2 = np.ascontiguousarray(b[:, 1]).reshape(-1)
    out = np.empty((b.shape[0], 2, 8), _F32)
    o1, o2 = out[:, 0].reshape(-1), out[:, 1].reshape(-1)
    r1, r2 = np.empty(u1.size, _F32), np.empty(u1.size, _F32)
    w = _Work(min(_CHUNK, u1.size))
    two_pi = _f(2.0 * np.pi)
    for i in range(0, u1.size, _CHUNK):
        sl = slice(i, i + _CHUNK)
        radius = _log(_F32(1.0) - u1[sl], w)
        w.round(np.multiply(radius, -2.0, out=radius))
        w.round(np.sqrt(radius, out=radius))
        theta = w.round(np.multiply(u2[sl], two_pi, dtype=_F64))
        s, c = _sincos(theta, w)
        n1 = w.round(np.multiply(radius, c, out=c))
        n2 = w.round(np.multiply(radius, s, out=s))
        if (mean, std) != (0.0, 1.0):
            w.fma(n1, _f(std), _f(mean), n1)
            w.fma(n2, _f(std), _f(mean), n2)
        r1[sl] = n1
        r2[sl] = n2
    out[:, 0] = r1.reshape(-1, 8)
    out[:, 1] = r2.reshape(-1, 8)
    return out.reshape(-1)


def fma32(a, b, c):
    """a * b + c with one float32 rounding, for float32 arrays / scalars."""
    shape = np.broadcast_shapes(np.shape(a), np.shape(b), np.shape(c))
    flat = [np.broadcast_to(np.asarray(v, _F64), shape).reshape(-1) for v in (a, b, c)]
    out = np.empty(flat[0].size, _F64)
    _Work(out.size).fma(*flat, out)
    return out.astype(_F32).reshape(shape)
