"""Shared helpers of torchvision.ops: the (K, 5) roi format and dtype upcasting."""

import torchlet


def _cat(tensors, dim=0):
    return tensors[0] if len(tensors) == 1 else torchlet.cat(tensors, dim)


def convert_boxes_to_roi_format(boxes):
    """A list of per-image (L_i, 4) boxes -> one (K, 5) tensor whose first column is the image index."""
    concat_boxes = _cat(list(boxes), dim=0)
    ids = _cat([torchlet.full_like(b[:, :1], i) for i, b in enumerate(boxes)], dim=0)
    return torchlet.cat([ids, concat_boxes], dim=1)


def _assert(cond, message):
    if not cond:
        raise AssertionError(message)


def check_roi_boxes_shape(boxes):
    if isinstance(boxes, (list, tuple)):
        for t in boxes:
            _assert(t.size(1) == 4, "The shape of the tensor in the boxes list is not correct as List[Tensor[L, 4]]")
    elif isinstance(boxes, torchlet.Tensor):
        _assert(boxes.size(1) == 5, "The boxes tensor shape is not correct as Tensor[K, 5]")
    else:
        _assert(False, "boxes is expected to be a Tensor[L, 5] or a List[Tensor[K, 4]]")


def _upcast(t):
    """float16/bfloat16 -> float32, small ints -> int32, so areas do not overflow."""
    if t.is_floating_point():
        return t if t.dtype in (torchlet.float32, torchlet.float64) else t.float()
    return t if t.dtype in (torchlet.int32, torchlet.int64) else t.int()


def _pair(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x, x)
