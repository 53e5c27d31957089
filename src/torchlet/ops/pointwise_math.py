"""Pointwise math: unary functions (exp, log, trig, rounding, sigmoid, relu,
erf ...) and the numeric binary ops (atan2, fmod, remainder, floor_divide,
rounded div, lerp, addcmul, addcdiv, nan_to_num).

Unary ops are declared in one table: name, PyTorch's grad_fn name, the
forward on the backend array, the gradient written with Tensor ops and what
the node saves (the input `x` or the result `r`). Integer and bool inputs of
float functions compute in the default float dtype, as in PyTorch.
"""
import builtins
import math
import warnings

import numpy as np

from .. import _dtype
from ._util import (Node, Tensor, attach, binary_arrays, grad_enabled, inplace, method,
                    reduce_grad, wrap, _check_cast, _NAME_WORDS)

__all__ = ["abs", "absolute", "sign", "sgn", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p",
           "sqrt", "rsqrt", "square", "reciprocal", "sin", "cos", "tan", "asin", "acos", "atan",
           "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "sigmoid", "relu", "erf", "floor",
           "ceil", "round", "trunc", "fix", "frac", "atan2", "arctan2", "fmod", "remainder",
           "floor_divide", "lerp", "addcmul", "addcdiv", "nan_to_num"]

_default = _dtype._default
_LN2, _LN10, _2_SQRTPI = math.log(2.0), math.log(10.0), 2.0 / math.sqrt(math.pi)
# NumPy warns on log(0), 1/0, exp overflow ...; PyTorch returns inf/nan silently. Filtering the
# warnings NumPy attributes to the op modules costs nothing per call (np.errstate costs ~1 us).
warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"torchlet\.ops\.")
_FLOAT = "fV"  # dtype kinds of floating tensors (ml_dtypes' bfloat16 has kind "V")


def _type_word(np_dtype):
    name = _dtype._FROM_NP[np_dtype].name
    return _NAME_WORDS.get(name, "BFloat16" if name == "bfloat16" else name)


def _not_for(kernel, np_dtype):
    return NotImplementedError(f'"{kernel}" not implemented for \'{_type_word(np_dtype)}\'')


def _floating(x):
    """Integer/bool arrays in the default float dtype (what exp, sqrt ... return for them)."""
    return x.astype(_default[0].np) if x.dtype.kind in "biu" else x


def _broadcast_error(*shapes):
    """PyTorch's RuntimeError for shapes that do not broadcast (NumPy raises ValueError)."""
    nd = max(len(s) for s in shapes)
    for i in range(1, nd + 1):
        sizes = [s[-i] for s in shapes if len(s) >= i and s[-i] != 1]
        if sizes and any(s != sizes[0] for s in sizes):
            a, b = sizes[0], next(s for s in sizes if s != sizes[0])
            return RuntimeError(f"The size of tensor a ({a}) must match the size of tensor b ({b}) "
                                f"at non-singleton dimension {nd - i}")
    return RuntimeError(f"shapes {[list(s) for s in shapes]} cannot be broadcast together")


def _write_out(res, out, name):
    """Copy `res` into the `out=` tensor (resizing it as PyTorch does)."""
    if grad_enabled() and (res._requires_grad or out._requires_grad):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")
    _check_cast(res._data.dtype, out)
    if out._data.shape != res._data.shape:
        out._data = res._data.astype(out._data.dtype)
    else:
        out._xp.copyto(out._data, res._data, casting="unsafe")
    out._version[0] += 1
    return out


def _zeros(g):
    return wrap(g._xp.zeros_like(g._data))


# ----- forward kernels that need more than one NumPy call -------------------
def _sign(xp, x):
    if x.dtype.kind == "b":
        return x.copy()
    if x.dtype.kind in _FLOAT:  # NaN -> 0, as PyTorch's (0 < x) - (x < 0)
        r = (x > 0).astype(x.dtype)
        r -= x < 0
        return r
    return xp.sign(x)


