"""torchlet.autograd: backward, grad, Function, grad modes, functional, gradcheck."""
from .grad_mode import (no_grad, enable_grad, set_grad_enabled, inference_mode,  # noqa: F401
                        is_grad_enabled)
from . import graph  # noqa: F401
from .anomaly_mode import (detect_anomaly, set_detect_anomaly, is_anomaly_enabled,  # noqa: F401
                           is_anomaly_check_nan_enabled)
from . import function  # noqa: F401
from .function import Function, once_differentiable  # noqa: F401
from ._api import backward, grad  # noqa: F401

__all__ = ["backward", "grad", "no_grad", "enable_grad", "set_grad_enabled", "inference_mode",
           "Function", "detect_anomaly", "set_detect_anomaly", "gradcheck", "gradgradcheck"]
from .gradcheck import gradcheck, gradgradcheck  # noqa: E402,F401
from . import functional  # noqa: E402,F401

# tools-examples: `torch.autograd.profiler` is reachable after `import torch`; loaded on first use.
from .._lazy import lazy_getattr as _lazy_getattr  # noqa: E402
__getattr__ = _lazy_getattr(__name__, ("profiler", "forward_ad"))
