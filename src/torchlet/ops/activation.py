"""Smooth activation functions (nn.functional): elu, celu, selu, gelu, silu, mish, softplus,
logsigmoid, hardsigmoid, hardswish, softsign, tanhshrink, glu; fused forward on arrays,
backward as g * f'(x). Each node computes f'(x) on arrays when no graph is being built (fast
first-order path) and with Tensor ops under create_graph (so higher order gradients work).
relu/sigmoid/tanh are in relu_sigmoid_tanh.py, the piecewise-linear ones in
activation_piecewise.py, softmax/log_softmax/softmin in softmax.py."""

import math

import numpy as np

from .. import _dtype
from . import _eltwise_onednn, _parallel
from ._args import number_arg as _num
from .pointwise_math import _erf
from ._util import Node, Tensor, TwoPathNode, attach, inplace, wrap
from .clamp import zero_where

from ._out import out_form

__all__ = [
    "elu",
    "elu_",
    "celu",
    "selu",
    "gelu",
    "silu",
    "mish",
    "softplus",
    "logsigmoid",
    "hardsigmoid",
    "hardswish",
    "softsign",
    "tanhshrink",
    "glu",
]

_SQRT_2_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT2 = 1.0 / math.sqrt(2.0)
_ONE_SIXTH = 0.1666666716337204  # float32(1/6)


def _mask(cond, x):
    """A constant (non-differentiable) tensor holding `cond` in x's dtype."""
    return wrap(cond.astype(x.dtype, copy=False))


def _sigmoid_arr(xp, x):
    e = xp.exp(-xp.abs(x))
    r = 1 / (1 + e)
    return xp.where(x >= 0, r, e * r)


def _float_check(input, name):
    if input.dtype.category < 2:
        raise NotImplementedError(f"\"{name}\" not implemented for '{_WORDS.get(input.dtype.name, input.dtype)}'")


_WORDS = _dtype.SCALAR_NAMES  # PyTorch's dtype names, one table (_dtype.py)


def _unary(input, arr, node_cls, inplace_, **attrs):
    if inplace_:
        return inplace(input, lambda t: _unary(t, None, node_cls, False, **attrs))
    if arr is None:
        arr = node_cls.forward(input._xp, input._data, **attrs)
    return attach(wrap(arr), node_cls, (input,), (input,), **attrs)


class _Pointwise(TwoPathNode):
    """g * f'(x): f' written as `d_arr` on arrays and as `d_tensor` with Tensor ops."""

    def backward_arrays(self, g):
        (x,) = self.saved_tensors
        return g * wrap(self.d_arr(x._xp, x._data))

    def backward_tensors(self, g):
        (x,) = self.saved_tensors
        return g * self.d_tensor(x)


# ----- smooth ----------------------------------------------------------------
class EluBackward0(_Pointwise):
    """d elu = 1 for x > 0, alpha*exp(x) otherwise (times scale / input_scale)"""

    @staticmethod
    def forward(xp, x, alpha, scale=1.0, input_scale=1.0):
        neg = alpha * xp.expm1(xp.minimum(x, 0) * input_scale)
        out = xp.where(x > 0, x, neg)
        if scale != 1.0:
            out = out * scale
        return out.astype(x.dtype, copy=False)

    def d_arr(self, xp, x):
        s, i = self.scale, self.input_scale
        return xp.where(x > 0, s, s * i * self.alpha * xp.exp(xp.minimum(x, 0) * i)).astype(x.dtype, copy=False)

    def d_tensor(self, x):
        pos = _mask(x._data > 0, x._data)
        s, i = self.scale, self.input_scale
        return pos * s + (1 - pos) * (s * i * self.alpha) * (x * (1 - pos) * i).exp()


def elu(input, alpha=1.0, inplace=False):
    _float_check(input, "elu_cpu")
    alpha = _num(alpha, "alpha", "elu", 2)
    return _unary(input, None, EluBackward0, inplace, alpha=alpha, scale=1.0, input_scale=1.0)


def elu_(input, alpha=1.0):
    return elu(input, alpha, True)


def celu(input, alpha=1.0, inplace=False):
    alpha = _num(alpha, "alpha", "celu", 2)
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError")
    return _unary(input, None, EluBackward0, inplace, alpha=alpha, scale=1.0, input_scale=1.0 / alpha)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input, inplace=False):
    return _unary(input, None, EluBackward0, inplace, alpha=_SELU_ALPHA, scale=_SELU_SCALE, input_scale=1.0)


