"""torchlet.vision.models.detection: the parts of torchvision's detection models built so far
(rpn.AnchorGenerator, rpn.RPNHead, faster_rcnn.FastRCNNPredictor / TwoMLPHead,
mask_rcnn.MaskRCNNPredictor / MaskRCNNHeads, _utils.BoxCoder, image_list.ImageList), under
torchvision's module paths. The full FasterRCNN / MaskRCNN models and their builders
(fasterrcnn_resnet50_fpn, maskrcnn_resnet50_fpn) are not implemented yet."""
from . import _utils, anchor_utils, faster_rcnn, image_list, mask_rcnn, rpn  # noqa: F401
