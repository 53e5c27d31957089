"""torchvision.ops.boxes: non-maximum suppression, box formats, areas, IoU, masks -> boxes."""

import numpy as np

import torchlet
from ._utils import _upcast

__all__ = [
    "nms",
    "batched_nms",
    "remove_small_boxes",
    "clip_boxes_to_image",
    "box_convert",
    "box_area",
    "box_iou",
    "generalized_box_iou",
    "masks_to_boxes",
]


def nms(boxes, scores, iou_threshold):
    """Indices (int64) of the boxes kept by greedy NMS, in decreasing score order: take the best
    remaining box, drop every later box whose IoU with it is > iou_threshold, repeat. Scores are sorted
    stably, and the IoU is computed in the boxes' dtype, as torchvision's CPU kernel does."""
    if boxes.dim() != 2:
        raise RuntimeError(f"boxes should be a 2d tensor, got {boxes.dim()}D")
    if boxes.size(1) != 4:
        raise RuntimeError(f"boxes should have 4 elements in dimension 1, got {boxes.size(1)}")
    if scores.dim() != 1:
        raise RuntimeError(f"scores should be a 1d tensor, got {scores.dim()}D")
    if boxes.size(0) != scores.size(0):
        raise RuntimeError(
            "boxes and scores should have same number of elements in dimension 0, got "
            f"{boxes.size(0)} and {scores.size(0)}"
        )
    if boxes.dtype != scores.dtype:
        raise RuntimeError("dets should have the same type as scores")
    b = boxes.detach().cpu().numpy()
    if b.shape[0] == 0:
        return torchlet.empty((0,), dtype=torchlet.int64)
    order = torchlet.sort(scores.detach(), stable=True, dim=0, descending=True)[1].numpy()
    x1, y1, x2, y2 = b[:, 0], b[:, 1], b[:, 2], b[:, 3]
    areas = (x2 - x1) * (y2 - y1)
    suppressed = np.zeros(len(b), dtype=bool)
    keep = []
    zero = b.dtype.type(0)
    for pos, i in enumerate(order):
        if suppressed[i]:
            continue
        keep.append(i)
        rest = order[pos + 1 :]
        w = np.maximum(zero, np.minimum(x2[i], x2[rest]) - np.maximum(x1[i], x1[rest]))
        h = np.maximum(zero, np.minimum(y2[i], y2[rest]) - np.maximum(y1[i], y1[rest]))
        inter = w * h
        with np.errstate(divide="ignore", invalid="ignore"):
            ovr = inter / (areas[i] + areas[rest] - inter)
        suppressed[rest[ovr > iou_threshold]] = True
    return torchlet.tensor(np.asarray(keep, dtype=np.int64))


def batched_nms(boxes, scores, idxs, iou_threshold):
    """NMS within each category of `idxs` (boxes of different categories never suppress each other),
    done by offsetting each category's boxes past all others, as torchvision does on CPU for up to
    1000 boxes; beyond that, one NMS per category."""
    if boxes.numel() > 4000:
        keep_mask = torchlet.zeros_like(scores, dtype=torchlet.bool)
        for class_id in torchlet.unique(idxs):
            curr = torchlet.where(idxs == class_id)[0]
            keep_mask[curr[nms(boxes[curr], scores[curr], iou_threshold)]] = True
        keep = torchlet.where(keep_mask)[0]
        return keep[scores[keep].sort(descending=True)[1]]
    if boxes.numel() == 0:
        return torchlet.empty((0,), dtype=torchlet.int64)
    offsets = idxs.to(boxes) * (boxes.max() + torchlet.tensor(1).to(boxes))
    return nms(boxes + offsets[:, None], scores, iou_threshold)


def remove_small_boxes(boxes, min_size):
    ws, hs = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    return torchlet.where((ws >= min_size) & (hs >= min_size))[0]


def clip_boxes_to_image(boxes, size):
    dim = boxes.dim()
    boxes_x, boxes_y = boxes[..., 0::2], boxes[..., 1::2]
    height, width = size
    boxes_x = boxes_x.clamp(min=0, max=width)
    boxes_y = boxes_y.clamp(min=0, max=height)
    return torchlet.stack((boxes_x, boxes_y), dim=dim).reshape(boxes.shape)


def _xywh_to_xyxy(b):
    x, y, w, h = b.unbind(-1)
    return torchlet.stack([x, y, x + w, y + h], dim=-1)


def _cxcywh_to_xyxy(b):
    cx, cy, w, h = b.unbind(-1)
    return torchlet.stack((cx - 0.5 * w, cy - 0.5 * h, cx + 0.5 * w, cy + 0.5 * h), dim=-1)


def _xyxy_to_xywh(b):
    x1, y1, x2, y2 = b.unbind(-1)
    return torchlet.stack((x1, y1, x2 - x1, y2 - y1), dim=-1)


