"""The operations that keep a COO tensor sparse, as PyTorch's do, and their gradients.

scalar * S, S * S (the common pattern), S * dense (S's pattern), S + S, S - S, S / scalar, -S,
S.t() / transpose, torch.sparse.sum(S, dim), torch.sparse.softmax, S.to_dense() and
torch.sparse.mm(S, D) (whose gradient to S is sparse).

Every gradient is written as the dense formula; one that reaches a sparse input is then read at
that input's (coalesced) pattern and handed on as a sparse tensor (`mask`), as PyTorch's sparse
backward formulas give: the gradient of a sparse leaf is sparse, with the leaf's pattern.
"""

import numpy as np

from .._tensor import Tensor
from ..autograd.graph import Node, attach
from ..autograd.grad_mode import no_grad
from ..ops._util import dims_of, wrap, wrap_dim
from ..ops.joining import cat
from ._coo import SparseCOOTensor, _make, coalesced_arrays


def _dense(g):
    return g.to_dense() if g.is_sparse else g


def _plain(x):
    """The dense equivalent of a (sparse) tensor as a plain tensor, without its graph."""
    return wrap(x._data)


def mask(g, like):
    """The gradient `g` (dense or sparse) read at `like`'s coalesced pattern: a sparse tensor."""
    idx, vals = coalesced_arrays(like)
    gd = _dense(g)._data
    picked = gd[tuple(idx)] if idx.shape[1] else gd.reshape((-1,) + vals.shape[1:])[:0]
    return _make(idx, g._xp.ascontiguousarray(picked), like.shape, False)  # flagged as PyTorch's sparse_mask


class _SparseNode(Node):
    """Gradients from `dense_grads(g)` (dense formulas); a sparse input gets its masked form."""

    def backward(self, g):
        grads = self.dense_grads(_dense(g))
        return tuple(
            None if gi is None or not self.needs_input_grad(i) else (mask(gi, x) if x.is_sparse else gi)
            for i, (gi, x) in enumerate(zip(grads, self.ins))
        )


class CoalesceBackward0(_SparseNode):
    """coalesce (sums duplicates) and to_dense keep the dense value: dS = g"""

    def dense_grads(self, g):
        return (g,)


class ToDenseBackward0(CoalesceBackward0):
    """dS = g (read at S's pattern)"""


class MulBackward0(_SparseNode):
    """d(a * b) = g * b, g * a (a scalar b gets none)"""

    def dense_grads(self, g):
        a, b = self.ins
        return g * self.other, (g * _plain(a) if b is not None else None)


class AddBackward0(_SparseNode):
    """d(a + alpha b) = g, alpha g"""

    def dense_grads(self, g):
        return g, g * self.alpha


class NegBackward0(MulBackward0):
    """d(-S) = -g"""


class SubBackward0(AddBackward0):
    """d(a - alpha b) = g, -alpha g"""


class DivBackward0(_SparseNode):
    """d(S / c) = g / c"""

    def dense_grads(self, g):
        return (g / self.other,)


class TransposeBackward0(_SparseNode):
    """d transpose(S, i, j) = transpose(g, i, j)"""

    def dense_grads(self, g):
        return (g.transpose(*self.dims),)


class TBackward0(TransposeBackward0):
    """d S^T = g^T"""


class SparseSumBackward0(_SparseNode):
    """d sum(S, dims) = g broadcast back over the summed dims"""

    def dense_grads(self, g):
        for d in self.dims:
            g = g.unsqueeze(d)
        return (g.expand(self.ins[0].shape),)


class SumBackward0(SparseSumBackward0):
    """d sum(S) = g broadcast to S's shape"""


class SumBackward1(SparseSumBackward0):
    """d S.sum(dims) = g broadcast back over the summed dims"""


class SparseSoftmaxBackward0(_SparseNode):
    """y = softmax over S's specified entries along dim: dS = y * (g - sum(g * y, dim))"""

    def dense_grads(self, g):
        y = self.y
        return (y * (g - (g * y).sum(self.dim, keepdim=True)),)


class SparseAddmmBackward0(_SparseNode):
    """C = S @ D: dS = g D^T (at S's pattern), dD = S^T g"""

    def dense_grads(self, g):
        s, d = self.ins
        return g.mm(_plain(d).t()), _plain(s).t().mm(g)


def _record(out, node, inputs, **attrs):
    return attach(out, node, tuple(x if isinstance(x, Tensor) else None for x in inputs), ins=inputs, **attrs)


