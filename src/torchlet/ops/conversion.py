"""Copies and conversions: clone, contiguous, to / float / long ..., new_*."""
from .. import _dtype
from .._device import device as _device_cls, namespace_for, namespace
from ._util import Node, Tensor, attach, method, wrap
from .pointwise import cast
from . import creation

__all__ = ["clone"]


class CloneBackward0(Node):
    """d(clone(a)) = g"""

    def backward(self, g):
        return g


@method()
def clone(input, *, memory_format=None):
    return attach(wrap(input._data.copy()), CloneBackward0, (input,))


@method()
def contiguous(self, memory_format=None):
    if self._data.flags.c_contiguous:
        return self
    return attach(wrap(self._xp.ascontiguousarray(self._data)), CloneBackward0, (self,))


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


@method()
def to(self, *args, **kwargs):
    """to(dtype), to(device), to(tensor), to(device, dtype), non_blocking/copy flags."""
    dtype, device, copy = _parse_to(args, kwargs)
    out = self
    if device is not None:
        xp = namespace_for(device)
        if xp is not namespace(self._data):
            arr = xp.asarray(self._data) if xp.__name__ != "numpy" else self._data.get()
            out = attach(wrap(arr), ToDeviceBackward, (self,), src_device=self.device)
    if dtype is not None and dtype is not out.dtype:
        return cast(out, dtype)
    if copy and out is self:
        return clone(self)
    return out


def _caster(dt):
    def conv(self, memory_format=None):
        return cast(self, dt)
    return conv


for _name, _dt in (("float", _dtype.float32), ("double", _dtype.float64), ("half", _dtype.float16),
                   ("bfloat16", _dtype.bfloat16), ("long", _dtype.int64), ("int", _dtype.int32),
                   ("short", _dtype.int16), ("char", _dtype.int8), ("byte", _dtype.uint8),
                   ("bool", _dtype.bool), ("cfloat", _dtype.complex64), ("cdouble", _dtype.complex128)):
    setattr(Tensor, _name, _caster(_dt))


@method()
def cpu(self, memory_format=None):
    return to(self, "cpu")


@method()
def cuda(self, device=None, non_blocking=False, memory_format=None):
    return to(self, "cuda" if device is None else _device_cls("cuda", device) if isinstance(device, int)
              else device)


@method()
def type_as(self, other):
    return to(self, other.dtype)


def _new(fn):
    def new(self, *size, dtype=None, device=None, requires_grad=False, **kw):
        return fn(*size, dtype=dtype or self.dtype, device=device or self.device,
                  requires_grad=requires_grad, **kw)
    return new


Tensor.new_zeros = _new(creation.zeros)
Tensor.new_ones = _new(creation.ones)
Tensor.new_empty = _new(creation.empty)


@method()
def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
    return creation.full(size, fill_value, dtype=dtype or self.dtype, device=device or self.device,
                         requires_grad=requires_grad)


@method()
def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False):
    return creation.tensor(data, dtype=dtype or self.dtype, device=device or self.device,
                           requires_grad=requires_grad)


@method()
def cpu_(self):
    return self


@method()
def pin_memory(self, device=None):
    return self


@method()
def share_memory_(self):
    return self


@method()
def is_pinned(self, device=None):
    return False


@method()
def is_shared(self):
    return False
