"""torchlet.backends.cudnn: no cuDNN here (convolutions on CUDA run as im2col + cuBLAS GEMMs
through CuPy). The flags are recorded (programs set `benchmark` and `deterministic`, or
use `with flags(...)`) and change nothing."""

import contextlib
import sys

enabled = True
benchmark = False
benchmark_limit = 10
deterministic = False
allow_tf32 = True


def is_available():
    return False


def version():
    """None: cuDNN is not available (PyTorch's answer without it)."""
    return None


def is_acceptable(tensor):
    return False


_FLAGS = ("enabled", "benchmark", "benchmark_limit", "deterministic", "allow_tf32")


@contextlib.contextmanager
def flags(enabled=False, benchmark=False, benchmark_limit=10, deterministic=False, allow_tf32=True, **kwargs):
    """Set the flags inside the block, restore them after (PyTorch's defaults as arguments)."""
    mod = sys.modules[__name__]
    before = {name: getattr(mod, name) for name in _FLAGS}
    values = (enabled, benchmark, benchmark_limit, deterministic, allow_tf32)
    for name, value in zip(_FLAGS, values):
        setattr(mod, name, value)
    try:
        yield
    finally:
        for name, value in before.items():
            setattr(mod, name, value)
