"""The safetensors format: 8-byte little-endian header length, a JSON header
{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}},
then the raw little-endian bytes. Written here in full (it is small) so the
core needs no compiled dependency and bfloat16 works through ml_dtypes; files
interoperate with the `safetensors` package and `safetensors.torch`.
Malformed headers (too large, bad JSON, unknown dtype, offsets that overlap,
leave gaps or point outside the buffer) raise SafetensorError."""
import json

import numpy as np

from . import _dtype
from ._atomic import atomic_open
from ._tensor import Tensor, wrap

__all__ = ["save_file", "load_file", "save", "load", "SafetensorError"]

_CODES = {"float64": "F64", "float32": "F32", "float16": "F16", "bfloat16": "BF16", "int64": "I64",
          "int32": "I32", "int16": "I16", "int8": "I8", "uint8": "U8", "bool": "BOOL",
          "complex64": "C64"}
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
            raise ValueError(f"You are trying to save a non contiguous tensor: `{name}` which is not allowed. "
                             "It either means you are trying to save tensors which are reference of each "
                             "other in which case it's recommended to save only the full tensors, and "
                             "reslice at load time, or simply call `.contiguous()` on your tensor to pack it "
                             "before saving.")
        if t.numel():
            root = t._data
            while isinstance(root.base, np.ndarray):
                root = root.base
            key = id(root)
            if key in seen and np.shares_memory(seen[key][1], t._data):
                shared.append([seen[key][0], name])
            seen.setdefault(key, (name, t._data))
    if shared:
        raise RuntimeError(f"Some tensors share memory, this will lead to duplicate memory on disk and "
                           f"potential differences when loading them again: {shared}.")


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
        header[name] = {"dtype": _CODES[t.dtype.name], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(raw)]}
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


def _parse_header(data):
    if len(data) < 8:
        raise SafetensorError("Error while deserializing header: HeaderTooSmall")
    n = int.from_bytes(data[:8], "little")
    if n > _MAX_HEADER:
        raise SafetensorError("Error while deserializing header: HeaderTooLarge")
    if 8 + n > len(data):
        raise SafetensorError("Error while deserializing header: InvalidHeaderLength")
    try:
        header = json.loads(bytes(data[8:8 + n]).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise SafetensorError(f"Error while deserializing header: InvalidHeaderDeserialization ({e})") from None
    if not isinstance(header, dict):
        raise SafetensorError("Error while deserializing header: InvalidHeaderDeserialization")
    return header, 8 + n


def _entries(header, buffer_len):
    """(name, dtype, shape, begin, end) sorted by offset, validated to tile the buffer exactly."""
    out = []
    for name, info in header.items():
        if name == "__metadata__":
            continue
        try:
            code, shape, (begin, end) = info["dtype"], info["shape"], info["data_offsets"]
        except (KeyError, TypeError, ValueError):
            raise SafetensorError(f"Error while deserializing header: InvalidHeaderDeserialization "
                                  f"(bad entry for {name!r})") from None
        if code not in _FROM_CODE:
            raise SafetensorError(f"Error while deserializing header: unsupported dtype {code!r} for {name!r}")
        d = _FROM_CODE[code]
        if not all(isinstance(s, int) and s >= 0 for s in shape):
            raise SafetensorError(f"Error while deserializing header: invalid shape {shape} for {name!r}")
        if int(np.prod(shape, dtype=np.int64)) * d.itemsize != end - begin:
            raise SafetensorError(f"Error while deserializing header: TensorInvalidInfo for {name!r}")
        out.append((begin, end, name, d, tuple(shape)))
    out.sort(key=lambda e: (e[0], e[1]))
    pos = 0
    for begin, end, name, _, _ in out:
        if begin != pos or end < begin:
            raise SafetensorError(f"Error while deserializing header: InvalidOffset({name!r})")
        pos = end
    if pos != buffer_len:
        raise SafetensorError("Error while deserializing header: MetadataIncompleteBuffer")
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
