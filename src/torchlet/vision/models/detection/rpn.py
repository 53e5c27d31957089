"""Region proposal network parts: the RPN head (objectness logits and box deltas per anchor) and
the flattening of per-level predictions; AnchorGenerator lives in anchor_utils."""
import torchlet
from torchlet import nn
from ...ops.misc import Conv2dNormActivation
from .anchor_utils import AnchorGenerator  # noqa: F401

__all__ = ["AnchorGenerator", "RPNHead", "concat_box_prediction_layers"]


class RPNHead(nn.Module):
    """conv3x3 + ReLU (conv_depth times), then 1x1 convs to A objectness logits and 4A deltas."""
    _version = 2

    def __init__(self, in_channels, num_anchors, conv_depth=1):
        super().__init__()
        self.conv = nn.Sequential(*[Conv2dNormActivation(in_channels, in_channels, kernel_size=3, norm_layer=None)
                                    for _ in range(conv_depth)])
        self.cls_logits = nn.Conv2d(in_channels, num_anchors, kernel_size=1, stride=1)
        self.bbox_pred = nn.Conv2d(in_channels, num_anchors * 4, kernel_size=1, stride=1)
        for layer in self.modules():
            if isinstance(layer, nn.Conv2d):
                nn.init.normal_(layer.weight, std=0.01)
                if layer.bias is not None:
                    nn.init.constant_(layer.bias, 0)

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                              error_msgs):
        version = local_metadata.get("version", None)
        if version is None or version < 2:
            for kind in ("weight", "bias"):
                old_key = f"{prefix}conv.{kind}"
                if old_key in state_dict:
                    state_dict[f"{prefix}conv.0.0.{kind}"] = state_dict.pop(old_key)
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                                      error_msgs)

    def forward(self, x):
        logits, bbox_reg = [], []
        for feature in x:
            t = self.conv(feature)
            logits.append(self.cls_logits(t))
            bbox_reg.append(self.bbox_pred(t))
        return logits, bbox_reg


def permute_and_flatten(layer, N, A, C, H, W):
    return layer.view(N, -1, C, H, W).permute(0, 3, 4, 1, 2).reshape(N, -1, C)


def concat_box_prediction_layers(box_cls, box_regression):
    """Per-level (N, A*C, H, W) / (N, A*4, H, W) maps -> (N*sum(HWA), C) and (N*sum(HWA), 4)."""
    cls_flat, reg_flat = [], []
    for cls_level, reg_level in zip(box_cls, box_regression):
        N, AxC, H, W = cls_level.shape
        A = reg_level.shape[1] // 4
        cls_flat.append(permute_and_flatten(cls_level, N, A, AxC // A, H, W))
        reg_flat.append(permute_and_flatten(reg_level, N, A, 4, H, W))
    return torchlet.cat(cls_flat, dim=1).flatten(0, -2), torchlet.cat(reg_flat, dim=1).reshape(-1, 4)
