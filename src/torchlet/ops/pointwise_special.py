"""Unary special functions beyond pointwise_math.py: inverse hyperbolic
functions (asinh/acosh/atanh and their arc* aliases), erfc, erfinv, logit,
deg2rad/rad2deg and signbit.

Each op: forward on the backend array (integer and bool inputs compute in
the default float dtype, as PyTorch), a node named as PyTorch names it with
its derivative, a Tensor method and an in-place method.
"""

import math

import numpy as np

from ._table import methods
from ._util import Node, attach, inplace, method, wrap
from ._out import out_form
from .pointwise_math import define_unary, _erf, _floating, _in_float32, _poly, _ERFC_P, _ERFC_Q

__all__ = [
    "asinh",
    "acosh",
    "atanh",
    "arcsinh",
    "arccosh",
    "arctanh",
    "erfc",
    "erfinv",
    "logit",
    "deg2rad",
    "rad2deg",
    "signbit",
    "asinh_",
    "acosh_",
    "atanh_",
    "arcsinh_",
    "arccosh_",
    "arctanh_",
    "erfc_",
    "logit_",
    "deg2rad_",
    "rad2deg_",
]

_2_SQRTPI = 2.0 / math.sqrt(math.pi)
_SQRTPI_2 = math.sqrt(math.pi) / 2.0
_D2R, _R2D = math.pi / 180.0, 180.0 / math.pi


# ----- erfc: Cephes' ndtr.c (S. Moshier), in float64 -------------------------------
# erfc(a) = exp(-a^2) P(a)/Q(a) for 1 <= a < 8, exp(-a^2) R(a)/S(a) beyond; 1 - erf below 1.
_ERFC_R = (
    5.64189583547755073984e-1,
    1.27536670759978104416e0,
    5.01905042251180477414e0,
    6.16021097993053585195e0,
    7.40974269950448939160e0,
    2.97886665372100240670e0,
)
_ERFC_S = (
    1.0,
    2.26052863220117276590e0,
    9.39603524938001434673e0,
    1.20489539808096656605e1,
    1.70814450747565897222e1,
    9.60896809063285878198e0,
    3.36907645100081516050e0,
)


def _erfc64(xp, x):
    """erfc on a float64 array, accurate in relative terms far into the tail."""
    a = xp.abs(x)
    out = xp.empty_like(x)
    small = a < 1
    out[small] = 1 - _erf(xp, x[small])
    big = ~small
    ab = a[big]
    mid = ab < 8
    y = xp.empty_like(ab)
    am, at = ab[mid], xp.minimum(ab[~mid], 30.0)  # erfc(30) underflows: keep inf out of R/S
    y[mid] = _poly(am, _ERFC_P) / _poly(am, _ERFC_Q)
    y[~mid] = _poly(at, _ERFC_R) / _poly(at, _ERFC_S)
    y *= xp.exp(-ab * ab)
    out[big] = xp.where(x[big] < 0, 2 - y, y)
    return out


@_in_float32
def _erfc(xp, x):
    x = _floating(x)
    if x.dtype == np.float64:
        return _erfc64(xp, x)
    return _erfc64(xp, x.astype(np.float64)).astype(x.dtype)


# ----- erfinv: Giles' approximation, then Newton steps on erf / erfc ------------------
_GILES_LO = (
    2.81022636e-08,
    3.43273939e-07,
    -3.5233877e-06,
    -4.39150654e-06,
    0.00021858087,
    -0.00125372503,
    -0.00417768164,
    0.246640727,
    1.50140941,
)
_GILES_HI = (
    -0.000200214257,
    0.000100950558,
    0.00134934322,
    -0.00367342844,
    0.00573950773,
    -0.0076224613,
    0.00943887047,
    1.00167406,
    2.83297682,
)


def _erfinv64(xp, y):
    """x with erf(x) = y: Giles' single-precision guess refined by Newton's method,
    on erf(x) - y for |y| <= 0.5 and on erfc(x) - (1 - |y|) beyond (1 - |y| is exact there)."""
    a = xp.abs(y)
    with np.errstate(all="ignore"):
        w = -xp.log((1 - a) * (1 + a))
        lo = w < 5
        p = xp.where(lo, _poly(w - 2.5, _GILES_LO), _poly(xp.sqrt(xp.maximum(w, 5.0)) - 3, _GILES_HI))
        x = p * a
        inner = a <= 0.5
        target = xp.where(inner, a, 1 - a)
        for _ in range(3):
            d = _2_SQRTPI * xp.exp(-x * x)
            f = xp.where(inner, _erf(xp, x) - target, target - _erfc64(xp, x))
            x = x - xp.where(d > 0, f / xp.where(d > 0, d, 1), 0)
    x = xp.where(a == 1, xp.inf, x)
    x = xp.where(a > 1, xp.nan, x)
    return xp.copysign(x, y)


