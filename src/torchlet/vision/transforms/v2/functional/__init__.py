"""torchvision.transforms.v2.functional: each function dispatches on what its input is (a plain
tensor or tv_tensors.Image, a Video, a Mask, BoundingBoxes, a PIL image) and returns the same kind,
so the same crop/flip/resize moves boxes and masks with the image. Image kernels reuse the v1
functional ops (tensor and PIL)."""

import PIL.Image

import torchlet
from ... import functional as F1
from ...functional import InterpolationMode
from ....tv_tensors import BoundingBoxes, BoundingBoxFormat, Image, Mask, TVTensor, Video, _plain, wrap
from ....ops.boxes import box_convert

__all__ = [
    "get_size",
    "get_dimensions",
    "horizontal_flip",
    "hflip",
    "vertical_flip",
    "vflip",
    "resize",
    "crop",
    "center_crop",
    "resized_crop",
    "pad",
    "normalize",
    "to_dtype",
    "to_image",
    "to_pure_tensor",
    "pil_to_tensor",
    "to_pil_image",
    "convert_bounding_box_format",
    "clamp_bounding_boxes",
    "sanitize_bounding_boxes",
    "InterpolationMode",
]

_FMT = {BoundingBoxFormat.XYXY: "xyxy", BoundingBoxFormat.XYWH: "xywh", BoundingBoxFormat.CXCYWH: "cxcywh"}


def _is_pil(x):
    return isinstance(x, PIL.Image.Image)


def _rewrap(out, like, **kwargs):
    """A kernel's plain result, as the input's TVTensor type (plain tensors stay plain)."""
    return wrap(out, like=like, **kwargs) if isinstance(like, TVTensor) else out


def _format(fmt):
    if isinstance(fmt, str):
        fmt = BoundingBoxFormat[fmt.upper()]
    if fmt not in _FMT:
        raise NotImplementedError(f"rotated bounding box format {fmt} is not implemented in torchlet")
    return fmt


def get_dimensions(inpt):
    if _is_pil(inpt):
        return F1.get_dimensions(inpt)
    if isinstance(inpt, (BoundingBoxes, Mask)):
        raise TypeError(f"get_dimensions() got an unsupported input type {type(inpt)}")
    c, h, w = inpt.shape[-3:]
    return [int(c), int(h), int(w)]


def get_size(inpt):
    """[height, width] of an image, video, mask or the canvas of bounding boxes."""
    if _is_pil(inpt):
        return [inpt.height, inpt.width]
    if isinstance(inpt, BoundingBoxes):
        return list(inpt.canvas_size)
    if not isinstance(inpt, torchlet.Tensor):
        raise TypeError(
            f"Input can either be a plain tensor, any TVTensor subclass, or a PIL image, but got {type(inpt)} instead."
        )
    return [int(inpt.shape[-2]), int(inpt.shape[-1])]


# ----- boxes -------------------------------------------------------------------------------------
def convert_bounding_box_format(inpt, old_format=None, new_format=None, inplace=False):
    if new_format is None:
        raise TypeError("convert_bounding_box_format() missing 1 required argument: 'new_format'")
    new_format = _format(new_format)
    if isinstance(inpt, BoundingBoxes):
        if old_format is not None:
            raise ValueError("For bounding box tv_tensor inputs, `old_format` must not be passed.")
        out = _convert(_plain(inpt), inpt.format, new_format)
        return wrap(out, like=inpt, format=new_format)
    if old_format is None:
        raise ValueError("For pure tensor inputs, `old_format` has to be passed.")
    return _convert(inpt, _format(old_format), new_format)


def _convert(boxes, old, new):
    if old == new:
        return boxes
    dtype = boxes.dtype
    out = box_convert(boxes if boxes.is_floating_point() else boxes.float(), _FMT[old], _FMT[new])
    return out if out.dtype == dtype else out.round().to(dtype) if not dtype.is_floating_point else out.to(dtype)


