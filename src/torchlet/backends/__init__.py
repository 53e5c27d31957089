"""torchlet.backends: the build probes PyTorch programs check before choosing a device
or a kernel. torchlet computes with NumPy (and CuPy for CUDA when installed): it has
no cuDNN, MPS, oneDNN (mkldnn), MKL or OpenMP kernels of its own, so those report
not available/not built, and their flags are accepted and recorded only."""

from .._lazy import lazy_getattr as _lazy_getattr, lazy_dir as _lazy_dir

_SUBMODULES = ("cpu", "cuda", "cudnn", "mps", "mkl", "mkldnn", "openmp", "opt_einsum")
__getattr__ = _lazy_getattr(__name__, _SUBMODULES)
__dir__ = _lazy_dir(globals(), _SUBMODULES)
