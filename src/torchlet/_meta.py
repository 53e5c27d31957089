"""The meta device: tensors with a shape and a dtype and no data, as PyTorch's `device="meta"`.

A meta array is `MetaArray`, an ndarray subclass that is a zero-stride broadcast of one 0-d zero
(`np.broadcast_to`), so it holds one element of memory whatever its shape. It is registered as
a backend (`_device.register_backend`), so every op runs unchanged through its namespace
`meta_np`: NumPy computes on the zero-stride operands (shapes, dtypes and broadcasting errors are
NumPy's own), and every array result is turned back into a zero-stride MetaArray, so the full
result lives only for the moment of the call. The creation functions (`empty`, `zeros`, `ones`,
`full`, and their `_like` forms) never allocate.

Reading data fails as in PyTorch: `.item()`, `bool()`, `float()`, `int()` of a tensor raise RuntimeError
("Tensor.item() cannot be called on meta tensors"); `.tolist()` and `.cpu()` raise
NotImplementedError ("Cannot copy out of meta tensor; no data!"); `.numpy()` raises TypeError.
Writes into a meta array (`out=`, `a[i] = v`, `ufunc.at`) are accepted and dropped. Mixing a meta
array with a non-scalar cpu array raises PyTorch's "Tensor on device cpu is not on the expected
device meta!" (RuntimeError). An op's own data check on a meta array (`if xp.isnan(a).any():`)
sees False (so `torch.equal` / `allclose` give False where PyTorch raises). Ops whose result shape
depends on the data (nonzero, boolean masks) raise PyTorch's NotImplementedError. The in-place
samplers (uniform_, normal_, ...: nn.init) and the random factories (`randn(..., device="meta")`,
ops/random_ops.py's `_device_draw`) draw nothing on meta, as PyTorch.
"""

import types

import numpy as np

from . import _device

__all__ = ["MetaArray", "meta_np", "is_meta_array"]

_NO_ITEM = "Tensor.item() cannot be called on meta tensors"
_NO_DATA = "Cannot copy out of meta tensor; no data!"


def _meta(shape, dtype):
    return np.broadcast_to(np.zeros((), dtype), shape).view(MetaArray)


def _to_meta(x, depth=0):
    """Array results (also inside tuples/lists) as zero-stride MetaArrays."""
    if isinstance(x, np.ndarray):
        if type(x) is MetaArray and not any(x.strides):
            return x
        return _meta(x.shape, x.dtype)
    if isinstance(x, np.generic):
        return _meta((), x.dtype)
    if depth < 3 and isinstance(x, tuple):
        vals = [_to_meta(v, depth + 1) for v in x]
        return type(x)(*vals) if hasattr(x, "_fields") else type(x)(vals)
    if depth < 3 and isinstance(x, list):
        return [_to_meta(v, depth + 1) for v in x]
    return x


def _plain(x, depth=0):
    """MetaArrays (also inside lists/tuples) as plain ndarray views; a cpu array with elements
    meeting a meta one is PyTorch's device error."""
    if isinstance(x, MetaArray):
        return x.view(np.ndarray)
    if type(x) is np.ndarray and x.ndim > 0:
        raise RuntimeError("Tensor on device cpu is not on the expected device meta!")
    if depth < 3 and isinstance(x, (list, tuple)):
        return type(x)(_plain(v, depth + 1) for v in x)
    return x


def _has_meta(x, depth=0):
    if isinstance(x, MetaArray):
        return True
    return depth < 3 and isinstance(x, (list, tuple)) and any(_has_meta(v, depth + 1) for v in x)


_NONZERO = (
    "The register_meta function for torch.nonzero() raises unimplemented by default, as a correct "
    "data-independent implementation does not exist. This implementation returns a fake value, assuming all "
    "elements of the tensor are non-zero. To enable this registration, please set "
    "'torch.fx.experimental._config.meta_nonzero_assume_all_nonzero' to True."
)
_DATA_SHAPED = {np.nonzero, np.argwhere, np.flatnonzero}  # output shape depends on the values
_IN_PLACE = {np.put_along_axis, np.put, np.copyto, np.place, np.putmask, np.fill_diagonal}