def _clamp(boxes, fmt, canvas_size):
    dtype = boxes.dtype
    b = boxes.clone() if boxes.is_floating_point() else boxes.float()
    xyxy = _convert(b, fmt, BoundingBoxFormat.XYXY).clone()
    xyxy[..., 0::2] = xyxy[..., 0::2].clamp(min=0, max=canvas_size[1])
    xyxy[..., 1::2] = xyxy[..., 1::2].clamp(min=0, max=canvas_size[0])
    return _convert(xyxy, BoundingBoxFormat.XYXY, fmt).to(dtype)


def clamp_bounding_boxes(inpt, format=None, canvas_size=None, clamping_mode="soft"):
    if isinstance(inpt, BoundingBoxes):
        return wrap(_clamp(_plain(inpt), inpt.format, inpt.canvas_size), like=inpt)
    return _clamp(inpt, _format(format), canvas_size)


# ----- flips -------------------------------------------------------------------------------------
def horizontal_flip(inpt):
    if isinstance(inpt, BoundingBoxes):
        b = _plain(inpt).clone().reshape(-1, 4)
        w = inpt.canvas_size[1]
        if inpt.format == BoundingBoxFormat.XYXY:
            b = torchlet.stack([w - b[:, 2], b[:, 1], w - b[:, 0], b[:, 3]], dim=1)
        elif inpt.format == BoundingBoxFormat.XYWH:
            b = torchlet.stack([w - (b[:, 0] + b[:, 2]), b[:, 1], b[:, 2], b[:, 3]], dim=1)
        else:
            b = torchlet.stack([w - b[:, 0], b[:, 1], b[:, 2], b[:, 3]], dim=1)
        return wrap(b.reshape(inpt.shape), like=inpt)
    if _is_pil(inpt):
        return F1.hflip(inpt)
    return _rewrap(_plain(inpt).flip(-1), inpt)


def vertical_flip(inpt):
    if isinstance(inpt, BoundingBoxes):
        b = _plain(inpt).clone().reshape(-1, 4)
        h = inpt.canvas_size[0]
        if inpt.format == BoundingBoxFormat.XYXY:
            b = torchlet.stack([b[:, 0], h - b[:, 3], b[:, 2], h - b[:, 1]], dim=1)
        elif inpt.format == BoundingBoxFormat.XYWH:
            b = torchlet.stack([b[:, 0], h - (b[:, 1] + b[:, 3]), b[:, 2], b[:, 3]], dim=1)
        else:
            b = torchlet.stack([b[:, 0], h - b[:, 1], b[:, 2], b[:, 3]], dim=1)
        return wrap(b.reshape(inpt.shape), like=inpt)
    if _is_pil(inpt):
        return F1.vflip(inpt)
    return _rewrap(_plain(inpt).flip(-2), inpt)


hflip, vflip = horizontal_flip, vertical_flip


# ----- resize / crop / pad -------------------------------------------------------------------------
def _output_size(canvas_size, size, max_size):
    if size is None:
        if max_size is None:
            raise ValueError("size can only be None if max_size is also passed")
        h, w = canvas_size
        scale = max_size / max(h, w)
        return [int(h * scale), int(w * scale)]
    size = [size] if isinstance(size, int) else list(size)
    if max_size is not None and len(size) != 1:
        raise ValueError(
            "max_size should only be passed if size is None or specifies the length of the smaller "
            "edge, i.e. size should be an int or a sequence of length 1 in torchscript mode."
        )
    return F1._compute_resized_output_size(canvas_size, size, max_size)


def _image_kernel(fn, inpt, *args, **kwargs):
    """Apply a v1 image op to (..., C, H, W) data, folding leading dims."""
    x = _plain(inpt)
    shape = x.shape
    x = x.reshape((-1,) + tuple(shape[-3:])) if x.ndim > 4 else x
    out = fn(x, *args, **kwargs)
    return out.reshape(tuple(shape[:-3]) + tuple(out.shape[-3:])) if len(shape) > 4 else out


