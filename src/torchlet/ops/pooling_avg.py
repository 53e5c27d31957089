"""Average pooling: avg_pool1d/2d/3d (window sums over the padded input divided by the
window sizes, or divisor_override) and lp_pool1d/2d composed from them."""

import numpy as np

from . import _pool_onednn
from ._out import out_form
from ._util import _NAME_WORDS, TwoPathNode, attach, wrap, wrap_dim
from .unfold import _fold, _pad_array, _tup, _windows
from .pooling import _as1, _batch, _geometry, _tiled_spread, _unbatch

__all__ = ["avg_pool1d", "avg_pool2d", "avg_pool3d", "lp_pool1d", "lp_pool2d"]


# ----- average pooling ------------------------------------------------------
class AvgPool2DBackward0(TwoPathNode):
    """Each output's gradient, divided by its divisor, is spread over its window
    (windows that tile the input: on arrays, a nearest upsampling of g)."""

    def backward_arrays(self, g):
        if getattr(self, "tiled", False):
            return wrap(_tiled_spread(g._xp, (g / self.divisor)._data, self.ksize, self.spatial))
        return NotImplemented

    def backward_tensors(self, g):
        N, C = g.shape[:2]
        if getattr(self, "tiled", False):  # windows tile the input: a nearest upsampling of g
            (kh, kw), (oh, ow), (H, W) = self.ksize, g.shape[2:], self.spatial
            gd = (g / self.divisor).reshape(N, C, oh, 1, ow, 1).expand(N, C, oh, kh, ow, kw)
            gx = gd.reshape(N, C, oh * kh, ow * kw)
            if (oh * kh, ow * kw) != (H, W):
                from .padding import pad

                gx = pad(gx, (0, W - ow * kw, 0, H - oh * kh))
            return gx
        K = int(np.prod(self.ksize))
        L = int(np.prod(g.shape[2:]))
        gd = (g / self.divisor).reshape(N, C, 1, L).expand(N, C, K, L).reshape(N, C * K, L)
        return _fold(gd, self.spatial, self.ksize, self.stride, self.pads, (1,) * len(self.ksize))


AvgPool3DBackward0 = type("AvgPool3DBackward0", (AvgPool2DBackward0,), {})


def _divisor(xp, S, k, s, p, o, count_include_pad):
    """Window sizes along one dim (clipped to the padded input, or to the input), built on
    the input's device."""
    start = xp.arange(o) * s - p
    end = xp.minimum(start + k, S + p)
    size = end - start
    if not count_include_pad:
        size = xp.minimum(end, S) - xp.maximum(start, 0)
    return size


def _avg_pool(input, n, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, name):
    if n == 2 and input.dim() < 3:
        wrap_dim(-3, input.dim())  # PyTorch reads input.size(-3) first: IndexError
    x = _batch(input, n, name)
    k, s, d, pads, out = _geometry(x, n, kernel_size, stride, padding, 1, ceil_mode, name)
    X = x._data
    xp = x._xp
    if X.dtype.kind not in "fc" and X.dtype != np.int64:
        word = name if n == 2 else "avg_pool3d_out_frame"
        raise NotImplementedError(f"\"{word}\" not implemented for '{_NAME_WORDS.get(x.dtype.name, x.dtype.name)}'")
    tiled = n == 2 and k == s and pads == ((0, 0), (0, 0))
    if divisor_override:
        div = xp.asarray(float(divisor_override), dtype=X.dtype)
    else:
        div = 1
        for dim in range(n):
            sz = _divisor(xp, X.shape[2 + dim], k[dim], s[dim], pads[dim][0], out[dim], count_include_pad).reshape(
                (-1,) + (1,) * (n - 1 - dim)
            )
            div = div * sz
        div = xp.asarray(div, dtype=X.dtype)
    node = AvgPool2DBackward0 if n == 2 else AvgPool3DBackward0
    y = None
    if n == 2 and not divisor_override:  # a large float32 batch: PyTorch's bits on oneDNN's threads
        y = _pool_onednn.avg_pool2d(X, k, s, pads, out, count_include_pad)
    if y is None:
        tot = _window_sums(xp, X, n, k, s, d, pads, out, tiled)
        if X.dtype.kind == "i":  # int64: PyTorch divides in C++ integers, truncating toward zero
            div = div.astype(np.int64)
            return _unbatch(wrap(xp.sign(tot) * (xp.abs(tot) // div) * xp.sign(div)), input, n)
        y = tot / div
    res = attach(wrap(y), node, (x,), divisor=wrap(div), spatial=X.shape[2:], ksize=k, stride=s, pads=pads, tiled=tiled)
    return _unbatch(res, input, n)


def _window_sums(xp, X, n, k, s, d, pads, out, tiled):
    """Each window's sum over the zero-padded input: tiled windows tap by tap, row by row
    (PyTorch's order); others by NumPy's sum over each window (pairwise, within an ulp or two)."""
    if tiled:  # windows tile the input (AvgPool2d(2)): add the k1*k2 strided taps, no window copy
        (kh, kw), (oh, ow) = k, out
        tot = None
        for i in range(kh):
            for j in range(kw):
                tap = X[:, :, i : i + kh * oh : kh, j : j + kw * ow : kw]
                tot = tap.copy() if tot is None else xp.add(tot, tap, out=tot)
        return tot
    win = _windows(xp, _pad_array(xp, X, pads), k, s, d, out)
    return win.sum(axis=tuple(range(2 + n, 2 + 2 * n)))


@out_form()
def avg_pool2d(
    input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None
):
    return _avg_pool(
        input, 2, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, "avg_pool2d"
    )


def avg_pool3d(
    input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None
):
    return _avg_pool(
        input, 3, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, "avg_pool3d"
    )


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    if input.dim() not in (2, 3):
        raise RuntimeError(f"avg_pool1d() Expected 2D or 3D input tensor, but got {list(input.shape)}")
    stride = None if stride is None or stride == () or stride == [] else (1, _as1(stride, "stride"))
    res = _avg_pool(
        input.unsqueeze(-2),
        2,
        (1, _as1(kernel_size, "kernel_size")),
        stride,
        (0, _as1(padding, "padding")),
        ceil_mode,
        count_include_pad,
        None,
        "avg_pool1d",
    )
    return res.squeeze(-2)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """(sum over window of x^p)^(1/p), as PyTorch composes it from avg_pool2d."""
    kw, kh = _tup(kernel_size, 2, "kernel_size")
    out = avg_pool2d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return (out.sign() * out.abs().relu()).mul(kw * kh).pow(1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    out = avg_pool1d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return (out.sign() * out.abs().relu()).mul(kernel_size).pow(1.0 / norm_type)