def attach_masked(out, name, s):
    return _record(out, {"CoalesceBackward0": CoalesceBackward0, "ToDenseBackward0": ToDenseBackward0}[name], (s,))


def to_dense(s):
    return _record(wrap(s._data.copy()), ToDenseBackward0, (s,))


def _like(s, values, coalesced=None):
    return _make(s._indices_t._data, values, s.shape, s._coalesced if coalesced is None else coalesced)


def _same_size(op, a, b):
    if tuple(a.shape) != tuple(b.shape):
        raise RuntimeError(
            f"{op}: expected 'self' and 'other' to have same size, but self has size {list(a.shape)} while "
            f"other has size {list(b.shape)} (FYI: dense-sparse addition does not currently support broadcasting)"
        )


def neg(s):
    with no_grad():
        vals = (-s._values_t)._data
    return _record(_like(s, vals), NegBackward0, (s, None), other=-1)


def mul(s, other):
    """S * c and S * dense keep S's pattern; S * S keeps the entries both specify when both are
    coalesced, else the pattern of the uncoalesced one, as PyTorch's."""
    if isinstance(other, SparseCOOTensor) and not (s._coalesced and other._coalesced):
        _same_size("mul", s, other)
        pat, full = (s, other) if not s._coalesced else (other, s)
        with no_grad():
            vals = (pat._values_t * wrap(full._data[tuple(pat._indices_t._data)]))._data
        return _record(_like(pat, vals), MulBackward0, (s, other), other=_plain(other))
    if isinstance(other, SparseCOOTensor):
        _same_size("mul", s, other)
        ia, va = coalesced_arrays(s)
        ib, vb = coalesced_arrays(other)
        xp = s._xp
        fa = xp.ravel_multi_index(tuple(ia), s.shape[: ia.shape[0]]) if ia.shape[1] else ia[0]
        fb = xp.ravel_multi_index(tuple(ib), s.shape[: ib.shape[0]]) if ib.shape[1] else ib[0]
        _, ka, kb = xp.intersect1d(fa, fb, assume_unique=True, return_indices=True)
        with no_grad():
            vals = (wrap(va[ka]) * wrap(vb[kb]))._data
        out = _make(xp.ascontiguousarray(ia[:, ka]), vals, s.shape, True)
        return _record(out, MulBackward0, (s, other), other=_plain(other))
    if isinstance(other, Tensor) and other.ndim:
        idx = tuple(s._indices_t._data[: s.sparse_dim()])
        with no_grad():
            picked = wrap(s._xp.broadcast_to(other._data, s.shape)[idx])
            vals = (s._values_t * picked)._data
        return _record(_like(s, vals), MulBackward0, (s, other), other=_plain(other))
    with no_grad():
        vals = (s._values_t * other)._data
    return _record(_like(s, vals), MulBackward0, (s, None), other=other)


def div(s, other):
    if isinstance(other, Tensor) and (other.ndim or other.is_sparse):
        return Tensor.div(s, other)  # dense division: the dense result
    with no_grad():
        vals = (s._values_t / other)._data
    return _record(_like(s, vals), DivBackward0, (s,), other=other)


def add(s, other, alpha, node=AddBackward0):
    """S + alpha * S2, merging the two index lists as PyTorch does: walking both in order, an index
    met in both at once is summed (both coalesced: the sorted union)."""
    if not isinstance(other, SparseCOOTensor):
        raise RuntimeError("add(sparse, dense) is not supported. Use add(dense, sparse) instead.")
    _same_size("add", s, other)
    with no_grad():
        vb = other._values_t * alpha if alpha != 1 else other._values_t
        vals = cat([s._values_t, vb])._data
    xp = s._xp
    idx = xp.concatenate([s._indices_t._data, other._indices_t._data], axis=1)
    both = s._coalesced and other._coalesced
    out = _make(idx, vals, s.shape, False)
    if both:
        out = _make(*coalesced_arrays(out), s.shape, True)
    else:
        first, second = _merge_walk(
            [tuple(c) for c in s._indices_t._data.T.tolist()], [tuple(c) for c in other._indices_t._data.T.tolist()]
        )
        first, second = xp.asarray(first, dtype=np.int64), xp.asarray(second, dtype=np.int64)
        merged = vals[first] + xp.where((second >= 0).reshape((-1,) + (1,) * (vals.ndim - 1)), vals[second], 0)
        out = _make(idx[:, first], merged.astype(vals.dtype), s.shape, False) if len(first) else out
    return _record(out, node, (s, other), alpha=alpha)


