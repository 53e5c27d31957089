"""lgamma, digamma and trigamma as differentiable ops for the distributions
(computed in float64 and rounded to the input's dtype).

    d lgamma(x)  = digamma(x)
    d digamma(x) = trigamma(x)
"""

import math

import numpy as np

from ..ops._util import Node, attach, float_result, wrap

_PSI_10 = 2.25175258906672110764
_PSI_A = (
    8.33333333333333333333e-2,
    -2.10927960927960927961e-2,
    7.57575757575757575758e-3,
    -4.16666666666666666667e-3,
    3.96825396825396825397e-3,
    -8.33333333333333333333e-3,
    8.33333333333333333333e-2,
)
_lgamma_vec = np.vectorize(math.lgamma, otypes=[np.float64])


def _lgamma_np(x):
    x = np.asarray(x, dtype=np.float64)
    out = np.full(x.shape, np.inf)
    ok = np.isfinite(x) & ~((x <= 0) & (x == np.floor(x)))
    if ok.any():
        out[ok] = _lgamma_vec(x[ok])
    out[np.isnan(x)] = np.nan
    return out


def digamma_np(x):
    """psi(x) in float64: reflection for x < 0, recurrence up to x >= 10, then
    the asymptotic series."""
    x = np.array(x, dtype=np.float64)
    out = np.empty_like(x)
    extra = np.zeros_like(x)
    neg = x < 0
    if neg.any():
        extra[neg] = -np.pi / np.tan(np.pi * x[neg])
        x[neg] = 1 - x[neg]
    acc = np.zeros_like(x)
    small = x < 10
    while small.any():
        acc[small] -= 1 / x[small]
        x[small] += 1
        small = x < 10
    z = 1.0 / (x * x)
    poly = np.zeros_like(x)
    for c in _PSI_A:
        poly = poly * z + c
    y = np.where(x < 1e17, z * poly, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = acc + np.log(x) - 0.5 / x - y + extra
        out = np.where(x == 10, acc + _PSI_10 + extra, out)
    return out


def _digamma_np_full(x):
    x = np.asarray(x, dtype=np.float64)
    bad = (x == 0) | ((x < 0) & (x == np.floor(x)))
    with np.errstate(all="ignore"):
        out = digamma_np(np.where(bad | ~np.isfinite(x), 1.0, x))
    out = np.where(bad, np.nan, out)  # poles at the negative integers
    out = np.where(x == 0, -np.copysign(np.inf, x), out)  # psi(+0) = -inf, psi(-0) = +inf
    out = np.where(np.isposinf(x), np.inf, out)
    out = np.where(np.isneginf(x) | np.isnan(x), np.nan, out)
    return out


def trigamma_np(x):
    x = np.array(x, dtype=np.float64)
    sign = np.ones_like(x)
    result = np.zeros_like(x)
    small = x < 0.5
    if small.any():
        s = np.sin(np.pi * x[small])
        result[small] -= (np.pi * np.pi) / (s * s)
        sign[small] = -1
        x[small] = 1 - x[small]
    for _ in range(6):
        result += 1 / (x * x)
        x += 1
    ixx = 1 / (x * x)
    result += (1 + 1 / (2 * x) + ixx * (1.0 / 6 - ixx * (1.0 / 30 - ixx * (1.0 / 42)))) / x
    return sign * result


def _unary(x, fn, node):
    a = float_result(x._data)
    out = fn(a).astype(a.dtype)
    return attach(wrap(x._xp.asarray(out)), node, (x,), (x,))


class LgammaBackward0(Node):
    """g * digamma(x)"""

    def backward(self, g):
        (x,) = self.saved_tensors
        return g * digamma(x)


class DigammaBackward0(Node):
    """g * trigamma(x)"""

    def backward(self, g):
        (x,) = self.saved_tensors
        return g * trigamma(x)


class PolygammaBackward0(Node):
    def backward(self, g):
        raise NotImplementedError("the derivative of trigamma is not implemented in torchlet")


def lgamma(x):
    return _unary(x, _lgamma_np, LgammaBackward0)


def digamma(x):
    return _unary(x, _digamma_np_full, DigammaBackward0)


def trigamma(x):
    return _unary(x, trigamma_np, PolygammaBackward0)


def mvlgamma(x, p):
    """log of the multivariate gamma function (sum of lgammas)."""
    c = math.log(math.pi) * p * (p - 1) / 4
    parts = [lgamma(x - (j / 2)) for j in range(p)]
    total = parts[0]
    for t in parts[1:]:
        total = total + t
    return total + c


# ----- the regularized lower incomplete gamma (erfinv is the op torchlet.erfinv) -----


def _gammainc_one(a, x):
    if math.isnan(a) or math.isnan(x) or a < 0 or x < 0:
        return math.nan
    if x == 0:
        return 0.0
    if a == 0:
        return 1.0
    if math.isinf(x):
        return 1.0
    lg = -x + a * math.log(x) - math.lgamma(a)
    if x < a + 1:  # series
        term = total = 1.0 / a
        ap = a
        for _ in range(1000):
            ap += 1
            term *= x / ap
            total += term
            if abs(term) < abs(total) * 1e-17:
                break
        return total * math.exp(lg)
    b, c, d = x + 1 - a, 1e300, 1 / (x + 1 - a)  # continued fraction for Q
    h = d
    for i in range(1, 1000):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = 1e-300 if abs(d) < 1e-300 else d
        c = b + an / c
        c = 1e-300 if abs(c) < 1e-300 else c
        d = 1 / d
        step = d * c
        h *= step
        if abs(step - 1) < 1e-17:
            break
    return 1.0 - math.exp(lg) * h


class IgammaBackward0(Node):
    """d/dx P(a, x) = x^(a-1) e^-x / Gamma(a); d/da is not implemented (as in PyTorch)"""

    def backward(self, g):
        from ..ops._util import reduce_grad

        a, x = self.saved_tensors
        if self.needs_input_grad(0):
            raise NotImplementedError("the derivative for 'igamma: input' is not implemented.")
        dens = ((a - 1) * x.log() - x - lgamma(a)).exp()
        return None, reduce_grad(g * dens, self.input_meta[1])


def gammainc(a, x):
    """The regularized lower incomplete gamma function P(a, x)."""
    aa, xx = np.broadcast_arrays(a._data, x._data)
    vals = [_gammainc_one(float(p), float(q)) for p, q in zip(aa.reshape(-1).tolist(), xx.reshape(-1).tolist())]
    dt = np.result_type(a._data.dtype, x._data.dtype)
    out = wrap(a._xp.asarray(np.array(vals, dtype=np.float64).reshape(aa.shape).astype(dt)))
    return attach(out, IgammaBackward0, (a, x), (a, x))
