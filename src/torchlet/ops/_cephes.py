"""The float32 Box-Muller that PyTorch's CPU normal_ runs: avx_mathfun.h's
log256_ps / sincos256_ps (Cephes polynomials) as compiled, where the build
fuses each multiply that feeds an add into one fused multiply-add (FMA), and
normal_fill_16's last fmadd(n, std, mean).

Every float32 value here is the one PyTorch computes, bit for bit. Plain
float32 operations are NumPy float32 operations (IEEE, the same rounding).
NumPy has no FMA, so fl32(a * b + c) is formed in float64, where the product
of two float32 numbers is exact:

* Where the float64 sum a * b + c is exact too, casting it to float32 is the
  FMA's single rounding. That is proved per site below from the inputs'
  domain: every float uniform is k * 2**-24 (k < 2**24), so log's argument
  1 - u is j * 2**-24, and the reduced sine argument is a fixed-point number.
* Where the result stays inside one binade [2**e, 2**(e+1)) for every input,
  adding M = 1.5 * 2**(e + 29) puts the sum where float64's spacing is float32's
  spacing at 2**e, so p + (c + M) rounds once, to the float32 result (ties to
  even), and subtracting M is exact. The sine / cosine polynomials use this.
* Elsewhere (three sites) the float64 sum can round; its float32 cast then
  differs from the FMA only when the float64 sum lies exactly halfway between
  two float32 numbers. `fma32` (general inputs) tests for that and nudges such
  a sum one float64 step toward the exact value (TwoSum error). Box-Muller's
  three sites do not need to: over their whole input domain no such tie
  changes a result, which tests/test_random_normal_exhaustive.py proves by
  running every one of the 2**24 uniforms against PyTorch's own kernel
  (through crafted generator states). Change this kernel and that test is the
  proof to rerun.

Work runs in chunks on preallocated buffers; each NumPy call covers a whole
chunk with one dtype, as mixed-dtype ufunc calls are several times slower.
"""

import threading

import numpy as np

_F32 = np.float32
_F64 = np.float64
_LOW29 = np.uint64((1 << 29) - 1)
_HALF29 = np.uint64(1 << 28)
_CHUNK = 1 << 15  # pairs per chunk
_V32 = np.dtype((np.void, 32))  # 8 float32


def _round_fma(t, a, b, c, out, bits=None, tie=None):
    """out := float32(t) for t = fl64(a * b + c) (1-D float64, a * b exact), rounded as
    one FMA: a t exactly halfway between two float32 numbers moves toward the exact sum.
    a, b, c: 1-D float64 arrays of t's size, or scalars; bits / tie: scratch (uint64 /
    bool of t's size)."""
    bits = np.bitwise_and(t.view(np.uint64), _LOW29, out=bits)
    tie = np.equal(bits, _HALF29, out=tie)
    if tie.any():
        idx = np.flatnonzero(tie)
        pick = lambda v: v[idx] if np.ndim(v) else v
        p = pick(a) * pick(b)
        ci = pick(c)
        s = t[idx]
        bb = s - p
        err = (p - (s - bb)) + (ci - bb)  # p + c = s + err exactly
        t[idx] = np.where(err > 0, np.nextafter(s, np.inf), np.where(err < 0, np.nextafter(s, -np.inf), s))
    np.copyto(out, t, casting="unsafe")
    return out


def fma32(a, b, c):
    """a * b + c with one float32 rounding, for float32 arrays / scalars."""
    shape = np.broadcast_shapes(np.shape(a), np.shape(b), np.shape(c))
    a, b, c = (np.broadcast_to(np.asarray(v, _F32), shape).astype(_F64).reshape(-1) for v in (a, b, c))
    t = a * b
    t += c
    return _round_fma(t, a, b, c, np.empty(t.size, _F32)).reshape(shape)


