"""Resampling: interpolate (nearest, nearest-exact, linear / bilinear / trilinear,
bicubic, area; antialiased bilinear / bicubic / lanczos, whose weights are in
resample.py) and its upsample spellings.

interpolate is separable: along each resized dim the output is a fixed
linear map of the input (nearest: a 0/1 selection, linear: two weights per
output), so the backward applies the transposed map along each dim.
"""

import math

import numpy as np

from ..autograd import grad_mode
from . import resample
from ._util import Node, attach, wrap

__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear"]


# ----- interpolate ----------------------------------------------------------------
_LINEAR = {"linear": 1, "bilinear": 2, "trilinear": 3}
_UP_NAMES = {
    "nearest": "UpsampleNearest{}DBackward0",
    "nearest-exact": "UpsampleNearestExact{}DBackward0",
    "linear": "UpsampleLinear1DBackward0",
    "bilinear": "UpsampleBilinear2DBackward0",
    "trilinear": "UpsampleTrilinear3DBackward0",
    "bicubic": "UpsampleBicubic2DBackward0",
    "bilinear-aa": "UpsampleBilinear2DAaBackward0",
    "bicubic-aa": "UpsampleBicubic2DAaBackward0",
    "lanczos-aa": "UpsampleLanczos2DAaBackward0",
}


