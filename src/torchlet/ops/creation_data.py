"""Python data in: tensor, as_tensor, asarray and from_numpy, and _finish, the one host ->
device copy of data that enters on the host.

dtype inference for Python data follows torch.tensor: the dtypes of all
leaves are promoted, a Python bool/int/float/complex counting as
bool/int64/default float/default complex, and a NumPy scalar, a 0-d tensor or
a NumPy array inside the data as its own dtype.
"""

import numbers
import warnings
import numpy as np
from .. import _dtype
from .._device import _default_device, host, namespace, namespace_for
from ._util import Tensor, wrap

__all__ = ["tensor", "as_tensor", "asarray", "from_numpy"]


_PY_SCALARS = (bool, int, float, complex)


def _finish(arr, dtype, device, requires_grad):
    """Wrap `arr` on `device` (None: the default device, if set_default_device chose one): the
    one host -> device copy of data that entered on the host; a device array stays put."""
    if device is not None or _default_device[0] is not None:  # set_default_device
        xp = namespace_for(device)
        if namespace(arr) is not xp:
            arr = host(arr)
            if xp is not np:
                arr = xp.asarray(arr)
    t = wrap(arr)
    if requires_grad:
        if arr.dtype.kind not in "fcV":
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        t._requires_grad = True
    return t


# ----- Python data -> array ----------------------------------------------------
def _check_ndarray(a):
    _dtype.from_numpy_dtype(a.dtype)  # TypeError for unsupported dtypes
    if any(s < 0 for s in a.strides):
        raise ValueError(
            "At least one stride in the given numpy array is negative, and tensors with negative "
            "strides are not currently supported. (You can probably work around this by making a "
            "copy of your array  with array.copy().) "
        )


def _leaf_dtype(x):
    """dtype a leaf contributes, or None for a sequence."""
    t = type(x)
    if t in _PY_SCALARS or isinstance(x, (numbers.Number,)) and not isinstance(x, np.generic):
        return _dtype.scalar_dtype(x)
    if isinstance(x, np.generic):
        return _dtype.from_numpy_dtype(x.dtype)
    if isinstance(x, Tensor):
        if x._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return x.dtype
    if x is None:
        raise RuntimeError("Could not infer dtype of NoneType")
    if isinstance(x, str):
        raise ValueError(f"too many dimensions '{type(x).__name__}'")
    return None


def _scan(seq, dim, dtypes):
    """Shape of nested sequence `seq` (checked as torch checks it); leaf dtypes
    are added to `dtypes`. Returns (shape, plain) where plain means only Python
    scalars and sequences (so NumPy can convert it directly)."""
    n = len(seq)
    if n == 0:
        return (0,), True
    kinds = set(map(type, seq))
    if kinds <= {bool, int, float, complex}:
        dtypes.update(_dtype.scalar_dtype(x) for x in (seq if len(kinds) > 1 else seq[:1]))
        return (n,), True
    first = seq[0]
    if isinstance(first, np.ndarray):
        _check_ndarray(first)
    if _leaf_dtype(first) is not None or isinstance(first, np.ndarray) and first.ndim == 0:
        for x in seq:
            d = _leaf_dtype(x)
            if d is None:
                raise TypeError(f"'{type(x).__name__}' object cannot be interpreted as an integer")
            dtypes.add(d)
        return (n,), False
    plain = True
    inner = None
    for x in seq:
        if isinstance(x, np.ndarray):
            _check_ndarray(x)
            dtypes.add(_dtype.from_numpy_dtype(x.dtype))
            sub, p = x.shape, False
        elif isinstance(x, (list, tuple)) or (
            hasattr(x, "__len__") and hasattr(x, "__getitem__") and not isinstance(x, (str, Tensor))
        ):
            sub, p = _scan(x if isinstance(x, (list, tuple)) else list(x), dim + 1, dtypes)
        else:
            _leaf_dtype(x)  # raises for None / str
            raise ValueError(
                f"expected sequence of length {len(inner or ())} at dim {dim + 1} (got {type(x).__name__})"
            )
        if inner is None:
            inner = sub
        elif sub[:1] != inner[:1]:
            raise ValueError(f"expected sequence of length {inner[0]} at dim {dim + 1} (got {sub[0]})")
        elif sub != inner:
            raise ValueError(
                f"expected sequence of length {inner[1]} at dim {dim + 2} (got {sub[1] if len(sub) > 1 else 0})"
            )
        plain = plain and p
    return (n,) + inner, plain


def _plain(x):
    """Nested data with tensors/arrays/NumPy scalars replaced by Python values."""
    if isinstance(x, Tensor):
        return x.item()
    if isinstance(x, (np.ndarray, np.generic)):
        return x.tolist()
    if isinstance(x, (list, tuple)) or hasattr(x, "__getitem__") and not isinstance(x, str):
        return [_plain(v) for v in x]
    return x


