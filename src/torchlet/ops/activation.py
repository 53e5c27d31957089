"""Activation functions (nn.functional): fused forward on arrays, backward as
g * f'(x). Each node computes f'(x) on arrays when no graph is being built
(fast first-order path) and with Tensor ops under create_graph (so higher
order gradients work). relu/sigmoid/tanh live in pointwise_math."""

import math
import warnings

from .. import _dtype
from ._args import number_arg as _num
from ._util import Node, Tensor, TwoPathNode, attach, inplace, method, reduce_grad, wrap, wrap_dim

from ._out import out_form

__all__ = [
    "relu6",
    "leaky_relu",
    "leaky_relu_",
    "elu",
    "elu_",
    "celu",
    "selu",
    "gelu",
    "silu",
    "mish",
    "hardtanh",
    "hardtanh_",
    "softplus",
    "softmax",
    "log_softmax",
    "softmin",
    "prelu",
    "logsigmoid",
    "threshold",
    "threshold_",
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


def _erf_arr(x):
    from . import pointwise_math

    return pointwise_math.erf(wrap(x))._data


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


# ----- piecewise linear -----------------------------------------------------
class HardtanhBackward0(Node):
    """d hardtanh = g where min < x < max, else 0"""

    def backward(self, g):
        (x,) = self.saved_tensors
        d = x._data
        return g * _mask((d > self.min_val) & (d < self.max_val), d)

    @staticmethod
    def forward(xp, x, min_val, max_val):
        return xp.clip(x, min_val, max_val).astype(x.dtype, copy=False)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    if min_val > max_val:  # compared first, as nn.functional.hardtanh does (TypeError for None/str)
        raise ValueError("min_val cannot be greater than max_val")
    min_val = _num(min_val, "min_val", "hardtanh", 2)
    max_val = _num(max_val, "max_val", "hardtanh", 3)
    if input.dtype is _dtype.bool:
        raise NotImplementedError("Bool inputs not supported for hardtanh")
    return _unary(input, None, HardtanhBackward0, inplace, min_val=min_val, max_val=max_val)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input, inplace=False):
    return hardtanh(input, 0.0, 6.0, inplace)


class LeakyReluBackward0(Node):
    """d leaky_relu = g where x > 0, else g * slope"""

    def backward(self, g):
        (x,) = self.saved_tensors
        d = x._data
        return g * wrap(x._xp.where(d > 0, 1, self.negative_slope).astype(d.dtype, copy=False))

    @staticmethod
    def forward(xp, x, negative_slope):
        return xp.where(x > 0, x, x * negative_slope).astype(x.dtype, copy=False)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    _float_check(input, "leaky_relu_cpu")
    negative_slope = _num(negative_slope, "negative_slope", "leaky_relu", 2)
    return _unary(input, None, LeakyReluBackward0, inplace, negative_slope=negative_slope)


def leaky_relu_(input, negative_slope=0.01):
    return leaky_relu(input, negative_slope, True)


class ThresholdBackward0(Node):
    """d threshold = g where x > threshold, else 0"""

    def backward(self, g):
        (x,) = self.saved_tensors
        return g * _mask(x._data > self.threshold, x._data)

    @staticmethod
    def forward(xp, x, threshold, value):
        return xp.where(x > threshold, x, value).astype(x.dtype, copy=False)


def threshold(input, threshold, value, inplace=False):
    threshold, value = _num(threshold, "threshold", "threshold", 2), _num(value, "value", "threshold", 3)
    return _unary(input, None, ThresholdBackward0, inplace, threshold=threshold, value=value)


def threshold_(input, threshold, value):
    threshold, value = _num(threshold, "threshold", "threshold_", 2), _num(value, "value", "threshold_", 3)
    return _unary(input, None, ThresholdBackward0, True, threshold=threshold, value=value)


class PreluKernelBackward0(Node):
    """d prelu(x, w) = g*(x>0 ? 1 : w), sum(g * (x>0 ? 0 : x)) over non-channel dims"""

    def backward(self, g):
        x, w = self.saved_tensors
        pos = _mask(x._data > 0, x._data)
        wb = w.reshape(self.wshape)
        gx = g * (pos + (1 - pos) * wb) if self.needs_input_grad(0) else None
        gw = None
        if self.needs_input_grad(1):
            gw = reduce_grad(g * x * (1 - pos), (self.wshape, w._data.dtype)).reshape(w.shape)
        return gx, gw


def prelu(input, weight):
    if weight.dtype is not input.dtype:
        words = {"float64": "Double", "float32": "Float", "float16": "Half", "bfloat16": "BFloat16"}
        raise RuntimeError(
            f"prelu: Type promoting not supported. Got {words.get(input.dtype.name, _WORDS.get(input.dtype.name, input.dtype.name))} "
            f"and {words.get(weight.dtype.name, weight.dtype.name)}"
        )
    if weight.numel() != 1:
        if input.ndim == 0:
            raise RuntimeError("Not allow zero-dim input tensor.")
        channels = input.shape[1] if input.ndim >= 2 else 1
        if weight.numel() != channels:
            raise RuntimeError(
                f"Mismatch of parameter numbers and input channel size. Found parameter numbers = "
                f"{weight.numel()} and channel size = {channels}."
            )
    if weight.ndim > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = {weight.ndim}")
    x = input._data
    wshape = [1] * x.ndim
    if weight.numel() != 1 and x.ndim >= 2:
        wshape[1] = weight.numel()
    wshape = tuple(wshape)
    wa = weight._data.reshape(wshape) if wshape else weight._data.reshape(())
    out = wrap(input._xp.where(x > 0, x, x * wa).astype(x.dtype, copy=False))
    return attach(out, PreluKernelBackward0, (input, weight), (input, weight), wshape=wshape)


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


