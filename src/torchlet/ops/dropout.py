"""Dropout: zero elements (or whole channels) with probability p and scale
the rest by 1/(1-p), drawn exactly as PyTorch's CPU `_dropout_impl`: a noise
tensor (input's shape, or (N, C, 1, ...) for feature dropout) takes
bernoulli_(1 - p) from the default generator, is divided by (1 - p) in the
input's dtype, and the result is input * noise (MulBackward0, as in PyTorch).
Alpha dropout turns the same noise into an affine map a * x + b."""

import math

import numpy as np

from ._util import Tensor, inplace, wrap

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout"]


def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _noise(input, shape, p):
    """bernoulli_(1 - p) on a fresh contiguous tensor of `shape`, in input's dtype, on input's
    device: the default generator draws on the host (PyTorch's CPU stream), and the draws are
    copied over once (the only host -> device copy dropout makes)."""
    from ..random import default_generator
    from . import _random_kernels as K

    n = int(np.prod(shape, dtype=np.int64))
    draws = K.bernoulli_scalar(default_generator, n, 1.0 - p).reshape(shape)
    return input._xp.asarray(draws).astype(input._data.dtype)


def _memory_offsets(input):
    """Where each element of a dense, non-overlapping but non-contiguous input sits in memory
    (None for a contiguous or non-dense one). PyTorch's noise is empty_like(input), which keeps
    such an input's strides, and bernoulli_ fills it in memory order, so the noise of element i
    is draw number offset(i), not draw number i."""
    a = input._data
    if a.flags.c_contiguous or a.ndim < 2:
        return None
    dims = [d for d in range(a.ndim) if a.shape[d] > 1]
    st = [a.strides[d] // a.itemsize for d in range(a.ndim)]
    if any(st[d] <= 0 for d in dims):
        return None
    expect = 1
    for d in sorted(dims, key=lambda d: st[d]):
        if st[d] != expect:
            return None
        expect *= a.shape[d]
    xp = input._xp
    offsets = xp.zeros(a.shape, dtype=np.int64)
    for d in dims:
        shape = [1] * a.ndim
        shape[d] = a.shape[d]
        offsets = offsets + (xp.arange(a.shape[d], dtype=np.int64) * st[d]).reshape(shape)
    return offsets


def _opmath(dt):
    """The type PyTorch computes a tensor-scalar op in: float for half/bfloat16."""
    return np.dtype(np.float32) if dt.name in ("float16", "bfloat16") else dt


def _keep_mask(input, shape, p, memory_order=False):
    """noise.div_(1 - p): kept elements become 1 / (1 - p) rounded in input's dtype."""
    if p == 1.0:  # PyTorch multiplies by zeros({}) and draws nothing
        return wrap(input._xp.zeros((), dtype=input._data.dtype))
    noise = _noise(input, shape, p)
    offsets = _memory_offsets(input) if memory_order else None
    if offsets is not None:
        noise = noise.reshape(-1)[offsets]
    dt = noise.dtype
    if dt.kind in "fc" or dt.name == "bfloat16":
        ot = _opmath(dt)
        m = (noise.astype(ot) / ot.type(1.0 - p)).astype(dt)
    else:
        m = noise // (1.0 - p)
    return wrap(m)


def _apply(input, mask, inplace_):
    if inplace_:
        return inplace(input, lambda t, m: t * m, mask)
    return input * mask


def dropout(input, p=0.5, training=True, inplace=False):
    if input.__class__ is not Tensor and input.is_nested:  # torch.nested: on the packed values
        return input._packed_apply(lambda flat: dropout(flat, p, training))
    _check_p(p)
    if not training or p == 0.0 or input._data.size == 0:
        return input
    return _apply(input, _keep_mask(input, input._data.shape, p, memory_order=True), inplace)


def _feature_dropout(input, p, training, inplace, batched_ndim, name):
    _check_p(p)
    nd = input.ndim
    if nd not in (batched_ndim - 1, batched_ndim):
        raise RuntimeError(
            f"{name}: Expected {batched_ndim - 1}D or {batched_ndim}D input, but "
            f"received a {nd}D input. Note that {name} exists to provide channel-wise "
            "dropout on inputs with 1 spatial dimension, a channel dimension, and an "
            "optional batch dimension (i.e. 2D or 3D inputs)."
        )
    if not training or p == 0.0 or input._data.size == 0:
        return input
    lead = 2 if nd == batched_ndim else 1
    shape = input._data.shape[:lead] + (1,) * (nd - lead)
    return _apply(input, _keep_mask(input, shape, p), inplace)


def dropout1d(input, p=0.5, training=True, inplace=False):
    return _feature_dropout(input, p, training, inplace, 3, "dropout1d")


def dropout2d(input, p=0.5, training=True, inplace=False):
    _check_p(p)
    nd = input.ndim
    if nd not in (3, 4):
        import warnings

        warnings.warn(
            f"dropout2d: Received a {nd}-D input to dropout2d, which is deprecated and will "
            "result in an error in a future release. To retain the behavior and silence "
            "this warning, please use dropout instead. Note that dropout2d exists to "
            "provide channel-wise dropout on inputs with 2 spatial dimensions, a channel "
            "dimension, and an optional batch dimension (i.e. 3D or 4D inputs).",
            UserWarning,
            stacklevel=2,
        )
    if not training or p == 0.0 or input._data.size == 0:
        return input
    if nd == 3:
        # PyTorch treats a 3D input as (N, C, L) here (no batch-less form), with a warning
        import warnings

        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise "
            "1D dropout behavior is desired - input is interpreted as shape (N, C, L), "
            "where C is the channel dim. This behavior will change in a future release to "
            "interpret the input as one without a batch dimension, i.e. shape (C, H, W). "
            "To maintain the 1D channel-wise dropout behavior, please switch to using "
            "dropout1d instead.",
            UserWarning,
            stacklevel=2,
        )
    lead = min(2, nd)
    shape = input._data.shape[:lead] + (1,) * (nd - lead)
    return _apply(input, _keep_mask(input, shape, p), inplace)


