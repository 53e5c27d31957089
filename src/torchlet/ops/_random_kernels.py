"""PyTorch's CPU sampling kernels on NumPy arrays, value for value.

Each function takes a torchlet Generator and returns a flat host array of `n`
values in the order PyTorch's kernel writes them (memory order of a
contiguous tensor). The word -> value maps are those of ATen's
TransformationHelper.h / DistributionsHelper.h / native/cpu kernels:

* uniform float32 / float16 / bfloat16: (w & (2**24 - 1)) * 2**-24 in float,
  then x * (to - from) + from in float (one fused multiply-add), rounded to the
  dtype; a half/bfloat16 value that rounds to `to` becomes `from`.
* uniform float64: (w64 & (2**53 - 1)) * 2**-53 from one 64-bit word.
* normal, >= 16 contiguous elements: Box-Muller over the pairs (j, j + 8) of
  every block of 16 uniforms; a size that is not a multiple of 16 redraws 16
  uniforms for an overlapping last block. float32 draws all uniforms first and
  runs avx_mathfun's Cephes log/sincos polynomials (see _cephes.py); float16 /
  bfloat16 run the same float32 maths on the whole blocks' uniforms, then the
  last block's, and round; float64 runs glibc's log/cos/sin in double.
* normal, < 16 elements or non-contiguous: one double Box-Muller per pair of
  64-bit words (log1p), the second value cached in the generator.
* integers: (word % range) + from, a 64-bit word when range >= 2**28.
* everything computed in double (exponential, geometric, cauchy, log-normal,
  poisson, gamma) uses Python's math module, which is glibc's libm as PyTorch's.
"""

import math

import numpy as np

from . import _parallel
from ._cephes import box_muller_float, fma32

_F32 = np.float32
_U53 = (1 << 53) - 1


def libm(fn, x):
    """A double math function elementwise through Python's math module (glibc): NumPy's
    SIMD float64 log/log1p/sin/cos/tan/exp differ from glibc in the last bit."""
    x = np.asarray(x, dtype=np.float64)
    if x.size == 0:
        return x.copy()
    return np.frompyfunc(fn, 1, 1)(x).astype(np.float64)


def fma64(a, b, c):
    """a * b + c with (almost always) one double rounding: the product's rounding error
    (Dekker's split) and the sum's (TwoSum) are added back before the last rounding. A long
    1-D a with number b and c (uniform_'s bounds, normal_'s std and mean) runs in chunks that
    keep the formula's ten temporaries in cache, on get_num_threads() threads."""
    a = np.asarray(a, np.float64)
    if a.ndim != 1 or a.size <= _FMA64_CHUNK or np.ndim(b) or np.ndim(c):
        return _fma64(a, b, c)
    out = np.empty_like(a)

    def run(start, stop):
        for i in range(start, stop, _FMA64_CHUNK):
            j = min(i + _FMA64_CHUNK, stop)
            out[i:j] = _fma64(a[i:j], b, c)

    _parallel.ranges(run, a.size, _FMA64_CHUNK)
    return out


_FMA64_CHUNK = 1 << 14  # elements: 128 KB a temporary


def _fma64(a, b, c):
    p = a * b
    split = 134217729.0  # 2**27 + 1

    def halves(x):
        t = split * x
        hi = t - (t - x)
        return hi, x - hi

    ah, al = halves(a)
    bh, bl = halves(np.asarray(b, np.float64))
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl  # a * b = p + e exactly
    s = p + c
    bb = s - p
    t = (p - (s - bb)) + (c - bb)  # p + c = s + t exactly
    return s + (t + e)


def to_dtype(x, npd):
    """A double result stored as PyTorch casts it: half / bfloat16 go through float."""
    npd = np.dtype(npd)
    if npd.name in ("float16", "bfloat16"):
        return x.astype(np.float32).astype(npd)
    return x.astype(npd)


# ----- uniform ----------------------------------------------------------------
def uniform_float(gen, n, lo=0.0, hi=1.0):
    """n uniforms on [0, 1) with a 24-bit mantissa, as float32; with bounds, fma(u, to - from,
    from) in float32. Both are written over the words' own array (no second array of n: the
    pages of a fresh one cost more than the arithmetic, ~1 s of a VGG's initialisation)."""
    words = gen._random24(n).view(np.int32)
    x = words.view(_F32)
    if (lo, hi) == (0.0, 1.0):
        np.copyto(x, words, casting="unsafe")  # exact: words are below 2**24
        x *= _F32(2.0**-24)
        return x
    flo = _F32(lo)  # u * s = w * (s * 2**-24) exactly, from the words w
    return fma32(words, np.float64(_F32(hi) - flo) * 2.0**-24, flo, out=x)


