"""Faster R-CNN: FasterRCNN, fasterrcnn_resnet50_fpn, and the box-head parts TwoMLPHead /
FastRCNNPredictor (the module a fine-tuning tutorial swaps in for a new number of classes).
model.train(): model(images, targets) returns the loss dict; model.eval(): the detections."""

from torchlet import nn
from torchlet.nn import functional as F
from ...ops import misc as misc_nn_ops
from ...ops.poolers import MultiScaleRoIAlign
from .. import _weights
from .._api import register_model
from .._utils import _handle_weights
from ..resnet import resnet50
from .anchor_utils import AnchorGenerator
from .backbone_utils import _resnet_fpn_extractor, _validate_trainable_layers
from .generalized_rcnn import GeneralizedRCNN
from .roi_heads import RoIHeads
from .rpn import RegionProposalNetwork, RPNHead
from .transform import GeneralizedRCNNTransform

__all__ = ["FasterRCNN", "FasterRCNN_ResNet50_FPN_Weights", "fasterrcnn_resnet50_fpn"]

FasterRCNN_ResNet50_FPN_Weights = _weights.FasterRCNN_ResNet50_FPN_Weights


def _default_anchorgen():
    sizes = ((32,), (64,), (128,), (256,), (512,))
    return AnchorGenerator(sizes, ((0.5, 1.0, 2.0),) * len(sizes))


class FasterRCNN(GeneralizedRCNN):
    def __init__(
        self,
        backbone,
        num_classes=None,
        min_size=800,
        max_size=1333,
        image_mean=None,
        image_std=None,
        rpn_anchor_generator=None,
        rpn_head=None,
        rpn_pre_nms_top_n_train=2000,
        rpn_pre_nms_top_n_test=1000,
        rpn_post_nms_top_n_train=2000,
        rpn_post_nms_top_n_test=1000,
        rpn_nms_thresh=0.7,
        rpn_fg_iou_thresh=0.7,
        rpn_bg_iou_thresh=0.3,
        rpn_batch_size_per_image=256,
        rpn_positive_fraction=0.5,
        rpn_score_thresh=0.0,
        box_roi_pool=None,
        box_head=None,
        box_predictor=None,
        box_score_thresh=0.05,
        box_nms_thresh=0.5,
        box_detections_per_img=100,
        box_fg_iou_thresh=0.5,
        box_bg_iou_thresh=0.5,
        box_batch_size_per_image=512,
        box_positive_fraction=0.25,
        bbox_reg_weights=None,
        **kwargs,
    ):
        if not hasattr(backbone, "out_channels"):
            raise ValueError(
                "backbone should contain an attribute out_channels specifying the number of output "
                "channels (assumed to be the same for all the levels)"
            )
        if not isinstance(rpn_anchor_generator, (AnchorGenerator, type(None))):
            raise TypeError(
                f"rpn_anchor_generator should be of type AnchorGenerator or None instead of "
                f"{type(rpn_anchor_generator)}"
            )
        if not isinstance(box_roi_pool, (MultiScaleRoIAlign, type(None))):
            raise TypeError(
                f"box_roi_pool should be of type MultiScaleRoIAlign or None instead of {type(box_roi_pool)}"
            )
        if num_classes is not None:
            if box_predictor is not None:
                raise ValueError("num_classes should be None when box_predictor is specified")
        elif box_predictor is None:
            raise ValueError("num_classes should not be None when box_predictor is not specified")
        out_channels = backbone.out_channels
        rpn_anchor_generator = rpn_anchor_generator or _default_anchorgen()
        rpn_head = rpn_head or RPNHead(out_channels, rpn_anchor_generator.num_anchors_per_location()[0])
        rpn = RegionProposalNetwork(
            rpn_anchor_generator,
            rpn_head,
            rpn_fg_iou_thresh,
            rpn_bg_iou_thresh,
            rpn_batch_size_per_image,
            rpn_positive_fraction,
            dict(training=rpn_pre_nms_top_n_train, testing=rpn_pre_nms_top_n_test),
            dict(training=rpn_post_nms_top_n_train, testing=rpn_post_nms_top_n_test),
            rpn_nms_thresh,
            score_thresh=rpn_score_thresh,
        )
        box_roi_pool = box_roi_pool or MultiScaleRoIAlign(
            featmap_names=["0", "1", "2", "3"], output_size=7, sampling_ratio=2
        )
        if box_head is None:
            box_head = TwoMLPHead(out_channels * box_roi_pool.output_size[0] ** 2, 1024)
        if box_predictor is None:
            box_predictor = FastRCNNPredictor(1024, num_classes)
        roi_heads = RoIHeads(
            box_roi_pool,
            box_head,
            box_predictor,
            box_fg_iou_thresh,
            box_bg_iou_thresh,
            box_batch_size_per_image,
            box_positive_fraction,
            bbox_reg_weights,
            box_score_thresh,
            box_nms_thresh,
            box_detections_per_img,
        )
        image_mean = image_mean or [0.485, 0.456, 0.406]
        image_std = image_std or [0.229, 0.224, 0.225]
        transform = GeneralizedRCNNTransform(min_size, max_size, image_mean, image_std, **kwargs)
        super().__init__(backbone, rpn, roi_heads, transform)


