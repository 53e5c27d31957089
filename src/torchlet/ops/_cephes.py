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
  changes a result.

The log runs cheaper still: log's argument is one of 2**24 values, so the FMA
version (`_log_fma`) is only the reference. Each chunk runs the same formula in
plain float32 (`_log_plain`, each FMA a multiply then an add: a quarter of the
work), which differs from it on 20,298 arguments only; those first-half words
are shipped (_cephes_log_exceptions.bin, made by `python -m torchlet.ops._cephes`)
and `_fix_log` overwrites their logs with `_log_fma`'s.

tests/test_random_normal_exhaustive.py proves all of it by running every one of
the 2**24 uniforms against PyTorch's own kernel (through crafted generator
states). Change this kernel and that test is the proof to rerun.

Work runs in chunks on preallocated buffers that stay in cache. A float32 /
float64 mixed ufunc call costs what its cast plus its operation cost apart, so
the float64 steps use them to save calls; (2, n) arrays run two rows (cosine and
sine, x and z) in one call.

Tried and not kept (2026-12-02, timed under load, in-run against this code):
chunks of 8k-32k pairs (slower: ~1.7 us of call overhead per ufunc call), a 2**19
or 2**20 flag table with a binary search on its candidates instead of the 2**18
table and bitmap (no faster), and plain-float32 sine / cosine with a shipped list
of the angles where it differs (slower with the lookup; the list is 337,579 words,
~300 KB; exact range reduction and final steps still leave 5,967).
"""

import os
import threading
import zlib

import numpy as np

from . import _parallel

_F32 = np.float32
_F64 = np.float64
_LOW29 = np.uint64((1 << 29) - 1)
_HALF29 = np.uint64(1 << 28)
_CHUNK = 1 << 16  # pairs per chunk
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
        pick = lambda v: v[idx].astype(_F64) if np.ndim(v) else _F64(v)
        p = pick(a) * pick(b)
        ci = pick(c)
        s = t[idx]
        bb = s - p
        err = (p - (s - bb)) + (ci - bb)  # p + c = s + err exactly
        t[idx] = np.where(err > 0, np.nextafter(s, np.inf), np.where(err < 0, np.nextafter(s, -np.inf), s))
    np.copyto(out, t, casting="unsafe")
    return out


def fma32(a, b, c, out=None):
    """a * b + c with one float32 rounding, for float32 arrays / scalars. A C-contiguous float32
    array times a number plus a number (uniform_'s bounds, normal_'s std and mean) runs in
    chunks on get_num_threads() threads (_fma_numbers), into float32 `out` if given (a's own
    memory may be out); so does an int32 array of 24-bit words w with b a float64 number
    s * 2**-24 (the uniforms w * 2**-24 times s, exactly: uniform_float). Anything else runs
    as whole float64 arrays."""
    if (
        np.ndim(b) == 0
        and np.ndim(c) == 0
        and a.__class__ is np.ndarray
        and (a.dtype == _F32 or a.dtype == np.int32)
        and a.flags.c_contiguous
    ):
        x = a.reshape(-1)
        res = np.empty(x.shape, _F32) if out is None else out.reshape(-1)

        def chunks(start, stop):
            w = _buffers(min(_CHUNK, stop - start))
            for i in range(start, stop, _CHUNK):
                j = min(i + _CHUNK, stop)
                _fma_numbers(x[i:j], b, c, res[i:j], w)

        _parallel.ranges(chunks, x.size, _CHUNK)
        return res.reshape(a.shape)
    shape = np.broadcast_shapes(np.shape(a), np.shape(b), np.shape(c))
    a, b, c = (np.broadcast_to(np.asarray(v, _F32), shape).astype(_F64).reshape(-1) for v in (a, b, c))
    t = a * b
    t += c
    return _round_fma(t, a, b, c, np.empty(t.size, _F32)).reshape(shape)


def _fma_numbers(x, b, c, out, w):
    """out := fl32(x * b + c) for a 1-D x of at most w's size (scratch _Buffers) and numbers b,
    c (see fma32): x * b is exact in float64, then _round_fma, which reads x before it writes
    out (they may share memory). Two ~1.2 GB float64 copies of the bounds stood beside a
    VGG-16 Linear's uniform_ (102M elements) before."""
    n = x.size
    t = w.t[:n]
    np.multiply(x, _F64(b), out=t)  # (a float64 number: NumPy computes in float64)
    np.add(t, _F64(c), out=t)
    return _round_fma(t, x, b, c, out, w.s[0, :n].view(np.uint64), w.hit[:n])


