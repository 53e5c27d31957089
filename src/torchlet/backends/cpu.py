"""torchlet.backends.cpu"""

import os

# torchlet's own switch (PyTorch has none): float32/float64 products of NumPy arrays run on
# BLIS when the `blis` package is installed (backends/_gemm.py). False, or TORCHLET_BLAS=numpy
# in the environment, keeps every product on NumPy's matmul (the reference path).
use_blis = os.environ.get("TORCHLET_BLAS", "").lower() != "numpy"


def get_cpu_capability():
    """NumPy picks its own SIMD kernels; torchlet dispatches none ('DEFAULT' in PyTorch's terms)."""
    return "DEFAULT"
