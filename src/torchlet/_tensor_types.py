"""The legacy tensor types: torchlet.FloatTensor(2, 3), LongTensor([1, 2]) and
isinstance(t, FloatTensor), each a `tensortype` tied to one dtype."""

from . import _dtype

__all__ = [
    "FloatTensor",
    "DoubleTensor",
    "HalfTensor",
    "BFloat16Tensor",
    "LongTensor",
    "IntTensor",
    "ShortTensor",
    "CharTensor",
    "ByteTensor",
    "BoolTensor",
]


class tensortype(type):
    def __instancecheck__(cls, obj):
        from ._tensor import Tensor

        return isinstance(obj, Tensor) and obj.dtype is cls.dtype and obj.device.type == "cpu"

    def __call__(cls, *args, device=None):
        """Sizes -> an uninitialised tensor; data -> a copy; both of this type's dtype."""
        from .ops import creation

        if not args:
            return creation.empty(0, dtype=cls.dtype)
        if all(isinstance(a, int) for a in args):
            return creation.empty(*args, dtype=cls.dtype)
        if len(args) == 1:
            return creation.tensor(args[0], dtype=cls.dtype)
        raise TypeError(f"new(): invalid arguments for {cls.__name__}")

    def __repr__(cls):
        return f"<class 'torchlet.{cls.__name__}'>"


def _make(name, dt):
    return tensortype(name, (), {"dtype": dt, "__module__": "torchlet"})


FloatTensor = _make("FloatTensor", _dtype.float32)
DoubleTensor = _make("DoubleTensor", _dtype.float64)
HalfTensor = _make("HalfTensor", _dtype.float16)
BFloat16Tensor = _make("BFloat16Tensor", _dtype.bfloat16)
LongTensor = _make("LongTensor", _dtype.int64)
IntTensor = _make("IntTensor", _dtype.int32)
ShortTensor = _make("ShortTensor", _dtype.int16)
CharTensor = _make("CharTensor", _dtype.int8)
ByteTensor = _make("ByteTensor", _dtype.uint8)
BoolTensor = _make("BoolTensor", _dtype.bool)