class _Buffers:
    """Scratch arrays for chunks of up to n pairs. Pairs of rows ((2, n) arrays) let one
    NumPy call work on two quantities at once: fewer calls, the same arithmetic."""

    def __init__(self, n):
        row = lambda dt, k=1: np.empty((k, n) if k > 1 else n, dt)
        self.wd = row(np.int32, 2)  # the words of a chunk's first / second halves
        self.wf = row(_F32, 2)  # as float32: 1 - u (times 2**24) / theta
        self.xz, self.b = row(_F32, 2), row(_F32, 2)
        self.xz64, self.s = row(_F64, 2), row(_F64, 2)
        self.sg = row(np.int32, 2)
        self.y, self.e, self.tmp = row(_F32), row(_F32), row(_F32)
        self.t = row(_F64)
        self.i, self.k, self.d = row(np.int32), row(np.int32), row(np.int32)
        self.hit = row(bool)


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


def _log_split(v, w, n):
    """log256_ps's split of v = m * 2**e (float32 v holding integers in [1, 2**24]):
    x = m - 1 and z = x * x (rows of w.xz), e (w.e), all float32.

    m lies in [sqrt(1/2), sqrt(2)) (log256_ps's max with the smallest normal never acts
    here) and x = m - 1 is exact. The split is integer arithmetic on v's bits: less
    the bits of sqrt(1/2) * 2**24, the exponent field is e and the mantissa field plus
    sqrt(1/2)'s bits is m's."""
    xz, e, i, k = w.xz[:, :n], w.e[:n], w.i[:n], w.k[:n]
    np.subtract(v.view(np.int32), _LOG_OFF, out=i)
    np.right_shift(i, 23, out=k)
    np.copyto(e, k, casting="unsafe")
    np.bitwise_and(i, _MANT, out=i)
    np.add(i, _SQRTHF_BITS, out=i)
    np.subtract(i.view(_F32), _F32(1), out=xz[0])
    np.multiply(xz[0], xz[0], out=xz[1])
    return xz[0], xz[1], e


def _log_fma(v, w, n):
    """log256_ps(v * 2**-24) for float32 v holding integers in [1, 2**24] (n of them),
    with the FMAs of the compiled kernel: log v = x + (P(x) * x * z + e * Q1 - z / 2)
    + e * Q2, P by Horner.

    Horner's FMAs are exact in float64: x is a multiple of 2**-24 below 0.42 and
    every partial y is a float32 in [2**-5, 2**-1), so y * x is a multiple of 2**-52
    and y * x + c, below 2**-1, fits 51 bits. A mixed float32 / float64 call widens
    its float32 input exactly and, with a float32 `out`, rounds its float64 result
    once: one call per rounding step."""
    x, z, e = _log_split(v, w, n)
    xz64, y, tmp, t = w.xz64[:, :n], w.y[:n], w.tmp[:n], w.t[:n]
    np.copyto(xz64, w.xz[:, :n])
    x64, z64 = xz64
    np.multiply(x64, _LOG_P[0], out=t)
    for c in _LOG_P[1:-1]:
        np.add(t, c, out=y)  # the FMA's one rounding
        np.multiply(y, x64, out=t)  # exact
    np.add(t, _LOG_P[-1], out=y)
    np.multiply(y, x, out=y)
    # fma(y, z, e * Q1): the sum may round in float64, never to a tie that matters here
    np.multiply(y, z64, out=t)
    np.multiply(e, _LOG_Q1, out=tmp)
    np.add(t, tmp, out=y)
    return _log_tail(x, z, e, y, tmp)


def _log_tail(x, z, e, y, tmp):
    np.multiply(z, _F32(0.5), out=tmp)  # fma(z, -0.5, y): the product is exact
    np.subtract(y, tmp, out=y)
    np.add(x, y, out=y)
    np.multiply(e, _LOG_Q2, out=tmp)  # fma(e, Q2, x + y): exact product
    np.add(y, tmp, out=y)
    return y


def _log_plain(v, w, n):
    """_log_fma's formula with each FMA a float32 multiply then add: float32 work only
    (a quarter of the float64 one), and the FMA's result except for 0.12% of the 2**24
    inputs, which _fix_log puts right."""
    x, z, e = _log_split(v, w, n)
    y, tmp = w.y[:n], w.tmp[:n]
    np.multiply(x, _LOG_P32[0], out=y)
    for c in _LOG_P32[1:-1]:
        np.add(y, c, out=y)
        np.multiply(y, x, out=y)
    np.add(y, _LOG_P32[-1], out=y)
    np.multiply(y, x, out=y)
    np.multiply(y, z, out=y)
    np.multiply(e, _LOG_Q1, out=tmp)
    np.add(y, tmp, out=y)
    return _log_tail(x, z, e, y, tmp)


_LOG_P32 = [_F32(c) for c in _LOG_P]
_EXC_FILE = os.path.join(os.path.dirname(__file__), "_cephes_log_exceptions.bin")  # zlib, uint32 deltas
_EXC_HASH = (1 << 18) - 1
_EXC = []


