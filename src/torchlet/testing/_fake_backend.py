"""A second CPU backend for tests: device("privateuseone") whose arrays refuse plain NumPy.

Ops must compute through the tensor's array namespace (`tensor._xp`, `_device.namespace(arr)`),
never through `numpy` directly, so that a CuPy array (issue 17) runs unchanged. This backend
proves it on a CPU-only machine: its arrays are `FakeArray`, an ndarray subclass whose
`__array_ufunc__` / `__array_function__` raise `BackendLeak` when a plain ndarray meets one
(what CuPy does when a NumPy array meets a CuPy array), and its namespace `fake_np` is NumPy with
every array result turned back into a FakeArray. An op that allocates with `np.zeros` and fills
it, or mixes `np.asarray(...)` results with the input, therefore fails, or hands back a tensor
whose `.device` is cpu, which the tests check.

    from torchlet.testing import _fake_backend
    _fake_backend.install()              # registers device type "privateuseone"
    t = torch.randn(3).to("privateuseone")

"privateuseone" is PyTorch's own device type for out-of-tree backends, so device strings stay
valid PyTorch. Nothing here runs unless installed: the cpu path is untouched.
"""

import types

import numpy as np

from .. import _device

import contextlib

__all__ = ["FakeArray", "BackendLeak", "fake_np", "install", "DEVICE", "count_transfers"]

DEVICE = "privateuseone"


class BackendLeak(TypeError):
    """A plain NumPy array met a fake-device array: some op computed outside the namespace."""


def _leak(where, name):
    raise BackendLeak(f"plain numpy.ndarray mixed with a {DEVICE} array in {where} {name}")


def _has_plain(x, depth=0):
    if type(x) is np.ndarray:
        return True
    if depth < 3 and isinstance(x, (list, tuple)):
        return any(_has_plain(v, depth + 1) for v in x)
    return False


def _plain(x, depth=0):
    """FakeArrays (also inside lists/tuples) as plain ndarray views of the same memory."""
    if isinstance(x, FakeArray):
        return x.view(np.ndarray)
    if depth < 3 and isinstance(x, (list, tuple)):
        return type(x)(_plain(v, depth + 1) for v in x)
    return x


def _fake(x, depth=0):
    """Array results (also inside tuples/lists/namedtuples) as FakeArray views; NumPy scalars
    as 0-d FakeArrays, as CuPy hands back 0-d device arrays where NumPy gives scalars."""
    if type(x) is np.ndarray:
        return x.view(FakeArray)
    if isinstance(x, np.generic):
        return np.asarray(x).view(FakeArray)
    if depth < 3 and isinstance(x, tuple):
        vals = [_fake(v, depth + 1) for v in x]
        return type(x)(*vals) if hasattr(x, "_fields") else type(x)(vals)
    if depth < 3 and isinstance(x, list):
        return [_fake(v, depth + 1) for v in x]
    return x


strict_keys = True  # host index arrays into device arrays raise too (False: allow them, as CuPy copies them over)


class FakeArray(np.ndarray):
    """An ndarray on the fake device; mixing it with a plain ndarray raises BackendLeak."""

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        out = kwargs.get("out")
        if _has_plain(inputs) or (out is not None and _has_plain(out)):
            _leak("ufunc", f"{ufunc.__name__}.{method}")
        args = _plain(inputs)
        if out is not None:
            kwargs["out"] = _plain(out)
        res = getattr(ufunc, method)(*args, **kwargs)
        if out is not None:
            return out[0] if len(out) == 1 else out
        return _fake(res)

    def __array_function__(self, func, types_, args, kwargs):
        if _has_plain(args) or _has_plain(tuple(kwargs.values())):
            _leak("function", getattr(func, "__name__", str(func)))
        return _fake(func(*_plain(args), **{k: _plain(v) for k, v in kwargs.items()}))

    def __getitem__(self, key):
        if strict_keys and _has_plain(key if isinstance(key, tuple) else (key,)):
            _leak("__getitem__", "index")
        return super().__getitem__(key)

    def __setitem__(self, key, value):
        if type(value) is np.ndarray:  # host data written into device memory
            _leak("__setitem__", "value")
        if strict_keys and _has_plain(key if isinstance(key, tuple) else (key,)):
            _leak("__setitem__", "index")
        super().__setitem__(key, value.view(np.ndarray) if isinstance(value, FakeArray) else value)

    def get(self):
        """The host copy (CuPy's spelling), used by .cpu() / .numpy(force=True)."""
        return np.array(self.view(np.ndarray))


class _Module:
    """A NumPy (sub)module whose functions hand back FakeArrays; types, dtypes and ufuncs pass
    through (ufuncs dispatch to FakeArray.__array_ufunc__ themselves)."""

    def __init__(self, inner, name):
        self._inner = inner
        self.__name__ = name

    def __getattr__(self, name):
        attr = getattr(self._inner, name)
        if isinstance(attr, types.ModuleType):
            sub = _Module(attr, f"{self.__name__}.{name}")
        elif callable(attr) and not isinstance(attr, (np.ufunc, type)):

            def sub(*args, _f=attr, **kwargs):
                return _fake(_f(*args, **kwargs))

            sub.__name__ = name
        else:
            return attr
        setattr(self, name, sub)  # cached: later lookups skip __getattr__
        return sub


_transfers = []  # the open count_transfers() records: each a list of (function, shape)


def _is_host_table(x):
    """A plain ndarray of more than one element (or a list holding one): data built on the host."""
    if type(x) is np.ndarray:
        return x.size > 1
    return isinstance(x, (list, tuple)) and any(_is_host_table(v) for v in x)


class _FakeNumPy(_Module):
    device_type = DEVICE
    ndarray = FakeArray

    def __init__(self):
        super().__init__(np, "fake_np")
        for name in ("asarray", "array", "asanyarray", "ascontiguousarray"):
            setattr(self, name, self._copier(name))

    @staticmethod
    def _copier(name):
        f = getattr(np, name)

        def copy_in(a, *args, **kwargs):
            """A host -> device copy when `a` is host data (what CuPy's asarray does with a NumPy
            array): recorded, so a test can say an op builds its tables on the device."""
            if _transfers and _is_host_table(a):
                _transfers[-1].append((name, np.shape(a)))
            return _fake(f(a, *args, **kwargs))

        copy_in.__name__ = name
        return copy_in


@contextlib.contextmanager
def count_transfers():
    """Record the host -> device copies (of more than one element) made inside the block:

        with count_transfers() as copies:
            y = op(x_on_fake_device)
        assert copies == []          # every index table / mask / weight was built with xp

    On CuPy each such copy is a synchronous host -> device transfer per call."""
    rec = []
    _transfers.append(rec)
    try:
        yield rec
    finally:
        _transfers.remove(rec)


fake_np = _FakeNumPy()


def install():
    """Register the fake device type (idempotent)."""
    _device.register_backend(DEVICE, FakeArray, fake_np)
