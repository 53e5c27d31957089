"""Reading a PyTorch zip checkpoint without trusting it.

The archive is checked before anything is unpickled: every record lies in one
top-level folder (PyTorch's rule), no name is absolute or climbs out with
`..`, no name appears twice. A storage is read only from the record named by
its key, whose byte count must equal numel * itemsize exactly (PyTorch's
"record size ... does not match expected size"). A tensor's view is built only
after its size, stride and storage offset are proven to address elements
inside its storage (PyTorch's set_() checks), so no load ever returns a byte
that is not in the file. Reader failures (bad CRC, truncation, an unknown
compression) become RuntimeError naming the file.
"""

import os
import struct
import sys
import zipfile
import zlib

import numpy as np

from . import _device, _dtype
from ._tensor import wrap

_READ_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    ValueError,
    NotImplementedError,
    struct.error,
    KeyError,
    OverflowError,
)
_MAX_NUMEL = 2**63 - 1

STORAGE_NAMES = {
    "float32": "FloatStorage",
    "float64": "DoubleStorage",
    "float16": "HalfStorage",
    "bfloat16": "BFloat16Storage",
    "int64": "LongStorage",
    "int32": "IntStorage",
    "int16": "ShortStorage",
    "int8": "CharStorage",
    "uint8": "ByteStorage",
    "bool": "BoolStorage",
    "complex64": "ComplexFloatStorage",
    "complex128": "ComplexDoubleStorage",
}


class StorageType:
    """Stands for torch.FloatStorage & co. in a checkpoint (a value, never called)."""

    def __init__(self, name):
        self.name = name
        self.dtype = getattr(_dtype, next(k for k, v in STORAGE_NAMES.items() if v == name))

    def __repr__(self):
        return f"StorageType(dtype={self.dtype})"


STORAGE_TYPES = {name: StorageType(name) for name in STORAGE_NAMES.values()}


def _int(value, what):
    """An int that fits int64, as PyTorch's argument parser requires (TypeError otherwise)."""
    if type(value) is bool or not isinstance(value, int):
        raise TypeError(f"{what} must be an int, got {type(value).__name__}")
    if not -(2**63) <= value < 2**63:
        raise TypeError(f"{what} {value} does not fit a 64-bit integer (Overflow when unpacking long long)")
    return value


def _contiguous(size):
    out, acc = [], 1
    for s in reversed(size):
        out.append(acc)
        acc *= s if isinstance(s, int) and s > 0 else 1
    return tuple(reversed(out))


def check_view(storage_numel, offset, size, stride):
    """PyTorch's set_() checks: ints, matching lengths, non-negative offset and sizes, and every
    addressed element inside a storage of `storage_numel` elements."""
    if isinstance(size, (tuple, list)) and (stride is None or stride == () and size):
        stride = _contiguous(size)  # PyTorch's set_() without strides
    if not isinstance(size, (tuple, list)) or not isinstance(stride, (tuple, list)):
        raise TypeError(
            f"set_(): size and stride must be tuples of ints, got {type(size).__name__} and {type(stride).__name__}"
        )
    offset = _int(offset, "storage_offset")
    size = tuple(_int(s, "size") for s in size)
    stride = tuple(_int(s, "stride") for s in stride)
    if len(size) != len(stride):
        raise RuntimeError(f"unequal size length ({len(size)}) and stride length ({len(stride)})")
    if offset < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {offset}")
    if any(s < 0 for s in size):
        raise RuntimeError(f"Trying to create tensor with negative dimension: {list(size)}")
    numel = 1
    for s in size:
        numel *= s
    if numel > _MAX_NUMEL:
        raise RuntimeError("numel: integer multiplication overflow")
    if numel == 0:
        return offset, size, stride
    if any(st < 0 for s, st in zip(size, stride) if s > 1):
        raise RuntimeError(f"Storage size calculation overflowed with sizes={list(size)} and strides={list(stride)}")
    needed = offset + 1 + sum((s - 1) * st for s, st in zip(size, stride) if s > 1)
    if needed > storage_numel:
        raise RuntimeError(
            f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset "
            f"{offset} require a storage of {needed} elements, but the storage in the "
            f"checkpoint holds {storage_numel}"
        )
    return offset, size, stride


