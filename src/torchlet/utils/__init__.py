"""torchlet.utils: `utils.data` is reachable after `import torchlet`, as in PyTorch
(loaded on first use); `utils.tensorboard` must be imported by name, as there."""

from .._lazy import lazy_getattr as _lazy_getattr, lazy_dir as _lazy_dir

_SUBMODULES = ("data", "checkpoint", "hooks", "benchmark", "model_zoo", "dlpack", "cpp_extension")
__getattr__ = _lazy_getattr(__name__, _SUBMODULES)
__dir__ = _lazy_dir(globals(), _SUBMODULES)
