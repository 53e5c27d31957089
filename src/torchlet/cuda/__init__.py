"""torchlet.cuda: CUDA through CuPy when it is installed and sees a GPU."""

__all__ = [
    "is_available",
    "device_count",
    "synchronize",
    "Event",
    "current_device",
    "manual_seed",
    "manual_seed_all",
    "empty_cache",
    "get_device_name",
]


def _cupy():
    try:
        import cupy

        return cupy if cupy.cuda.runtime.getDeviceCount() > 0 else None
    except Exception:  # no CuPy, or no driver/GPU
        return None


def is_available():
    return _cupy() is not None


def device_count():
    cp = _cupy()
    return cp.cuda.runtime.getDeviceCount() if cp is not None else 0


def current_device():
    if not is_available():
        raise RuntimeError("Torch not compiled with CUDA enabled")
    return 0


def get_device_name(device=None):
    cp = _cupy()
    if cp is None:
        raise RuntimeError("Torch not compiled with CUDA enabled")
    return cp.cuda.runtime.getDeviceProperties(0)["name"].decode()


def synchronize(device=None):
    cp = _cupy()
    if cp is not None:
        cp.cuda.Device().synchronize()


def manual_seed(seed):
    cp = _cupy()
    if cp is not None:
        cp.random.seed(seed)


manual_seed_all = manual_seed


def empty_cache():
    cp = _cupy()
    if cp is not None:
        cp.get_default_memory_pool().free_all_blocks()


class Event:
    """A timing event; on the CPU it records wall-clock time."""

    def __init__(self, enable_timing=False, blocking=False, interprocess=False):
        self._t = None

    def record(self, stream=None):
        import time

        synchronize()
        self._t = time.perf_counter()

    def synchronize(self):
        synchronize()

    def query(self):
        return True

    def elapsed_time(self, end_event):
        return (end_event._t - self._t) * 1000.0


def __getattr__(name):
    if name == "amp":  # torch.cuda.amp, loaded on first use
        import importlib

        return importlib.import_module(__name__ + ".amp")
    raise AttributeError(f"module 'torchlet.cuda' has no attribute '{name}'")
