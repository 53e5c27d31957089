"""scaled_dot_product_attention as one graph node, on the inputs for which PyTorch's CPU
dispatch picks its fused kernel (4-D float32/float64 query, key and value of one batch shape,
no dropout); its grad_fn is PyTorch's name for that kernel's backward.

    S = Q K^T * scale (+ mask)        P = softmax(S, -1)        O = P V
    dV = P^T dO    dP = dO V^T    dS = P * (dP - rowsum(dP * P))
    dQ = dS K * scale    dK = dS^T Q * scale

The (..., L, S) scores live in one buffer, scaled, masked and normalised in place, block by
block (_parallel.by_rows: blocks of whole heads, on get_num_threads() threads); P is kept for
backward, which turns dP's buffer into dS the same way. The composite form (attention.py) made
four buffers of that size and streamed each through memory twice. A GPT-2 block's causal
attention (batch 16, 4 heads, 128 positions, two threads) went 11.4 -> 4.6 ms forward and
18.6 -> 13.8 ms forward + backward; the benchmark's GPT step 205-215 -> 166-178 ms (three
processes each, page faults taken out by TORCHLET_RETAIN_FREED_MEMORY=1; the step's time with
them moves by 30% between processes). A row that may attend to nothing (every score -inf)
gives 0 and a 0 gradient, as in PyTorch.

_probabilities, the end of the file, is P from Tensor ops: the composite path's, and the
node's double backward (PyTorch's fused kernel has none)."""

import numpy as np

from . import _gemm, _parallel, _softmax_onednn
from .. import _dtype
from ._util import TwoPathNode, attach, wrap

__all__ = ["fused_attention"]

_NEG_INF = float("-inf")


class ScaledDotProductFlashAttentionForCpuBackward0(TwoPathNode):
    """dV = P^T dO, dS = P * (dP - rowsum(dP * P)) with dP = dO V^T, dQ = dS K * scale,
    dK = dS^T Q * scale (P: the softmax of the scaled, masked scores)"""

    def backward_arrays(self, g):
        q, k, v = self.saved_tensors
        xp, p = q._xp, self.probs
        ga = g._data
        if ga.dtype != p.dtype:
            return NotImplemented
        dv = _product(xp, xp.swapaxes(p, -1, -2), ga) if self.needs_input_grad(2) else None
        dq = dk = None
        if self.needs_input_grad(0) or self.needs_input_grad(1):
            ds = _product(xp, ga, xp.swapaxes(v._data, -1, -2))
            if not _softmax_onednn.softmax_backward_(ds, p):
                _parallel.by_rows(lambda d, pp: _softmax_grad(xp, d, pp), _rows(ds), _rows(p))
            if self.needs_input_grad(0):
                dq = _product(xp, ds, k._data)
                dq *= self.scale
            if self.needs_input_grad(1):
                dk = _product(xp, xp.swapaxes(ds, -1, -2), q._data)
                dk *= self.scale
        return tuple(None if a is None else wrap(a) for a in (dq, dk, dv))

    def backward_tensors(self, g):
        q, k, v = self.saved_tensors
        p = _probabilities(q, k, self.mask, self.causal, self.scale)  # differentiable in q and k
        dv = p.transpose(-2, -1).matmul(g)
        dp = g.matmul(v.transpose(-2, -1))
        ds = p * (dp - (dp * p).sum(-1, keepdim=True))
        return ds.matmul(k) * self.scale, ds.transpose(-2, -1).matmul(q) * self.scale, dv


def _rows(a):
    """(heads, L, S) view of a C-contiguous (..., L, S) array: by_rows cuts it into whole heads."""
    return a.reshape((-1,) + a.shape[-2:])


def _product(xp, a, b):
    """a @ b as a fresh C-contiguous array, which the kernels then rewrite in place. A `b` of
    column-major matrices (K^T, V^T: a transposed (..., S, E) array) is copied row-major first:
    OpenBLAS's A @ B^T of these shapes is slow (q @ k^T, batch 16, 4 heads, 128 x 32, two
    threads: 1.4 ms, against 0.09 for the copy and 0.53 for the product)."""
    if b.__class__ is np.ndarray and b.strides[-2] == b.itemsize and b.shape[-1] > 1:
        b = np.ascontiguousarray(b)
    out = _gemm.matmul(xp, _blas_operand(a), _blas_operand(b))
    return out if out.flags.c_contiguous else xp.ascontiguousarray(out)


def _blas_operand(a):
    """`a`, or a C-contiguous copy where its matrices are not rows or columns of one stride
    (a broadcast gradient's zero strides): NumPy's matmul then skips BLAS for a loop ~5x
    slower (a (16, 4, 128, 32) @ (16, 4, 32, 128) product: 3.5 against 0.6 ms)."""
    if a.__class__ is not np.ndarray or a.flags.c_contiguous:
        return a
    r, c = a.strides[-2:]
    n = a.itemsize
    if (c == n and r >= a.shape[-1] * n) or (r == n and c >= a.shape[-2] * n):
        return a
    return np.ascontiguousarray(a)


def _softmax_grad(xp, ds, p):
    """dP -> dS = P * (dP - rowsum(dP * P)), in dP's buffer (einsum: the row sums without a
    product buffer, and twice as fast as a sum along a 128-wide axis)."""
    ds -= xp.einsum("...i,...i->...", ds, p)[..., None]
    ds *= p


