"""RoIHeads: pool each proposal's features, classify and refine its box per class. Inference keeps
per-class detections above score_thresh after NMS (at most detections_per_img); with a mask branch,
predicts a mask for each detection's class.

Training: the ground-truth boxes join the proposals, each proposal is matched to a ground truth by
IoU (>= fg_iou_thresh: its label; < bg_iou_thresh: background 0; between: ignored), a balanced sample
of batch_size_per_image is kept, and
  loss_classifier = cross_entropy(class_logits, labels)
  loss_box_reg    = smooth_l1(deltas of the true class, encoded targets; beta 1/9, sum over the
                    positives) / number of sampled proposals
  loss_mask       = BCE-with-logits of the true class's mask logits against the ground-truth mask
                    cropped to the proposal and resampled to M x M by roi_align
  loss_keypoint   = cross_entropy over each visible keypoint's S x S heatmap (S*S classes) against
                    the cell its ground-truth location falls in (keypoints_to_heatmap)."""

import torchlet
from torchlet import nn
from torchlet.nn import functional as F
from ...ops import boxes as box_ops
from ...ops import roi_align
from . import _utils as det_utils
from ._utils import BoxCoder

__all__ = [
    "RoIHeads",
    "fastrcnn_loss",
    "maskrcnn_inference",
    "maskrcnn_loss",
    "project_masks_on_boxes",
    "keypoints_to_heatmap",
    "keypointrcnn_loss",
    "heatmaps_to_keypoints",
    "keypointrcnn_inference",
]


