"""Box coding and training-time matching for the R-CNN models.

BoxCoder: box regression targets (dx, dy, dw, dh) relative to reference boxes, and back.

encode: dx = wx (gx - px) / pw, dy = wy (gy - py) / ph, dw = ww log(gw / pw), dh = wh log(gh / ph)
(centres and sizes of ground truth g and proposal p); decode inverts it, with dw, dh clamped at
log(1000 / 16) so exp cannot overflow.
Matcher: each prediction's best ground truth by IoU, or -1 (below low) / -2 (between thresholds).
BalancedPositiveNegativeSampler: a random subset of positives and negatives per image, drawn with
torchlet.randperm (the same stream as torch.randperm, so the same seed samples the same boxes)."""

import math

import torchlet


def encode_boxes(reference_boxes, proposals, weights):
    wx, wy, ww, wh = weights[0], weights[1], weights[2], weights[3]
    px1, py1, px2, py2 = (proposals[:, i].unsqueeze(1) for i in range(4))
    gx1, gy1, gx2, gy2 = (reference_boxes[:, i].unsqueeze(1) for i in range(4))
    ex_w, ex_h = px2 - px1, py2 - py1
    ex_x, ex_y = px1 + 0.5 * ex_w, py1 + 0.5 * ex_h
    gt_w, gt_h = gx2 - gx1, gy2 - gy1
    gt_x, gt_y = gx1 + 0.5 * gt_w, gy1 + 0.5 * gt_h
    return torchlet.cat(
        (
            wx * (gt_x - ex_x) / ex_w,
            wy * (gt_y - ex_y) / ex_h,
            ww * torchlet.log(gt_w / ex_w),
            wh * torchlet.log(gt_h / ex_h),
        ),
        dim=1,
    )


class BoxCoder:
    def __init__(self, weights, bbox_xform_clip=math.log(1000.0 / 16)):
        self.weights = weights
        self.bbox_xform_clip = bbox_xform_clip

    def encode(self, reference_boxes, proposals):
        boxes_per_image = [len(b) for b in reference_boxes]
        targets = self.encode_single(torchlet.cat(reference_boxes, dim=0), torchlet.cat(proposals, dim=0))
        return targets.split(boxes_per_image, 0)

    def encode_single(self, reference_boxes, proposals):
        weights = torchlet.as_tensor(self.weights, dtype=reference_boxes.dtype)
        return encode_boxes(reference_boxes, proposals, weights)

    def decode(self, rel_codes, boxes):
        boxes_per_image = [b.size(0) for b in boxes]
        concat_boxes = torchlet.cat(boxes, dim=0)
        box_sum = sum(boxes_per_image)
        if box_sum > 0:
            rel_codes = rel_codes.reshape(box_sum, -1)
        pred_boxes = self.decode_single(rel_codes, concat_boxes)
        return pred_boxes.reshape(box_sum, -1, 4) if box_sum > 0 else pred_boxes

    def decode_single(self, rel_codes, boxes):
        boxes = boxes.to(rel_codes.dtype)
        widths, heights = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
        ctr_x, ctr_y = boxes[:, 0] + 0.5 * widths, boxes[:, 1] + 0.5 * heights
        wx, wy, ww, wh = self.weights
        dx, dy = rel_codes[:, 0::4] / wx, rel_codes[:, 1::4] / wy
        dw = torchlet.clamp(rel_codes[:, 2::4] / ww, max=self.bbox_xform_clip)
        dh = torchlet.clamp(rel_codes[:, 3::4] / wh, max=self.bbox_xform_clip)
        pred_ctr_x = dx * widths[:, None] + ctr_x[:, None]
        pred_ctr_y = dy * heights[:, None] + ctr_y[:, None]
        half_w = torchlet.tensor(0.5, dtype=pred_ctr_x.dtype) * (torchlet.exp(dw) * widths[:, None])
        half_h = torchlet.tensor(0.5, dtype=pred_ctr_y.dtype) * (torchlet.exp(dh) * heights[:, None])
        return torchlet.stack(
            (pred_ctr_x - half_w, pred_ctr_y - half_h, pred_ctr_x + half_w, pred_ctr_y + half_h), dim=2
        ).flatten(1)


class BalancedPositiveNegativeSampler:
    """Per image: at most batch_size_per_image * positive_fraction positives (label >= 1), the rest
    of the batch negatives (label 0); -1 is ignored. Returns uint8 masks of the chosen ones."""

    def __init__(self, batch_size_per_image, positive_fraction):
        self.batch_size_per_image = batch_size_per_image
        self.positive_fraction = positive_fraction

    def __call__(self, matched_idxs):
        pos_idx, neg_idx = [], []
        for labels in matched_idxs:
            positive = torchlet.where(labels >= 1)[0]
            negative = torchlet.where(labels == 0)[0]
            num_pos = min(positive.numel(), int(self.batch_size_per_image * self.positive_fraction))
            num_neg = min(negative.numel(), self.batch_size_per_image - num_pos)
            # the order of the two draws is part of the contract: it fixes which boxes a seed picks
            chosen_pos = positive[torchlet.randperm(positive.numel())[:num_pos]]
            chosen_neg = negative[torchlet.randperm(negative.numel())[:num_neg]]
            pos_mask = torchlet.zeros_like(labels, dtype=torchlet.uint8)
            neg_mask = torchlet.zeros_like(labels, dtype=torchlet.uint8)
            pos_mask[chosen_pos] = 1
            neg_mask[chosen_neg] = 1
            pos_idx.append(pos_mask)
            neg_idx.append(neg_mask)
        return pos_idx, neg_idx


class Matcher:
    """match_quality_matrix (M ground truths x N predictions) -> (N,) int64: the best ground truth's
    index where its quality >= high_threshold, BELOW_LOW_THRESHOLD (-1) under low_threshold,
    BETWEEN_THRESHOLDS (-2) in between. allow_low_quality_matches: each ground truth's best
    predictions (ties included) keep their match even under the thresholds."""

    BELOW_LOW_THRESHOLD = -1
    BETWEEN_THRESHOLDS = -2

    def __init__(self, high_threshold, low_threshold, allow_low_quality_matches=False):
        if not low_threshold <= high_threshold:
            raise AssertionError("low_threshold should be <= high_threshold")
        self.high_threshold = high_threshold
        self.low_threshold = low_threshold
        self.allow_low_quality_matches = allow_low_quality_matches

    def __call__(self, match_quality_matrix):
        if match_quality_matrix.numel() == 0:
            if match_quality_matrix.shape[0] == 0:
                raise ValueError("No ground-truth boxes available for one of the images during training")
            raise ValueError("No proposal boxes available for one of the images during training")
        matched_vals, matches = match_quality_matrix.max(dim=0)
        all_matches = matches.clone() if self.allow_low_quality_matches else None
        below = matched_vals < self.low_threshold
        between = (matched_vals >= self.low_threshold) & (matched_vals < self.high_threshold)
        matches[below] = self.BELOW_LOW_THRESHOLD
        matches[between] = self.BETWEEN_THRESHOLDS
        if self.allow_low_quality_matches:
            self.set_low_quality_matches_(matches, all_matches, match_quality_matrix)
        return matches

    def set_low_quality_matches_(self, matches, all_matches, match_quality_matrix):
        highest_quality_foreach_gt, _ = match_quality_matrix.max(dim=1)
        pred_inds = torchlet.where(match_quality_matrix == highest_quality_foreach_gt[:, None])[1]
        matches[pred_inds] = all_matches[pred_inds]
