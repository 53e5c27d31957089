"""The array namespace (`tensor._xp`) of tensors that hold a BatchedArray.

Ops ask a tensor for its namespace and call NumPy through it. This one is NumPy except for
the calls NumPy cannot hand back to a BatchedArray itself:

- allocations (`zeros`, `empty`, `ones`, `full`) give batched arrays, so an op that allocates a
  result and fills it from batched data keeps the batch (an allocation that did not need it
  only costs memory: every sample then holds the same values);
- `asarray` / `array` / `ascontiguousarray` keep a BatchedArray batched;
- `lib.stride_tricks.as_strided` / `sliding_window_view` put the batch's stride in front, so
  im2col-style windows (conv, pooling, unfold) run over the whole batch at once.

There is one namespace per (vmap level, batch size), registered in `_device._NAMESPACES` under
a BatchedArray subclass made for it.
"""

import types

import numpy as np

from .. import _device
from ._batched_array import BatchedArray, level_of, _loop, _make, _ndim
from ._batched_rules import _RULES

__all__ = ["array_class"]

_CLASSES = {}


def _alloc(name):
    f = getattr(np, name)

    def fn(self, shape, *args, **kwargs):
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        inner = self._inner
        return self._cls(getattr(inner, name)((self._size,) + shape, *args, **kwargs), self._level)

    fn.__name__ = f.__name__
    return fn


class _Namespace:
    is_vmap = True  # ops whose fast path cannot take batched arrays check this

    def __init__(self, cls, level, size, inner):
        self._cls, self._level, self._size, self._inner = cls, level, size, inner
        self.lib = types.SimpleNamespace(
            stride_tricks=types.SimpleNamespace(
                as_strided=self._as_strided, sliding_window_view=self._sliding_window_view
            )
        )

    zeros = _alloc("zeros")
    ones = _alloc("ones")
    empty = _alloc("empty")
    full = _alloc("full")

    def asarray(self, a, dtype=None, **kwargs):
        if isinstance(a, BatchedArray):
            return a if dtype is None or np.dtype(dtype) == a.dtype else a.astype(dtype)
        return self._inner.asarray(a, dtype=dtype, **kwargs)

    def array(self, a, dtype=None, copy=True, **kwargs):
        if isinstance(a, BatchedArray):
            return a.astype(a.dtype if dtype is None else dtype, copy=copy)
        return self._inner.array(a, dtype=dtype, copy=copy, **kwargs)

    def ascontiguousarray(self, a, dtype=None):
        if isinstance(a, BatchedArray):
            p = a.phys
            return type(a)(_namespace(p).ascontiguousarray(p, dtype=dtype), a.level)
        return self._inner.ascontiguousarray(a, dtype=dtype)

    def _as_strided(self, x, shape=None, strides=None, subok=False, writeable=True):
        if not isinstance(x, BatchedArray):
            return self._inner.lib.stride_tricks.as_strided(x, shape, strides, subok, writeable)
        p = x.phys
        shape = x.shape if shape is None else tuple(shape)
        strides = x.strides if strides is None else tuple(strides)
        ph = _namespace(p).lib.stride_tricks.as_strided(
            p, p.shape[:1] + shape, p.strides[:1] + strides, subok=subok, writeable=writeable
        )
        return type(x)(ph, x.level)

    def _sliding_window_view(self, x, window_shape, axis=None, **kwargs):
        if not isinstance(x, BatchedArray):
            return self._inner.lib.stride_tricks.sliding_window_view(x, window_shape, axis, **kwargs)
        n = x.ndim
        if axis is None:
            axis = tuple(range(n))
        axes = tuple(a % n + 1 for a in (axis if isinstance(axis, (tuple, list)) else (axis,)))
        ph = _namespace(x.phys).lib.stride_tricks.sliding_window_view(x.phys, window_shape, axes, **kwargs)
        return type(x)(ph, x.level)

    @property
    def is_cpu(self):
        return self._inner is np or getattr(self._inner, "is_cpu", False)

    def take(self, a, indices, axis=None, out=None, mode="raise"):
        """NumPy dispatches take on `a` only: batched indices into a plain array index it once."""
        lv_i = level_of((indices,))
        if out is None and lv_i > level_of((a,)):
            phys = indices.phys
            r = _namespace(a).take(a, phys, axis=axis, mode=mode)
            if axis is not None:
                r = _namespace(r).moveaxis(r, axis % _ndim(a), 0)
            return _make(r, lv_i)
        return self._inner.take(a, indices, axis=axis, out=out, mode=mode)

    def __getattr__(self, name):
        attr = getattr(self._inner, name)
        if callable(attr) and not isinstance(attr, (np.ufunc, type)):
            return _guarded(attr)
        return attr


def _guarded(fn):
    """A NumPy function whose dispatcher may not see every batched argument: when a batched
    array sits where NumPy does not look, the call loops over that batch."""

    def call(*args, **kwargs):
        lv = level_of(tuple(args) + tuple(kwargs.values()))
        if lv and not (args and isinstance(args[0], BatchedArray) and args[0].level == lv):
            rule = _RULES.get(fn)
            if rule is not None:
                r = rule(lv, *args, **kwargs)
                if r is not NotImplemented:
                    return r
            return _loop(fn, args, kwargs, lv)
        return fn(*args, **kwargs)

    return call


def _namespace(array):
    return _device.namespace(array)


def array_class(level, size, inner_array):
    """The BatchedArray subclass for (level, batch size), its namespace registered; the namespace
    of the physical arrays (`inner_array`'s: NumPy, or an outer level's) sits below it."""
    inner = _namespace(inner_array)
    key = (level, size, id(inner))
    cls = _CLASSES.get(key)
    if cls is None:
        cls = type("BatchedArray", (BatchedArray,), {"__slots__": ()})
        ns = _Namespace(cls, level, size, inner)
        _device._NAMESPACES[cls] = ns
        _CLASSES[key] = cls
    return cls
