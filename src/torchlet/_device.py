"""Devices and the array namespace behind each: cpu -> NumPy, cuda -> CuPy.

Ops never import NumPy for computing; they ask `namespace(array)` (or
`tensor._xp`) for the module that owns the array, so a CuPy array runs on
CuPy unchanged. CuPy's namespace (`_backends_cupy`) is registered the first
time a cuda device is used; `import torchlet` does not import CuPy.
"""

import numpy as np

__all__ = ["device", "set_default_device", "get_default_device"]


class device:
    __slots__ = ("type", "index")

    def __init__(self, type, index=None):
        if isinstance(type, device):
            type, index = type.type, type.index
        elif isinstance(type, int):
            type, index = "cuda", type
        elif ":" in type:
            type, _, idx = type.partition(":")
            index = int(idx)
        if type not in ("cpu", "cuda", "meta", "mps") and type not in _BACKENDS:
            raise RuntimeError("Expected one of cpu, cuda, mps, meta device type at start of device string: " + type)
        self.type = type
        self.index = index

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and self.type == other.type and self.index == other.index

    def __hash__(self):
        return hash((self.type, self.index))

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __reduce__(self):
        return (device, (self.type, self.index))

    def __enter__(self):
        """`with torch.device("meta"):` factories inside create on this device (as set_default_device)."""
        _device_stack.append(_default_device[0])
        set_default_device(self)
        return self

    def __exit__(self, *exc):
        _default_device[0] = _device_stack.pop()


_Device = device  # the class, where a parameter is named `device`
CPU = device("cpu")
_NAMESPACES = {np.ndarray: np}
_BACKENDS = {}  # device type -> array namespace, for register_backend's extra devices


def register_backend(type, array_class, xp):
    """Add a device type whose arrays are `array_class`, computed on by namespace `xp`
    (`xp.device_type` names the type). torchlet.testing._fake_backend registers one."""
    _BACKENDS[type] = xp
    _NAMESPACES[array_class] = xp


def namespace(array):
    """The array module (numpy, cupy) that owns `array`."""
    return _NAMESPACES.get(type(array), np)


def device_of(array):
    if type(array) is np.ndarray:
        return CPU
    ns = namespace(array)  # vmap's batched arrays: their namespace says (torchlet.func)
    extra = getattr(ns, "device_type", None)
    if extra is not None:
        return device(extra, getattr(ns, "device_index", 0))
    if ns is np or getattr(ns, "is_cpu", False):
        return CPU
    return device("cuda", array.device.id)  # a CuPy array knows its GPU


def writeable(array):
    """NumPy's `flags.writeable`; CuPy's flags have no such field (its arrays are always writeable)."""
    return getattr(array.flags, "writeable", True)


def host(array):
    """`array` as a NumPy array (the one device -> host copy; no copy for NumPy's own)."""
    if type(array) is np.ndarray:
        return array
    return np.asarray(array.get() if hasattr(array, "get") else array)


def data_ptr(array):
    """The address of `array`'s first element: NumPy's __array_interface__, CuPy's
    device pointer (cupy.ndarray has no __array_interface__)."""
    iface = getattr(array, "__array_interface__", None)
    return iface["data"][0] if iface is not None else array.data.ptr


_default_device = [None]  # set_default_device: None means cpu
_device_stack = []  # the defaults `with device(...)` blocks replaced, innermost last


def set_default_device(device):
    """The device creation ops use when given none (None: back to cpu). Creation on a cuda
    default raises the same error as device="cuda" when CUDA is unavailable."""
    if device is None:
        _default_device[0] = None
        return
    dev = device if isinstance(device, _Device) else _Device(device)
    _default_device[0] = None if dev == CPU else dev


def get_default_device():
    """torch.get_default_device: device('cpu') unless set_default_device chose another."""
    dev = _default_device[0]
    if dev is None:
        return CPU
    if dev.type == "cuda" and dev.index is None:
        namespace_for(dev)  # the "no CUDA" error, as PyTorch's probe tensor raises
        return _Device("cuda", 0)
    return dev


def namespace_for(dev):
    """The array module for a device (cuda: CuPy's, registered on first use); None: the default device."""
    if dev is None:
        dev = _default_device[0]
        if dev is None:
            return np
    dev = dev if isinstance(dev, device) else device(dev)
    if dev.type == "cpu":
        return np
    if dev.type in _BACKENDS:
        return _BACKENDS[dev.type]
    if dev.type == "cuda":
        from . import cuda

        cuda._lazy_init()  # CPU-only build: AssertionError("Torch not compiled with CUDA enabled")
        return _BACKENDS["cuda"]
    if dev.type == "meta":
        from ._meta import meta_np

        return meta_np
    raise RuntimeError(f"device type '{dev.type}' is not supported by torchlet")
