"""The machinery of the elementwise unary ops: their array kernels (sign, erf, rounding,
rsqrt ...), `define_unary` (one row -> node class, torchlet.NAME with out=, Tensor.NAME and
NAME_, result-dtype rule), and nan_to_num, plus the helpers the other pointwise files share
(broadcast errors, dtype words). The rows are in pointwise_unary.py (exp, log, trig, rounding,
erf ...), pointwise_special.py and relu_sigmoid_tanh.py. Binary numeric ops live in
pointwise_binary.py, comparisons in comparison.py, logical/bitwise ops in logical.py,
maximum/clamp/where in clamp.py. Integer and bool inputs of float functions compute in the
default float dtype, as in PyTorch.
"""

import math
import warnings

import numpy as np

try:  # the clip ufunc itself (np.clip adds microseconds of Python around it)
    from numpy._core.umath import clip as _np_clip
except ImportError:  # NumPy 1.x
    from numpy.core.umath import clip as _np_clip

from .. import _dtype
from .._device import _NAMESPACES
from .._tensor import _new_leaf
from ._table import _record, dtype_rule, methods, result_dtype
from ._util import Node, Tensor, TwoPathNode, attach, float_result, inplace, method, wrap, _NAME_WORDS
from ._util import broadcast_error

from ._out import out_form

__all__ = ["nan_to_num"]

_default = _dtype._default
_LN2, _LN10, _2_SQRTPI = math.log(2.0), math.log(10.0), 2.0 / math.sqrt(math.pi)
# NumPy warns on log(0), 1/0, exp overflow ...; PyTorch returns inf/nan silently. Filtering the
# warnings NumPy attributes to the op modules costs nothing per call (np.errstate costs ~1 us).
# The fused LSTM/GRU layers' array code is op code too (their gates' exp overflows).
warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"torchlet\.(ops\.|nn\._rnn_fused)")
_FLOAT = "fV"  # dtype kinds of floating tensors (ml_dtypes' bfloat16 has kind "V")


def _type_word(np_dtype):
    name = _dtype._FROM_NP[np_dtype].name
    return _NAME_WORDS.get(name, "BFloat16" if name == "bfloat16" else name)


def _not_for(kernel, np_dtype):
    return NotImplementedError(f"\"{kernel}\" not implemented for '{_type_word(np_dtype)}'")


_floating = float_result  # integer/bool arrays in the dtype exp, sqrt ... return for them


_broadcast_error = broadcast_error  # (_util.py)


def _shape(x):
    return x._data.shape if isinstance(x, Tensor) else ()


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


# Cephes' rational approximations (S. Moshier): erf = x T(x^2)/U(x^2) for |x| <= 1,
# erfc = exp(-x^2) P(|x|)/Q(|x|) beyond (erfc(6) < 1e-16, so |x| is capped there).
_ERF_T = (
    9.60497373987051638749e0,
    9.00260197203842689217e1,
    2.23200534594684319226e3,
    7.00332514112805075473e3,
    5.55923013010394962768e4,
)
_ERF_U = (
    1.0,
    3.35617141647503099647e1,
    5.21357949780152679795e2,
    4.59432382970980127987e3,
    2.26290000613890934246e4,
    4.92673942608635921086e4,
)
_ERFC_P = (
    2.46196981473530512524e-10,
    5.64189564831068821977e-1,
    7.46321056442269912687e0,
    4.86371970985681366614e1,
    1.96520832956077098242e2,
    5.26445194995477358631e2,
    9.34528527171957607540e2,
    1.02755188689515710272e3,
    5.57535335369399327526e2,
)
_ERFC_Q = (
    1.0,
    1.32281951154744992508e1,
    8.67072140885989742329e1,
    3.54937778887819891062e2,
    9.75708501743205489753e2,
    1.82390916687909736289e3,
    2.24633760818710981792e3,
    1.65666309194161350182e3,
    5.57535340817727675546e2,
)


def _poly(x, coefs):
    r = x * coefs[0] + coefs[1]
    for c in coefs[2:]:
        r *= x
        r += c
    return r


def _erf(xp, x):
    x = _floating(x)
    if x.dtype != np.float64:
        return _erf32(xp, x)
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
    return out


# float32: Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7, as PyTorch's vectorized CPU kernel),
# with the Taylor series near 0 where that formula loses relative accuracy.
_AS_P, _AS = 0.3275911, (1.061405429, -1.453152027, 1.421413741, -0.284496736, 0.254829592)
_TAYLOR = tuple(_2_SQRTPI * (-1) ** k / (math.factorial(k) * (2 * k + 1)) for k in range(3, -1, -1))


@_in_float32
def _erf32(xp, x):
    a = xp.abs(x)
    t = xp.asarray(a * _AS_P)
    t += 1
    xp.reciprocal(t, out=t)
    y = _poly(t, _AS) * t
    y *= xp.exp(-(a * a))
    y = xp.copysign(1 - y, x)
    xs = _np_clip(x, -0.1, 0.1) if xp is np else xp.clip(x, -0.1, 0.1)
    taylor = _poly(xs * xs, _TAYLOR) * xs
    taylor -= y  # blend arithmetically: np.where on a data-dependent mask is slow
    taylor *= a < 0.1
    y += taylor
    return y


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
            raise _not_for(kernel, x.dtype) if kernel else NotImplementedError("Boolean inputs not supported for relu")
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