def _log_exceptions():
    """(words, logs, hash table, bitmap) for the first-half words w whose _log_plain
    differs from _log_fma: the shipped list (made by `python -m torchlet.ops._cephes`),
    their correct logs, a byte per hash w & _EXC_HASH and a bit per word."""
    if not _EXC:
        with open(_EXC_FILE, "rb") as f:
            deltas = np.frombuffer(zlib.decompress(f.read()), "<u4")
        words = np.cumsum(deltas, dtype=np.int64).astype(np.int32)
        v = _F32(1 << 24) - words.astype(_F32)
        logs = _log_fma(v, _Buffers(words.size), words.size).copy()
        table = np.zeros(_EXC_HASH + 1, bool)
        table[words & _EXC_HASH] = True
        bits = np.zeros(1 << 21, np.uint8)
        byte = words >> 3  # sorted: OR each run of equal bytes' bits
        start = np.flatnonzero(np.diff(byte, prepend=-1))
        bits[byte[start]] = np.bitwise_or.reduceat((1 << (words & 7)).astype(np.uint8), start)
        _EXC[:] = words, logs, table, bits
    return _EXC


def _fix_log(y, words, w, n):
    """Put _log_fma's value where _log_plain's differs: a hash table lookup on every
    word (7.5% candidates), a bitmap on the candidates, the stored log on the hits."""
    exc, logs, table, bits = _log_exceptions()
    h, f = w.k[:n], w.hit[:n]
    np.bitwise_and(words, _EXC_HASH, out=h)
    np.take(table, h, out=f, mode="wrap")
    cand = np.flatnonzero(f)
    wc = words[cand]
    hit = cand[(bits[wc >> 3] >> (wc & 7).astype(np.uint8)) & 1 == 1]
    if hit.size:
        y[hit] = logs[np.searchsorted(exc, words[hit])]


def _exceptions_now():
    """The words w in [0, 2**24) whose _log_plain(2**24 - w) differs from _log_fma's."""
    step = 1 << 20
    w = _Buffers(step)
    found = []
    for lo in range(0, 1 << 24, step):
        words = np.arange(lo, lo + step, dtype=np.int32)
        v = _F32(1 << 24) - words.astype(_F32)
        a = _log_fma(v, w, step).copy()
        b = _log_plain(v, w, step)
        found.append(words[a.view(np.int32) != b.view(np.int32)])
    return np.concatenate(found)


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
_P0 = np.array([[_COS_P[0]], [_SIN_P[0]]])
_P1M, _M1 = (np.array([[a], [b]]) for a, b in zip(_magic(_COS_P[1], -10), _magic(_SIN_P[1], -7)))
_P2M, _M2 = (np.array([[a], [b]]) for a, b in zip(_magic(_COS_P[2], -5), _magic(_SIN_P[2], -3)))
_LAST = np.array([[0.5], [-1.0]])  # cosine z * (yc - 1/2), sine x * (ys + 1)
_SIGN_Q = np.array([[1], [0]], np.int32)  # cosine's sign from q + 1, sine's from q


