"""torchlet.cuda: CUDA through CuPy when it is installed (`pip install torchlet[cuda]`) and sees a GPU.

Without CuPy torchlet is a CPU-only build and every call answers as a CPU-only PyTorch
build does (read from torch/cuda/__init__.py): `is_available()` False, `device_count()` 0,
memory statistics 0, seeds queued; calls that need the device raise AssertionError("Torch not
compiled with CUDA enabled") (PyTorch's `_lazy_init`), `device(i)` RuntimeError("PyTorch was
compiled without CUDA support"), `Stream()`/`Event()` RuntimeError("Tried to instantiate dummy
base class ..."). With CuPy installed but no GPU it answers as a CUDA build on a machine without
one: RuntimeError("No CUDA GPUs are available").

`import torchlet` never imports CuPy: it is imported on the first call that needs the device.
"""

from .. import _device as _dev
from .random import manual_seed, manual_seed_all, seed, seed_all, initial_seed
from .memory import (
    memory_allocated,
    max_memory_allocated,
    memory_reserved,
    max_memory_reserved,
    memory_stats,
    reset_peak_memory_stats,
    reset_max_memory_allocated,
    empty_cache,
    mem_get_info,
)
from .streams import Stream, Event, StreamContext, stream, current_stream, default_stream
from . import memory, nccl

__all__ = [
    "is_available",
    "is_initialized",
    "init",
    "device_count",
    "current_device",
    "set_device",
    "device",
    "device_of",
    "get_device_name",
    "get_device_capability",
    "get_device_properties",
    "is_bf16_supported",
    "synchronize",
    "Stream",
    "Event",
    "StreamContext",
    "stream",
    "current_stream",
    "default_stream",
    "manual_seed",
    "manual_seed_all",
    "seed",
    "seed_all",
    "initial_seed",
    "nccl",
] + memory.__all__

NOT_COMPILED = "Torch not compiled with CUDA enabled"
_PROBE = []  # [cupy or None], looked up once


def _cupy():
    """The cupy module when CuPy is installed and sees a GPU, else None (looked up once)."""
    if not _PROBE:
        from .. import accelerator

        cp = None
        if accelerator._built():
            try:
                import cupy

                cp = cupy if cupy.cuda.runtime.getDeviceCount() > 0 else None
            except Exception:  # no driver, or a broken install: not available, as PyTorch says
                cp = None
        _PROBE.append(cp)
    return _PROBE[0]


def _lazy_init():
    """torch.cuda._lazy_init for this build: the cupy module, or PyTorch's error."""
    cp = _cupy()
    if cp is None:
        from .. import accelerator

        if not accelerator._built():
            raise AssertionError(NOT_COMPILED)
        raise RuntimeError("No CUDA GPUs are available")
    from .. import _backends_cupy

    _backends_cupy.register()
    return cp


def _index(dev, optional=False):
    """A device index from an int, 'cuda:N', torch.device or None (the current device when
    `optional`; -1 when CUDA is unavailable, as PyTorch's _get_device_index gives)."""
    if isinstance(dev, str):
        dev = _dev.device(dev)
    if isinstance(dev, _dev.device):
        if dev.type != "cuda":
            raise ValueError(f"Expected a cuda device, but got: {dev}")
        dev = dev.index
    if dev is None:
        if not optional:
            raise ValueError(f"Expected a torch.device with a specified index or an integer, but got:{dev}")
        return current_device() if is_available() else -1
    if not isinstance(dev, int) or isinstance(dev, bool):
        raise ValueError(f"Expected a torch.device with a specified index or an integer, but got:{dev}")
    return dev


def is_available():
    return _cupy() is not None


def is_initialized():
    from .. import _backends_cupy

    return _backends_cupy.registered()


def init():
    _lazy_init()


def device_count():
    cp = _cupy()
    return cp.cuda.runtime.getDeviceCount() if cp is not None else 0


def current_device():
    return _lazy_init().cuda.runtime.getDevice()


def set_device(device):
    """Select the current device; a negative index is a no-op."""
    idx = _index(device)
    if idx < 0:
        return
    from .. import accelerator

    if not accelerator._built():  # a CPU-only PyTorch has no torch._C._cuda_setDevice
        raise AttributeError(f"module 'torch._C' has no attribute '_cuda_setDevice' ({NOT_COMPILED})")
    _lazy_init().cuda.Device(idx).use()


def _exchange(idx):
    """Make `idx` current and return the previous index (-1 and nothing done for idx < 0)."""
    if idx is None or idx < 0:
        return -1
    from .. import accelerator

    if not accelerator._built():
        raise RuntimeError("PyTorch was compiled without CUDA support")
    cp = _lazy_init()
    prev = cp.cuda.runtime.getDevice()
    if prev != idx:
        cp.cuda.Device(idx).use()
    return prev


class device:
    """Context manager selecting the current CUDA device (a negative index or None: no-op)."""

    def __init__(self, device):
        self.idx = _index(device, optional=True) if device is not None else -1
        self.prev_idx = -1

    def __enter__(self):
        self.prev_idx = _exchange(self.idx)

    def __exit__(self, *exc):
        _exchange(self.prev_idx)
        return False


class device_of(device):
    """Context manager selecting the device of a tensor (no-op for a CPU tensor)."""

    def __init__(self, obj):
        super().__init__(obj.get_device() if obj.is_cuda else -1)


class _CudaDeviceProperties:
    """What get_device_properties returns: PyTorch's field names, read from CuPy."""

    def __init__(self, props, idx):
        self.name = props["name"].decode() if isinstance(props["name"], bytes) else props["name"]
        self.major = props["major"]
        self.minor = props["minor"]
        self.total_memory = props["totalGlobalMem"]
        self.multi_processor_count = props["multiProcessorCount"]
        self.is_integrated = props.get("integrated", 0)
        self.is_multi_gpu_board = props.get("isMultiGpuBoard", 0)
        self.L2_cache_size = props.get("l2CacheSize", 0)
        self.max_threads_per_multi_processor = props.get("maxThreadsPerMultiProcessor", 0)
        self.warp_size = props.get("warpSize", 32)
        self.index = idx

    def __repr__(self):
        return (
            f"_CudaDeviceProperties(name='{self.name}', major={self.major}, minor={self.minor}, "
            f"total_memory={self.total_memory // (1024 * 1024)}MB, "
            f"multi_processor_count={self.multi_processor_count}, L2_cache_size={self.L2_cache_size // (1024 * 1024)}MB)"
        )


def get_device_properties(device=None):
    cp = _lazy_init()
    idx = _index(device, optional=True)
    if idx < 0 or idx >= device_count():
        raise AssertionError("Invalid device id")
    return _CudaDeviceProperties(cp.cuda.runtime.getDeviceProperties(idx), idx)


def get_device_name(device=None):
    return get_device_properties(device).name


def get_device_capability(device=None):
    prop = get_device_properties(device)
    return prop.major, prop.minor


def is_bf16_supported(including_emulation=True):
    """False: CuPy has no bfloat16 arrays, so this build cannot make a bfloat16 CUDA tensor
    (PyTorch's own probe, creating one, would fail the same way)."""
    return False


def synchronize(device=None):
    """Wait for every kernel on the device to finish."""
    cp = _lazy_init()
    with globals()["device"](device):
        cp.cuda.runtime.deviceSynchronize()


def __getattr__(name):
    if name == "amp":  # torch.cuda.amp, loaded on first use
        import importlib

        return importlib.import_module(__name__ + ".amp")
    raise AttributeError(f"module 'torchlet.cuda' has no attribute '{name}'")
