"""torchlet.amp: automatic mixed precision on CPU (autocast with bfloat16, GradScaler)."""

from .autocast_mode import (
    autocast,
    is_autocast_available,
    custom_fwd,
    custom_bwd,
    is_autocast_enabled,
    get_autocast_dtype,
)
from .grad_scaler import GradScaler

__all__ = ["autocast", "GradScaler", "is_autocast_available", "custom_fwd", "custom_bwd"]