class TwoMLPHead(nn.Module):
    def __init__(self, in_channels, representation_size):
        super().__init__()
        self.fc6 = nn.Linear(in_channels, representation_size)
        self.fc7 = nn.Linear(representation_size, representation_size)

    def forward(self, x):
        x = x.flatten(start_dim=1)
        return F.relu(self.fc7(F.relu(self.fc6(x))))


class FastRCNNPredictor(nn.Module):
    """Class scores (num_classes, background included) and per-class box deltas (4 * num_classes)."""

    def __init__(self, in_channels, num_classes):
        super().__init__()
        self.cls_score = nn.Linear(in_channels, num_classes)
        self.bbox_pred = nn.Linear(in_channels, num_classes * 4)

    def forward(self, x):
        if x.dim() == 4 and list(x.shape[2:]) != [1, 1]:
            raise AssertionError(
                f"x has the wrong shape, expecting the last two dimensions to be [1,1] instead of {list(x.shape[2:])}"
            )
        x = x.flatten(start_dim=1)
        return self.cls_score(x), self.bbox_pred(x)


def _detection_weights(enum_name, weights, weights_backbone, num_classes):
    """Resolve weights (COCO) and weights_backbone (ImageNet ResNet-50); with COCO weights the
    backbone weights are not downloaded and num_classes must be the weights' 91."""
    kwargs = {} if num_classes is None else {"num_classes": num_classes}
    weights = _handle_weights(enum_name, weights, kwargs)
    weights_backbone = _weights.ResNet50_Weights.verify(weights_backbone)
    if weights is not None:
        weights_backbone = None
    num_classes = kwargs.get("num_classes", 91)
    return weights, weights_backbone, num_classes


def _legacy(kwargs):
    """pretrained= / pretrained_backbone= (deprecated) -> weights= / weights_backbone=, as torchvision."""
    import warnings

    for old, new, default in (
        ("pretrained", "weights", "DEFAULT"),
        ("pretrained_backbone", "weights_backbone", "IMAGENET1K_V1"),
    ):
        if old in kwargs:
            warnings.warn(
                f"The parameter '{old}' is deprecated since 0.13 and may be removed in the future, please "
                f"use '{new}' instead."
            )
            kwargs[new] = default if kwargs.pop(old) else None


def overwrite_eps(model, eps):
    for module in model.modules():
        if isinstance(module, misc_nn_ops.FrozenBatchNorm2d):
            module.eps = eps


def _resnet50_fpn_backbone(weights_backbone, progress, trainable_backbone_layers, is_trained):
    is_trained = is_trained or weights_backbone is not None
    trainable = _validate_trainable_layers(is_trained, trainable_backbone_layers, 5, 3)
    norm_layer = misc_nn_ops.FrozenBatchNorm2d if is_trained else nn.BatchNorm2d
    backbone = resnet50(weights=weights_backbone, progress=progress, norm_layer=norm_layer)
    return _resnet_fpn_extractor(backbone, trainable)


@register_model(weights_enum=FasterRCNN_ResNet50_FPN_Weights)
def fasterrcnn_resnet50_fpn(
    *,
    weights=None,
    progress=True,
    num_classes=None,
    weights_backbone=_weights.ResNet50_Weights.IMAGENET1K_V1,
    trainable_backbone_layers=None,
    **kwargs,
):
    """Faster R-CNN with a ResNet-50-FPN backbone. weights: FasterRCNN_ResNet50_FPN_Weights
    (COCO); weights_backbone: ResNet50_Weights (downloaded by default, as torchvision) or None."""
    _legacy(kwargs)
    weights, weights_backbone = kwargs.pop("weights", weights), kwargs.pop("weights_backbone", weights_backbone)
    weights, weights_backbone, num_classes = _detection_weights(
        "FasterRCNN_ResNet50_FPN_Weights", weights, weights_backbone, num_classes
    )
    backbone = _resnet50_fpn_backbone(weights_backbone, progress, trainable_backbone_layers, weights is not None)
    model = FasterRCNN(backbone, num_classes=num_classes, **kwargs)
    if weights is not None:
        model.load_state_dict(weights.get_state_dict(progress=progress, check_hash=True))
        if weights == FasterRCNN_ResNet50_FPN_Weights.COCO_V1:
            overwrite_eps(model, 0.0)
    return model
