"""Dropout: zero elements (or whole channels) with probability p and scale
the rest by 1/(1-p). The mask comes from torchlet's RNG (default_generator),
so torchlet.manual_seed makes it reproducible; the result is input * mask
(MulBackward0, as in PyTorch)."""
from ._util import inplace, wrap

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout"]


def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _keep_mask(input, shape, p):
    """Bernoulli(1 - p) mask scaled by 1/(1-p), in input's dtype, of `shape`."""
    from ..random import _gen
    x = input._data
    dt = x.dtype if x.dtype.kind == "f" and x.dtype.itemsize >= 4 else "float32"
    u = _gen(None).random(shape, dtype=dt)
    keep = u >= p
    if p == 1.0:
        m = keep.astype(x.dtype)
    else:
        m = keep.astype(x.dtype) * x.dtype.type(1.0 / (1.0 - p))
    if input._xp.__name__ != "numpy":
        m = input._xp.asarray(m)
    return wrap(m)


def _apply(input, mask, inplace_):
    if inplace_:
        return inplace(input, lambda t, m: t * m, mask)
    return input * mask


def dropout(input, p=0.5, training=True, inplace=False):
    _check_p(p)
    if not training or p == 0.0:
        return input
    return _apply(input, _keep_mask(input, input._data.shape, p), inplace)


def _feature_dropout(input, p, training, inplace, batched_ndim, name):
    _check_p(p)
    nd = input.ndim
    if nd not in (batched_ndim - 1, batched_ndim):
        raise RuntimeError(f"{name}: Expected {batched_ndim - 1}D or {batched_ndim}D input, but "
                           f"received a {nd}D input. Note that {name} exists to provide channel-wise "
                           "dropout on inputs with 1 spatial dimension, a channel dimension, and an "
                           "optional batch dimension (i.e. 2D or 3D inputs).")
    if not training or p == 0.0:
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
        warnings.warn(f"dropout2d: Received a {nd}-D input to dropout2d, which is deprecated and will "
                      "result in an error in a future release. To retain the behavior and silence "
                      "this warning, please use dropout instead. Note that dropout2d exists to "
                      "provide channel-wise dropout on inputs with 2 spatial dimensions, a channel "
                      "dimension, and an optional batch dimension (i.e. 3D or 4D inputs).",
                      UserWarning, stacklevel=2)
    if not training or p == 0.0:
        return input
    if nd == 3:
        # PyTorch treats a 3D input as (N, C, L) here (no batch-less form), with a warning
        import warnings
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise "
                      "1D dropout behavior is desired - input is interpreted as shape (N, C, L), "
                      "where C is the channel dim. This behavior will change in a future release to "
                      "interpret the input as one without a batch dimension, i.e. shape (C, H, W). "
                      "To maintain the 1D channel-wise dropout behavior, please switch to using "
                      "dropout1d instead.", UserWarning, stacklevel=2)
    lead = min(2, nd)
    shape = input._data.shape[:lead] + (1,) * (nd - lead)
    return _apply(input, _keep_mask(input, shape, p), inplace)


def dropout3d(input, p=0.5, training=True, inplace=False):
    _check_p(p)
    nd = input.ndim
    if not training or p == 0.0:
        return input
    lead = 2 if nd == 5 else 1
    shape = input._data.shape[:lead] + (1,) * (nd - lead)
    return _apply(input, _keep_mask(input, shape, p), inplace)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _alpha(input, shape, p, training, inplace_):
    _check_p(p)
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0
    from ..random import _gen
    x = input._data
    keep = _gen(None).random(shape) >= p
    alpha_p = -_SELU_ALPHA * _SELU_SCALE
    a = (1.0 / ((1 - p) * (1 + p * alpha_p ** 2)) ** 0.5)
    b = -a * alpha_p * p
    mul = wrap((keep * a).astype(x.dtype))
    add = wrap(((~keep) * (alpha_p * a) + b).astype(x.dtype))
    if inplace_:
        return inplace(input, lambda t, m, c: t * m + c, mul, add)
    return input * mul + add


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    return _alpha(input, input._data.shape, p, training, inplace)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    nd = input.ndim
    shape = input._data.shape[:2] + (1,) * (nd - 2)
    return _alpha(input, shape, p, training, inplace)
