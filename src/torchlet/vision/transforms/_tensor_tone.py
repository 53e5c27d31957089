"""Tone operations on uint8/float image tensors (..., C, H, W), with torchvision's
tensor formulas: posterize, solarize, adjust_sharpness, autocontrast, equalize.

They work on the tensor's array at the data-loading edge and wrap the result,
as the other image operations in _tensor.py do.
"""

import numpy as np

import torchlet
from ._tensor import _arr, _assert_channels, _assert_image_tensor, _blend, _fma, _max_value, _to_dtype, _wrap


def _check_3d(img):
    _assert_image_tensor(img)
    if img.ndim < 3:
        raise TypeError(f"Input image tensor should have at least 3 dimensions, but found {img.ndim}")
    _assert_channels(img, [1, 3])


def _check_uint8(img):
    if img.dtype != torchlet.uint8:
        raise TypeError(f"Only torch.uint8 image tensors are supported, but found {img.dtype}")


def posterize(img, bits):
    """Keep the top `bits` bits of every value: img & ~(2**(8 - bits) - 1)."""
    _check_3d(img)
    _check_uint8(img)
    a = _arr(img)
    return _wrap(a & np.uint8((-(2 ** (8 - bits))) & 0xFF))


def solarize(img, threshold):
    """Values >= threshold are inverted (max - v), the others kept."""
    _check_3d(img)
    a = _arr(img)
    bound = _max_value(a.dtype)
    if threshold > bound:
        raise TypeError("Threshold should be less than bound of img.")
    inverted = (np.array(bound).astype(a.dtype) - a).astype(a.dtype)
    return _wrap(np.where(a >= threshold, inverted, a))


def _blurred_degenerate(a):
    """The 3x3 smoothing [[1,1,1],[1,5,1],[1,1,1]]/13 on the interior; the border kept.
    Accumulated tap by tap with fused multiply-adds, as PyTorch's CPU conv2d sums."""
    work = a.dtype.type if np.issubdtype(a.dtype, np.floating) else np.float32
    kernel = np.ones((3, 3), dtype=work)
    kernel[1, 1] = 5.0
    kernel /= kernel.sum()
    x = a.astype(work, copy=False)
    h, w = a.shape[-2:]
    acc = None
    for di in range(3):
        for dj in range(3):
            tap = x[..., di : di + h - 2, dj : dj + w - 2]
            acc = kernel[di, dj] * tap if acc is None else _fma(kernel[di, dj], tap, acc)
    out = a.copy()
    out[..., 1:-1, 1:-1] = _to_dtype(acc, a.dtype)
    return out


def adjust_sharpness(img, sharpness_factor):
    """Blend with the smoothed image: factor 0 smooths, 1 keeps, 2 sharpens."""
    if sharpness_factor < 0:
        raise ValueError(f"sharpness_factor ({sharpness_factor}) is not non-negative.")
    _assert_image_tensor(img)
    _assert_channels(img, [1, 3])
    if img.shape[-1] <= 2 or img.shape[-2] <= 2:
        return img
    a = _arr(img)
    return _wrap(_blend(a, _blurred_degenerate(a), sharpness_factor))


def autocontrast(img):
    """Stretch each channel so its minimum maps to 0 and its maximum to the dtype's bound."""
    _check_3d(img)
    a = _arr(img)
    bound = _max_value(a.dtype)
    work = a.dtype.type if np.issubdtype(a.dtype, np.floating) else np.float32
    lo = a.min(axis=(-2, -1), keepdims=True).astype(work)
    hi = a.max(axis=(-2, -1), keepdims=True).astype(work)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = (work(1) / (hi - lo)) * work(bound)  # bound / t is t.reciprocal() * bound in PyTorch
    flat = ~np.isfinite(scale)
    lo[flat], scale[flat] = 0, 1
    out = np.clip((a.astype(work) - lo) * scale, 0, bound)
    return _wrap(out.astype(a.dtype))


def _equalize_channel(ch):
    hist = np.bincount(ch.reshape(-1), minlength=256).astype(np.int64)
    nonzero = hist[hist != 0]
    step = int(nonzero[:-1].sum()) // 255
    if step == 0:
        return ch
    lut = (np.cumsum(hist) + step // 2) // step
    lut = np.clip(np.concatenate([[0], lut[:-1]]), 0, 255)
    return lut[ch.astype(np.int64)].astype(np.uint8)


def equalize(img):
    """Histogram equalisation of each channel of a uint8 image (or batch of images)."""
    _assert_image_tensor(img)
    if not 3 <= img.ndim <= 4:
        raise TypeError(f"Input image tensor should have 3 or 4 dimensions, but found {img.ndim}")
    _check_uint8(img)
    _assert_channels(img, [1, 3])
    a = _arr(img)
    flat = a.reshape((-1,) + a.shape[-2:])
    return _wrap(np.stack([_equalize_channel(c) for c in flat]).reshape(a.shape))
