"""Margin and embedding losses (nn.functional), as PyTorch defines them.

Composites of Tensor ops, as in ATen (their grad_fn is the reduction's):
  margin_ranking_loss   l = max(0, -y (x1 - x2) + margin)
  hinge_embedding_loss  l = x where y == 1, max(0, margin - x) where y == -1 (the sum of both
                        terms for any other y, as PyTorch)
  cosine_embedding_loss l = 1 - cos(x1, x2) where y == 1, max(0, cos - margin) where y == -1,
                        cos = <x1, x2> / sqrt((|x1|^2 + 1e-12)(|x2|^2 + 1e-12))
  triplet_margin_loss   l = max(0, margin + d(a, p) - d(a, n)), d = pairwise_distance
                        (swap: d(a, n) -> min(d(a, n), d(p, n)))
  multilabel_soft_margin_loss  l = -mean_c(w (y log s(x) + (1 - y) log s(-x)))

Fused nodes (PyTorch's own kernels, whose names they carry):
  multi_margin_loss     l_n = sum_{d != t} w_t max(0, margin - x_t + x_d)^p / C
      dl/dx_d = w_t p z_d^(p-1) [z_d > 0] / C (d != t),  dl/dx_t = -sum_{d != t} dl/dx_d
  multilabel_margin_loss  l_n = sum_{j in T} sum_{i not in T} max(0, 1 - x_j + x_i) / C,
      T = the target indices before the first -1;
      dl/dx_i = #{j: z_ji > 0} / C (i not in T),  dl/dx_j = -#{i: z_ji > 0} / C
"""

import numpy as np

from ._util import Node, Tensor, TwoPathNode, attach, grad_enabled, wrap
from .activation import _WORDS, logsigmoid
from .distance import pairwise_distance
from .loss import _legacy_reduction, _legacy_string

__all__ = [
    "margin_ranking_loss",
    "hinge_embedding_loss",
    "cosine_embedding_loss",
    "triplet_margin_loss",
    "triplet_margin_with_distance_loss",
    "multi_margin_loss",
    "multilabel_margin_loss",
    "multilabel_soft_margin_loss",
]

_TYPE_WORDS = dict(_WORDS, float32="Float", float64="Double", float16="Half", bfloat16="BFloat16")


def _reduce(loss, reduction):
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


def _zeros(like):
    from .creation import zeros_like

    return zeros_like(like)


def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if input1.dim() != input2.dim() or input1.dim() != target.dim():
        raise RuntimeError(
            "margin_ranking_loss : All input tensors should have same dimension but got "
            f"sizes: input1: {input1.size()}, input2: {input2.size()}, target: "
            f"{target.size()} "
        )
    return _reduce((-target * (input1 - input2) + margin).clamp_min(0), reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction="mean"):
    from .clamp import where

    reduction = _legacy_reduction(size_average, reduce, reduction)
    zeros = _zeros(input)
    margin_clamp = (margin - input).clamp_min(0)
    loss = where(target != 1, margin_clamp, zeros) + where(target != -1, input, zeros)
    return _reduce(loss, reduction)


def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    from .clamp import where

    reduction = _legacy_reduction(size_average, reduce, reduction)
    tdim = target.dim()
    if tdim not in (0, 1):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    want = 2 if tdim == 1 else 1
    if input1.dim() != want or input2.dim() != want:
        raise RuntimeError(
            f"{tdim}D target tensor expects {want}D input tensors, but found inputs with "
            f"sizes {list(input1.shape)} and {list(input2.shape)}."
        )
    prod = (input1 * input2).sum(tdim)
    mag1 = (input1 * input1).sum(tdim) + 1e-12
    mag2 = (input2 * input2).sum(tdim) + 1e-12
    cos = prod / (mag1 * mag2).sqrt()
    zeros = _zeros(cos)
    loss = where(target == 1, 1 - cos, zeros) + where(target == -1, (cos - margin).clamp_min(0), zeros)
    return _reduce(loss, reduction)