# f holomorphic: for a complex input the gradient is g * conj(f'(z)) (PyTorch's convention)
_HOLOMORPHIC = frozenset(
    (
        "ExpBackward0",
        "Exp2Backward0",
        "Expm1Backward0",
        "LogBackward0",
        "Log2Backward0",
        "Log10Backward0",
        "Log1PBackward0",
        "SqrtBackward0",
        "RsqrtBackward0",
        "PowBackward0",
        "ReciprocalBackward0",
        "SinBackward0",
        "CosBackward0",
        "TanBackward0",
        "AsinBackward0",
        "AcosBackward0",
        "AtanBackward0",
        "SinhBackward0",
        "CoshBackward0",
        "TanhBackward0",
        "SigmoidBackward0",
    )
)


def _node_class(node_name, grad, save, doc, fast=None):
    if fast is not None:  # the formula twice, side by side: on arrays and with Tensor ops

        def backward_arrays(self, g):
            (r,) = self.saved_tensors
            rd = r._data
            if g._data.dtype == rd.dtype and rd.dtype.kind == "f" and rd.ndim:
                return wrap(fast(r._xp, g._data, rd))
            return NotImplemented

        def backward_tensors(self, g):
            r = self.saved_tensors[0]
            if r._data.dtype.kind == "c":  # g * conj(f'(z))
                return grad(g.conj(), r).conj()
            return grad(g, r)

        return type(
            node_name,
            (TwoPathNode,),
            {
                "backward_arrays": backward_arrays,
                "backward_tensors": backward_tensors,
                "__doc__": f"d = {doc}",
                "__module__": __name__,
            },
        )
    if save and node_name in _HOLOMORPHIC:

        def backward(self, g):
            s = self.saved_tensors[0]
            if s._data.dtype.kind == "c":  # complex z: g_z = g * conj(f'(z)) = conj(conj(g) f'(z))
                return grad(g.conj(), s).conj()
            return grad(g, s)
    elif save:

        def backward(self, g):
            return grad(g, self.saved_tensors[0])
    else:

        def backward(self, g):
            return grad(g)

    return type(node_name, (Node,), {"backward": backward, "__doc__": f"d = {doc}"})


def _dtype_of_rule(rule):
    """input dtype -> result dtype under `rule` (cached per input dtype)."""
    if rule is None:
        return None
    cache = {}

    def of(dt):
        key = (dt, _dtype.get_default_dtype())  # "float" depends on the default dtype
        out = cache.get(key)
        if out is None:
            out = cache[key] = result_dtype(rule, dt)
        return out

    return of


_GRAD_NAMES = {"square": "pow"}  # the op PyTorch's out= error names


def define_unary(module, name, node_name, fwd, grad, save, doc, fast=None, out=True, dtype=None):
    """Declare an elementwise op from its table row: forward `fwd(xp, x)` on arrays,
    gradient `grad(g[, saved])` with Tensor ops (saved: the input, or "r" the result),
    its node class, Tensor.NAME / NAME_; returns torchlet.NAME (with out= unless out=False),
    which the declaring file (`module`: its __name__) binds to NAME. pointwise_special.py and
    relu_sigmoid_tanh.py declare their rows here too. `fast(xp, g, r)`: the same gradient on
    arrays, used when no graph is built (a TwoPathNode). `dtype`: the result-dtype rule
    (_table.result_dtype), applied here to the kernel's result for every row."""
    node = _node_class(node_name, grad, save, doc, fast)
    node.__module__ = module
    if dtype is not None:
        dtype_rule(dtype, name)
    rule = _dtype_of_rule(dtype)

    def op(input):
        x = input._data
        arr = fwd(_NAMESPACES.get(x.__class__, np), x)  # input._xp, inlined: every unary op reads it
        # the rules here ("same", "float") keep a float or complex input's dtype: nothing to look up
        if rule is not None and (arr.dtype != x.dtype or x.dtype.kind not in "fc"):
            want = rule(input.dtype).np
            if arr.dtype != want:
                arr = arr.astype(want)
        res = _new_leaf(Tensor, arr) if arr.__class__ is np.ndarray else wrap(arr)  # (wrap, less a frame)
        if input._requires_grad:  # attach's own first test, without its call when nothing needs a graph
            attach(res, node, (input,), (res,) if save == "r" else (input,) if save else ())
        return res

    op.__name__ = op.__qualname__ = name
    op.__module__ = module
    op.__doc__ = f"torch.{name} (elementwise); gradient: {doc}"
    op.node = node  # (relu_'s in-memory form attaches it itself)
    _record(name, op, module)  # recorded as declared by `module` (where() names that file)
    _record(name + "_", lambda self: inplace(self, op), module)
    return out_form(op, grad_name=_GRAD_NAMES.get(name)) if out else op


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
@out_form()
def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
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
    return res


methods.nan_to_num_ = lambda self, nan=0.0, posinf=None, neginf=None: inplace(
    self, lambda t: nan_to_num(t, nan, posinf, neginf)
)
