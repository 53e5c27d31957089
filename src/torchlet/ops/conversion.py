"""Copies and conversions: clone, contiguous, to / float / long ..., new_*."""

from .. import _dtype, _memory_format as _mf
import numpy as np

from .._device import device as _device_cls, host, namespace_for, namespace
from ._table import methods
from ._util import Node, Tensor, attach, grad_enabled, method, wrap
from .pointwise import cast
from . import creation

__all__ = ["clone"]


class CloneBackward0(Node):
    """d(clone(a)) = g"""

    def backward(self, g):
        return g


@method()
def clone(input, *, memory_format=None):
    fmt = _mf.suggest(input._data) if memory_format in (None, _mf.preserve_format) else memory_format
    arr = input._data.copy() if fmt is _mf.contiguous_format else _mf.laid_out(input._data, input._xp, fmt)
    return attach(wrap(arr), CloneBackward0, (input,))


@method()
def contiguous(self, memory_format=None):
    if not _mf.needs_copy(self._data, memory_format):
        return self
    return attach(wrap(_mf.laid_out(self._data, self._xp, memory_format)), CloneBackward0, (self,))


def _parse_to(args, kwargs):
    dtype = kwargs.get("dtype")
    device = kwargs.get("device")
    copy = kwargs.get("copy", False)
    for a in args:
        if isinstance(a, _dtype.dtype):
            dtype = a
        elif isinstance(a, (str, _device_cls, int)):
            device = a
        elif isinstance(a, Tensor):
            dtype, device = a.dtype, a.device
    return dtype, device, copy


class ToDeviceBackward(Node):
    """d(to(a, device)) = g moved back"""

    def backward(self, g):
        return g.to(self.src_device)


def _moved(arr, xp, device):
    """`arr` copied to the device of namespace `xp` (through the host when it comes from
    another device; `cuda:N` allocates on GPU N). non_blocking copies are made synchronously."""
    arr = host(arr)
    if xp is np:
        return arr
    dev = device if isinstance(device, _device_cls) else _device_cls(device)
    if dev.type == "cuda" and dev.index is not None:
        with xp.cuda.Device(dev.index):
            return xp.array(arr)
    return xp.array(arr)


@method()
def to(self, *args, **kwargs):
    """to(dtype), to(device), to(tensor), to(device, dtype), non_blocking/copy flags."""
    dtype, device, copy = _parse_to(args, kwargs)
    out = self
    if device is not None:
        xp = namespace_for(device)
        if xp is not namespace(self._data):
            out = attach(wrap(_moved(self._data, xp, device)), ToDeviceBackward, (self,), src_device=self.device)
    if dtype is not None and dtype is not out.dtype:
        out = cast(out, dtype)
    fmt = kwargs.get("memory_format")
    if fmt is not None and fmt is not _mf.preserve_format and _mf.suggest(out._data) is not fmt:
        out = clone(out, memory_format=fmt)
    if copy and out is self:
        return clone(self)
    return out


def _caster(dt):
    def conv(self, memory_format=None):
        return cast(self, dt)

    return conv


for _name, _dt in (
    ("float", _dtype.float32),
    ("double", _dtype.float64),
    ("half", _dtype.float16),
    ("bfloat16", _dtype.bfloat16),
    ("long", _dtype.int64),
    ("int", _dtype.int32),
    ("short", _dtype.int16),
    ("char", _dtype.int8),
    ("byte", _dtype.uint8),
    ("bool", _dtype.bool),
    ("cfloat", _dtype.complex64),
    ("cdouble", _dtype.complex128),
):
    setattr(methods, _name, _caster(_dt))


@method()
def cpu(self, memory_format=None):
    return to(self, "cpu")


@method()
def cuda(self, device=None, non_blocking=False, memory_format=None):
    return to(self, "cuda" if device is None else _device_cls("cuda", device) if isinstance(device, int) else device)


