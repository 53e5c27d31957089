"""Batching samples: `default_collate` (samples -> one batch) and
`default_convert` (one sample's NumPy arrays -> tensors, used when batching is off).

Rules, as PyTorch: tensors are stacked; NumPy arrays and NumPy scalars become
tensors (then stacked); Python floats -> float64, ints -> int64, bools -> bool
tensors; strings and bytes stay as they are (a batch of them is the sequence
of them); dicts, namedtuples and sequences are collated field by field
(a tuple sample gives a list, as PyTorch).
"""

import collections.abc
import re

import numpy as np

__all__ = ["default_collate", "default_convert"]

_ERR = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"
_NP_STR = re.compile(r"[SaUO]")


def _tensor_cls():
    from ..._tensor import Tensor

    return Tensor


def default_convert(data):
    """NumPy arrays/scalars in `data` (recursively through dicts and sequences) to tensors."""
    from ...ops.creation import as_tensor

    Tensor = _tensor_cls()
    if isinstance(data, Tensor):
        return data
    if isinstance(data, np.ndarray) or isinstance(data, np.generic) and not isinstance(data, (np.str_, np.bytes_)):
        if _NP_STR.search(data.dtype.str) is not None:
            return data
        return as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        try:
            return type(data)({k: default_convert(v) for k, v in data.items()})
        except TypeError:
            return {k: default_convert(v) for k, v in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        try:
            return type(data)([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data


def _stack(batch):
    from ...ops.creation import tensor
    from ...ops.joining import stack

    return stack(batch, 0) if len(batch) != 0 else tensor([])


def default_collate(batch):
    """Merge a list of samples into a batch (see the module docstring for the rules)."""
    from ...ops.creation import as_tensor, tensor
    from ... import _dtype

    Tensor = _tensor_cls()
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _stack(batch)
    if type(elem).__module__ == "numpy" and not isinstance(elem, (np.str_, np.bytes_)):
        if isinstance(elem, np.ndarray) or type(elem).__name__ == "memmap":
            if _NP_STR.search(elem.dtype.str) is not None:
                raise TypeError(_ERR.format(elem.dtype))
            return _stack([as_tensor(b) for b in batch])
        if elem.shape == ():  # NumPy scalars
            return as_tensor(np.array(batch))
    if isinstance(elem, float):
        return tensor(batch, dtype=_dtype.float64)
    if isinstance(elem, int):
        return tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        try:
            return type(elem)({k: default_collate([d[k] for d in batch]) for k in elem})
        except TypeError:
            return {k: default_collate([d[k] for d in batch]) for k in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(s) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if not all(len(e) == size for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = list(zip(*batch))
        if isinstance(elem, tuple):
            return [default_collate(s) for s in transposed]
        try:
            return type(elem)([default_collate(s) for s in transposed])
        except TypeError:
            return [default_collate(s) for s in transposed]
    raise TypeError(_ERR.format(type(elem)))