def _in_float32(kernel):
    """Run a multi-step kernel on float16/bfloat16 in float32, rounding once (as PyTorch)."""
    def f(xp, x):
        if x.dtype.itemsize < 4 and x.dtype.kind not in "biu":
            return kernel(xp, x.astype(np.float32)).astype(x.dtype)
        return kernel(xp, x)
    return f


@_in_float32
def _sigmoid(xp, x):
    r = xp.asarray(xp.negative(_floating(x)))  # an array (not a 0-d scalar) to work in place
    xp.exp(r, out=r)
    r += 1
    return xp.reciprocal(r, out=r)


# Cephes' rational approximations (S. Moshier): erf = x T(x^2)/U(x^2) for |x| <= 1,
# erfc = exp(-x^2) P(|x|)/Q(|x|) beyond (erfc(6) < 1e-16, so |x| is capped there).
_ERF_T = (9.60497373987051638749e0, 9.00260197203842689217e1, 2.23200534594684319226e3,
          7.00332514112805075473e3, 5.55923013010394962768e4)
_ERF_U = (1.0, 3.35617141647503099647e1, 5.21357949780152679795e2, 4.59432382970980127987e3,
          2.26290000613890934246e4, 4.92673942608635921086e4)
_ERFC_P = (2.46196981473530512524e-10, 5.64189564831068821977e-1, 7.46321056442269912687e0,
           4.86371970985681366614e1, 1.96520832956077098242e2, 5.26445194995477358631e2,
           9.34528527171957607540e2, 1.02755188689515710272e3, 5.57535335369399327526e2)
_ERFC_Q = (1.0, 1.32281951154744992508e1, 8.67072140885989742329e1, 3.54937778887819891062e2,
           9.75708501743205489753e2, 1.82390916687909736289e3, 2.24633760818710981792e3,
           1.65666309194161350182e3, 5.57535340817727675546e2)


def _poly(x, coefs):
    r = x * coefs[0] + coefs[1]
    for c in coefs[2:]:
        r *= x
        r += c
    return r


def _erf(xp, x):
    x = _floating(x)
    dt = x.dtype
    if dt.itemsize < 4:  # float16 / bfloat16 evaluate in float32
        x = x.astype(np.float32)
    a = xp.abs(x)
    small = a <= 1
    out = xp.empty_like(x)
    xs = x[small]
    z = xs * xs
    out[small] = xs * _poly(z, _ERF_T) / _poly(z, _ERF_U)
    big = ~small
    ab = xp.minimum(a[big], 6.0)
    e = xp.exp(-ab * ab) * _poly(ab, _ERFC_P) / _poly(ab, _ERFC_Q)
    out[big] = xp.copysign(1 - e, x[big])
    return out.astype(dt, copy=False)


def _rounding(ufunc, kernel):
    def fwd(xp, x):
        k = x.dtype.kind
        if k == "b":
            raise _not_for(kernel, x.dtype)
        return x.copy() if k in "iu" else getattr(xp, ufunc)(x)
    return fwd


def _ints_ok(kernel, fwd):
    def f(xp, x):
        if x.dtype.kind == "b":
            raise _not_for(kernel, x.dtype) if kernel else NotImplementedError(
                "Boolean inputs not supported for relu")
        return fwd(xp, x)
    return f


def _float_fn(ufunc):
    return lambda xp, x: getattr(xp, ufunc)(_floating(x))


@_in_float32
def _rsqrt(xp, x):
    r = xp.asarray(xp.sqrt(_floating(x)))
    return xp.reciprocal(r, out=r)


def _reciprocal(xp, x):
    return xp.reciprocal(_floating(x))


def _frac(xp, x):
    if x.dtype.kind not in _FLOAT:
        raise _not_for("frac_cpu", x.dtype)
    return x - xp.trunc(x)


def _square(xp, x):
    if x.dtype.kind == "b":
        x = x.astype(np.int64)
    return x * x