def uniform_double(gen, n):
    return (gen._random64(n) & np.uint64(_U53)).astype(np.float64) * (2.0**-53)


def uniform(gen, n, name, lo=0.0, hi=1.0):
    """uniform_(lo, hi) for the float dtype called `name`, as an array of that dtype."""
    from .. import _dtype

    npd = getattr(_dtype, name).np
    if name == "float64":
        x = uniform_double(gen, n)
        return x if (lo, hi) == (0.0, 1.0) else fma64(x, hi - lo, lo)
    x = uniform_float(gen, n, lo, hi)
    if name == "float32":
        return x
    # half / bfloat16: the float result, rounded; one that rounds to `to` becomes `from`
    y = x.astype(npd)
    y[y == npd.type(hi)] = npd.type(lo)
    return y


# ----- normal -----------------------------------------------------------------
def _box_muller_double(u, mean, std):
    """normal_fill_16 in double: libm log / cos / sin."""
    b = u.reshape(-1, 2, 8)
    radius = np.sqrt(-2.0 * libm(math.log, 1.0 - b[:, 0]))
    theta = 2.0 * np.pi * b[:, 1]
    out = np.stack([radius * libm(math.cos, theta), radius * libm(math.sin, theta)], 1).reshape(-1)
    return out if (mean, std) == (0.0, 1.0) else fma64(out, std, mean)


def normal_fill(gen, n, name, mean=0.0, std=1.0):
    """normal_ on a contiguous tensor of n >= 16 elements of dtype `name`.

    float32 and float64 draw all n uniforms first; float16 / bfloat16 run the float32
    maths on 16 fresh float uniforms per block, so their last (overlapping) block
    starts right after the whole blocks' words."""
    from .. import _dtype

    npd = getattr(_dtype, name).np
    full = n - n % 16
    out = np.empty(n, dtype=npd)
    if name == "float64":
        bm = lambda: _box_muller_double(uniform_double(gen, 16), mean, std)
        out[:full] = _box_muller_double(uniform_double(gen, n)[:full], mean, std)
    else:  # the float maths on 24-bit words (float uniforms w * 2**-24)
        bm = lambda: box_muller_float(gen._random24(16), mean, std)
        words = gen._random24(n if name == "float32" else full)[:full]
        if name == "float32":
            box_muller_float(words, mean, std, out=out[:full])
        else:
            out[:full] = box_muller_float(words, mean, std)
    if n % 16:
        out[n - 16 :] = bm()
    return out


def normal_serial(gen, n, mean=0.0, std=1.0):
    """n draws of at::normal_distribution<double>, as float64 (cast by the caller)."""
    out = np.empty(n, dtype=np.float64)
    i = 0
    if n and gen.next_double_normal is not None:
        out[0] = gen.next_double_normal
        gen.next_double_normal = None
        i = 1
    k = (n - i + 1) // 2
    if k:
        u = uniform_double(gen, 2 * k).reshape(k, 2)
        r = np.sqrt(-2.0 * libm(math.log1p, -u[:, 1]))
        theta = 2.0 * np.pi * u[:, 0]
        pairs = np.stack([r * libm(math.cos, theta), r * libm(math.sin, theta)], 1).reshape(-1)
        out[i:] = pairs[: n - i]
        if (n - i) % 2:
            gen.next_double_normal = float(pairs[-1])
    if (mean, std) != (0.0, 1.0):
        out = fma64(out, std, mean)
    return out


def normal(gen, n, name, mean=0.0, std=1.0, contiguous=True):
    """normal_(mean, std) on n elements of dtype `name`, choosing PyTorch's path."""
    from .. import _dtype

    if n >= 16 and contiguous:
        return normal_fill(gen, n, name, mean, std)
    return to_dtype(normal_serial(gen, n, mean, std), getattr(_dtype, name).np)


