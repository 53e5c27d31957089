"""CUDA memory statistics from CuPy's default memory pool.

allocated = bytes in arrays alive (`pool.used_bytes()`), reserved = bytes the pool holds from
the driver (`pool.total_bytes()`), peak = the largest allocated seen since the last reset,
tracked by the allocation function installed with the backend (_backends_cupy.py). Before
CUDA is initialised (and on a CPU-only build) every statistic is 0 and empty_cache does
nothing, as in PyTorch."""

__all__ = [
    "memory_allocated",
    "max_memory_allocated",
    "memory_reserved",
    "max_memory_reserved",
    "memory_stats",
    "reset_peak_memory_stats",
    "reset_max_memory_allocated",
    "empty_cache",
    "mem_get_info",
]

_peak = {"allocated": 0, "reserved": 0}


def _pool():
    """CuPy's default pool once the backend is registered, else None."""
    from .. import _backends_cupy

    if not _backends_cupy.registered():
        return None
    import cupy

    return cupy.get_default_memory_pool()


def note_allocation(pool):
    """Update the peaks from the pool (memory_stats; the allocation function does it inline)."""
    used, total = pool.used_bytes(), pool.total_bytes()
    if used > _peak["allocated"]:
        _peak["allocated"] = used
    if total > _peak["reserved"]:
        _peak["reserved"] = total


def memory_stats(device=None):
    pool = _pool()
    if pool is None:
        return {}
    note_allocation(pool)
    return {
        "allocated_bytes.all.current": pool.used_bytes(),
        "allocated_bytes.all.peak": _peak["allocated"],
        "reserved_bytes.all.current": pool.total_bytes(),
        "reserved_bytes.all.peak": _peak["reserved"],
    }


def memory_allocated(device=None):
    return memory_stats(device).get("allocated_bytes.all.current", 0)


def max_memory_allocated(device=None):
    return memory_stats(device).get("allocated_bytes.all.peak", 0)


def memory_reserved(device=None):
    return memory_stats(device).get("reserved_bytes.all.current", 0)


def max_memory_reserved(device=None):
    return memory_stats(device).get("reserved_bytes.all.peak", 0)


def reset_peak_memory_stats(device=None):
    """Restart the peaks from the current figures."""
    from .. import accelerator

    if not accelerator._built():  # a CPU-only PyTorch has no torch._C._cuda_resetPeakMemoryStats
        raise AttributeError("module 'torch._C' has no attribute '_cuda_resetPeakMemoryStats'")
    pool = _pool()
    if pool is None:
        from . import _lazy_init

        _lazy_init()
        pool = _pool()
    _peak["allocated"], _peak["reserved"] = pool.used_bytes(), pool.total_bytes()


reset_max_memory_allocated = reset_peak_memory_stats


def empty_cache():
    """Give the pool's unused blocks back to the driver."""
    pool = _pool()
    if pool is not None:
        pool.free_all_blocks()


def mem_get_info(device=None):
    """(free, total) bytes on the device, from the driver."""
    from . import _lazy_init

    return _lazy_init().cuda.runtime.memGetInfo()
