"""torchlet.vision.transforms.v2: torchvision's v2 transforms. They take any nesting of images,
videos, masks, bounding boxes (tv_tensors), plain tensors and PIL images, draw their random
parameters once from torchlet's (PyTorch's) random stream, and apply them to all of it."""

import math
import warnings
from collections.abc import Sequence

import torchlet
from ...tv_tensors import BoundingBoxes, Image, Mask, Video
from . import functional as F
from ._transform import Transform, _RandomApplyTransform, is_pure_tensor

__all__ = [
    "Transform",
    "Compose",
    "RandomHorizontalFlip",
    "RandomVerticalFlip",
    "Resize",
    "RandomResizedCrop",
    "RandomCrop",
    "CenterCrop",
    "Normalize",
    "ToDtype",
    "ToImage",
    "ToPureTensor",
    "PILToTensor",
    "ClampBoundingBoxes",
    "ConvertBoundingBoxFormat",
    "Lambda",
    "RandomIoUCrop",
    "SanitizeBoundingBoxes",
    "functional",
]


def _query_size(flat_inputs):
    sizes = {
        tuple(F.get_size(i))
        for i in flat_inputs
        if isinstance(i, (Image, Video, Mask, BoundingBoxes)) or is_pure_tensor(i) or F._is_pil(i)
    }
    if not sizes:
        raise TypeError("No image, video, mask, bounding box of keypoint was found in the sample")
    if len(sizes) > 1:
        raise ValueError(f"Found multiple HxW dimensions in the sample: {', '.join(str(s) for s in sorted(sizes))}")
    return sizes.pop()


def _setup_size(size, error_msg):
    if isinstance(size, int):
        return size, size
    if isinstance(size, Sequence) and len(size) == 1:
        return size[0], size[0]
    if len(size) != 2:
        raise ValueError(error_msg)
    return size


class Compose(Transform):
    """Apply transforms one after another (several inputs are passed on as a tuple)."""

    def __init__(self, transforms):
        super().__init__()
        if not isinstance(transforms, Sequence):
            raise TypeError("Argument transforms should be a sequence of callables")
        if not transforms:
            raise ValueError("Pass at least one transform")
        self.transforms = transforms

    def forward(self, *inputs):
        needs_unpacking = len(inputs) > 1
        for transform in self.transforms:
            outputs = transform(*inputs)
            inputs = outputs if needs_unpacking else (outputs,)
        return outputs

    def extra_repr(self):
        return "\n".join(f"    {t}" for t in self.transforms)


class RandomHorizontalFlip(_RandomApplyTransform):
    def transform(self, inpt, params):
        return F.horizontal_flip(inpt)


class RandomVerticalFlip(_RandomApplyTransform):
    def transform(self, inpt, params):
        return F.vertical_flip(inpt)


def _interp(mode):
    return F.InterpolationMode(mode) if isinstance(mode, str) else mode


class Resize(Transform):
    def __init__(self, size, interpolation="bilinear", max_size=None, antialias=True):
        super().__init__()
        if isinstance(size, int):
            size = [size]
        elif isinstance(size, Sequence) and len(size) in {1, 2}:
            size = list(size)
        elif size is None:
            if not isinstance(max_size, int):
                raise ValueError(f"max_size must be an integer when size is None, but got {max_size} instead.")
        else:
            raise ValueError(
                f"size can be an integer, a sequence of one or two integers, or None, but got {size} instead."
            )
        self.size = size
        self.interpolation = interpolation
        self.max_size = max_size
        self.antialias = antialias

    def transform(self, inpt, params):
        return F.resize(
            inpt, self.size, interpolation=_interp(self.interpolation), max_size=self.max_size, antialias=self.antialias
        )


class CenterCrop(Transform):
    def __init__(self, size):
        super().__init__()
        self.size = _setup_size(size, error_msg="Please provide only two dimensions (h, w) for size.")

    def transform(self, inpt, params):
        return F.center_crop(inpt, output_size=self.size)


