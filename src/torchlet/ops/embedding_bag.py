"""nn.functional.embedding_bag: sums, means or maxima of bags of embedding rows, without
materialising the (bags x length x dim) lookup.

Bag b holds input[offsets[b]:offsets[b+1]] (a 2-D input is one bag per row). Entries equal
to padding_idx are left out of their bag (and of a mean's count); an empty bag gives zeros.
    sum:  out[b] = sum_i w_i E[x_i]      (w = per_sample_weights, else 1)
    mean: out[b] = sum_i E[x_i] / n_b
    max:  out[b] = max_i E[x_i]          (per column)
Composed of embedding, index_add and scatter_reduce, so the gradients are theirs:
d E[j] = sum over entries i with x_i = j of w_i g[b(i)] (sum), g[b(i)] / n_b (mean), and
g[b(i)] where entry i is the column's maximum (max); d w_i = <E[x_i], g[b(i)]>.
"""

from .. import _dtype
from ._util import wrap
from .embedding import _renorm_rows, embedding

__all__ = ["embedding_bag"]


def _bags(input, offsets, include_last_offset):
    """(flat indices, bag id of each entry, number of bags) as index arrays."""
    xp = input._xp
    idx = input._data.reshape(-1)
    off = offsets._data.astype("int64")
    n = idx.shape[0]
    if off.shape[0] and off[0] != 0:
        raise RuntimeError(
            "offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start "
            f"from position 0. However, got {int(off[0])}\n[ torch."
            f"{'IntTensor' if offsets.dtype == _dtype.int32 else 'LongTensor'}{{}} ]"
        )
    if off.shape[0] and off[-1] > n:
        raise RuntimeError(
            f"offsets[-1] can not be greater than input's length {n}, but got offsets[-1] of {int(off[-1])}"
        )
    if include_last_offset:
        starts, ends = off[:-1], off[1:]
    else:
        starts, ends = off, xp.concatenate([off[1:], xp.asarray([n], dtype="int64")])
    count = max(int(starts.shape[0]), 0)
    seg = xp.repeat(xp.arange(count), xp.maximum(ends - starts, 0))
    return idx[: seg.shape[0]], seg, count


def embedding_bag(
    input,
    weight,
    offsets=None,
    max_norm=None,
    norm_type=2,
    scale_grad_by_freq=False,
    mode="mean",
    sparse=False,
    per_sample_weights=None,
    include_last_offset=False,
    padding_idx=None,
):
    from ..ops.creation import arange, zeros

    if per_sample_weights is not None and input.size() != per_sample_weights.size():
        raise ValueError(
            f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) is not None, "
            f"then it must have the same shape as the input ({input.shape})"
        )
    if weight.dim() != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension {weight.dim()}")
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError(
                "if input is 2D, then offsets has to be None, as input is treated is a mini-batch "
                "of fixed length sequences. However, found offsets of type "
                f"{_type_str(offsets)}"
            )
        offsets = arange(0, input.numel(), input.size(1), dtype=input.dtype)
        include_last_offset = False
        input = input.reshape(-1)
        if per_sample_weights is not None:
            per_sample_weights = per_sample_weights.reshape(-1)
    elif input.dim() == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.dim() != 1:
            raise ValueError("offsets has to be a 1D Tensor")
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.dim()}")
    if mode == "max":
        if scale_grad_by_freq:
            raise ValueError("max mode does not support scaling the gradient by the frequency")
        if sparse:
            raise ValueError("max mode does not support sparse weights")
    elif mode not in ("sum", "mean"):
        raise ValueError("mode has to be one of sum, mean or max")
    if max_norm is not None:
        _renorm_rows(weight, input._data, max_norm, norm_type)
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(
            "embedding_bag: per_sample_weights was not None. per_sample_weights is only "
            f"supported for mode='sum' (got mode='{mode}'). Please open a feature request "
            "on GitHub."
        )
    n_rows, dim = weight.shape
    if padding_idx is not None and padding_idx < 0:
        padding_idx += n_rows
    idx, seg, count = _bags(input, offsets, include_last_offset)
    bad = ((idx < 0) | (idx >= n_rows)).nonzero()[0]
    if bad.shape[0]:
        i = int(bad[0])
        raise RuntimeError(
            f"Index {i} of input takes value {int(idx[i])} which is not in the valid range [0, {n_rows})"
        )
    keep = slice(None) if padding_idx is None else (idx != padding_idx)
    pos = wrap(input._xp.arange(idx.shape[0], dtype="int64")[keep])
    dev = weight.device
    seg_t = wrap(seg[keep].astype("int64"))
    rows = embedding(input[pos], weight, None, None, norm_type, scale_grad_by_freq)
    out = zeros(count, dim, dtype=weight.dtype, device=dev)
    if mode == "max":
        return out.scatter_reduce(0, seg_t[:, None].expand(-1, dim), rows, "amax", include_self=False)
    if per_sample_weights is not None:
        rows = rows * per_sample_weights[pos][:, None]
    out = out.index_add(0, seg_t, rows)
    if mode == "mean":
        n = zeros(count, dtype=weight.dtype, device=dev).index_add(
            0, seg_t, zeros(seg_t.shape[0], dtype=weight.dtype, device=dev) + 1
        )
        out = out / n.clamp(min=1)[:, None]
    return out


def _type_str(x):
    t = type(x)
    if t.__module__ == "torchlet" and t.__name__ == "Tensor":
        return "<class 'torch.Tensor'>"
    return str(t)
