"""Elementwise losses: a function of (input, target) per element, then reduced: mse, l1,
smooth_l1, huber, binary_cross_entropy (with and without logits), kl_div, soft_margin_loss and
poisson_nll_loss."""

import warnings
from .. import _dtype
from ._util import Node, Tensor, TwoPathNode, attach, binary_arrays, broadcast_shape, reduce_grad, wrap
from .activation import softplus, _sigmoid_arr, _softplus_arr, _WORDS
from .loss import (
    _EPS,
    _REDUCTIONS,
    _check_float,
    _grad_of_reduced,
    _legacy_reduction,
    _quiet,
    _reduce_arr,
    _size_warning,
)

__all__ = [
    "mse_loss",
    "l1_loss",
    "smooth_l1_loss",
    "huber_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "kl_div",
    "soft_margin_loss",
    "poisson_nll_loss",
]


# ----- regression losses ------------------------------------------------------
class _PairLoss(Node):
    """Elementwise loss of (input, target): grad_input = g * d, grad_target = -g * d."""

    def backward(self, g):
        x, t = self.saved_tensors
        shape = self.shape
        gl = _grad_of_reduced(g, shape, self.reduction, self.n)
        d = self.d(x, t)
        gd = gl * d
        mi, mt = self.input_meta
        return (
            reduce_grad(gd, mi) if self.needs_input_grad(0) else None,
            reduce_grad(-gd, mt) if self.needs_input_grad(1) else None,
        )


class MseLossBackward0(_PairLoss):
    """d (x - t)^2 = 2 (x - t)"""

    def d(self, x, t):
        return (x - t) * 2


class SmoothL1LossBackward0(_PairLoss):
    """d smooth_l1 = (x - t)/beta where |x - t| < beta, sign(x - t) elsewhere"""

    def d(self, x, t):
        diff = x - t
        a = diff._data
        inner = wrap((abs(a) < self.beta).astype(a.dtype))
        sign = wrap(((a > 0).astype(a.dtype) - (a < 0).astype(a.dtype)))
        if self.beta == 0:
            return sign
        return inner * diff / self.beta + (1 - inner) * sign


class HuberLossBackward0(_PairLoss):
    """d huber = (x - t) where |x - t| < delta, delta * sign(x - t) elsewhere"""

    def d(self, x, t):
        diff = x - t
        a = diff._data
        inner = wrap((abs(a) < self.delta).astype(a.dtype))
        sign = wrap(((a > 0).astype(a.dtype) - (a < 0).astype(a.dtype)))
        return inner * diff + (1 - inner) * sign * self.delta


def _pair_loss(input, target, reduction, node_cls, elem, name, **attrs):
    _size_warning(input, target, 4)
    x, t = binary_arrays(input, target)
    if x.dtype.kind not in "fc":
        raise NotImplementedError(f"\"{name}\" not implemented for '{_WORDS.get(str(x.dtype), x.dtype)}'")
    xp = input._xp
    shape = broadcast_shape(x.shape, xp.shape(t))
    x, t = xp.broadcast_to(x, shape), xp.broadcast_to(t, shape)
    arr = elem(xp, x - t)
    res = wrap(xp.asarray(_reduce_arr(arr, reduction), dtype=x.dtype))
    return attach(
        res, node_cls, (input, target), (input, target), shape=arr.shape, reduction=reduction, n=arr.size, **attrs
    )


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if weight is not None:
        _size_warning(input, target)
        loss = (input - target) ** 2 * weight
        return loss if reduction == "none" else (loss.sum() if reduction == "sum" else loss.mean())
    return _pair_loss(input, target, reduction, MseLossBackward0, lambda xp, d: d * d, "mse_cpu")


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _size_warning(input, target)
    loss = (input - target).abs()
    if weight is not None:
        loss = loss * weight
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")

    def elem(xp, d):
        a = xp.abs(d)
        if beta == 0:
            return a
        return xp.where(a < beta, 0.5 * a * a / beta, a - 0.5 * beta)

    return _pair_loss(input, target, reduction, SmoothL1LossBackward0, elem, "smooth_l1_cpu", beta=beta)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")

    def elem(xp, d):
        a = xp.abs(d)
        return xp.where(a < delta, 0.5 * a * a, delta * (a - 0.5 * delta))

    if weight is not None:
        loss = huber_loss(input, target, "none", delta) * weight
        return loss if reduction == "none" else (loss.sum() if reduction == "sum" else loss.mean())
    return _pair_loss(input, target, reduction, HuberLossBackward0, elem, "huber_cpu", delta=delta)


