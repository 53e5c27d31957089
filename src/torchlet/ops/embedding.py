"""Lookup ops of nn.functional: embedding (and its renorm), one_hot."""

import numpy as np

from .. import _dtype
from ._args import int_arg
from ._util import TwoPathNode, attach, wrap

__all__ = ["embedding", "one_hot"]


def _add_rows_at(xp, out, idx, rows):
    """out[idx[k]] += rows[k] for k in order: np.add.at's sums, bit for bit, in rounds.

    Round r adds the r-th occurrence of every index at once (one fancy-indexed add, its targets
    distinct), so each row of out sums its rows in their order, as add.at (and PyTorch's
    index_add) does. add.at costs ~1.2 us an index of 128-wide rows, a round ~10 us: rounds are
    the faster from 32K elements while no index repeats more than 1/8 of the time (2048 tokens
    of a 65-letter alphabet, width 128: 0.4 against 2.4 ms; GPT's 128 positions 0.24 against 2.3)."""
    n = idx.size
    if xp is not np or rows.size < 1 << 15:
        xp.add.at(out, idx, rows)
        return
    order = np.argsort(idx, kind="stable")
    s = idx[order]
    starts = np.flatnonzero(np.concatenate(([True], s[1:] != s[:-1])))
    counts = np.diff(np.append(starts, n))
    by_count = np.argsort(-counts, kind="stable")
    starts, counts = starts[by_count], counts[by_count]  # the runs, longest first
    if counts[0] * 8 > n:
        xp.add.at(out, idx, rows)
        return
    live = np.searchsorted(-counts, -np.arange(counts[0]), side="left")  # runs longer than r
    for r in range(counts[0]):
        p = starts[: live[r]] + r
        out[s[p]] += rows[order[p]]


class EmbeddingBackward0(TwoPathNode):
    """d weight[idx] = g scattered (summed) back into the rows idx; padding_idx row gets 0
    (arrays: a scatter-add; Tensor ops: one_hot(idx)^T @ g)"""

    def backward_arrays(self, g):
        idx = self.indices
        n, dim = self.input_meta[0][0]
        xp = g._xp
        gw = xp.zeros((n, dim), dtype=g._data.dtype)
        flat = idx.reshape(-1)
        gflat = g._data.reshape(-1, dim)
        if self.scale_counts is not None:
            gflat = gflat / self.scale_counts[flat][:, None]
        _add_rows_at(xp, gw, flat, gflat)
        if self.padding_idx is not None:
            gw[self.padding_idx] = 0
        return wrap(gw)

    def backward_tensors(self, g):
        idx = self.indices
        n, dim = self.input_meta[0][0]
        xp = g._xp
        oh = xp.zeros((idx.size, n), dtype=g._data.dtype)
        oh[xp.arange(idx.size), idx.reshape(-1)] = 1
        if self.scale_counts is not None:
            oh = oh / self.scale_counts[idx.reshape(-1)][:, None]
        if self.padding_idx is not None:
            oh[:, self.padding_idx] = 0
        return wrap(oh.T.copy()).mm(g.reshape(-1, dim))


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False, sparse=False):
    if input.dtype.name not in ("int64", "int32"):
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following "
            f"scalar types: Long, Int; but got {input.type()} instead (while checking "
            "arguments for embedding)"
        )
    if weight.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    n = weight.shape[0]
    if padding_idx is not None:
        if padding_idx > 0:
            if padding_idx >= n:
                raise AssertionError("Padding_idx must be within num_embeddings")
        elif padding_idx < 0:
            if padding_idx < -n:
                raise AssertionError("Padding_idx must be within num_embeddings")
            padding_idx = n + padding_idx
    idx = input._data
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise IndexError("index out of range in self")
    if max_norm is not None:
        _renorm_rows(weight, idx, max_norm, norm_type)
    out = wrap(weight._data[idx])
    counts = None
    if scale_grad_by_freq:
        xp = input._xp
        counts = xp.bincount(idx.reshape(-1), minlength=n).astype(weight._data.dtype)
    return attach(out, EmbeddingBackward0, (weight,), (), indices=idx, padding_idx=padding_idx, scale_counts=counts)


def _renorm_rows(weight, idx, max_norm, norm_type):
    """embedding_renorm_: rows of weight used by idx with norm > max_norm are scaled down in place."""
    xp = weight._xp
    rows = xp.unique(idx.reshape(-1))
    w = weight._data
    sub = w[rows]
    norms = (xp.abs(sub) ** norm_type).sum(1) ** (1.0 / norm_type)
    scale = xp.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0).astype(w.dtype)
    w[rows] = sub * scale[:, None]
    weight._version[0] += 1


def one_hot(tensor, num_classes=-1):
    if tensor.dtype is not _dtype.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    x = tensor._data
    xp = tensor._xp
    if type(num_classes) is not int:
        num_classes = int_arg(num_classes, "num_classes", fn="one_hot", pos=2)
    if num_classes == -1:
        if x.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(x.max()) + 1
    if x.size:
        if x.min() < 0:
            raise RuntimeError("Class values must be non-negative.")
        if x.max() >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    out = xp.zeros(x.shape + (num_classes,), dtype="int64")
    xp.put_along_axis(out, x[..., None], 1, -1)
    return wrap(out)
