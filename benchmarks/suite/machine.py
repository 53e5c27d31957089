"""What the figures were measured on: CPU model, cores, the BLAS NumPy and
PyTorch load and their thread counts (threadpoolctl, when installed)."""

import os
import platform


def cpu_model():
    """The CPU's marketing name (/proc/cpuinfo on Linux, else platform)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def physical_cores():
    """Distinct (physical id, core id) pairs of /proc/cpuinfo; None elsewhere."""
    try:
        with open("/proc/cpuinfo") as f:
            text = f.read()
    except OSError:
        return None
    cores, phys = set(), "0"
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip()
        if key == "physical id":
            phys = value.strip()
        elif key == "core id":
            cores.add((phys, value.strip()))
    return len(cores) or None


def blas():
    """threadpoolctl's view of the thread pools loaded in this process (BLAS,
    OpenMP): [{"internal_api", "version", "num_threads", "library"}]."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    return [
        {
            "user_api": p.get("user_api"),
            "internal_api": p.get("internal_api"),
            "version": p.get("version"),
            "num_threads": p.get("num_threads"),
            "architecture": p.get("architecture"),
            "library": os.path.basename(p.get("filepath", "")),
        }
        for p in threadpool_info()
    ]


def describe():
    return {
        "cpu": cpu_model(),
        "logical_cores": os.cpu_count(),
        "physical_cores": physical_cores(),
        "platform": platform.platform(),
        "blas": blas(),
    }
