"""torch.cpu.amp: the deprecated CPU spellings of torch.amp (each warns FutureWarning)."""

from ..amp._deprecated import autocast_class, grad_scaler_class

__all__ = ["autocast", "GradScaler"]

autocast = autocast_class("cpu")
GradScaler = grad_scaler_class("cpu")