def _mask_kernel(fn, inpt, *args, **kwargs):
    x = _plain(inpt)
    squeeze = x.ndim < 3
    out = _image_kernel(fn, x.unsqueeze(0) if squeeze else x, *args, **kwargs)
    return out.squeeze(0) if squeeze else out


def resize(inpt, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
    if isinstance(inpt, BoundingBoxes):
        old_h, old_w = inpt.canvas_size
        new_h, new_w = _output_size(inpt.canvas_size, size, max_size)
        if (new_h, new_w) == (old_h, old_w):
            return inpt
        ratios = torchlet.tensor([new_w / old_w, new_h / old_h, new_w / old_w, new_h / old_h])
        return wrap(_plain(inpt).mul(ratios).to(inpt.dtype), like=inpt, canvas_size=(new_h, new_w))
    if _is_pil(inpt):
        return F1.resize(inpt, _output_size(get_size(inpt), size, max_size), interpolation)
    out_size = _output_size(get_size(inpt), size, max_size)
    if isinstance(inpt, Mask):
        mode = (
            interpolation
            if interpolation in (InterpolationMode.NEAREST, InterpolationMode.NEAREST_EXACT)
            else InterpolationMode.NEAREST
        )
        return _rewrap(_mask_kernel(F1.resize, inpt, out_size, mode), inpt)
    return _rewrap(_image_kernel(F1.resize, inpt, out_size, interpolation, antialias=antialias), inpt)


def crop(inpt, top, left, height, width):
    if isinstance(inpt, BoundingBoxes):
        sub = [left, top, left, top] if inpt.format == BoundingBoxFormat.XYXY else [left, top, 0, 0]
        b = _plain(inpt) - torchlet.tensor(sub, dtype=inpt.dtype)
        return wrap(_clamp(b, inpt.format, (height, width)), like=inpt, canvas_size=(height, width))
    if _is_pil(inpt):
        return F1.crop(inpt, top, left, height, width)
    kernel = _mask_kernel if isinstance(inpt, Mask) else _image_kernel
    return _rewrap(kernel(F1.crop, inpt, top, left, height, width), inpt)


def _parse_pad(padding):
    if isinstance(padding, int):
        return [padding] * 4
    padding = list(padding)
    if len(padding) == 1:
        return padding * 4
    if len(padding) == 2:
        return [padding[0], padding[1], padding[0], padding[1]]
    return padding


def pad(inpt, padding, fill=None, padding_mode="constant"):
    left, top, right, bottom = _parse_pad(padding)
    if isinstance(inpt, BoundingBoxes):
        if padding_mode not in ("constant",):
            raise ValueError(f"Padding mode '{padding_mode}' is not supported with bounding boxes")
        sub = [left, top, left, top] if inpt.format == BoundingBoxFormat.XYXY else [left, top, 0, 0]
        h, w = inpt.canvas_size
        size = (h + top + bottom, w + left + right)
        b = _plain(inpt) + torchlet.tensor(sub, dtype=inpt.dtype)
        return wrap(_clamp(b, inpt.format, size), like=inpt, canvas_size=size)
    fill = 0 if fill is None else fill
    if _is_pil(inpt):
        return F1.pad(inpt, padding, fill, padding_mode)
    kernel = _mask_kernel if isinstance(inpt, Mask) else _image_kernel
    return _rewrap(kernel(F1.pad, inpt, [left, top, right, bottom], fill, padding_mode), inpt)


def center_crop(inpt, output_size):
    if isinstance(output_size, int):
        output_size = [output_size, output_size]
    elif len(output_size) == 1:
        output_size = [output_size[0], output_size[0]]
    ch, cw = output_size
    h, w = get_size(inpt)
    if ch > h or cw > w:
        inpt = pad(
            inpt,
            [
                (cw - w) // 2 if cw > w else 0,
                (ch - h) // 2 if ch > h else 0,
                (cw - w + 1) // 2 if cw > w else 0,
                (ch - h + 1) // 2 if ch > h else 0,
            ],
        )
        h, w = get_size(inpt)
        if ch == h and cw == w:
            return inpt
    return crop(inpt, int(round((h - ch) / 2.0)), int(round((w - cw) / 2.0)), ch, cw)


def resized_crop(inpt, top, left, height, width, size, interpolation=InterpolationMode.BILINEAR, antialias=True):
    return resize(crop(inpt, top, left, height, width), size, interpolation=interpolation, antialias=antialias)


# ----- dtype / type conversion ---------------------------------------------------------------------
def normalize(inpt, mean, std, inplace=False):
    if isinstance(inpt, (BoundingBoxes, Mask)):
        return inpt
    if not inpt.is_floating_point():
        raise TypeError(f"Input tensor should be a float tensor. Got {inpt.dtype}.")
    return _rewrap(F1.normalize(_plain(inpt), mean, std, inplace=inplace), inpt)


def _max_value(dtype):
    return {
        torchlet.uint8: 255,
        torchlet.int8: 127,
        torchlet.int16: 32767,
        torchlet.int32: 2**31 - 1,
        torchlet.int64: 2**63 - 1,
        torchlet.bool: 1,
    }.get(dtype, 1.0)


def _to_dtype_image(image, dtype, scale):
    """v2's conversion: float -> int multiplies by (max + 1 - 1e-3) and truncates; int -> float
    multiplies by 1 / max; float -> float and no scale are plain casts."""
    if image.dtype == dtype:
        return image
    if not scale:
        return image.to(dtype)
    if image.is_floating_point():
        if dtype.is_floating_point:
            return image.to(dtype)
        if (image.dtype == torchlet.float32 and dtype in (torchlet.int32, torchlet.int64)) or (
            image.dtype == torchlet.float64 and dtype == torchlet.int64
        ):
            raise RuntimeError(f"The conversion from {image.dtype} to {dtype} cannot be performed safely.")
        return image.mul(float(_max_value(dtype)) + 1.0 - 1e-3).to(dtype)
    if dtype.is_floating_point:
        return image.to(dtype).mul_(1.0 / _max_value(image.dtype))
    return F1.convert_image_dtype(image, dtype)


def to_dtype(inpt, dtype=torchlet.float, scale=False):
    if isinstance(inpt, (BoundingBoxes, Mask)) or not isinstance(inpt, (Image, Video)) and isinstance(inpt, TVTensor):
        return inpt.to(dtype)
    return _rewrap(_to_dtype_image(_plain(inpt), dtype, scale), inpt)


def pil_to_tensor(pic):
    return F1.pil_to_tensor(pic)


def to_pil_image(pic, mode=None):
    return F1.to_pil_image(_plain(pic) if isinstance(pic, torchlet.Tensor) else pic, mode)


def to_image(inpt):
    """PIL image, NumPy (H, W, C) array or (C, H, W) tensor -> tv_tensors.Image."""
    import numpy as np

    if isinstance(inpt, np.ndarray):
        arr = inpt if inpt.ndim == 3 else inpt[:, :, None]
        out = torchlet.from_numpy(np.ascontiguousarray(arr.transpose(2, 0, 1)))
    elif _is_pil(inpt):
        out = F1.pil_to_tensor(inpt)
    elif isinstance(inpt, torchlet.Tensor):
        out = _plain(inpt)
    else:
        raise TypeError(
            f"Input can either be a pure Tensor, a numpy array, or a PIL image, but got {type(inpt)} instead."
        )
    return Image(out)


def to_pure_tensor(inpt):
    return _plain(inpt)


def sanitize_bounding_boxes(bounding_boxes, format=None, canvas_size=None, min_size=1.0, min_area=1.0):
    """The valid boxes (see v2.SanitizeBoundingBoxes) and the boolean mask of which were kept."""
    from .._detection import sanitize_bounding_boxes as impl

    return impl(bounding_boxes, format=format, canvas_size=canvas_size, min_size=min_size, min_area=min_area)
