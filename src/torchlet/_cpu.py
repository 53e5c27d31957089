"""The CPU's vendor, where PyTorch's own numbers or speed depend on it: MKL (PyTorch's BLAS)
fuses multiply-adds on Intel CPUs, and oneDNN's kernels (tuned with MKL's) beat OpenBLAS's on
more shapes there."""

_INTEL = []


def intel():
    """Whether this is an Intel CPU (Linux's /proc/cpuinfo says GenuineIntel); False where unknown."""
    if not _INTEL:
        try:
            with open("/proc/cpuinfo") as f:
                _INTEL.append("GenuineIntel" in f.read(4096))
        except OSError:
            _INTEL.append(False)
    return _INTEL[0]