# name, grad_fn name, forward(xp, array), gradient(g, saved), saved ("x", "r" or None), math
_UNARY = [
    ("abs", "AbsBackward0", _ints_ok("abs_cpu", lambda xp, x: xp.abs(x)),
     lambda g, x: g * x.sign(), "x", "g * sign(a)"),
    ("sign", "SignBackward0", _sign, lambda g: _zeros(g), None, "0"),
    ("exp", "ExpBackward0", _float_fn("exp"), lambda g, r: g * r, "r", "g * exp(a)"),
    ("exp2", "Exp2Backward0", _float_fn("exp2"), lambda g, r: g * r * _LN2, "r", "g * 2^a * ln 2"),
    ("expm1", "Expm1Backward0", _float_fn("expm1"), lambda g, r: g * (r + 1), "r", "g * (expm1(a) + 1)"),
    ("log", "LogBackward0", _float_fn("log"), lambda g, x: g / x, "x", "g / a"),
    ("log2", "Log2Backward0", _float_fn("log2"), lambda g, x: g / (x * _LN2), "x", "g / (a ln 2)"),
    ("log10", "Log10Backward0", _float_fn("log10"), lambda g, x: g / (x * _LN10), "x",
     "g / (a ln 10)"),
    ("log1p", "Log1PBackward0", _float_fn("log1p"), lambda g, x: g / (x + 1), "x", "g / (1 + a)"),
    ("sqrt", "SqrtBackward0", _float_fn("sqrt"), lambda g, r: g / (r * 2), "r", "g / (2 sqrt(a))"),
    ("rsqrt", "RsqrtBackward0", _rsqrt, lambda g, r: g * -0.5 * r.pow(3), "r", "-g / (2 a^(3/2))"),
    ("square", "PowBackward0", _square, lambda g, x: g * (x * 2), "x", "2 g a"),
    ("reciprocal", "ReciprocalBackward0", _reciprocal, lambda g, r: -g * (r * r), "r", "-g / a^2"),
    ("sin", "SinBackward0", _float_fn("sin"), lambda g, x: g * x.cos(), "x", "g cos(a)"),
    ("cos", "CosBackward0", _float_fn("cos"), lambda g, x: g * -x.sin(), "x", "-g sin(a)"),
    ("tan", "TanBackward0", _float_fn("tan"), lambda g, r: g * (r * r + 1), "r", "g (1 + tan(a)^2)"),
    ("asin", "AsinBackward0", _float_fn("arcsin"), lambda g, x: g * (-x * x + 1).rsqrt(), "x",
     "g / sqrt(1 - a^2)"),
    ("acos", "AcosBackward0", _float_fn("arccos"), lambda g, x: g * -((-x * x + 1).rsqrt()), "x",
     "-g / sqrt(1 - a^2)"),
    ("atan", "AtanBackward0", _float_fn("arctan"), lambda g, x: g / (x * x + 1), "x", "g / (1 + a^2)"),
    ("sinh", "SinhBackward0", _float_fn("sinh"), lambda g, x: g * x.cosh(), "x", "g cosh(a)"),
    ("cosh", "CoshBackward0", _float_fn("cosh"), lambda g, x: g * x.sinh(), "x", "g sinh(a)"),
    ("tanh", "TanhBackward0", _float_fn("tanh"), lambda g, r: g * (1 - r * r), "r", "g (1 - tanh(a)^2)"),
    ("sigmoid", "SigmoidBackward0", _sigmoid, lambda g, r: g * (1 - r) * r, "r", "g s(a) (1 - s(a))"),
    ("relu", "ReluBackward0", _ints_ok(None, lambda xp, x: xp.maximum(x, 0)),
     lambda g, r: _where(r > 0, g, 0), "r", "g where relu(a) > 0, else 0"),
    ("erf", "ErfBackward0", _erf, lambda g, x: (-x * x).exp() * _2_SQRTPI * g, "x",
     "g 2/sqrt(pi) exp(-a^2)"),
    ("floor", "FloorBackward0", _rounding("floor", "floor_vml_cpu"), lambda g: _zeros(g), None, "0"),
    ("ceil", "CeilBackward0", _rounding("ceil", "ceil_vml_cpu"), lambda g: _zeros(g), None, "0"),
    ("trunc", "TruncBackward0", _rounding("trunc", "trunc_vml_cpu"), lambda g: _zeros(g), None, "0"),
    ("frac", "FracBackward0", _frac, lambda g: g, None, "g"),
]


