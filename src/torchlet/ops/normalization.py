"""Normalization: batch_norm, layer_norm, group_norm, instance_norm, local_response_norm.

Each normalizes x over some dims with statistics mean and invstd = 1/sqrt(var + eps)
(var biased) and applies an optional per-feature affine w, b:

    xhat = (x - mean) * invstd,   y = xhat * w + b

Fused backward (M = number of values each statistic is taken over, sums over
those values, gxhat = g * w):

    dx = invstd * (gxhat - sum(gxhat)/M - xhat * sum(gxhat * xhat)/M)
    dw = sum(g * xhat) over all but the feature dims,   db = sum(g) likewise

With frozen statistics (batch_norm in eval mode) dx = gxhat * invstd.
Statistics are recomputed with Tensor ops when the backward itself is being
recorded (create_graph), so second derivatives see their dependence on x.
"""

import numpy as np

from .. import _backends_cupy, _dtype
from ..autograd import grad_mode
from . import _batch_norm_cuda, _block_cache, _parallel
from ._util import Node, Tensor, TwoPathNode, attach, wrap

__all__ = ["batch_norm", "layer_norm", "group_norm", "instance_norm", "local_response_norm"]


def _stats(X, axes, eps):
    return _centered(X, axes, eps)[:3]


def _centered(X, axes, eps):
    """mean, var, invstd (kept dims) and the centred X - mean."""
    mean = X.mean(axis=axes, keepdims=True)
    d = _block_cache.binary(np.subtract, X, mean)
    sq = _block_cache.binary(np.multiply, d, d)
    var = sq.mean(axis=axes, keepdims=True)
    return mean, var, 1.0 / (_ns(X).sqrt(var + eps)), d


def _ns(a):
    from .._device import namespace

    return namespace(a)


def _xhat_invstd(node, x, axes, shape=None):
    """xhat and invstd for the backward: from saved arrays, or rebuilt with
    Tensor ops when the backward is recorded (so x's influence on them counts)."""
    xs = x if shape is None else x.reshape(shape)
    if grad_mode._mode.enabled:
        mean = xs.mean(axes, keepdim=True)
        d = xs - mean
        invstd = ((d * d).mean(axes, keepdim=True) + node.eps) ** -0.5
        return d * invstd, invstd
    invstd = wrap(node.invstd)
    return (xs - wrap(node.mean)) * invstd, invstd


def _to_save(x, w):
    return (x,) if w is None else (x, w)


def _saved(node):
    st = node.saved_tensors
    return st[0], (st[1] if len(st) > 1 else None)


def _normalized_grad(gxhat, xhat, invstd, axes, M):
    s1 = gxhat.sum(axes, keepdim=True)
    s2 = (gxhat * xhat).sum(axes, keepdim=True)
    return invstd * (gxhat - s1 / M - xhat * (s2 / M))


# ----- batch norm -------------------------------------------------------------
class NativeBatchNormBackward0(TwoPathNode):
    """see module docstring; stats over (batch, spatial), one per channel (in training, on
    arrays in one pass: _bn_train_backward; else and under create_graph, Tensor ops)"""

    def backward_arrays(self, g):
        x, w = _saved(self)
        if (
            self.training
            and g._data.dtype == x._data.dtype
            and x._data.dtype.kind == "f"
            and (w is None or w._data.dtype == x._data.dtype)
        ):
            need = [self.needs_input_grad(i) for i in range(3)]
            grads = _bn_train_backward(
                x._xp, g._data, x._data, None if w is None else w._data, self.mean, self.invstd, need
            )
            return tuple(None if a is None else wrap(a) for a in grads)
        return NotImplemented

    def backward_tensors(self, g):
        x, w = _saved(self)
        axes, cshape = self.axes, self.cshape
        gx = gw = gb = None
        if self.training:
            xhat, invstd = _xhat_invstd(self, x, axes)
        else:
            invstd = wrap(self.invstd)
            xhat = (x - wrap(self.mean)) * invstd
        if self.needs_input_grad(0):
            gxhat = g if w is None else g * w.reshape(cshape)
            if self.training:
                gx = _normalized_grad(gxhat, xhat, invstd, axes, self.M)
            else:
                gx = gxhat * invstd
        if self.needs_input_grad(1):
            gw = (g * xhat).sum(axes)
        if self.needs_input_grad(2):
            gb = g.sum(axes)
        return gx, gw, gb


