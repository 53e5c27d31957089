"""Subscripting: Tensor.__getitem__ / __setitem__ with PyTorch's rules.

A key is applied in two steps, as PyTorch does: ints, slices, None and
Ellipsis make a view of the input (basic indexing: shared memory, a
Select/Slice/Unsqueeze/AliasBackward0 node); integer and bool index arrays
then pick elements of that view into a new tensor (advanced indexing: a
copy, IndexBackward0). Both backwards scatter the gradient into zeros of the
input's shape. `x[key] = v` is `x[basic].copy_(v)` (CopySlices on x) or an
in-place index_put (IndexPutBackward0).
"""

import numbers

import numpy as np

from .. import _dtype
from ._table import methods
from ._util import Node, Tensor, attach, grad_enabled, inplace, reduce_grad, view, wrap

_ALL = slice(None)


# ----- parsing a key ----------------------------------------------------------
def _index_array(obj):
    """An index tensor / ndarray / sequence as an integer or bool array."""
    if isinstance(obj, Tensor):
        a = obj._data
    elif isinstance(obj, np.ndarray):
        a = obj
    else:
        if any(isinstance(o, Tensor) for o in obj):
            obj = [o._data if isinstance(o, Tensor) else o for o in obj]
        a = np.asarray(obj)
        if a.size == 0:
            return a.astype(np.int64)
    k = a.dtype.kind
    if k == "b":
        return a
    if k in "iu":
        if a.dtype == np.uint8:
            import warnings

            warnings.warn(
                "indexing with dtype torch.uint8 is now deprecated, please use a dtype torch.bool instead.",
                UserWarning,
                stacklevel=3,
            )
            return a.astype(bool)
        return a
    raise IndexError("tensors used as indices must be long, int, byte or bool tensors")


def _mask_mismatch(mask, shape, dim):
    for i, s in enumerate(mask.shape):
        if dim + i >= len(shape) or s != shape[dim + i]:
            raise IndexError(
                f"The shape of the mask {list(mask.shape)} at index {i} does not match the "
                f"shape of the indexed tensor {list(shape)} at index {dim + i}"
            )


def _items(key):
    """Normalized key items and the number of input dims they consume."""
    if type(key) is not tuple:
        key = (key,)
    items, used, ell = [], 0, False
    for k in key:
        tk = type(k)
        if tk is int or tk is slice:
            used += 1
        elif k is None:
            pass
        elif k is Ellipsis:
            if ell:
                raise IndexError("an index can only have a single ellipsis ('...')")
            ell = True
        elif tk is bool or tk is np.bool_:
            k = np.array(bool(k))
        elif isinstance(k, Tensor):
            if k._data.ndim == 0 and k._data.dtype.kind in "iu" and k._data.dtype != np.uint8:
                k = int(k._data)
                used += 1
            else:
                k = _index_array(k)
                used += k.ndim if k.dtype.kind == "b" else 1
        elif isinstance(k, (np.ndarray, list, tuple, range)):
            if isinstance(k, np.ndarray) and k.ndim == 0 and k.dtype.kind in "iu":
                k = int(k)
                used += 1
            else:
                k = _index_array(k)
                used += k.ndim if k.dtype.kind == "b" else 1
        elif isinstance(k, numbers.Integral) or (hasattr(k, "__index__") and not isinstance(k, float)):
            k = int(k.__index__())
            used += 1
        else:
            raise IndexError(
                "only integers, slices (`:`), ellipsis (`...`), None and long or byte "
                f"Variables are valid indices (got {tk.__name__})"
            )
        items.append(k)
    return items, used, ell


_NAMES = {}


def _split_key(key, shape):
    """(basic, adv, view_cls, unique): the view key, the advanced key applied to
    the view (None when there is none), the view's node class, and whether the
    advanced key can hit an element twice (False) or not (True)."""
    items, used, ell = _items(key)
    ndim = len(shape)
    if used > ndim:
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    basic, adv = [], []
    cls, has_adv, unique, dim = AliasBackward0, False, True, 0
    for k in items:
        if k is None:
            basic.append(None)
            adv.append(_ALL)
            cls = UnsqueezeBackward0
        elif k is Ellipsis:
            n = ndim - used
            basic.extend([_ALL] * n)
            adv.extend([_ALL] * n)
            dim += n
        elif type(k) is int:
            size = shape[dim]
            if not -size <= k < size:
                raise IndexError(f"index {k} is out of bounds for dimension {dim} with size {size}")
            basic.append(k)
            dim += 1
            cls = SelectBackward0
        elif type(k) is slice:
            if k.step is not None and k.step <= 0:
                raise ValueError("step must be greater than zero")
            basic.append(k)
            adv.append(_ALL)
            dim += 1
            cls = SliceBackward0
        else:
            has_adv = True
            if k.dtype.kind == "b":
                _mask_mismatch(k, shape, dim)
                basic.extend([_ALL] * k.ndim)
                dim += k.ndim
            else:
                unique = False
                basic.append(_ALL)
                dim += 1
            adv.append(k)
    if not has_adv:
        return tuple(basic) + (Ellipsis,), None, cls, True  # `...` keeps 0-d results arrays
    while adv and adv[-1] is _ALL:
        adv.pop()
    if all(b is _ALL for b in basic):
        return None, tuple(adv), cls, unique
    return tuple(basic) + (Ellipsis,), tuple(adv), cls, unique


