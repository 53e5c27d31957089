"""torchlet.cpu: the CPU device module (PyTorch's torch.cpu): always available, one device."""

__all__ = ["is_available", "device_count", "current_device", "set_device", "synchronize", "is_initialized", "amp"]


def is_available():
    return True


def device_count():
    return 1


def current_device():
    return "cpu"


def set_device(device):
    """Accepted and ignored, as in PyTorch: there is one CPU device."""


def synchronize(device=None):
    """CPU work is synchronous: nothing to wait for."""


def is_initialized():
    return True


def __getattr__(name):
    if name == "amp":
        import importlib

        return importlib.import_module(__name__ + ".amp")
    raise AttributeError(f"module 'torchlet.cpu' has no attribute '{name}'")