# ----- integers ---------------------------------------------------------------
def random_from_to(gen, n, lo, hi):
    """random_(lo, hi): (word % range) + lo as int64, a 64-bit word when the range is at
    least 2**28 (PyTorch's bound on the modulo's skew), else a 32-bit one."""
    rng = hi - lo
    w = gen._random64(n) if rng >= 1 << 28 else gen._random(n).astype(np.uint64)
    v = w % np.uint64(rng)
    return (v + np.uint64(lo % (1 << 64))).view(np.int64)


def random_full(gen, n):
    """random_(-2**63, None): a 64-bit word reinterpreted as int64."""
    return gen._random64(n).view(np.int64)


def randperm(gen, n):
    """randperm_cpu: swap i with t_i = i + random() % (n - i) for i = 0 .. n - 2, done
    without a Python loop.

    Position i is final after step i, holding what sat at t_i just before. A position p
    changes only at steps k < p that target it (t_k = p) and at step p itself, so what
    sits at p just before step i (i <= p) is p if no earlier step targeted it, otherwise
    what the last such step k moved there: the content of position k just before step
    k. Grouping the steps by target (one sort) gives each group's chain; the content of
    a position just before its own step follows links to earlier positions, resolved
    by pointer doubling (a handful of rounds)."""
    if n <= 1:
        return np.arange(n, dtype=np.int64)
    m = n - 1
    w = gen._random(m)
    z = (
        w % np.arange(n, 1, -1, dtype=np.uint32)
        if n < 1 << 32
        else w.astype(np.uint64) % np.arange(n, 1, -1, dtype=np.uint64)
    )
    kt = np.uint32 if n * n <= 1 << 32 else np.int64  # 32-bit keys sort twice as fast
    moved = np.flatnonzero(z).astype(kt)
    t = moved + z[moved].astype(kt)
    key = np.sort(t * kt(n) + moved)  # by target, then by step
    ts, ks = np.divmod(key, kt(n))
    ts, ks = ts.astype(np.int64), ks.astype(np.int64)
    first = np.ones(ks.size, dtype=bool)
    first[1:] = ts[1:] != ts[:-1]
    last = np.ones(ks.size, dtype=bool)
    last[:-1] = first[1:]
    # node[p]: the content of position p just before step p (position n - 1: at the end)
    link = np.arange(n, dtype=np.int64)
    link[ts[last]] = ks[last]
    while True:
        nxt = link[link]
        if np.array_equal(nxt, link):
            break
        link = nxt
    node = link
    out = node[:m].copy()  # steps with z = 0 keep their own position's content
    # a moving step reads its target: the previous step of its group moved node[prev] there
    prev = np.empty_like(ks)
    prev[1:] = ks[:-1]
    prev[:1] = 0
    out[ks] = np.where(first, ts, node[prev])
    return np.append(out, node[m])


def uniform_int(gen, n, name):
    """random_() with no bounds: [0, 2**mantissa] for floats, [0, max] for integers."""
    if name in ("float64", "int64"):
        w = gen._random64(n)
    else:
        w = gen._random(n).astype(np.uint64)
    if name == "bool":
        return (w & np.uint64(1)).astype(np.int64)
    mod = {
        "float16": 2049,
        "bfloat16": 257,
        "float32": (1 << 24) + 1,
        "float64": (1 << 53) + 1,
        "int64": 1 << 63,
        "int32": 1 << 31,
        "int16": 1 << 15,
        "int8": 1 << 7,
        "uint8": 1 << 8,
    }[name]
    return (w % np.uint64(mod)).astype(np.int64)


def bernoulli_scalar(gen, n, p):
    """bernoulli_(p) for a float p: u < p per element, u a double. (PyTorch builds with MKL once
    drew from MKL's MCG31 stream on Intel CPUs; 2.14 does not: on an Intel Xeon its draws are
    these, tests/test_random_streams.py.)"""
    return uniform_double(gen, n) < p


def exponential(gen, n, lambd):
    """exponential_: -1 / lambda * log1p(-u), u a double."""
    return (-1.0 / lambd) * libm(math.log1p, -uniform_double(gen, n))


def geometric(gen, n, p):
    """geometric_: ceil(log(u) / log(1 - p)), u a double."""
    u = uniform_double(gen, n)
    return np.ceil(libm(math.log, u) / math.log(1.0 - p))


def cauchy(gen, n, median, sigma):
    """cauchy_: median + sigma * tan(pi * (u - 0.5)), u a double."""
    u = uniform_double(gen, n)
    return median + sigma * libm(math.tan, math.pi * (u - 0.5))