def _sincos(theta, w, n):
    """sincos256_ps of float32 theta in [0, 2 pi) (n of them): rows (cos, sin) as float32.

    j = trunc(theta * 4 / pi) rounded up to even, x = theta - j * pi / 4 with pi / 4 in
    three parts (x = theta + j * DP1 + j * DP2, then fma(j, DP3, x)): both float32 adds
    are exact, and theta + j * (DP1 + DP2 + DP3) is exact in float64 (theta a multiple of
    2**-24 whenever j > 0, the product a multiple of 2**-47, the sum below 1), so one
    cast rounds it. Then z = x * x, cosine 1 - z / 2 + z**2 * Pc(z) and sine
    x + x * z * Ps(z), chosen and signed by j's bits. The two polynomials run side by
    side as the rows of (2, n) arrays.

    Cosine's fma(yc, z, -z / 2) is formed as z * (yc - 1/2): yc is a float32 in
    binade 2**-5, so yc - 1/2 fits 27 bits and its product with z 51: exact in
    float64, as yc * z - z / 2 is, and both round once to float32. Sine's
    fma(ys, x, x) as x * (ys + 1) may round twice in float64 where ys * x + x rounds
    once; no result differs over the whole domain (tests/test_random_normal_exhaustive.py)."""
    zx, zx64, tmp, t = w.xz[:, :n], w.xz64[:, :n], w.tmp[:n], w.t[:n]
    z, x, z64 = zx[0], zx[1], zx64[0]
    q, k, d = w.i[:n], w.k[:n], w.d[:n]
    np.multiply(theta, _FOPI, out=tmp)
    np.copyto(q, tmp, casting="unsafe")  # truncation, as cvttps
    np.add(q, 1, out=q)
    np.right_shift(q, 1, out=q)  # q = j / 2 once j is rounded up to even
    np.multiply(q, 2 * _DP, out=t)  # exact
    np.add(t, theta, out=x)  # exact in float64, one rounding to float32
    np.multiply(x, x, out=z)
    np.copyto(zx64, zx)
    # the cosine and sine polynomials side by side (rows of s), rounded by magic constants
    s = w.s[:, :n]
    np.multiply(z64, _P0, out=s)
    np.add(s, _P1M, out=s)
    np.subtract(s, _M1, out=s)
    np.multiply(s, z64, out=s)
    np.add(s, _P2M, out=s)
    np.subtract(s, _M2, out=s)
    np.multiply(s, z64, out=s)  # exact: one rounding below
    b = w.b[:, :n]
    np.copyto(b, s, casting="unsafe")
    np.subtract(b, _LAST, out=s)
    np.multiply(s, zx64, out=b)  # one rounding each
    np.add(b[0], _F32(1), out=b[0])
    # q even gives (cos, sin) = (yc, ys), odd (ys, yc): a bit mask does the swap
    bi = b.view(np.int32)
    np.bitwise_and(q, 1, out=k)
    np.negative(k, out=k)  # all ones where q is odd
    np.bitwise_xor(bi[0], bi[1], out=d)
    np.bitwise_and(d, k, out=d)
    np.bitwise_xor(bi, d, out=bi)
    # sign bits: cosine's where (q + 1) & 2, sine's where q & 2
    sg = w.sg[:, :n]
    np.add(q, _SIGN_Q, out=sg)
    np.bitwise_and(sg, 2, out=sg)
    np.left_shift(sg, 30, out=sg)
    np.bitwise_xor(bi, sg, out=bi)
    return b


def box_muller_float(words, mean=0.0, std=1.0, out=None):
    """normal_fill_16 on float32 uniforms u = w * 2**-24 given by their 24-bit words w
    (length a multiple of 16): for every block of 16, the pairs (j, j + 8) become
    radius * cos(theta), radius * sin(theta) with radius = sqrt(-2 log(1 - u_j)) and
    theta = 2 pi u_(j+8), then fma(n, std, mean) (with mean 0 and std 1 that fma only
    turns -0 into +0: a zero radius). `out`: a float32 array of that size to fill.

    1 - u is formed as (2**24 - w) * 2**-24 and theta as float32(w) times 2 pi * 2**-24,
    which round exactly as 1 - u and u * 2 pi in float32."""
    # a block's two halves are 32-byte items: one transposing copy splits a chunk into
    # its halves (rows) and one puts the results back, far faster than 4-byte loops
    # over 8-element rows
    b = np.ascontiguousarray(words, dtype=np.uint32).view(_V32).reshape(-1, 2)
    out = np.empty(b.shape[0] * 16, _F32) if out is None else out
    o = out.reshape(-1).view(_V32).reshape(-1, 2)
    per = _CHUNK // 8  # blocks per chunk
    affine = (mean, std) != (0.0, 1.0)

    def chunks(start, stop):  # on get_num_threads() threads, each with its own buffers
        w = _buffers(min(_CHUNK, 8 * (stop - start)))
        for i in range(start, stop, per):
            blk = b[i : min(i + per, stop)]
            nb = blk.shape[0]
            n = 8 * nb
            wd, wf = w.wd[:, :n], w.wf[:, :n]
            np.copyto(wd.view(_V32), blk.T)
            np.copyto(wf, wd, casting="unsafe")  # exact: words are below 2**24
            v, theta = wf[0], wf[1]
            np.subtract(_F32(1 << 24), v, out=v)  # exact
            np.multiply(theta, _THETA, out=theta)
            radius = _log_plain(v, w, n)
            _fix_log(radius, wd[0], w, n)
            np.multiply(radius, _F32(-2), out=radius)
            np.sqrt(radius, out=radius)
            cs = _sincos(theta, w, n)
            np.multiply(cs, radius, out=cs)
            if affine:  # fma(n, std, mean), row by row on this chunk's scratch
                for row in cs:
                    _fma_numbers(row, fstd, fmean, row, w)
            elif radius.min() == 0:
                cs[:, radius == 0] = 0
            np.copyto(o[i : i + nb], cs.view(_V32).T)

    fstd, fmean = _F32(std), _F32(mean)
    _parallel.ranges(chunks, b.shape[0], per)
    return out


if __name__ == "__main__":  # regenerate the shipped exception list
    exc = _exceptions_now()
    with open(_EXC_FILE, "wb") as f:
        f.write(zlib.compress(np.diff(exc, prepend=0).astype("<u4").tobytes(), 9))
    print(f"{exc.size} words written to {_EXC_FILE}")
