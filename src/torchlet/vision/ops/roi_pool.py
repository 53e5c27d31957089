"""RoI max pooling (Fast R-CNN): the box, rounded to the feature grid, split into PH x PW bins,
each the max of its cells (0 for an empty bin). Backward sends each output's gradient to the one
cell that was the max (the first in row-major order among ties), as torchvision's kernel does."""

import math

import numpy as np

import torchlet
from torchlet import nn
from torchlet.autograd import Function
from ._utils import _pair, check_roi_boxes_shape, convert_boxes_to_roi_format

__all__ = ["roi_pool", "RoIPool"]


def _round(v):
    """std::round: halves away from zero."""
    return int(math.floor(v + 0.5)) if v >= 0 else -int(math.floor(-v + 0.5))


def _forward(x, r, scale, ph, pw):
    n, c, height, width = x.shape
    out = np.zeros((r.shape[0], c, ph, pw), dtype=x.dtype)
    argmax = np.full((r.shape[0], c, ph, pw), -1, dtype=np.int64)
    t = x.dtype.type
    for k in range(r.shape[0]):
        b = int(r[k, 0])
        sw, sh, ew, eh = (_round(float(t(v) * t(scale))) for v in r[k, 1:])
        roi_w, roi_h = max(ew - sw + 1, 1), max(eh - sh + 1, 1)
        bin_h, bin_w = t(roi_h) / t(ph), t(roi_w) / t(pw)
        for i in range(ph):
            hs = min(max(int(math.floor(t(i) * bin_h)) + sh, 0), height)
            he = min(max(int(math.ceil(t(i + 1) * bin_h)) + sh, 0), height)
            for j in range(pw):
                ws = min(max(int(math.floor(t(j) * bin_w)) + sw, 0), width)
                we = min(max(int(math.ceil(t(j + 1) * bin_w)) + sw, 0), width)
                if he <= hs or we <= ws:
                    continue
                cells = x[b, :, hs:he, ws:we].reshape(c, -1)
                pos = cells.argmax(axis=1)
                out[k, :, i, j] = cells[np.arange(c), pos]
                argmax[k, :, i, j] = (hs + pos // (we - ws)) * width + ws + pos % (we - ws)
    return out, argmax


class _RoIPool(Function):
    @staticmethod
    def forward(ctx, input, rois, scale, ph, pw):
        out, argmax = _forward(input.detach().numpy(), rois.detach().numpy(), scale, ph, pw)
        ctx.argmax, ctx.rois, ctx.shape = argmax, rois.detach().numpy(), tuple(input.shape)
        return torchlet.from_numpy(out)

    @staticmethod
    def backward(ctx, grad):
        """d input[b, c, argmax] += d out[k, c, i, j] for every output with a non-empty bin."""
        n, c, h, w = ctx.shape
        g = grad.detach().numpy()
        gin = np.zeros((n, c, h * w), dtype=g.dtype)
        for k in range(g.shape[0]):
            b = int(ctx.rois[k, 0])
            idx = ctx.argmax[k].reshape(c, -1)
            vals = g[k].reshape(c, -1)
            for ch in range(c):
                valid = idx[ch] >= 0
                np.add.at(gin[b, ch], idx[ch][valid], vals[ch][valid])
        return torchlet.from_numpy(gin.reshape(n, c, h, w)), None, None, None, None


def roi_pool(input, boxes, output_size, spatial_scale=1.0):
    check_roi_boxes_shape(boxes)
    rois = boxes if isinstance(boxes, torchlet.Tensor) else convert_boxes_to_roi_format(boxes)
    ph, pw = _pair(output_size)
    if input.dtype != rois.dtype:
        raise RuntimeError(
            f"Expected tensor for input to have the same type as tensor for rois; but type "
            f"{input.type()} does not equal {rois.type()} (while checking arguments for roi_pool_forward_kernel)"
        )
    return _RoIPool.apply(input, rois, spatial_scale, ph, pw)


class RoIPool(nn.Module):
    def __init__(self, output_size, spatial_scale):
        super().__init__()
        self.output_size = output_size
        self.spatial_scale = spatial_scale

    def forward(self, input, rois):
        return roi_pool(input, rois, self.output_size, self.spatial_scale)

    def __repr__(self):
        return f"{self.__class__.__name__}(output_size={self.output_size}, spatial_scale={self.spatial_scale})"