def _tanh_inner(xp, x):
    """tanh(sqrt(2/pi) (x + 0.044715 x^3)), in one new buffer: the same operations in the same
    order as the expression, so the same bits. (A chain of NumPy expressions allocates a
    temporary per operation; at 64K-element blocks each one was fresh memory and GELU's
    backward ran 6x slower than this.)"""
    u = xp.multiply(x, 0.044715, out=xp.empty_like(x))  # (an array also for a 0-d x)
    u *= x
    u *= x
    u += x
    u *= _SQRT_2_PI
    return xp.tanh(u, out=u)


def _gelu(xp, x, approximate):
    if approximate == "tanh":  # 0.5 x (1 + tanh(...))
        t = _tanh_inner(xp, x)
        t += 1
        y = xp.multiply(x, 0.5, out=xp.empty_like(x))
        y *= t
        return y
    return (0.5 * x * (1 + _erf(xp, x * _INV_SQRT2))).astype(x.dtype, copy=False)


def _gelu_grad(xp, x, approximate, g=None):
    """gelu'(x) (times g when given)."""
    if approximate == "tanh":  # 0.5 (1 + t) + 0.5 x (1 - t^2) sqrt(2/pi) (1 + 3 0.044715 x^2)
        t = _tanh_inner(xp, x)
        d = xp.add(t, 1, out=xp.empty_like(x))
        d *= 0.5
        v = xp.multiply(x, 0.5, out=xp.empty_like(x))
        t *= t
        xp.subtract(1, t, out=t)
        v *= t
        v *= _SQRT_2_PI
        xp.multiply(x, 3 * 0.044715, out=t)
        t *= x
        t += 1
        v *= t
        d += v
    else:
        cdf = 0.5 * (1 + _erf(xp, x * _INV_SQRT2))
        pdf = xp.exp(-0.5 * x * x) * (1 / math.sqrt(2 * math.pi))
        d = (cdf + x * pdf).astype(x.dtype, copy=False)
    if g is not None:
        d *= g
    return d


class GeluBackward0(_Pointwise):
    """d gelu = Phi(x) + x*phi(x) (exact); the tanh form's derivative otherwise"""

    @staticmethod
    def forward(xp, x, approximate):
        y = _eltwise_onednn.gelu(x, approximate)  # a large float32 array: one pass on oneDNN's threads
        if y is None:
            y = _parallel.elementwise(lambda a: _gelu(xp, a, approximate), x)  # large arrays on all threads
        return y

    def d_arr(self, xp, x):
        return _parallel.elementwise(lambda a: _gelu_grad(xp, a, self.approximate), x)

    def backward_arrays(self, g):
        """g * gelu'(x) block by block into one buffer (no array of gelu'(x)) on all threads."""
        (x,) = self.saved_tensors
        xa, ga = x._data, g._data
        if ga.dtype != xa.dtype:
            return super().backward_arrays(g)
        d = _eltwise_onednn.gelu_backward(xa, ga, self.approximate)
        if d is None:
            d = _parallel.elementwise(lambda a, b: _gelu_grad(x._xp, a, self.approximate, b), xa, ga)
        return wrap(d)

    def d_tensor(self, x):
        if self.approximate == "tanh":
            t = (_SQRT_2_PI * (x + 0.044715 * x * x * x)).tanh()
            return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * _SQRT_2_PI * (1 + 3 * 0.044715 * x * x)
        cdf = 0.5 * (1 + (x * _INV_SQRT2).erf())
        pdf = (-0.5 * x * x).exp() * (1 / math.sqrt(2 * math.pi))
        return cdf + x * pdf


@out_form()
def gelu(input, approximate="none"):
    if input.__class__ is not Tensor and input.is_nested:  # torch.nested
        return input._packed_apply(lambda flat: gelu(flat, approximate))
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    _float_check(input, "GeluKernelImpl")
    return _unary(input, None, GeluBackward0, False, approximate=approximate)


class SiluBackward0(_Pointwise):
    """d silu = s * (1 + x*(1 - s)), s = sigmoid(x)"""

    @staticmethod
    def forward(xp, x):
        return x * _sigmoid_arr(xp, x)

    def d_arr(self, xp, x):
        s = _sigmoid_arr(xp, x)
        return s * (1 + x * (1 - s))

    def d_tensor(self, x):
        s = x.sigmoid()
        return s * (1 + x * (1 - s))


def silu(input, inplace=False):
    _float_check(input, "silu_cpu")
    return _unary(input, None, SiluBackward0, inplace)


def _softplus_arr(xp, x):
    return xp.logaddexp(0, x).astype(x.dtype, copy=False)


