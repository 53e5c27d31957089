"""Random sampling: rand/randn/randint/randperm/normal/bernoulli/multinomial/
poisson, their *_like forms, and the in-place samplers (uniform_, normal_,
random_, bernoulli_, exponential_, geometric_, log_normal_, cauchy_).

Samples are drawn on the host from the generator's NumPy stream (generator=
or the default one), float32 drawn as float32, then moved to the device.
Sampling is not differentiable: where PyTorch records a node (NormalBackward*,
UniformBackward0, ...) we record one of the same name whose gradient is zero.
"""
import math

import numpy as np

from .. import _dtype
from ..random import _gen
from ._util import Node, Tensor, attach, grad_enabled, inplace, method, wrap
from ._out import out_form
from .creation import _finish, _size

__all__ = ["rand", "randn", "randint", "randperm", "normal", "bernoulli", "multinomial", "poisson",
           "rand_like", "randn_like", "randint_like"]

_SCALAR_NAMES = {"bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short", "int32": "Int",
                 "int64": "Long", "float16": "Half", "bfloat16": "BFloat16", "float32": "Float",
                 "float64": "Double", "complex64": "ComplexFloat", "complex128": "ComplexDouble"}
_C_NAMES = {"bool": "bool", "uint8": "unsigned char", "int8": "signed char", "int16": "short int",
            "int32": "int", "int64": "long", "float16": "c10::Half"}
_MANTISSA = {"float16": 11, "bfloat16": 8, "float32": 24, "float64": 53}


class _ZeroGrad(Node):
    """Sampling: d(sample)/d(parameters) = 0."""

    def backward(self, g):
        return tuple(None if m is None else wrap(g._xp.zeros(*m)) for m in self.input_meta)


def _node(name):
    return type(name, (_ZeroGrad,), {"__doc__": _ZeroGrad.__doc__})


(NormalBackward0, NormalBackward1, NormalBackward2, NormalBackward3, UniformBackward0,
 RandomBackward0, RandomBackward1, RandomBackward2, BernoulliBackward0, BernoulliBackward1,
 BernoulliBackward2, ExponentialBackward0, GeometricBackward0, LogNormalBackward0, CauchyBackward0,
 PoissonBackward0) = map(_node, (
    "NormalBackward0", "NormalBackward1", "NormalBackward2", "NormalBackward3", "UniformBackward0",
    "RandomBackward0", "RandomBackward1", "RandomBackward2", "BernoulliBackward0",
    "BernoulliBackward1", "BernoulliBackward2", "ExponentialBackward0", "GeometricBackward0",
    "LogNormalBackward0", "CauchyBackward0", "PoissonBackward0"))


def _g(x):
    return f"{x:g}"


def _not_implemented(kernel, dtype):
    return NotImplementedError(f'"{kernel}" not implemented for \'{_SCALAR_NAMES[dtype.name]}\'')


def _float_dtype(dtype, kernel):
    dtype = dtype or _dtype.get_default_dtype()
    if dtype.category < 2:
        raise _not_implemented(kernel, dtype)
    return dtype


def _uniform(rng, shape, dtype):
    """U[0, 1) in `dtype` (complex: independent real and imaginary parts)."""
    if dtype.category == 3:
        part = _uniform(rng, shape + (2,), dtype.to_real())
        return part.view(dtype.np).reshape(shape)
    name = dtype.name
    if name in ("float32", "float64"):
        return rng.random(shape, dtype=dtype.np)
    bits = _MANTISSA[name]  # exact k / 2**bits, never rounds up to 1
    return (rng.integers(0, 1 << bits, shape) * (1.0 / (1 << bits))).astype(dtype.np)


def _standard_normal(rng, shape, dtype):
    if dtype.category == 3:  # real and imaginary parts each N(0, 1/2)
        part = _standard_normal(rng, shape + (2,), dtype.to_real()) * np.sqrt(0.5).astype(dtype.to_real().np)
        return part.view(dtype.np).reshape(shape)
    if dtype.name in ("float32", "float64"):
        return rng.standard_normal(shape, dtype=dtype.np)
    return rng.standard_normal(shape, dtype=np.float32).astype(dtype.np)