def _check_scalar_range(nat, target):
    """PyTorch refuses Python values that don't fit an integer dtype."""
    kind = target.np.kind
    if nat.dtype.kind == "c" and kind != "c":
        raise TypeError("must be real number, not complex")
    if kind not in "iu" or nat.size == 0:
        return
    info = np.iinfo(target.np)
    if nat.dtype.kind == "f":
        ok = np.all(np.isfinite(nat)) and nat.min() >= info.min and nat.max() < info.max + 1.0
    elif nat.dtype.kind in "iu":
        lo = -int(info.max) if kind == "u" else int(info.min)
        ok = int(nat.min()) >= lo and int(nat.max()) <= int(info.max)
    else:
        ok = True
    if not ok:
        raise RuntimeError(f"value cannot be converted to type {target.name} without overflow")


def _natural(data):
    try:
        nat = np.array(data)
    except OverflowError:
        raise ValueError("Overflow when unpacking long long") from None
    if nat.dtype == object or nat.dtype == np.uint64:
        raise ValueError("Overflow when unpacking long long")
    return nat


def _sequence_array(data, dtype):
    dtypes = set()
    shape, plain = _scan(data, 0, dtypes)
    inferred = None
    for d in dtypes:
        inferred = d if inferred is None else _dtype.promote_types(inferred, d)
    target = dtype or inferred or _dtype.get_default_dtype()
    if 0 in shape:
        return np.zeros(shape, dtype=target.np)
    nat = _natural(data if plain else _plain(data))
    _check_scalar_range(nat, target)
    return nat.astype(target.np, copy=False)


def _data_array(data, dtype):
    """A new array holding `data` (anything torch.tensor takes)."""
    if isinstance(data, Tensor):  # copied on its own device (_finish moves it if asked)
        return data._data.astype((dtype or data.dtype).np, copy=True)
    if isinstance(data, np.ndarray) or hasattr(data, "__array_interface__") and not isinstance(data, (list, tuple)):
        a = np.asarray(data)
        _check_ndarray(a)
        return np.array(a, dtype=dtype.np if dtype is not None else None)
    if isinstance(data, np.generic):
        return np.array(data, dtype=(dtype or _dtype.from_numpy_dtype(data.dtype)).np)
    if type(data) in _PY_SCALARS or isinstance(data, numbers.Number):
        target = dtype or _dtype.scalar_dtype(data)
        nat = _natural(data)
        _check_scalar_range(nat, target)
        return nat.astype(target.np)
    if data is None:
        raise RuntimeError("Could not infer dtype of NoneType")
    if isinstance(data, (list, tuple)):
        return _sequence_array(data, dtype)
    if hasattr(data, "__len__") and hasattr(data, "__getitem__") and not isinstance(data, str):
        return _sequence_array(list(data), dtype)
    raise TypeError(f"new(): invalid data type '{type(data).__name__}'")


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor copying `data`, dtype inferred as PyTorch does."""
    if isinstance(data, Tensor):
        warnings.warn(
            "To copy construct from a tensor, it is recommended to use "
            "sourceTensor.detach().clone() or sourceTensor.detach().clone()."
            "requires_grad_(True), rather than torch.tensor(sourceTensor).",
            UserWarning,
            stacklevel=2,
        )
    return _finish(_data_array(data, dtype), dtype, device, requires_grad)


def as_tensor(data, dtype=None, device=None):
    """Like tensor(), but shares memory with a NumPy array or tensor when it can."""
    if isinstance(data, Tensor):
        if (dtype is None or data.dtype is dtype) and (device is None or data.device == device):
            return data
        return data.to(dtype=dtype or data.dtype, device=device)
    if isinstance(data, np.ndarray):
        _check_ndarray(data)
        d = _dtype.from_numpy_dtype(data.dtype) if dtype is None else dtype
        return _finish(data if data.dtype == d.np else data.astype(d.np), d, device, False)
    return _finish(_data_array(data, dtype), dtype, device, False)


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False):
    """as_tensor with copy=True (always copy) / False (never; error if needed) / None."""
    if copy:
        t = _finish(_data_array(obj, dtype), dtype, device, False)
    else:
        t = as_tensor(obj, dtype=dtype, device=device)
        if copy is False and isinstance(obj, (Tensor, np.ndarray)):
            src = obj._data if isinstance(obj, Tensor) else obj
            if t._data is not src and not np.shares_memory(t._data, src):
                raise ValueError("can't alias tensor from an object with a different dtype or device (copy=False)")
    return t.requires_grad_(requires_grad) if requires_grad else t


def from_numpy(ndarray):
    """A tensor sharing memory with `ndarray` (writes show in both)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    _check_ndarray(ndarray)
    if not ndarray.flags.writeable:
        warnings.warn(
            "The given NumPy array is not writable, and PyTorch does not support "
            "non-writable tensors. This means writing to this tensor will result in "
            "undefined behavior. You may want to copy the array to protect its data or "
            "make it writable before converting it to a tensor. This type of warning will "
            "be suppressed for the rest of this program.",
            UserWarning,
            stacklevel=2,
        )
    return wrap(ndarray)
