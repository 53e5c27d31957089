"""torchlet.vision.ops: torchvision.ops for detection (boxes, NMS, RoI pooling) and the model zoo's
building blocks, computed with Tensor ops (gradients through roi_align / roi_pool)."""

from .boxes import (
    batched_nms,
    box_area,
    box_convert,
    box_iou,
    clip_boxes_to_image,
    generalized_box_iou,
    masks_to_boxes,
    nms,
    remove_small_boxes,
)
from .misc import MLP, Conv2dNormActivation, FrozenBatchNorm2d, Permute
from .poolers import MultiScaleRoIAlign
from .roi_align import RoIAlign, roi_align
from .roi_pool import RoIPool, roi_pool

__all__ = [
    "masks_to_boxes",
    "nms",
    "batched_nms",
    "remove_small_boxes",
    "clip_boxes_to_image",
    "box_convert",
    "box_area",
    "box_iou",
    "generalized_box_iou",
    "roi_align",
    "RoIAlign",
    "roi_pool",
    "RoIPool",
    "MultiScaleRoIAlign",
    "FrozenBatchNorm2d",
    "Conv2dNormActivation",
    "MLP",
    "Permute",
]