class RandomResizedCrop(Transform):
    """Crop a random area (scale of the image's) and aspect ratio, then resize to `size`; the crop is
    drawn as torchvision draws it (10 tries, then a central crop)."""

    def __init__(self, size, scale=(0.08, 1.0), ratio=(3.0 / 4.0, 4.0 / 3.0), interpolation="bilinear", antialias=True):
        super().__init__()
        self.size = _setup_size(size, error_msg="Please provide only two dimensions (h, w) for size.")
        if not isinstance(scale, Sequence) or len(scale) != 2:
            raise TypeError("Scale should be a sequence of two floats.")
        if not isinstance(ratio, Sequence) or len(ratio) != 2:
            raise TypeError("Ratio should be a sequence of two floats.")
        if (scale[0] > scale[1]) or (ratio[0] > ratio[1]):
            warnings.warn("Scale and ratio should be of kind (min, max)")
        self.scale = scale
        self.ratio = ratio
        self.interpolation = interpolation
        self.antialias = antialias
        self._log_ratio = torchlet.log(torchlet.tensor(self.ratio))

    def make_params(self, flat_inputs):
        height, width = _query_size(flat_inputs)
        area = height * width
        log_ratio = self._log_ratio
        for _ in range(10):
            target_area = area * torchlet.empty(1).uniform_(self.scale[0], self.scale[1]).item()
            aspect_ratio = torchlet.exp(torchlet.empty(1).uniform_(log_ratio[0], log_ratio[1])).item()
            w = int(round(math.sqrt(target_area * aspect_ratio)))
            h = int(round(math.sqrt(target_area / aspect_ratio)))
            if 0 < w <= width and 0 < h <= height:
                i = torchlet.randint(0, height - h + 1, size=(1,)).item()
                j = torchlet.randint(0, width - w + 1, size=(1,)).item()
                break
        else:
            in_ratio = float(width) / float(height)
            if in_ratio < min(self.ratio):
                w, h = width, int(round(width / min(self.ratio)))
            elif in_ratio > max(self.ratio):
                h, w = height, int(round(height * max(self.ratio)))
            else:
                w, h = width, height
            i, j = (height - h) // 2, (width - w) // 2
        return dict(top=i, left=j, height=h, width=w)

    def transform(self, inpt, params):
        return F.resized_crop(
            inpt, **params, size=self.size, interpolation=_interp(self.interpolation), antialias=self.antialias
        )


class RandomCrop(Transform):
    def __init__(self, size, padding=None, pad_if_needed=False, fill=0, padding_mode="constant"):
        super().__init__()
        self.size = _setup_size(size, error_msg="Please provide only two dimensions (h, w) for size.")
        if padding is not None:
            if isinstance(padding, (tuple, list)):
                if len(padding) not in [1, 2, 4] or not all(isinstance(p, int) for p in padding):
                    raise ValueError(f"Padding must be an int or a 1, 2, or 4 element of tuple or list, got {padding}.")
            elif not isinstance(padding, int):
                raise ValueError(f"Padding must be an int or a 1, 2, or 4 element of tuple or list, got {padding}.")
        if padding_mode not in ["constant", "edge", "reflect", "symmetric"]:
            raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
        if padding:  # [left, right, top, bottom]
            left, top, right, bottom = F._parse_pad(padding)
            self.padding = [left, right, top, bottom]
        else:
            self.padding = None
        self.pad_if_needed = pad_if_needed
        self.fill = fill
        self.padding_mode = padding_mode

    def make_params(self, flat_inputs):
        padded_h, padded_w = _query_size(flat_inputs)
        if self.padding is not None:
            pad_left, pad_right, pad_top, pad_bottom = self.padding
            padded_h += pad_top + pad_bottom
            padded_w += pad_left + pad_right
        else:
            pad_left = pad_right = pad_top = pad_bottom = 0
        crop_h, crop_w = self.size
        if self.pad_if_needed:
            if padded_h < crop_h:
                diff = crop_h - padded_h
                pad_top, pad_bottom, padded_h = pad_top + diff, pad_bottom + diff, padded_h + 2 * diff
            if padded_w < crop_w:
                diff = crop_w - padded_w
                pad_left, pad_right, padded_w = pad_left + diff, pad_right + diff, padded_w + 2 * diff
        if padded_h < crop_h or padded_w < crop_w:
            raise ValueError(
                f"Required crop size {(crop_h, crop_w)} is larger than "
                f"{'padded ' if self.padding is not None else ''}input image size {(padded_h, padded_w)}."
            )
        padding = [pad_left, pad_top, pad_right, pad_bottom]
        top = int(torchlet.randint(0, padded_h - crop_h + 1, size=())) if padded_h > crop_h else 0
        left = int(torchlet.randint(0, padded_w - crop_w + 1, size=())) if padded_w > crop_w else 0
        return dict(
            needs_crop=padded_h > crop_h or padded_w > crop_w,
            top=top,
            left=left,
            height=crop_h,
            width=crop_w,
            needs_pad=any(padding),
            padding=padding,
        )

    def transform(self, inpt, params):
        if params["needs_pad"]:
            fill = self.fill
            if isinstance(fill, dict):
                fill = fill.get(type(inpt), fill.get("others", 0))
            inpt = F.pad(inpt, padding=params["padding"], fill=fill, padding_mode=self.padding_mode)
        if params["needs_crop"]:
            inpt = F.crop(inpt, top=params["top"], left=params["left"], height=params["height"], width=params["width"])
        return inpt


