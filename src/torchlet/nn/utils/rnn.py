"""torchlet.nn.utils.rnn: variable-length sequences for the recurrent layers.

A batch of sequences of lengths L_0 >= L_1 >= ... is *packed* time step by
time step: step t holds the batch_sizes[t] sequences still running, so

  data = [x_0[0], x_1[0], ..., x_0[1], x_1[1], ..., x_0[L_0 - 1]]   (sum(L) rows)

and batch_sizes[t] = #{b: L_b > t}. With enforce_sorted=False the batch is
first sorted by decreasing length (sorted_indices) and unsorted_indices, the
inverse permutation, puts results back in the caller's order.

Packing and padding are row gathers, x_flat[index] with index a fixed array,
so their gradients (a scatter of the gradient rows back, the padding rows
getting 0) come from the indexing op and work to any order.
"""

from collections import namedtuple
from collections.abc import Iterable

import numpy as np

from ..._tensor import Tensor
from ...ops.creation import full, tensor as _tensor
from ...ops.joining import cat, stack

__all__ = [
    "PackedSequence",
    "invert_permutation",
    "pack_padded_sequence",
    "pad_packed_sequence",
    "pad_sequence",
    "unpad_sequence",
    "pack_sequence",
    "unpack_sequence",
]

PackedSequence_ = namedtuple("PackedSequence_", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])


def _bind(t, fn):
    return None if t is None else fn(t)


class PackedSequence(PackedSequence_):
    """(data, batch_sizes, sorted_indices, unsorted_indices), made by pack_padded_sequence or
    pack_sequence; an RNN/LSTM/GRU takes and returns one."""

    __slots__ = ()

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is not None:
            if batch_sizes.device.type != "cpu":
                raise ValueError(
                    "batch_sizes should always be on CPU. Instances of PackedSequence should "
                    "never be created manually. They should be instantiated by functions like "
                    "pack_sequence and pack_padded_sequences in nn.utils.rnn. "
                    "https://pytorch.org/docs/stable/nn.html#torch.nn.utils.rnn.pack_sequence"
                )
            return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)
        if not (isinstance(data, (list, tuple)) and len(data) == 2):
            raise AssertionError("Expected data to be a list or tuple of length 2")
        return super().__new__(cls, data[0], data[1], sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs):
        """data.to(...); the indices follow data's device, batch_sizes stays on the CPU."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        sorted_indices = _bind(self.sorted_indices, lambda t: t.to(data.device))
        unsorted_indices = _bind(self.unsorted_indices, lambda t: t.to(data.device))
        return type(self)(data, self.batch_sizes, sorted_indices, unsorted_indices)

    def cpu(self, *args, **kwargs):
        return self.to("cpu", *args, **kwargs)

    def cuda(self, *args, **kwargs):
        return self.to("cuda", *args, **kwargs)

    def pin_memory(self):
        return type(self)(
            self.data.pin_memory(),
            self.batch_sizes,
            _bind(self.sorted_indices, lambda t: t.pin_memory()),
            _bind(self.unsorted_indices, lambda t: t.pin_memory()),
        )

    def double(self):
        return self.to(dtype=_dt("float64"))

    def float(self):
        return self.to(dtype=_dt("float32"))

    def half(self):
        return self.to(dtype=_dt("float16"))

    def long(self):
        return self.to(dtype=_dt("int64"))

    def int(self):
        return self.to(dtype=_dt("int32"))

    def short(self):
        return self.to(dtype=_dt("int16"))

    def char(self):
        return self.to(dtype=_dt("int8"))

    def byte(self):
        return self.to(dtype=_dt("uint8"))

    @property
    def is_cuda(self):
        return self.data.is_cuda

    def is_pinned(self):
        return self.data.is_pinned()


def _dt(name):
    from ... import _dtype

    return getattr(_dtype, name)


def invert_permutation(permutation):
    """The inverse of a permutation (None stays None): out[permutation[i]] = i."""
    if permutation is None:
        return None
    p = permutation._data
    out = np.empty(p.shape, dtype=p.dtype)
    out[np.asarray(p)] = np.arange(p.size, dtype=p.dtype)
    return _tensor(out).to(permutation.device)


def _long_lengths(lengths):
    from ... import _dtype

    if not isinstance(lengths, Tensor):
        return _tensor(
            np.asarray(lengths, dtype=np.int64).reshape(-1) if np.ndim(lengths) else np.asarray(lengths, dtype=np.int64)
        )
    return lengths.to(dtype=_dtype.int64)


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded (T, B, *) batch (B, T, * with batch_first) of sequences of `lengths`."""
    lengths = _long_lengths(lengths)
    sorted_indices = None
    if not enforce_sorted:
        lengths, sorted_indices = lengths.sort(descending=True)
        sorted_indices = sorted_indices.to(input.device)
        input = input.index_select(0 if batch_first else 1, sorted_indices)
    data, batch_sizes = _pack(input, lengths, batch_first)
    return PackedSequence(data, batch_sizes, sorted_indices, None)


