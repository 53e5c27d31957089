"""Loss functions (nn.functional). nll_loss and the regression losses are
fused nodes; cross_entropy is log_softmax + nll_loss (two nodes, as in
PyTorch), and its label-smoothing / class-probability forms are composed
from Tensor ops."""

import warnings

import numpy as np

from .. import _dtype
from ._util import Node, Tensor, TwoPathNode, attach, binary_arrays, broadcast_shape, grad_enabled, reduce_grad, wrap
from .activation import log_softmax, softplus, _sigmoid_arr, _softplus_arr, _WORDS

__all__ = [
    "nll_loss",
    "cross_entropy",
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

_REDUCTIONS = ("none", "mean", "sum")
_EPS = 9.999999960041972e-13  # PyTorch's BCE epsilon: float32(1e-12)


def _legacy_reduction(size_average, reduce, reduction):
    if size_average is None and reduce is None:
        if reduction not in _REDUCTIONS:
            raise ValueError(f"{reduction} is not a valid value for reduction")
        return reduction
    warnings.warn(
        "size_average and reduce args will be deprecated, please use reduction='{}' instead.".format(
            _legacy_string(size_average, reduce)
        ),
        UserWarning,
        stacklevel=3,
    )
    return _legacy_string(size_average, reduce)


def _legacy_string(size_average, reduce):
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if size_average and reduce:
        return "mean"
    return "sum" if reduce else "none"


def _reduce_arr(arr, reduction):
    if reduction == "none":
        return arr
    if reduction == "sum":
        return arr.sum()
    return arr.mean() if arr.size else arr.sum() * float("nan")


def _grad_of_reduced(g, shape, reduction, n):
    """The gradient of the elementwise loss from the gradient of its reduction."""
    if reduction == "none":
        return g
    if reduction == "mean":
        g = g / n
    return g.expand(shape)


def _check_float(t, name):
    if t.dtype.category < 2:
        raise NotImplementedError(f"\"{name}\" not implemented for '{_WORDS.get(t.dtype.name, t.dtype)}'")


def _size_warning(input, target, stacklevel=3):
    if target.shape != input.shape:
        warnings.warn(
            f"Using a target size ({target.shape}) that is different to the input size "
            f"({input.shape}). This will likely lead to incorrect results due to "
            "broadcasting. Please ensure they have the same size.",
            UserWarning,
            stacklevel=stacklevel,
        )


# ----- negative log likelihood ---------------------------------------------------
class NllLossBackward0(Node):
    """d nll = -w[t] (/ total weight for mean) at each target's class, 0 elsewhere"""

    def backward(self, g):
        if getattr(self, "mismatch", None):
            raise RuntimeError(self.mismatch)
        coef = self.coef
        if self.reduction == "none":
            return g.unsqueeze(self.class_dim) * coef
        return g * coef


def _nll_checks(x, t, weight, ignore_index):
    if x.ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {x.ndim})")
    if x.ndim == 1 and t.ndim == 1 and t.shape[0] != 1:
        raise ValueError(f"For 1D input, 1D target must have size 1, but got target size: {t.shape[0]}")
    if x.ndim != 1 and (t.ndim == 0 or x.shape[0] != t.shape[0]):
        raise ValueError(
            f"Expected input batch_size ({x.shape[0]}) to match target batch_size ({t.shape[0] if t.ndim else 0})."
        )
    if x.ndim <= 2:
        if t.ndim > 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        if x.ndim != 1 and x.shape[0] != t.shape[0]:
            raise RuntimeError(f"size mismatch (got input: {list(x.shape)}, target: {list(t.shape)})")
    elif t.shape[1:] != x.shape[2:]:
        raise RuntimeError(f"Expected target size {[x.shape[0]] + list(x.shape[2:])}, got {list(t.shape)}")
    n_classes = x.shape[1] if x.ndim >= 2 else x.shape[0]
    if weight is not None and (weight.ndim != 1 or weight.numel() != n_classes):
        raise RuntimeError(
            f"weight tensor should be defined either for all {n_classes} classes or "
            f"no classes but got weight tensor of shape: {list(weight.shape)}"
        )
    if t.dtype not in _TARGET_DTYPES:
        word = _WORDS.get(
            t.dtype.name, {"float32": "Float", "float64": "Double", "float16": "Half"}.get(t.dtype.name, t.dtype.name)
        )
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {word}")
    return n_classes


_TARGET_DTYPES = frozenset((np.dtype(np.int64), np.dtype(np.uint8)))


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    x, t = input._data, target._data
    n_classes = _nll_checks(x, t, weight, ignore_index)
    mismatch = None
    if x.ndim == 1 and t.ndim == 1:  # PyTorch's forward reads a size-1 target as 0-d; its backward refuses
        mismatch = f"size mismatch (got input: {list(x.shape)}, target: {list(t.shape)})"
        t = t.reshape(())
    xp = input._xp
    if (
        x.ndim == 2
        and weight is None
        and reduction != "none"
        and ignore_index < 0
        and t.size
        and t.min() >= 0
        and t.max() < n_classes
    ):
        return _nll_batch(input, x, t, xp, reduction)
    class_dim = 1 if x.ndim >= 2 else 0
    xm = xp.moveaxis(x, class_dim, -1) if class_dim != x.ndim - 1 else x
    t = t.astype("int64", copy=False)
    valid = t != ignore_index
    tt = xp.where(valid, t, 0)
    bad = (tt < 0) | (tt >= n_classes)
    if bad.any():
        raise IndexError(f"Target {int(tt[bad].reshape(-1)[0])} is out of bounds.")
    picked = xp.take_along_axis(xm, tt[..., None], -1)[..., 0]
    w = valid.astype(x.dtype)
    if weight is not None:
        w = w * weight._data.astype(x.dtype, copy=False)[tt]
    loss = -picked * w
    if reduction == "none":
        out, scale = loss, w
    elif reduction == "sum":
        out, scale = loss.sum(), w
    else:
        total = w.sum()
        with _quiet(xp):
            out = loss.sum() / total
            scale = xp.where(w != 0, w / total, 0) if total == 0 else w / total
    res = wrap(xp.asarray(out, dtype=x.dtype))
    if not (grad_enabled() and input._requires_grad):
        return res
    cm = xp.zeros_like(xm)
    xp.put_along_axis(cm, tt[..., None], -scale[..., None].astype(x.dtype, copy=False), -1)
    coef = wrap(xp.moveaxis(cm, -1, class_dim) if class_dim != x.ndim - 1 else cm)
    return attach(
        res, NllLossBackward0, (input,), coef=coef, reduction=reduction, class_dim=class_dim, mismatch=mismatch
    )