def rebuild_tensor(storage, storage_offset, size, stride, requires_grad=False, backward_hooks=None, metadata=None):
    """torch._utils._rebuild_tensor_v2: a view of a loaded storage, checked first."""
    if not isinstance(storage, LoadedStorage):
        raise TypeError(f"_rebuild_tensor_v2: expected a storage, got {type(storage).__name__}")
    arr = storage.array
    offset, size, stride = check_view(arr.size, storage_offset, size, stride)
    if 0 in size:
        view = np.empty(size, arr.dtype)
    else:
        try:
            view = np.lib.stride_tricks.as_strided(
                arr[offset:], shape=size, strides=tuple(s * arr.itemsize for s in stride)
            )
        except ValueError as e:  # a view NumPy cannot index (more than 2**63 bytes)
            raise RuntimeError(f"cannot build a tensor of size {list(size)}: {e}") from None
    t = wrap(view)
    if storage.device != "cpu":
        t = t.to(storage.device)
    if requires_grad:
        t.requires_grad_(True)
    return t


def rebuild_tensor_v1(storage, storage_offset, size, stride):
    return rebuild_tensor(storage, storage_offset, size, stride)


class LoadedStorage:
    """A storage read from a checkpoint: a 1-D array of its dtype and the device it goes to.
    This is what a `map_location` callable receives and may return."""

    def __init__(self, array, location):
        self.array, self.device = array, "cpu"
        self.location = location

    @property
    def dtype(self):
        return _dtype.from_numpy_dtype(self.array.dtype)

    def nbytes(self):
        return self.array.nbytes

    def size(self):
        return self.array.size

    def cpu(self):
        return self._moved("cpu")

    def cuda(self, device=None, non_blocking=False):
        return self._moved("cuda" if device is None else f"cuda:{device}" if isinstance(device, int) else str(device))

    def to(self, device=None, **kwargs):
        return self._moved(str(device))

    def _moved(self, device):
        out = LoadedStorage(self.array, self.location)
        out.device = _checked_device(device)
        return out


def _checked_device(location):
    location = str(location)
    if location.startswith("cuda"):
        from . import cuda

        if not cuda.is_available():
            raise RuntimeError(
                "Attempting to deserialize object on a CUDA device but "
                "torch.cuda.is_available() is False. If you are running on a CPU-only "
                "machine, please use torch.load with map_location=torch.device('cpu') "
                "to map your storages to the CPU."
            )
        return location
    if location == "cpu":
        return "cpu"
    if location.partition(":")[0] in _device._BACKENDS:  # a registered extra device (testing's fake one)
        return location
    raise RuntimeError(f"don't know how to restore data location of torchlet storage (tagged with {location})")


def restore_location(map_location):
    """torch.serialization._get_restore_location: (storage, location) -> storage on its device."""

    def default(storage, location):
        return storage._moved(location)

    if map_location is None:
        return default
    if isinstance(map_location, dict):
        return lambda storage, location: default(storage, map_location.get(location, location))
    if isinstance(map_location, bytes):  # torch.load fails on bytes too (TypeError)
        raise TypeError("map_location must be a str, torch.device, dict or callable, not bytes")
    if isinstance(map_location, str) or type(map_location).__name__ == "device":
        return lambda storage, location: default(storage, str(map_location))

    def call(storage, location):
        result = map_location(storage, location)
        if result is None:
            return default(storage, location)
        if not isinstance(result, LoadedStorage):
            raise RuntimeError(f"map_location must return a storage, got {type(result).__name__}")
        return result

    return call