class Normalize(Transform):
    _transformed_types = (Image, Video)

    def __init__(self, mean, std, inplace=False):
        super().__init__()
        self.mean = list(mean)
        self.std = list(std)
        self.inplace = inplace

    def _needs_transform_list(self, flat_inputs):
        needs = super()._needs_transform_list(flat_inputs)
        transform_pure = not any(isinstance(i, (Image, Video)) for i in flat_inputs)
        out = []
        for inpt, need in zip(flat_inputs, needs):
            if is_pure_tensor(inpt):
                need, transform_pure = transform_pure, False
            out.append(need)
        return out

    def transform(self, inpt, params):
        return F.normalize(inpt, mean=self.mean, std=self.std, inplace=self.inplace)


class ToDtype(Transform):
    """Convert images/videos (or, with a dict, each tv_tensor type) to `dtype`; scale=True rescales
    integer <-> float value ranges."""

    def __init__(self, dtype, scale=False):
        super().__init__()
        if not isinstance(dtype, (dict, torchlet.dtype)):
            raise ValueError(f"dtype must be a dict or a torch.dtype, got {type(dtype)} instead")
        if isinstance(dtype, dict) and torchlet.Tensor in dtype and any(cls in dtype for cls in [Image, Video]):
            warnings.warn(
                "Got `dtype` values for `torch.Tensor` and either `tv_tensors.Image` or "
                "`tv_tensors.Video`. Note that a plain `torch.Tensor` will *not* be transformed by this (or "
                "any other transformation) in case a `tv_tensors.Image` or `tv_tensors.Video` is present in "
                "the input."
            )
        self.dtype = dtype
        self.scale = scale

    def transform(self, inpt, params):
        if isinstance(self.dtype, torchlet.dtype):
            if not is_pure_tensor(inpt) and not isinstance(inpt, (Image, Video)):
                return inpt
            dtype = self.dtype
        elif type(inpt) in self.dtype:
            dtype = self.dtype[type(inpt)]
        elif "others" in self.dtype:
            dtype = self.dtype["others"]
        else:
            raise ValueError(
                f"No dtype was specified for type {type(inpt)}. If you only need to convert the dtype of "
                f"images or videos, you can just pass e.g. dtype=torch.float32. If you're passing a dict "
                f'as dtype, you can use "others" as a catch-all key e.g. dtype={{tv_tensors.Mask: '
                f'torch.int64, "others": None}} to pass-through the rest of the inputs.'
            )
        if dtype is None:
            if self.scale and (is_pure_tensor(inpt) or isinstance(inpt, (Image, Video))):
                warnings.warn(
                    "scale was set to True but no dtype was specified for images or videos: no scaling will be done."
                )
            return inpt
        if F._is_pil(inpt):
            return inpt
        return F.to_dtype(inpt, dtype=dtype, scale=self.scale)


class ToImage(Transform):
    def _needs_transform_list(self, flat_inputs):
        import numpy as np
        import PIL.Image

        return [isinstance(i, (PIL.Image.Image, np.ndarray)) or is_pure_tensor(i) for i in flat_inputs]

    def transform(self, inpt, params):
        return F.to_image(inpt)


class PILToTensor(Transform):
    def _needs_transform_list(self, flat_inputs):
        return [F._is_pil(i) for i in flat_inputs]

    def transform(self, inpt, params):
        return F.pil_to_tensor(inpt)


class ToPureTensor(Transform):
    """Turn every tv_tensor into a plain Tensor."""

    def _needs_transform_list(self, flat_inputs):
        from ...tv_tensors import TVTensor

        return [isinstance(i, TVTensor) for i in flat_inputs]

    def transform(self, inpt, params):
        return F.to_pure_tensor(inpt)


class ClampBoundingBoxes(Transform):
    def __init__(self, clamping_mode="auto"):
        super().__init__()
        self.clamping_mode = clamping_mode

    def _needs_transform_list(self, flat_inputs):
        return [isinstance(i, BoundingBoxes) for i in flat_inputs]

    def transform(self, inpt, params):
        return F.clamp_bounding_boxes(inpt)


class ConvertBoundingBoxFormat(Transform):
    def __init__(self, format):
        super().__init__()
        self.format = format

    def _needs_transform_list(self, flat_inputs):
        return [isinstance(i, BoundingBoxes) for i in flat_inputs]

    def transform(self, inpt, params):
        return F.convert_bounding_box_format(inpt, new_format=self.format)


class Lambda(Transform):
    def __init__(self, lambd, *types):
        super().__init__()
        self.lambd = lambd
        self.types = types or self._transformed_types

    def _needs_transform_list(self, flat_inputs):
        return [isinstance(i, self.types) for i in flat_inputs]

    def transform(self, inpt, params):
        return self.lambd(inpt)


from ._detection import RandomIoUCrop, SanitizeBoundingBoxes  # noqa: E402 (uses _query_size above)
