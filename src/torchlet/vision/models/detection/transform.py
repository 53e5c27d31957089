"""GeneralizedRCNNTransform: normalise, resize (shorter side to min_size, longer at most max_size,
bilinear; in training min_size is drawn from the tuple with the torch RNG, and the targets' boxes
are rescaled and masks resized nearest), pad the batch to a multiple of 32; and, after detection, boxes scaled back and masks
pasted into the original image size."""

import math

import torchlet
from torchlet import nn
from torchlet.nn import functional as F
from .image_list import ImageList

__all__ = ["GeneralizedRCNNTransform", "resize_boxes", "resize_keypoints", "paste_masks_in_image"]


def _resize_image_and_masks(image, self_min_size, self_max_size, target=None, fixed_size=None):
    if fixed_size is not None:
        size, scale, recompute = [fixed_size[1], fixed_size[0]], None, None
    else:
        h, w = image.shape[-2:]
        size, scale, recompute = None, min(self_min_size / min(h, w), self_max_size / max(h, w)), True
    image = F.interpolate(
        image[None],
        size=size,
        scale_factor=scale,
        mode="bilinear",
        recompute_scale_factor=recompute,
        align_corners=False,
    )[0]
    if target is not None and "masks" in target:
        mask = F.interpolate(
            target["masks"][:, None].float(), size=size, scale_factor=scale, recompute_scale_factor=recompute
        )[:, 0].byte()
        target["masks"] = mask
    return image, target


def resize_boxes(boxes, original_size, new_size):
    ratio_h, ratio_w = (
        torchlet.tensor(s, dtype=torchlet.float32) / torchlet.tensor(s_orig, dtype=torchlet.float32)
        for s, s_orig in zip(new_size, original_size)
    )
    xmin, ymin, xmax, ymax = boxes.unbind(1)
    return torchlet.stack((xmin * ratio_w, ymin * ratio_h, xmax * ratio_w, ymax * ratio_h), dim=1)


def resize_keypoints(keypoints, original_size, new_size):
    """(N, K, 3) keypoints: x scaled by the width ratio, y by the height ratio, visibility kept."""
    ratio_h, ratio_w = (
        torchlet.tensor(s, dtype=torchlet.float32) / torchlet.tensor(s_orig, dtype=torchlet.float32)
        for s, s_orig in zip(new_size, original_size)
    )
    resized = keypoints.clone()
    resized[..., 0] *= ratio_w
    resized[..., 1] *= ratio_h
    return resized


def expand_boxes(boxes, scale):
    w_half = (boxes[:, 2] - boxes[:, 0]) * 0.5 * scale
    h_half = (boxes[:, 3] - boxes[:, 1]) * 0.5 * scale
    x_c = (boxes[:, 2] + boxes[:, 0]) * 0.5
    y_c = (boxes[:, 3] + boxes[:, 1]) * 0.5
    return torchlet.stack((x_c - w_half, y_c - h_half, x_c + w_half, y_c + h_half), dim=1)


def paste_mask_in_image(mask, box, im_h, im_w):
    """Resize one M x M mask to its (integer) box and place it in an im_h x im_w canvas."""
    box = [int(v) for v in box.tolist()]
    w, h = max(box[2] - box[0] + 1, 1), max(box[3] - box[1] + 1, 1)
    mask = F.interpolate(mask.expand((1, 1, -1, -1)), size=(h, w), mode="bilinear", align_corners=False)[0][0]
    im_mask = torchlet.zeros((im_h, im_w), dtype=mask.dtype)
    x_0, x_1 = max(box[0], 0), min(box[2] + 1, im_w)
    y_0, y_1 = max(box[1], 0), min(box[3] + 1, im_h)
    if x_1 > x_0 and y_1 > y_0:
        im_mask[y_0:y_1, x_0:x_1] = mask[y_0 - box[1] : y_1 - box[1], x_0 - box[0] : x_1 - box[0]]
    return im_mask


