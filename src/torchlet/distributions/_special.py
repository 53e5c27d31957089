"""lgamma, digamma and trigamma as differentiable ops for the distributions
(computed in float64 and rounded to the input's dtype).

    d lgamma(x)  = digamma(x)
    d digamma(x) = trigamma(x)
"""
import math

import numpy as np

from ..ops._util import Node, attach, float_result, wrap

_PSI_10 = 2.25175258906672110764
_PSI_A = (8.33333333333333333333E-2, -2.10927960927960927961E-2, 7.57575757575757575758E-3,
          -4.16666666666666666667E-3, 3.96825396825396825397E-3, -8.33333333333333333333E-3,
          8.33333333333333333333E-2)
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
    result += (1 + 1 / (2 * x) + ixx * (1. / 6 - ixx * (1. / 30 - ixx * (1. / 42)))) / x
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