class _Buffers:
    """Scratch arrays for chunks of up to n pairs."""

    def __init__(self, n):
        f32 = lambda: np.empty(n, _F32)
        f64 = lambda: np.empty(n, _F64)
        i32 = lambda: np.empty(n, np.int32)
        self.th, self.x, self.z, self.y, self.e, self.tmp = (f32() for _ in range(6))
        self.t, self.x64, self.z64, self.y64 = (f64() for _ in range(4))
        self.j, self.q, self.i, self.k = (i32() for _ in range(4))
        self.s = np.empty((2, n), _F64)
        self.b = np.empty((2, n), _F32)


_LOCAL = threading.local()


def _buffers(n):
    """This thread's scratch buffers (kept: fresh pages cost more than the arithmetic)."""
    w = getattr(_LOCAL, "w", None)
    if w is None or w.t.size < n:
        w = _LOCAL.w = _Buffers(max(n, 1 << 12))
    return w


def _f(v):
    return _F32(v)


_SQRTHF_BITS = np.int32(0x3F3504F3)  # float32 sqrt(1/2)
_LOG_OFF = np.int32(0x3F3504F3 + (24 << 23))  # its bits, times 2**24
_MANT = np.int32((1 << 23) - 1)
_LOG_P = [
    float(_f(v))
    for v in (
        7.0376836292e-2,
        -1.1514610310e-1,
        1.1676998740e-1,
        -1.2420140846e-1,
        1.4249322787e-1,
        -1.6668057665e-1,
        2.0000714765e-1,
        -2.4999993993e-1,
        3.3333331174e-1,
    )
]
_LOG_Q1 = _f(-2.12194440e-4)
_LOG_Q2 = _f(0.693359375)  # 9 significant bits: e * Q2 is exact in float32


def _log(j, w, n):
    """log256_ps(v) for v = j * 2**-24, j an int32 in [1, 2**24] (n of them), as float32.

    log256_ps splits v = m * 2**e with m in [sqrt(1/2), sqrt(2)) (its max with the
    smallest normal never acts here), x = m - 1 (exact), then
    log v = x + (P(x) * x * z + e * Q1 - z / 2) + e * Q2, z = x * x, P by Horner with
    FMAs. The split is integer arithmetic on float32(j)'s bits: less the bits of
    sqrt(1/2) * 2**24, the exponent field is e and the mantissa field plus sqrt(1/2)'s
    bits is m's. Horner's FMAs are exact in float64: x is a multiple of 2**-24 below
    0.42 and every partial y is a float32 in [2**-5, 2**-1), so y * x is a multiple of
    2**-52 and y * x + c, below 2**-1, fits 51 bits."""
    x, z, y, e, tmp = w.x[:n], w.z[:n], w.y[:n], w.e[:n], w.tmp[:n]
    t, x64, z64, y64, i, k = w.t[:n], w.x64[:n], w.z64[:n], w.y64[:n], w.i[:n], w.k[:n]
    np.copyto(x, j, casting="unsafe")  # exact
    np.subtract(x.view(np.int32), _LOG_OFF, out=i)
    np.right_shift(i, 23, out=k)
    np.copyto(e, k, casting="unsafe")
    np.bitwise_and(i, _MANT, out=i)
    np.add(i, _SQRTHF_BITS, out=i)
    np.subtract(i.view(_F32), _F32(1), out=x)
    np.multiply(x, x, out=z)
    np.copyto(x64, x)
    np.copyto(z64, z)
    np.multiply(x64, _LOG_P[0], out=t)
    for k, c in enumerate(_LOG_P[1:], 2):
        np.add(t, c, out=t)
        np.copyto(y, t, casting="unsafe")
        if k < len(_LOG_P):
            np.copyto(y64, y)
            np.multiply(y64, x64, out=t)
    np.multiply(y, x, out=y)
    # fma(y, z, e * Q1): the sum may round in float64, never to a tie that matters here
    np.multiply(e, _LOG_Q1, out=tmp)
    np.copyto(y64, y)
    np.multiply(y64, z64, out=t)
    np.copyto(x64, tmp)  # x64 is free now: it holds the addend
    np.add(t, x64, out=t)
    np.copyto(y, t, casting="unsafe")
    np.multiply(z, _F32(0.5), out=tmp)  # fma(z, -0.5, y): the product is exact
    np.subtract(y, tmp, out=y)
    np.add(x, y, out=y)
    np.multiply(e, _LOG_Q2, out=tmp)  # fma(e, Q2, x + y): exact product
    np.add(y, tmp, out=y)
    return y