def sub(s, other, alpha):
    return add(s, other, -alpha, SubBackward0)


def _merge_walk(a, b):
    """PyTorch's merge of two index lists: positions (into a + b) of each output entry and of the
    entry added to it (-1: none)."""
    i = j = 0
    first, second = [], []
    while i < len(a) or j < len(b):
        if j >= len(b) or (i < len(a) and a[i] < b[j]):
            first.append(i), second.append(-1)
            i += 1
        elif i >= len(a) or b[j] < a[i]:
            first.append(len(a) + j), second.append(-1)
            j += 1
        else:
            first.append(i), second.append(len(a) + j)
            i, j = i + 1, j + 1
    return first, second


def radd(s, other):
    if isinstance(other, Tensor):
        return Tensor.add(other, s)  # dense + sparse: dense
    raise RuntimeError("add(sparse, dense) is not supported. Use add(dense, sparse) instead.")


def transpose(s, dim0, dim1, name="transpose"):
    if name == "t":
        if s.ndim < 2:
            return s
        if s.sparse_dim() != 2 or s.dense_dim():
            raise RuntimeError(
                f"t() expects a tensor with <= 2 sparse and 0 dense dimensions, but got "
                f"{s.sparse_dim()} sparse and {s.dense_dim()} dense dimensions"
            )
    d0, d1 = wrap_dim(dim0, s.ndim), wrap_dim(dim1, s.ndim)
    if max(d0, d1) >= s.sparse_dim():
        raise RuntimeError("transpose(): only sparse dimensions of a COO tensor can be transposed here")
    idx = s._indices_t._data.copy()
    idx[[d0, d1]] = idx[[d1, d0]]
    shape = list(s.shape)
    shape[d0], shape[d1] = shape[d1], shape[d0]
    out = _make(idx, s._values_t._data, shape, False)
    return _record(out, TBackward0 if name == "t" else TransposeBackward0, (s,), dims=(d0, d1))


def sparse_sum(s, dim=None, dtype=None, node_name="SparseSumBackward0"):
    """torch.sparse.sum: over every dim a dense scalar; otherwise sparse over the sparse dims kept."""
    dims = dims_of(dim, s.ndim)
    sd = s.sparse_dim()
    keep = [d for d in range(sd) if d not in dims]
    with no_grad():
        if not keep:
            out = _plain(s).sum(dims) if dims else _plain(s).clone()
            out = out if dtype is None else out.to(dtype)
        else:
            idx, vals = coalesced_arrays(s)
            v = wrap(vals)
            vdims = [d - sd + 1 for d in dims if d >= sd]
            v = v.sum(vdims) if vdims else v
            v = v if dtype is None else v.to(dtype)
            shape = [s.shape[d] for d in keep] + [s.shape[d] for d in range(sd, s.ndim) if d not in dims]
            out = _make(idx[keep], v._data, shape, False)
            out = _make(*coalesced_arrays(out), shape, True)
    node = SumBackward1 if node_name == "SumBackward1" else SumBackward0 if dim is None else SparseSumBackward0
    return _record(out, node, (s,), dims=dims)


def softmax(s, dim, dtype=None):
    """Softmax along `dim` over the specified entries only (the others count as -inf)."""
    if not isinstance(s, SparseCOOTensor):
        raise RuntimeError(f"softmax: expected a sparse COO tensor, got layout {s.layout}")
    dim = wrap_dim(dim, s.ndim)
    idx, vals = coalesced_arrays(s)
    xp = s._xp
    x = s._data if dtype is None else s._data.astype(dtype.np)
    specified = xp.zeros(s.shape, dtype=bool)
    specified[tuple(idx)] = True
    logits = xp.where(specified, x, -xp.inf)
    top = logits.max(axis=dim, keepdims=True)
    top = xp.where(xp.isfinite(top), top, 0)
    e = xp.where(specified, xp.exp(logits - top), 0)
    total = e.sum(axis=dim, keepdims=True)
    y = e / xp.where(total == 0, 1, total)
    out = _make(idx, xp.ascontiguousarray(y[tuple(idx)]), s.shape, True)
    return _record(out, SparseSoftmaxBackward0, (s,), y=wrap(y), dim=dim)


def sparse_mm(s, d):
    """S @ D (dense result) whose gradient to S is sparse, at S's pattern."""
    if not isinstance(s, SparseCOOTensor):
        return s.mm(d)
    with no_grad():
        out = _plain(s).mm(d)
    return _record(out, SparseAddmmBackward0, (s, d))
