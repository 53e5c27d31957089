"""Filled tensors: zeros / ones / full / empty, their *_like forms (keeping the input's memory
format), eye, scalar_tensor, and the legacy `Tensor(...)` constructor.

Python data comes in through creation_data.py (tensor, as_tensor, asarray, from_numpy), ranges
through creation_ranges.py (arange, range, linspace, logspace); both are re-exported here, the
import path the rest of the package uses.
"""

import math
import numbers

import numpy as np

from .. import _dtype
from .._device import namespace_for
from .._size import Size
from ._table import methods
from ._util import Tensor

from ._out import out_form
from .creation_data import _PY_SCALARS, _data_array, _finish, as_tensor, asarray, from_numpy, tensor  # noqa: F401
from .creation_ranges import _arange_resize, arange, is_tensor, linspace, logspace, numel, range  # noqa: F401  (old import path)

__all__ = [
    "zeros",
    "ones",
    "full",
    "empty",
    "eye",
    "zeros_like",
    "ones_like",
    "full_like",
    "empty_like",
    "scalar_tensor",
]


# ----- filled tensors ----------------------------------------------------------
def _size(size, name=None):
    """Sizes as varargs (2, 3), one sequence ((2, 3), [2, 3], Size) or ints in tensors."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
        packed = True
    else:
        packed = False
    out = []
    for i, s in enumerate(size):
        if isinstance(s, np.integer) or (isinstance(s, Tensor) and s._data.dtype.kind in "iu" and s._data.size == 1):
            s = int(s)
        elif type(s) is bool and i:  # PyTorch reads a bool after the first size as an int
            s = int(s)
        if type(s) is not int:
            fn = name or "new"
            if packed:
                raise TypeError(
                    f"{fn}(): argument 'size' failed to unpack the object at pos {i + 1} "
                    f'with error "type must be tuple of ints,but got '
                    f'{type(s).__name__}"'
                )
            raise TypeError(f"{fn}(): argument 'size' (position {i + 1}) must be tuple of ints, not {type(s).__name__}")
        out.append(s)
    for s in out:
        if s < 0:
            if name == "zeros":
                raise RuntimeError("zeros: Dimension size must be non-negative.")
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {out}")
    return tuple(out)


def _size_kwarg(name, args, size):
    """The sizes of a factory given as *args or as size= (not both)."""
    if size is None:
        return args
    if args:
        raise TypeError(f"{name}() got multiple values for argument 'size'")
    return (size,)


def _filled(fill, size, dtype, device, requires_grad):
    dtype = dtype or _dtype.get_default_dtype()
    xp = namespace_for(device)
    if fill is None:
        arr = xp.empty(size, dtype=dtype.np)
    elif type(fill) in (int, bool) and fill == 0:
        arr = xp.zeros(size, dtype=dtype.np)
    else:
        arr = xp.full(size, fill, dtype=dtype.np)
    return _finish(arr, dtype, None, requires_grad)


@out_form(dtype="factory")
def zeros(*size_args, size=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    size = _size_kwarg("zeros", size_args, size)  # torch.zeros(size=(2, 3)) works as zeros(2, 3)
    return _filled(0, _size(size, "zeros"), dtype, device, requires_grad)


@out_form(dtype="factory")
def ones(*size_args, size=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    size = _size_kwarg("ones", size_args, size)  # torch.ones(size=(2, 3)) works as ones(2, 3)
    return _filled(1, _size(size, "ones"), dtype, device, requires_grad)


@out_form(dtype="factory", grad_message="cannot resize variables that require grad")
def empty(
    *size_args,
    size=None,
    dtype=None,
    layout=None,
    device=None,
    requires_grad=False,
    pin_memory=False,
    memory_format=None,
):
    size = _size_kwarg("empty", size_args, size)  # torch.empty(size=(2, 3)) works as empty(2, 3)
    return _filled(None, _size(size, "empty"), dtype, device, requires_grad)


def _fill_value(fill_value, dtype):
    """The fill as a value NumPy stores in `dtype` (errors as torch's)."""
    if isinstance(fill_value, (Tensor, np.generic)):
        fill_value = fill_value.item()
    if dtype.np.kind in "iu" and isinstance(fill_value, float) and not math.isfinite(fill_value):
        raise RuntimeError(f"value cannot be converted to type {dtype.name}_t without overflow")
    if dtype.np.kind in "iu" and isinstance(fill_value, float):
        fill_value = int(fill_value)
    return fill_value


@out_form(dtype="factory")
def full(size, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False):
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"full(): argument 'size' (position 1) must be tuple of ints, not {type(size).__name__}")
    if dtype is None:
        v = fill_value.item() if isinstance(fill_value, (Tensor, np.generic)) else fill_value
        dtype = _dtype.scalar_dtype(v)
    return _filled(_fill_value(fill_value, dtype), _size((size,), "full"), dtype, device, requires_grad)


