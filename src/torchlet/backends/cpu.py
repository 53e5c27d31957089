"""torchlet.backends.cpu"""

import os

# torchlet's own switch (PyTorch has none): float32 convolutions, and above one thread the
# float32 matrix products, run on oneDNN when `torchlet[onednn]` is installed (ops/_onednn.py).
# False, or TORCHLET_ONEDNN=0 in the environment, keeps them on NumPy (the reference).
use_onednn = os.environ.get("TORCHLET_ONEDNN", "1") != "0"


def get_cpu_capability():
    """NumPy picks its own SIMD kernels; torchlet dispatches none ('DEFAULT' in PyTorch's terms)."""
    return "DEFAULT"


def retain_freed_memory():
    """torchlet's own opt-in (PyTorch has none), also TORCHLET_RETAIN_FREED_MEMORY=1 at import:
    glibc keeps freed arrays of up to 256 MiB for reuse instead of returning them to the kernel
    (torchlet/_malloc.py says why and what it costs). True when applied."""
    from .._malloc import retain_freed_memory as apply

    return apply()
