"""torchlet.autograd: backward, grad, Function, grad modes, functional, gradcheck."""

from .grad_mode import (
    no_grad,
    enable_grad,
    set_grad_enabled,
    inference_mode,
    is_grad_enabled,
)
from . import graph
from .anomaly_mode import (
    detect_anomaly,
    set_detect_anomaly,
    is_anomaly_enabled,
    is_anomaly_check_nan_enabled,
)
from . import function
from .function import Function, once_differentiable
from ._api import backward, grad

__all__ = [
    "backward",
    "grad",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "inference_mode",
    "Function",
    "detect_anomaly",
    "set_detect_anomaly",
    "gradcheck",
    "gradgradcheck",
]
from .gradcheck import gradcheck, gradgradcheck
from . import functional

# tools-examples: `torch.autograd.profiler` is reachable after `import torch`; loaded on first use.
from .._lazy import lazy_getattr as _lazy_getattr

__getattr__ = _lazy_getattr(__name__, ("profiler", "forward_ad"))
