"""The CUDA device's array namespace: CuPy, plus the little NumPy spells that CuPy lacks.

Registered through `_device.register_backend` the first time a cuda device is used
(`_device.namespace_for`, `torchlet.cuda._lazy_init`), never at `import torchlet`. Ops compute
through `tensor._xp`; for a cuda tensor that is `xp` below: every attribute is CuPy's (ufuncs
with .at/.reduce/.accumulate, `lib.stride_tricks.as_strided`, linalg, fft), with these added:

- `errstate`: CuPy keeps no floating-point error state; a context that does nothing.
- `indices(dimensions, dtype, sparse=True)`: NumPy's open grid (CuPy has the dense form only).
- `lib.stride_tricks.as_strided(x, shape, strides, subok, writeable)`: NumPy's signature
  (CuPy's takes no `subok`/`writeable`; its views are always writeable).

(CuPy >= 13 has `add.at` itself, as a scatter-add kernel: `cupyx.scatter_add`.)

Registering also applies the seed queued by torchlet.cuda.manual_seed, installs the peak tracking
behind torchlet.cuda.max_memory_allocated, and sets cuBLAS's compute type from
torchlet.backends.cuda.matmul.allow_tf32 (off by default, as in PyTorch).
"""

import contextlib
import threading

__all__ = ["xp", "register", "registered", "fused"]

_lock = threading.Lock()
_state = {"xp": None}


class _Delegate:
    """Attributes of `inner`, except those the subclass defines."""

    def __init__(self, inner):
        self._inner = inner

    def __getattr__(self, name):
        attr = getattr(self._inner, name)
        setattr(self, name, attr)  # cached: later lookups skip __getattr__
        return attr


class _StrideTricks(_Delegate):
    def as_strided(self, x, shape=None, strides=None, subok=False, writeable=True):
        return self._inner.as_strided(x, shape, strides)


class _Lib(_Delegate):
    def __init__(self, inner):
        super().__init__(inner)
        self.stride_tricks = _StrideTricks(inner.stride_tricks)


class _CuPyNamespace:
    """cupy, attribute for attribute, with the additions listed in the module docstring."""

    __name__ = "cupy"
    device_type = None  # _device.device_of: a cuda array (its index from array.device)
    is_cpu = False

    def __init__(self, cupy):
        self._cupy = cupy
        self.lib = _Lib(cupy.lib)

    def __getattr__(self, name):
        attr = getattr(self._cupy, name)
        setattr(self, name, attr)  # cached: later lookups skip __getattr__
        return attr

    @staticmethod
    def errstate(**kwargs):
        return contextlib.nullcontext()

    def indices(self, dimensions, dtype=int, sparse=False):
        if not sparse:
            return self._cupy.indices(dimensions, dtype)
        n = len(dimensions)
        return tuple(
            self._cupy.arange(d, dtype=dtype).reshape((1,) * i + (d,) + (1,) * (n - i - 1))
            for i, d in enumerate(dimensions)
        )


def registered():
    return _state["xp"] is not None


def fused(xp, dtype):
    """Whether arrays of namespace xp and this dtype take the fused CUDA kernels (ops/_*_cuda.py,
    optim/_sgd_cuda.py): CuPy's namespace, float32 or float64. Half precision keeps the array
    formulas: no GPU run has compiled the kernels for it."""
    return xp is _state["xp"] and xp is not None and dtype.kind == "f" and dtype.itemsize >= 4


def xp():
    """The namespace (registering the backend on first use)."""
    return _state["xp"] or register()


def register():
    """Register cuda's namespace with torchlet._device (idempotent); returns it."""
    with _lock:
        if _state["xp"] is not None:
            return _state["xp"]
        import cupy

        from . import _device
        from .cuda import random as _random

        ns = _CuPyNamespace(cupy)
        _device.register_backend("cuda", cupy.ndarray, ns)
        _install_peak_tracking(cupy)
        set_tf32(_tf32_flag())
        _state["xp"] = ns
        seed = _random.take_queued()
        if seed is not None:
            cupy.random.seed(seed)
        return ns


def _tf32_flag():
    from .backends import cuda as _bcuda

    return bool(_bcuda.matmul.allow_tf32)


def set_tf32(allow):
    """cuBLAS matmuls in TF32 (allow) or full float32 (PyTorch's default: not allowed)."""
    try:
        import numpy as np
        from cupy._core import _routines_linalg as _rl

        _rl.set_compute_type(np.dtype(np.float32), _rl.COMPUTE_TYPE_TF32 if allow else _rl.COMPUTE_TYPE_FP32)
    except (ImportError, AttributeError):  # a CuPy without the switch: its default (no TF32)
        pass


def _install_peak_tracking(cupy):
    """Every allocation from CuPy's default pool through a function that records the pool's
    peaks after it (cuda/memory.py). A CuPy memory hook did the same at ~5 us an allocation
    (CuPy calls a hook's Python methods before and after every malloc and every free), ~4 ms of
    host time in a ResNet-18 step on the GPU, which makes ~1,000 allocations."""
    from .cuda import memory as _memory

    pool = cupy.get_default_memory_pool()
    malloc, used, total, peak = pool.malloc, pool.used_bytes, pool.total_bytes, _memory._peak

    def allocate(size):
        mem = malloc(size)
        u, t = used(), total()
        if u > peak["allocated"]:
            peak["allocated"] = u
        if t > peak["reserved"]:
            peak["reserved"] = t
        return mem

    cupy.cuda.set_allocator(allocate)
