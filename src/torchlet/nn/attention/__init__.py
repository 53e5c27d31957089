"""torchlet.nn.attention: choosing the scaled_dot_product_attention backend.

PyTorch has several kernels behind F.scaled_dot_product_attention; on a CPU it can use the
math one and a fused "flash" one. torchlet computes attention one way (softmax(QK^T s + M) V
from Tensor ops) and reports PyTorch's CPU errors for the same choices: with only the
EFFICIENT/CUDNN backends enabled nothing can run; with FLASH alone the call must fit the CPU
flash kernel (3-D or 4-D inputs, no dropout, value head size equal to the query's).
"""

import contextlib
import enum

from ...backends import cuda as _cuda

__all__ = ["SDPBackend", "sdpa_kernel", "WARN_FOR_UNFUSED_KERNELS"]

WARN_FOR_UNFUSED_KERNELS = False


class SDPBackend(enum.IntEnum):
    """The attention kernels PyTorch knows (values as torch._C._SDPBackend)."""

    ERROR = -1
    MATH = 0
    FLASH_ATTENTION = 1
    EFFICIENT_ATTENTION = 2
    CUDNN_ATTENTION = 3
    OVERRIDEABLE = 4

    def __str__(self):
        return f"SDPBackend.{self.name}"


_FLAGS = {
    SDPBackend.MATH: "math",
    SDPBackend.FLASH_ATTENTION: "flash",
    SDPBackend.EFFICIENT_ATTENTION: "mem_efficient",
    SDPBackend.CUDNN_ATTENTION: "cudnn",
    SDPBackend.OVERRIDEABLE: "overrideable",
}


@contextlib.contextmanager
def sdpa_kernel(backends, set_priority=False):
    """Enable only `backends` (one SDPBackend or a list) inside the block."""
    if not isinstance(backends, (list, SDPBackend)):
        raise AssertionError(
            "Backend must be an instance of SDPBackend or a list of SDPBackend "
            f"instances, got {type(backends).__name__}"
        )
    if isinstance(backends, SDPBackend):
        backends = [backends]
    chosen = set(backends)
    before = dict(_cuda._sdp)
    try:
        for backend, flag in _FLAGS.items():
            _cuda._sdp[flag] = backend in chosen
        yield {}
    finally:
        _cuda._sdp.clear()
        _cuda._sdp.update(before)


def _check_backend(query, key, value, dropout_p):
    """PyTorch's CPU backend choice: math if enabled, else the flash kernel if it fits."""
    sdp = _cuda._sdp
    if sdp.get("math", True):
        return
    if not sdp.get("flash", True):
        raise RuntimeError(
            "No viable backend for scaled_dot_product_attention was found. This is "
            "likely due to turning off both the math kernel and the fused kernels."
        )
    fits = (
        query.dim() in (3, 4)
        and key.dim() == query.dim()
        and value.dim() == query.dim()
        and dropout_p == 0.0
        and value.shape[-1] == query.shape[-1]
    )
    if not fits:
        raise RuntimeError("No available kernel.  Aborting execution.")
