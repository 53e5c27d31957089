"""GeneralizedRCNN: transform -> backbone -> RPN -> RoI heads -> postprocess. In training mode it
takes targets (one dict per image: boxes (N, 4) float xyxy, labels (N,) int64, masks for Mask R-CNN)
and returns the loss dict (RoI-head losses, then the RPN's)."""

from collections import OrderedDict

import torchlet
from torchlet import nn

__all__ = ["GeneralizedRCNN"]


class GeneralizedRCNN(nn.Module):
    def __init__(self, backbone, rpn, roi_heads, transform):
        super().__init__()
        self.transform = transform
        self.backbone = backbone
        self.rpn = rpn
        self.roi_heads = roi_heads

    def forward(self, images, targets=None):
        """A list of (3, H, W) float images -> one dict per image: boxes (xyxy, in the input image's
        pixels), labels, scores (and masks for Mask R-CNN)."""
        if self.training:
            _check_training_targets(targets)
        original_image_sizes = [(int(img.shape[-2]), int(img.shape[-1])) for img in images]
        images, targets = self.transform(images, targets)
        if targets is not None:
            _check_degenerate_boxes(targets)
        features = self.backbone(images.tensors)
        if isinstance(features, torchlet.Tensor):
            features = OrderedDict([("0", features)])
        proposals, proposal_losses = self.rpn(images, features, targets)
        detections, detector_losses = self.roi_heads(features, proposals, images.image_sizes, targets)
        detections = self.transform.postprocess(detections, images.image_sizes, original_image_sizes)
        if self.training:
            return {**detector_losses, **proposal_losses}
        return detections


def _check_training_targets(targets):
    """torchvision's torch._assert checks: they raise AssertionError."""
    if targets is None:
        raise AssertionError("targets should not be none when in training mode")
    for target in targets:
        boxes = target["boxes"]
        if not isinstance(boxes, torchlet.Tensor):
            raise AssertionError(f"Expected target boxes to be of type Tensor, got {type(boxes)}.")
        if not (len(boxes.shape) == 2 and boxes.shape[-1] == 4):
            raise AssertionError(f"Expected target boxes to be a tensor of shape [N, 4], got {boxes.shape}.")


def _check_degenerate_boxes(targets):
    for target_idx, target in enumerate(targets):
        boxes = target["boxes"]
        degenerate = boxes[:, 2:] <= boxes[:, :2]
        if degenerate.any():
            bb_idx = int(torchlet.where(degenerate.any(dim=1))[0][0])
            raise AssertionError(
                "All bounding boxes should have positive height and width."
                f" Found invalid box {boxes[bb_idx].tolist()} for target at index {target_idx}."
            )