# ----- binary cross entropy ------------------------------------------------------------
class _BceNode(TwoPathNode):
    """Both paths of a BCE gradient from one `_grads(g, arrays)` (d/dx on arrays or with
    Tensor ops, d/dt with Tensor ops)."""

    def backward_arrays(self, g):
        return self._grads(g, arrays=True)

    def backward_tensors(self, g):
        return self._grads(g, arrays=False)


class BinaryCrossEntropyBackward0(_BceNode):
    """d bce/dx = w (x - t) / max(x (1 - x), 1e-12); d/dt = w (log(1-x) - log(x))
    (d/dx on arrays or with Tensor ops; d/dt with Tensor ops)"""

    def _grads(self, g, arrays):
        x, t = self.saved_tensors
        gl = _grad_of_reduced(g, self.shape, self.reduction, self.n)
        w = self.weight
        if w is not None:
            gl = gl * w
        gx = gt = None
        if self.needs_input_grad(0):
            if arrays:
                xa = x._data
                gx = gl * wrap((xa - t._data) / x._xp.maximum((1 - xa) * xa, _EPS))
            else:
                gx = gl * (x - t) / ((1 - x) * x).clamp(min=_EPS)
        if self.needs_input_grad(1):
            gt = gl * ((1 - x).log() - x.log())  # -logit(x), unclamped as in PyTorch
        return gx, gt


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if target.shape != input.shape:
        raise ValueError(
            f"Using a target size ({target.shape}) that is different to the input size "
            f"({input.shape}) is deprecated. Please ensure they have the same size."
        )
    x, t = input._data, target._data
    _check_float(input, "binary_cross_entropy")
    xp = input._xp
    if ((x < 0) | (x > 1)).any() or xp.isnan(x).any():
        raise RuntimeError("all elements of input should be between 0 and 1")
    t = t.astype(x.dtype, copy=False)
    with _quiet(xp):
        loss = -(t * xp.maximum(xp.log(x), -100) + (1 - t) * xp.maximum(xp.log1p(-x), -100))
    if weight is not None:
        weight = weight.expand(input.shape) if weight.shape != input.shape else weight
        loss = loss * weight._data
    res = wrap(xp.asarray(_reduce_arr(loss, reduction), dtype=x.dtype))
    return attach(
        res,
        BinaryCrossEntropyBackward0,
        (input, target),
        (input, target),
        shape=x.shape,
        reduction=reduction,
        n=x.size,
        weight=weight,
    )


class BinaryCrossEntropyWithLogitsBackward0(_BceNode):
    """d/dx = w ((1 - t) - lw sigmoid(-x)), lw = 1 + (pw - 1) t; d/dt = w (-x + (pw - 1) softplus(-x))
    (d/dx on arrays or with Tensor ops; d/dt with Tensor ops)"""

    def _grads(self, g, arrays):
        x, t = self.saved_tensors
        gl = _grad_of_reduced(g, self.shape, self.reduction, self.n)
        if self.weight is not None:
            gl = gl * self.weight
        pw = self.pos_weight
        gx = gt = None
        if self.needs_input_grad(0):
            if arrays:
                xa, ta = x._data, t._data
                lw = 1 if pw is None else 1 + (pw._data - 1) * ta
                gx = gl * wrap(((1 - ta) - lw * _sigmoid_arr(x._xp, -xa)).astype(xa.dtype, copy=False))
            else:
                lw = 1 if pw is None else 1 + (pw - 1) * t
                gx = gl * ((1 - t) - lw * (-x).sigmoid())
            gx = reduce_grad(gx, self.input_meta[0])
        if self.needs_input_grad(1):
            d = -x if pw is None else -x + (pw - 1) * softplus(-x)
            gt = reduce_grad(gl * d, self.input_meta[1])
        return gx, gt


