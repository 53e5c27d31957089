"""Adaptive pooling: adaptive_avg_pool1d/2d (separable averaging matrices, y = A_h x A_w^T) and
adaptive_max_pool1d/2d (windows floor(i S / o) .. ceil((i + 1) S / o) on each dim)."""

import numpy as np

from ._args import int_arg
from ._util import _NAME_WORDS, Node, attach, wrap
from .unfold import _tup
from .pooling import MaxPool2DWithIndicesBackward0, _as1

__all__ = [
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "adaptive_max_pool1d",
    "adaptive_max_pool2d",
    "adaptive_max_pool2d_with_indices",
]


# ----- adaptive pooling -----------------------------------------------------
def _bounds(xp, S, o):
    i = xp.arange(o)
    return (i * S) // o, -((-(i + 1) * S) // o)  # floor(i*S/o), ceil((i+1)*S/o)


def _avg_matrix(xp, S, o, dtype):
    """A[i, j] = 1/len(window i) for j in window i (the adaptive averaging along one dim)."""
    lo, hi = _bounds(xp, S, o)
    j = xp.arange(S)
    a = ((j >= lo[:, None]) & (j < hi[:, None])) / (hi - lo)[:, None]
    return a.astype(dtype)


def _out_size(output_size, spatial, n, name="adaptive_avg_pool2d", lead=()):
    o = _tup(output_size, n, "output_size") if not isinstance(output_size, (tuple, list)) else tuple(output_size)
    if len(o) != n:
        raise RuntimeError(f"adaptive_avg_pool{n}d: output_size must be {n}")
    o = tuple(S if v is None else int_arg(v, "output_size", "tuple of ints") for v, S in zip(o, spatial))
    if any(v < 0 for v in o):
        if name == "adaptive_avg_pool2d":
            raise RuntimeError(
                f"adaptive_avg_pool2d: elements of output_size must be greater than or equal "
                f"to 0 but received {{{', '.join(map(str, o))}}}"
            )
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(o)}: {lead + list(o)}")
    return o


class AdaptiveAvgPool2DBackward0(Node):
    """y = A_h x A_w^T  ->  dx = A_h^T g A_w"""

    def backward(self, g):
        return self.ah.mT.matmul(g).matmul(self.aw)


def adaptive_avg_pool2d(input, output_size):
    if input.dim() not in (3, 4):
        raise RuntimeError(f"adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got {list(input.shape)}")
    H, W = input._data.shape[-2:]
    oh, ow = _out_size(output_size, (H, W), 2)
    if oh == 1 and ow == 1:
        return input.mean((-2, -1), keepdim=True)
    X = input._data
    xp = input._xp
    if X.dtype.kind not in "fc":
        raise NotImplementedError(
            f"\"adaptive_avg_pool2d\" not implemented for '{_NAME_WORDS.get(input.dtype.name, input.dtype.name)}'"
        )
    ah, aw = _avg_matrix(xp, H, oh, X.dtype), _avg_matrix(xp, W, ow, X.dtype)
    if H % oh == 0 and W % ow == 0:
        y = X.reshape(X.shape[:-2] + (oh, H // oh, ow, W // ow)).mean((-3, -1))
    else:
        y = ah @ X @ aw.T
    return attach(wrap(y), AdaptiveAvgPool2DBackward0, (input,), ah=wrap(ah), aw=wrap(aw))


def adaptive_avg_pool1d(input, output_size):
    if input.dim() not in (2, 3):
        raise RuntimeError(f"adaptive_avg_pool1d(): Expected 2D or 3D tensor, but got {list(input.shape)}")
    o = _as1(output_size, "output_size")
    return adaptive_avg_pool2d(input.unsqueeze(-2), (1, o)).squeeze(-2)


class AdaptiveMaxPool2DBackward0(MaxPool2DWithIndicesBackward0):
    pass


def _adaptive_max(input, output_size):
    if input.dim() not in (3, 4):
        raise RuntimeError(f"adaptive_max_pool2d(): Expected 3D or 4D tensor, but got {list(input.shape)}")
    if input._data.dtype.kind not in "fc":
        raise NotImplementedError(
            f"\"adaptive_max_pool2d\" not implemented for '{_NAME_WORDS.get(input.dtype.name, input.dtype.name)}'"
        )
    x = input if input.dim() == 4 else input.unsqueeze(0)
    X = x._data
    xp = x._xp
    H, W = X.shape[-2:]
    oh, ow = _out_size(output_size, (H, W), 2, "adaptive_max_pool2d", list(input.shape[:-2]))
    idx = []
    for S, o in ((H, oh), (W, ow)):
        lo, hi = _bounds(xp, S, o)
        k = max(-((-(i + 1) * S) // o) - (i * S) // o for i in range(o)) if o else 0  # the widest window
        # window rows, padded with the window's last row (a repeat never changes max or arg-max)
        idx.append(xp.minimum(lo[:, None] + xp.arange(k), hi[:, None] - 1))
    rh, rw = idx
    kh, kw = rh.shape[1], rw.shape[1]
    win = X[:, :, rh[:, :, None, None], rw[None, None, :, :]]  # N,C,oh,kh,ow,kw
    win = win.transpose(0, 1, 2, 4, 3, 5).reshape(X.shape[:2] + (oh, ow, kh * kw))
    arg = win.argmax(-1)
    vals = xp.take_along_axis(win, arg[..., None], -1)[..., 0]
    flat = rh[xp.arange(oh)[:, None], arg // kw] * W + rw[xp.arange(ow)[None, :], arg % kw]
    indices = flat.astype(np.int64)
    res = attach(
        wrap(vals),
        AdaptiveMaxPool2DBackward0,
        (x,),
        indices=indices,
        spatial=(H, W),
        overlap=H % oh != 0 or W % ow != 0,
    )
    idx_t = wrap(indices)
    if input.dim() == 3:
        return res.squeeze(0), idx_t.squeeze(0)
    return res, idx_t


def adaptive_max_pool2d(input, output_size, return_indices=False):
    res, idx = _adaptive_max(input, output_size)
    return (res, idx) if return_indices else res


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=True):
    return _adaptive_max(input, output_size)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    if input.dim() not in (2, 3):
        raise RuntimeError(f"adaptive_max_pool1d(): Expected 2D or 3D tensor, but got {list(input.shape)}")
    res, idx = _adaptive_max(input.unsqueeze(-2), (1, _as1(output_size, "output_size")))
    res, idx = res.squeeze(-2), idx.squeeze(-2)
    return (res, idx) if return_indices else res