class MetaArray(np.ndarray):
    """An array on the meta device: shape and dtype, no data."""

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        out = kwargs.pop("out", None)
        if method == "at":  # an in-place scatter into a meta array: nothing to write
            _plain(inputs)
            return None
        with np.errstate(all="ignore"):
            res = getattr(ufunc, method)(*_plain(inputs), **kwargs)
        if out is not None and _has_meta(out):
            return out[0] if len(out) == 1 else out
        if out is not None:
            raise RuntimeError("Tensor on device meta is not on the expected device cpu!")
        return _to_meta(res)

    def __array_function__(self, func, types_, args, kwargs):
        if func in _IN_PLACE and isinstance(args[0], MetaArray):  # writes into a meta array: none
            return None
        if func in _DATA_SHAPED:
            raise NotImplementedError(_NONZERO)
        out = kwargs.pop("out", None)
        with np.errstate(all="ignore"):
            res = func(*_plain(args), **{k: _plain(v) for k, v in kwargs.items()})
        if out is not None:
            return out
        return _to_meta(res)

    def __getitem__(self, key):
        keys = key if isinstance(key, tuple) else (key,)
        if any(isinstance(k, np.ndarray) and k.dtype == bool for k in keys):  # a mask: shape from the data
            raise NotImplementedError(_NONZERO)
        return _to_meta(super().__getitem__(_plain(key) if isinstance(key, MetaArray) else key))

    def __setitem__(self, key, value):
        pass  # no data to write

    def astype(self, dtype, *args, **kwargs):
        return _meta(self.shape, np.dtype(dtype))

    def copy(self, order="C"):
        return _meta(self.shape, self.dtype)

    def fill(self, value):
        pass

    def item(self, *args):
        raise RuntimeError(_NO_ITEM)

    def __bool__(self):  # an op's internal check (`if xp.isnan(x).any():`) sees no special case;
        return False  # Tensor.__bool__ asks .item(), which raises

    def __float__(self):
        raise RuntimeError(_NO_ITEM)

    __int__ = __index__ = __complex__ = __float__

    def tolist(self):
        raise NotImplementedError(_NO_DATA)

    def get(self):
        """The host copy (CuPy's spelling, used by .cpu()): a meta array has none."""
        raise NotImplementedError(_NO_DATA)

    def __reduce__(self):  # pickles (deepcopy, torch.save) as shape and dtype
        return (_meta, (self.shape, self.dtype))

    def __deepcopy__(self, memo):
        return _meta(self.shape, self.dtype)


def _shape_of(shape):
    return (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(s) for s in shape)


class _MetaNumPy:
    """NumPy whose array results are MetaArrays; creation functions allocate nothing."""

    __name__ = "meta_np"
    device_type = "meta"
    device_index = None  # device(type='meta'), as PyTorch prints it
    ndarray = MetaArray

    def empty(self, shape, dtype=float, *args, **kwargs):
        return _meta(_shape_of(shape), np.dtype(dtype))

    zeros = ones = empty

    def full(self, shape, fill_value, dtype=None, *args, **kwargs):
        dtype = np.asarray(fill_value).dtype if dtype is None else dtype
        return _meta(_shape_of(shape), np.dtype(dtype))

    def empty_like(self, a, dtype=None, *args, shape=None, **kwargs):
        return _meta(a.shape if shape is None else _shape_of(shape), a.dtype if dtype is None else np.dtype(dtype))

    zeros_like = ones_like = empty_like

    def full_like(self, a, fill_value, dtype=None, *args, shape=None, **kwargs):
        return self.empty_like(a, dtype, shape=shape)

    def __getattr__(self, name):
        attr = getattr(np, name)
        if callable(attr) and not isinstance(attr, (np.ufunc, type)) and not name.startswith("_"):

            def sub(*args, _f=attr, **kwargs):
                with np.errstate(all="ignore"):
                    return _to_meta(_f(*args, **kwargs))

            sub.__name__ = name
        elif isinstance(attr, types.ModuleType):
            sub = _Sub(attr)
        else:
            return attr
        setattr(self, name, sub)
        return sub


class _Sub:
    """A NumPy submodule (linalg, fft, ...) whose array results are MetaArrays."""

    def __init__(self, inner):
        self._inner = inner

    def __getattr__(self, name):
        attr = getattr(self._inner, name)
        if isinstance(attr, types.ModuleType):
            return _Sub(attr)
        if not callable(attr) or isinstance(attr, (type, np.ufunc)):
            return attr

        linalg = self._inner is np.linalg

        def sub(*args, **kwargs):
            args = tuple(_eye_like(a) if linalg else a for a in args)
            with np.errstate(all="ignore"):
                return _to_meta(attr(*_plain(args), **kwargs))

        return sub


def _eye_like(a):
    """A meta matrix (batch) as identities: linalg sees a regular operand, not singular zeros."""
    if type(a) is not MetaArray or a.ndim < 2:
        return a
    return np.broadcast_to(np.eye(a.shape[-2], a.shape[-1], dtype=a.dtype), a.shape).view(MetaArray)


meta_np = _MetaNumPy()


def is_meta_array(array):
    return type(array) is MetaArray


_device.register_backend("meta", MetaArray, meta_np)
