"""Logical and bitwise ops: logical_and/or/xor/not, bitwise_and/or/xor/not and
their operators (&, |, ^, ~). Bool or integer results, no gradient."""

from ._table import dtype_rule, methods
from ._util import Tensor, binary_arrays, broadcast_shape, inplace, method, wrap
from ._out import out_form, plain
from .pointwise_math import _not_for, _shape
from .comparison import _run

__all__ = [
    "logical_and",
    "logical_or",
    "logical_xor",
    "logical_not",
    "bitwise_and",
    "bitwise_or",
    "bitwise_xor",
    "bitwise_not",
]


# ----- logical and bitwise ops -----------------------------------------------
def _logical(name):
    def op(input, other):
        if not isinstance(other, Tensor):
            raise TypeError(f"{name}(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}")
        res = wrap(_run(getattr(input._xp, name), input._data, other._data, input, other))
        return res

    op.__name__ = op.__qualname__ = name
    setattr(methods, name, op)
    setattr(methods, name + "_", lambda self, other: inplace(self, op, other))
    return out_form(op)


logical_and, logical_or, logical_xor = _logical("logical_and"), _logical("logical_or"), _logical("logical_xor")


@method()
@out_form()
def logical_not(input):
    res = wrap(input._xp.logical_not(input._data))
    return res


methods.logical_not_ = lambda self: inplace(self, logical_not)


def _bitwise(name, ufunc_name):
    def op(input, other):
        if not isinstance(input, Tensor):
            input, other = other, input
        x, y = binary_arrays(input, other)
        if x.dtype.kind not in "biu":
            broadcast_shape(x.shape, _shape(other))  # shapes are checked before dtypes, as in PyTorch
            raise _not_for(f"{name}_cpu", x.dtype)
        res = wrap(_run(getattr(input._xp, ufunc_name), x, y, input, other))
        return res

    op.__name__ = op.__qualname__ = name
    setattr(methods, name, op)

    def op_(self, other):
        shape = broadcast_shape(self._data.shape, _shape(other))
        if shape != self._data.shape:  # the output's shape is checked before the dtype, as in PyTorch
            raise RuntimeError(
                f"output with shape {list(self._data.shape)} doesn't match the broadcast shape {list(shape)}"
            )
        return inplace(self, op, other)

    setattr(methods, name + "_", op_)
    return out_form(op)


bitwise_and = _bitwise("bitwise_and", "bitwise_and")
bitwise_or = _bitwise("bitwise_or", "bitwise_or")
bitwise_xor = _bitwise("bitwise_xor", "bitwise_xor")
for _sym, _fn in (("and", bitwise_and), ("or", bitwise_or), ("xor", bitwise_xor)):
    setattr(methods, f"__{_sym}__", plain(_fn))
    setattr(methods, f"__r{_sym}__", plain(_fn))
    setattr(methods, f"__i{_sym}__", getattr(methods, _fn.__name__ + "_"))


@method()
@out_form()
def bitwise_not(input):
    x = input._data
    if x.dtype.kind not in "biu":
        raise _not_for("bitwise_not_cpu", x.dtype)
    res = wrap(input._xp.invert(x))
    return res


def _invert(self):
    if self._data.dtype.kind not in "biu":
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type tensors")
    return bitwise_not(self)


methods.bitwise_not_ = lambda self: inplace(self, bitwise_not)
methods.__invert__ = _invert


dtype_rule("bool", "logical_and", "logical_or", "logical_xor", "logical_not")
