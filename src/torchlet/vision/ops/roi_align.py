"""RoI Align (Mask R-CNN): average of bilinear samples on a regular grid in each output bin.

For one RoI the bilinear sampling is separable: the sample at (y, x) is sum_h sum_w Wy[y, h] *
feature[h, w] * Wx[x, w], with Wy/Wx holding the two interpolation weights (1 - l, l) of each sample
coordinate at its two neighbouring rows/columns (a zero row for a sample outside [-1, size]). So
    out = pool_grid(Wy @ feature @ Wx^T) / count,
built from Tensor ops: the gradient w.r.t. the features, Wy^T @ dOut @ Wx / count, is autograd's,
which is torchvision's backward (bilinear weights scattered back). No gradient flows to the boxes,
as in torchvision."""

import math

import numpy as np

import torchlet
from torchlet import nn
from ._utils import _pair, check_roi_boxes_shape, convert_boxes_to_roi_format

__all__ = ["roi_align", "RoIAlign"]


def _interp_matrix(start, bin_size, pooled, grid, size, dtype):
    """(pooled*grid, size) bilinear weights of the sample coordinates along one axis."""
    m = np.zeros((pooled * grid, size), dtype=dtype)
    t = dtype.type
    for p in range(pooled):
        for i in range(grid):
            c = t(start + t(p) * bin_size + t(i + 0.5) * bin_size / t(grid))
            if c < -1.0 or c > size:
                continue
            c = max(c, t(0))
            low = int(c)
            if low >= size - 1:
                low = high = size - 1
                c = t(low)
            else:
                high = low + 1
            frac = t(c - low)
            m[p * grid + i, low] += t(1) - frac
            m[p * grid + i, high] += frac
    return m


def roi_align(input, boxes, output_size, spatial_scale=1.0, sampling_ratio=-1, aligned=False):
    """(K, C, PH, PW) features of the K boxes ((K, 5) with image index first, or a list of (L, 4)
    per image), each bin the mean of sampling_ratio^2 bilinear samples (adaptive when -1:
    ceil(roi size / bins)). aligned=True shifts the box by -0.5 pixel (pixel-centre convention)."""
    check_roi_boxes_shape(boxes)
    rois = boxes if isinstance(boxes, torchlet.Tensor) else convert_boxes_to_roi_format(boxes)
    ph, pw = _pair(output_size)
    if input.dim() != 4:
        raise RuntimeError(f"input should be a 4d tensor (N, C, H, W), got {input.dim()}D")
    if input.dtype != rois.dtype:
        raise RuntimeError(
            f"Expected tensor for input to have the same type as tensor for rois; but type "
            f"{input.type()} does not equal {rois.type()} (while checking arguments for roi_align_forward_kernel)"
        )
    _, channels, height, width = input.shape
    dtype = np.dtype(str(input.dtype).replace("torchlet.", ""))
    t = dtype.type
    r = rois.detach().cpu().numpy()
    offset = t(0.5) if aligned else t(0)
    outs = []
    for k in range(r.shape[0]):
        batch = int(r[k, 0])
        x1, y1, x2, y2 = (t(v) * t(spatial_scale) - offset for v in r[k, 1:])
        roi_w, roi_h = t(x2 - x1), t(y2 - y1)
        if not aligned:
            roi_w, roi_h = max(roi_w, t(1)), max(roi_h, t(1))
        bin_h, bin_w = t(roi_h / t(ph)), t(roi_w / t(pw))
        gh = sampling_ratio if sampling_ratio > 0 else int(math.ceil(roi_h / t(ph)))
        gw = sampling_ratio if sampling_ratio > 0 else int(math.ceil(roi_w / t(pw)))
        count = max(gh * gw, 1)
        if gh <= 0 or gw <= 0:
            outs.append(input.new_zeros((channels, ph, pw)))
            continue
        wy = torchlet.from_numpy(_interp_matrix(y1, bin_h, ph, gh, height, dtype))
        wx = torchlet.from_numpy(_interp_matrix(x1, bin_w, pw, gw, width, dtype))
        samples = wy @ input[batch] @ wx.t()  # (C, ph*gh, pw*gw)
        outs.append(samples.reshape(channels, ph, gh, pw, gw).sum((2, 4)) / count)
    if not outs:  # still a function of input, so its gradient is zeros rather than None
        return input.flatten()[:0].reshape(0, channels, ph, pw)
    return torchlet.stack(outs)


class RoIAlign(nn.Module):
    def __init__(self, output_size, spatial_scale, sampling_ratio, aligned=False):
        super().__init__()
        self.output_size = output_size
        self.spatial_scale = spatial_scale
        self.sampling_ratio = sampling_ratio
        self.aligned = aligned

    def forward(self, input, rois):
        return roi_align(input, rois, self.output_size, self.spatial_scale, self.sampling_ratio, self.aligned)

    def __repr__(self):
        return (
            f"{self.__class__.__name__}(output_size={self.output_size}, spatial_scale={self.spatial_scale}, "
            f"sampling_ratio={self.sampling_ratio}, aligned={self.aligned})"
        )