_FOPI = _f(1.27323954473516)
_THETA = _F32(_f(2.0 * np.pi) * _F32(2.0**-24))  # exact: a power-of-two scaling
# the three-part pi / 4 of the range reduction, summed exactly in float64 (48 bits)
_DP = float(_f(-0.78515625)) + float(_f(-2.4187564849853515625e-4)) + float(_f(-3.77489497744594108e-8))


def _magic(c, e):
    """(c + M, M) for a polynomial step whose results lie in the binade 2**e."""
    m = 1.5 * 2.0 ** (e + 29)
    return c + m, m


_COS_P = [float(_f(v)) for v in (2.443315711809948e-5, -1.388731625493765e-3, 4.166664568298827e-2)]
_SIN_P = [float(_f(v)) for v in (-1.9515295891e-4, 8.3321608736e-3, -1.6666654611e-1)]
# rows: cosine, sine. For z in [0, 0.62] the first step's results lie in binades 2**-10
# (cosine) and 2**-7 (sine), the second's in 2**-5 and 2**-3; each constant term is a
# float32 of that binade, so c + M is exact.
_P1M, _M1 = (np.array([[a], [b]]) for a, b in zip(_magic(_COS_P[1], -10), _magic(_SIN_P[1], -7)))
_P2M, _M2 = (np.array([[a], [b]]) for a, b in zip(_magic(_COS_P[2], -5), _magic(_SIN_P[2], -3)))


def _sincos(theta, w, n):
    """sincos256_ps of float32 theta in [0, 2 pi) (n of them): (sin, cos) as float32.

    j = trunc(theta * 4 / pi) rounded up to even, x = theta - j * pi / 4 with pi / 4 in
    three parts (x = theta + j * DP1 + j * DP2, then fma(j, DP3, x)): both float32 adds
    are exact, and theta + j * (DP1 + DP2 + DP3) is exact in float64 (theta a multiple of
    2**-24 whenever j > 0, the product a multiple of 2**-47, the sum below 1), so one
    cast rounds it. Then z = x * x, cosine 1 - z / 2 + z**2 * Pc(z) and sine
    x + x * z * Ps(z), chosen and signed by j's bits."""
    x, z, tmp, e = w.x[:n], w.z[:n], w.tmp[:n], w.e[:n]
    t, x64, z64, y64, j = w.t[:n], w.x64[:n], w.z64[:n], w.y64[:n], w.i[:n]
    np.multiply(theta, _FOPI, out=tmp)
    np.copyto(j, tmp, casting="unsafe")  # truncation, as cvttps
    np.add(j, 1, out=j)
    np.right_shift(j, 1, out=j)  # q = j / 2 once j is rounded up to even
    np.copyto(t, j)
    np.multiply(t, 2 * _DP, out=t)
    np.copyto(x64, theta)
    np.add(t, x64, out=t)
    np.copyto(x, t, casting="unsafe")
    np.copyto(x64, x)
    np.multiply(x, x, out=z)
    np.copyto(z64, z)
    # the cosine and sine polynomials side by side (rows of s), rounded by magic constants
    s = w.s[:, :n]
    np.multiply(z64, _COS_P[0], out=s[0])
    np.multiply(z64, _SIN_P[0], out=s[1])
    np.add(s, _P1M, out=s)
    np.subtract(s, _M1, out=s)
    np.multiply(s, z64, out=s)
    np.add(s, _P2M, out=s)
    np.subtract(s, _M2, out=s)
    np.multiply(s, z64, out=s)  # exact: one rounding below
    b = w.b[:, :n]
    np.copyto(b, s, casting="unsafe")
    np.copyto(s, b)
    yc, ys = b[0], b[1]
    # cosine: fma(yc, z, -z / 2) + 1; sine: fma(ys, x, x). Both sums may round (as above)
    np.multiply(s[0], z64, out=t)
    np.multiply(z64, -0.5, out=y64)
    np.add(t, y64, out=t)
    np.copyto(yc, t, casting="unsafe")
    np.add(yc, _F32(1), out=yc)
    np.multiply(s[1], x64, out=t)
    np.add(t, x64, out=t)
    np.copyto(ys, t, casting="unsafe")
    # q even picks (sin, cos) = (ys, yc), odd (yc, ys): a bit mask does the choice
    k = w.k[:n]
    ic, is_ = yc.view(np.int32), ys.view(np.int32)
    np.bitwise_and(j, 1, out=k)
    np.subtract(k, 1, out=k)  # all ones where q is even
    d = e.view(np.int32)
    np.bitwise_xor(ic, is_, out=d)
    np.bitwise_and(d, k, out=d)
    np.bitwise_xor(ic, d, out=ic)  # sin
    np.bitwise_xor(is_, d, out=is_)  # cos
    # sign bits: sin's where q & 2 (j & 4), cos's where (q + 1) & 2 ((j + 2) & 4)
    np.bitwise_and(j, 2, out=k)
    np.left_shift(k, 30, out=k)
    np.bitwise_xor(ic, k, out=ic)
    np.add(j, 1, out=j)
    np.bitwise_and(j, 2, out=j)
    np.left_shift(j, 30, out=j)
    np.bitwise_xor(is_, j, out=is_)
    return yc, ys


