"""rrelu: randomized leaky ReLU (Xu et al. 2015).

  training: y = x for x > 0, y = a x with a ~ U(lower, upper) drawn per
            element where x <= 0;           d/dx = 1 or a (the drawn noise)
  eval:     leaky_relu with slope (lower + upper) / 2

The draws follow PyTorch's CPU kernel exactly: one double per non-positive
element in memory order, a = u (upper - lower) + lower from a 53-bit uniform
u (the bounds first rounded to the input's float type), so a seeded program
gets PyTorch's noise from torchlet's generator (through `rand`)."""

import numpy as np

from .. import _dtype
from ._util import Node, attach, inplace, wrap
from .activation import _WORDS
from .activation_piecewise import leaky_relu

__all__ = ["rrelu", "rrelu_"]


class RreluWithNoiseBackward0(Node):
    """d rrelu/dx = noise (the drawn slope where x <= 0, 1 elsewhere); in eval
    (or with lower == upper) the leaky_relu derivative: 1 (x > 0) or slope"""

    def backward(self, g):
        (x,) = self.saved_tensors
        d = x._data
        if self.noise is not None:
            return g * self.noise
        return g * wrap(x._xp.where(d > 0, 1, self.slope).astype(d.dtype, copy=False))


def _draw_noise(x, lower, upper, generator):
    """PyTorch's per-element slopes: 1 where x > 0, U(lower, upper) elsewhere."""
    from .random_ops import rand

    xp = x._xp
    d = x._data
    neg = d <= 0  # NaN is not drawn for (slope 1), as PyTorch's `input <= 0`
    lo, hi = (
        (float(np.float32(lower)), float(np.float32(upper))) if d.dtype != np.float64 else (float(lower), float(upper))
    )
    u = rand(int(neg.sum()), dtype=_dtype.float64, generator=generator, device=x.device)._data
    slopes = (u * (hi - lo) + lo).astype(d.dtype)  # no fused multiply-add, as PyTorch's kernel
    noise = xp.ones_like(d)
    noise[neg] = slopes
    return noise


def _rrelu(input, lower, upper, training, generator):
    if input.dtype.category < 2:
        raise NotImplementedError(
            f"\"leaky_relu_cpu\" not implemented for '{_WORDS.get(input.dtype.name, input.dtype.name)}'"
        )
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")
    d = input._data
    if not training:
        slope = (lower + upper) / 2
        out = leaky_relu(input.detach(), slope)
        return attach(
            wrap(out._data), RreluWithNoiseBackward0, (input,), (input,), noise=None, slope=d.dtype.type(slope)
        )
    noise = _draw_noise(input, lower, upper, generator)
    out = (d * noise).astype(d.dtype, copy=False)
    if upper - lower <= 1e-6:  # PyTorch's backward then uses the mean slope
        return attach(
            wrap(out), RreluWithNoiseBackward0, (input,), (input,), noise=None, slope=d.dtype.type((lower + upper) / 2)
        )
    return attach(wrap(out), RreluWithNoiseBackward0, (input,), (input,), noise=wrap(noise))


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False, generator=None):
    """F.rrelu(input, lower, upper, training, inplace); torch.rrelu's `generator` too."""
    if inplace:
        return rrelu_(input, lower, upper, training, generator)
    return _rrelu(input, lower, upper, training, generator)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False, generator=None):
    return inplace(input, lambda t: _rrelu(t, lower, upper, training, generator))
