"""autocast: mixed precision with PyTorch's per-op cast lists, for "cpu" and "cuda".

Inside `autocast(device_type)` an op of that device's lists (`_cast_lists`: PyTorch's, as
data) has its floating tensor arguments on that device (float64 excepted) cast by the op's
policy before it runs: to the autocast dtype (matmuls, linear, convolutions, attention), to
float32 (losses; on CUDA also exp/log/pow, norms, softmax-like reductions), or to the widest
of them (CUDA's promote list). Every other op runs on its inputs' dtypes, so a bfloat16
matmul output fed to `add` with a float32 tensor gives float32 by type promotion, as in
PyTorch. Calls made inside a listed op are not cast again (PyTorch runs the op below its
autocast dispatch key).

State is per thread and per device type: enabled, dtype, and the weight cache (a float32
leaf that requires grad is cast once per outermost region, as PyTorch's cache does).
"cuda" without a usable GPU warns and disables itself, as a CUDA-less PyTorch build does.

The wrappers exist only while an enabled region is open (`_hook`): the first enabled
`__enter__` installs them, the last `__exit__` removes them.
"""

import functools
import threading
import warnings

from .. import _dtype
from . import _cast_lists, _hook

__all__ = [
    "autocast",
    "is_autocast_available",
    "custom_fwd",
    "custom_bwd",
    "is_autocast_enabled",
    "get_autocast_dtype",
    "set_autocast_enabled",
    "set_autocast_dtype",
    "is_autocast_cache_enabled",
    "set_autocast_cache_enabled",
    "clear_autocast_cache",
]

_DEVICE_TYPES = ("cpu", "cuda", "mps", "meta")  # what torchlet.device parses
_DEFAULT_DTYPE = {"cpu": _dtype.bfloat16, "cuda": _dtype.float16}

_tls = threading.local()  # enabled: {device: bool}, dtype: {device: dtype}, active, inside, cache, nesting
_users = [0]  # enabled regions open, all threads together: wrappers are installed while > 0
_users_lock = threading.Lock()


def _st():
    d = _tls.__dict__
    if "enabled" not in d:
        d.update(enabled={}, dtype={}, active=(), inside=False, cache_on=True, cache={}, nesting=0)
    return d


def _refresh_active(d):
    d["active"] = tuple((dev, d["dtype"].get(dev, _DEFAULT_DTYPE.get(dev))) for dev, on in d["enabled"].items() if on)


def is_autocast_available(device_type):
    if device_type not in _DEVICE_TYPES and device_type != "privateuseone":
        from .._device import device

        device(device_type)  # PyTorch's error for a string that is no device
    return device_type in ("cpu", "cuda")


def is_autocast_enabled(device_type=None):
    """`device_type=None` is CUDA, as PyTorch's legacy form."""
    return bool(_st()["enabled"].get("cuda" if device_type is None else device_type, False))


def set_autocast_enabled(device_type, enabled):
    d = _st()
    d["enabled"][device_type] = bool(enabled)
    _refresh_active(d)


def get_autocast_dtype(device_type):
    return _st()["dtype"].get(device_type, _DEFAULT_DTYPE.get(device_type, _dtype.float16))


def set_autocast_dtype(device_type, dtype):
    d = _st()
    d["dtype"][device_type] = dtype
    _refresh_active(d)


def is_autocast_cache_enabled():
    return _st()["cache_on"]


def set_autocast_cache_enabled(enabled):
    _st()["cache_on"] = bool(enabled)


def clear_autocast_cache():
    _st()["cache"].clear()


def _eligible(t, device):
    from .._tensor import Tensor

    return (
        isinstance(t, Tensor)
        and t.dtype.is_floating_point
        and t.dtype is not _dtype.float64
        and t.device.type == device
    )


def _cast_to(t, target, d):
    if t.dtype is target:
        return t
    if d["cache_on"] and target is not _dtype.float32 and t.requires_grad and t.is_leaf and t.dtype is _dtype.float32:
        hit = d["cache"].get(id(t))
        if hit is not None and hit[0] is t and hit[1].dtype is target:
            return hit[1]
        out = t.to(target)
        d["cache"][id(t)] = (t, out)
        return out
    return t.to(target)


def _map(value, fn):
    if isinstance(value, (list, tuple)) and value:
        return type(value)(fn(v) for v in value)
    return fn(value)


def _apply(policy, device, dtype, args, kwargs, d):
    """The arguments `policy` gives an op (see _cast_lists)."""
    if policy == "fp32_set_opt_dtype":
        if args and _eligible(args[0], device) and kwargs.get("dtype") is None:
            kwargs = {**kwargs, "dtype": _dtype.float32}
        return args, kwargs
    values = list(args) + list(kwargs.values())
    flat = [x for v in values for x in (v if isinstance(v, (list, tuple)) else (v,))]
    elig = [x for x in flat if _eligible(x, device)]
    if not elig:
        return args, kwargs
    if policy == "banned":
        raise RuntimeError(_cast_lists.BANNED_MESSAGE)
    if policy == "lower":
        target = dtype
    elif policy == "fp32":
        target = _dtype.float32
    else:  # promote
        target = dtype
        for x in elig:
            target = _dtype.promote_types(target, x.dtype)

    def cast(x):
        return _cast_to(x, target, d) if _eligible(x, device) else x

    return tuple(_map(a, cast) for a in args), {k: _map(v, cast) for k, v in kwargs.items()}


