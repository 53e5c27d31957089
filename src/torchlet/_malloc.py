"""An opt-in for glibc's allocator (Linux): keep freed large arrays in the process's heap.

By default glibc hands every block above its mmap threshold (128 KiB, rising with use to at most
32 MiB) straight back to the kernel when it is freed, so the next array of that size is fresh
memory again: every page of it faults on first write, and NumPy asks for transparent huge pages
on arrays of 4 MiB and more, whose faults can stop for compaction. A CNN's activations are such
arrays, made and freed on every step: CIFAR's first convolution (64 x 32 x 32 x 32 floats, 8 MiB)
took 24 ms after the rest of the model had run and 2 ms when run alone, on two threads of this
2-core machine (oneDNN's two threads fault on the same pages at once).

retain_freed_memory() raises the mmap threshold (blocks below it come from the heap and go
back to it) and the trim threshold (how much free heap stays with the process), so freed
activations are reused. The process keeps up to TRIM_THRESHOLD of freed memory: its resident
size stays at its peak, which is why this is not the default (no process-global change at import).
PyTorch's own CPU allocator is plain malloc too, so the setting applies to it in the same process.
"""

import ctypes
import sys

_M_TRIM_THRESHOLD = -1  # glibc's malloc.h
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLDS = (1 << 28, 1 << 25)  # 256 MiB; 32 MiB where an older glibc refuses more
TRIM_THRESHOLD = 1 << 30  # 1 GiB


def retain_freed_memory():
    """Keep freed blocks of up to 256 MiB in the heap for reuse (glibc); True when applied,
    False where the C library has no mallopt (macOS, Windows, musl's stub)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    if not any(mallopt(_M_MMAP_THRESHOLD, size) for size in MMAP_THRESHOLDS):
        return False
    return mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1
