"""torchlet: a deep-learning framework on NumPy with PyTorch's API.

    import torchlet as torch
"""
from . import _dtype
from ._dtype import (dtype, get_default_dtype, set_default_dtype, promote_types, result_type,  # noqa
                     can_cast, bool, uint8, int8, int16, int32, int64, float16, bfloat16, float32,
                     float64, complex64, complex128, half, float, double, short, int, long, cfloat,
                     cdouble)
from ._device import device  # noqa: F401
from ._size import Size  # noqa: F401
from ._tensor import Tensor  # noqa: F401
from ._tensor_types import *  # noqa: F401,F403
from .autograd.grad_mode import (no_grad, enable_grad, set_grad_enabled, inference_mode,  # noqa
                                 is_grad_enabled, is_inference_mode_enabled)

# Every op module registers its Tensor methods on import; the names in each
# module's __all__ are the torchlet.* functions.
from .ops.creation import *  # noqa: F401,F403
from .ops.pointwise import *  # noqa: F401,F403
from .ops.pointwise_math import *  # noqa: F401,F403
from .ops.pointwise_binary import *  # noqa: F401,F403
from .ops.pointwise_special import *  # noqa: F401,F403
from .ops.pointwise_pairs import *  # noqa: F401,F403
from .ops.comparison import *  # noqa: F401,F403
from .ops.conversion import *  # noqa: F401,F403
from .ops.reduction import *  # noqa: F401,F403
from .ops.reduction_stats import *  # noqa: F401,F403
from .ops.reduction_sort import *  # noqa: F401,F403
from .ops.reduction_scan import *  # noqa: F401,F403
from .ops.reduction_extra import *  # noqa: F401,F403
from .ops.view import *  # noqa: F401,F403
from .ops.indexing import *  # noqa: F401,F403
from .ops.indexing_reduce import *  # noqa: F401,F403
from .ops.view_extra import *  # noqa: F401,F403
from .ops.joining import *  # noqa: F401,F403
from .ops.linalg import *  # noqa: F401,F403
from .ops.linalg_ext import *  # noqa: F401,F403
from .ops.linalg_functions import *  # noqa: F401,F403
from .ops.random_ops import *  # noqa: F401,F403
from .ops.activation import *  # noqa: F401,F403
from .ops.shrink import hardshrink  # noqa: F401  (softshrink is nn.functional only, as PyTorch)
from .ops.rrelu import *  # noqa: F401,F403
from .ops.pixel_shuffle import *  # noqa: F401,F403
from .ops.conv import *  # noqa: F401,F403
from .ops.pooling import *  # noqa: F401,F403
from .ops.normalization import *  # noqa: F401,F403
from .ops.loss import *  # noqa: F401,F403
from .ops.loss_margin import (margin_ranking_loss, hinge_embedding_loss,  # noqa: F401 (torch.* has these)
                              cosine_embedding_loss, triplet_margin_loss)
from .ops.dropout import *  # noqa: F401,F403
from .ops.embedding import *  # noqa: F401,F403
from .ops.padding import *  # noqa: F401,F403
from .ops.attention import *  # noqa: F401,F403
from .ops.complex import *  # noqa: F401,F403
from . import linalg  # noqa: E402,F401  (the torchlet.linalg namespace)

from . import autograd, cuda  # noqa: E402,F401
from . import return_types  # noqa: E402,F401
from .random import (manual_seed, seed, initial_seed, get_rng_state, set_rng_state, Generator,  # noqa
                     default_generator)
from ._tensor_str import set_printoptions  # noqa: E402,F401

import builtins as _builtins  # noqa: E402

__version__ = "0.1.0"

# Everything `import torch` makes reachable without a further import; loaded on first use.
_LAZY = ("nn", "optim", "utils", "vision", "linalg", "serialization", "safetensors", "compat",
         "backends", "fft", "distributions", "testing", "jit", "onnx", "special", "hub", "amp",
         "multiprocessing", "library", "overrides", "types", "_C", "_utils", "functional",
         "accelerator", "profiler", "func", "distributed", "sparse", "masked", "nested", "export",
         "compiler", "quantization", "ao", "random", "cuda", "autograd")


def _extra(name):
    if name in ("save", "load"):
        from . import serialization
        return getattr(serialization, name)
    if name in ("autocast", "is_autocast_enabled", "get_autocast_dtype"):
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
    import os
    return _threads[0] or os.cpu_count() or 1


_threads = [0]


def use_deterministic_algorithms(mode, *, warn_only=False):
    pass


def is_grad_enabled_():  # pragma: no cover
    return is_grad_enabled()


def _bind_numpy_aliases():
    """PyTorch's argument parser takes `axis`/`keepdims`/`x1`/`x2` for `dim`/`keepdim`/
    `input`/`other` on every torch.* function and Tensor method (ops/_out.py)."""
    import sys
    from .ops._out import bind_aliases
    bind_aliases(sys.modules[__name__])
    bind_aliases(Tensor)
    bind_aliases(linalg)


_bind_numpy_aliases()
