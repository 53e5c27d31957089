"""autocast: mixed precision on CPU, as PyTorch's CPU autocast.

Inside `autocast("cpu")` (bfloat16 by default) the ops of PyTorch's CPU "lower precision"
list (matmuls, linear, convolutions, prelu, attention, and what PyTorch builds from them)
run with their float32 tensor arguments cast to the autocast dtype; the ops of its float32
list (losses, prod, cdist, 3-d pooling, inverses, ...) run with bfloat16/float16
arguments cast to float32; every other op runs on its inputs' dtypes. float64 tensors are
never cast. Calls made inside an autocast op are not cast again, as in PyTorch, where the
op runs below the autocast dispatch key.

How: the first time an autocast region is entered, each listed torchlet function is
replaced by a wrapper wherever torchlet holds it (its module, torchlet.*, nn.functional,
the Tensor method, and any loaded torchlet module that imported it by name). The wrapper
costs one thread-local lookup per call when autocast is off; programs that never use
autocast never get it.
"""

import functools
import sys
import threading
import warnings

from .. import _dtype

__all__ = ["autocast", "is_autocast_available", "custom_fwd", "custom_bwd"]

# PyTorch's CPU lists (aten/src/ATen/autocast_mode.cpp), restricted to ops torchlet has.
LOWER_PRECISION_FP = (
    "conv1d",
    "conv2d",
    "conv3d",
    "bmm",
    "mm",
    "baddbmm",
    "addmm",
    "addbmm",
    "linear",
    "matmul",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "prelu",
    "scaled_dot_product_attention",
    "einsum",
    "tensordot",
    "vecdot",
)
FP32 = (
    "avg_pool3d",
    "binary_cross_entropy",
    "grid_sample",
    "polar",
    "prod",
    "quantile",
    "nanquantile",
    "stft",
    "cdist",
    "trace",
    "view_as_complex",
    "cholesky",
    "cholesky_inverse",
    "cholesky_solve",
    "inverse",
    "lu_solve",
    "orgqr",
    "ormqr",
    "pinverse",
    "max_pool3d",
    "max_unpool2d",
    "max_unpool3d",
    "adaptive_avg_pool3d",
    "mse_loss",
    "cosine_embedding_loss",
    "nll_loss",
    "hinge_embedding_loss",
    "poisson_nll_loss",
    "smooth_l1_loss",
    "cross_entropy",
    "l1_loss",
    "huber_loss",
    "margin_ranking_loss",
    "soft_margin_loss",
    "triplet_margin_loss",
    "multi_margin_loss",
    "kl_div",
    "multilabel_margin_loss",
    "binary_cross_entropy_with_logits",
    "multilabel_soft_margin_loss",
    "ctc_loss",
    "svd",
)

_state = threading.local()
_installed = []
_install_lock = threading.Lock()


def _get(name, default):
    return getattr(_state, name, default)


def is_autocast_available(device_type):
    return device_type in ("cpu", "cuda")


def _is_enabled():
    return _get("enabled", False) and not _get("inside", False)


def _cast(value, policy):
    from .._tensor import Tensor

    if isinstance(value, Tensor):
        dt = value.dtype
        if not dt.is_floating_point or dt == _dtype.float64:
            return value
        if policy == "lower":
            target = _get("dtype", _dtype.bfloat16)
            return value.to(target) if dt != target else value
        return value.float() if dt.itemsize == 2 else value
    if isinstance(value, (list, tuple)) and value and any(isinstance(v, Tensor) for v in value):
        return type(value)(_cast(v, policy) for v in value)
    return value


def _wrapper(fn, policy):
    @functools.wraps(fn)
    def autocast_op(*args, **kwargs):
        if not _get("enabled", False) or _get("inside", False):
            return fn(*args, **kwargs)
        args = tuple(_cast(a, policy) for a in args)
        kwargs = {k: _cast(v, policy) for k, v in kwargs.items()}
        _state.inside = True
        try:
            return fn(*args, **kwargs)
        finally:
            _state.inside = False

    autocast_op._autocast_original = fn
    return autocast_op


