"""save / load in PyTorch's checkpoint format, safe by default.

A checkpoint is an uncompressed zip: `<stem>/data.pkl` (protocol-2 pickle),
`<stem>/data/<key>` (raw bytes of each storage), `version`, `byteorder`.
Tensors pickle as `torch._utils._rebuild_tensor_v2(storage, offset, size,
stride, requires_grad, hooks)` with storages as persistent ids
`('storage', torch.FloatStorage, key, 'cpu', numel)`, so real PyTorch reads
our files and we read PyTorch's. Views of one array share one storage.

`load(weights_only=True)` (the default) unpickles through an allowlist of
what a weights file needs; any other global raises UnpicklingError before
anything runs. Writes go to a temporary file that is fsynced, then renamed.
"""
import collections
import io
import os
import pickle
import sys
import zipfile

import numpy as np

from . import _dtype
from ._atomic import atomic_open
from ._device import device as _device
from ._size import Size
from ._tensor import Tensor, wrap

__all__ = ["save", "load", "add_safe_globals", "get_safe_globals", "clear_safe_globals",
           "safe_globals"]

_STORAGE_NAMES = {"float32": "FloatStorage", "float64": "DoubleStorage", "float16": "HalfStorage",
                  "bfloat16": "BFloat16Storage", "int64": "LongStorage", "int32": "IntStorage",
                  "int16": "ShortStorage", "int8": "CharStorage", "uint8": "ByteStorage",
                  "bool": "BoolStorage", "complex64": "ComplexFloatStorage",
                  "complex128": "ComplexDoubleStorage"}
_STORAGE_DTYPES = {v: getattr(_dtype, k) for k, v in _STORAGE_NAMES.items()}


# ----- pickling as PyTorch ---------------------------------------------------
class _Global:
    """Stands for a global of the torch namespace when writing a pickle."""

    def __init__(self, module, name):
        self.module, self.name = module, name

    def __call__(self, *args):  # pickle requires reduce callables to be callable
        raise TypeError("placeholder")


