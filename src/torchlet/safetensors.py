"""The safetensors format: 8-byte little-endian header length, a JSON header
{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}},
then the raw little-endian bytes. Written here in full (it is small) so the
core needs no compiled dependency and bfloat16 works through ml_dtypes; files
interoperate with the `safetensors` package and `safetensors.torch`.
Malformed headers (too large, bad JSON, unknown dtype, offsets that overlap,
leave gaps or point outside the buffer, a dtype x shape size that disagrees
with the byte span) raise SafetensorError with the safetensors package's
checks, in its order and with its messages, before any byte is read."""

import json

import numpy as np

from . import _dtype
from ._atomic import atomic_open
from ._tensor import Tensor, wrap

__all__ = ["save_file", "load_file", "save", "load", "SafetensorError"]

_CODES = {
    "float64": "F64",
    "float32": "F32",
    "float16": "F16",
    "bfloat16": "BF16",
    "int64": "I64",
    "int32": "I32",
    "int16": "I16",
    "int8": "I8",
    "uint8": "U8",
    "bool": "BOOL",
    "complex64": "C64",
}
_FROM_CODE = {v: getattr(_dtype, k) for k, v in _CODES.items()}
_MAX_HEADER = 100_000_000


class SafetensorError(Exception):
    pass


def _check_tensors(tensors):
    if not isinstance(tensors, dict):
        raise ValueError(f"Expected a dict of [str, torchlet.Tensor] but received {type(tensors)}")
    seen = {}
    shared = []
    for name, t in tensors.items():
        if not isinstance(name, str) or not isinstance(t, Tensor):
            raise ValueError(f"Key `{name}` is invalid, expected str to Tensor mapping")
        if not t.is_contiguous():
            raise ValueError(
                f"You are trying to save a non contiguous tensor: `{name}` which is not allowed. "
                "It either means you are trying to save tensors which are reference of each "
                "other in which case it's recommended to save only the full tensors, and "
                "reslice at load time, or simply call `.contiguous()` on your tensor to pack it "
                "before saving."
            )
        if t.numel():
            root = t._data
            while isinstance(root.base, np.ndarray):
                root = root.base
            key = id(root)
            if key in seen and np.shares_memory(seen[key][1], t._data):
                shared.append([seen[key][0], name])
            seen.setdefault(key, (name, t._data))
    if shared:
        raise RuntimeError(
            f"Some tensors share memory, this will lead to duplicate memory on disk and "
            f"potential differences when loading them again: {shared}."
        )


def save(tensors, metadata=None):
    """The safetensors bytes of a {name: tensor} dict."""
    _check_tensors(tensors)
    order = sorted(tensors, key=lambda k: (-tensors[k].element_size(), k))
    header, offset, chunks = {}, 0, []
    if metadata is not None:
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
            raise ValueError("metadata must be a dict of str to str")
        header["__metadata__"] = dict(metadata)
    for name in order:
        t = tensors[name].detach()
        arr = t._data if type(t._data) is np.ndarray else t._data.get()
        raw = np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder("<"), copy=False).tobytes()
        header[name] = {
            "dtype": _CODES[t.dtype.name],
            "shape": list(t.shape),
            "data_offsets": [offset, offset + len(raw)],
        }
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return len(text).to_bytes(8, "little") + text + b"".join(chunks)


def save_file(tensors, filename, metadata=None):
    """Write atomically (see _atomic.atomic_open)."""
    data = save(tensors, metadata)
    with atomic_open(filename) as fh:
        fh.write(data)


def _error(what):
    return SafetensorError(f"Error while deserializing: {what}")


def _parse_header(data):
    """(header dict, start of the byte buffer), with the safetensors package's checks and messages."""
    if len(data) < 8:
        raise _error("header too small")
    n = int.from_bytes(data[:8], "little")
    if n > _MAX_HEADER:
        raise _error("header too large")
    if 8 + n > len(data):
        raise _error("invalid header length")
    try:
        text = bytes(data[8 : 8 + n]).decode("utf-8")
    except UnicodeDecodeError as e:
        raise _error(f"invalid UTF-8 in header: {e}") from None
    try:
        header = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as e:
        raise _error(f"invalid JSON in header: {e}") from None
    if not isinstance(header, dict):
        raise _error(f"invalid JSON in header: invalid type: {type(header).__name__}, expected struct HashMetadata")
    meta = header.get("__metadata__")
    if meta is not None and not (isinstance(meta, dict) and all(isinstance(v, str) for v in meta.values())):
        raise _error("invalid JSON in header: __metadata__ must be a map of strings to strings")
    return header, 8 + n


def _usize(value):
    return type(value) is int and 0 <= value < 2**64


def _entries(header, buffer_len):
    """(begin, end, name, dtype, shape) sorted by offset, validated to tile the buffer exactly."""
    out = []
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if not isinstance(info, dict) or not {"dtype", "shape", "data_offsets"} <= info.keys():
            raise _error(f"invalid JSON in header: tensor `{name}` needs dtype, shape and data_offsets")
        code, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
        if not isinstance(shape, list) or not all(_usize(s) for s in shape):
            raise _error(f"invalid JSON in header: shape of `{name}` must be a list of unsigned integers")
        if not isinstance(offsets, list) or len(offsets) != 2 or not all(_usize(o) for o in offsets):
            raise _error(f"invalid JSON in header: data_offsets of `{name}` must be 2 unsigned integers")
        if code not in _FROM_CODE:
            raise _error(
                f"invalid JSON in header: unknown variant `{code}`, expected one of "
                + ", ".join(f"`{c}`" for c in _FROM_CODE)
            )
        out.append((offsets[0], offsets[1], name, _FROM_CODE[code], tuple(shape)))
    out.sort(key=lambda e: (e[0], e[1]))
    pos = 0
    for begin, end, name, d, shape in out:
        if begin != pos or end < begin:
            raise _error(f"invalid offset for tensor `{name}`")
        nbytes = d.itemsize
        for s in shape:
            nbytes *= s
        if nbytes >= 2**64:
            raise _error("overflow computing buffer size from shape and/or element type")
        if end - begin != nbytes:
            raise _error("invalid shape, data type, or offset for tensor")
        pos = end
    if pos != buffer_len:
        raise _error("incomplete metadata, file not fully covered")
    return out


def load(data, device="cpu"):
    """{name: tensor} from safetensors bytes."""
    header, start = _parse_header(data)
    body = memoryview(data)[start:]
    tensors = {}
    for begin, end, name, d, shape in _entries(header, len(body)):
        arr = np.frombuffer(body[begin:end], dtype=d.np.newbyteorder("<") if d.itemsize > 1 else d.np)
        t = wrap(arr.astype(d.np, copy=True).reshape(shape))
        tensors[name] = t if device in ("cpu", None) else t.to(device)
    return dict(sorted(tensors.items()))


def load_file(filename, device="cpu"):
    with open(filename, "rb") as fh:
        return load(fh.read(), device)


def load_metadata(filename):
    with open(filename, "rb") as fh:
        head = fh.read(8)
        n = int.from_bytes(head, "little") if len(head) == 8 else 0
        header, _ = _parse_header(head + fh.read(min(n, _MAX_HEADER + 1)))
    return header.get("__metadata__")
