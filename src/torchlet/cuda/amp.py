"""torch.cuda.amp: the deprecated CUDA spellings of torch.amp (each warns FutureWarning)."""

from ..amp._deprecated import autocast_class, cuda_custom_bwd, cuda_custom_fwd, grad_scaler_class

__all__ = ["amp_definitely_not_available", "autocast", "custom_bwd", "custom_fwd", "GradScaler"]

autocast = autocast_class("cuda")
GradScaler = grad_scaler_class("cuda")
custom_fwd = cuda_custom_fwd
custom_bwd = cuda_custom_bwd


def amp_definitely_not_available():
    from . import is_available

    return not is_available()