@_in_float32
def _erfinv(xp, y):
    y = _floating(y)
    if y.dtype == np.float64:
        return _erfinv64(xp, y)
    return _erfinv64(xp, y.astype(np.float64)).astype(y.dtype)


def _float_fn(ufunc):
    return lambda xp, x: getattr(xp, ufunc)(_floating(x))


def _scaled(c):
    def f(xp, x):
        x = _floating(x)
        return x * x.dtype.type(c)

    return f


# define_unary(module, name, grad_fn name, forward(xp, array), gradient(g, saved), saved ("x", "r" or None), math)
asinh = define_unary(
    __name__,
    "asinh",
    "AsinhBackward0",
    _float_fn("arcsinh"),
    lambda g, x: g * (x * x + 1).rsqrt(),
    "x",
    "g / sqrt(a^2 + 1)",
    dtype="float",
)
acosh = define_unary(
    __name__,
    "acosh",
    "AcoshBackward0",
    _float_fn("arccosh"),
    lambda g, x: g * (x * x - 1).rsqrt(),
    "x",
    "g / sqrt(a^2 - 1)",
    dtype="float",
)
atanh = define_unary(
    __name__,
    "atanh",
    "AtanhBackward0",
    _float_fn("arctanh"),
    lambda g, x: g / (1 - x * x),
    "x",
    "g / (1 - a^2)",
    dtype="float",
)
erfc = define_unary(
    __name__,
    "erfc",
    "ErfcBackward0",
    _erfc,
    lambda g, x: (-x * x).exp() * -_2_SQRTPI * g,
    "x",
    "-g 2/sqrt(pi) exp(-a^2)",
    dtype="float",
)
erfinv = define_unary(
    __name__,
    "erfinv",
    "ErfinvBackward0",
    _erfinv,
    lambda g, r: (r * r).exp() * _SQRTPI_2 * g,
    "r",
    "g sqrt(pi)/2 exp(erfinv(a)^2)",
    dtype="float",
)
deg2rad = define_unary(
    __name__, "deg2rad", "Deg2RadBackward0", _scaled(_D2R), lambda g: g * _D2R, None, "g pi/180", dtype="float"
)
rad2deg = define_unary(
    __name__, "rad2deg", "Rad2DegBackward0", _scaled(_R2D), lambda g: g * _R2D, None, "g 180/pi", dtype="float"
)


arcsinh, arccosh, arctanh = asinh, acosh, atanh
for _alias, _fn in (("arcsinh", "asinh"), ("arccosh", "acosh"), ("arctanh", "atanh")):
    setattr(methods, _alias, getattr(methods, _fn))
    setattr(methods, _alias + "_", getattr(methods, _fn + "_"))


# ----- logit ---------------------------------------------------------------------
class LogitBackward0(Node):
    """d logit(a) = g / (a (1 - a)); with eps: 0 outside [eps, 1 - eps]; without: nan outside [0, 1]"""

    def backward(self, g):
        (a,) = self.saved_tensors
        d = g / (a * (1 - a))
        eps = self.eps
        if eps is None:
            outside = (a < 0) | (a > 1)
            return d.masked_fill(outside, math.nan) if outside._data.any() else d
        return d.masked_fill((a < eps) | (a > 1 - eps), 0)


@method()
@out_form()
def logit(input, eps=None):
    """log(a / (1 - a)), with a clamped to [eps, 1 - eps] when eps is given."""
    x, xp = _floating(input._data), input._xp
    z = x if eps is None else xp.clip(x, eps, 1 - eps)
    res = attach(wrap(xp.log(z / (1 - z))), LogitBackward0, (input,), (input,), eps=eps)
    return res


methods.logit_ = lambda self, eps=None: inplace(self, lambda t: logit(t, eps))

# torch.asinh_(t) ...: the in-place methods as functions, where PyTorch has them
asinh_, acosh_, atanh_, arcsinh_, arccosh_, arctanh_, erfc_, logit_, deg2rad_, rad2deg_ = (
    getattr(methods, n + "_")
    for n in ("asinh", "acosh", "atanh", "arcsinh", "arccosh", "arctanh", "erfc", "logit", "deg2rad", "rad2deg")
)


# ----- signbit -------------------------------------------------------------------
def _bool_out(name, result_dtype, out_dtype):
    if out_dtype.name != "bool":
        raise RuntimeError(f"{name} does not support non-boolean outputs.")


@method()
@out_form(dtype=_bool_out)
def signbit(input):
    """True where the sign bit is set (-0.0 and negative NaNs included); bool, no gradient."""
    x, xp = input._data, input._xp
    if x.dtype.kind == "b" or x.dtype.kind == "u":
        r = xp.zeros(x.shape, dtype=bool)
    elif x.dtype.kind == "i":
        r = x < 0
    else:
        r = xp.signbit(x.astype(np.float32) if x.dtype.kind == "V" else x)
    res = wrap(r)
    return res