def _shape(size, kwargs):
    """Sizes as varargs, one sequence, or size=... (the only extra keyword)."""
    for k in kwargs:
        if k != "size":
            raise TypeError(f"got an unexpected keyword argument '{k}'")
    if "size" in kwargs:
        return _size((kwargs["size"],))
    return _size(size)


# ----- factories ------------------------------------------------------------
@out_form(dtype="factory")
def rand(*size, generator=None, dtype=None, layout=None, device=None,
         requires_grad=False, pin_memory=False, **kwargs):
    """Uniform samples on [0, 1)."""
    dtype = _float_dtype(dtype, "check_uniform_bounds")
    shape = _shape(size, kwargs)
    return _finish(_uniform(_gen(generator), shape, dtype), dtype, device, requires_grad)


@out_form(dtype="factory", grad_message="cannot resize variables that require grad")
def randn(*size, generator=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False, **kwargs):
    """Standard normal samples."""
    dtype = _float_dtype(dtype, "normal_kernel_cpu")
    shape = _shape(size, kwargs)
    return _finish(_standard_normal(_gen(generator), shape, dtype), dtype, device, requires_grad)


def _check_range(lo, hi, dtype):
    if lo >= hi:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={lo} >= to={hi}")
    if dtype.name in _C_NAMES:
        if dtype is _dtype.bool:
            mn, mx = 0, 1
        elif dtype is _dtype.float16:
            mn, mx = -65504, 65504
        else:
            info = np.iinfo(dtype.np)
            mn, mx = int(info.min), int(info.max)
        if not mn <= lo <= mx:
            raise RuntimeError(f"from is out of bounds for {_C_NAMES[dtype.name]}")
        if not mn <= hi - 1 <= mx:
            raise RuntimeError(f"to - 1 is out of bounds for {_C_NAMES[dtype.name]}")


def _integers(rng, lo, hi, shape, dtype):
    """Integers uniform on [lo, hi) stored in `dtype`."""
    _check_range(lo, hi, dtype)
    if hi - 1 > np.iinfo(np.int64).max or lo < np.iinfo(np.int64).min:
        return rng.integers(lo, hi, shape, dtype=np.uint64).astype(dtype.np)
    return rng.integers(lo, hi, shape, dtype=np.int64).astype(dtype.np, copy=False)


@out_form(dtype="factory")
def randint(*args, size=None, low=None, high=None, generator=None, dtype=None, layout=None,
            device=None, requires_grad=False, pin_memory=False):
    """Integers uniform on [low, high): randint(high, size) or randint(low, high, size)."""
    args = list(args)
    if size is None:
        if not args or not isinstance(args[-1], (tuple, list)):
            got = type(args[-1]).__name__ if args else "nothing"
            raise TypeError(f"randint(): argument 'size' (position {len(args)}) must be tuple of "
                            f"ints, not {got}")
        size = args.pop()
    if high is None:
        high = args.pop() if args else None
    if low is None:
        low = args.pop() if args else 0
    if high is None:
        raise TypeError("randint() missing required argument 'high'")
    dtype = dtype or _dtype.int64
    arr = _integers(_gen(generator), int(low), int(high), _size((size,)), dtype)
    return _finish(arr, dtype, device, requires_grad)


@out_form(dtype="factory")
def randperm(n, *, generator=None, dtype=None, layout=None, device=None,
             requires_grad=False, pin_memory=False):
    """A random permutation of 0..n-1."""
    dtype = dtype or _dtype.int64
    n = int(n)
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    if dtype is _dtype.bool or dtype.category == 3:
        raise _not_implemented("randperm", dtype)
    arr = _gen(generator).permutation(n).astype(dtype.np)
    return _finish(arr, dtype, device, requires_grad)


def _like_dtype(input, dtype):
    return dtype or input.dtype