def _node_class(node_name, grad, save, doc):
    if save:
        def backward(self, g):
            return grad(g, self.saved_tensors[0])
    else:
        def backward(self, g):
            return grad(g)
    return type(node_name, (Node,), {"backward": backward, "__doc__": f"d = {doc}"})


def _define(name, node_name, fwd, grad, save, doc):
    node = _node_class(node_name, grad, save, doc)

    def op(input, *, out=None):
        res = wrap(fwd(input._xp, input._data))
        attach(res, node, (input,), (res,) if save == "r" else (input,) if save else ())
        return res if out is None else _write_out(res, out, name)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"torch.{name} (elementwise); gradient: {doc}"
    setattr(Tensor, name, op)
    setattr(Tensor, name + "_", lambda self: inplace(self, op))
    globals()[name] = op
    return op


for _entry in _UNARY:
    _define(*_entry)

RoundBackward0 = _node_class("RoundBackward0", lambda g: _zeros(g), None, "0")
RoundBackward1 = _node_class("RoundBackward1", lambda g: _zeros(g), None, "0")


@method()
def round(input, *, decimals=0, out=None):
    """Round half to even; with `decimals`, as PyTorch: rint(a * 10^d) / 10^d."""
    x, xp = input._data, input._xp
    if x.dtype.kind in "biu":
        if x.dtype.kind == "b" or decimals:
            raise _not_for("round_cpu" if decimals else "round_vml_cpu", x.dtype)
        res = wrap(x.copy())
    elif decimals == 0:
        res = attach(wrap(xp.rint(x)), RoundBackward0, (input,))
    else:
        p = x.dtype.type(10.0 ** builtins.abs(decimals))
        r = xp.rint(x * p if decimals > 0 else x / p)
        res = attach(wrap(r / p if decimals > 0 else r * p), RoundBackward1, (input,))
    return res if out is None else _write_out(res, out, "round")


Tensor.round_ = lambda self, *, decimals=0: inplace(self, lambda t: round(t, decimals=decimals))
Tensor.__abs__ = abs
absolute, arcsin, arccos, arctan, fix, sgn = abs, asin, acos, atan, trunc, sign
for _alias, _fn in (("absolute", abs), ("arcsin", asin), ("arccos", acos), ("arctan", atan),
                    ("fix", trunc), ("sgn", sign)):
    setattr(Tensor, _alias, _fn)
    setattr(Tensor, _alias + "_", getattr(Tensor, _fn.__name__ + "_"))


# ----- binary ops ------------------------------------------------------------
def _shape(x):
    return x._data.shape if isinstance(x, Tensor) else ()


def _lhs(input, other):
    """A Python-number first operand (5 // t) as a 0-d tensor of the promoted dtype."""
    if isinstance(input, Tensor):
        return input
    from .creation import tensor
    return tensor(input, dtype=_dtype.result_type(input, other))


def _need_tensor(fn, other):
    if not isinstance(other, Tensor):
        raise TypeError(f"{fn}(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}")


def _no_int_zero(x, y):
    """Integer division by zero is an error in PyTorch (NumPy returns 0)."""
    if x.dtype.kind in "iu" and (not y.all() if isinstance(y, np.ndarray) or hasattr(y, "all") else y == 0):
        raise RuntimeError("ZeroDivisionError")


def _call(ufunc, x, y, a, b):
    try:
        return ufunc(x, y)
    except ValueError:
        raise _broadcast_error(_shape(a), _shape(b)) from None


def _tensors(a, b):
    return (a, b if isinstance(b, Tensor) else None)


class Atan2Backward0(Node):
    """d atan2(a, b) = g b / (a^2 + b^2), -g a / (a^2 + b^2)"""

    def backward(self, g):
        a, b = self.saved_tensors
        recip = (a * a + b * b).reciprocal()
        ma, mb = self.input_meta
        return (reduce_grad(g * b * recip, ma) if self.needs_input_grad(0) else None,
                reduce_grad(g * -a * recip, mb) if self.needs_input_grad(1) else None)