def _src_scale(n_in, n_out, scale, align_corners):
    """PyTorch's source-index scale (as a float32 computation for nearest)."""
    if align_corners:
        return (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
    return 1.0 / scale if scale is not None and scale > 0 else n_in / n_out


def _dim_map(xp, n_in, n_out, scale, mode, align_corners, dtype, n_spatial=1):
    """Per resized dim: (index arrays, weight arrays) with out[j] = sum_t w_t[j] * x[i_t[j]],
    built on the input's device (xp)."""
    dst = xp.arange(n_out)
    if mode == "nearest" and n_spatial == 2 and n_out in (n_in, 2 * n_in):
        # PyTorch's nearest kernels copy an unchanged dim and halve the indices of an
        # exact doubling, whatever scale_factor says: the 2-d forward and every backward
        # (n_spatial=2 is passed for those), not the 1-d and 3-d forwards
        return [dst if n_out == n_in else dst >> 1], None
    if mode in ("nearest", "nearest-exact"):
        s = np.float32(_src_scale(n_in, n_out, scale, False))
        off = np.float32(0.5) if mode == "nearest-exact" else np.float32(0)
        src = xp.floor((dst.astype(np.float32) + off) * s).astype(np.int64)
        return [xp.minimum(src, n_in - 1)], None
    if n_in == n_out:  # PyTorch copies a dim whose size is unchanged, whatever scale_factor says
        return [dst, dst], [xp.ones(n_out, dtype), xp.zeros(n_out, dtype)]
    s = dtype.type(_src_scale(n_in, n_out, scale, align_corners))
    d = dst.astype(dtype)
    src = s * d if align_corners else xp.maximum(s * (d + dtype.type(0.5)) - dtype.type(0.5), 0)
    i0 = xp.minimum(src.astype(np.int64), n_in - 1)
    i1 = i0 + (i0 < n_in - 1)
    l1 = (src - i0).astype(dtype)
    l0 = (dtype.type(1) - l1).astype(dtype)
    return [i0, i1], [l0, l1]


def _matrix(xp, idx, wts, n_in, dtype):
    """(n_out, n_in) matrix of a dim map (for the backward)."""
    n_out = idx[0].shape[0]
    A = xp.zeros((n_out, n_in), dtype=dtype)
    rows = xp.arange(n_out)
    if wts is None:
        A[rows, idx[0]] = 1
    else:
        for i, w in zip(idx, wts):
            A[rows, i] += w  # rows are distinct, so each += touches an entry once
    return wrap(A)


class _UpsampleBackward(Node):
    """y = A_d x along each resized dim d  ->  dx = A_d^T g along each dim"""

    def backward(self, g):
        for k, A in self.mats:
            d = 2 + k
            g = g.transpose(d, -1).matmul(A).transpose(d, -1)
        return g


_UP_NODES = {}


def _up_node(mode, n):
    name = _UP_NAMES[mode].format(n)
    cls = _UP_NODES.get(name)
    if cls is None:
        cls = _UP_NODES[name] = type(name, (_UpsampleBackward,), {})
    return cls


def interpolate(
    input,
    size=None,
    scale_factor=None,
    mode="nearest",
    align_corners=None,
    recompute_scale_factor=None,
    antialias=False,
):
    X = input._data
    n = X.ndim - 2
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError(
                "align_corners option can only be set with the interpolating modes: "
                "linear | bilinear | bicubic | trilinear"
            )
    elif align_corners is None:
        align_corners = False
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is None and scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    if size is not None:
        if isinstance(size, (tuple, list)):
            if len(size) != n:
                raise ValueError(
                    f"Input and output must have the same number of spatial dimensions, but got "
                    f"input with spatial dimensions of {list(X.shape[2:])} and output size of "
                    f"{size}. Please provide input tensor in (N, C, d1, d2, ...,dK) format and "
                    "output size in (o1, o2, ...,oK) format."
                )
            out = tuple(int(s) for s in size)
        else:
            out = (int(size),) * n
        scales = (None,) * n
        if recompute_scale_factor:
            raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    else:
        sf = tuple(scale_factor) if isinstance(scale_factor, (tuple, list)) else (scale_factor,) * n
        if isinstance(scale_factor, (tuple, list)) and len(sf) != n:
            raise ValueError(
                f"Input and scale_factor must have the same number of spatial dimensions, but "
                f"got input with spatial dimensions of {list(X.shape[2:])} and scale_factor of "
                f"shape {scale_factor}. Please provide input tensor in (N, C, d1, d2, ...,dK) "
                "format and scale_factor in (s1, s2, ...,sK) format."
            )
        out = tuple(int(math.floor(float(S) * float(f))) for S, f in zip(X.shape[2:], sf))
        scales = (None,) * n if recompute_scale_factor or mode == "area" else tuple(float(f) for f in sf)
    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and X.ndim == 4):
        raise ValueError(
            "Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and requires a 4-D tensor as input"
        )
    if mode == "area" and n >= 1:
        from .pooling_adaptive import adaptive_avg_pool2d

        if 0 in out:  # adaptive pooling to an empty size: an empty result
            return input.sum(tuple(range(2, X.ndim)), keepdim=True).expand(X.shape[:2] + out) * 0
        if n == 1:
            return adaptive_avg_pool2d(input.unsqueeze(-2), (1, out[0])).squeeze(-2)
        return adaptive_avg_pool2d(input, out)
    if mode in _LINEAR and _LINEAR[mode] != n and 1 <= n <= 3:
        raise NotImplementedError(f"Got {X.ndim}D input, but {mode} mode needs {_LINEAR[mode] + 2}D input")
    if mode == "lanczos" and n == 2:
        if align_corners:
            raise ValueError("Lanczos mode does not support align_corners=True")
        if not antialias:
            raise ValueError("Lanczos mode requires antialias=True")
    if not (1 <= n <= 3) or (
        mode not in _LINEAR
        and mode not in ("nearest", "nearest-exact")
        and not (mode in ("bicubic", "lanczos") and n == 2)
    ):
        raise NotImplementedError(
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {X.ndim}D) "
            f"for the modes: nearest | linear | bilinear | bicubic | trilinear | lanczos "
            f"| area | nearest-exact (got {mode})"
        )
    align_corners = bool(align_corners)
    if min(out) <= 0 or min(X.shape[2:]) <= 0:
        names = "DHW"[3 - n :]
        ins = ", ".join(f"{c}: {v}" for c, v in zip(names, X.shape[2:]))
        outs = ", ".join(f"{c}: {v}" for c, v in zip(names, out))
        raise RuntimeError(
            f"Input and output sizes should be greater than 0, but got input ({ins})"
            f"{' and' if n == 1 else ''} output ({outs})"
        )
    xp = input._xp
    if X.dtype == np.uint8 and mode in ("bilinear", "bicubic", "lanczos"):
        return wrap(resample.uint8_resize(xp, X, out, scales, align_corners, mode, antialias))
    if X.dtype.kind != "f" and mode not in ("nearest", "nearest-exact"):
        raise NotImplementedError(f"\"upsample_{mode}\" not implemented for '{input.dtype.name}'")
    dt = X.dtype if X.dtype.kind == "f" else np.dtype(np.float32)
    mats = []
    Y = X
    # the innermost dim first, so the outer weights multiply the inner results (as PyTorch)
    for k in range(n - 1, -1, -1):
        d = 2 + k
        if antialias:
            idx, wts = resample.aa_map(xp, X.shape[d], out[k], scales[k], align_corners, dt, mode)
            mats.append((k, idx, wts))
            if X.shape[d] == out[k]:
                # PyTorch's separable forward skips a dim it does not resize; its backward
                # still applies that dim's weights (so a scale_factor != 1 shows there)
                continue
        elif mode == "bicubic":
            idx, wts = resample.cubic_map(xp, X.shape[d], out[k], scales[k], align_corners, dt)
        else:
            idx, wts = _dim_map(xp, X.shape[d], out[k], scales[k], mode, align_corners, dt, n)
        if wts is None:
            Y = xp.take(Y, idx[0], axis=d)
        else:
            shp = (-1,) + (1,) * (n - 1 - k)
            acc = xp.take(Y, idx[0], axis=d) * wts[0].reshape(shp)
            for i, w in zip(idx[1:], wts[1:]):
                acc = acc + xp.take(Y, i, axis=d) * w.reshape(shp)
            Y = acc
        if not antialias:
            if mode == "nearest" and n != 2:  # PyTorch's backward copies / halves as the 2-d forward
                idx, wts = _dim_map(xp, X.shape[d], out[k], scales[k], mode, align_corners, dt, 2)
            mats.append((k, idx, wts))
    if Y is X:
        Y = Y.copy()
    if not (input._requires_grad and grad_mode._mode.enabled):
        return wrap(Y)
    mats = [(k, _matrix(xp, idx, wts, X.shape[2 + k], dt)) for k, idx, wts in sorted(mats, key=lambda m: m[0])]
    node = _up_node(mode + "-aa" if antialias else mode, n)
    return attach(wrap(Y), node, (input,), mats=mats)


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)