def binary_cross_entropy_with_logits(
    input, target, weight=None, size_average=None, reduce=None, reduction="mean", pos_weight=None
):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if target.shape != input.shape:
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    _check_float(input, "binary_cross_entropy_with_logits")
    xp = input._xp
    x = input._data
    t = target._data.astype(x.dtype, copy=False)
    for w, first in ((pos_weight, True), (weight, False)):  # each broadcasts to the loss's shape
        if w is not None:
            pair = (w._data.shape, x.shape) if first else (x.shape, w._data.shape)
            if broadcast_shape(*pair) != x.shape:
                raise RuntimeError(
                    f"output with shape {list(x.shape)} doesn't match the broadcast shape "
                    f"{list(broadcast_shape(*pair))}"
                )
    sp = _softplus_arr(xp, -x)  # log(1 + exp(-x)), stable
    # PyTorch builds the loss in place on (1 - target): a floating target of another dtype (float32
    # labels with float64 logits, as in torchvision's RPN) rounds each step to the target's dtype
    out = target._data.dtype if xp.issubdtype(target._data.dtype, xp.floating) else x.dtype
    lw = 1 if pos_weight is None else 1 + (pos_weight._data - 1) * t
    if out == x.dtype:
        loss = (1 - t) * x + lw * sp
        if weight is not None:
            loss = loss * weight._data
    else:
        loss = ((1 - t) * x).astype(out)
        loss = (loss + lw * sp).astype(out)
        if weight is not None:
            loss = (loss * weight._data).astype(out)
    shape = loss.shape
    res = wrap(xp.asarray(_reduce_arr(loss, reduction), dtype=out))
    return attach(
        res,
        BinaryCrossEntropyWithLogitsBackward0,
        (input, target),
        (input, target),
        shape=shape,
        reduction=reduction,
        n=loss.size,
        weight=weight,
        pos_weight=pos_weight,
    )


# ----- divergence and others -------------------------------------------------------------
def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce, reduction)
    elif reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the "
            "support size.'batchmean' divides only by the batch size, and aligns with the KL "
            "div math definition.'mean' will be changed to behave the same as 'batchmean' "
            "in the next major release.",
            UserWarning,
            stacklevel=2,
        )
    elif reduction not in _REDUCTIONS + ("batchmean",):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if log_target:
        loss = target.exp() * (target - input)
    else:
        if target._requires_grad:
            tlogt = target.xlogy(target)
        else:
            ta = target._data
            xp = target._xp
            with _quiet(xp):
                tlogt = wrap(xp.where(ta == 0, 0, ta * xp.log(xp.where(ta == 0, 1, ta))).astype(ta.dtype, copy=False))
        loss = tlogt - target * input
    if reduction == "batchmean":
        return loss.sum() / input.shape[0] if input.ndim != 0 else loss.sum()
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    loss = softplus(-target * input)
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


def poisson_nll_loss(
    input, target, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None, reduction="mean"
):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        import math

        t = target._data
        xp = target._xp
        with _quiet(xp):
            approx = t * xp.log(xp.where(t > 1, t, 1)) - t + 0.5 * xp.log(2 * math.pi * xp.where(t > 1, t, 1))
        loss = loss + wrap(xp.where(t > 1, approx, 0).astype(t.dtype, copy=False))
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


_ = (_dtype, Tensor)