# ----- getitem ----------------------------------------------------------------
class _BasicIndexBackward(Node):
    """d(a[key]) = zeros like a with g written at key (positions are distinct)"""

    def backward(self, g):
        return _scatter_zeros(g, self.input_meta[0], self.key, False)


class SelectBackward0(_BasicIndexBackward):
    pass


class SliceBackward0(_BasicIndexBackward):
    pass


class UnsqueezeBackward0(_BasicIndexBackward):
    pass


class AliasBackward0(_BasicIndexBackward):
    pass


class IndexBackward0(Node):
    """d(a[idx]) = zeros like a with g added at idx (repeated indices sum)"""

    def backward(self, g):
        if self.key is None:  # the key selected no element (see _advanced): zeros
            return wrap(g._xp.zeros(self.input_meta[0][0], dtype=g._data.dtype))
        return _scatter_zeros(g, self.input_meta[0], self.key, not self.unique)


def _basic(t, key, cls):
    return view(t, t._data[key], cls, lambda b: _basic(b, key, cls), key=key)


def _empty_result_shape(arr, key, error):
    """PyTorch checks index bounds only for the elements it reads or writes, so an advanced key
    (full slices, bool masks and int arrays, as _split_key makes it) that selects no element
    never fails. The shape it selects, or `error` raised as PyTorch's IndexError."""
    sizes, stand_in, dim = list(arr.shape), [], 0
    for k in key:
        if isinstance(k, np.ndarray) and k.dtype.kind != "b":
            sizes[dim] = max(sizes[dim], 1)
            k = np.zeros_like(k)
        stand_in.append(k)
        dim += k.ndim if isinstance(k, np.ndarray) and k.dtype.kind == "b" else 1
    shape = np.broadcast_to(np.zeros((), arr.dtype), sizes)[tuple(stand_in)].shape
    if 0 not in shape:
        raise IndexError(str(error).replace("axis", "dimension")) from None
    return shape


def _advanced(t, key, unique=False):
    try:
        arr = t._data[key]
    except IndexError as e:
        shape = _empty_result_shape(t._data, key, e)
        # an empty result, a new tensor as PyTorch's (no view); its gradient is zeros
        return attach(wrap(t._xp.zeros(shape, t._data.dtype)), IndexBackward0, (t,), key=None, unique=True)
    return attach(wrap(arr), IndexBackward0, (t,), key=key, unique=unique)


def __getitem__(self, key):
    basic, adv, cls, unique = _split_key(key, self._data.shape)
    if basic is not None:
        self = _basic(self, basic, cls)
    return self if adv is None else _advanced(self, adv, unique)


class _ScatterZerosBackward(Node):
    """d(zeros.index_put(key, g)) = gg[key]"""

    def backward(self, gg):
        return _basic(gg, self.key, SliceBackward0) if self.basic else _advanced(gg, self.key)


def _scatter_zeros(g, meta, key, accumulate):
    """Zeros of input meta's shape with g put (or, with repeats, added) at key."""
    xp = g._xp
    z = xp.zeros(meta[0], dtype=g._data.dtype)
    if accumulate:
        xp.add.at(z, key, g._data)
    else:
        z[key] = g._data
    basic = not any(isinstance(k, np.ndarray) or hasattr(k, "__cuda_array_interface__") for k in key)
    return attach(wrap(z), _ScatterZerosBackward, (g,), key=key, basic=basic)


# ----- setitem ----------------------------------------------------------------
_DT_WORDS = _dtype.SCALAR_NAMES  # PyTorch's dtype names, one table (_dtype.py)


def _word(t):
    return _DT_WORDS.get(t.dtype.name, t.dtype.name)


def _value(self, value):
    if isinstance(value, Tensor):
        return value
    if isinstance(value, (numbers.Number, np.number, np.bool_)):
        return value
    raise TypeError(f"can't assign a {_qualname(value)} to a {self.type()}")


def _qualname(v):
    t = type(v)
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__name__}"


