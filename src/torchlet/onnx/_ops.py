"""ONNX nodes for the tensor ops a traced forward calls, one converter per op name.

A converter gets the graph, the op's positional and keyword arguments as the
model passed them, the op's result and the Python function called; it adds nodes
and binds the result to its output name."""

import math

import numpy as np

from ._graph import _INT64_MAX
from .errors import UnsupportedOperatorError

CONVERTERS = {}


def converts(*names):
    def deco(fn):
        for n in names:
            CONVERTERS[n] = fn
        return fn

    return deco


def arg(args, kwargs, i, name, default=None):
    if len(args) > i:
        return args[i]
    return kwargs.get(name, default)


def _pair(v, n=2):
    return list(v) if isinstance(v, (tuple, list)) else [v] * n


def _dims(args, start):
    """Sizes/dims passed either as separate ints or as one sequence."""
    rest = args[start:]
    if len(rest) == 1 and isinstance(rest[0], (tuple, list)):
        return list(rest[0])
    return list(rest)


_UNARY = {
    "relu": "Relu",
    "sigmoid": "Sigmoid",
    "tanh": "Tanh",
    "exp": "Exp",
    "log": "Log",
    "neg": "Neg",
    "sqrt": "Sqrt",
    "abs": "Abs",
    "erf": "Erf",
    "reciprocal": "Reciprocal",
    "floor": "Floor",
    "ceil": "Ceil",
    "sin": "Sin",
    "cos": "Cos",
    "softplus": "Softplus",
    "relu_": "Relu",
}


@converts(*_UNARY)
def _unary(g, name, args, kwargs, out, fn):
    g.out(out, g.node(_UNARY[name], [g.val(args[0])]))


@converts("contiguous", "clone", "detach", "identity", "float")
def _identity(g, name, args, kwargs, out, fn):
    if name == "float" and str(args[0].dtype) != "torchlet.float32":
        raise UnsupportedOperatorError("aten::to (dtype change)", g.opset)
    g.out(out, g.node("Identity", [g.val(args[0])]))


@converts("dropout", "dropout1d", "dropout2d", "alpha_dropout", "feature_alpha_dropout")
def _dropout(g, name, args, kwargs, out, fn):
    if arg(args, kwargs, 2, "training", True):
        raise UnsupportedOperatorError("aten::dropout in training mode (export in eval mode)", g.opset)
    g.out(out, g.node("Identity", [g.val(args[0])]))


@converts("leaky_relu")
def _leaky(g, name, args, kwargs, out, fn):
    g.out(out, g.node("LeakyRelu", [g.val(args[0])], alpha=float(arg(args, kwargs, 1, "negative_slope", 0.01))))


@converts("elu")
def _elu(g, name, args, kwargs, out, fn):
    g.out(out, g.node("Elu", [g.val(args[0])], alpha=float(arg(args, kwargs, 1, "alpha", 1.0))))


@converts("gelu")
def _gelu(g, name, args, kwargs, out, fn):
    """gelu(x) = x/2 (1 + erf(x/sqrt 2)); tanh form: x/2 (1 + tanh(sqrt(2/pi)(x + 0.044715 x^3)))."""
    x = args[0]
    xv = g.val(x)
    if arg(args, kwargs, 1, "approximate", "none") == "tanh":
        cube = g.node("Mul", [g.node("Mul", [xv, xv]), xv])
        inner = g.node("Add", [xv, g.node("Mul", [cube, g.val(0.044715, x)])])
        t = g.node("Tanh", [g.node("Mul", [inner, g.val(math.sqrt(2 / math.pi), x)])])
    else:
        t = g.node("Erf", [g.node("Div", [xv, g.val(math.sqrt(2.0), x)])])
    half = g.node("Mul", [xv, g.val(0.5, x)])
    g.out(out, g.node("Mul", [half, g.node("Add", [t, g.val(1.0, x)])]))


