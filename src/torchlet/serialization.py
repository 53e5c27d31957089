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
import warnings
import zipfile

import numpy as np

from . import _checkpoint, _dtype, _weights_only
from ._atomic import atomic_open
from ._device import device as _device
from ._size import Size
from ._tensor import Tensor, wrap

__all__ = ["save", "load", "add_safe_globals", "get_safe_globals", "clear_safe_globals", "safe_globals"]

_STORAGE_NAMES = _checkpoint.STORAGE_NAMES
add_safe_globals = _weights_only.add_safe_globals
get_safe_globals = _weights_only.get_safe_globals
clear_safe_globals = _weights_only.clear_safe_globals
safe_globals = _weights_only.safe_globals


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
    if (
        (
            root is not a
            and (root.dtype != a.dtype or not root.flags.c_contiguous or root.ndim != 1 and not root.flags.owndata)
        )
        or 0 in a.strides
        and a.size > 1
    ):
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
            return ("storage", _Global("torch", _STORAGE_NAMES[obj.dtype.name]), obj.key, obj.location, obj.numel)
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
                return (
                    _Global("torch._utils", "_rebuild_parameter"),
                    (obj.detach(), obj.requires_grad, collections.OrderedDict()),
                )
            return self._tensor_reduce(obj)
        if isinstance(obj, Size):
            return (_Global("torch", "Size"), (tuple(obj),))
        if isinstance(obj, _device):
            return (_Global("torch", "device"), (str(obj),))
        return None

    def _tensor_reduce(self, t):
        if t.device.type == "meta":  # no storage: dtype, size, (contiguous) stride
            stride = tuple(int(x) for x in np.cumprod((1,) + tuple(t.shape[:0:-1]))[::-1]) if t.dim() else ()
            return (
                _Global("torch._utils", "_rebuild_meta_tensor_no_storage"),
                (t.dtype, tuple(t.shape), stride, t.requires_grad),
            )
        root, offset, stride = _storage_of(t)
        entry = self._storages.get(id(root))
        if entry is None:
            entry = self._storages[id(root)] = (str(len(self._storages)), root)
        ref = _StorageRef(entry[0], t.dtype, root.size, str(t.device))
        return (
            _Global("torch._utils", "_rebuild_tensor_v2"),
            (ref, offset, tuple(t.shape), stride, t.requires_grad, collections.OrderedDict()),
        )


class _StorageRef:
    """A storage in the pickle: its record key, dtype, size and location ("cpu", "cuda:0"),
    the device it is restored on unless map_location says otherwise."""

    def __init__(self, key, dtype, numel, location="cpu"):
        self.key, self.dtype, self.numel, self.location = key, dtype, numel, location


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


def save(
    obj, f, pickle_module=None, pickle_protocol=2, _use_new_zipfile_serialization=True, _disable_byteorder_record=False
):
    """Write `obj` to a path (atomically) or a binary file object."""
    if isinstance(f, (str, os.PathLike)):
        stem = os.path.splitext(os.path.basename(os.fspath(f)))[0] or "archive"
        with atomic_open(f) as fh:
            _write_checkpoint(obj, fh, stem)
        return
    _write_checkpoint(obj, f)


# ----- loading ---------------------------------------------------------------
def _rebuild_parameter(data, requires_grad, hooks=None, state=None):
    from .nn.parameter import Parameter

    if not isinstance(data, Tensor):
        raise TypeError(f"_rebuild_parameter: expected a tensor, got {type(data).__name__}")
    return Parameter(data, bool(requires_grad))


def _rebuild_meta_tensor_no_storage(dtype, size, stride, requires_grad):
    from .ops.creation import empty

    if not isinstance(dtype, _dtype.dtype):
        raise TypeError(f"_rebuild_meta_tensor_no_storage: expected a dtype, got {type(dtype).__name__}")
    return empty(tuple(size), dtype=dtype, device="meta", requires_grad=bool(requires_grad))


def _rebuild_from_type_v2(func, new_type, args, state):
    """A tensor (sub)class: its rebuild call; the type is kept only for Tensor and Parameter."""
    if type(args) is not tuple:
        raise TypeError(f"_rebuild_from_type_v2: args must be a tuple, got {type(args).__name__}")
    if func not in (
        _checkpoint.rebuild_tensor,
        _checkpoint.rebuild_tensor_v1,
        _rebuild_parameter,
        _rebuild_meta_tensor_no_storage,
    ):
        raise pickle.UnpicklingError(f"_rebuild_from_type_v2 can only call a tensor rebuild function, got {func}")
    result = func(*args)
    from .nn.parameter import Parameter

    if new_type is Parameter and isinstance(result, Tensor) and not isinstance(result, Parameter):
        result = Parameter(result, result.requires_grad)
    return result