def _check_put_dtype(t, value):
    if isinstance(value, Tensor) and value._data.ndim and value._data.dtype != t._data.dtype:
        raise RuntimeError(
            f"Index put requires the source and destination dtypes match, got "
            f"{_word(t)} for the destination and {_word(value)} for the source."
        )


def _put_error(region_shape, value):
    vshape = list(np.shape(value._data if isinstance(value, Tensor) else value))
    return RuntimeError(
        f"shape mismatch: value tensor of shape {vshape} cannot be broadcast to "
        f"indexing result of shape {list(region_shape)}"
    )


def _expand_error(target, value):
    """PyTorch's message for copying a value of the wrong shape into a region."""
    from .view import expand

    vshape = tuple(np.shape(value._data))
    while len(vshape) > len(target) and vshape[0] == 1:
        vshape = vshape[1:]
    try:
        expand(wrap(np.zeros(vshape, dtype=value._data.dtype)), target)
    except RuntimeError as e:
        return e
    return RuntimeError(
        f"shape mismatch: value tensor of shape {list(value.shape)} cannot be "
        f"broadcast to indexing result of shape {list(target)}"
    )


def _to_value_shape(g, meta):
    """A region gradient summed down to the assigned value's (shape, dtype)."""
    shape = meta[0]
    if len(shape) > g._data.ndim:
        g = g.reshape((1,) * (len(shape) - g._data.ndim) + g._data.shape)
    return reduce_grad(g, meta)


class CopyBackwards(Node):
    """d(dst.copy_(v)) = 0 for the overwritten dst, g summed to v's shape"""

    def backward(self, g):
        # through a view (CopySlices) the base already gets g with the region zeroed
        ga = wrap(g._xp.zeros_like(g._data)) if self.whole and self.needs_input_grad(0) else None
        return ga, _to_value_shape(g, self.input_meta[1]) if self.needs_input_grad(1) else None


def _copy_from(t, value, whole=False):
    """t's region overwritten by `value` (broadcast and cast to t), out of place."""
    if not isinstance(value, Tensor):
        return attach(
            wrap(t._xp.full(t._data.shape, value, dtype=t._data.dtype)), CopyBackwards, (t, None), whole=whole
        )
    v = value._data
    shape = t._data.shape
    if v.shape != shape:
        while v.ndim > len(shape) and v.shape[0] == 1:
            v = v[0]
        try:
            v = t._xp.broadcast_to(v, shape)
        except ValueError:
            raise _expand_error(shape, value) from None
    return attach(wrap(v.astype(t._data.dtype)), CopyBackwards, (t, value), whole=whole)


class IndexPutBackward0(Node):
    """d(a.index_put(idx, v)) = g with zeros at idx, g[idx] summed to v's shape"""

    def backward(self, g):
        ga = gv = None
        if self.needs_input_grad(0):
            ga = _index_put(g, self.key, 0)
        if self.input_meta[1] is not None and self.needs_input_grad(1):
            gv = _to_value_shape(_advanced(g, self.key), self.input_meta[1])
        return ga, gv


def _index_put(t, key, value):
    _check_put_dtype(t, value)
    arr = t._data.copy()
    try:
        arr[key] = value._data if isinstance(value, Tensor) else value
    except ValueError:
        raise _put_error(arr[key].shape, value) from None
    except IndexError as e:
        raise IndexError(str(e).replace("axis", "dimension")) from None
    return attach(wrap(arr), IndexPutBackward0, (t, value if isinstance(value, Tensor) else None), key=key)


def __setitem__(self, key, value):
    value = _value(self, value)
    basic, adv, cls, unique = _split_key(key, self._data.shape)
    base = self._base
    if not (
        grad_enabled()
        and (
            self._requires_grad
            or (base is not None and base._requires_grad)
            or (isinstance(value, Tensor) and value._requires_grad)
        )
    ):
        arr = self._data if basic is None else self._data[basic]
        v = value._data if isinstance(value, Tensor) else value
        if adv is None:
            try:
                arr[...] = v
            except ValueError:
                raise _expand_error(arr.shape, value) from None
        else:
            _check_put_dtype(self, value)
            try:
                arr[adv] = v
            except ValueError:
                raise _put_error(arr[adv].shape, value) from None
            except IndexError as e:
                _empty_result_shape(arr, adv, e)  # nothing to write, or PyTorch's error
        self._version[0] += 1
        return
    alias = basic is None or (adv is None and cls is AliasBackward0)  # x[...] = v copies into x
    target = self if alias else _basic(self, basic, cls)
    if adv is None:
        inplace(target, lambda t, v: _copy_from(t, v, alias), value)
    else:
        inplace(target, _index_put, adv, value)


methods.__getitem__ = __getitem__
methods.__setitem__ = __setitem__
