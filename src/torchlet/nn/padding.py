"""Padding layers: Zero/Constant/Reflection/Replication/Circular pad (1d, 2d, 3d);
the computation is ops/padding.py."""

from ..ops.padding import pad as _pad
from .module import Module

__all__ = [
    "ZeroPad1d",
    "ZeroPad2d",
    "ZeroPad3d",
    "ConstantPad1d",
    "ConstantPad2d",
    "ConstantPad3d",
    "ReflectionPad1d",
    "ReflectionPad2d",
    "ReflectionPad3d",
    "ReplicationPad1d",
    "ReplicationPad2d",
    "ReplicationPad3d",
    "CircularPad1d",
    "CircularPad2d",
    "CircularPad3d",
]


def _expand(padding, n):
    if isinstance(padding, (tuple, list)):
        if len(padding) != 2 * n:
            raise ValueError(f"Padding must have {2 * n} elements, got {len(padding)}")
        return tuple(padding)
    return (padding,) * (2 * n)


class _PadNd(Module):
    _n = 2
    mode = "constant"

    def __init__(self, padding):
        super().__init__()
        self.padding = _expand(padding, self._n)

    def forward(self, input):
        return _pad(input, self.padding, self.mode)

    def extra_repr(self):
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding, value):
        super().__init__(padding)
        self.value = value

    def forward(self, input):
        return _pad(input, self.padding, "constant", self.value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


def _cls(name, base, n, mode=None):
    attrs = {"_n": n}
    if mode:
        attrs["mode"] = mode
    return type(name, (base,), attrs)


ConstantPad1d = _cls("ConstantPad1d", _ConstantPadNd, 1)
ConstantPad2d = _cls("ConstantPad2d", _ConstantPadNd, 2)
ConstantPad3d = _cls("ConstantPad3d", _ConstantPadNd, 3)


class _ZeroPadNd(_ConstantPadNd):
    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


ZeroPad1d = _cls("ZeroPad1d", _ZeroPadNd, 1)
ZeroPad2d = _cls("ZeroPad2d", _ZeroPadNd, 2)
ZeroPad3d = _cls("ZeroPad3d", _ZeroPadNd, 3)
ReflectionPad1d = _cls("ReflectionPad1d", _PadNd, 1, "reflect")
ReflectionPad2d = _cls("ReflectionPad2d", _PadNd, 2, "reflect")
ReflectionPad3d = _cls("ReflectionPad3d", _PadNd, 3, "reflect")
ReplicationPad1d = _cls("ReplicationPad1d", _PadNd, 1, "replicate")
ReplicationPad2d = _cls("ReplicationPad2d", _PadNd, 2, "replicate")
ReplicationPad3d = _cls("ReplicationPad3d", _PadNd, 3, "replicate")
CircularPad1d = _cls("CircularPad1d", _PadNd, 1, "circular")
CircularPad2d = _cls("CircularPad2d", _PadNd, 2, "circular")
CircularPad3d = _cls("CircularPad3d", _PadNd, 3, "circular")
for _c in (
    ConstantPad1d,
    ConstantPad2d,
    ConstantPad3d,
    ZeroPad1d,
    ZeroPad2d,
    ZeroPad3d,
    ReflectionPad1d,
    ReflectionPad2d,
    ReflectionPad3d,
    ReplicationPad1d,
    ReplicationPad2d,
    ReplicationPad3d,
    CircularPad1d,
    CircularPad2d,
    CircularPad3d,
):
    _c.__module__ = __name__