class MishBackward0(_Pointwise):
    """d mish = tanh(sp) + x * sigmoid(x) * (1 - tanh(sp)^2), sp = softplus(x)"""

    @staticmethod
    def forward(xp, x):
        return x * xp.tanh(_softplus_arr(xp, x))

    def d_arr(self, xp, x):
        t = xp.tanh(_softplus_arr(xp, x))
        return t + x * _sigmoid_arr(xp, x) * (1 - t * t)

    def d_tensor(self, x):
        t = softplus(x).tanh()
        return t + x * x.sigmoid() * (1 - t * t)


def mish(input, inplace=False):
    _float_check(input, "mish_cpu")
    return _unary(input, None, MishBackward0, inplace)


class SoftplusBackward0(_Pointwise):
    """d softplus = sigmoid(beta*x) where beta*x <= threshold, else 1"""

    @staticmethod
    def forward(xp, x, beta, threshold):
        z = x * beta
        out = xp.where(z > threshold, x, _softplus_arr(xp, z) / beta)
        return out.astype(x.dtype, copy=False)

    def d_arr(self, xp, x):
        z = x * self.beta
        return xp.where(z > self.threshold, 1, _sigmoid_arr(xp, z)).astype(x.dtype, copy=False)

    def d_tensor(self, x):
        over = _mask(x._data * self.beta > self.threshold, x._data)
        return over + (1 - over) * (x * self.beta).sigmoid()


@out_form()
def softplus(input, beta=1.0, threshold=20.0):
    _float_check(input, "softplus_cpu")
    beta, threshold = _num(beta, "beta", "softplus", 2), _num(threshold, "threshold", "softplus", 3)
    return _unary(input, None, SoftplusBackward0, False, beta=beta, threshold=threshold)


class LogSigmoidBackward0(_Pointwise):
    """d logsigmoid = sigmoid(-x)"""

    @staticmethod
    def forward(xp, x):
        return -_softplus_arr(xp, -x)

    def d_arr(self, xp, x):
        return _sigmoid_arr(xp, -x)

    def d_tensor(self, x):
        return (-x).sigmoid()


def logsigmoid(input):
    _float_check(input, "log_sigmoid_cpu")
    return _unary(input, None, LogSigmoidBackward0, False)


class HardsigmoidBackward0(Node):
    """d hardsigmoid = g/6 on (-3, 3), else 0 (a select)"""

    def backward(self, g):
        (x,) = self.saved_tensors
        d = x._data
        return zero_where(g * _ONE_SIXTH, ~((d > -3) & (d < 3)))  # PyTorch's kernel uses float(1/6)

    @staticmethod
    def forward(xp, x):
        return (xp.clip(x + 3, 0, 6) / 6).astype(x.dtype, copy=False)


def hardsigmoid(input, inplace=False):
    return _unary(input, None, HardsigmoidBackward0, inplace)


class HardswishBackward0(_Pointwise):
    """d hardswish = 0 (x <= -3), g (x >= 3), g (x / 3 + 1/2) between (NaN x: NaN), as PyTorch's
    vectorised kernel: a select for the 0 piece, the product in float32 for 16-bit floats"""

    @staticmethod
    def forward(xp, x):
        return (x * xp.clip(x + 3, 0, 6) / 6).astype(x.dtype, copy=False)

    def backward_arrays(self, g):
        (x,) = self.saved_tensors
        d, gd, xp = x._data, g._data, x._xp
        xf, gf = (d.astype(np.float32), gd.astype(np.float32)) if d.dtype.itemsize == 2 else (d, gd)
        r = xp.where(xf >= 3, gf, gf * (xf / 3 + 0.5)).astype(gd.dtype, copy=False)
        return zero_where(wrap(r), d <= -3)

    def backward_tensors(self, g):
        d = self.saved_tensors[0]._data
        hi = _mask(d >= 3, d)
        return zero_where(g * ((1 - hi) * (self.saved_tensors[0] / 3 + 0.5) + hi), d <= -3)


def hardswish(input, inplace=False):
    return _unary(input, None, HardswishBackward0, inplace)


def softsign(input):
    return input / (input.abs() + 1)


def tanhshrink(input):
    return input - input.tanh()


def glu(input, dim=-1):
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    if input._data.dtype.kind not in "fc":
        raise NotImplementedError(f"\"glu_cpu\" not implemented for '{_WORDS[input._data.dtype.name]}'")
    d = dim + input.ndim if dim < 0 else dim
    if 0 <= d < input.ndim and input.shape[d] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {input.shape[d]}")
    a, b = input.chunk(2, dim)
    return a * b.sigmoid()