def rand_like(input, *, generator=None, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    dtype = _float_dtype(_like_dtype(input, dtype), "check_uniform_bounds")
    arr = _uniform(_gen(generator), tuple(input.shape), dtype)
    return _finish(arr, dtype, device or input.device, requires_grad)


def randn_like(input, *, generator=None, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None):
    dtype = _float_dtype(_like_dtype(input, dtype), "normal_kernel_cpu")
    arr = _standard_normal(_gen(generator), tuple(input.shape), dtype)
    return _finish(arr, dtype, device or input.device, requires_grad)


def randint_like(input, low=0, high=None, *, generator=None, dtype=None, layout=None, device=None,
                 requires_grad=False, memory_format=None):
    """randint_like(input, high) or randint_like(input, low, high)."""
    if high is None:
        low, high = 0, low
    dtype = _like_dtype(input, dtype)
    arr = _integers(_gen(generator), int(low), int(high), tuple(input.shape), dtype)
    return _finish(arr, dtype, device or input.device, requires_grad)


# ----- distributions with tensor parameters -----------------------------------
def _host(t):
    a = t._data
    return a if isinstance(a, np.ndarray) else np.asarray(a.get() if hasattr(a, "get") else a)


def _normal_out_dtype(name, result_dtype, out_dtype):
    """normal(out=) draws in out's dtype: a floating one."""
    if out_dtype.category < _dtype._FLOAT:
        from .pointwise_math import _type_word
        raise NotImplementedError(f'"normal_kernel_cpu" not implemented for \'{_type_word(out_dtype.np)}\'')


@out_form(dtype=_normal_out_dtype)
def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, layout=None,
           device=None, requires_grad=False, pin_memory=False):
    """normal(mean, std) with tensor or float mean/std; floats need `size`."""
    rng = _gen(generator)
    mt, st = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not mt and not st:
        if size is None:
            raise TypeError(f"normal() received an invalid combination of arguments - got "
                            f"({type(mean).__name__}, {type(std).__name__}), but expected a size")
        if std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {_g(std)}")
        dtype = _float_dtype(dtype, "normal_kernel_cpu")
        arr = _standard_normal(rng, _size((size,)), dtype)
        if std != 1:
            arr *= dtype.np.type(std)
        if mean != 0:
            arr += dtype.np.type(mean)
        return _finish(arr, dtype, device, requires_grad)
    if mt and st:
        rt = _dtype.promote_types(mean.dtype, std.dtype)
        shape = _broadcast_shape(mean._data.shape, std._data.shape)
        node, inputs = NormalBackward3, (mean, std)
    elif mt:
        if std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {_g(std)}")
        rt, shape, node, inputs = mean.dtype, mean._data.shape, NormalBackward1, (mean, None)
    else:
        rt, shape, node, inputs = std.dtype, std._data.shape, NormalBackward2, (None, std)
    if rt.category != 2:
        raise _not_implemented("normal_kernel_cpu", rt)
    s = _host(std) if st else std
    if st and np.any(s < 0):
        raise RuntimeError("normal expects all elements of std >= 0.0")
    m = _host(mean) if mt else mean
    arr = (_standard_normal(rng, shape, rt) * s + m).astype(rt.np, copy=False)
    res = _finish(arr, rt, (mean if mt else std).device, False)
    return attach(res, node, inputs)


def _broadcast_shape(a, b):
    try:
        return np.broadcast_shapes(a, b)
    except ValueError:
        n = max(len(a), len(b))
        a, b = (1,) * (n - len(a)) + tuple(a), (1,) * (n - len(b)) + tuple(b)
        i = max(i for i in range(n) if a[i] != b[i] and 1 not in (a[i], b[i]))
        raise RuntimeError(f"The size of tensor a ({a[i]}) must match the size of tensor b ({b[i]}) "
                           f"at non-singleton dimension {i}") from None


def _check_prob(p, name="bernoulli_"):
    if not 0 <= p <= 1:
        raise RuntimeError(f"{name} expects p to be in [0, 1], but got p={_g(p)}")