def scalar_tensor(s, *, dtype=None, device=None, requires_grad=False):
    dtype = dtype or _dtype.get_default_dtype()
    return _finish(np.array(_fill_value(s, dtype), dtype=dtype.np), dtype, device, requires_grad)


def _like(input, dtype, device):
    return tuple(input._data.shape), dtype or input.dtype, device or input.device


def _plain_layout(input, memory_format):
    """A *_like result needs no special layout (the input is C-contiguous, no format asked)."""
    return memory_format is None and input._data.flags.c_contiguous


def _laid_like(out, input, memory_format):
    """PyTorch's memory_format for *_like: preserve (the default) keeps the format the input's
    strides suggest (channels_last), else contiguous. (An arbitrary permuted input gives a
    contiguous result here; PyTorch copies its strides. Values are the same.)"""
    from .. import _memory_format as mf

    fmt = mf.suggest(input._data) if memory_format in (None, mf.preserve_format) else memory_format
    if fmt is not mf.contiguous_format:
        out._data = mf.laid_out(out._data, out._xp, fmt)
    return out


def zeros_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    out = _filled(0, *_like(input, dtype, device), requires_grad)
    return out if _plain_layout(input, memory_format) else _laid_like(out, input, memory_format)


def ones_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    out = _filled(1, *_like(input, dtype, device), requires_grad)
    return out if _plain_layout(input, memory_format) else _laid_like(out, input, memory_format)


def empty_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    out = _filled(None, *_like(input, dtype, device), requires_grad)
    return out if _plain_layout(input, memory_format) else _laid_like(out, input, memory_format)


def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    shape, dt, dev = _like(input, dtype, device)
    out = _filled(_fill_value(fill_value, dt), shape, dt, dev, requires_grad)
    return out if _plain_layout(input, memory_format) else _laid_like(out, input, memory_format)


@out_form(dtype="factory")
def eye(n, m=None, *, dtype=None, layout=None, device=None, requires_grad=False):
    for v in (n, m):
        if v is not None and not isinstance(v, (int, np.integer)):
            raise TypeError(
                f"eye() received an invalid combination of arguments - got ({type(n).__name__}, {type(m).__name__})"
            )
    if n < 0:
        raise RuntimeError(f"n must be greater or equal to 0, got {n}")
    if m is not None and m < 0:
        raise RuntimeError(f"m must be greater or equal to 0, got {m}")
    dtype = dtype or _dtype.get_default_dtype()
    arr = namespace_for(device).eye(n, m if m is not None else n, dtype=dtype.np)
    return _finish(arr, dtype, None, requires_grad)


# ----- legacy constructor --------------------------------------------------------
def _legacy_init(self, *args, device=None, dtype=None):
    """Legacy constructor: Tensor(*sizes), Tensor(data) -> default dtype."""
    if len(args) == 1 and not isinstance(args[0], int):
        src = args[0]
        if isinstance(src, Tensor):
            self._data = src._data
            self._version = src._version
            return
    self._data = _legacy_data(args)


methods.__init__ = _legacy_init


def _legacy_data(args):
    """The array for torch.Tensor(*args): sizes -> uninitialized, a sequence or
    array -> its values in the default dtype."""
    dt = _dtype.get_default_dtype()
    if not args:
        return np.empty((0,), dtype=dt.np)
    if len(args) == 1 and not isinstance(args[0], (int, np.integer, Size)):
        src = args[0]
        if isinstance(src, (numbers.Number, np.generic)):
            name = type(src).__name__ if not isinstance(src, np.generic) else f"numpy.{type(src).__name__}"
            raise TypeError(f"new(): data must be a sequence (got {name})")
        return _data_array(src, dt)
    return np.empty(_size(args), dtype=dt.np)