def _nll_batch(input, x, t, xp, reduction):
    """nll_loss's common case (the classification training step): a batch of
    class scores, valid targets, no weights, mean or sum. One gather, one sum
    and a one-entry-per-row coefficient matrix; the general path's masks,
    take/put_along_axis and moveaxis cost more than the loss itself here."""
    rows = xp.arange(x.shape[0])
    total = -x[rows, t].sum()
    one, n = x.dtype.type(1), x.dtype.type(x.shape[0])
    mean = reduction == "mean"
    res = wrap(xp.asarray(total / n if mean else total, dtype=x.dtype))
    scale = one / n if mean else one
    if not (grad_enabled() and input._requires_grad):
        return res
    coef = xp.zeros_like(x)
    coef[rows, t] = -scale
    return attach(res, NllLossBackward0, (input,), coef=wrap(coef), reduction=reduction, class_dim=1)


class _quiet:
    def __init__(self, xp):
        self.ctx = xp.errstate(divide="ignore", invalid="ignore") if hasattr(xp, "errstate") else None

    def __enter__(self):
        if self.ctx is not None:
            self.ctx.__enter__()

    def __exit__(self, *exc):
        if self.ctx is not None:
            self.ctx.__exit__(*exc)


def cross_entropy(
    input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean", label_smoothing=0.0
):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    class_dim = 0 if input.ndim == 1 else 1
    if input.ndim == 0:
        raise ValueError("Expected 1 or more dimensions (got 0)")
    n_classes = input.shape[class_dim]
    if target.shape == input.shape:
        if target.dtype.category < 2:
            raise RuntimeError(
                "Expected floating point type for target with class probabilities, "
                f"got {_WORDS.get(target.dtype.name, target.dtype.name)}"
            )
        return _cross_entropy_probs(input, target, weight, reduction, label_smoothing, class_dim, n_classes)
    logp = log_softmax(input, class_dim)
    nll = nll_loss(logp, target, weight, None, ignore_index, None, reduction)
    if label_smoothing <= 0.0:
        return nll
    xp = input._xp
    t = target._data
    ignore = t == ignore_index
    wshape = [1] * input.ndim
    wshape[class_dim] = n_classes
    prod = logp * weight.reshape(wshape) if weight is not None else logp
    keep = wrap((~ignore).astype(input._data.dtype))
    smooth = -prod.sum(class_dim) * keep
    if reduction == "mean":
        if weight is not None:
            denom = weight._data[xp.where(ignore, 0, t)][~ignore].sum()
        else:
            denom = (~ignore).sum()
        ret = smooth.sum() / float(denom)
    elif reduction == "sum":
        ret = smooth.sum()
    else:
        ret = smooth
    return nll * (1 - label_smoothing) + ret * (label_smoothing / n_classes)


def _cross_entropy_probs(input, target, weight, reduction, label_smoothing, class_dim, n_classes):
    logp = log_softmax(input, class_dim)
    if label_smoothing > 0.0:
        target = target * (1 - label_smoothing) + label_smoothing / n_classes
    prod = logp * target
    if weight is not None:
        wshape = [1] * input.ndim
        wshape[class_dim] = n_classes
        prod = prod * weight.reshape(wshape)
    if reduction == "mean":
        if input.numel() == 0:
            return -prod.sum() * float("nan")
        return -prod.sum() / (input.numel() // n_classes)
    if reduction == "sum":
        return -prod.sum()
    return -prod.sum(class_dim)


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
class BinaryCrossEntropyBackward0(TwoPathNode):
    """d bce/dx = w (x - t) / max(x (1 - x), 1e-12); d/dt = w (log(1-x) - log(x))
    (d/dx on arrays or with Tensor ops; d/dt with Tensor ops)"""

    def backward_arrays(self, g):
        return self._grads(g, arrays=True)

    def backward_tensors(self, g):
        return self._grads(g, arrays=False)

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


class BinaryCrossEntropyWithLogitsBackward0(TwoPathNode):
    """d/dx = w ((1 - t) - lw sigmoid(-x)), lw = 1 + (pw - 1) t; d/dt = w (-x + (pw - 1) softplus(-x))
    (d/dx on arrays or with Tensor ops; d/dt with Tensor ops)"""

    def backward_arrays(self, g):
        return self._grads(g, arrays=True)

    def backward_tensors(self, g):
        return self._grads(g, arrays=False)

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
