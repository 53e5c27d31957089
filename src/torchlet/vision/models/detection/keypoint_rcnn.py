"""Keypoint R-CNN: KeypointRCNN, keypointrcnn_resnet50_fpn, and the keypoint-head parts
KeypointRCNNHeads / KeypointRCNNPredictor (torchvision's module paths and state_dict keys).
model.train(): model(images, targets) returns the loss dict with loss_keypoint (targets carry
"keypoints" (N, K, 3): x, y, visibility); model.eval(): detections with "keypoints" and
"keypoints_scores". COCO weights are not offered here (weights_backbone only)."""

from torchlet import nn
from torchlet.nn import functional as F
from ...ops.poolers import MultiScaleRoIAlign
from .. import _weights
from .._api import register_model
from .faster_rcnn import FasterRCNN, _legacy, _resnet50_fpn_backbone

__all__ = ["KeypointRCNN", "keypointrcnn_resnet50_fpn"]


class KeypointRCNNHeads(nn.Sequential):
    """`layers` 3x3 conv + ReLU blocks (kaiming-normal weights, zero biases)."""

    def __init__(self, in_channels, layers):
        d, next_feature = [], in_channels
        for out_channels in layers:
            d.append(nn.Conv2d(next_feature, out_channels, 3, stride=1, padding=1))
            d.append(nn.ReLU(inplace=True))
            next_feature = out_channels
        super().__init__(*d)
        for m in self.children():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                nn.init.constant_(m.bias, 0)


class KeypointRCNNPredictor(nn.Module):
    """4x4 stride-2 transposed conv to one heatmap per keypoint, then 2x bilinear upsampling."""

    def __init__(self, in_channels, num_keypoints):
        super().__init__()
        self.kps_score_lowres = nn.ConvTranspose2d(in_channels, num_keypoints, 4, stride=2, padding=1)
        nn.init.kaiming_normal_(self.kps_score_lowres.weight, mode="fan_out", nonlinearity="relu")
        nn.init.constant_(self.kps_score_lowres.bias, 0)
        self.up_scale = 2
        self.out_channels = num_keypoints

    def forward(self, x):
        x = self.kps_score_lowres(x)
        return F.interpolate(
            x, scale_factor=float(self.up_scale), mode="bilinear", align_corners=False, recompute_scale_factor=False
        )


class KeypointRCNN(FasterRCNN):
    def __init__(
        self,
        backbone,
        num_classes=None,
        min_size=None,
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
        keypoint_roi_pool=None,
        keypoint_head=None,
        keypoint_predictor=None,
        num_keypoints=None,
        **kwargs,
    ):
        if not isinstance(keypoint_roi_pool, (MultiScaleRoIAlign, type(None))):
            raise TypeError(
                f"keypoint_roi_pool should be of type MultiScaleRoIAlign or None instead of {type(keypoint_roi_pool)}"
            )
        if min_size is None:
            min_size = (640, 672, 704, 736, 768, 800)
        if num_keypoints is not None:
            if keypoint_predictor is not None:
                raise ValueError("num_keypoints should be None when keypoint_predictor is specified")
        else:
            num_keypoints = 17
        out_channels = backbone.out_channels
        keypoint_roi_pool = keypoint_roi_pool or MultiScaleRoIAlign(
            featmap_names=["0", "1", "2", "3"], output_size=14, sampling_ratio=2
        )
        keypoint_head = keypoint_head or KeypointRCNNHeads(out_channels, tuple(512 for _ in range(8)))
        keypoint_predictor = keypoint_predictor or KeypointRCNNPredictor(512, num_keypoints)
        super().__init__(
            backbone,
            num_classes,
            min_size,
            max_size,
            image_mean,
            image_std,
            rpn_anchor_generator,
            rpn_head,
            rpn_pre_nms_top_n_train,
            rpn_pre_nms_top_n_test,
            rpn_post_nms_top_n_train,
            rpn_post_nms_top_n_test,
            rpn_nms_thresh,
            rpn_fg_iou_thresh,
            rpn_bg_iou_thresh,
            rpn_batch_size_per_image,
            rpn_positive_fraction,
            rpn_score_thresh,
            box_roi_pool,
            box_head,
            box_predictor,
            box_score_thresh,
            box_nms_thresh,
            box_detections_per_img,
            box_fg_iou_thresh,
            box_bg_iou_thresh,
            box_batch_size_per_image,
            box_positive_fraction,
            bbox_reg_weights,
            **kwargs,
        )
        self.roi_heads.keypoint_roi_pool = keypoint_roi_pool
        self.roi_heads.keypoint_head = keypoint_head
        self.roi_heads.keypoint_predictor = keypoint_predictor


@register_model()
def keypointrcnn_resnet50_fpn(
    *,
    weights=None,
    progress=True,
    num_classes=None,
    num_keypoints=None,
    weights_backbone=_weights.ResNet50_Weights.IMAGENET1K_V1,
    trainable_backbone_layers=None,
    **kwargs,
):
    """Keypoint R-CNN with a ResNet-50-FPN backbone (2 classes, 17 keypoints unless given)."""
    _legacy(kwargs)
    weights, weights_backbone = kwargs.pop("weights", weights), kwargs.pop("weights_backbone", weights_backbone)
    if weights is not None:
        raise NotImplementedError("keypointrcnn_resnet50_fpn: COCO keypoint weights are not offered by torchlet")
    weights_backbone = _weights.ResNet50_Weights.verify(weights_backbone)
    backbone = _resnet50_fpn_backbone(weights_backbone, progress, trainable_backbone_layers, False)
    num_classes = 2 if num_classes is None else num_classes
    return KeypointRCNN(backbone, num_classes, num_keypoints=num_keypoints, **kwargs)
