"""gaussian_nll_loss: the negative log likelihood of target under N(input, var).

  l = 0.5 (log(max(var, eps)) + (input - target)^2 / max(var, eps))  (+ 0.5 log(2 pi) if full)

var may be a float, input's shape, or input's shape with one dim of size 1
or the last dim dropped (a shared variance); the clamp to eps is done
outside the graph (PyTorch clamps a no-grad clone), so d l/d var is the
unclamped formula's derivative at the clamped value."""

import math

from ._util import Tensor

__all__ = ["gaussian_nll_loss"]


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    from ..autograd.grad_mode import no_grad
    from .creation import ones_like

    if isinstance(var, float):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = var * ones_like(input)
    elif not isinstance(var, Tensor):
        raise TypeError(
            f"any() received an invalid combination of arguments - got "
            f"({type(var < 0).__name__}), but expected one of: (Tensor input)"
        )
    elif bool((var < 0).any()):
        raise ValueError("var has negative entry/entries")
    if var.size() != input.size():
        if input.size()[:-1] == var.size():
            var = var.unsqueeze(-1)
        elif input.ndim == var.ndim and sum(y for x, y in zip(input.size(), var.size()) if x != y) == 1:
            pass
        else:
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    var = var.clone()
    with no_grad():
        var.clamp_(min=eps)
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    if reduction == "mean":
        return loss.mean()
    return loss.sum() if reduction == "sum" else loss
