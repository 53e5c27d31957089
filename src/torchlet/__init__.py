"""torchlet: a deep-learning framework on NumPy with PyTorch's API.

import torchlet as torch
"""

from . import _dtype
from ._dtype import (
    dtype,
    get_default_dtype,
    set_default_dtype,
    promote_types,
    result_type,
    can_cast,
    bool,
    uint8,
    int8,
    int16,
    int32,
    int64,
    float16,
    bfloat16,
    float32,
    float64,
    complex64,
    complex128,
    half,
    float,
    double,
    short,
    int,
    long,
    cfloat,
    cdouble,
)
from ._device import device, set_default_device, get_default_device
from ._memory_format import (
    memory_format,
    contiguous_format,
    channels_last,
    channels_last_3d,
    preserve_format,
)
from ._layout import layout, strided, sparse_coo, sparse_csr, jagged
from ._precision import set_float32_matmul_precision, get_float32_matmul_precision
from ._size import Size
from ._tensor import Tensor
from ._tensor_types import *  # noqa: F403
from .autograd.grad_mode import (
    no_grad,
    enable_grad,
    set_grad_enabled,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
)

# Every Tensor method and torchlet.* op function, bound from the op table (ops/_table.py).
from ._bind import *  # noqa: F403
from .sparse import sparse_coo_tensor, sparse_csr_tensor, spmm
from . import nested
from . import linalg

from . import autograd, cuda
from . import return_types
from .random import (
    manual_seed,
    seed,
    initial_seed,
    get_rng_state,
    set_rng_state,
    Generator,
    default_generator,
)
from ._tensor_str import set_printoptions


__version__ = "0.1.0"

# Everything `import torch` makes reachable without a further import; loaded on first use.
_LAZY = (
    "nn",
    "optim",
    "utils",
    "vision",
    "linalg",
    "serialization",
    "safetensors",
    "compat",
    "backends",
    "fft",
    "distributions",
    "testing",
    "jit",
    "onnx",
    "special",
    "hub",
    "amp",
    "cpu",
    "multiprocessing",
    "library",
    "overrides",
    "types",
    "_C",
    "_utils",
    "functional",
    "accelerator",
    "profiler",
    "func",
    "distributed",
    "sparse",
    "masked",
    "nested",
    "export",
    "compiler",
    "quantization",
    "ao",
    "random",
    "cuda",
    "autograd",
    "version",
)


def _extra(name):
    if name in ("save", "load"):
        from . import serialization

        return getattr(serialization, name)
    if name == "vmap":  # torch.vmap is torch.func.vmap
        from .func import vmap

        return vmap
    if name in (
        "autocast",
        "is_autocast_enabled",
        "get_autocast_dtype",
        "set_autocast_enabled",
        "set_autocast_dtype",
        "is_autocast_cache_enabled",
        "set_autocast_cache_enabled",
        "clear_autocast_cache",
    ):
        from .amp import autocast_mode

        return getattr(autocast_mode, name)
    raise AttributeError(f"module 'torchlet' has no attribute '{name}'")


from ._lazy import lazy_getattr as _lazy_getattr, lazy_dir as _lazy_dir  # noqa: E402

__getattr__ = _lazy_getattr(__name__, _LAZY, _extra)
__dir__ = _lazy_dir(globals(), _LAZY)


def compile(model=None, **kwargs):
    """No compiler here: returns the model (or a decorator) unchanged."""
    if model is None:
        return lambda m: m
    return model


def is_floating_point(input):
    return input.is_floating_point()


def is_complex(input):
    return input.is_complex()


def is_storage(obj):
    return False


def typename(obj):
    if isinstance(obj, Tensor):
        return obj.type()
    return type(obj).__name__


def set_num_threads(n):
    """BLAS threads are fixed when NumPy loads; recorded for get_num_threads."""
    _threads[0] = n


def get_num_threads():
    """As PyTorch's MKL/OpenMP build reads it: set_num_threads, else MKL_NUM_THREADS, else
    OMP_NUM_THREADS (a positive integer; anything else is ignored), at most the core count.
    The environment is read once, as PyTorch reads it at start-up."""
    if not _threads[0]:
        _threads[0] = _threads_from_environment()
    return _threads[0]


def _threads_from_environment():
    import builtins
    import os

    cores = os.cpu_count() or 1  # reads /sys on Linux: ~10 us, so once
    for name in ("MKL_NUM_THREADS", "OMP_NUM_THREADS"):
        value = os.environ.get(name, "")
        if value.isdigit() and builtins.int(value) > 0:  # torchlet.int is the dtype
            return builtins.min(builtins.int(value), cores)
    return cores


_threads = [0]


def use_deterministic_algorithms(mode, *, warn_only=False):
    pass


def is_grad_enabled_():  # pragma: no cover
    return is_grad_enabled()


def _bind_numpy_aliases():
    """PyTorch's argument parser takes `axis`/`keepdims`/`x1`/`x2` for `dim`/`keepdim`/
    `input`/`other` on every torch.* function and Tensor method (ops/_out.py)."""
    import sys
    from .ops._aliases import bind_aliases

    bind_aliases(sys.modules[__name__])
    bind_aliases(linalg)


_bind_numpy_aliases()


def _retain_freed_memory_if_asked():
    """TORCHLET_RETAIN_FREED_MEMORY=1: the documented allocator opt-in (torchlet/_malloc.py)."""
    import os

    if os.environ.get("TORCHLET_RETAIN_FREED_MEMORY", "0") not in ("", "0"):
        from ._malloc import retain_freed_memory

        retain_freed_memory()


_retain_freed_memory_if_asked()