@method()
def atan2(input, other, *, out=None):
    _need_tensor("atan2", other)
    x, y = binary_arrays(input, other)
    res = wrap(_call(input._xp.arctan2, _floating(x), _floating(y), input, other))
    attach(res, Atan2Backward0, (input, other), (input, other))
    return res if out is None else _write_out(res, out, "atan2")


arctan2 = atan2
Tensor.arctan2 = atan2
Tensor.atan2_ = Tensor.arctan2_ = lambda self, other: inplace(self, atan2, other)


class _ScalarPass(Node):
    def backward(self, g):
        return g


class FmodBackward0(_ScalarPass):
    """d fmod(a, s) = g"""


class RemainderBackward0(_ScalarPass):
    """d remainder(a, s) = g"""


class FmodBackward1(Node):
    """d fmod(a, b) = g, -g trunc(a / b)"""
    mode = "trunc"

    def backward(self, g):
        a, b = self.saved_tensors
        ma, mb = self.input_meta
        gb = None
        if self.needs_input_grad(1):
            gb = reduce_grad(-g * a.div(b, rounding_mode=self.mode), mb)
        return reduce_grad(g, ma), gb


class RemainderBackward1(FmodBackward1):
    """d remainder(a, b) = g, -g floor(a / b)"""
    mode = "floor"


def _modulo(name, ufunc, kernel, nodes, input, other, out):
    if not isinstance(input, Tensor):  # 2.5 % t: PyTorch has no derivative for it
        nodes = (None, NotImplementedBackward)
        input = _lhs(input, other)
    x, y = binary_arrays(input, other)
    if x.dtype.kind == "b":
        raise _not_for(kernel, x.dtype)
    _no_int_zero(x, y)
    res = wrap(_call(getattr(input._xp, ufunc), x, y, input, other))
    if nodes[0] is None:
        attach(res, nodes[1], (input, other), op=name)
    elif isinstance(other, Tensor):
        attach(res, nodes[1], (input, other), (input, other))
    else:
        attach(res, nodes[0], (input,))
    return res if out is None else _write_out(res, out, name)


@method()
def fmod(input, other, *, out=None):
    return _modulo("fmod", "fmod", "fmod_cpu", (FmodBackward0, FmodBackward1), input, other, out)


@method()
def remainder(input, other, *, out=None):
    return _modulo("remainder", "remainder", "remainder_cpu", (RemainderBackward0, RemainderBackward1),
                   input, other, out)


class NotImplementedBackward(Node):
    """An op PyTorch has no derivative for: backward through it is an error."""

    def name(self):
        return "torch::autograd::NotImplemented"

    def backward(self, g):
        raise RuntimeError(f"derivative for aten::{self.op} is not implemented")


@method()
def floor_divide(input, other, *, out=None):
    input = _lhs(input, other)
    x, y = binary_arrays(input, other)
    if x.dtype.kind == "b":
        raise _not_for("div_floor_cpu", x.dtype)
    _no_int_zero(x, y)
    res = wrap(_call(input._xp.floor_divide, x, y, input, other))
    attach(res, NotImplementedBackward, _tensors(input, other), op="floor_divide")
    return res if out is None else _write_out(res, out, "floor_divide")


class DivBackward2(Node):
    """d div(a, b, rounding_mode) = 0, 0 (a step function)"""

    def backward(self, g):
        xp = g._xp
        return tuple(None if m is None or not self.needs_input_grad(i) else wrap(xp.zeros(*m))
                     for i, m in enumerate(self.input_meta))