@method()
@out_form(dtype="any", resize="silent")
def bernoulli(input, p=None, *, generator=None):
    """0/1 samples with probability `input` (or the float `p`), in input's dtype."""
    rng = _gen(generator)
    shape = input._data.shape
    if p is not None:
        _check_prob(p)
        arr = (rng.random(shape) < p).astype(input._data.dtype)
        return _finish(arr, input.dtype, input.device, False)
    if input.dtype.category != 2:
        raise _not_implemented("bernoulli_tensor_cpu_p_", input.dtype)
    prob = _host(input)
    if not np.all((prob >= 0) & (prob <= 1)):
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this "
                           "error message be improved?  If so, please report an enhancement request "
                           "to PyTorch.)")
    u = _uniform(rng, shape, input.dtype if input.dtype.name in ("float32", "float64") else _dtype.float32)
    res = _finish((u < prob).astype(prob.dtype), input.dtype, input.device, False)
    return attach(res, BernoulliBackward0, (input,))


@method()
@out_form(dtype="exact", resize="silent")
def multinomial(input, num_samples, replacement=False, *, generator=None):
    """Category indices drawn from the (unnormalized) rows of `input`."""
    if input.dtype.category != 2:
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{_SCALAR_NAMES[input.dtype.name]}")
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    n = input._data.shape[-1] if input._data.ndim else 1
    if not replacement and num_samples > n:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    if input._data.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    p = _host(input).astype(np.float64).reshape(-1, n)
    if not np.all(np.isfinite(p) & (p >= 0)):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    total = p.sum(axis=1, keepdims=True)
    if np.any(total <= 0):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    rng = _gen(generator)
    rows = p.shape[0]
    if replacement:
        # one searchsorted over all rows: row i's CDF is shifted into [i, i + 1]
        cdf = np.cumsum(p / total, axis=1)
        cdf[:, -1] = 1.0
        offsets = np.arange(rows, dtype=np.float64)[:, None]
        u = rng.random((rows, num_samples)) + offsets
        idx = np.searchsorted((cdf + offsets).ravel(), u.ravel(), side="right").reshape(rows, -1)
        idx = np.minimum(idx - (offsets.astype(np.int64) * n), n - 1)
    else:
        # exponential race: the k smallest Exp(1)/p are a weighted draw without replacement
        with np.errstate(divide="ignore"):
            keys = rng.standard_exponential(p.shape) / p
        idx = np.argsort(keys, axis=1, kind="stable")[:, :num_samples]
    idx = idx.astype(np.int64)
    if input._data.ndim == 1:
        idx = idx[0]
    return _finish(idx, _dtype.int64, input.device, False)


@method()
def poisson(input, generator=None):
    """Poisson samples with rates `input`, in input's dtype."""
    lam = _host(input)
    if np.any(lam < 0):
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    res = _finish(_gen(generator).poisson(lam).astype(lam.dtype), input.dtype, input.device, False)
    return attach(res, PoissonBackward0, (input,))


# ----- in-place samplers ----------------------------------------------------
def _fill_(t, make, node):
    """Overwrite t with `make(rng-free shape)` in place, recording `node` as PyTorch does."""
    def fn(src):
        arr = make(src._data.shape)
        if src._xp is not np:
            arr = src._xp.asarray(arr)
        return attach(wrap(arr.astype(src._data.dtype, copy=False)), node, (src,))
    return inplace(t, fn)


def _draw_into(t, draw, scale, shift):
    """Fast path for big in-place fills with no graph to record (nn.init on a
    weight): draw straight into t's memory instead of building temporaries.
    Same numbers as the general path. Returns False when it does not apply."""
    d = t._data
    if (type(d) is not np.ndarray or d.dtype.name not in ("float32", "float64")
            or not d.flags.c_contiguous or not d.flags.writeable
            or grad_enabled() and (t._requires_grad or t._base is not None and t._base._requires_grad)):
        return False
    draw(dtype=d.dtype, out=d)
    if scale != 1:
        d *= d.dtype.type(scale)
    if shift != 0:
        d += d.dtype.type(shift)
    t._version[0] += 1
    return True


@method()
def uniform_(self, a=0.0, b=1.0, *, generator=None, **kwargs):
    """Fill with U[from, to)."""
    a, b = kwargs.get("from", a), kwargs.get("to", b)
    if self.dtype.category < 2:
        raise _not_implemented("check_uniform_bounds", self.dtype)
    if a > b:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={_g(a)} "
                           f"> to={_g(b)}")
    rng, dt = _gen(generator), self.dtype
    if _draw_into(self, rng.random, b - a, a):
        return self

    def make(shape):
        u = _uniform(rng, shape, dt)
        return u if (a, b) == (0, 1) else u * dt.np.type(b - a) + dt.np.type(a)
    return _fill_(self, make, UniformBackward0)


