"""GeneralizedRCNN: transform -> backbone -> RPN -> RoI heads -> postprocess (inference)."""
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
            raise NotImplementedError(f"{type(self).__name__}: training mode (losses) is not implemented in "
                                      "torchlet; call model.eval() for inference")
        original_image_sizes = [(int(img.shape[-2]), int(img.shape[-1])) for img in images]
        images, targets = self.transform(images, targets)
        features = self.backbone(images.tensors)
        if isinstance(features, torchlet.Tensor):
            features = OrderedDict([("0", features)])
        proposals, _ = self.rpn(images, features, targets)
        detections, _ = self.roi_heads(features, proposals, images.image_sizes, targets)
        return self.transform.postprocess(detections, images.image_sizes, original_image_sizes)
