"""Unpickling dataset files (the CIFAR batches) without executing anything.

A CIFAR batch is a pickled dict of lists, strings, numbers and NumPy arrays.
NumPy pickles an array as `numpy.core.multiarray._reconstruct(ndarray, (0,),
b'b')` followed by BUILD with `(version, shape, dtype, is_fortran, raw bytes)`,
its dtype as `numpy.dtype('u1', False, True)` + BUILD `(3, '<', ...)`, bytes
in protocol 2 as `_codecs.encode(str, 'latin1')`, and under protocol 5 as
`numpy.core.numeric._frombuffer(buffer, dtype, shape, order)`. Exactly those
globals are resolved, each to a stand-in written here that accepts only plain
numeric dtypes and raw data of exactly shape x itemsize bytes; every other
global raises UnpicklingError before anything runs. Stand-ins are instances,
never classes, so NEWOBJ cannot instantiate them, and their BUILD is theirs.
"""

import io
import pickle
import re

import numpy as np

__all__ = ["load"]

_NUMERIC = re.compile(r"^[<>|=]?(b1|[iu][1248]|f[248]|c(8|16))$")


class _StandIn:
    __slots__ = ()

    def __setstate__(self, state):
        raise pickle.UnpicklingError(f"BUILD is not allowed on {type(self).__name__}")


class _NDArrayType(_StandIn):
    """numpy.ndarray as a value (the first argument of _reconstruct)."""

    __slots__ = ()


_NDARRAY = _NDArrayType()


def _dtype_of(value):
    if isinstance(value, _DType):
        return value.np
    raise pickle.UnpicklingError(f"expected a NumPy dtype, got {type(value).__name__}")


class _DType(_StandIn):
    __slots__ = ("np",)

    def __init__(self, code):
        if not isinstance(code, str) or not _NUMERIC.match(code):
            raise pickle.UnpicklingError(f"refusing NumPy dtype {code!r}: dataset arrays are plain numbers")
        self.np = np.dtype(code)

    def __setstate__(self, state):
        """(version, byte order, subarray, names, fields, elsize, alignment, flags): byte order only."""
        if not isinstance(state, tuple) or len(state) < 2 or state[1] not in ("<", ">", "|", "="):
            raise pickle.UnpicklingError("malformed NumPy dtype state")
        if any(x is not None for x in state[2:5]):
            raise pickle.UnpicklingError("refusing a structured or sub-array NumPy dtype")
        if self.np.itemsize > 1 and state[1] in "<>":
            self.np = self.np.newbyteorder(state[1])


class _DTypeFactory(_StandIn):
    __slots__ = ()

    def __call__(self, code, align=False, copy=True):
        return _DType(code)


def _checked_shape(shape):
    if not isinstance(shape, tuple) or not all(type(s) is int and s >= 0 for s in shape):
        raise pickle.UnpicklingError(f"malformed NumPy array shape {shape!r}")
    return shape


def _raw_bytes(raw):
    if isinstance(raw, str):  # Python 2 str read with encoding="latin1"
        return raw.encode("latin1")
    if isinstance(raw, (bytes, bytearray)):
        return bytes(raw)
    if isinstance(raw, pickle.PickleBuffer):
        return bytes(raw.raw())
    raise pickle.UnpicklingError(f"NumPy array data must be bytes, got {type(raw).__name__}")


def _array(raw, dtype, shape, fortran):
    n = int(np.prod(shape, dtype=np.int64)) if shape else 1
    if len(raw) != n * dtype.itemsize:
        raise pickle.UnpicklingError(
            f"NumPy array of shape {shape} and dtype {dtype} needs "
            f"{n * dtype.itemsize} bytes, the file holds {len(raw)}"
        )
    arr = np.frombuffer(raw, dtype=dtype).reshape(shape, order="F" if fortran else "C")
    return arr.astype(dtype.newbyteorder("="), order="K")  # writable, owning, native byte order


class _PendingArray(_StandIn):
    """What _reconstruct returns; BUILD fills it, the loader swaps it for the array."""

    __slots__ = ("array",)

    def __init__(self):
        self.array = None

    def __setstate__(self, state):
        if self.array is not None or not isinstance(state, tuple) or len(state) != 5:
            raise pickle.UnpicklingError("malformed NumPy array state")
        _, shape, dtype, fortran, raw = state
        self.array = _array(_raw_bytes(raw), _dtype_of(dtype), _checked_shape(shape), bool(fortran))


class _Reconstruct(_StandIn):
    __slots__ = ()

    def __call__(self, cls, shape, typecode):
        if cls is not _NDARRAY:
            raise pickle.UnpicklingError("_reconstruct may only build numpy.ndarray")
        return _PendingArray()


class _FromBuffer(_StandIn):
    __slots__ = ()

    def __call__(self, buf, dtype, shape, order):
        return _array(_raw_bytes(buf), _dtype_of(dtype), _checked_shape(shape), order == "F")


class _Encode(_StandIn):
    __slots__ = ()

    def __call__(self, text, encoding="utf-8"):
        if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
            raise pickle.UnpicklingError("_codecs.encode may only turn a str into latin1 bytes")
        return text.encode("latin1")


_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"): _Reconstruct(),
    ("numpy._core.multiarray", "_reconstruct"): _Reconstruct(),
    ("numpy.core.numeric", "_frombuffer"): _FromBuffer(),
    ("numpy._core.numeric", "_frombuffer"): _FromBuffer(),
    ("numpy", "ndarray"): _NDARRAY,
    ("numpy", "dtype"): _DTypeFactory(),
    ("_codecs", "encode"): _Encode(),
}


class _Unpickler(pickle.Unpickler):
    def find_class(self, module, name):
        try:
            return _GLOBALS[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(
                f"refusing to load global {module}.{name} from a dataset file: it may hold only "
                "lists, dicts, strings, numbers and NumPy arrays"
            ) from None

    def persistent_load(self, pid):
        raise pickle.UnpicklingError("persistent ids are not allowed in a dataset file")


def _resolve(obj, seen):
    """The loaded containers with every pending array replaced by its array."""
    if isinstance(obj, _PendingArray):
        if obj.array is None:
            raise pickle.UnpicklingError("NumPy array without its data")
        return obj.array
    if isinstance(obj, _StandIn):
        raise pickle.UnpicklingError(f"unexpected {type(obj).__name__} in a dataset file")
    if id(obj) in seen:
        return obj
    if isinstance(obj, dict):
        seen.add(id(obj))
        for k in list(obj):
            obj[k] = _resolve(obj[k], seen)
    elif isinstance(obj, list):
        seen.add(id(obj))
        obj[:] = [_resolve(x, seen) for x in obj]
    elif isinstance(obj, tuple):
        return tuple(_resolve(x, seen) for x in obj)
    return obj


def load(f, encoding="latin1"):
    """pickle.load for dataset files: containers, strings, numbers and numeric arrays only.
    Malformed data raises pickle.UnpicklingError."""
    data = f.read() if hasattr(f, "read") else bytes(f)
    try:
        return _resolve(_Unpickler(io.BytesIO(data), encoding=encoding).load(), set())
    except pickle.UnpicklingError:
        raise
    except (
        EOFError,
        ValueError,
        TypeError,
        KeyError,
        IndexError,
        AttributeError,
        OverflowError,
        MemoryError,
        RecursionError,
    ) as e:
        raise pickle.UnpicklingError(f"malformed dataset pickle ({type(e).__name__}: {e})") from None