@method()
def get_device(self):
    """The CUDA device index of a cuda tensor; -1 on the CPU (PyTorch's answer for a CPU tensor)."""
    dev = self.device
    return -1 if dev.type == "cpu" else (dev.index or 0)


@method()
def type_as(self, other):
    return to(self, other.dtype)


def _new(fn):
    def new(self, *size, dtype=None, device=None, requires_grad=False, **kw):
        return fn(*size, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad, **kw)

    return new


methods.new_zeros = _new(creation.zeros)
methods.new_ones = _new(creation.ones)
methods.new_empty = _new(creation.empty)


@method()
def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
    return creation.full(
        size, fill_value, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad
    )


@method()
def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False):
    return creation.tensor(data, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)


@method()
def cpu_(self):
    return self


@method()
def pin_memory(self, device=None):
    return self


@method()
def share_memory_(self):
    """Move the storage into shared memory (torchlet.multiprocessing._shared)."""
    from ..multiprocessing._shared import share

    return share(self)


@method()
def is_pinned(self, device=None):
    return False


@method()
def is_shared(self):
    from ..multiprocessing._shared import is_shared as shared

    return shared(self)


# ----- filling and copying in place ------------------------------------------
class CopyBackwards(Node):
    """d(self.copy_(src)) = 0 for the old self, g (reduced, cast back) for src"""

    def backward(self, g):
        from ._util import reduce_grad

        return None, reduce_grad(g, self.input_meta[1])


def _copy_check(dst, src):
    try:
        dst._xp.broadcast_shapes(src._data.shape, dst._data.shape)
    except ValueError:
        raise RuntimeError(
            f"The size of tensor a ({dst._data.shape[-1] if dst._data.ndim else 1}) must "
            f"match the size of tensor b ({src._data.shape[-1] if src._data.ndim else 1}) "
            "at non-singleton dimension 0"
        ) from None
    if dst._xp.broadcast_shapes(src._data.shape, dst._data.shape) != dst._data.shape:
        raise RuntimeError(
            f"output with shape {list(dst._data.shape)} doesn't match the broadcast "
            f"shape {list(dst._xp.broadcast_shapes(src._data.shape, dst._data.shape))}"
        )


@method()
def copy_(self, src, non_blocking=False):
    """Copy src's values (broadcast, cast) into self, in place."""
    from ._util import _check_inplace, inplace

    if not isinstance(src, Tensor):
        src = creation.tensor(src)
    _copy_check(self, src)
    if not (
        grad_enabled()
        and (src._requires_grad or self._requires_grad or (self._base is not None and self._base._requires_grad))
    ):
        _check_inplace(self)
        data = src._data if namespace(src._data) is namespace(self._data) else self._xp.asarray(src._data)
        self._xp.copyto(self._data, data, casting="unsafe")
        self._version[0] += 1
        return self

    def copied(t, s):
        out = wrap(self._xp.broadcast_to(s._data, t._data.shape).astype(t._data.dtype))
        return attach(out, CopyBackwards, (t, s))

    return inplace(self, copied, src)


@method()
def zero_(self):
    return fill_(self, 0)


class FillBackward(Node):
    """d(self.fill_(v)) = 0"""

    def backward(self, g):
        return g * 0


@method()
def fill_(self, value):
    from ._util import _check_inplace, inplace

    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(
                f"fill_ only supports 0-dimension value tensor but got tensor with {value._data.ndim} dimensions."
            )
        if value._requires_grad and grad_enabled():
            return copy_(self, value.expand(self.shape))
        value = value.item()
    if grad_enabled() and (self._requires_grad or (self._base is not None and self._base._requires_grad)):

        def filled(t):
            out = wrap(self._xp.full(t._data.shape, value, dtype=t._data.dtype))
            return attach(out, FillBackward, (t,))

        return inplace(self, filled)
    _check_inplace(self)
    self._data[...] = value
    self._version[0] += 1
    return self
