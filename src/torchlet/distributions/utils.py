"""Helpers the distributions share: broadcasting parameters, probs <-> logits,
lazily computed attributes, and the standard-normal draw rsample uses."""

import numbers

import numpy as np

import torchlet

__all__ = ["broadcast_all", "logits_to_probs", "probs_to_logits", "clamp_probs", "lazy_property", "euler_constant"]

euler_constant = 0.57721566490153286060


def broadcast_all(*values):
    """Tensors and numbers broadcast to one shape; numbers become tensors of
    the default dtype (or of the tensors' dtype when there is one)."""
    if not all(isinstance(v, (torchlet.Tensor, numbers.Number)) for v in values):
        raise ValueError(
            "Input arguments must all be instances of Number, "
            "torchlet.Tensor or objects implementing __torch_function__."
        )
    if not all(isinstance(v, torchlet.Tensor) for v in values):
        dtype = torchlet.get_default_dtype()
        for v in values:
            if isinstance(v, torchlet.Tensor):
                dtype = v.dtype
                break
        values = [v if isinstance(v, torchlet.Tensor) else torchlet.tensor(v, dtype=dtype) for v in values]
    return torchlet.broadcast_tensors(*values)


def _standard_normal(shape, dtype, device=None):
    """N(0, 1) samples (PyTorch: torch.empty(shape).normal_())."""
    return torchlet.empty(shape, dtype=dtype).normal_()


def _sum_rightmost(value, dim):
    """Sum out the `dim` rightmost dims."""
    if dim == 0:
        return value
    return value.reshape(tuple(value.shape[: value.dim() - dim]) + (-1,)).sum(-1)


def logits_to_probs(logits, is_binary=False):
    if is_binary:
        return torchlet.sigmoid(logits)
    return torchlet.softmax(logits, dim=-1)


def _eps(dtype):
    return float(np.finfo(dtype.np).eps)


def clamp_probs(probs):
    """Probabilities kept inside [eps, 1 - eps]."""
    eps = _eps(probs.dtype)
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs, is_binary=False):
    ps = clamp_probs(probs)
    if is_binary:
        return torchlet.log(ps) - torchlet.log1p(-ps)
    return torchlet.log(ps)


def _xlogy(x, y):
    """x * log(y), 0 where x == 0."""
    return torchlet.where(x == 0, torchlet.zeros_like(y), x * torchlet.log(y))


class lazy_property:
    """Computed on first access and cached on the instance (PyTorch's
    lazy_property, so `probs`/`logits` can be given either way)."""

    def __init__(self, wrapped):
        self.wrapped = wrapped
        self.__doc__ = wrapped.__doc__

    def __get__(self, instance, obj_type=None):
        if instance is None:
            return _lazy_property_and_property(self.wrapped)
        with torchlet.enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


class _lazy_property_and_property(lazy_property, property):
    def __init__(self, wrapped):
        property.__init__(self, wrapped)
