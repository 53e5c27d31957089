"""Creation: tensor, as_tensor, asarray, from_numpy, zeros/ones/full/empty,
arange, range, linspace, logspace, eye, the *_like forms, and the legacy
`Tensor(...)` constructor.

dtype inference for Python data follows torch.tensor: the dtypes of all
leaves are promoted, a Python bool/int/float/complex counting as
bool/int64/default float/default complex, and a NumPy scalar, a 0-d tensor or
a NumPy array inside the data as its own dtype.
"""

import math
import numbers
import warnings

import numpy as np

from .. import _dtype
from .._device import _default_device, host, namespace, namespace_for
from .._size import Size
from ._table import methods
from ._util import Tensor, wrap

from ._out import out_form

__all__ = [
    "tensor",
    "as_tensor",
    "asarray",
    "from_numpy",
    "zeros",
    "ones",
    "full",
    "empty",
    "eye",
    "arange",
    "range",
    "linspace",
    "logspace",
    "zeros_like",
    "ones_like",
    "full_like",
    "empty_like",
    "scalar_tensor",
    "is_tensor",
    "numel",
]

_builtin_range = range
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


# ----- ranges --------------------------------------------------------------------
def _num(x):
    if isinstance(x, (Tensor, np.generic)):
        return x.item()
    return x


def _arange_resize(old, new):
    n = 1
    for d in old:
        n *= d
    return (
        f"The number of elements in the out tensor of shape {list(old)} is {n} which does not "
        f"match the computed number of elements {new[0]}. Note that this may occur as a result "
        f"of rounding error. The out tensor will be resized to a tensor of shape ({new[0]},)."
    )


@out_form(dtype="factory", resize=_arange_resize)
def arange(start=0, end=None, step=1, *, dtype=None, layout=None, device=None, requires_grad=False):
    """[start, end) by step: ceil((end - start) / step) values start + i*step;
    int64 unless an argument is a float (then the default dtype)."""
    start, end, step = _num(start), _num(end), _num(step)
    if end is None:
        start, end = 0, start
    if dtype is None:
        is_float = any(isinstance(v, float) for v in (start, end, step))
        dtype = _dtype.get_default_dtype() if is_float else _dtype.int64
    if dtype is _dtype.bool or dtype.category == 3:
        raise NotImplementedError(
            f"\"arange_cpu\" not implemented for '{'Bool' if dtype is _dtype.bool else dtype.name}'"
        )
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if not (math.isfinite(start) and math.isfinite(end)):
        raise RuntimeError(f"unsupported range: {start} -> {end}")
    if (step > 0 and end < start) or (step < 0 and end > start):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    n = math.ceil((end - start) / step)
    xp = namespace_for(device)
    if dtype.category >= 2:
        arr = (xp.arange(n, dtype=np.float64) * float(step) + float(start)).astype(dtype.np)
    else:  # start and step are cast to the integer type first, as torch does
        arr = (int(start) + xp.arange(n, dtype=np.int64) * int(step)).astype(dtype.np, copy=False)
    return _finish(arr, dtype, None, requires_grad)


@out_form(dtype="factory", resize=_arange_resize)
def range(start=0, end=None, step=1, *, dtype=None, layout=None, device=None, requires_grad=False):
    """Deprecated torch.range: includes `end`; default float dtype."""
    warnings.warn(
        "torch.range is deprecated and will be removed in a future release because its "
        "behavior is inconsistent with Python's range builtin. Instead, use torch.arange, "
        "which produces values in [start, end).",
        UserWarning,
        stacklevel=2,
    )
    start, end, step = _num(start), _num(end), _num(step)
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("step must be nonzero")
    n = int(math.floor((end - start) / step)) + 1
    dtype = dtype or _dtype.get_default_dtype()
    arr = namespace_for(device).arange(max(n, 0)) * step + start
    return _finish(arr.astype(dtype.np), dtype, None, requires_grad)


def _lin(start, end, steps, dtype, xp):
    """torch's linspace kernel: the first half counts up from start, the rest
    down from end, in the dtype's own precision (double steps for integers)."""
    if dtype.category >= 2:
        work = dtype.np if dtype.name in ("float32", "float64", "complex64", "complex128") else np.dtype(np.float32)
    else:
        work = np.dtype(np.float64)
    s, e = work.type(start), work.type(end)
    if steps == 1:
        return xp.full((1,), s, dtype=work)
    step = (e - s) / work.type(steps - 1)
    # torch evaluates start + step*i with a fused multiply-add; for float32 (and
    # halves) doing it in float64 and rounding once gives the same numbers
    acc = np.complex128 if work.kind == "c" else np.float64
    idx = xp.arange(steps, dtype=acc)
    s, e, step = acc(s), acc(e), acc(step)
    half = steps // 2
    out = xp.where(xp.arange(steps) < half, s + step * idx, e - step * (steps - 1 - idx))
    return out.astype(work) if work.kind != "f" or work.itemsize < 8 else out


def _steps(steps, name):
    if isinstance(steps, Tensor):
        steps = steps.item()
    if not isinstance(steps, (int, np.integer)) or isinstance(steps, bool):
        raise TypeError(
            f"{name}() received an invalid combination of arguments - got steps of type {type(steps).__name__}"
        )
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    return int(steps)


def _range_dtype(dtype, start, end, name):
    if dtype is None:
        dtype = _dtype.get_default_dtype()
        if isinstance(start, complex) or isinstance(end, complex):
            dtype = _dtype.complex128 if dtype is _dtype.float64 else _dtype.complex64
    if dtype is _dtype.bool:
        raise NotImplementedError(f"\"{name}_cpu\" not implemented for 'Bool'")
    return dtype


@out_form(dtype="factory")
def linspace(start, end, steps, *, dtype=None, layout=None, device=None, requires_grad=False):
    steps = _steps(steps, "linspace")
    start, end = _num(start), _num(end)
    dtype = _range_dtype(dtype, start, end, "linspace")
    xp = namespace_for(device)
    if steps == 0:
        return _finish(xp.zeros((0,), dtype=dtype.np), dtype, None, requires_grad)
    return _finish(_lin(start, end, steps, dtype, xp).astype(dtype.np), dtype, None, requires_grad)


@out_form(dtype="factory")
def logspace(start, end, steps, base=10.0, *, dtype=None, layout=None, device=None, requires_grad=False):
    """base ** linspace(start, end): exponents in the dtype's precision, the power in double."""
    steps = _steps(steps, "logspace")
    start, end = _num(start), _num(end)
    dtype = _range_dtype(dtype, start, end, "logspace")
    xp = namespace_for(device)
    if steps == 0:
        return _finish(xp.zeros((0,), dtype=dtype.np), dtype, None, requires_grad)
    # integer dtypes: exponents in double, the power truncated (logspace(0, 1, 5) -> 1, 1, 3, 5, 10)
    exps = _lin(start, end, steps, dtype if dtype.category >= 2 else _dtype.float64, xp)
    vals = xp.power(
        complex(base) if dtype.category == 3 else float(base),
        exps.astype(np.complex128 if dtype.category == 3 else np.float64),
    )
    return _finish(vals.astype(dtype.np), dtype, None, requires_grad)


def is_tensor(obj):
    return isinstance(obj, Tensor)


def numel(input):
    return input.numel()


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