class GeluBackward0(_Pointwise):
    """d gelu = Phi(x) + x*phi(x) (exact); the tanh form's derivative otherwise"""

    @staticmethod
    def forward(xp, x, approximate):
        if approximate == "tanh":
            inner = _SQRT_2_PI * (x + 0.044715 * x * x * x)
            return (0.5 * x * (1 + xp.tanh(inner))).astype(x.dtype, copy=False)
        return (0.5 * x * (1 + _erf_arr(x * _INV_SQRT2))).astype(x.dtype, copy=False)

    def d_arr(self, xp, x):
        if self.approximate == "tanh":
            inner = _SQRT_2_PI * (x + 0.044715 * x * x * x)
            t = xp.tanh(inner)
            d = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * _SQRT_2_PI * (1 + 3 * 0.044715 * x * x)
            return d.astype(x.dtype, copy=False)
        cdf = 0.5 * (1 + _erf_arr(x * _INV_SQRT2))
        pdf = xp.exp(-0.5 * x * x) * (1 / math.sqrt(2 * math.pi))
        return (cdf + x * pdf).astype(x.dtype, copy=False)

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
    """d hardsigmoid = g/6 on (-3, 3), else 0"""

    def backward(self, g):
        (x,) = self.saved_tensors
        d = x._data
        return g * _mask((d > -3) & (d < 3), d) * _ONE_SIXTH  # PyTorch's kernel uses float(1/6)

    @staticmethod
    def forward(xp, x):
        return (xp.clip(x + 3, 0, 6) / 6).astype(x.dtype, copy=False)


def hardsigmoid(input, inplace=False):
    return _unary(input, None, HardsigmoidBackward0, inplace)


class HardswishBackward0(_Pointwise):
    """d hardswish = 0 (x < -3), 1 (x > 3), (2x + 3)/6 between"""

    @staticmethod
    def forward(xp, x):
        return (x * xp.clip(x + 3, 0, 6) / 6).astype(x.dtype, copy=False)

    def d_arr(self, xp, x):
        return xp.where(x < -3, 0, xp.where(x > 3, 1, (2 * x + 3) / 6)).astype(x.dtype, copy=False)

    def d_tensor(self, x):
        d = x._data
        mid = _mask((d >= -3) & (d <= 3), d)
        hi = _mask(d > 3, d)
        return hi + mid * (2 * x + 3) / 6


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


# ----- softmax family ---------------------------------------------------------
def _softmax_dim(name, ndim, stacklevel):
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X as an argument.",
        UserWarning,
        stacklevel=stacklevel,
    )
    return 0 if ndim in (0, 1, 3) else 1


def _prep(input, dim, dtype, name, stacklevel):
    if dim is None:
        dim = _softmax_dim(name, input.ndim, stacklevel + 1)
    if dtype is not None:
        input = input.to(dtype)
    elif input.dtype.category < 2:
        raise NotImplementedError(
            f"\"{name}_lastdim_kernel_impl\" not implemented for '{_WORDS.get(input.dtype.name, input.dtype)}'"
        )
    return input, wrap_dim(dim, input.ndim)


class SoftmaxBackward0(TwoPathNode):
    """d softmax = y * (g - sum(g * y, dim))"""

    def backward_arrays(self, g):
        (y,) = self.saved_tensors
        ya, ga = y._data, g._data
        gy = ga * ya
        return wrap(gy - ya * gy.sum(self.dim, keepdims=True))

    def backward_tensors(self, g):
        (y,) = self.saved_tensors
        return y * (g - (g * y).sum(self.dim, keepdim=True))


class LogSoftmaxBackward0(TwoPathNode):
    """d log_softmax = g - exp(y) * sum(g, dim)"""

    def backward_arrays(self, g):
        (y,) = self.saved_tensors
        return wrap(g._data - y._xp.exp(y._data) * g._data.sum(self.dim, keepdims=True))

    def backward_tensors(self, g):
        (y,) = self.saved_tensors
        return g - y.exp() * g.sum(self.dim, keepdim=True)


def _softmax_arr(xp, x, dim):
    if x.ndim == 0:
        return xp.ones_like(x)
    if x.size == 0:  # nothing to normalise (NumPy's max refuses an empty axis)
        return x.copy()
    e = xp.exp(x - x.max(dim, keepdims=True))
    e /= e.sum(dim, keepdims=True)
    return e


def _log_softmax_arr(xp, x, dim):
    if x.ndim == 0:
        return xp.zeros_like(x)
    if x.size == 0:  # nothing to normalise (NumPy's max refuses an empty axis)
        return x.copy()
    s = x - x.max(dim, keepdims=True)
    s -= xp.log(xp.exp(s).sum(dim, keepdims=True))
    return s


@method()
def softmax(input, dim=None, _stacklevel=3, dtype=None):
    if input.__class__ is not Tensor and input.is_nested:  # torch.nested
        return input.softmax(dim, dtype)
    input, d = _prep(input, dim, dtype, "softmax", _stacklevel)
    out = wrap(_softmax_arr(input._xp, input._data, d))
    if out._data.size == 0:
        return out
    return attach(out, SoftmaxBackward0, (input,), (out,), dim=d)


@method()
def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    if input.__class__ is not Tensor and input.is_nested:  # torch.nested
        return input.log_softmax(dim, dtype)
    input, d = _prep(input, dim, dtype, "log_softmax", _stacklevel)
    out = wrap(_log_softmax_arr(input._xp, input._data, d))
    if out._data.size == 0:
        return out
    return attach(out, LogSoftmaxBackward0, (input,), (out,), dim=d)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _softmax_dim("softmin", input.ndim, _stacklevel)
    if dtype is not None:
        input = input.to(dtype)
    return softmax(-input, dim)