def _bytearray(*args):
    """builtins.bytearray for pickles: from bytes only (bytearray(10**12) would allocate)."""
    if len(args) > 1 or (args and not isinstance(args[0], (bytes, bytearray, list))):
        raise pickle.UnpicklingError("bytearray in a checkpoint must be built from bytes")
    return bytearray(*args)


def _encode(obj, encoding="utf-8", errors="strict"):
    """_codecs.encode as protocol-2 pickles use it for bytes: str -> latin1 bytes only."""
    if not isinstance(obj, str) or encoding not in ("latin1", "latin-1", "utf-8", "utf8", "ascii"):
        raise pickle.UnpicklingError("_codecs.encode in a checkpoint must encode a str as latin1")
    return obj.encode(encoding, errors)


def _torch_globals():
    """The globals a weights-only checkpoint may name ("module.name"), mapped to torchlet objects."""
    from .nn.parameter import Parameter

    g = {
        "torch._utils._rebuild_tensor_v2": _checkpoint.rebuild_tensor,
        "torch._utils._rebuild_tensor": _checkpoint.rebuild_tensor_v1,
        "torch._utils._rebuild_parameter": _rebuild_parameter,
        "torch._utils._rebuild_parameter_with_state": _rebuild_parameter,
        "torch._utils._rebuild_meta_tensor_no_storage": _rebuild_meta_tensor_no_storage,
        "torch._tensor._rebuild_from_type_v2": _rebuild_from_type_v2,
        "torch.nn.parameter.Parameter": Parameter,
        "collections.OrderedDict": collections.OrderedDict,
        "collections.Counter": collections.Counter,
        "torch.Size": Size,
        "torch.device": _device,
        "torch.Tensor": Tensor,
        "builtins.set": set,
        "builtins.complex": complex,
        "builtins.bytearray": _bytearray,
        "_codecs.encode": _encode,
    }
    for name, stype in _checkpoint.STORAGE_TYPES.items():
        g[f"torch.{name}"] = stype
    for d in _dtype.ALL:
        g[f"torch.{d.name}"] = d
    for mod in ("torchlet", "torchlet._dtype"):
        g[f"{mod}._by_name"] = _dtype._by_name
    g["torchlet._size.Size"] = Size
    g["torchlet._device.device"] = _device
    return g


def _no_tensor_iteration(func, args):
    """A container built from a tensor would iterate it element by element (a stride-0 view of
    2**40 elements is a few bytes in the file): no weights file does that, so it is refused."""
    if func in (set, collections.Counter, collections.OrderedDict, Size, _bytearray) and any(
        isinstance(a, Tensor) for a in args
    ):
        raise pickle.UnpicklingError(f"refusing to build {getattr(func, '__name__', func)} from a tensor")


_SAFE = None


def _safe():
    global _SAFE
    if _SAFE is None:
        _SAFE = _torch_globals()
    return _SAFE


def _map_torch_module(module):
    """torch.nn.modules.linear -> torchlet.nn.modules.linear style renames for full-model loads."""
    if module == "torch" or module.startswith("torch."):
        rest = module[len("torch") :]
        return "torchlet" + rest
    if module == "torchvision" or module.startswith("torchvision."):
        return "torchlet.vision" + module[len("torchvision") :]
    return module


class _FullUnpickler(pickle.Unpickler):
    """weights_only=False: any global (torch names mapped to torchlet's), storages checked."""

    def __init__(self, file, persistent_load, **kwargs):
        super().__init__(file, **kwargs)
        self._storages = persistent_load

    def find_class(self, module, name):
        full = f"{module}.{name}"
        if full in _safe():
            return _safe()[full]
        mapped = _map_torch_module(module)
        if mapped != module:  # torchlet's class first, even where PyTorch itself is importable
            # torch.nn.modules.linear -> torchlet.nn.modules.linear, else torchlet's own file torchlet.nn.linear
            for candidate in dict.fromkeys((mapped, mapped.replace(".nn.modules.", ".nn."))):
                try:
                    return super().find_class(candidate, name)
                except (ImportError, AttributeError):
                    pass
        return super().find_class(module, name)

    def persistent_load(self, pid):
        return self._storages(pid)