class Archive:
    """A validated checkpoint zip: its records by name, under one top-level folder."""

    def __init__(self, fileobj, name, path=None, use_mmap=False):
        self.name = name
        try:
            self.zf = zipfile.ZipFile(fileobj)
            infos = self.zf.infolist()
        except _READ_ERRORS as e:
            raise RuntimeError(
                f"{name} is not a torchlet/PyTorch checkpoint (not a zip file, or "
                f"truncated: {e}); PyTorch's legacy non-zip format is not supported"
            ) from None
        if not infos:
            raise RuntimeError(f"{name}: checkpoint archive is empty")
        self.prefix = infos[0].filename.split("/", 1)[0] + "/"
        self.records = {}
        for info in infos:
            n = info.filename
            parts = n.split("/")
            if n.startswith(("/", "\\")) or "\\" in n or ".." in parts or (len(n) > 1 and n[1] == ":"):
                raise RuntimeError(f"{name}: record name {n!r} escapes the archive")
            if not n.startswith(self.prefix):
                raise RuntimeError(f"{name}: file in archive is not in a subdirectory {self.prefix}: {n}")
            if n in self.records:
                raise RuntimeError(f"{name}: duplicate record {n!r} in checkpoint archive")
            self.records[n] = info
        self._map = None
        self._check_version()
        if use_mmap and path is not None:
            with open(path, "rb") as fh:
                self._map = np.memmap(fh, dtype=np.uint8, mode="c") if os.path.getsize(path) else None

    def _check_version(self):
        """PyTorch's reader: a `version` record holding an integer in [1, 10]."""
        record = "version" if self.has("version") else ".data/version"
        if not self.has(record):
            raise RuntimeError(
                f"{self.name}: checkpoint has no version record (Expected "
                'hasRecord("version") to be true, but got false.)'
            )
        text = self.read(record)
        try:
            version = int(text)
        except ValueError:
            raise RuntimeError(f"{self.name}: Couldn't parse the version {text[:20]!r} as Long Long.") from None
        if not 1 <= version <= 10:
            raise RuntimeError(
                f"{self.name}: Attempted to read a PyTorch file with version {version}, but the "
                "supported versions for reading are 1 to 10."
            )

    def close(self):
        self.zf.close()
        self._map = None

    def has(self, record):
        return self.prefix + record in self.records

    def read(self, record, expected=None, mapped=False):
        """The bytes of `<prefix>/<record>` (checked against `expected` bytes before reading);
        with `mapped`, a stored record as a uint8 array instead (_stored)."""
        info = self.records.get(self.prefix + record)
        if info is None:
            raise RuntimeError(
                f"PytorchStreamReader failed locating file {record}: file not found. "
                f"The checkpoint {self.name} is corrupted or was not saved properly."
            )
        if expected is not None and info.file_size != expected:
            raise RuntimeError(
                f"record size ({info.file_size} bytes) does not match expected size "
                f"({expected} bytes) for record {record} of {self.name}"
            )
        try:
            if mapped and info.compress_type == zipfile.ZIP_STORED:
                return self._stored(info)
            return self.zf.read(info)
        except _READ_ERRORS as e:
            raise RuntimeError(
                f"{self.name}: checkpoint is corrupt or truncated (record {record}: {type(e).__name__}: {e})"
            ) from None

    def _stored(self, info):
        """A stored record as a uint8 array: a copy-on-write slice of the memory-mapped file
        (mmap=True), else read straight into a new array (zipfile's read made a bytes object
        that the tensor then copied: two passes over a VGG-16's 527 MB). Its CRC-32 is checked,
        which PyTorch's reader does not do."""
        start = self._data_start(info)
        if self._map is not None:
            if start + info.file_size > self._map.size:
                raise zipfile.BadZipFile("record runs past the end of the file")
            data = self._map[start : start + info.file_size]
        else:
            fp = self.zf.fp
            fp.seek(start)
            if hasattr(fp, "readinto"):
                data = np.empty(info.file_size, np.uint8)
                got = fp.readinto(data)
            else:  # a file-like object with read() alone
                data = np.frombuffer(fp.read(info.file_size), np.uint8).copy()
                got = data.size
            if got != info.file_size:
                raise zipfile.BadZipFile("record runs past the end of the file")
        if zlib.crc32(data) & 0xFFFFFFFF != info.CRC:
            raise zipfile.BadZipFile(f"Bad CRC-32 for file {info.filename!r}")
        return data

    def _data_start(self, info):
        """Where a stored record's bytes begin, after its local header, which is checked as
        zipfile checks it (signature, name)."""
        head = self._read_at(info.header_offset, 30)
        if len(head) != 30 or head[:4] != b"PK\x03\x04":
            raise zipfile.BadZipFile("bad local file header")
        n_name, n_extra = struct.unpack("<HH", head[26:30])
        name = self._read_at(info.header_offset + 30, n_name)
        encoding = "utf-8" if info.flag_bits & 0x800 else "cp437"
        if name != info.orig_filename.encode(encoding, "replace"):  # zipfile's own check
            raise zipfile.BadZipFile(f"File name in directory {info.filename!r} and header {name!r} differ.")
        if info.flag_bits & 0x1 or info.compress_size != info.file_size:
            raise zipfile.BadZipFile(f"record {info.filename!r} is encrypted or its sizes disagree")
        return info.header_offset + 30 + n_name + n_extra

    def _read_at(self, offset, n):
        if self._map is not None:
            return bytes(self._map[offset : offset + n])
        self.zf.fp.seek(offset)
        return self.zf.fp.read(n)


