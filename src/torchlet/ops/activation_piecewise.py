"""Piecewise-linear activations: hardtanh, relu6, leaky_relu, threshold and prelu (relu is in
relu_sigmoid_tanh.py); each gradient is g on the linear pieces' slopes (a 0/1 or slope mask; the
0/1 ones are selects, as PyTorch's: an inf or NaN gradient where the slope is 0 gives 0)."""

from .. import _dtype
from ._args import number_arg as _num
from ._util import Node, attach, reduce_grad, wrap
from .clamp import zero_where
from .activation import _WORDS, _float_check, _mask, _unary

__all__ = ["relu6", "leaky_relu", "leaky_relu_", "hardtanh", "hardtanh_", "prelu", "threshold", "threshold_"]


# ----- piecewise linear -----------------------------------------------------
class HardtanhBackward0(Node):
    """d hardtanh = g where min < x < max, else 0 (a select; NaN x: 0, as PyTorch's vectorised
    loop, where its scalar one, for the last elements of an array, passes g)"""

    def backward(self, g):
        (x,) = self.saved_tensors
        d = x._data
        return zero_where(g, ~((d > self.min_val) & (d < self.max_val)))

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
    """d threshold = 0 where x <= threshold, else g (a select: NaN x passes g)"""

    def backward(self, g):
        (x,) = self.saved_tensors
        return zero_where(g, x._data <= self.threshold)

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
