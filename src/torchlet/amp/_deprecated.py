"""The deprecated per-device spellings `torch.cuda.amp.*` / `torch.cpu.amp.*`: subclasses of
torch.amp's classes that warn with PyTorch's FutureWarning text at the caller's line."""

import functools
import warnings

from .. import _dtype
from .autocast_mode import autocast as _autocast, custom_bwd as _custom_bwd, custom_fwd as _custom_fwd
from .grad_scaler import GradScaler as _GradScaler


def _warn(old, new):
    warnings.warn(f"`{old}` is deprecated. Please use `{new}` instead.", FutureWarning, stacklevel=3)


def autocast_class(device):
    default = _dtype.float16 if device == "cuda" else _dtype.bfloat16

    class autocast(_autocast):
        __doc__ = (
            f'``torch.{device}.amp.autocast(args...)`` is deprecated: use ``torch.amp.autocast("{device}", args...)``.'
        )

        def __init__(self, enabled=True, dtype=default, cache_enabled=True):
            _warn(f"torch.{device}.amp.autocast(args...)", f"torch.amp.autocast('{device}', args...)")
            super().__init__(device, enabled=enabled, dtype=dtype, cache_enabled=cache_enabled)

    autocast.__module__ = f"torchlet.{device}.amp.autocast_mode"
    return autocast


def grad_scaler_class(device):
    class GradScaler(_GradScaler):
        __doc__ = f'``torch.{device}.amp.GradScaler(args...)`` is deprecated: use ``torch.amp.GradScaler("{device}", args...)``.'

        def __init__(
            self, init_scale=2.0**16, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000, enabled=True
        ):
            _warn(f"torch.{device}.amp.GradScaler(args...)", f"torch.amp.GradScaler('{device}', args...)")
            super().__init__(
                device,
                init_scale=init_scale,
                growth_factor=growth_factor,
                backoff_factor=backoff_factor,
                growth_interval=growth_interval,
                enabled=enabled,
            )

    GradScaler.__module__ = f"torchlet.{device}.amp.grad_scaler"
    return GradScaler


def cuda_custom_fwd(fwd=None, *, cast_inputs=None):
    """``torch.cuda.amp.custom_fwd`` is deprecated: use ``torch.amp.custom_fwd(..., device_type='cuda')``."""
    _warn("torch.cuda.amp.custom_fwd(args...)", "torch.amp.custom_fwd(args..., device_type='cuda')")
    return functools.partial(_custom_fwd, device_type="cuda")(fwd=fwd, cast_inputs=cast_inputs)


def cuda_custom_bwd(bwd):
    """``torch.cuda.amp.custom_bwd`` is deprecated: use ``torch.amp.custom_bwd(..., device_type='cuda')``."""
    _warn("torch.cuda.amp.custom_bwd(args...)", "torch.amp.custom_bwd(args..., device_type='cuda')")
    return functools.partial(_custom_bwd, device_type="cuda")(bwd)
