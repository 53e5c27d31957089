"""The float32 Box-Muller that PyTorch's CPU normal_ runs: avx_mathfun.h's
log256_ps / sincos256_ps (Cephes polynomials) as compiled, where the build
fuses each multiply that feeds an add into one fused multiply-add (FMA).

Values live in float32 arrays and every plain operation is a float32 NumPy
operation (IEEE, so the same rounding). NumPy has no FMA: a * b + c is formed
in float64, where the product of two float32 numbers is exact, and rounded
once more to float32. Those two roundings equal the FMA's single one except
when the float64 sum lands exactly halfway between two float32 numbers
without being exact; such ties are found and nudged toward the exact sum
(TwoSum error), so the result is the FMA's. An FMA whose product is exact in
float32 (a small integer times a constant with few significant bits) is a
plain float32 add.

Work runs in cache-sized chunks on preallocated buffers: allocating fresh
arrays for every step costs more than the arithmetic.
"""
import numpy as np

_F32 = np.float32
_F64 = np.float64
_LOW29 = np.uint64((1 << 29) - 1)
_HALF29 = np.uint64(1 << 28)
_CHUNK = 1 << 14


class _Buffers:
    """Scratch arrays for chunks of up to n elements."""

    def __init__(self, n):
        f32 = lambda: np.empty(n, _F32)  # noqa: E731
        self.t = np.empty(n, _F64)
        self.bits = np.empty(n, np.uint64)
        self.mask = np.empty(n, bool)
        self.x64, self.z64 = np.empty(n, _F64), np.empty(n, _F64)
        (self.x, self.z, self.y, self.e, self.tmp, self.yc, self.ys, self.u1, self.u2,
         self.r) = (f32() for _ in range(10))
        self.i = np.empty(n, np.int32)
        self.small, self.flag = np.empty(n, bool), np.empty(n, bool)

    def fma(self, a, b, c, out):
        """out := fl32(a * b + c) with one rounding; b a float64 array or a float."""
        n = out.size
        t = self.t[:n]
        np.multiply(a, b, out=t, dtype=_F64)  # exact
        np.add(t, c, out=t, dtype=_F64)
        bits, m = self.bits[:n], self.mask[:n]
        np.bitwise_and(t.view(np.uint64), _LOW29, out=bits)
        np.equal(bits, _HALF29, out=m)
        if m.any():  # a float32 tie after the float64 rounding: nudge toward the exact sum
            idx = np.nonzero(m)[0]
            p = np.multiply(np.broadcast_to(a, (n,))[idx], np.broadcast_to(b, (n,))[idx], dtype=_F64)
            ci = np.broadcast_to(np.asarray(c, _F64), (n,))[idx]
            s = t[idx]
            bb = s - p
            err = (p - (s - bb)) + (ci - bb)
            t[idx] = np.where(err > 0, np.nextafter(s, np.inf),
                              np.where(err < 0, np.nextafter(s, -np.inf), s))
        np.copyto(out, t, casting="unsafe")
        return out


def _f(v):
    return _F32(v)


_MIN_NORM = np.finfo(_F32).tiny
_SQRTHF = _f(0.707106781186547524)
_LOG_P = [float(_f(v)) for v in (7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1,
                                 -1.2420140846e-1, 1.4249322787e-1, -1.6668057665e-1,
                                 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1)]
_LOG_Q1 = _f(-2.12194440e-4)
_LOG_Q2 = _f(0.693359375)  # 9 significant bits: e * Q2 is exact in float32


def _log(u, w, n):
    """log256_ps of positive float32 u (n of them) into w.y."""
    x, z, y, e, tmp = w.x[:n], w.z[:n], w.y[:n], w.e[:n], w.tmp[:n]
    x64, small = w.x64[:n], w.small[:n]
    np.maximum(u, _MIN_NORM, out=x)
    bits = x.view(np.uint32)
    ib = w.i[:n].view(np.uint32)
    np.right_shift(bits, np.uint32(23), out=ib)
    np.subtract(w.i[:n], 126, out=w.i[:n])  # exponent + 1
    np.copyto(e, w.i[:n], casting="unsafe")
    np.bitwise_and(bits, np.uint32(0x807FFFFF), out=ib)
    np.bitwise_or(ib, np.uint32(0x3F000000), out=ib)  # mantissa in [0.5, 1)
    m = ib.view(_F32)
    np.less(m, _SQRTHF, out=small)
    np.copyto(tmp, small)
    np.subtract(e, tmp, out=e)
    np.multiply(tmp, m, out=tmp)  # m where small, else 0 (`where=` ufuncs are slow)
    np.subtract(m, _F32(1), out=x)
    np.add(x, tmp, out=x)
    np.multiply(x, x, out=z)
    np.copyto(x64, x)
    w.fma(x64, _LOG_P[0], _LOG_P[1], y)
    for c in _LOG_P[2:]:
        w.fma(y, x64, c, y)
    np.multiply(y, x, out=y)
    np.multiply(e, _LOG_Q1, out=tmp)
    np.copyto(w.z64[:n], z)
    w.fma(y, w.z64[:n], tmp, y)
    np.multiply(z, _F32(0.5), out=tmp)  # fma(z, -0.5, y): the product is exact
    np.subtract(y, tmp, out=y)
    np.add(x, y, out=x)
    np.multiply(e, _LOG_Q2, out=tmp)  # fma(e, Q2, x): exact product
    np.add(x, tmp, out=y)
    return y


