"""MultiScaleRoIAlign: RoI Align over an FPN, each box pooled from the level its size picks
(level = floor(4 + log2(sqrt(area) / 224) + 1e-6), clamped to the levels present)."""

import torchlet
from torchlet import nn
from .boxes import box_area
from .roi_align import roi_align

__all__ = ["MultiScaleRoIAlign"]


class LevelMapper:
    def __init__(self, k_min, k_max, canonical_scale=224, canonical_level=4, eps=1e-6):
        self.k_min, self.k_max = k_min, k_max
        self.s0, self.lvl0, self.eps = canonical_scale, canonical_level, eps

    def __call__(self, boxlists):
        s = torchlet.sqrt(torchlet.cat([box_area(b) for b in boxlists]))
        target = torchlet.floor(self.lvl0 + torchlet.log2(s / self.s0) + torchlet.tensor(self.eps, dtype=s.dtype))
        target = torchlet.clamp(target, min=self.k_min, max=self.k_max)
        return target.to(torchlet.int64) - self.k_min


def _convert_to_roi_format(boxes):
    concat = torchlet.cat(boxes, dim=0)
    ids = torchlet.cat([torchlet.full_like(b[:, :1], i) for i, b in enumerate(boxes)], dim=0)
    return torchlet.cat([ids, concat], dim=1)


def _infer_scale(feature, original_size):
    """The power of two nearest to feature size / image size (from the first dimension)."""
    approx = float(feature.shape[-2]) / float(original_size[0])
    return 2 ** float(torchlet.tensor(approx).log2().round())


def _setup_scales(features, image_shapes, canonical_scale, canonical_level):
    if not image_shapes:
        raise ValueError("images list should not be empty")
    original = (max(s[0] for s in image_shapes), max(s[1] for s in image_shapes))
    scales = [_infer_scale(f, original) for f in features]
    lvl_min = -torchlet.log2(torchlet.tensor(scales[0], dtype=torchlet.float32)).item()
    lvl_max = -torchlet.log2(torchlet.tensor(scales[-1], dtype=torchlet.float32)).item()
    return scales, LevelMapper(
        int(lvl_min), int(lvl_max), canonical_scale=canonical_scale, canonical_level=canonical_level
    )


class MultiScaleRoIAlign(nn.Module):
    def __init__(self, featmap_names, output_size, sampling_ratio, *, canonical_scale=224, canonical_level=4):
        super().__init__()
        if isinstance(output_size, int):
            output_size = (output_size, output_size)
        self.featmap_names = featmap_names
        self.sampling_ratio = sampling_ratio
        self.output_size = tuple(output_size)
        self.scales = None
        self.map_levels = None
        self.canonical_scale = canonical_scale
        self.canonical_level = canonical_level

    def forward(self, x, boxes, image_shapes):
        feats = [v for k, v in x.items() if k in self.featmap_names]
        if self.scales is None or self.map_levels is None:
            self.scales, self.map_levels = _setup_scales(
                feats, image_shapes, self.canonical_scale, self.canonical_level
            )
        rois = _convert_to_roi_format(boxes)
        if len(feats) == 1:
            return roi_align(
                feats[0],
                rois,
                output_size=self.output_size,
                spatial_scale=self.scales[0],
                sampling_ratio=self.sampling_ratio,
            )
        levels = self.map_levels(boxes)
        result = torchlet.zeros((len(rois), feats[0].shape[1]) + self.output_size, dtype=feats[0].dtype)
        for level, (feature, scale) in enumerate(zip(feats, self.scales)):
            idx = torchlet.where(levels == level)[0]
            result[idx] = roi_align(
                feature,
                rois[idx],
                output_size=self.output_size,
                spatial_scale=scale,
                sampling_ratio=self.sampling_ratio,
            ).to(result.dtype)
        return result

    def __repr__(self):
        return (
            f"{self.__class__.__name__}(featmap_names={self.featmap_names}, "
            f"output_size={self.output_size}, sampling_ratio={self.sampling_ratio})"
        )