def _check_triplet_dims(anchor, positive, negative):
    a, p, n = anchor.dim(), positive.dim(), negative.dim()
    if not a == p == n:
        raise RuntimeError(
            "The anchor, positive, and negative tensors are expected to have the same "
            f"number of dimensions, but got: anchor {a}D, positive {p}D, and negative "
            f"{n}D inputs"
        )


def triplet_margin_loss(
    anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, size_average=None, reduce=None, reduction="mean"
):
    from .clamp import minimum

    reduction = _legacy_reduction(size_average, reduce, reduction)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    _check_triplet_dims(anchor, positive, negative)
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    return _reduce((margin + d_pos - d_neg).clamp_min(0), reduction)


def triplet_margin_with_distance_loss(
    anchor, positive, negative, *, distance_function=None, margin=1.0, swap=False, reduction="mean"
):
    from .clamp import minimum

    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    _check_triplet_dims(anchor, positive, negative)
    dist = distance_function if distance_function is not None else pairwise_distance
    d_pos = dist(anchor, positive)
    d_neg = dist(anchor, negative)
    if swap:
        d_neg = minimum(d_neg, dist(positive, negative))
    return _reduce((margin + d_pos - d_neg).clamp_min(0), reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    if size_average is not None or reduce is not None:
        reduction = _legacy_string(size_average, reduce)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.dim() - 1
    loss = loss.sum(class_dim) / input.size(class_dim)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    return _reduce(loss, reduction)


# ----- the fused multi-class margin losses ---------------------------------------------
def _check_long_target(target):
    if target._data.dtype != np.int64:
        raise RuntimeError(
            f"expected scalar type Long but found {_TYPE_WORDS.get(target.dtype.name, target.dtype.name)}"
        )


def _rows(input, name):
    """input as (N, C) arrays: 0-d is one sample of one class, 1-d one sample."""
    x = input._data
    if not (x.ndim == 0 or (x.ndim in (1, 2) and x.shape[-1] != 0)):
        raise RuntimeError(
            f"Expected non-empty vector or matrix with optional 0-dim batch size, but got: {list(x.shape)}"
        )
    if x.dtype.kind != "f":
        raise NotImplementedError(
            f"\"{name}\" not implemented for '{_TYPE_WORDS.get(input.dtype.name, input.dtype.name)}'"
        )
    return x.reshape(-1, x.shape[-1] if x.ndim else 1)


def _sample_grad(g, n, reduction):
    """The gradient of each sample's loss (a (N, 1) tensor) from g."""
    if reduction == "none":
        return g.reshape(n, 1)
    return (g / n if reduction == "mean" else g).reshape(1, 1).expand(n, 1)


def _reduce_arr(per_sample, reduction, out_shape):
    if reduction == "none":
        return per_sample.reshape(out_shape)
    total = per_sample.sum()
    return total / per_sample.shape[0] if reduction == "mean" else total


class MultiMarginLossBackward0(TwoPathNode):
    """dl/dx_d = w_t p z_d^(p-1) [z_d > 0, d != t] / C;  dl/dx_t = -sum_d dl/dx_d
    (p = 2: z from the forward's array, or recomputed from x with Tensor ops)"""

    def backward_arrays(self, g):
        return self._grad(g, arrays=True)

    def backward_tensors(self, g):
        return self._grad(g, arrays=False)

    def _grad(self, g, arrays):
        (x,) = self.saved_tensors
        n, c = self.rows
        gs = _sample_grad(g, n, self.reduction)
        mask = wrap(self.mask)
        if self.p == 1:
            d = mask
        elif not arrays:  # create_graph: z as a function of x
            x2 = x.reshape(n, c)
            z = float(self.margin) - x2.gather(1, wrap(self.t[:, None])) + x2
            d = mask * z * 2
        else:
            d = mask * wrap(self.z * 2)
        d = d * (wrap(self.w_t) / c) if self.w_t is not None else d / c
        gd = gs * d
        onehot = wrap(self.onehot)
        return (gd - onehot * gd.sum(1, keepdim=True)).reshape(x.shape)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None, reduction="mean"):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.dim() != 1:
        raise ValueError("weight must be one-dimensional")
    x = _rows(input, "multi_margin_loss_cpu_kernel")
    n, c = x.shape
    if not (target.dim() <= 1 and target.numel() == n):
        raise RuntimeError(
            "multi_margin_loss: target tensor should be 1-D with size equal to the number "
            f"of input samples (batch size). Expected target size [{n}], but got "
            f"{list(target.shape)}. Input has shape {list(input.shape)}."
        )
    _check_long_target(target)
    if weight is not None and weight.numel() != c:
        raise RuntimeError(f"inconsistent weight size, expected {c} but got {list(weight.shape)}")
    xp = input._xp
    t = target._data.reshape(-1)
    if ((t < 0) | (t >= c)).any():
        raise RuntimeError("target out of range")
    rows = xp.arange(n)
    onehot = xp.zeros((n, c), dtype=x.dtype)
    onehot[rows, t] = 1
    m = x.dtype.type(margin)
    z = m - x[rows, t][:, None] + x
    mask = ((z > 0) & (onehot == 0)).astype(x.dtype)
    h = z * mask if p == 1 else z * z * mask
    w_t = None
    if weight is not None:
        w_t = weight._data.astype(x.dtype, copy=False)[t][:, None]
        h = h * w_t
    per_sample = h.sum(1) / x.dtype.type(c)
    out_shape = target.shape if input.dim() == 1 else (n,) if input.dim() == 2 else ()
    res = wrap(xp.asarray(_reduce_arr(per_sample, reduction, out_shape), dtype=x.dtype))
    return attach(
        res,
        MultiMarginLossBackward0,
        (input,),
        (input,),
        rows=(n, c),
        reduction=reduction,
        mask=mask,
        onehot=onehot,
        p=p,
        margin=m,
        t=t,
        z=z,
        w_t=w_t,
    )