_FOPI = _f(1.27323954473516)
_DP1 = _f(-0.78515625)  # 8 significant bits
_DP2 = _f(-2.4187564849853515625e-4)  # 11 significant bits
_DP3 = float(_f(-3.77489497744594108e-8))
_COS_P = [float(_f(v)) for v in (2.443315711809948e-5, -1.388731625493765e-3, 4.166664568298827e-2)]
_SIN_P = [float(_f(v)) for v in (-1.9515295891e-4, 8.3321608736e-3, -1.6666654611e-1)]


def _sincos(theta, w, n):
    """sincos256_ps of non-negative float32 theta into (w.ys, w.yc) as (sin, cos)."""
    x, z, yc, ys, tmp, y = w.x[:n], w.z[:n], w.yc[:n], w.ys[:n], w.tmp[:n], w.y[:n]
    x64, z64, j = w.x64[:n], w.z64[:n], w.i[:n]
    np.multiply(theta, _FOPI, out=tmp)
    np.copyto(j, tmp, casting="unsafe")  # truncation, as cvttps
    np.add(j, 1, out=j)
    np.bitwise_and(j, ~1, out=j)
    np.copyto(y, j, casting="unsafe")
    # range reduction: y is a small integer, so y * DP1 and y * DP2 are exact in float32
    np.multiply(y, _DP1, out=tmp)
    np.add(theta, tmp, out=x)
    np.multiply(y, _DP2, out=tmp)
    np.add(x, tmp, out=x)
    w.fma(y, _DP3, x, x)
    np.multiply(x, x, out=z)
    np.copyto(z64, z)
    np.copyto(x64, x)
    w.fma(z64, _COS_P[0], _COS_P[1], yc)
    w.fma(yc, z64, _COS_P[2], yc)
    np.multiply(yc, z, out=yc)
    np.multiply(z, _F32(-0.5), out=tmp)
    w.fma(yc, z64, tmp, yc)
    np.add(yc, _F32(1), out=yc)
    w.fma(z64, _SIN_P[0], _SIN_P[1], ys)
    w.fma(ys, z64, _SIN_P[2], ys)
    np.multiply(ys, z, out=ys)
    w.fma(ys, x64, x, ys)
    # polynomial choice and signs from the octant j
    poly = w.small[:n]
    np.equal(np.bitwise_and(j, 2), 0, out=poly)
    sin = np.where(poly, ys, yc)
    cos = np.where(poly, yc, ys)
    # signs: flip the sign bit of sin where j & 4, of cos where (j - 2) & 4 == 0
    sign = np.left_shift(np.bitwise_and(j, 4).view(np.uint32), np.uint32(29))
    np.bitwise_xor(sin.view(np.uint32), sign, out=sin.view(np.uint32))
    np.subtract(j, 2, out=j)
    np.bitwise_and(j, 4, out=j)
    np.bitwise_xor(j, 4, out=j)
    np.left_shift(j.view(np.uint32), np.uint32(29), out=sign)
    np.bitwise_xor(cos.view(np.uint32), sign, out=cos.view(np.uint32))
    return sin, cos


def box_muller_float(u, mean=0.0, std=1.0):
    """normal_fill_16 over float32 uniforms u (length a multiple of 16): for every block
    of 16, the pairs (j, j + 8) become radius * cos(theta), radius * sin(theta) with
    radius = sqrt(-2 log(1 - u_j)) and theta = 2 pi u_(j+8), then fma(n, std, mean)."""
    b = u.reshape(-1, 2, 8)
    out = np.empty(b.shape, _F32)
    per = _CHUNK // 8  # blocks per chunk
    w = _Buffers(min(_CHUNK, 8 * b.shape[0]))
    two_pi = _F32(2.0 * np.pi)
    affine = (mean, std) != (0.0, 1.0)
    fstd, fmean = float(_F32(std)), float(_F32(mean))
    for i in range(0, b.shape[0], per):
        blk = b[i:i + per]
        n = 8 * blk.shape[0]
        one_minus, theta, radius = w.u1[:n], w.u2[:n], w.r[:n]
        np.subtract(_F32(1), blk[:, 0], out=one_minus.reshape(-1, 8))
        np.multiply(blk[:, 1], two_pi, out=theta.reshape(-1, 8))
        np.multiply(_log(one_minus, w, n), _F32(-2), out=radius)
        np.sqrt(radius, out=radius)
        s, c = _sincos(theta, w, n)
        np.multiply(radius, c, out=c)
        np.multiply(radius, s, out=s)
        if affine:
            w.fma(c, fstd, fmean, c)
            w.fma(s, fstd, fmean, s)
        out[i:i + per, 0] = c.reshape(-1, 8)
        out[i:i + per, 1] = s.reshape(-1, 8)
    return out.reshape(-1)


def fma32(a, b, c):
    """a * b + c with one float32 rounding, for float32 arrays / scalars."""
    shape = np.broadcast_shapes(np.shape(a), np.shape(b), np.shape(c))
    flat = [np.ascontiguousarray(np.broadcast_to(np.asarray(v, _F32), shape)).reshape(-1)
            for v in (a, b, c)]
    out = np.empty(flat[0].size, _F32)
    _Buffers(out.size).fma(flat[0], flat[1].astype(_F64), flat[2], out)
    return out.reshape(shape)