def _rounded_div(input, other, rounding_mode):
    """div(a, b, rounding_mode='trunc' | 'floor')."""
    if rounding_mode not in ("trunc", "floor"):
        raise RuntimeError("div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                           f"'{rounding_mode}'")
    input = _lhs(input, other)
    x, y = binary_arrays(input, other)
    xp = input._xp
    if x.dtype.kind == "b":
        raise _not_for(f"div_{rounding_mode}_cpu", x.dtype)
    _no_int_zero(x, y)
    if rounding_mode == "floor":
        r = _call(xp.floor_divide, x, y, input, other)
    elif x.dtype.kind in "iu":  # exact: (a - fmod(a, b)) is a multiple of b
        r = _call(xp.fmod, x, y, input, other)
        r = (x - r) // y
    else:
        r = xp.trunc(_call(xp.true_divide, x, y, input, other))
    return attach(wrap(r), DivBackward2, _tensors(input, other))


Tensor.__floordiv__ = floor_divide
Tensor.__rfloordiv__ = lambda self, other: floor_divide(other, self)
Tensor.__mod__ = remainder
Tensor.__rmod__ = lambda self, other: remainder(other, self)
for _name, _fn in (("fmod", fmod), ("remainder", remainder), ("floor_divide", floor_divide)):
    setattr(Tensor, _name + "_", (lambda f: lambda self, other: inplace(self, f, other))(_fn))
Tensor.__ifloordiv__ = Tensor.floor_divide_
Tensor.__imod__ = Tensor.remainder_


# ----- lerp, addcmul, addcdiv ------------------------------------------------
def _same_dtype(what, ref, t):
    if t.dtype is not ref.dtype:
        raise RuntimeError(f"expected dtype {ref.dtype} for `{what}` but got dtype {t.dtype}")


class LerpBackward0(Node):
    """d lerp(a, b, w) = g (1 - w), g w"""

    def backward(self, g):
        ma, mb = self.input_meta
        w = self.weight
        return (reduce_grad(g * (1 - w), ma) if self.needs_input_grad(0) else None,
                reduce_grad(g * w, mb) if self.needs_input_grad(1) else None)


class LerpBackward1(Node):
    """d lerp(a, b, w) = g (1 - w), g w, g (b - a)"""

    def backward(self, g):
        a, b, w = self.saved_tensors
        ma, mb, mw = self.input_meta
        n = self.needs_input_grad
        return (reduce_grad(g * (1 - w), ma) if n(0) else None, reduce_grad(g * w, mb) if n(1) else None,
                reduce_grad(g * (b - a), mw) if n(2) else None)


@method()
def lerp(input, end, weight, *, out=None):
    """a + w (b - a), computed from the nearer end as PyTorch does."""
    _same_dtype("end", input, end)
    s, e, xp = input._data, end._data, input._xp
    wt = isinstance(weight, Tensor)
    if wt:
        _same_dtype("weight", input, weight)
    if s.dtype.kind not in _FLOAT:
        raise _not_for("lerp_kernel_tensor" if wt else "lerp_kernel_scalar", s.dtype)
    try:
        d = e - s
        if wt:
            w = weight._data
            r = xp.where(xp.abs(w) < 0.5, s + w * d, e - d * (1 - w))
        else:
            w, w1 = weight, 1 - weight
            if s.dtype.kind != "f":  # bfloat16: keep the scalar in the tensor's dtype
                w, w1 = s.dtype.type(w), s.dtype.type(w1)
            r = s + w * d if builtins.abs(weight) < 0.5 else e - d * w1
    except ValueError:
        raise _broadcast_error(s.shape, e.shape, _shape(weight)) from None
    res = wrap(r)
    if wt:
        attach(res, LerpBackward1, (input, end, weight), (input, end, weight))
    else:
        attach(res, LerpBackward0, (input, end), weight=weight)
    return res if out is None else _write_out(res, out, "lerp")


Tensor.lerp_ = lambda self, end, weight: inplace(self, lerp, end, weight)


def _common(*ts):
    """PyTorch's promoted NumPy dtype of several tensors (0-d ones weigh less)."""
    d0 = ts[0]._data.dtype
    if all(t._data.dtype == d0 for t in ts):
        return d0
    groups = ([], [], [])
    for t in ts:
        groups[0 if t._data.ndim else 1].append(t.dtype)
    return _dtype.promote_operands(groups).np


class AddcmulBackward0(Node):
    """d (s + v t1 t2) = g, g v t2, g v t1"""

    def backward(self, g):
        t1, t2 = self.saved_tensors
        m, v, n = self.input_meta, self.value, self.needs_input_grad
        return (reduce_grad(g, m[0]) if n(0) else None,
                reduce_grad(g * (t2 * v if v != 1 else t2), m[1]) if n(1) else None,
                reduce_grad(g * (t1 * v if v != 1 else t1), m[2]) if n(2) else None)


class AddcdivBackward0(Node):
    """d (s + v t1 / t2) = g, g v / t2, -g v t1 / t2^2"""

    def backward(self, g):
        t1, t2 = self.saved_tensors
        m, v, n = self.input_meta, self.value, self.needs_input_grad
        return (reduce_grad(g, m[0]) if n(0) else None,
                reduce_grad(g * (v / t2), m[1]) if n(1) else None,
                reduce_grad(-g * (v * t1 / (t2 * t2)), m[2]) if n(2) else None)


def _addc(name, input, tensor1, tensor2, value, out):
    dt = _common(input, tensor1, tensor2)
    s, a, b = (t._data.astype(dt, copy=False) for t in (input, tensor1, tensor2))
    v = value
    if dt.kind not in _FLOAT and dt.kind != "c":
        value = v = int(value)  # PyTorch casts the scalar to the integer type
    elif dt.kind == "V":
        v = dt.type(value)  # bfloat16: keep the scalar in the tensor's dtype
    try:
        p = a if value == 1 else v * a
        r = s + (p * b if name == "addcmul" else p / b)
    except ValueError:
        raise _broadcast_error(s.shape, a.shape, b.shape) from None
    res = wrap(r)
    node = AddcmulBackward0 if name == "addcmul" else AddcdivBackward0
    attach(res, node, (input, tensor1, tensor2), (tensor1, tensor2), value=value)
    return res if out is None else _write_out(res, out, name)


@method()
def addcmul(input, tensor1, tensor2, *, value=1, out=None):
    return _addc("addcmul", input, tensor1, tensor2, value, out)


@method()
def addcdiv(input, tensor1, tensor2, *, value=1, out=None):
    if tensor1.dtype.category < 2 and tensor2.dtype.category < 2:
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future  release addcdiv "
            "will perform a true division of tensor1 and tensor2. The historic addcdiv behavior can be "
            "implemented as (input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for "
            "integer inputs and as (input + value * tensor1 / tensor2) for float inputs. The future "
            "addcdiv behavior is just the latter implementation: (input + value * tensor1 / tensor2), "
            "for all dtypes.")
    return _addc("addcdiv", input, tensor1, tensor2, value, out)