def _open(f):
    """(binary file object, name for messages, path or None, whether we opened it)."""
    if isinstance(f, (str, os.PathLike)):
        path = os.fspath(f)
        return open(path, "rb"), path, path, True
    return f, getattr(f, "name", "<file object>"), None, False


_TRUE = ("1", "y", "yes", "true")


def _resolve_weights_only(weights_only, pickle_module):
    """torch.load's switches: the default, then TORCH_FORCE_WEIGHTS_ONLY_LOAD /
    TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD (the latter only when the caller left weights_only unset)."""
    not_set = weights_only is None
    if not_set:
        weights_only = pickle_module is None
    force = os.getenv("TORCH_FORCE_WEIGHTS_ONLY_LOAD", "0").lower() in _TRUE
    force_no = os.getenv("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "0").lower() in _TRUE
    if force and force_no:
        raise RuntimeError(
            "Only one of `TORCH_FORCE_WEIGHTS_ONLY_LOAD` or `TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD` "
            "should be set, but both were set."
        )
    if force:
        weights_only = True
    elif force_no and not_set:
        warnings.warn(
            "Environment variable TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD detected, since the"
            "`weights_only` argument was not explicitly passed to `torch.load`, forcing "
            "weights_only=False.",
            UserWarning,
            stacklevel=3,
        )
        weights_only = False
    return weights_only


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None, **pickle_load_args):
    """Read a checkpoint written by torchlet.save or torch.save (weights_only by default, as
    PyTorch 2.6+). Every tensor is checked against its storage record before it is built."""
    weights_only = _resolve_weights_only(weights_only, pickle_module)
    if weights_only and pickle_module is not None:
        raise RuntimeError("Can not safely load weights when explicit pickle_module is specified")
    if pickle_load_args and weights_only:
        warnings.warn("pickle_load_args only works if `weights_only=False`.", stacklevel=2)
    pickle_load_args.setdefault("encoding", "utf-8")
    if isinstance(f, (str, os.PathLike)) and os.fspath(f).endswith(".safetensors"):
        return _load_safetensors(os.fspath(f), map_location)
    if mmap and not isinstance(f, (str, os.PathLike)):
        raise ValueError("f must be a file path in order to use the mmap argument")
    fileobj, name, path, owned = _open(f)
    try:
        archive = _checkpoint.Archive(fileobj, name, path, use_mmap=bool(mmap))
    except BaseException:
        if owned:
            fileobj.close()
        raise
    try:
        data = archive.read("data.pkl")
        storages = _checkpoint.StorageLoader(archive, map_location)
        if weights_only:
            un = _weights_only.WeightsUnpickler(
                io.BytesIO(data),
                _safe(),
                storages,
                uncallable=(Tensor,),
                encoding=pickle_load_args["encoding"],
                check_args=_no_tensor_iteration,
            )
            try:
                return un.load()
            except pickle.UnpicklingError as e:
                raise pickle.UnpicklingError(_weights_only.weights_only_message(str(e))) from None
        module = pickle if pickle_module is None else pickle_module
        if module is pickle:
            return _FullUnpickler(io.BytesIO(data), storages, **pickle_load_args).load()
        un = module.Unpickler(io.BytesIO(data), **pickle_load_args)
        un.persistent_load = storages
        return un.load()
    finally:
        archive.close()
        if owned:
            fileobj.close()


def _load_safetensors(path, map_location):
    from . import safetensors

    device = "cpu"
    if map_location is not None:
        if isinstance(map_location, (dict,)) or callable(map_location) and not isinstance(map_location, _device):
            kind = "dict" if isinstance(map_location, dict) else "callable"
            raise RuntimeError(
                f"Loading safetensors file with {kind} map_location is not supported. "
                "Use a device string or torch.device instead."
            )
        device = str(map_location)
    return safetensors.load_file(path, device=device)


def _reduce_tensor(t):
    """Plain pickling (multiprocessing, copy): array + requires_grad."""
    data = t._data if type(t._data) is np.ndarray else t._data.get()
    return (_from_array, (np.ascontiguousarray(data) if data.base is not None else data, t._requires_grad))


def _from_array(array, requires_grad):
    t = wrap(array)
    if requires_grad:
        t.requires_grad_(True)
    return t
