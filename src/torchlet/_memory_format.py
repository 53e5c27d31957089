"""Memory formats: torch.contiguous_format, channels_last, channels_last_3d, preserve_format.

A tensor's array may be laid out in memory as PyTorch lays it out: `channels_last` keeps the
logical shape (N, C, H, W) but stores the elements in (N, H, W, C) order, so the strides are
PyTorch's (C*H*W, 1, W*C, C). The values never change; only `stride()`, `is_contiguous()` and
the layout of later results (NumPy's ufuncs keep an input's memory order) do.
"""

from ._layout import _Named

__all__ = ["memory_format", "contiguous_format", "channels_last", "channels_last_3d", "preserve_format"]


class memory_format(_Named):
    """One of PyTorch's memory formats (compared by identity)."""

    __module__ = "torchlet"
    __slots__ = ()


contiguous_format = memory_format("contiguous_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")
preserve_format = memory_format("preserve_format")

# (rank the format needs, the order in which dims are laid out, outermost first)
_ORDERS = {channels_last: (4, (0, 2, 3, 1)), channels_last_3d: (5, (0, 2, 3, 4, 1))}


def _check(fmt):
    if fmt is not None and not isinstance(fmt, memory_format):
        raise TypeError(f"memory_format must be torch.memory_format, not {type(fmt).__name__}")


def is_contiguous_as(array, fmt):
    """Tensor.is_contiguous(memory_format=fmt): the array's strides are the dense ones of
    that format (dims of size 1 may have any stride), as PyTorch computes them."""
    _check(fmt)
    if fmt is None or fmt is contiguous_format or fmt is preserve_format:
        if fmt is preserve_format:
            raise RuntimeError("Unsupported memory format. Supports only ChannelsLast3d, ChannelsLast, Contiguous")
        return array.flags.c_contiguous
    rank, order = _ORDERS[fmt]
    if array.ndim != rank:
        return False
    expected = 1
    for d in reversed(order):
        size = array.shape[d]
        if size != 1:
            if array.strides[d] != expected * array.itemsize:
                return False
            expected *= size
    return True


def _rank_check(array, fmt):
    rank, _ = _ORDERS[fmt]
    if array.ndim != rank:
        name = "channels_last" if fmt is channels_last else "channels_last_3d"
        raise RuntimeError(f"required rank {rank} tensor to use {name} format")


def laid_out(array, xp, fmt):
    """A copy of `array` in memory format `fmt` (contiguous or channels_last[_3d])."""
    if fmt is None or fmt is contiguous_format:
        return xp.ascontiguousarray(array)
    _rank_check(array, fmt)
    _, order = _ORDERS[fmt]
    inverse = tuple(order.index(d) for d in range(len(order)))
    return array.transpose(order).copy().transpose(inverse)  # a fresh array: canonical strides


def _strides_like(array, order):
    """PyTorch's is_channels_last_strides_*: do the strides (not exact contiguity) say that
    the channel dim is innermost? Ambiguous size-1 cases count as contiguous, as there."""
    shape, itemsize = array.shape, array.itemsize
    strides = [s // itemsize for s in array.strides]
    if strides[1] == 0:
        return False
    low = 0
    for d in (order[-1],) + tuple(reversed(order[1:-1])) + (0,):
        if shape[d] == 0 or strides[d] < low:
            return False
        if d == 0 and low == strides[1]:
            return False
        low = strides[d] * (shape[d] if shape[d] > 1 else 1)
    return True


def suggest(array):
    """Tensor.suggest_memory_format: channels_last[_3d] when the strides are laid out so,
    else contiguous_format. `preserve_format` and `.to(memory_format=)` go by it."""
    for fmt, (rank, order) in _ORDERS.items():
        if array.ndim == rank and _strides_like(array, order):
            return fmt
    return contiguous_format


def needs_copy(array, fmt):
    """Whether `array` must be copied to be contiguous in `fmt` (preserve_format: never)."""
    _check(fmt)
    if fmt is preserve_format:
        return False
    if fmt is not None and fmt is not contiguous_format:
        _rank_check(array, fmt)
    return not is_contiguous_as(array, fmt)