def dropout3d(input, p=0.5, training=True, inplace=False):
    _check_p(p)
    nd = input.ndim
    if not training or p == 0.0 or input._data.size == 0:
        return input
    lead = 2 if nd == 5 else 1
    shape = input._data.shape[:lead] + (1,) * (nd - lead)
    return _apply(input, _keep_mask(input, shape, p), inplace)


_ALPHA = 1.7580993408473766  # SELU scale * alpha


def _alpha(input, shape, p, training, inplace_):
    """noise ~ bernoulli(1 - p); b = (noise - 1) * (alpha a) + alpha a p; out = x * (noise a) + b,
    each step rounded in the input's dtype as PyTorch's tensor-scalar ops do."""
    _check_p(p)
    if not training or p == 0.0 or input._data.size == 0:
        return input
    if p == 1.0:
        return input * 0
    noise = _noise(input, shape, p)
    dt = noise.dtype
    ot = _opmath(dt)
    a = 1.0 / math.sqrt((_ALPHA * _ALPHA * p + 1) * (1 - p))
    b = (noise.astype(ot) + ot.type(-1)).astype(dt)
    b = (b.astype(ot) * ot.type(_ALPHA * a)).astype(dt)
    b = (b.astype(ot) + ot.type(_ALPHA * a * p)).astype(dt)
    mul = (noise.astype(ot) * ot.type(a)).astype(dt)
    mul, add = wrap(mul), wrap(b)
    if inplace_:
        return inplace(input, lambda t, m, c: t * m + c, mul, add)
    return input * mul + add


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    return _alpha(input, input._data.shape, p, training, inplace)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    nd = input.ndim
    shape = input._data.shape[:2] + (1,) * (nd - 2)
    return _alpha(input, shape, p, training, inplace)
