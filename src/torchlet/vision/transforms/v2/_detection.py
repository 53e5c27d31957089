"""The detection reference scripts' box transforms: RandomIoUCrop (SSD's crop: a random window in
which at least one box centre lies and whose IoU with such a box passes a drawn threshold) and
SanitizeBoundingBoxes (drop degenerate / outside boxes with their labels and per-instance masks).

Random draws are torchvision's, in its order, from torchlet's (PyTorch's) stream: one randint for
the IoU option, then per trial rand(2) for the size and rand(2) for the position."""

from collections.abc import Mapping

import PIL.Image

import torchlet
from ...ops.boxes import box_iou
from ...tv_tensors import BoundingBoxes, BoundingBoxFormat, Image, Mask, _plain, wrap
from . import functional as F
from ._transform import Transform, _flatten, is_pure_tensor

__all__ = ["RandomIoUCrop", "SanitizeBoundingBoxes", "sanitize_bounding_boxes"]


def _get_bounding_boxes(flat_inputs):
    for inpt in flat_inputs:
        if isinstance(inpt, BoundingBoxes):
            return inpt
    raise ValueError("No bounding boxes were found in the sample")


class RandomIoUCrop(Transform):
    """Random IoU crop of "SSD: Single Shot MultiBox Detector"; follow it by SanitizeBoundingBoxes
    (boxes whose centre falls outside the crop are set to 0 here, and removed there)."""

    def __init__(
        self,
        min_scale=0.3,
        max_scale=1.0,
        min_aspect_ratio=0.5,
        max_aspect_ratio=2.0,
        sampler_options=None,
        trials=40,
    ):
        super().__init__()
        self.min_scale = min_scale
        self.max_scale = max_scale
        self.min_aspect_ratio = min_aspect_ratio
        self.max_aspect_ratio = max_aspect_ratio
        self.options = [0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0] if sampler_options is None else sampler_options
        self.trials = trials

    def check_inputs(self, flat_inputs):
        has_boxes = any(isinstance(i, BoundingBoxes) for i in flat_inputs)
        has_image = any(isinstance(i, (PIL.Image.Image, Image)) or is_pure_tensor(i) for i in flat_inputs)
        if not (has_boxes and has_image):
            raise TypeError(
                f"{type(self).__name__}() requires input sample to contain tensor or PIL images "
                "and bounding boxes. Sample can also contain masks."
            )

    def make_params(self, flat_inputs):
        from . import _query_size

        orig_h, orig_w = _query_size(flat_inputs)
        boxes = _get_bounding_boxes(flat_inputs)
        xyxy = F.convert_bounding_box_format(_plain(boxes), boxes.format, BoundingBoxFormat.XYXY)
        cx = 0.5 * (xyxy[..., 0] + xyxy[..., 2])
        cy = 0.5 * (xyxy[..., 1] + xyxy[..., 3])
        while True:
            min_iou = self.options[int(torchlet.randint(low=0, high=len(self.options), size=(1,)))]
            if min_iou >= 1.0:  # the "leave as is" option
                return dict()
            for _ in range(self.trials):
                r = self.min_scale + (self.max_scale - self.min_scale) * torchlet.rand(2)
                new_w, new_h = int(orig_w * r[0]), int(orig_h * r[1])
                if not (self.min_aspect_ratio <= new_w / new_h <= self.max_aspect_ratio):
                    continue
                r = torchlet.rand(2)
                left, top = int((orig_w - new_w) * r[0]), int((orig_h - new_h) * r[1])
                right, bottom = left + new_w, top + new_h
                if left == right or top == bottom:
                    continue
                within = (left < cx) & (cx < right) & (top < cy) & (cy < bottom)
                if not within.any():
                    continue
                window = torchlet.tensor([[left, top, right, bottom]], dtype=xyxy.dtype)
                if box_iou(xyxy[within], window).max() < min_iou:
                    continue
                return dict(top=top, left=left, height=new_h, width=new_w, is_within_crop_area=within)

    def transform(self, inpt, params):
        if not params:
            return inpt
        output = F.crop(inpt, top=params["top"], left=params["left"], height=params["height"], width=params["width"])
        if isinstance(output, BoundingBoxes):
            plain = _plain(output).clone()
            plain[~params["is_within_crop_area"]] = 0  # marked degenerate, for SanitizeBoundingBoxes
            output = wrap(plain, like=output)
        return output


def _sanitize_mask(boxes, format, canvas_size, min_size, min_area):
    """Which boxes are at least min_size wide and high, min_area large, inside the canvas."""
    xyxy = F.convert_bounding_box_format(boxes, format, BoundingBoxFormat.XYXY)
    ws, hs = xyxy[:, 2] - xyxy[:, 0], xyxy[:, 3] - xyxy[:, 1]
    valid = (ws >= min_size) & (hs >= min_size) & (xyxy >= 0).all(dim=-1) & (ws * hs >= min_area)
    image_h, image_w = canvas_size
    valid &= (xyxy[:, 0] <= image_w) & (xyxy[:, 2] <= image_w)
    valid &= (xyxy[:, 1] <= image_h) & (xyxy[:, 3] <= image_h)
    return valid