@method()
def normal_(self, mean=0.0, std=1.0, *, generator=None):
    if self.dtype.category < 2:
        raise _not_implemented("normal_kernel_cpu", self.dtype)
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {_g(std)}")
    rng, dt = _gen(generator), self.dtype
    if _draw_into(self, rng.standard_normal, std, mean):
        return self

    def make(shape):
        z = _standard_normal(rng, shape, dt)
        return z if (mean, std) == (0, 1) else z * dt.np.type(std) + dt.np.type(mean)
    return _fill_(self, make, NormalBackward0)


@method()
def random_(self, a=None, b=None, *, generator=None, **kwargs):
    """random_() on [0, 2**mantissa] (floats) or [0, max]; random_(to); random_(from, to)."""
    a, b = kwargs.get("from", a), kwargs.get("to", b)
    dt = self.dtype
    if a is not None and b is None and "from" not in kwargs:
        lo, hi, node = 0, int(a), RandomBackward1
    else:
        lo = 0 if a is None else int(a)
        node = RandomBackward2 if a is None else RandomBackward0
        if b is not None:
            hi = int(b)
        elif dt.category >= 2:
            hi = (1 << _MANTISSA[dt.name]) + 1
        else:
            hi = 2 if dt is _dtype.bool else int(np.iinfo(dt.np).max) + 1
    rng = _gen(generator)
    _check_range(lo, hi, dt)
    return _fill_(self, lambda shape: _integers(rng, lo, hi, shape, _dtype.int64 if dt.category >= 2
                                                else dt), node)


@method()
def bernoulli_(self, p=0.5, *, generator=None):
    rng = _gen(generator)
    if isinstance(p, Tensor):
        prob = _host(p)
        def make(shape):
            try:
                return rng.random(shape) < np.broadcast_to(prob, shape)
            except ValueError:
                raise RuntimeError(f"The expanded size of the tensor ({prob.shape[-1] if prob.ndim else 1}) "
                                   f"must match the existing size at non-singleton dimension. Target "
                                   f"sizes: {list(shape)}.  Tensor sizes: {list(prob.shape)}") from None
        return _fill_(self, make, BernoulliBackward1)
    _check_prob(p)
    return _fill_(self, lambda shape: rng.random(shape) < p, BernoulliBackward2)


def _float_only(t, what, names=_SCALAR_NAMES):
    if t.dtype.category < 2:
        raise RuntimeError(f"{what} is a continuous probability distribution. dtype must be a "
                           f"floating point but you specified {names[t.dtype.name]}")


@method()
def exponential_(self, lambd=1.0, *, generator=None):
    _float_only(self, "Exponential distribution")
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={_g(lambd)}")
    rng, dt = _gen(generator), self.dtype
    work = dt.np if dt.name in ("float32", "float64") else np.float32
    return _fill_(self, lambda shape: rng.standard_exponential(shape, dtype=work) / work.type(lambd),
                  ExponentialBackward0)


@method()
def geometric_(self, p, *, generator=None):
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={_g(p)}")
    rng = _gen(generator)
    return _fill_(self, lambda shape: rng.geometric(p, shape), GeometricBackward0)


@method()
def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    if self.dtype.category < 2:
        raise _not_implemented("log_normal_cpu", self.dtype)
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={_g(std)}")
    rng = _gen(generator)
    return _fill_(self, lambda shape: np.exp(rng.standard_normal(shape) * std + mean),
                  LogNormalBackward0)


@method()
def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    _float_only(self, "Cauchy distribution", dict(_C_NAMES, int64="long int"))
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={_g(sigma)}")
    rng = _gen(generator)
    return _fill_(self, lambda shape: median + sigma * np.tan(math.pi * (rng.random(shape) - 0.5)),
                  CauchyBackward0)