def _storage_of(t):
    """(root array, element offset) of a tensor's memory when it can be shared,
    else (a contiguous copy, 0)."""
    a = t._data
    if type(a) is not np.ndarray:
        a = a.get()
    root = a
    while isinstance(root.base, np.ndarray):
        root = root.base
    if (root is not a and (root.dtype != a.dtype or not root.flags.c_contiguous or root.ndim != 1 and
                           not root.flags.owndata)) or 0 in a.strides and a.size > 1:
        root = a = np.ascontiguousarray(a)
    if not root.flags.c_contiguous:
        root = a = np.ascontiguousarray(a)
    if root is a:
        return root, 0, tuple(s // max(a.itemsize, 1) for s in a.strides)
    start = a.__array_interface__["data"][0] - root.__array_interface__["data"][0]
    return root, start // a.itemsize, tuple(s // a.itemsize for s in a.strides)


class _TorchPickler(pickle._Pickler):
    dispatch = dict(pickle._Pickler.dispatch)

    def __init__(self, file, storages):
        super().__init__(file, protocol=2)
        self._storages = storages  # id(root array) -> (key, root array, dtype)

    def save_torch_global(self, obj):
        self.write(pickle.GLOBAL + f"{obj.module}\n{obj.name}\n".encode())
        self.memoize(obj)
    dispatch[_Global] = save_torch_global

    def persistent_id(self, obj):
        if isinstance(obj, _StorageRef):
            return ("storage", _Global("torch", _STORAGE_NAMES[obj.dtype.name]), obj.key, "cpu", obj.numel)
        return None

    def save(self, obj, save_persistent_id=True):
        reduced = self._torch_reduce(obj)
        if reduced is not None:
            return self.save_reduce(*reduced, obj=obj)
        return super().save(obj, save_persistent_id)

    def _torch_reduce(self, obj):
        if isinstance(obj, Tensor):
            from .nn.parameter import Parameter
            if isinstance(obj, Parameter):
                return (_Global("torch._utils", "_rebuild_parameter"),
                        (obj.detach(), obj.requires_grad, collections.OrderedDict()))
            return self._tensor_reduce(obj)
        if isinstance(obj, Size):
            return (_Global("torch", "Size"), (tuple(obj),))
        if isinstance(obj, _device):
            return (_Global("torch", "device"), (str(obj),))
        return None

    def _tensor_reduce(self, t):
        root, offset, stride = _storage_of(t)
        entry = self._storages.get(id(root))
        if entry is None:
            entry = self._storages[id(root)] = (str(len(self._storages)), root)
        ref = _StorageRef(entry[0], t.dtype, root.size)
        return (_Global("torch._utils", "_rebuild_tensor_v2"),
                (ref, offset, tuple(t.shape), stride, t.requires_grad, collections.OrderedDict()))


class _StorageRef:
    def __init__(self, key, dtype, numel):
        self.key, self.dtype, self.numel = key, dtype, numel


def _save_dtype_global(pickler, obj):
    pickler.save_torch_global(_Global("torch", obj.name))


_TorchPickler.dispatch[_dtype.dtype] = _save_dtype_global


def _pickle_bytes(obj):
    buf = io.BytesIO()
    storages = {}
    _TorchPickler(buf, storages).dump(obj)
    return buf.getvalue(), storages


def _zip_write(zf, name, data, align=64):
    """Write an uncompressed record whose data starts on a 64-byte boundary
    (PyTorch memory-maps aligned records)."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    header = 30 + len(name.encode())
    pad = (-(zf.fp.tell() + header + 4)) % align
    info.extra = b"FB" + (pad).to_bytes(2, "little") + b"Z" * pad
    zf.writestr(info, data)


def _write_checkpoint(obj, fileobj, stem="archive"):
    data, storages = _pickle_bytes(obj)
    with zipfile.ZipFile(fileobj, "w", zipfile.ZIP_STORED) as zf:
        _zip_write(zf, f"{stem}/data.pkl", data)
        _zip_write(zf, f"{stem}/.format_version", b"1")
        _zip_write(zf, f"{stem}/.storage_alignment", b"64")
        _zip_write(zf, f"{stem}/byteorder", sys.byteorder.encode())
        for key, root in storages.values():
            arr = root if root.dtype.byteorder in "=|<" else root.astype(root.dtype.newbyteorder("<"))
            _zip_write(zf, f"{stem}/data/{key}", arr.tobytes())
        _zip_write(zf, f"{stem}/version", b"3\n")
        _zip_write(zf, f"{stem}/.data/serialization_id", b"0" * 40)


def save(obj, f, pickle_module=None, pickle_protocol=2, _use_new_zipfile_serialization=True,
         _disable_byteorder_record=False):
    """Write `obj` to a path (atomically) or a binary file object."""
    if isinstance(f, (str, os.PathLike)):
        stem = os.path.splitext(os.path.basename(os.fspath(f)))[0] or "archive"
        with atomic_open(f) as fh:
            _write_checkpoint(obj, fh, stem)
        return
    _write_checkpoint(obj, f)


# ----- loading ---------------------------------------------------------------
def _rebuild_tensor(storage, offset, size, stride, requires_grad=False, hooks=None, metadata=None):
    arr = storage
    itemsize = arr.itemsize
    if len(size) == 0 or np.prod(size) == 0:
        view = arr[offset:offset + (1 if len(size) == 0 else 0)].reshape(size) if arr.size else \
            np.zeros(size, arr.dtype)
    else:
        view = np.lib.stride_tricks.as_strided(arr[offset:], shape=tuple(size),
                                               strides=tuple(s * itemsize for s in stride))
    t = wrap(view)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _rebuild_parameter(data, requires_grad, hooks=None, state=None):
    from .nn.parameter import Parameter
    return Parameter(data, requires_grad)


def _rebuild_from_type_v2(func, new_type, args, state):
    return func(*args)


class _StorageType:
    def __init__(self, name):
        self.name = name
        self.dtype = _STORAGE_DTYPES[name]


def _torch_globals():
    """The torch names a checkpoint may refer to, mapped to torchlet objects."""
    g = {("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
         ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
         ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
         ("torch._tensor", "_rebuild_from_type_v2"): _rebuild_from_type_v2,
         ("collections", "OrderedDict"): collections.OrderedDict,
         ("torch", "Size"): Size, ("torch", "device"): _device,
         ("torch", "Tensor"): Tensor}
    for name in _STORAGE_NAMES.values():
        g[("torch", name)] = _StorageType(name)
    for d in _dtype.ALL:
        g[("torch", d.name)] = d
    for mod in ("torchlet", "torchlet._dtype"):
        g[(mod, "_by_name")] = _dtype._by_name
    g[("torchlet._size", "Size")] = Size
    g[("torchlet._device", "device")] = _device
    g[("builtins", "set")] = set
    g[("builtins", "frozenset")] = frozenset
    g[("builtins", "slice")] = slice
    g[("builtins", "complex")] = complex
    g[("builtins", "bytearray")] = bytearray
    g[("_codecs", "encode")] = __import__("codecs").encode
    return g


_SAFE = _torch_globals()
_USER_SAFE = {}


def add_safe_globals(safe_globals):
    """Allow more globals in weights_only loads (objects, or (object, "module.name") pairs)."""
    for item in safe_globals:
        if isinstance(item, tuple):
            obj, name = item
            mod, _, attr = name.rpartition(".")
        else:
            obj, mod, attr = item, item.__module__, item.__qualname__
        _USER_SAFE[(mod, attr)] = obj


def get_safe_globals():
    return list(_USER_SAFE.values())


def clear_safe_globals():
    _USER_SAFE.clear()


class safe_globals:
    def __init__(self, safe_globals):
        self._items = safe_globals

    def __enter__(self):
        self._saved = dict(_USER_SAFE)
        add_safe_globals(self._items)

    def __exit__(self, *exc):
        _USER_SAFE.clear()
        _USER_SAFE.update(self._saved)


def _map_torch_module(module):
    """torch.nn.modules.linear -> torchlet.nn.linear style renames for full-model loads."""
    if module == "torch" or module.startswith("torch."):
        rest = module[len("torch"):]
        rest = rest.replace(".nn.modules.", ".nn.")
        return "torchlet" + rest
    if module == "torchvision" or module.startswith("torchvision."):
        return "torchlet.vision" + module[len("torchvision"):].replace(".models.", ".models.")
    return module


class _Unpickler(pickle.Unpickler):
    def __init__(self, file, zf, prefix, weights_only, map_location):
        super().__init__(file)
        self._zf, self._prefix = zf, prefix
        self._weights_only = weights_only
        self._map_location = map_location
        self._loaded = {}

    def find_class(self, module, name):
        key = (module, name)
        if key in _SAFE:
            return _SAFE[key]
        if key in _USER_SAFE:
            return _USER_SAFE[key]
        if self._weights_only:
            raise pickle.UnpicklingError(
                "Weights only load failed. This file can still be loaded, to do so you have two options, "
                "do those steps only if you trust the source of the checkpoint. \n\t(1) Re-running "
                "`torchlet.load` with `weights_only` set to `False` will likely succeed, but it can result "
                "in arbitrary code execution. Do it only if you got the file from a trusted source.\n\t(2) "
                "Alternatively, to load with `weights_only=True` please check the recommended steps in the "
                f"following error message.\n\tWeightsUnpickler error: Unsupported global: GLOBAL "
                f"{module}.{name} was not an allowed global by default. Please use "
                f"`torchlet.serialization.add_safe_globals([{module}.{name}])` or the "
                f"`torchlet.serialization.safe_globals([{module}.{name}])` context manager to allowlist "
                "this global if you trust this class/function.")
        try:
            return super().find_class(module, name)
        except (ImportError, AttributeError):
            mapped = _map_torch_module(module)
            if mapped == module:
                raise
            return super().find_class(mapped, name)

    def persistent_load(self, pid):
        kind, stype, key, location, numel = pid[:5]
        if kind != "storage":
            raise pickle.UnpicklingError(f"unknown persistent id {kind!r}")
        dtype = stype.dtype if isinstance(stype, _StorageType) else None
        if dtype is None:
            raise pickle.UnpicklingError(f"unsupported storage type {stype!r}")
        if key not in self._loaded:
            raw = self._zf.read(f"{self._prefix}data/{key}")
            arr = np.frombuffer(raw, dtype=dtype.np.newbyteorder("<") if dtype.np.itemsize > 1 else dtype.np)
            self._loaded[key] = arr.astype(dtype.np, copy=True)
        return self._loaded[key]


def _open(f):
    if isinstance(f, (str, os.PathLike)):
        path = os.fspath(f)
        with open(path, "rb") as fh:
            return io.BytesIO(fh.read()), path
    return f, getattr(f, "name", "<file object>")


def load(f, map_location=None, pickle_module=None, *, weights_only=True, mmap=None, **pickle_load_args):
    """Read a checkpoint written by torchlet.save or torch.save."""
    if weights_only is None:
        weights_only = True
    fileobj, name = _open(f)
    try:
        zf = zipfile.ZipFile(fileobj)
    except zipfile.BadZipFile:
        raise RuntimeError(f"{name} is not a torchlet/PyTorch checkpoint (not a zip file, or truncated); "
                           "PyTorch's legacy non-zip format is not supported") from None
    with zf:
        pkl = [n for n in zf.namelist() if n.endswith("data.pkl")]
        if not pkl:
            raise RuntimeError(f"{name}: checkpoint has no data.pkl record")
        prefix = pkl[0][:-len("data.pkl")]
        try:
            data = zf.read(pkl[0])
        except (zipfile.BadZipFile, EOFError, OSError) as e:
            raise RuntimeError(f"{name}: checkpoint is corrupt or truncated ({e})") from None
        un = _Unpickler(io.BytesIO(data), zf, prefix, weights_only, map_location)
        try:
            result = un.load()
        except pickle.UnpicklingError:
            raise
        except (zipfile.BadZipFile, KeyError, EOFError) as e:
            raise RuntimeError(f"{name}: checkpoint is corrupt or truncated ({e})") from None
    return result


def _reduce_tensor(t):
    """Plain pickling (multiprocessing, copy): array + requires_grad."""
    data = t._data if type(t._data) is np.ndarray else t._data.get()
    return (_from_array, (np.ascontiguousarray(data) if data.base is not None else data, t._requires_grad))


def _from_array(array, requires_grad):
    t = wrap(array)
    if requires_grad:
        t.requires_grad_(True)
    return t