def _wrap(fn, pol):
    @functools.wraps(fn)
    def autocast_op(*args, **kwargs):
        d = _tls.__dict__
        active = d.get("active")
        if not active or d["inside"]:
            return fn(*args, **kwargs)
        for device, dtype in active:
            policy = pol.get(device)
            if policy is not None:
                args, kwargs = _apply(policy, device, dtype, args, kwargs, d)
        d["inside"] = True
        try:
            return fn(*args, **kwargs)
        finally:
            d["inside"] = False

    autocast_op._autocast_original = fn
    return autocast_op


def _usable_cuda():
    from .. import cuda

    return cuda.is_available()


class autocast:
    """Context manager / decorator: ops in the region run in mixed precision (module docstring)."""

    def __init__(self, device_type, dtype=None, enabled=True, cache_enabled=None):
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        self.fast_dtype = get_autocast_dtype(device_type) if dtype is None else dtype
        self.device = device_type
        if not is_autocast_available(device_type):
            raise RuntimeError(f"User specified an unsupported autocast device_type '{device_type}'")
        self._cache_enabled = is_autocast_cache_enabled() if cache_enabled is None else cache_enabled
        if enabled:
            if device_type == "cuda":
                if not _usable_cuda():
                    warnings.warn("CUDA is not available or torch_xla is imported. Disabling autocast.", stacklevel=2)
                    enabled = False
            elif self.fast_dtype not in (_dtype.bfloat16, _dtype.float16):
                warnings.warn(
                    "In CPU autocast, but the target dtype is not supported. Disabling autocast.\n"
                    "CPU Autocast only supports dtypes of torch.bfloat16, torch.float16 currently.",
                    stacklevel=2,
                )
                enabled = False
        self._enabled = enabled
        self._saved = []  # one entry per open use (a decorated function may recurse)

    def __enter__(self):
        d = _st()
        self._saved.append(
            (is_autocast_cache_enabled(), is_autocast_enabled(self.device), get_autocast_dtype(self.device))
        )
        d["enabled"][self.device] = self._enabled
        d["dtype"][self.device] = self.fast_dtype
        d["nesting"] += 1
        d["cache_on"] = self._cache_enabled
        _refresh_active(d)
        if self._enabled:
            with _users_lock:
                _users[0] += 1
                if _users[0] == 1:
                    _hook.install(_wrap)
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        d = _st()
        d["nesting"] -= 1
        if d["nesting"] == 0:
            d["cache"].clear()
        d["cache_on"], d["enabled"][self.device], d["dtype"][self.device] = self._saved.pop()
        _refresh_active(d)
        if self._enabled:
            with _users_lock:
                _users[0] -= 1
                if _users[0] == 0:
                    _hook.uninstall()
        return False

    def __call__(self, func):
        if not callable(func):
            raise TypeError(
                f"autocast()(func) requires a callable, but got {type(func).__name__}. "
                f"Did you mean to use autocast as a context manager? For example:\n"
                f"    with torch.autocast(device_type=...):\n"
                f"        output = model(input)"
            )

        @functools.wraps(func)
        def decorate_autocast(*args, **kwargs):
            with self:
                return func(*args, **kwargs)

        return decorate_autocast


def _cast_inputs(value, device_type, dtype):
    from .._tensor import Tensor

    if isinstance(value, Tensor):
        ok = value.is_floating_point() and value.device.type == device_type and value.dtype is not _dtype.float64
        return value.to(dtype) if ok else value
    if isinstance(value, dict):
        return {k: _cast_inputs(v, device_type, dtype) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast_inputs(v, device_type, dtype) for v in value)
    return value


def custom_fwd(fwd=None, *, device_type, cast_inputs=None):
    """Decorator for a custom Function's forward: records the autocast state for custom_bwd;
    with `cast_inputs`, inside autocast, casts floating tensors and runs with autocast off."""
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)

    @functools.wraps(fwd)
    def decorate_fwd(*args, **kwargs):
        args[0]._dtype = get_autocast_dtype(device_type)
        if cast_inputs is None:
            args[0]._fwd_used_autocast = is_autocast_enabled(device_type)
            return fwd(*args, **kwargs)
        args[0]._fwd_used_autocast = False
        if not is_autocast_enabled(device_type):
            return fwd(*args, **kwargs)
        with autocast(device_type=device_type, enabled=False):
            return fwd(*_cast_inputs(args, device_type, cast_inputs), **_cast_inputs(kwargs, device_type, cast_inputs))

    return decorate_fwd


def custom_bwd(bwd=None, *, device_type):
    """Decorator for a custom Function's backward: runs it with the forward's autocast state."""
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)

    @functools.wraps(bwd)
    def decorate_bwd(*args, **kwargs):
        with autocast(device_type=device_type, enabled=args[0]._fwd_used_autocast, dtype=args[0]._dtype):
            return bwd(*args, **kwargs)

    return decorate_bwd