def _scale_and_mask(scale, shared):
    """The in-place scale and mask of a block of scores (heads, L, S). The additive mask (0 or
    -inf where a bool mask forbids) is `shared` (L, S) by every head, or the kernel's second
    argument, a block of the same heads."""

    def run(s, *per_head):
        s *= scale
        m = per_head[0] if per_head else shared
        if m is not None:
            s += m

    return run


def _normalise(xp, may_be_empty):
    """The in-place softmax of a block of scores along its last axis."""

    def run(s, *_):
        top = s.max(-1, keepdims=True)
        if may_be_empty:  # a row of -inf: exp(-inf - 0) = 0, and its sum 0 divides as 1
            xp.copyto(top, 0.0, where=xp.isneginf(top))
        s -= top
        xp.exp(s, out=s)
        total = xp.einsum("...i->...", s)[..., None]
        if may_be_empty:
            xp.copyto(total, 1.0, where=total == 0)
        s /= total

    return run


def _softmax(xp, p, per_head, scale, shared, may_be_empty):
    """The scores p (..., L, S) scaled, masked and normalised in place: with the `onednn` extra
    the softmax on oneDNN (_softmax_onednn.py; not where a row may be all -inf, which gives NaN
    there), else one NumPy kernel over blocks of heads."""
    heads = (_rows(p),) + (() if per_head is None else (per_head,))
    scale_and_mask = _scale_and_mask(scale, shared)
    if not may_be_empty and _softmax_onednn.usable(p):
        _parallel.by_rows(scale_and_mask, *heads)
        if _softmax_onednn.softmax_(p):
            return
        _parallel.by_rows(_normalise(xp, may_be_empty), heads[0])  # (oneDNN refused the shape)
        return
    normalise = _normalise(xp, may_be_empty)
    _parallel.by_rows(lambda s, *m: (scale_and_mask(s, *m), normalise(s)), *heads)


def fused_attention(query, key, value, mask, causal, scale):
    """O = softmax(Q K^T * scale + mask) V for 4-D query (..., L, E), key (..., S, E), value
    (..., S, Ev) of one batch shape; `mask`: None, or a bool (True = attend) or float tensor
    that broadcasts to (..., L, S) and needs no gradient; `causal`: row i sees keys 0..i."""
    xp = query._xp
    q, k, v = query._data, key._data, value._data
    L, S = q.shape[-2], k.shape[-2]
    p = _product(xp, q, xp.swapaxes(k, -1, -2))
    shared = per_head = None
    m = xp.tril(xp.ones((L, S), dtype=bool)) if causal else None if mask is None else mask._data
    if m is not None:
        if m.dtype == bool:  # 0 where attention goes, -inf elsewhere (an add: 4x faster than a fill)
            m = xp.where(m, p.dtype.type(0), p.dtype.type(_NEG_INF))
        if m.ndim > 2 and any(d != 1 for d in m.shape[:-2]):  # a mask per head: cut with the scores
            per_head = xp.ascontiguousarray(xp.broadcast_to(m, p.shape)).reshape(_rows(p).shape)
        else:
            shared = m.reshape(m.shape[-2:]) if m.ndim > 2 else m
    _softmax(xp, p, per_head, scale, shared, mask is not None)  # a causal row sees key 0 at least
    out = wrap(_product(xp, p, v))
    return attach(
        out,
        ScaledDotProductFlashAttentionForCpuBackward0,
        (query, key, value),
        (query, key, value),
        probs=p,
        scale=scale,
        mask=mask,
        causal=causal,
    )


# ----- P from Tensor ops: the composite path's (attention.py) and this node's double backward
def _neg_inf_mask(mask, dtype, allowed):
    """A bool mask as an additive float mask: 0 where attention goes, -inf elsewhere."""
    from .creation import zeros

    blocked = mask.logical_not() if allowed else mask
    return zeros(tuple(mask.shape), dtype=dtype, device=mask.device).masked_fill(blocked, float("-inf"))


def _causal(L, S, dtype, device=None):
    from .creation import ones

    return _neg_inf_mask(ones(L, S, dtype=_dtype.bool, device=device).tril(), dtype, True)


def _probabilities(query, key, attn_mask, is_causal, s):
    """softmax(Q K^T * s + mask, -1) from Tensor ops; a row that may attend to nothing gives 0."""
    from .softmax import softmax

    L, S = query.shape[-2], key.shape[-2]
    scores = query.matmul(key.transpose(-2, -1)) * s
    may_be_empty = not (is_causal and L <= S)  # a causal row always sees its own key
    if is_causal:
        attn_mask = _causal(L, S, scores.dtype, scores.device)
    if attn_mask is None:
        return softmax(scores, -1)
    if attn_mask.dtype is _dtype.bool:
        attn_mask = _neg_inf_mask(attn_mask, scores.dtype, True)
    scores = scores + attn_mask
    dead = (scores == float("-inf")).all(-1, keepdim=True) if may_be_empty else None
    if dead is not None and dead._data.any():  # rows that attend nothing
        return softmax(scores.masked_fill(dead, 0.0), -1).masked_fill(dead, 0.0)
    return softmax(scores, -1)
