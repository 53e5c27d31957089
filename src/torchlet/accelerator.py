"""torchlet.accelerator: PyTorch's device-agnostic accelerator API.

torchlet's only accelerator is CUDA through CuPy (optional). Without CuPy it is a
CPU-only build and answers as a CPU-only PyTorch build does: no current
accelerator, nothing available, zero devices, empty memory statistics, and
RuntimeError("Cannot access accelerator device when none is available.") from
every call that needs a device (current_device_index, synchronize, ...).
"""

from collections import OrderedDict

from ._device import device as _device

__all__ = [
    "current_accelerator",
    "current_device_idx",
    "current_device_index",
    "current_stream",
    "device_count",
    "device_index",
    "empty_cache",
    "get_device_capability",
    "get_memory_info",
    "is_available",
    "max_memory_allocated",
    "max_memory_reserved",
    "memory_allocated",
    "memory_reserved",
    "memory_stats",
    "reset_accumulated_memory_stats",
    "reset_peak_memory_stats",
    "set_device_idx",
    "set_device_index",
    "synchronize",
]

_NONE = "Cannot access accelerator device when none is available."


def _built():
    """CUDA is 'compiled in' when CuPy can be imported (looked up once)."""
    if not _BUILT:
        import importlib.util

        try:
            _BUILT.append(importlib.util.find_spec("cupy") is not None)
        except (ImportError, ValueError):
            _BUILT.append(False)
    return _BUILT[0]


_BUILT = []


def _cuda():
    from . import cuda

    return cuda


def current_accelerator(check_available=False):
    """The accelerator this build has (None for a CPU-only build)."""
    if not _built():
        return None
    if check_available and not is_available():
        return None
    return _device("cuda")


def is_available():
    return current_accelerator() is not None and _cuda().is_available()


def device_count():
    return _cuda().device_count() if current_accelerator() is not None else 0


def _require():
    if current_accelerator() is None:
        raise RuntimeError(_NONE)


def current_device_index():
    _require()
    return _cuda().current_device()


current_device_idx = current_device_index


def _index(device, optional):
    """PyTorch's _get_device_index: an int as is, a device of the accelerator's type, or
    (optional) the current index."""
    if isinstance(device, int):
        return device
    if isinstance(device, str):
        device = _device(device)
    index = None
    if isinstance(device, _device):
        acc = current_accelerator()
        if acc is None:
            raise RuntimeError("Accelerator expected")
        if acc.type != device.type:
            raise ValueError(f"{device.type} doesn't match the current accelerator {acc}.")
        index = device.index
    if index is None:
        if not optional:
            raise ValueError(f"Expected a torch.device with a specified index or an integer, but got:{device}")
        return current_device_index()
    return index


def set_device_index(device, /):
    _index(device, optional=False)
    _require()


set_device_idx = set_device_index


def synchronize(device=None, /):
    _index(device, optional=True)
    _require()
    _cuda().synchronize()


def current_stream(device=None, /):
    _index(device, optional=True)
    _require()
    raise RuntimeError("torchlet has no accelerator streams")


def get_device_capability(device=None, /):
    _index(device, optional=True)
    _require()
    from . import _dtype

    return {"supported_dtypes": set(_dtype.ALL)}


def get_memory_info(device=None, /):
    _index(device, optional=True)
    _require()
    import cupy

    return cupy.cuda.runtime.memGetInfo()


class device_index:
    """Context manager selecting a device index (None: no switch)."""

    def __init__(self, device, /):
        self.idx = device

    def __enter__(self):
        if self.idx is not None:
            _require()

    def __exit__(self, *exc):
        return False


def _allocator_initialized():
    return is_available() and "cupy" in __import__("sys").modules


def empty_cache():
    if _allocator_initialized():
        _cuda().empty_cache()


def memory_stats(device_index=None, /):
    """An empty dict until an accelerator allocator is in use (always, on a CPU-only build)."""
    if not _allocator_initialized():
        return OrderedDict()
    _index(device_index, optional=True)
    import cupy

    pool = cupy.get_default_memory_pool()
    return OrderedDict(
        [("allocated_bytes.all.current", pool.used_bytes()), ("reserved_bytes.all.current", pool.total_bytes())]
    )


def memory_allocated(device_index=None, /):
    return memory_stats(device_index).get("allocated_bytes.all.current", 0)


def max_memory_allocated(device_index=None, /):
    return memory_stats(device_index).get("allocated_bytes.all.peak", 0)


def memory_reserved(device_index=None, /):
    return memory_stats(device_index).get("reserved_bytes.all.current", 0)


def max_memory_reserved(device_index=None, /):
    return memory_stats(device_index).get("reserved_bytes.all.peak", 0)


def reset_accumulated_memory_stats(device_index=None, /):
    if _allocator_initialized():
        _index(device_index, optional=True)


def reset_peak_memory_stats(device_index=None, /):
    if _allocator_initialized():
        _index(device_index, optional=True)