class StorageLoader:
    """persistent_load for ('storage', StorageType, key, location, numel) ids."""

    def __init__(self, archive, map_location):
        self.archive = archive
        self.restore = restore_location(map_location)
        self.loaded = {}
        self.swap = False
        if archive.has("byteorder"):  # absent in old files: native order, as PyTorch's default
            order = archive.read("byteorder")
            if order not in (b"little", b"big"):
                raise ValueError("Unknown endianness type: " + order.decode("utf-8", "replace"))
            self.swap = order.decode() != sys.byteorder

    def __call__(self, pid):
        from pickle import UnpicklingError

        if type(pid) is not tuple or len(pid) != 5 or pid[0] not in ("storage", b"storage"):
            raise UnpicklingError(f"unsupported persistent id {pid!r}"[:200])
        _, stype, key, location, numel = pid
        if not isinstance(stype, StorageType):
            raise UnpicklingError(f"unsupported storage type {stype!r}"[:200])
        if type(key) is not str and type(key) is not int:
            raise RuntimeError(f"storage key must be a str, got {type(key).__name__}")
        if type(location) is bytes:
            location = location.decode("ascii", "replace")
        if type(location) is not str:
            raise RuntimeError(f"storage location must be a str, got {type(location).__name__}")
        numel = _int(numel, "storage numel")
        if numel < 0:
            raise TypeError(f"get_storage_from_record(): storage of negative size {numel}")
        key = str(key)
        if "/" in key or key in (".", ".."):
            raise RuntimeError(f"storage key {key!r} is not a record name")
        dtype = stype.dtype
        if key in self.loaded:  # as PyTorch: the first reference's type and size hold
            arr = self.loaded[key]
        else:
            raw = self.archive.read(f"data/{key}", expected=numel * dtype.itemsize, mapped=True)
            arr = self._array(raw, dtype, numel)
            if arr.size:  # PyTorch caches only storages with data
                self.loaded[key] = arr
        return self.restore(LoadedStorage(arr, location), location)

    def _array(self, raw, dtype, numel):
        if isinstance(raw, np.ndarray):  # the record's own array (read, or mapped copy-on-write)
            arr = raw.view(dtype.np) if numel else np.empty(0, dtype.np)
            return arr.byteswap() if self.swap and dtype.itemsize > 1 else arr
        arr = np.frombuffer(raw, dtype=dtype.np).copy() if numel else np.empty(0, dtype.np)
        if self.swap and dtype.itemsize > 1:
            arr = arr.byteswap()
        return arr