class MultilabelMarginLossBackward0(Node):
    """dl/dx = a constant per-sample coefficient (piecewise linear loss), times g"""

    def backward(self, g):
        n = self.coef.shape[0]
        gs = _sample_grad(g, n, self.reduction)
        return (gs * wrap(self.coef)).reshape(self.in_shape)


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    x = _rows(input, "multilabel_margin_loss_forward_out_frame")
    n, c = x.shape
    ok = (
        (target.dim() <= 1 and target.numel() == c)
        if input.dim() <= 1
        else (target.dim() == 2 and tuple(target.shape) == (n, c))
    )
    if not ok:
        raise RuntimeError(f"inconsistent target size: {list(target.shape)} for input of size: {list(input.shape)}")
    _check_long_target(target)
    xp = input._xp
    t = target._data.reshape(n, c)
    if ((t < -1) | (t >= c)).any():
        raise RuntimeError("argument #2 'target' is out of range")
    # the targets of each row: the entries before its first -1 (with repeats)
    stop = xp.where((t == -1).any(1), (t == -1).argmax(1), c)
    live = xp.arange(c)[None, :] < stop[:, None]
    count = xp.zeros((n, c), dtype=x.dtype)  # how often class j is listed as a target
    rows = xp.broadcast_to(xp.arange(n)[:, None], (n, c))
    xp.add.at(count, (rows[live], t[live]), 1)
    other = (count == 0).astype(x.dtype)  # classes that are not targets
    z = 1 - x[:, :, None] + x[:, None, :]  # z[n, j, i] = 1 - x_j + x_i
    active = (z > 0) * count[:, :, None] * other[:, None, :]
    per_sample = (z * active).sum((1, 2)) / x.dtype.type(c)
    out_shape = (n,) if input.dim() == 2 else ()
    res = wrap(xp.asarray(_reduce_arr(per_sample, reduction, out_shape), dtype=x.dtype))
    if not (grad_enabled() and input._requires_grad):
        return res
    coef = (active.sum(1) - active.sum(2)) / x.dtype.type(c)
    return attach(
        res,
        MultilabelMarginLossBackward0,
        (input,),
        coef=coef.astype(x.dtype),
        reduction=reduction,
        in_shape=input.shape,
    )


_ = Tensor