def _pack(input, lengths, batch_first):
    """PyTorch's _pack_padded_sequence: (data, batch_sizes) of a length-sorted batch."""
    if lengths.dim() != 1:
        raise RuntimeError(
            f"'lengths' argument should be a 1D CPU int64 tensor, but got {lengths.dim()}D cpu Long tensor"
        )
    if batch_first:
        input = input.transpose(0, 1)
    T, B = input.shape[0], input.shape[1]
    lens = np.asarray(lengths._data)
    if lens.shape[0] != B:
        raise RuntimeError(
            f"Expected `len(lengths)` to be equal to batch_size, but got {lens.shape[0]} (batch_size={B})"
        )
    if B == 0 or lens[-1] <= 0:
        raise RuntimeError(
            "Length of all samples has to be greater than 0, but found an element in 'lengths' that is <= 0"
        )
    if (np.diff(lens) > 0).any():
        raise RuntimeError(
            "`lengths` array must be sorted in decreasing order when `enforce_sorted` is "
            "True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or "
            "pack_sequence to sidestep this requirement if you do not need ONNX "
            "exportability."
        )
    if lens[0] > T:  # PyTorch reads past the end of the input here; refuse instead
        raise RuntimeError(f"pack_padded_sequence: a length ({int(lens[0])}) exceeds the padded sequence length ({T})")
    steps = np.arange(int(lens[0]))
    batch_sizes = (lens[None, :] > steps[:, None]).sum(1).astype(np.int64)
    rows = np.concatenate([t * B + np.arange(n) for t, n in enumerate(batch_sizes)])
    flat = input.reshape((T * B,) + tuple(input.shape[2:]))
    return flat[_tensor(rows)], _tensor(batch_sizes)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """The inverse of pack_padded_sequence: (padded batch, lengths), in the caller's order."""
    max_len = sequence.batch_sizes.size(0)
    if total_length is not None:
        if total_length < max_len:
            raise ValueError(
                "Expected total_length to be at least the length of the longest sequence in "
                f"input, but got total_length={total_length} and max sequence length being "
                f"{max_len}"
            )
        max_len = total_length
    data = sequence.data
    bs = np.asarray(sequence.batch_sizes._data).astype(np.int64)
    B = int(bs[0])
    n = data.shape[0]
    offsets = np.concatenate([[0], np.cumsum(bs)[:-1]])
    src = np.full((max_len, B), n, dtype=np.int64)  # row n is the padding row
    for t, (o, k) in enumerate(zip(offsets, bs)):
        src[t, :k] = o + np.arange(k)
    tail = tuple(data.shape[1:])
    pad_row = full((1,) + tail, padding_value, dtype=data.dtype)
    padded = cat([data, pad_row])[_tensor(src.reshape(-1))].reshape((max_len, B) + tail)
    lengths = _tensor((bs[None, :] > np.arange(B)[:, None]).sum(1).astype(np.int64))
    if batch_first:
        padded = padded.transpose(0, 1)
    if sequence.unsorted_indices is not None:
        padded = padded.index_select(0 if batch_first else 1, sequence.unsorted_indices)
        lengths = lengths[sequence.unsorted_indices.cpu()]
    return padded, lengths


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack sequences of shape (L_i, *) into (max L, B, *) ((B, max L, *) with batch_first),
    filling with padding_value on the right (or the left)."""
    if not isinstance(sequences, Iterable):
        raise RuntimeError(
            f"pad_sequence: Expected iterable for input sequences, but got arg of type: {type(sequences)}"
        )
    sequences = tuple(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    first = sequences[0]
    if first.dim() == 0:
        raise RuntimeError("ArrayRef: invalid slice, N = 1; size = 0")
    tail = tuple(first.shape[1:])
    max_len = max(s.shape[0] for s in sequences)
    rows = []
    for s in sequences:
        s = s.to(first.dtype)
        got = tuple(s.shape[1:])
        if got != tail:
            s = _broadcast_rows(s, tail)
        k = max_len - s.shape[0]
        if k:
            fill = full((k,) + tail, padding_value, dtype=first.dtype)
            s = cat([s, fill]) if padding_side == "right" else cat([fill, s])
        rows.append(s)
    return stack(rows, 0 if batch_first else 1)


def _broadcast_rows(s, tail):
    """copy_'s broadcasting of a sequence into the (L, *tail) slot of the output."""
    want = (s.shape[0],) + tail
    have = tuple(s.shape)
    for k in range(1, max(len(want), len(have)) + 1):
        a = want[-k] if k <= len(want) else 1
        b = have[-k] if k <= len(have) else 1
        if a != b and b != 1:
            raise RuntimeError(
                f"The size of tensor a ({a}) must match the size of tensor b ({b}) at "
                f"non-singleton dimension {len(want) - k}"
            )
    return s.expand(want)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """The list of unpadded sequences of a padded batch. (PyTorch also transposes a
    time-major batch in place, as a side effect; here the caller's tensor is left as it is.)"""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    max_len = padded_sequences.shape[1]
    idx = np.arange(max_len)
    lens = np.asarray(lengths._data if isinstance(lengths, Tensor) else lengths)
    if len(lens) != padded_sequences.shape[0]:
        raise ValueError(
            "zip() argument 2 is shorter than argument 1"
            if len(lens) < padded_sequences.shape[0]
            else "zip() argument 2 is longer than argument 1"
        )
    return [seq[_tensor(idx < n)] for seq, n in zip(padded_sequences.unbind(0), lens)]


def pack_sequence(sequences, enforce_sorted=True):
    """pack_padded_sequence(pad_sequence(sequences), their lengths)."""
    lengths = _tensor([v.size(0) for v in sequences])
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    """The list of sequences a PackedSequence holds, in the caller's order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