def _affine(y, w, b, cshape):
    if w is not None:
        y = y * w._data.reshape(cshape)
    if b is not None:
        y = y + b._data.reshape(cshape)
    return y


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-05):
    X = input._data
    if X.ndim < 2:
        raise ValueError(f"Expected 2D or higher input (got {X.ndim}D input)")
    C = X.shape[1]
    axes = (0,) + tuple(range(2, X.ndim))
    M = X.size // C if C else 0
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight), ("bias", bias)):
        if t is not None and t.numel() != C:
            raise RuntimeError(f"{name} should contain {C} elements not {t.numel()}")
    if X.dtype.kind not in "fc":
        raise NotImplementedError(f"\"batch_norm\" not implemented for '{_INT_WORDS.get(X.dtype.name, X.dtype.name)}'")
    _check_mixed(input, weight, bias, running_mean, running_var)
    cshape = (C,) + (1,) * (X.ndim - 2)
    if training and X.size == 0:  # an empty batch: nothing to normalise, statistics untouched
        return input.clone()
    same_dtype = all(t is None or t._data.dtype == X.dtype for t in (weight, bias))
    if training:
        if M == 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size {_size_str(input)}")
        if X.dtype.kind == "f" and same_dtype:
            y, mean, var, invstd = _bn_train(input._xp, X, weight, bias, eps, cshape)
        else:
            mean, var, invstd = _stats(X, axes, eps)
            y = None
        if running_mean is not None or running_var is not None:
            _update(running_mean, running_var, mean, var, M, momentum)
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError("running_mean must be defined in evaluation mode")
        mean = running_mean._data.reshape(cshape).astype(X.dtype, copy=False)
        invstd = 1.0 / input._xp.sqrt(running_var._data.reshape(cshape).astype(X.dtype, copy=False) + eps)
        y = _bn_eval(X, mean, invstd, weight, bias, cshape) if same_dtype else None
    if y is None:  # mixed dtypes: the composed formula, NumPy's promotion
        y = _affine((X - mean) * invstd, weight, bias, cshape)
    return attach(
        wrap(y.astype(X.dtype, copy=False)),
        NativeBatchNormBackward0,
        (input, weight, bias),
        _to_save(input, weight),
        axes=axes,
        cshape=cshape,
        M=M,
        eps=eps,
        training=training,
        mean=mean,
        invstd=invstd,
    )


def _bn_eval(X, mean, invstd, weight, bias, cshape):
    """Evaluation-mode batch norm as PyTorch's CPU kernel computes it: per channel
    alpha = invstd * weight and beta = bias - mean * alpha, then y = x * alpha + beta
    (two passes over x into one buffer, where (x - mean) * invstd * weight + bias made four)."""
    alpha = invstd if weight is None else invstd * weight._data.reshape(cshape)
    beta = -mean * alpha if bias is None else bias._data.reshape(cshape) - mean * alpha
    if X.__class__ is not np.ndarray:  # CuPy
        y = X * alpha
        y += beta
        return y
    y = np.empty_like(X, np.result_type(X, alpha, beta))  # (X's layout: channels_last stays so)

    def rows(x, out):  # in blocks of ~64K elements, so the second pass reads y from the cache
        np.multiply(x, alpha, out=out)
        out += beta

    _parallel.by_rows(rows, X, y)  # on get_num_threads() threads, as PyTorch's kernel
    return y


def _channel_sums(xp, a, b=None):
    """Per-channel sums of a (or of a * b) over (N, C, L) arrays: einsum on NumPy (its
    multi-axis sum was 4x slower), a multiply and a reduction elsewhere (CuPy's einsum spends
    ~100 us of Python a call choosing its plan, more than the kernels take)."""
    if xp is np:
        return xp.einsum("ncl->c", a) if b is None else xp.einsum("ncl,ncl->c", a, b)
    return (a if b is None else a * b).sum(axis=(0, 2))


def _fused_cuda(xp, X):
    """Whether X takes the fused CuPy kernels of _batch_norm_cuda.py."""
    return _backends_cupy.fused(xp, X.dtype) and X.flags.c_contiguous


def _bn_train(xp, X, weight, bias, eps, cshape):
    """Training-mode batch norm on arrays, in one output buffer. Per-channel
    sums over a (N, C, L) view (_channel_sums); the composed formula made ~6
    temporaries (profiled: batch norm was ~15% of a ResNet-18 step)."""
    if _fused_cuda(xp, X):
        y, mean, var, invstd = _batch_norm_cuda.train(
            X, None if weight is None else weight._data, None if bias is None else bias._data, eps
        )
        return y, mean.reshape(cshape), var.reshape(cshape), invstd.reshape(cshape)
    C = X.shape[1]
    Xr = X.reshape(X.shape[0], C, int(np.prod(X.shape[2:])))
    M = Xr.shape[0] * Xr.shape[2]
    mean = _channel_sums(xp, Xr) / M
    d = Xr - mean[:, None]
    var = _channel_sums(xp, d, d) / M
    invstd = 1 / xp.sqrt(var + eps)
    d *= (invstd if weight is None else invstd * weight._data)[:, None]
    if bias is not None:
        d += bias._data[:, None]
    return d.reshape(X.shape), mean.reshape(cshape), var.reshape(cshape), invstd.reshape(cshape)