def log_normal(gen, n, mean, std):
    """log_normal_: exp of at::normal_distribution<double>(mean, std) (cached pairs)."""
    return libm(math.exp, normal_serial(gen, n, mean, std))


def poisson(gen, lam):
    """sample_poisson per rate (flat float64 array): multiplication method below 10,
    Hoermann's transformed rejection from 10; draws as many doubles as PyTorch does."""
    out = np.empty(lam.size, dtype=np.float64)
    u = lambda: float(uniform_double(gen, 1)[0])
    for i, lm in enumerate(lam.tolist()):
        if lm >= 10:
            slam, loglam = math.sqrt(lm), math.log(lm)
            b = 0.931 + 2.53 * slam
            a = -0.059 + 0.02483 * b
            invalpha = 1.1239 + 1.1328 / (b - 3.4)
            vr = 0.9277 - 3.6224 / (b - 2)
            while True:
                U = u() - 0.5
                V = u()
                us = 0.5 - abs(U)
                k = math.floor((2 * a / us + b) * U + lm + 0.43)
                if us >= 0.07 and V <= vr:
                    break
                if k < 0 or (us < 0.013 and V > us):
                    continue
                if math.log(V) + math.log(invalpha) - math.log(a / (us * us) + b) <= -lm + k * loglam - math.lgamma(
                    k + 1.0
                ):
                    break
            out[i] = k
        elif lm == 0:
            out[i] = 0
        else:
            enlam, x, prod = math.exp(-lm), 0, 1.0
            while True:
                prod *= u()
                if prod > enlam:
                    x += 1
                else:
                    break
            out[i] = x
    return out


class _Draws:
    """PyTorch's per-element samplers that consume a variable number of draws: standard
    uniform doubles (one 64-bit word each) and standard normals from
    at::normal_distribution<double> (pairs, the second cached in the generator)."""

    def __init__(self, gen):
        self.gen = gen

    def uniform(self):
        return float(uniform_double(self.gen, 1)[0])

    def normal(self):
        return float(normal_serial(self.gen, 1)[0])


_THIRD_F = float(np.float32(1.0) / np.float32(3.0))


def _gamma_one(alpha, draws, single):
    """sample_gamma (Marsaglia-Tsang, boosted below 1). `single`: alpha's own arithmetic is
    float32 (a float tensor), the rest is double, as in ATen's Distributions.h."""
    r = (lambda v: float(np.float32(v))) if single else (lambda v: v)
    scale = 1.0
    if alpha < 1.0:
        if alpha == 0.0:
            return 0.0
        scale *= math.pow(1 - draws.uniform(), r(1.0 / alpha))
        alpha = r(alpha + 1.0)
    d = r(alpha - _THIRD_F)  # 1.0f / 3.0f is a float constant in either precision
    c = 1.0 / math.sqrt(9.0 * d)
    k = float(np.float32(0.0331))
    while True:
        while True:
            x = draws.normal()
            y = 1.0 + c * x
            if y > 0:
                break
        v = y * y * y
        u = 1 - draws.uniform()
        xx = x * x
        if u < 1.0 - k * xx * xx:
            return scale * d * v
        if math.log(u) < 0.5 * xx + d * (1.0 - v + math.log(v)):
            return scale * d * v


def standard_gamma(gen, alpha):
    """torch._standard_gamma on a flat float32/float64 array of concentrations."""
    draws, single = _Draws(gen), alpha.dtype == np.float32
    out = np.array([_gamma_one(a, draws, single) for a in alpha.tolist()], dtype=np.float64)
    out = out.astype(alpha.dtype)
    return np.maximum(out, np.finfo(alpha.dtype).tiny)


def dirichlet(gen, alpha2d):
    """torch._sample_dirichlet: double gammas per element, normalised per row, clamped to
    [tiny, 1 - ulp) in alpha's dtype."""
    draws = _Draws(gen)
    g = np.array([_gamma_one(a, draws, False) for a in alpha2d.reshape(-1).tolist()], dtype=np.float64).reshape(
        alpha2d.shape
    )
    g = np.maximum(g, np.finfo(np.float64).tiny)
    out = (g / g.sum(-1, keepdims=True)).astype(alpha2d.dtype)
    top = np.nextafter(alpha2d.dtype.type(1), alpha2d.dtype.type(0))
    return np.minimum(top, np.maximum(np.finfo(alpha2d.dtype).tiny, out))