def _install():
    """Wraps the listed ops wherever torchlet holds them (once)."""
    with _install_lock:
        if _installed:
            return
        import torchlet
        import torchlet.nn.functional as F
        from .._tensor import Tensor

        targets = {}
        for policy, names in (("lower", LOWER_PRECISION_FP), ("fp32", FP32)):
            for name in names:
                for home in (torchlet, F, torchlet.linalg):
                    fn = home.__dict__.get(name)
                    if callable(fn) and not hasattr(fn, "_autocast_original") and id(fn) not in targets:
                        targets[id(fn)] = (fn, _wrapper(fn, policy))
                        op = getattr(fn, "_op", None)  # the out= form's plain op, bound as the method
                        if callable(op):
                            targets[id(op)] = (op, _wrapper(op, policy))
        for name in dir(Tensor):
            fn = Tensor.__dict__.get(name)
            if fn is not None and id(fn) in targets:
                setattr(Tensor, name, targets[id(fn)][1])
        for policy, names in (("lower", LOWER_PRECISION_FP), ("fp32", FP32)):
            for name in names:  # methods that are their own function (Tensor.prod, ...)
                fn = Tensor.__dict__.get(name)
                if callable(fn) and not hasattr(fn, "_autocast_original"):
                    setattr(Tensor, name, _wrapper(fn, policy))
        for modname, mod in list(sys.modules.items()):
            if not (modname == "torchlet" or modname.startswith("torchlet.")) or mod is None:
                continue
            if modname.startswith("torchlet.amp"):
                continue
            d = getattr(mod, "__dict__", {})
            for key, value in list(d.items()):
                if callable(value) and id(value) in targets:
                    d[key] = targets[id(value)][1]
        _installed.append(True)


class autocast:
    """Context manager / decorator: ops in the region run in mixed precision (module docstring)."""

    def __init__(self, device_type, dtype=None, enabled=True, cache_enabled=None):
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        self.device = device_type
        if dtype is None:
            dtype = _dtype.bfloat16 if device_type == "cpu" else _dtype.float16
        self.fast_dtype = dtype
        self._cache_enabled = True if cache_enabled is None else cache_enabled
        if device_type == "cpu":
            if enabled and dtype not in (_dtype.bfloat16, _dtype.float16):
                warnings.warn(
                    "In CPU autocast, but the target dtype is not supported. Disabling autocast.\n"
                    "CPU Autocast only supports dtypes of torch.bfloat16, torch.float16 currently.",
                    stacklevel=2,
                )
                enabled = False
        elif device_type == "cuda":
            from .. import cuda

            if enabled and not cuda.is_available():
                warnings.warn("User provided device_type of 'cuda', but CUDA is not available. Disabling", stacklevel=2)
                enabled = False
        else:
            raise RuntimeError(f"User specified an unsupported autocast device_type '{device_type}'")
        self._enabled = enabled

    def __enter__(self):
        if self._enabled:
            _install()
        self.prev = (_get("enabled", False), _get("dtype", _dtype.bfloat16), _get("cache", True))
        _state.enabled, _state.dtype, _state.cache = self._enabled, self.fast_dtype, self._cache_enabled
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        _state.enabled, _state.dtype, _state.cache = self.prev
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def decorate_autocast(*args, **kwargs):
            with self:
                return func(*args, **kwargs)

        return decorate_autocast


def is_autocast_enabled(device_type=None):
    if device_type not in (None, "cpu"):
        return False
    return _get("enabled", False)


def get_autocast_dtype(device_type):
    return _get("dtype", _dtype.bfloat16) if device_type == "cpu" else _dtype.float16


def custom_fwd(fwd=None, *, device_type, cast_inputs=None):
    """Decorator for a custom Function's forward: runs it with autocast off after casting its
    floating tensors to `cast_inputs` when autocast is on (PyTorch's semantics)."""
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)

    @functools.wraps(fwd)
    def decorate_fwd(*args, **kwargs):
        if cast_inputs is None or not is_autocast_enabled(device_type):
            return fwd(*args, **kwargs)
        from .._tensor import Tensor

        def cast(v):
            return v.to(cast_inputs) if isinstance(v, Tensor) and v.is_floating_point() else v

        with autocast(device_type=device_type, enabled=False):
            return fwd(*[cast(a) for a in args], **{k: cast(v) for k, v in kwargs.items()})

    return decorate_fwd


def custom_bwd(bwd=None, *, device_type):
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)
    return bwd
