"""pixel_shuffle / pixel_unshuffle: move r*r channel blocks to r x r spatial
blocks and back. Both are a reshape-permute-reshape of the input, so they are
written with view ops and their backward (the inverse rearrangement) comes
from those ops; the named nodes below record PyTorch's grad_fn names.

  pixel_shuffle:   (*, C r^2, H, W) -> (*, C, H r, W r)
                   out[c, h r + i, w r + j] = in[c r^2 + i r + j, h, w]
  pixel_unshuffle: its inverse, (*, C, H r, W r) -> (*, C r^2, H, W)
  backward of one is the other applied to the gradient.
"""

from ._util import Node, attach, wrap

__all__ = ["pixel_shuffle", "pixel_unshuffle"]


def _check(input, name, factor, what):
    if input.dim() < 3:
        raise RuntimeError(
            f"{name} expects input to have at least 3 dimensions, but got input with {input.dim()} dimension(s)"
        )
    if factor <= 0:
        raise RuntimeError(f"{name} expects a positive {what}, but got {factor}")


def _shuffle_arr(xp, x, r):
    *lead, c, h, w = x.shape
    oc = c // (r * r)
    y = x.reshape(*lead, oc, r, r, h, w)
    n = len(lead)
    y = y.transpose(*range(n), n, n + 3, n + 1, n + 4, n + 2)
    return xp.ascontiguousarray(y).reshape(*lead, oc, h * r, w * r)


def _unshuffle_arr(xp, x, r):
    *lead, c, h, w = x.shape
    oh, ow = h // r, w // r
    y = x.reshape(*lead, c, oh, r, ow, r)
    n = len(lead)
    y = y.transpose(*range(n), n, n + 2, n + 4, n + 1, n + 3)
    return xp.ascontiguousarray(y).reshape(*lead, c * r * r, oh, ow)


class PixelShuffleBackward0(Node):
    """d/dx pixel_shuffle(x, r) = pixel_unshuffle(g, r)"""

    def backward(self, g):
        return pixel_unshuffle(g, self.r)


class PixelUnshuffleBackward0(Node):
    """d/dx pixel_unshuffle(x, r) = pixel_shuffle(g, r)"""

    def backward(self, g):
        return pixel_shuffle(g, self.r)


def pixel_shuffle(input, upscale_factor):
    r = int(upscale_factor)
    _check(input, "pixel_shuffle", r, "upscale_factor")
    c = input.shape[-3]
    if c % (r * r):
        raise RuntimeError(
            "pixel_shuffle expects its input's 'channel' dimension to be divisible by the "
            f"square of upscale_factor, but input.size(-3)={c} is not divisible by {r * r}"
        )
    out = wrap(_shuffle_arr(input._xp, input._data, r))
    return attach(out, PixelShuffleBackward0, (input,), r=r)


def pixel_unshuffle(input, downscale_factor):
    r = int(downscale_factor)
    _check(input, "pixel_unshuffle", r, "downscale_factor")
    h, w = input.shape[-2], input.shape[-1]
    if h % r:
        raise RuntimeError(
            "pixel_unshuffle expects height to be divisible by downscale_factor, but "
            f"input.size(-2)={h} is not divisible by {r}"
        )
    if w % r:
        raise RuntimeError(
            "pixel_unshuffle expects width to be divisible by downscale_factor, but "
            f"input.size(-1)={w} is not divisible by {r}"
        )
    out = wrap(_unshuffle_arr(input._xp, input._data, r))
    return attach(out, PixelUnshuffleBackward0, (input,), r=r)
