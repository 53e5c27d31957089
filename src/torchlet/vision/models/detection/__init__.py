"""torchlet.vision.models.detection: Faster R-CNN, Mask R-CNN and Keypoint R-CNN with a ResNet-50-FPN backbone
(model.eval(): detections; model.train(): model(images, targets) -> the loss dict), their parts under torchvision's
module paths (rpn.AnchorGenerator, faster_rcnn.FastRCNNPredictor, mask_rcnn.MaskRCNNPredictor, ...)."""

from . import (
    _utils,
    anchor_utils,
    backbone_utils,
    faster_rcnn,
    image_list,
    keypoint_rcnn,
    mask_rcnn,
    roi_heads,
    rpn,
    transform,
)
from .faster_rcnn import *  # noqa: F403
from .mask_rcnn import *  # noqa: F403
from .keypoint_rcnn import *  # noqa: F403