@converts("softmax", "log_softmax")
def _softmax(g, name, args, kwargs, out, fn):
    dim = arg(args, kwargs, 1, "dim")
    if dim is None:
        raise UnsupportedOperatorError(f"aten::{name} without dim", g.opset)
    op = "Softmax" if name == "softmax" else "LogSoftmax"
    g.out(out, g.node(op, [g.val(args[0])], axis=int(dim)))


_BINARY = {
    "add": "Add",
    "sub": "Sub",
    "mul": "Mul",
    "div": "Div",
    "pow": "Pow",
    "matmul": "MatMul",
    "mm": "MatMul",
    "bmm": "MatMul",
    "maximum": "Max",
    "minimum": "Min",
    "rsub": "Sub",
}


@converts(*_BINARY)
def _binary(g, name, args, kwargs, out, fn):
    a, b = args[0], arg(args, kwargs, 1, "other")
    if fn.__name__.startswith("__r") or name == "rsub":
        a, b = b, a
    if name == "div" and arg(args, kwargs, 2, "rounding_mode") is not None:
        raise UnsupportedOperatorError("aten::div with rounding_mode", g.opset)
    like = out
    av, bv = g.val(a, like), g.val(b, like)
    alpha = kwargs.get("alpha", args[2] if name in ("add", "sub") and len(args) > 2 else 1)
    if alpha != 1:
        bv = g.node("Mul", [bv, g.val(alpha, like)])
    g.out(out, g.node(_BINARY[name], [av, bv]))


@converts("linear")
def _linear(g, name, args, kwargs, out, fn):
    x, w, b = args[0], args[1], arg(args, kwargs, 2, "bias")
    if x.dim() == 2:
        ins = [g.val(x), g.val(w)] + ([g.val(b)] if b is not None else [])
        g.out(out, g.node("Gemm", ins, transB=1))
        return
    y = g.node("MatMul", [g.val(x), g.node("Transpose", [g.val(w)], perm=[1, 0])])
    g.out(out, g.node("Add", [y, g.val(b)]) if b is not None else y)


@converts("conv1d", "conv2d", "conv3d")
def _conv(g, name, args, kwargs, out, fn):
    n = int(name[-2])
    x, w, b = args[0], args[1], arg(args, kwargs, 2, "bias")
    stride, padding = arg(args, kwargs, 3, "stride", 1), arg(args, kwargs, 4, "padding", 0)
    dilation, groups = arg(args, kwargs, 5, "dilation", 1), arg(args, kwargs, 6, "groups", 1)
    if isinstance(padding, str):
        if padding == "valid":
            padding = 0
        else:
            raise UnsupportedOperatorError(f"aten::{name} with padding='{padding}'", g.opset)
    pads = _pair(padding, n)
    ins = [g.val(x), g.val(w)] + ([g.val(b)] if b is not None else [])
    g.out(
        out,
        g.node(
            "Conv",
            ins,
            kernel_shape=list(w.shape[2:]),
            strides=_pair(stride, n),
            pads=pads + pads,
            dilations=_pair(dilation, n),
            group=int(groups),
        ),
    )


@converts("max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d")
def _pool(g, name, args, kwargs, out, fn):
    n = int(name[-2])
    k = _pair(arg(args, kwargs, 1, "kernel_size"), n)
    stride = arg(args, kwargs, 2, "stride")
    stride = k if stride in (None, [], ()) else _pair(stride, n)
    pads = _pair(arg(args, kwargs, 3, "padding", 0), n)
    if name.startswith("max"):
        if arg(args, kwargs, 6, "return_indices", False):
            raise UnsupportedOperatorError(f"aten::{name} with return_indices", g.opset)
        attrs = dict(
            dilations=_pair(arg(args, kwargs, 4, "dilation", 1), n),
            ceil_mode=int(bool(arg(args, kwargs, 5, "ceil_mode", False))),
        )
        op = "MaxPool"
    else:
        if arg(args, kwargs, 6, "divisor_override") is not None:
            raise UnsupportedOperatorError(f"aten::{name} with divisor_override", g.opset)
        attrs = dict(
            ceil_mode=int(bool(arg(args, kwargs, 4, "ceil_mode", False))),
            count_include_pad=int(bool(arg(args, kwargs, 5, "count_include_pad", True))),
        )
        op = "AveragePool"
    g.out(out, g.node(op, [g.val(args[0])], kernel_shape=k, strides=stride, pads=pads + pads, **attrs))


