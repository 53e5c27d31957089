"""relu, sigmoid and tanh: the activations that are also torch.* functions and Tensor
methods (with in-place forms; sigmoid and tanh with out=). Declared as rows of the elementwise
table of pointwise_math.py (`define_unary`), each with its gradient twice, side by side:
with Tensor ops (create_graph) and on arrays in one buffer (every training step, where the
Tensor-op formulas make 2-3 temporaries; profiled in LeNet steps).

    relu:    d = 0 where relu(a) <= 0, else g       (saves the result; a select, not g * mask)
    sigmoid: d = g s(a) (1 - s(a)),  s = sigmoid(a) (saves the result)
    tanh:    d = g (1 - tanh(a)^2)                   (saves the result)
"""

import numpy as np

from . import _block_cache, _eltwise_onednn, _parallel
from ._table import methods
from ._util import attach, inplace, wrap, zero_array
from .pointwise_math import _float_fn, _floating, _in_float32, _np_clip, define_unary

__all__ = ["relu", "sigmoid", "tanh"]


def _zero_where(g, drop):  # (clamp.py imports this module's neighbours: imported on use)
    from .clamp import zero_where

    return zero_where(g, drop)


@_in_float32
def _sigmoid(xp, x):
    if xp is np:
        r = _eltwise_onednn.sigmoid(x)  # a large float32 array: one pass on oneDNN's threads
        if r is not None:
            return r
    r = xp.asarray(xp.negative(_floating(x)))  # one buffer (an array, not a 0-d scalar), finished in place
    xp.exp(r, out=r)
    r += 1
    return xp.reciprocal(r, out=r)


# float dtype -> (0, inf) as its scalars: clip with Python numbers converts them per call
_BOUNDS = {np.dtype(t): (t(0), t(np.inf)) for t in (np.float16, np.float32, np.float64)}


def _relu(xp, x):
    dt = x.dtype
    b = _BOUNDS.get(dt)
    if b is not None and xp is np:
        # NaN stays NaN and -0.0 stays -0.0, as clamp_min(x, 0) in PyTorch. maximum(0, x) keeps both too
        # (not on float16) and costs a tiny array ~0.3 us less than clip; from ~100 elements clip is 3x faster
        if x.size <= 64 and dt.itemsize >= 4:
            return np.maximum(b[0], x)
        if (
            x.size >= _block_cache.LARGE and x.flags.c_contiguous
        ):  # a reused block; clip's own result keeps another layout
            return _np_clip(x, b[0], b[1], out=_block_cache.empty(x.shape, dt))
        return _np_clip(x, b[0], b[1])
    if dt.kind == "b":
        raise NotImplementedError("Boolean inputs not supported for relu")
    return xp.maximum(x, 0)


def _sigmoid_grad(xp, g, r):
    t = 1 - r
    t *= g
    t *= r
    return t


def _tanh_grad(xp, g, r):
    t = r * r
    xp.subtract(1, t, out=t)
    t *= g
    return t


def _relu_grad(xp, g, r):
    """0 where r <= 0, else g, as PyTorch's threshold_backward selects it: an inf or NaN gradient
    at an inactive unit gives 0 (g * (r > 0) gave NaN there), a NaN unit passes g (it gave 0).
    On NumPy a bitwise select (_util.zero_array), as fast as the multiply was."""
    if xp is not np or g.dtype.kind != "f" or g.dtype != r.dtype or g.shape != r.shape:
        return xp.where(r <= 0, xp.zeros((), g.dtype), g)
    big = g.size >= _block_cache.ALIGNED  # a 64-byte aligned block for the result (_block_cache.py)
    return zero_array(g, np.less_equal(r, 0), _block_cache.empty(g.shape, g.dtype, 0) if big else None)


tanh = define_unary(
    __name__,
    "tanh",
    "TanhBackward0",
    _float_fn("tanh"),
    lambda g, r: g * (1 - r * r),
    "r",
    "g (1 - tanh(a)^2)",
    fast=_tanh_grad,
    dtype="float",
)
sigmoid = define_unary(
    __name__,
    "sigmoid",
    "SigmoidBackward0",
    _sigmoid,
    lambda g, r: g * (1 - r) * r,
    "r",
    "g s(a) (1 - s(a))",
    fast=_sigmoid_grad,
    dtype="float",
)
relu = define_unary(
    __name__,
    "relu",
    "ReluBackward0",
    _relu,
    lambda g, r: _zero_where(g, r._data <= 0),
    "r",
    "g where relu(a) > 0, else 0",
    fast=_relu_grad,
    out=False,
    dtype="same",
)


def _relu_in_own_memory(input):
    """relu(input) written into input's own array (a float NumPy one; else relu itself): relu_'s
    step, which inplace() runs on t, or on a snapshot sharing t's memory when it records a graph.
    One clip pass where relu and the copy back made two and a fresh array (a 64x64x32x32
    ResNet activation: 12 ms, page faults included). ReluBackward0 saves this result, t's
    memory, whose version inplace() shares with t."""
    x = input._data
    b = _BOUNDS.get(x.dtype)
    if b is None or x.__class__ is not np.ndarray:
        return relu(input)
    _parallel.by_rows(lambda part: _np_clip(part, b[0], b[1], out=part), x)
    res = wrap(x)
    if input._requires_grad:
        attach(res, relu.node, (input,), (res,))
    return res


# ReluBackward0 saves the result, not the input: relu_ needs no copy of its input (ResNet's ReLU(inplace))
methods.relu_ = lambda self: inplace(self, _relu_in_own_memory, saves_input=False)
