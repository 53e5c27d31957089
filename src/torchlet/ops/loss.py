"""nll_loss and cross_entropy (nn.functional), and the reduction helpers every loss file
shares. nll_loss is a fused node; cross_entropy is log_softmax + nll_loss (two nodes, as in
PyTorch), and its label-smoothing / class-probability forms are composed from Tensor ops.
The elementwise losses (mse, l1, bce, kl_div, ...) are in loss_elementwise.py."""

import warnings

import numpy as np

from ._util import Node, attach, grad_enabled, wrap
from .activation import _WORDS
from .softmax import log_softmax

__all__ = ["nll_loss", "cross_entropy"]

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