def _bn_train_backward(xp, G, X, W, mean, invstd, need):
    """(dx, dw, db) of training-mode batch norm on arrays (no graph to record):
    dx = k (g - sum(g)/M - xhat sum(g xhat)/M), k = invstd * w per channel."""
    if _fused_cuda(xp, X) and G.flags.c_contiguous:
        return _batch_norm_cuda.train_backward(G, X, W, mean.reshape(-1), invstd.reshape(-1), need)
    N, C = X.shape[:2]
    L = int(np.prod(X.shape[2:]))
    Gr, Xr = G.reshape(N, C, L), X.reshape(N, C, L)
    M = N * Xr.shape[2]
    xhat = Xr - mean.reshape(C, 1)
    xhat *= invstd.reshape(C, 1)
    gb = _channel_sums(xp, Gr)
    gw = _channel_sums(xp, Gr, xhat)
    gx = None
    if need[0]:
        k = invstd.reshape(C) if W is None else invstd.reshape(C) * W
        gx = Gr * k[:, None]
        gx -= (k * gb / M)[:, None]
        xhat *= (k * gw / M)[:, None]
        gx -= xhat
        gx = gx.reshape(X.shape)
    return gx, (gw if need[1] else None), (gb if need[2] else None)


_INT_WORDS = _dtype.SCALAR_NAMES  # PyTorch's dtype names, one table (_dtype.py)


def _check_mixed(input, *params):
    """PyTorch's CPU norm kernels: every parameter/statistic has the input's dtype, except
    float32 ones for a float16/bfloat16 input (mixed precision)."""
    d = input.dtype
    ps = [p.dtype for p in params if p is not None]
    if all(p is d for p in ps):
        return
    if d.name in ("float16", "bfloat16") and all(p.name == "float32" for p in ps):
        return
    if d.name == "float32":
        raise RuntimeError("mixed dtype (CPU): expect parameter to have scalar type of Float")
    raise RuntimeError("mixed dtype (CPU): all inputs must share same datatype.")


def _size_str(t):
    return f"torch.Size({list(t.shape)})"


def _update(rm, rv, mean, var, M, momentum):
    """running = (1 - momentum) * running + momentum * batch stat (the variance unbiased)."""
    m = momentum
    if rm is not None and rv is not None and _fused_cuda(rm._xp, rm._data) and _fused_cuda(rv._xp, rv._data):
        _batch_norm_cuda.update_running(rm._data, mean, m)
        _batch_norm_cuda.update_running(rv._data, var, m, M / (M - 1))
        rm._version[0] += 1
        rv._version[0] += 1
        return
    if rm is not None:
        a = rm._data
        a *= 1 - m
        a += (m * mean.reshape(-1)).astype(a.dtype, copy=False)
        rm._version[0] += 1
    if rv is not None:
        a = rv._data
        a *= 1 - m
        a += (m * var.reshape(-1) * (M / (M - 1))).astype(a.dtype, copy=False)
        rv._version[0] += 1


# ----- layer norm -------------------------------------------------------------
class NativeLayerNormBackward0(Node):
    """see module docstring; stats over the trailing normalized dims, one per row"""

    def backward(self, g):
        x, w = _saved(self)
        axes = self.axes
        lead = tuple(range(x.dim() - len(axes)))
        xhat, invstd = _xhat_invstd(self, x, axes)
        gx = gw = gb = None
        if self.needs_input_grad(0):
            gxhat = g if w is None else g * w
            gx = _normalized_grad(gxhat, xhat, invstd, axes, self.M)
        if self.needs_input_grad(1):
            gw = (g * xhat).sum(lead) if lead else g * xhat
        if self.needs_input_grad(2):
            gb = g.sum(lead) if lead else g
        return gx, gw, gb


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05):
    if input.__class__ is not Tensor and input.is_nested:  # torch.nested: each component
        return input._nested_apply(layer_norm, normalized_shape, weight, bias, eps)
    ns = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    X = input._data
    k = len(ns)
    if k == 0 or X.shape[X.ndim - k :] != ns or X.ndim < k:
        raise RuntimeError(
            f"Given normalized_shape={list(ns)}, expected input with shape "
            f"[*{''.join(', ' + str(s) for s in ns)}], but got input of size{list(X.shape)}"
        )
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != ns:
            raise RuntimeError(
                f"Expected {name} to be of same shape as normalized_shape, but got {name} "
                f"of shape {list(t.shape)} and normalized_shape = {list(ns)}"
            )
    _check_mixed(input, weight, bias)
    axes = tuple(range(X.ndim - k, X.ndim))
    mean, _, invstd, y = _centered(X, axes, eps)
    if all(p is None or p._data.dtype == X.dtype for p in (weight, bias)) and y.dtype == X.dtype:
        y *= invstd  # y is the fresh X - mean: the same roundings in place
        if weight is not None:
            y *= weight._data
        if bias is not None:
            y += bias._data
    else:  # mixed precision: each step promotes
        y = y * invstd
        if weight is not None:
            y = y * weight._data
        if bias is not None:
            y = y + bias._data
    return attach(
        wrap(y.astype(X.dtype, copy=False)),
        NativeLayerNormBackward0,
        (input, weight, bias),
        _to_save(input, weight),
        axes=axes,
        M=int(np.prod(ns)),
        eps=eps,
        mean=mean,
        invstd=invstd,
    )