def box_muller_float(words, mean=0.0, std=1.0, out=None):
    """normal_fill_16 on float32 uniforms u = w * 2**-24 given by their 24-bit words w
    (length a multiple of 16): for every block of 16, the pairs (j, j + 8) become
    radius * cos(theta), radius * sin(theta) with radius = sqrt(-2 log(1 - u_j)) and
    theta = 2 pi u_(j+8), then fma(n, std, mean) (with mean 0 and std 1 that fma only
    turns -0 into +0: a zero radius). `out`: a float32 array of that size to fill.

    1 - u is formed as (2**24 - w) * 2**-24 and theta as float32(w) times 2 pi * 2**-24,
    which round exactly as 1 - u and u * 2 pi in float32."""
    # a block's two halves are 32-byte items: take / stack move them as such, far faster
    # than 4-byte loops over 8-element rows
    b = np.ascontiguousarray(words, dtype=np.uint32).view(_V32).reshape(-1, 2)
    out = np.empty(b.shape[0] * 16, _F32) if out is None else out
    o = out.reshape(-1).view(_V32).reshape(-1, 2)
    per = _CHUNK // 8  # blocks per chunk
    w = _buffers(min(_CHUNK, 8 * b.shape[0]))
    affine = (mean, std) != (0.0, 1.0)
    for i in range(0, b.shape[0], per):
        blk = b[i : i + per]
        nb = blk.shape[0]
        n = 8 * nb
        j, theta = w.j[:n], w.th[:n]
        np.take(blk, 0, axis=1, out=j.view(_V32))
        np.subtract(1 << 24, j, out=j)
        np.take(blk, 1, axis=1, out=w.q[:n].view(_V32))
        np.copyto(theta, w.q[:n], casting="unsafe")
        np.multiply(theta, _THETA, out=theta)
        radius = _log(j, w, n)
        np.multiply(radius, _F32(-2), out=radius)
        np.sqrt(radius, out=radius)
        sin, cos = _sincos(theta, w, n)
        np.multiply(radius, cos, out=cos)
        np.multiply(radius, sin, out=sin)
        if not affine and radius.min() == 0:
            cos[radius == 0] = 0
            sin[radius == 0] = 0
        np.stack([cos.view(_V32), sin.view(_V32)], axis=1, out=o[i : i + nb])
    if affine:
        out[...] = fma32(out, _F32(std), _F32(mean))
    return out