def sanitize_bounding_boxes(bounding_boxes, format=None, canvas_size=None, min_size=1.0, min_area=1.0):
    """F.sanitize_bounding_boxes: (the valid boxes, the boolean mask of which were kept)."""
    if isinstance(bounding_boxes, BoundingBoxes):
        if format is not None or canvas_size is not None:
            raise ValueError("format and canvas_size must be None when bounding_boxes is a tv_tensors.BoundingBoxes.")
        valid = _sanitize_mask(
            _plain(bounding_boxes), bounding_boxes.format, bounding_boxes.canvas_size, min_size, min_area
        )
        return wrap(_plain(bounding_boxes)[valid], like=bounding_boxes), valid
    if format is None or canvas_size is None:
        raise ValueError("format and canvas_size cannot be None if bounding_boxes is a pure tensor.")
    if isinstance(format, str):
        format = BoundingBoxFormat[format.upper()]
    valid = _sanitize_mask(bounding_boxes, format, canvas_size, min_size, min_area)
    return bounding_boxes[valid], valid


def _default_labels(inputs):
    """torchvision's heuristic: the second item of a tuple/list (a tensor, or a dict), or the dict
    itself; in a dict the key "labels" (any case), else the first key containing "label"."""
    if isinstance(inputs, (tuple, list)):
        inputs = inputs[1]
    if is_pure_tensor(inputs):
        return inputs
    if not isinstance(inputs, Mapping):
        raise ValueError(
            f"When using the default labels_getter, the input passed to forward must be a dictionary or a two-tuple "
            f"whose second item is a dictionary or a tensor, but got {inputs} instead."
        )
    key = next((k for k in inputs if k.lower() == "labels"), None)
    if key is None:
        key = next((k for k in inputs if "label" in k.lower()), None)
    if key is None:
        raise ValueError(
            "Could not infer where the labels are in the sample. Try passing a callable as the labels_getter parameter?"
            "If there are no labels in the sample by design, pass labels_getter=None."
        )
    return inputs[key]


class SanitizeBoundingBoxes(Transform):
    """Remove boxes smaller than min_size / min_area or outside the image, with their labels (see
    labels_getter) and per-instance masks ((N, H, W) with N boxes)."""

    def __init__(self, min_size=1.0, min_area=1.0, labels_getter="default"):
        super().__init__()
        if min_size < 1:
            raise ValueError(f"min_size must be >= 1, got {min_size}.")
        if min_area < 1:
            raise ValueError(f"min_area must be >= 1, got {min_area}.")
        self.min_size = min_size
        self.min_area = min_area
        self.labels_getter = labels_getter
        if labels_getter == "default":
            self._labels_getter = _default_labels
        elif callable(labels_getter):
            self._labels_getter = labels_getter
        elif labels_getter is None:
            self._labels_getter = lambda _: None
        else:
            raise ValueError(f"labels_getter should either be 'default', a callable, or None, but got {labels_getter}.")

    def forward(self, *inputs):
        inputs = inputs if len(inputs) > 1 else inputs[0]
        labels = self._labels_getter(inputs)
        if labels is not None:
            msg = "The labels in the input to forward() must be a tensor or None, got {type} instead."
            if isinstance(labels, torchlet.Tensor):
                labels = (labels,)
            elif isinstance(labels, (tuple, list)):
                for entry in labels:
                    if not isinstance(entry, torchlet.Tensor):
                        raise ValueError(msg.format(type=type(entry)))
            else:
                raise ValueError(msg.format(type=type(labels)))
        flat_inputs, rebuild = _flatten(inputs)
        boxes = _get_bounding_boxes(flat_inputs)
        for label in labels or ():
            if boxes.shape[0] != label.shape[0]:
                raise ValueError(
                    f"Number of boxes (shape={boxes.shape}) and must match the number of labels."
                    f"Found labels with shape={label.shape})."
                )
        valid = _sanitize_mask(_plain(boxes), boxes.format, boxes.canvas_size, self.min_size, self.min_area)
        params = dict(valid=valid, labels=labels)
        return rebuild([self.transform(inpt, params) for inpt in flat_inputs])

    def transform(self, inpt, params):
        is_label = params["labels"] is not None and any(inpt is label for label in params["labels"])
        if not (is_label or isinstance(inpt, (BoundingBoxes, Mask))):
            return inpt
        valid = params["valid"]
        if isinstance(inpt, Mask) and (inpt.ndim < 1 or inpt.shape[0] != valid.shape[0]):
            return inpt  # a semantic mask, or one that is not per instance: passed through
        output = (_plain(inpt) if not is_label else inpt)[valid]
        return output if is_label else wrap(output, like=inpt)