def fastrcnn_loss(class_logits, box_regression, labels, regression_targets):
    labels = torchlet.cat(labels, dim=0)
    regression_targets = torchlet.cat(regression_targets, dim=0)
    classification_loss = F.cross_entropy(class_logits, labels)
    pos = torchlet.where(labels > 0)[0]
    N = class_logits.shape[0]
    box_regression = box_regression.reshape(N, box_regression.size(-1) // 4, 4)
    box_loss = F.smooth_l1_loss(box_regression[pos, labels[pos]], regression_targets[pos], beta=1 / 9, reduction="sum")
    return classification_loss, box_loss / labels.numel()


def project_masks_on_boxes(gt_masks, boxes, matched_idxs, M):
    """Each proposal's matched ground-truth mask, cropped to the proposal and resampled to M x M."""
    matched_idxs = matched_idxs.to(boxes)
    rois = torchlet.cat([matched_idxs[:, None], boxes], dim=1)
    gt_masks = gt_masks[:, None].to(rois)
    return roi_align(gt_masks, rois, (M, M), 1.0)[:, 0]


def maskrcnn_loss(mask_logits, proposals, gt_masks, gt_labels, mask_matched_idxs):
    M = mask_logits.shape[-1]
    labels = torchlet.cat([gt_label[idxs] for gt_label, idxs in zip(gt_labels, mask_matched_idxs)], dim=0)
    mask_targets = torchlet.cat(
        [project_masks_on_boxes(m, p, i, M) for m, p, i in zip(gt_masks, proposals, mask_matched_idxs)], dim=0
    )
    if mask_targets.numel() == 0:
        return mask_logits.sum() * 0
    return F.binary_cross_entropy_with_logits(mask_logits[torchlet.arange(labels.shape[0]), labels], mask_targets)


def maskrcnn_inference(x, labels):
    mask_prob = x.sigmoid()
    boxes_per_image = [label.shape[0] for label in labels]
    labels = torchlet.cat(labels)
    mask_prob = mask_prob[torchlet.arange(x.shape[0]), labels][:, None]
    return mask_prob.split(boxes_per_image, dim=0)


def keypoints_to_heatmap(keypoints, rois, heatmap_size):
    """Each keypoint's heatmap cell index y * S + x inside its RoI (S = heatmap_size; a point on
    the RoI's right/bottom edge goes to the last cell) and whether it is visible and inside."""
    offset_x, offset_y = rois[:, 0][:, None], rois[:, 1][:, None]
    scale_x = (heatmap_size / (rois[:, 2] - rois[:, 0]))[:, None]
    scale_y = (heatmap_size / (rois[:, 3] - rois[:, 1]))[:, None]
    x, y = keypoints[..., 0], keypoints[..., 1]
    x_boundary, y_boundary = x == rois[:, 2][:, None], y == rois[:, 3][:, None]
    x = ((x - offset_x) * scale_x).floor().long()
    y = ((y - offset_y) * scale_y).floor().long()
    x[x_boundary] = heatmap_size - 1
    y[y_boundary] = heatmap_size - 1
    valid_loc = (x >= 0) & (y >= 0) & (x < heatmap_size) & (y < heatmap_size)
    valid = (valid_loc & (keypoints[..., 2] > 0)).long()
    return (y * heatmap_size + x) * valid, valid


def keypointrcnn_loss(keypoint_logits, proposals, gt_keypoints, keypoint_matched_idxs):
    N, K, H, W = keypoint_logits.shape
    if H != W:
        raise ValueError(
            f"keypoint_logits height and width (last two elements of shape) should be equal. "
            f"Instead got H = {H} and W = {W}"
        )
    heatmaps, valid = [], []
    for props, gt_kp, midx in zip(proposals, gt_keypoints, keypoint_matched_idxs):
        h, v = keypoints_to_heatmap(gt_kp[midx], props, H)
        heatmaps.append(h.view(-1))
        valid.append(v.view(-1))
    keypoint_targets = torchlet.cat(heatmaps, dim=0)
    valid = torchlet.where(torchlet.cat(valid, dim=0).to(dtype=torchlet.uint8))[0]
    if keypoint_targets.numel() == 0 or len(valid) == 0:
        return keypoint_logits.sum() * 0
    keypoint_logits = keypoint_logits.view(N * K, H * W)
    return F.cross_entropy(keypoint_logits[valid], keypoint_targets[valid])


def heatmaps_to_keypoints(maps, rois):
    """Per RoI: its heatmaps resized (bicubic) to the RoI's size in pixels; each keypoint at the
    centre of its highest cell, mapped back to image coordinates -> ((R, K, 3) x, y, 1; (R, K) scores)."""
    offset_x, offset_y = rois[:, 0], rois[:, 1]
    widths = (rois[:, 2] - rois[:, 0]).clamp(min=1)
    heights = (rois[:, 3] - rois[:, 1]).clamp(min=1)
    widths_ceil, heights_ceil = widths.ceil(), heights.ceil()
    num_keypoints = maps.shape[1]
    xy_preds = torchlet.zeros((len(rois), 3, num_keypoints), dtype=torchlet.float32)
    end_scores = torchlet.zeros((len(rois), num_keypoints), dtype=torchlet.float32)
    for i in range(len(rois)):
        roi_w, roi_h = int(widths_ceil[i].item()), int(heights_ceil[i].item())
        roi_map = F.interpolate(maps[i][:, None], size=(roi_h, roi_w), mode="bicubic", align_corners=False)[:, 0]
        w = roi_map.shape[2]
        pos = roi_map.reshape(num_keypoints, -1).argmax(dim=1)
        x_int = pos % w
        y_int = torchlet.div(pos - x_int, w, rounding_mode="floor")
        xy_preds[i, 0, :] = (x_int.float() + 0.5) * (widths[i] / roi_w) + offset_x[i]
        xy_preds[i, 1, :] = (y_int.float() + 0.5) * (heights[i] / roi_h) + offset_y[i]
        xy_preds[i, 2, :] = 1
        end_scores[i, :] = roi_map[torchlet.arange(num_keypoints), y_int, x_int]
    return xy_preds.permute(0, 2, 1), end_scores


def keypointrcnn_inference(x, boxes):
    kp_probs, kp_scores = [], []
    for xx, bb in zip(x.split([b.size(0) for b in boxes], dim=0), boxes):
        prob, scores = heatmaps_to_keypoints(xx, bb)
        kp_probs.append(prob)
        kp_scores.append(scores)
    return kp_probs, kp_scores


class RoIHeads(nn.Module):
    def __init__(
        self,
        box_roi_pool,
        box_head,
        box_predictor,
        fg_iou_thresh,
        bg_iou_thresh,
        batch_size_per_image,
        positive_fraction,
        bbox_reg_weights,
        score_thresh,
        nms_thresh,
        detections_per_img,
        mask_roi_pool=None,
        mask_head=None,
        mask_predictor=None,
        keypoint_roi_pool=None,
        keypoint_head=None,
        keypoint_predictor=None,
    ):
        super().__init__()
        self.box_similarity = box_ops.box_iou
        self.proposal_matcher = det_utils.Matcher(fg_iou_thresh, bg_iou_thresh, allow_low_quality_matches=False)
        self.fg_bg_sampler = det_utils.BalancedPositiveNegativeSampler(batch_size_per_image, positive_fraction)
        self.box_coder = BoxCoder(bbox_reg_weights if bbox_reg_weights is not None else (10.0, 10.0, 5.0, 5.0))
        self.box_roi_pool = box_roi_pool
        self.box_head = box_head
        self.box_predictor = box_predictor
        self.score_thresh = score_thresh
        self.nms_thresh = nms_thresh
        self.detections_per_img = detections_per_img
        self.mask_roi_pool = mask_roi_pool
        self.mask_head = mask_head
        self.mask_predictor = mask_predictor
        self.keypoint_roi_pool = keypoint_roi_pool
        self.keypoint_head = keypoint_head
        self.keypoint_predictor = keypoint_predictor

    def has_mask(self):
        return self.mask_roi_pool is not None and self.mask_head is not None and self.mask_predictor is not None

    def has_keypoint(self):
        return (
            self.keypoint_roi_pool is not None
            and self.keypoint_head is not None
            and self.keypoint_predictor is not None
        )

    def assign_targets_to_proposals(self, proposals, gt_boxes, gt_labels):
        matched_idxs, labels = [], []
        for props, boxes, gt_lab in zip(proposals, gt_boxes, gt_labels):
            if boxes.numel() == 0:
                clamped = torchlet.zeros((props.shape[0],), dtype=torchlet.int64)
                labels_in_image = torchlet.zeros((props.shape[0],), dtype=torchlet.int64)
            else:
                idxs = self.proposal_matcher(box_ops.box_iou(boxes, props))
                clamped = idxs.clamp(min=0)
                labels_in_image = gt_lab[clamped].to(dtype=torchlet.int64)
                labels_in_image[idxs == self.proposal_matcher.BELOW_LOW_THRESHOLD] = 0
                labels_in_image[idxs == self.proposal_matcher.BETWEEN_THRESHOLDS] = -1
            matched_idxs.append(clamped)
            labels.append(labels_in_image)
        return matched_idxs, labels

    def subsample(self, labels):
        sampled_pos, sampled_neg = self.fg_bg_sampler(labels)
        return [torchlet.where(p | n)[0] for p, n in zip(sampled_pos, sampled_neg)]

    def add_gt_proposals(self, proposals, gt_boxes):
        return [torchlet.cat((p, g)) for p, g in zip(proposals, gt_boxes)]

    def check_targets(self, targets):
        if targets is None:
            raise ValueError("targets should not be None")
        if not all("boxes" in t for t in targets):
            raise ValueError("Every element of targets should have a boxes key")
        if not all("labels" in t for t in targets):
            raise ValueError("Every element of targets should have a labels key")
        if self.has_mask() and not all("masks" in t for t in targets):
            raise ValueError("Every element of targets should have a masks key")

    def select_training_samples(self, proposals, targets):
        """-> the sampled proposals, their matched ground-truth indices, labels and box targets."""
        self.check_targets(targets)
        dtype = proposals[0].dtype
        gt_boxes = [t["boxes"].to(dtype) for t in targets]
        gt_labels = [t["labels"] for t in targets]
        proposals = self.add_gt_proposals(proposals, gt_boxes)
        matched_idxs, labels = self.assign_targets_to_proposals(proposals, gt_boxes, gt_labels)
        sampled_inds = self.subsample(labels)
        matched_gt_boxes = []
        for i, inds in enumerate(sampled_inds):
            proposals[i], labels[i], matched_idxs[i] = proposals[i][inds], labels[i][inds], matched_idxs[i][inds]
            boxes = gt_boxes[i] if gt_boxes[i].numel() else torchlet.zeros((1, 4), dtype=dtype)
            matched_gt_boxes.append(boxes[matched_idxs[i]])
        regression_targets = self.box_coder.encode(matched_gt_boxes, proposals)
        return proposals, matched_idxs, labels, regression_targets

    def postprocess_detections(self, class_logits, box_regression, proposals, image_shapes):
        num_classes = class_logits.shape[-1]
        boxes_per_image = [p.shape[0] for p in proposals]
        pred_boxes = self.box_coder.decode(box_regression, proposals)
        pred_scores = F.softmax(class_logits, -1)
        all_boxes, all_scores, all_labels = [], [], []
        for boxes, scores, image_shape in zip(
            pred_boxes.split(boxes_per_image, 0), pred_scores.split(boxes_per_image, 0), image_shapes
        ):
            boxes = box_ops.clip_boxes_to_image(boxes, image_shape)
            labels = torchlet.arange(num_classes).view(1, -1).expand_as(scores)
            boxes, scores, labels = boxes[:, 1:].reshape(-1, 4), scores[:, 1:].reshape(-1), labels[:, 1:].reshape(-1)
            inds = torchlet.where(scores > self.score_thresh)[0]
            boxes, scores, labels = boxes[inds], scores[inds], labels[inds]
            keep = box_ops.remove_small_boxes(boxes, min_size=1e-2)
            boxes, scores, labels = boxes[keep], scores[keep], labels[keep]
            keep = box_ops.batched_nms(boxes, scores, labels, self.nms_thresh)[: self.detections_per_img]
            all_boxes.append(boxes[keep])
            all_scores.append(scores[keep])
            all_labels.append(labels[keep])
        return all_boxes, all_scores, all_labels

    def _check_target_dtypes(self, targets):
        for t in targets:
            if t["boxes"].dtype not in (torchlet.float32, torchlet.float64, torchlet.float16):
                raise TypeError(f"target boxes must of float type, instead got {t['boxes'].dtype}")
            if t["labels"].dtype != torchlet.int64:
                raise TypeError(f"target labels must of int64 type, instead got {t['labels'].dtype}")
            if self.has_keypoint() and t["keypoints"].dtype != torchlet.float32:
                raise TypeError(f"target keypoints must of float type, instead got {t['keypoints'].dtype}")

    def forward(self, features, proposals, image_shapes, targets=None):
        if targets is not None:
            self._check_target_dtypes(targets)
        if self.training:
            proposals, matched_idxs, labels, regression_targets = self.select_training_samples(proposals, targets)
        box_features = self.box_head(self.box_roi_pool(features, proposals, image_shapes))
        class_logits, box_regression = self.box_predictor(box_features)
        if self.training:
            return [], self._training_losses(
                features,
                proposals,
                image_shapes,
                targets,
                class_logits,
                box_regression,
                matched_idxs,
                labels,
                regression_targets,
            )
        boxes, scores, labels = self.postprocess_detections(class_logits, box_regression, proposals, image_shapes)
        result = [{"boxes": b, "labels": lab, "scores": s} for b, s, lab in zip(boxes, scores, labels)]
        if self.has_mask():
            mask_features = self.mask_head(self.mask_roi_pool(features, [r["boxes"] for r in result], image_shapes))
            mask_logits = self.mask_predictor(mask_features)
            for mask_prob, r in zip(maskrcnn_inference(mask_logits, [r["labels"] for r in result]), result):
                r["masks"] = mask_prob
        if self.has_keypoint():
            kp_boxes = [r["boxes"] for r in result]
            kp_logits = self.keypoint_predictor(
                self.keypoint_head(self.keypoint_roi_pool(features, kp_boxes, image_shapes))
            )
            for kp, kps, r in zip(*keypointrcnn_inference(kp_logits, kp_boxes), result):
                r["keypoints"], r["keypoints_scores"] = kp, kps
        return result, {}

    def _training_losses(
        self,
        features,
        proposals,
        image_shapes,
        targets,
        class_logits,
        box_regression,
        matched_idxs,
        labels,
        regression_targets,
    ):
        loss_classifier, loss_box_reg = fastrcnn_loss(class_logits, box_regression, labels, regression_targets)
        losses = {"loss_classifier": loss_classifier, "loss_box_reg": loss_box_reg}
        positives = [torchlet.where(lab > 0)[0] for lab in labels]
        if self.has_mask():
            mask_proposals = [p[pos] for p, pos in zip(proposals, positives)]
            pos_matched_idxs = [m[pos] for m, pos in zip(matched_idxs, positives)]
            mask_logits = self.mask_predictor(
                self.mask_head(self.mask_roi_pool(features, mask_proposals, image_shapes))
            )
            losses["loss_mask"] = maskrcnn_loss(
                mask_logits,
                mask_proposals,
                [t["masks"] for t in targets],
                [t["labels"] for t in targets],
                pos_matched_idxs,
            )
        if self.has_keypoint():
            kp_proposals = [p[pos] for p, pos in zip(proposals, positives)]
            kp_logits = self.keypoint_predictor(
                self.keypoint_head(self.keypoint_roi_pool(features, kp_proposals, image_shapes))
            )
            losses["loss_keypoint"] = keypointrcnn_loss(
                kp_logits,
                kp_proposals,
                [t["keypoints"] for t in targets],
                [m[pos] for m, pos in zip(matched_idxs, positives)],
            )
        return losses
