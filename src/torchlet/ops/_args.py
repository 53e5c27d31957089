"""Integer arguments read as PyTorch's argument parser reads them.

PyTorch accepts for an int argument (a dim, a size, a kernel size, k, chunks...)
a Python int, a NumPy integer, or an integer tensor of one element, and refuses
everything else (bool, float, str, None, a float tensor) with a TypeError:
"softmax(): argument 'dim' (position 1) must be int, not float". Callers check
`type(v) is int` first, so the common case costs nothing."""

import sys

import numpy as np

__all__ = ["int_arg", "ints_arg", "number_arg", "float_arg"]


def _caller():
    """The public op that read the argument (only computed for the error message)."""
    f = sys._getframe(2)
    while f is not None:
        name = f.f_code.co_name
        mod = f.f_globals.get("__name__", "")
        if (
            not name.startswith("_")
            and name not in ("wrap_dim", "dims_of", "int_arg", "ints_arg")
            and mod.startswith("torchlet")
            and "<" not in name
        ):
            return name
        f = f.f_back
    return "op"


def _type_name(v):
    return "Tensor" if _is_tensor(v) else type(v).__name__


def _is_tensor(v):
    from .._tensor import Tensor

    return isinstance(v, Tensor)


def int_arg(v, name="dim", kind="int", fn=None, pos=None):
    """`v` as a Python int, or PyTorch's TypeError naming the op, argument and type."""
    if type(v) is int:
        return v
    if isinstance(v, np.integer):
        return int(v)
    if _is_tensor(v):
        if v._data.dtype.kind in "iu" and v._data.size == 1:
            return int(v._data.reshape(()))
    elif not isinstance(v, (bool, np.bool_)) and hasattr(type(v), "__index__"):
        return v.__index__()
    where = f" (position {pos})" if pos is not None else ""
    raise TypeError(f"{fn or _caller()}(): argument '{name}'{where} must be {kind}, not {_type_name(v)}")


def ints_arg(v, name="size", fn=None, pos=None):
    """A sequence of ints (or one int) as a tuple of Python ints, PyTorch's TypeError otherwise."""
    if isinstance(v, (tuple, list)):
        out = tuple(s if type(s) is int else int_arg(s, name, "tuple of ints", fn, pos) for s in v)
        return out
    return (int_arg(v, name, "tuple of ints", fn, pos),)


def number_arg(v, name, fn, pos):
    """`v` as a Python number the way PyTorch reads a Scalar argument (a number or a 0-d
    tensor), PyTorch's TypeError otherwise: "elu(): argument 'alpha' (position 2) must be
    Number, not str"."""
    t = type(v)
    if t is float or t is int or t is bool or t is complex:
        return v
    if isinstance(v, (np.number, np.bool_)):
        return v.item()
    if _is_tensor(v) and v._data.ndim == 0:
        return v._data.item()
    raise TypeError(f"{fn}(): argument '{name}' (position {pos}) must be Number, not {_type_name(v)}")


def float_arg(v, name, fn, pos):
    """`v` as a Python float the way PyTorch reads a double argument (a real number or a 0-d
    real tensor), PyTorch's TypeError otherwise: "cauchy_(): argument 'median' (position 1)
    must be float, not str"."""
    t = type(v)
    if t is float or t is int or t is bool:
        return float(v)
    if isinstance(v, (np.floating, np.integer, np.bool_)):
        return float(v)
    if _is_tensor(v) and v._data.ndim == 0 and v._data.dtype.kind in "biuf":
        return float(v._data.item())
    raise TypeError(f"{fn}(): argument '{name}' (position {pos}) must be float, not {_type_name(v)}")
