"""GeneralizedRCNNTransform: normalise, resize (shorter side to min_size, longer at most max_size,
bilinear), pad the batch to a multiple of 32; and, after detection, boxes scaled back and masks
pasted into the original image size."""
import math

import torchlet
from torchlet import nn
from torchlet.nn import functional as F
from .image_list import ImageList

__all__ = ["GeneralizedRCNNTransform", "resize_boxes", "paste_masks_in_image"]


def _resize_image(image, self_min_size, self_max_size, fixed_size=None):
    if fixed_size is not None:
        return F.interpolate(image[None], size=[fixed_size[1], fixed_size[0]], mode="bilinear",
                             align_corners=False)[0]
    h, w = image.shape[-2:]
    scale = min(self_min_size / min(h, w), self_max_size / max(h, w))
    return F.interpolate(image[None], scale_factor=scale, mode="bilinear", recompute_scale_factor=True,
                         align_corners=False)[0]


def resize_boxes(boxes, original_size, new_size):
    ratio_h, ratio_w = (torchlet.tensor(s, dtype=torchlet.float32) / torchlet.tensor(s_orig, dtype=torchlet.float32)
                        for s, s_orig in zip(new_size, original_size))
    xmin, ymin, xmax, ymax = boxes.unbind(1)
    return torchlet.stack((xmin * ratio_w, ymin * ratio_h, xmax * ratio_w, ymax * ratio_h), dim=1)


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
        im_mask[y_0:y_1, x_0:x_1] = mask[y_0 - box[1]:y_1 - box[1], x_0 - box[0]:x_1 - box[0]]
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
            raise NotImplementedError("torchlet's detection models run inference only (training targets and "
                                      "losses are not implemented)")
        out = []
        for image in images:
            if image.dim() != 3:
                raise ValueError(f"images is expected to be a list of 3d tensors of shape [C, H, W], got {image.shape}")
            out.append(self.resize(self.normalize(image)))
        image_sizes = [(int(img.shape[-2]), int(img.shape[-1])) for img in out]
        return ImageList(self.batch_images(out, size_divisible=self.size_divisible), image_sizes), targets

    def normalize(self, image):
        if not image.is_floating_point():
            raise TypeError(f"Expected input images to be of floating type (in range [0, 1]), but found type "
                            f"{image.dtype} instead")
        mean = torchlet.as_tensor(self.image_mean, dtype=image.dtype)
        std = torchlet.as_tensor(self.image_std, dtype=image.dtype)
        return (image - mean[:, None, None]) / std[:, None, None]

    def resize(self, image):
        if self.training:
            raise NotImplementedError("torchlet's detection models run inference only")
        return _resize_image(image, self.min_size[-1], self.max_size, self.fixed_size)

    def batch_images(self, images, size_divisible=32):
        max_size = [max(s) for s in zip(*[list(img.shape) for img in images])]
        stride = float(size_divisible)
        max_size[1] = int(math.ceil(float(max_size[1]) / stride) * stride)
        max_size[2] = int(math.ceil(float(max_size[2]) / stride) * stride)
        batched = images[0].new_full([len(images)] + max_size, 0)
        for i, img in enumerate(images):
            batched[i, :img.shape[0], :img.shape[1], :img.shape[2]] = img
        return batched

    def postprocess(self, result, image_shapes, original_image_sizes):
        if self.training:
            return result
        for i, (pred, im_s, o_im_s) in enumerate(zip(result, image_shapes, original_image_sizes)):
            boxes = resize_boxes(pred["boxes"], im_s, o_im_s)
            result[i]["boxes"] = boxes
            if "masks" in pred:
                result[i]["masks"] = paste_masks_in_image(pred["masks"], boxes, o_im_s)
        return result

    def __repr__(self):
        return (f"{self.__class__.__name__}(\n    Normalize(mean={self.image_mean}, std={self.image_std})"
                f"\n    Resize(min_size={self.min_size}, max_size={self.max_size}, mode='bilinear')\n)")