@converts("adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_max_pool2d")
def _adaptive(g, name, args, kwargs, out, fn):
    x = args[0]
    n = 2 if "2d" in name else 1
    size = _pair(arg(args, kwargs, 1, "output_size"), n)
    ins = list(x.shape[-n:])
    size = [i if s is None else s for s, i in zip(size, ins)]
    if name.startswith("adaptive_max"):
        if arg(args, kwargs, 2, "return_indices", False):
            raise UnsupportedOperatorError(f"aten::{name} with return_indices", g.opset)
    glob = "GlobalAveragePool" if "avg" in name else "GlobalMaxPool"
    if all(s == 1 for s in size):
        g.out(out, g.node(glob, [g.val(x)]))
        return
    if any(i % s for i, s in zip(ins, size)):
        raise UnsupportedOperatorError(f"aten::{name} with input size {ins} not a multiple of {size}", g.opset)
    k = [i // s for i, s in zip(ins, size)]
    g.out(out, g.node("AveragePool" if "avg" in name else "MaxPool", [g.val(x)], kernel_shape=k, strides=k))


@converts("batch_norm")
def _batch_norm(g, name, args, kwargs, out, fn):
    x, mean, var = args[0], args[1], args[2]
    w, b = arg(args, kwargs, 3, "weight"), arg(args, kwargs, 4, "bias")
    if arg(args, kwargs, 5, "training", False) or mean is None:
        raise UnsupportedOperatorError("aten::batch_norm in training mode (export in eval mode)", g.opset)
    c = x.shape[1]
    w = g.val(w) if w is not None else g.const(np.ones(c, np.float32))
    b = g.val(b) if b is not None else g.const(np.zeros(c, np.float32))
    g.out(
        out,
        g.node(
            "BatchNormalization",
            [g.val(x), w, b, g.val(mean), g.val(var)],
            epsilon=float(arg(args, kwargs, 7, "eps", 1e-5)),
        ),
    )


@converts("layer_norm")
def _layer_norm(g, name, args, kwargs, out, fn):
    if g.opset < 17:
        raise UnsupportedOperatorError("aten::layer_norm", g.opset, 17)
    x, shape = args[0], arg(args, kwargs, 1, "normalized_shape")
    shape = [shape] if isinstance(shape, int) else list(shape)
    w, b = arg(args, kwargs, 2, "weight"), arg(args, kwargs, 3, "bias")
    w = g.val(w) if w is not None else g.const(np.ones(shape, np.float32))
    ins = [g.val(x), w] + ([g.val(b)] if b is not None else [])
    g.out(out, g.node("LayerNormalization", ins, axis=-len(shape), epsilon=float(arg(args, kwargs, 4, "eps", 1e-5))))


@converts("embedding")
def _embedding(g, name, args, kwargs, out, fn):
    if arg(args, kwargs, 3, "max_norm") is not None:
        raise UnsupportedOperatorError("aten::embedding with max_norm", g.opset)
    g.out(out, g.node("Gather", [g.val(args[1]), g.val(args[0])], axis=0))


@converts("flatten")
def _flatten(g, name, args, kwargs, out, fn):
    x = args[0]
    n = x.dim()
    s, e = arg(args, kwargs, 1, "start_dim", 0), arg(args, kwargs, 2, "end_dim", -1)
    s, e = s % max(n, 1), e % max(n, 1)
    shape = [0] * s + [-1] + [0] * (n - 1 - e)
    g.out(out, g.node("Reshape", [g.val(x), g.ints(shape)]))


@converts("view", "reshape")
def _reshape(g, name, args, kwargs, out, fn):
    shape = _dims(args, 1) if len(args) > 1 else list(kwargs.get("shape", ()))
    if any(not isinstance(s, int) for s in shape):
        raise UnsupportedOperatorError(f"aten::{name} to a dtype", g.opset)
    g.out(out, g.node("Reshape", [g.val(args[0]), g.ints([int(s) for s in shape])]))


@converts("permute")
def _permute(g, name, args, kwargs, out, fn):
    n = args[0].dim()
    g.out(out, g.node("Transpose", [g.val(args[0])], perm=[d % n for d in _dims(args, 1)]))


@converts("transpose", "swapaxes", "t")
def _transpose(g, name, args, kwargs, out, fn):
    n = args[0].dim()
    perm = list(range(n))
    if n >= 2:
        a, b = (arg(args, kwargs, 1, "dim0") % n, arg(args, kwargs, 2, "dim1") % n) if name != "t" else (0, 1)
        perm[a], perm[b] = perm[b], perm[a]
    g.out(out, g.node("Transpose", [g.val(args[0])], perm=perm))


@converts("unsqueeze")
def _unsqueeze(g, name, args, kwargs, out, fn):
    d = arg(args, kwargs, 1, "dim") % (args[0].dim() + 1)
    g.out(out, g.node("Unsqueeze", [g.val(args[0]), g.ints([d])]))


@converts("squeeze")
def _squeeze(g, name, args, kwargs, out, fn):
    x, d = args[0], arg(args, kwargs, 1, "dim")
    dims = (
        [i for i, s in enumerate(x.shape) if s == 1]
        if d is None
        else [i % x.dim() for i in (d if isinstance(d, (tuple, list)) else [d]) if x.shape[i] == 1]
    )
    g.out(out, g.node("Squeeze", [g.val(x), g.ints(dims)]) if dims else g.node("Identity", [g.val(x)]))


@converts("cat", "concat", "concatenate", "stack")
def _cat(g, name, args, kwargs, out, fn):
    ts, d = list(args[0]), arg(args, kwargs, 1, "dim", 0)
    n = ts[0].dim() + (name == "stack")
    vals = [g.val(t) for t in ts]
    if name == "stack":
        vals = [g.node("Unsqueeze", [v, g.ints([d % n])]) for v in vals]
    g.out(out, g.node("Concat", vals, axis=int(d % n)))


@converts("mean", "sum")
def _reduce(g, name, args, kwargs, out, fn):
    x = args[0]
    d, keep = arg(args, kwargs, 1, "dim"), arg(args, kwargs, 2, "keepdim", False)
    if kwargs.get("dtype") is not None:
        raise UnsupportedOperatorError(f"aten::{name} with dtype", g.opset)
    dims = list(range(x.dim())) if d is None else [i % x.dim() for i in (d if isinstance(d, (list, tuple)) else [d])]
    op = "ReduceMean" if name == "mean" else "ReduceSum"
    if op == "ReduceSum" or g.opset >= 18:
        g.out(out, g.node(op, [g.val(x), g.ints(dims)], keepdims=int(bool(keep))))
    else:
        g.out(out, g.node(op, [g.val(x)], axes=dims, keepdims=int(bool(keep))))


@converts("index")
def _getitem(g, name, args, kwargs, out, fn):
    """x[i, a:b:c, ...] with ints and slices: Slice per sliced dim, Gather per int."""
    x, key = args[0], args[1]
    key = key if isinstance(key, tuple) else (key,)
    if any(not isinstance(k, (int, slice)) or isinstance(k, bool) for k in key):
        raise UnsupportedOperatorError("aten::index with tensor, None or Ellipsis indices", g.opset)
    v, axis = g.val(x), 0
    for k, size in zip(key, x.shape):
        if isinstance(k, int):
            v = g.node("Gather", [v, g.const(np.array(k, dtype=np.int64))], axis=axis)
            continue
        start, stop, step = k.start, k.stop, k.step or 1
        if (start, stop, step) != (None, None, 1):
            if step < 0:
                raise UnsupportedOperatorError("aten::index with a negative step", g.opset)
            v = g.node(
                "Slice",
                [
                    v,
                    g.ints([0 if start is None else start]),
                    g.ints([_INT64_MAX if stop is None else stop]),
                    g.ints([axis]),
                    g.ints([step]),
                ],
            )
        axis += 1
    g.out(out, v)