Tensor.addcmul_ = lambda self, t1, t2, *, value=1: inplace(self, lambda s, a, b: addcmul(
    s, a, b, value=value), t1, t2)
Tensor.addcdiv_ = lambda self, t1, t2, *, value=1: inplace(self, lambda s, a, b: addcdiv(
    s, a, b, value=value), t1, t2)


# ----- nan_to_num ------------------------------------------------------------
class NanToNumBackward0(Node):
    """d nan_to_num(a) = g where a is finite, else 0"""

    def backward(self, g):
        (a,) = self.saved_tensors
        return g * a.isfinite()


def _finfo(np_dtype):
    try:
        return np.finfo(np_dtype)
    except ValueError:
        import ml_dtypes
        return ml_dtypes.finfo(np_dtype)


@method()
def nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None):
    x, xp = input._data, input._xp
    if x.dtype.kind not in _FLOAT:
        res = wrap(x.copy())
    else:
        info = _finfo(x.dtype)
        r = x.copy()
        xp.copyto(r, nan, where=xp.isnan(x), casting="unsafe")
        xp.copyto(r, info.max if posinf is None else posinf, where=x == math.inf, casting="unsafe")
        xp.copyto(r, info.min if neginf is None else neginf, where=x == -math.inf, casting="unsafe")
        res = attach(wrap(r), NanToNumBackward0, (input,), (input,))
    return res if out is None else _write_out(res, out, "nan_to_num")


Tensor.nan_to_num_ = lambda self, nan=0.0, posinf=None, neginf=None: inplace(
    self, lambda t: nan_to_num(t, nan, posinf, neginf))

from .comparison import where as _where  # noqa: E402  (relu's backward; comparison imports us)