# ----- group norm -------------------------------------------------------------
class NativeGroupNormBackward0(Node):
    """see module docstring; stats per (sample, group of channels)"""

    def backward(self, g):
        x, w = _saved(self)
        N, C = x.shape[:2]
        G = self.groups
        cshape = (C,) + (1,) * (x.dim() - 2)
        per_group = x.numel() // N // G if N else (x.shape[1] // G) * int(np.prod(x.shape[2:]))
        xhat, invstd = _xhat_invstd(self, x, (2,), (N, G, per_group))
        xhat_full = xhat.reshape(x.shape)
        red = (0,) + tuple(range(2, x.dim()))
        gx = gw = gb = None
        if self.needs_input_grad(0):
            gxhat = (g if w is None else g * w.reshape(cshape)).reshape(N, G, per_group)
            gx = _normalized_grad(gxhat, xhat, invstd, (2,), self.M).reshape(x.shape)
        if self.needs_input_grad(1):
            gw = (g * xhat_full).sum(red)
        if self.needs_input_grad(2):
            gb = g.sum(red)
        return gx, gw, gb


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-05):
    X = input._data
    if X.ndim < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {X.ndim}")
    N, C = X.shape[:2]
    G = num_groups
    if C % G:
        raise RuntimeError(
            f"Expected number of channels in input to be divisible by num_groups, but got "
            f"input of shape {list(X.shape)} and num_groups={G}"
        )
    if G < 0:
        raise RuntimeError(f"Expected num groups to be greater than 0, got {G}")
    _check_mixed(input, weight, bias)
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t.dim() != 1 or t.numel() != C):
            raise RuntimeError(
                f"Expected {name} to be a vector of size equal to the number of channels in "
                f"input, but got {name} of shape {list(t.shape)} and input of shape "
                f"{list(X.shape)}"
            )
    Xg = X.reshape(N, G, (C // G) * int(np.prod(X.shape[2:])))  # no -1: N may be 0
    mean, _, invstd = _stats(Xg, (2,), eps)
    cshape = (C,) + (1,) * (X.ndim - 2)
    y = _affine(((Xg - mean) * invstd).reshape(X.shape), weight, bias, cshape)
    return attach(
        wrap(y.astype(X.dtype, copy=False)),
        NativeGroupNormBackward0,
        (input, weight, bias),
        _to_save(input, weight),
        groups=G,
        M=Xg.shape[2],
        eps=eps,
        mean=mean,
        invstd=invstd,
    )


def instance_norm(
    input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True, momentum=0.1, eps=1e-05
):
    """Each (sample, channel) normalized over its spatial values (group_norm with one
    channel per group); running stats get the batch average of the instance stats."""
    X = input._data
    if X.ndim < 3:
        raise ValueError(f"Expected 3D or higher input (got {X.ndim}D input)")
    N, C = X.shape[:2]
    if use_input_stats and X.size and X.size // (N * C) == 1:
        raise ValueError(f"Expected more than 1 spatial element when training, got input size {_size_str(input)}")
    if not use_input_stats:
        return batch_norm(input, running_mean, running_var, weight, bias, False, momentum, eps)
    if running_mean is not None or running_var is not None:
        axes = tuple(range(2, X.ndim))
        mean = X.mean(axis=axes)
        var = X.var(axis=axes)
        M = X.size // (N * C)
        _update(running_mean, running_var, mean.mean(0), var.mean(0), M, momentum)
    return group_norm(input, C, weight, bias, eps)


def local_response_norm(input, size, alpha=0.0001, beta=0.75, k=1.0):
    """x / (k + alpha/size * sum of x^2 over `size` neighbouring channels)^beta"""
    from .padding import pad
    from .pooling_avg import avg_pool2d

    d = input.dim()
    if d < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {d} dimensions)")
    if input.numel() == 0:
        return input
    shape = tuple(input.shape)
    sq = (input * input).reshape(shape[0], 1, shape[1], -1)
    sq = pad(sq, (0, 0, size // 2, (size - 1) // 2))
    div = avg_pool2d(sq, (size, 1), stride=1).reshape(shape)
    return input / (div * alpha + k) ** beta
