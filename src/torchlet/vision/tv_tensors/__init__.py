"""torchvision.tv_tensors: Tensor subclasses that tell the v2 transforms what a tensor is (an Image,
a Video, a segmentation Mask, BoundingBoxes with their format and canvas size), so one geometric
transform moves the boxes and masks with the image.

As in torchvision, an op on a TVTensor returns a plain Tensor, except clone / to / detach /
requires_grad_ / pin_memory, which keep the type (and the boxes' metadata)."""

from enum import Enum

import torchlet
from torchlet._tensor import Tensor

__all__ = [
    "TVTensor",
    "Image",
    "Video",
    "Mask",
    "BoundingBoxes",
    "BoundingBoxFormat",
    "wrap",
    "is_rotated_bounding_format",
]


def _as_tensor(data, dtype=None, device=None, requires_grad=None):
    if isinstance(data, Tensor):
        t = data if dtype is None else data.to(dtype)
    else:
        t = torchlet.as_tensor(data, dtype=dtype)
    if requires_grad is None:
        requires_grad = t.requires_grad if isinstance(data, Tensor) else False
    return t, requires_grad


class TVTensor(Tensor):
    """The base class: shares the memory (and version counter) of the tensor it wraps."""

    @classmethod
    def _wrap(cls, tensor, requires_grad=None, **metadata):
        self = Tensor.__new__(cls)
        self._data = tensor._data
        self._version = tensor._version
        self._requires_grad = bool(tensor.requires_grad if requires_grad is None else requires_grad)
        if tensor.requires_grad and requires_grad is None:  # keep the graph: a view of the input
            self._grad_fn, self._output_nr = tensor._grad_fn, tensor._output_nr
        for key, value in metadata.items():
            setattr(self, key, value)
        return self

    def __init__(self, *args, **kwargs):
        pass

    def _metadata(self):
        return {}

    def _rewrap(self, out):
        return type(self)._wrap(out, **self._metadata())

    def clone(self, *args, **kwargs):
        return self._rewrap(Tensor.clone(self, *args, **kwargs))

    def to(self, *args, **kwargs):
        return self._rewrap(Tensor.to(self, *args, **kwargs))

    def detach(self):
        return self._rewrap(Tensor.detach(self))

    def requires_grad_(self, requires_grad=True):
        Tensor.requires_grad_(self, requires_grad)
        return self

    def pin_memory(self, *args, **kwargs):
        return self._rewrap(Tensor.pin_memory(self, *args, **kwargs)) if hasattr(Tensor, "pin_memory") else self

    def _make_repr(self, **kwargs):
        extra = ", ".join(f"{key}={value}" for key, value in kwargs.items())
        return f"{Tensor.__repr__(self)[:-1]}, {extra})"

    def __reduce_ex__(self, protocol):
        return (_rebuild, (type(self), Tensor.detach(self).clone(), self._metadata()))

    def __deepcopy__(self, memo):
        return self._rewrap(Tensor.clone(Tensor.detach(self)))


def _plain(t):
    """The same data (and autograd history) as a plain Tensor: torch's t.as_subclass(torch.Tensor)."""
    if type(t) is Tensor:
        return t
    out = Tensor.__new__(Tensor)
    out._data, out._version, out._requires_grad = t._data, t._version, t._requires_grad
    if t._grad_fn is not None:
        out._grad_fn, out._output_nr = t._grad_fn, t._output_nr
    return out


def _rebuild(cls, tensor, metadata):
    return cls._wrap(tensor, **metadata)


class Image(TVTensor):
    """A (..., C, H, W) image; a PIL image is converted with pil_to_tensor, a 2-D tensor gets C=1."""

    def __new__(cls, data, *, dtype=None, device=None, requires_grad=None):
        from PIL import Image as PILImage

        if isinstance(data, PILImage.Image):
            from ..transforms import functional as F

            data = F.pil_to_tensor(data)
        tensor, requires_grad = _as_tensor(data, dtype, device, requires_grad)
        if tensor.ndim < 2:
            raise ValueError
        if tensor.ndim == 2:
            tensor = tensor.unsqueeze(0)
        return cls._wrap(tensor, requires_grad=requires_grad)

    def __repr__(self, *, tensor_contents=None):
        return self._make_repr()


class Video(TVTensor):
    """A (..., T, C, H, W) video."""

    def __new__(cls, data, *, dtype=None, device=None, requires_grad=None):
        tensor, requires_grad = _as_tensor(data, dtype, device, requires_grad)
        if tensor.ndim < 4:
            raise ValueError
        return cls._wrap(tensor, requires_grad=requires_grad)

    def __repr__(self, *, tensor_contents=None):
        return self._make_repr()


class Mask(TVTensor):
    """A (..., H, W) segmentation or detection mask."""

    def __new__(cls, data, *, dtype=None, device=None, requires_grad=None):
        from PIL import Image as PILImage

        if isinstance(data, PILImage.Image):
            from ..transforms import functional as F

            data = F.pil_to_tensor(data)[0]
        tensor, requires_grad = _as_tensor(data, dtype, device, requires_grad)
        return cls._wrap(tensor, requires_grad=requires_grad)


class BoundingBoxFormat(Enum):
    XYXY = "XYXY"
    XYWH = "XYWH"
    CXCYWH = "CXCYWH"
    XYWHR = "XYWHR"
    CXCYWHR = "CXCYWHR"
    XYXYXYXY = "XYXYXYXY"


def is_rotated_bounding_format(format):
    return format in (BoundingBoxFormat.XYWHR, BoundingBoxFormat.CXCYWHR, BoundingBoxFormat.XYXYXYXY)


class BoundingBoxes(TVTensor):
    """(N, 4) boxes in `format` ("XYXY", "XYWH" or "CXCYWH") on an image of size canvas_size = (H, W)."""

    def __new__(cls, data, *, format, canvas_size, clamping_mode="soft", dtype=None, device=None, requires_grad=None):
        tensor, requires_grad = _as_tensor(data, dtype, device, requires_grad)
        if tensor.ndim == 0:
            raise ValueError(f"Expected a 1D or 2D tensor, got {tensor.ndim}D")
        if tensor.ndim == 1:
            tensor = tensor.unsqueeze(0)
        if isinstance(format, str):
            format = BoundingBoxFormat[format.upper()]
        return cls._wrap(
            tensor,
            requires_grad=requires_grad,
            format=format,
            canvas_size=tuple(canvas_size),
            clamping_mode=clamping_mode,
        )

    def _metadata(self):
        return {"format": self.format, "canvas_size": self.canvas_size, "clamping_mode": self.clamping_mode}

    def __repr__(self, *, tensor_contents=None):
        return self._make_repr(format=self.format, canvas_size=self.canvas_size, clamping_mode=self.clamping_mode)


def wrap(wrappee, *, like, **kwargs):
    """Wrap a plain tensor as the TVTensor type of `like`, copying its metadata unless overridden."""
    metadata = like._metadata()
    metadata.update(kwargs)
    if isinstance(like, BoundingBoxes):
        return BoundingBoxes._wrap(wrappee, **metadata)
    return type(like)._wrap(wrappee)
