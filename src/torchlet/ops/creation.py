"""Creation: tensor, as_tensor, from_numpy, zeros/ones/full/empty, arange,
linspace, logspace, eye and the *_like forms."""
import math
import numbers

import numpy as np

from .. import _dtype
from .._device import namespace_for, device as _device_cls
from ._util import Tensor, wrap

__all__ = ["tensor", "as_tensor", "asarray", "from_numpy", "zeros", "ones", "full", "empty", "eye",
           "arange", "range", "linspace", "logspace", "zeros_like", "ones_like", "full_like",
           "empty_like", "scalar_tensor", "is_tensor", "numel"]

_builtin_range = range


def _finish(arr, dtype, device, requires_grad):
    if device is not None:
        xp = namespace_for(device)
        if xp is not np:
            arr = xp.asarray(arr)
    t = wrap(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _infer_dtype(data):
    """PyTorch's dtype for nested Python data: bool < int64 < default float < complex."""
    cat = -1
    stack = [data]
    while stack:
        x = stack.pop()
        if isinstance(x, Tensor):
            cat = max(cat, 4 + x.dtype._rank)  # tensors keep their dtype
            continue
        if isinstance(x, (list, tuple)):
            stack.extend(x)
            continue
        if isinstance(x, np.ndarray):
            cat = max(cat, 4 + _dtype.from_numpy_dtype(x.dtype)._rank)
            continue
        if isinstance(x, np.generic) and not isinstance(x, np.bool_):
            c = 4 + _dtype.from_numpy_dtype(x.dtype)._rank
        else:
            c = _dtype.scalar_category(x)
        cat = max(cat, c)
    if cat < 0:
        return _dtype.get_default_dtype()
    if cat >= 4:
        return {d._rank: d for d in _dtype.ALL}[cat - 4]
    return (_dtype.bool, _dtype.int64, _dtype.get_default_dtype(), _dtype.complex64)[cat]


def _to_array(data, dtype):
    if isinstance(data, Tensor):
        return data._data.astype(dtype.np) if dtype is not None else data._data.copy()
    if isinstance(data, np.ndarray):
        return np.array(data, dtype=dtype.np if dtype is not None else None)
    if isinstance(data, (list, tuple)):
        if any(isinstance(x, Tensor) for x in data):
            parts = [_to_array(x, dtype) for x in data]
            return np.stack(parts) if parts else np.zeros((0,), dtype.np)
    if dtype is None:
        dtype = _infer_dtype(data)
    try:
        return np.array(data, dtype=dtype.np)
    except ValueError as e:
        raise ValueError(f"expected sequence of equal-length lists: {e}") from None
    except OverflowError as e:
        raise RuntimeError(str(e)) from None


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor copying `data`, dtype inferred as PyTorch does."""
    if isinstance(data, np.ndarray):
        d = _dtype.from_numpy_dtype(data.dtype) if dtype is None else dtype
        arr = np.array(data, dtype=d.np)
    elif isinstance(data, Tensor):
        arr = data._data.astype((dtype or data.dtype).np, copy=True)
    elif isinstance(data, (bool, int, float, complex, np.number)) and dtype is None:
        arr = np.array(data, dtype=_infer_dtype(data).np)
    else:
        if dtype is None:
            dtype = _infer_dtype(data)
        arr = _to_array(data, dtype)
        if arr.dtype != dtype.np:
            arr = arr.astype(dtype.np)
    return _finish(arr, dtype, device, requires_grad)


def as_tensor(data, dtype=None, device=None):
    """Like tensor(), but shares memory with a NumPy array or tensor when it can."""
    if isinstance(data, Tensor):
        return data if dtype is None or data.dtype is dtype else data.to(dtype)
    if isinstance(data, np.ndarray):
        d = _dtype.from_numpy_dtype(data.dtype) if dtype is None else dtype
        return _finish(data if data.dtype == d.np else data.astype(d.np), d, device, False)
    return tensor(data, dtype=dtype, device=device)


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False):
    t = tensor(obj, dtype=dtype, device=device) if copy else as_tensor(obj, dtype=dtype, device=device)
    return t.requires_grad_(requires_grad) if requires_grad else t


def from_numpy(ndarray):
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    _dtype.from_numpy_dtype(ndarray.dtype)
    return wrap(ndarray)


def _size(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    out = []
    for s in size:
        if isinstance(s, Tensor):
            s = int(s)
        if not isinstance(s, (int, np.integer)):
            raise TypeError(f"zeros(): argument 'size' must be tuple of ints, but found element of "
                            f"type {type(s).__name__}")
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(size)}")
        out.append(int(s))
    return tuple(out)


def _filled(fill, size, dtype, device, requires_grad):
    dtype = dtype or _dtype.get_default_dtype()
    xp = namespace_for(device)
    if fill is None:
        arr = xp.empty(size, dtype=dtype.np)
    elif fill == 0:
        arr = xp.zeros(size, dtype=dtype.np)
    else:
        arr = xp.full(size, fill, dtype=dtype.np)
    t = wrap(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def zeros(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    return _filled(0, _size(size), dtype, device, requires_grad)


def ones(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    return _filled(1, _size(size), dtype, device, requires_grad)


def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False, memory_format=None):
    return _filled(None, _size(size), dtype, device, requires_grad)


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    if dtype is None:
        dtype = _dtype.scalar_dtype(fill_value) if not isinstance(fill_value, Tensor) else fill_value.dtype
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    return _filled(fill_value if fill_value != 0 else 0, _size((size,)), dtype, device, requires_grad)


def scalar_tensor(s, *, dtype=None, device=None, requires_grad=False):
    return tensor(s, dtype=dtype or _dtype.get_default_dtype(), device=device, requires_grad=requires_grad)


def _like(input, dtype, device):
    return input.shape, dtype or input.dtype, device or input.device


def zeros_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    return _filled(0, *_like(input, dtype, device), requires_grad)


def ones_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    return _filled(1, *_like(input, dtype, device), requires_grad)


def empty_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    return _filled(None, *_like(input, dtype, device), requires_grad)


def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    return _filled(fill_value, *_like(input, dtype, device), requires_grad)


def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    if n < 0 or (m is not None and m < 0):
        raise RuntimeError(f"n must be greater or equal to 0, got {n if n < 0 else m}")
    xp = namespace_for(device)
    arr = xp.eye(n, m if m is not None else n, dtype=(dtype or _dtype.get_default_dtype()).np)
    return _finish(arr, dtype, None, requires_grad)


def _num(x):
    return x.item() if isinstance(x, Tensor) else x


def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad=False):
    """[start, end) by step; int64 unless an argument is a float (then the default dtype)."""
    start, end, step = _num(start), _num(end), _num(step)
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) / step < 0:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    if dtype is None:
        is_float = any(isinstance(v, (float, np.floating)) for v in (start, end, step))
        dtype = _dtype.get_default_dtype() if is_float else _dtype.int64
    n = max(0, math.ceil((end - start) / step))
    xp = namespace_for(device)
    if dtype.category >= 2:
        arr = (xp.arange(n, dtype=np.float64) * step + start).astype(dtype.np)
    else:
        arr = xp.arange(start, start + n * step, step, dtype=np.int64)[:n].astype(dtype.np)
    return _finish(arr, dtype, None, requires_grad)


def range(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
          requires_grad=False):
    """Deprecated torch.range: includes `end`."""
    if end is None:
        start, end = 0, start
    n = int(math.floor((end - start) / step)) + 1
    dtype = dtype or _dtype.get_default_dtype()
    return _finish((np.arange(n) * step + start).astype(dtype.np), dtype, device, requires_grad)


def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    dtype = dtype or _dtype.get_default_dtype()
    start, end = _num(start), _num(end)
    xp = namespace_for(device)
    if steps == 1:
        arr = xp.full((1,), start, dtype=np.float64)
    else:
        # PyTorch fills the first half from `start` and the second from `end`
        step = (end - start) / (steps - 1)
        idx = xp.arange(steps, dtype=np.float64)
        half = steps // 2
        arr = xp.where(idx < half, start + step * idx, end - step * (steps - 1 - idx))
    if dtype.category < 2:
        arr = arr.astype(np.int64) if dtype.category == 1 else arr
    return _finish(arr.astype(dtype.np), dtype, None, requires_grad)


def logspace(start, end, steps, base=10.0, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False):
    dtype = dtype or _dtype.get_default_dtype()
    exps = linspace(start, end, steps, dtype=_dtype.float64)._data
    return _finish((base ** exps).astype(dtype.np), dtype, device, requires_grad)


def is_tensor(obj):
    return isinstance(obj, Tensor)


def numel(input):
    return input.numel()