def paste_masks_in_image(masks, boxes, img_shape, padding=1):
    m = masks.shape[-1]
    scale = float(m + 2 * padding) / m
    masks = F.pad(masks, (padding,) * 4)
    boxes = expand_boxes(boxes, scale).to(dtype=torchlet.int64)
    im_h, im_w = img_shape
    res = [paste_mask_in_image(mk[0], b, im_h, im_w) for mk, b in zip(masks, boxes)]
    return torchlet.stack(res, dim=0)[:, None] if res else masks.new_empty((0, 1, im_h, im_w))


class GeneralizedRCNNTransform(nn.Module):
    def __init__(self, min_size, max_size, image_mean, image_std, size_divisible=32, fixed_size=None, **kwargs):
        super().__init__()
        if not isinstance(min_size, (list, tuple)):
            min_size = (min_size,)
        self.min_size = min_size
        self.max_size = max_size
        self.image_mean = image_mean
        self.image_std = image_std
        self.size_divisible = size_divisible
        self.fixed_size = fixed_size
        self._skip_resize = kwargs.pop("_skip_resize", False)

    def forward(self, images, targets=None):
        if targets is not None:
            targets = [dict(t) for t in targets]  # shallow copies: the caller's dicts stay as they were
        out = []
        for i, image in enumerate(images):
            if image.dim() != 3:
                raise ValueError(f"images is expected to be a list of 3d tensors of shape [C, H, W], got {image.shape}")
            image, target = self.resize(self.normalize(image), targets[i] if targets is not None else None)
            out.append(image)
            if targets is not None and target is not None:
                targets[i] = target
        image_sizes = [(int(img.shape[-2]), int(img.shape[-1])) for img in out]
        return ImageList(self.batch_images(out, size_divisible=self.size_divisible), image_sizes), targets

    def normalize(self, image):
        if not image.is_floating_point():
            raise TypeError(
                f"Expected input images to be of floating type (in range [0, 1]), but found type {image.dtype} instead"
            )
        mean = torchlet.as_tensor(self.image_mean, dtype=image.dtype)
        std = torchlet.as_tensor(self.image_std, dtype=image.dtype)
        return (image - mean[:, None, None]) / std[:, None, None]

    def torch_choice(self, k):
        """random.choice through the torch RNG (one uniform draw), as torchvision does."""
        return k[int(torchlet.empty(1).uniform_(0.0, float(len(k))).item())]

    def resize(self, image, target=None):
        h, w = image.shape[-2:]
        if self.training:
            if self._skip_resize:
                return image, target
            size = self.torch_choice(self.min_size)
        else:
            size = self.min_size[-1]
        image, target = _resize_image_and_masks(image, size, self.max_size, target, self.fixed_size)
        if target is None:
            return image, target
        target["boxes"] = resize_boxes(target["boxes"], (h, w), image.shape[-2:])
        if "keypoints" in target:
            target["keypoints"] = resize_keypoints(target["keypoints"], (h, w), image.shape[-2:])
        return image, target

    def batch_images(self, images, size_divisible=32):
        max_size = [max(s) for s in zip(*[list(img.shape) for img in images])]
        stride = float(size_divisible)
        max_size[1] = int(math.ceil(float(max_size[1]) / stride) * stride)
        max_size[2] = int(math.ceil(float(max_size[2]) / stride) * stride)
        batched = images[0].new_full([len(images)] + max_size, 0)
        for i, img in enumerate(images):
            batched[i, : img.shape[0], : img.shape[1], : img.shape[2]] = img
        return batched

    def postprocess(self, result, image_shapes, original_image_sizes):
        if self.training:
            return result
        for i, (pred, im_s, o_im_s) in enumerate(zip(result, image_shapes, original_image_sizes)):
            boxes = resize_boxes(pred["boxes"], im_s, o_im_s)
            result[i]["boxes"] = boxes
            if "masks" in pred:
                result[i]["masks"] = paste_masks_in_image(pred["masks"], boxes, o_im_s)
            if "keypoints" in pred:
                result[i]["keypoints"] = resize_keypoints(pred["keypoints"], im_s, o_im_s)
        return result

    def __repr__(self):
        return (
            f"{self.__class__.__name__}(\n    Normalize(mean={self.image_mean}, std={self.image_std})"
            f"\n    Resize(min_size={self.min_size}, max_size={self.max_size}, mode='bilinear')\n)"
        )