def _xyxy_to_cxcywh(b):
    x1, y1, x2, y2 = b.unbind(-1)
    return torchlet.stack(((x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1), dim=-1)


_ALLOWED = ("xyxy", "xywh", "cxcywh", "xywhr", "cxcywhr", "xyxyxyxy")
_CONVERT = {
    ("xywh", "xyxy"): [_xywh_to_xyxy],
    ("cxcywh", "xyxy"): [_cxcywh_to_xyxy],
    ("xyxy", "xywh"): [_xyxy_to_xywh],
    ("xyxy", "cxcywh"): [_xyxy_to_cxcywh],
    ("xywh", "cxcywh"): [_xywh_to_xyxy, _xyxy_to_cxcywh],
    ("cxcywh", "xywh"): [_cxcywh_to_xyxy, _xyxy_to_xywh],
}


def box_convert(boxes, in_fmt, out_fmt):
    """Convert (..., 4) boxes between 'xyxy', 'xywh' and 'cxcywh' (rotated formats are not built)."""
    if in_fmt not in _ALLOWED or out_fmt not in _ALLOWED:
        raise ValueError(f"Unsupported Bounding Box Conversions for given in_fmt {in_fmt} and out_fmt {out_fmt}")
    if in_fmt == out_fmt:
        return boxes.clone()
    steps = _CONVERT.get((in_fmt, out_fmt))
    if steps is None:
        raise NotImplementedError(
            f"Unsupported Bounding Box Conversions for given in_fmt {in_fmt} and out_fmt "
            f"{out_fmt} (rotated box formats are not implemented in torchlet)"
        )
    for step in steps:
        boxes = step(boxes)
    return boxes


def box_area(boxes, fmt="xyxy"):
    if fmt not in ("xyxy", "xywh", "cxcywh"):
        raise ValueError(f"Unsupported Bounding Box area for given format {fmt}")
    boxes = _upcast(boxes)
    if fmt == "xyxy":
        return (boxes[..., 2] - boxes[..., 0]) * (boxes[..., 3] - boxes[..., 1])
    return boxes[..., 2] * boxes[..., 3]


def _box_inter_union(boxes1, boxes2, fmt="xyxy"):
    area1, area2 = box_area(boxes1, fmt=fmt), box_area(boxes2, fmt=fmt)
    if fmt != "xyxy":
        boxes1, boxes2 = box_convert(boxes1, fmt, "xyxy"), box_convert(boxes2, fmt, "xyxy")
    lt = torchlet.max(boxes1[..., None, :2], boxes2[..., None, :, :2])
    rb = torchlet.min(boxes1[..., None, 2:], boxes2[..., None, :, 2:])
    wh = _upcast(rb - lt).clamp(min=0)
    inter = wh[..., 0] * wh[..., 1]
    return inter, area1[..., None] + area2[..., None, :] - inter


def box_iou(boxes1, boxes2, fmt="xyxy"):
    """(..., N, M) pairwise intersection over union."""
    axis_aligned, rotated = ("xyxy", "xywh", "cxcywh"), ("cxcywhr", "xywhr", "xyxyxyxy")
    if fmt in rotated:
        raise NotImplementedError(f"box_iou for rotated boxes ('{fmt}') is not implemented in torchlet")
    if fmt not in axis_aligned:
        raise ValueError(
            f"Unsupported format '{fmt}'. Supported axis-aligned formats: {axis_aligned}. "
            f"Supported rotated formats: {rotated}."
        )
    inter, union = _box_inter_union(boxes1, boxes2, fmt=fmt)
    return inter / union


def generalized_box_iou(boxes1, boxes2):
    inter, union = _box_inter_union(boxes1, boxes2)
    iou = inter / union
    lti = torchlet.min(boxes1[..., None, :2], boxes2[..., None, :, :2])
    rbi = torchlet.max(boxes1[..., None, 2:], boxes2[..., None, :, 2:])
    whi = _upcast(rbi - lti).clamp(min=0)
    areai = whi[..., 0] * whi[..., 1]
    return iou - (areai - union) / areai


def masks_to_boxes(masks):
    """(N, H, W) masks -> (N, 4) float xyxy boxes around their nonzero pixels ([0, 0, 0, 0] if empty)."""
    if masks.numel() == 0:
        return torchlet.zeros((0, 4), dtype=torchlet.float)
    n, h, w = masks.shape
    masks_bool = masks.bool()
    rows, cols = torchlet.any(masks_bool, dim=2), torchlet.any(masks_bool, dim=1)
    empty = ~torchlet.any(rows, dim=1)
    rows_f, cols_f = rows.float(), cols.float()
    y1, x1 = rows_f.argmax(dim=1), cols_f.argmax(dim=1)
    y2 = (h - 1) - rows_f.flip([1]).argmax(dim=1)
    x2 = (w - 1) - cols_f.flip([1]).argmax(dim=1)
    boxes = torchlet.stack([x1, y1, x2, y2], dim=1).float()
    boxes[empty] = 0
    return boxes
