"""Random sampling: rand/randn/randint/randperm/normal/bernoulli/multinomial/
poisson, their *_like forms, and the in-place samplers (uniform_, normal_,
random_, bernoulli_, exponential_, geometric_, log_normal_, cauchy_).

Samples are PyTorch's: the generator (generator= or the default one) is
PyTorch's Mersenne Twister and _random_kernels.py maps its words to values as
PyTorch's CPU kernels do, in the order they write them. Drawn on the host, then
moved to the device.
Sampling is not differentiable: where PyTorch records a node (NormalBackward*,
UniformBackward0, ...) we record one of the same name whose gradient is zero.
"""

import math

import numpy as np

from .._device import host, namespace_for, _default_device, device as _device_cls
from .. import _dtype
from ..random import _gen
from . import _random_kernels as K
from ._util import Node, Tensor, attach, method, wrap
from ._out import out_form
from .creation import _finish, _size, _size_kwarg

__all__ = [
    "rand",
    "randn",
    "randint",
    "randperm",
    "normal",
    "bernoulli",
    "multinomial",
    "poisson",
    "rand_like",
    "randn_like",
    "randint_like",
    "_standard_gamma",
    "_sample_dirichlet",
]

_SCALAR_NAMES = _dtype.SCALAR_NAMES  # PyTorch's dtype names, one table (_dtype.py)
_C_NAMES = {
    "bool": "bool",
    "uint8": "unsigned char",
    "int8": "signed char",
    "int16": "short int",
    "int32": "int",
    "int64": "long",
    "float16": "c10::Half",
}
_MANTISSA = {"float16": 11, "bfloat16": 8, "float32": 24, "float64": 53}


class _ZeroGrad(Node):
    """Sampling: d(sample)/d(parameters) = 0."""

    def backward(self, g):
        return tuple(None if m is None else wrap(g._xp.zeros(*m)) for m in self.input_meta)


def _node(name):
    return type(name, (_ZeroGrad,), {"__doc__": _ZeroGrad.__doc__})


(
    NormalBackward0,
    NormalBackward1,
    NormalBackward2,
    NormalBackward3,
    UniformBackward0,
    RandomBackward0,
    RandomBackward1,
    RandomBackward2,
    BernoulliBackward0,
    BernoulliBackward1,
    BernoulliBackward2,
    ExponentialBackward0,
    GeometricBackward0,
    LogNormalBackward0,
    CauchyBackward0,
    PoissonBackward0,
) = map(
    _node,
    (
        "NormalBackward0",
        "NormalBackward1",
        "NormalBackward2",
        "NormalBackward3",
        "UniformBackward0",
        "RandomBackward0",
        "RandomBackward1",
        "RandomBackward2",
        "BernoulliBackward0",
        "BernoulliBackward1",
        "BernoulliBackward2",
        "ExponentialBackward0",
        "GeometricBackward0",
        "LogNormalBackward0",
        "CauchyBackward0",
        "PoissonBackward0",
    ),
)


def _g(x):
    return f"{x:g}"


def _not_implemented(kernel, dtype):
    return NotImplementedError(f"\"{kernel}\" not implemented for '{_SCALAR_NAMES[dtype.name]}'")


def _float_dtype(dtype, kernel):
    dtype = dtype or _dtype.get_default_dtype()
    if dtype.category < 2:
        raise _not_implemented(kernel, dtype)
    return dtype


def _values(gen, shape, strides, make):
    """Samples for a tensor of `shape`: `make(n)` gives them in PyTorch's iteration
    order, the memory order of a tensor with byte `strides` (TensorIterator walks
    the largest stride outermost), and they are laid out in logical order."""
    n = int(np.prod(shape, dtype=np.int64))
    flat = make(n)
    if strides is None or len(shape) < 2:
        return flat.reshape(shape)
    perm = sorted(range(len(shape)), key=lambda i: -abs(strides[i]) if shape[i] > 1 else 0)
    if perm == sorted(perm):
        return flat.reshape(shape)
    return flat.reshape([shape[i] for i in perm]).transpose(np.argsort(perm))


def _uniform(gen, shape, dtype, lo=0.0, hi=1.0, strides=None):
    """uniform_(lo, hi) in `dtype` (complex: on the view as real pairs)."""
    if dtype.category == 3:
        part = _uniform(gen, tuple(shape) + (2,), dtype.to_real(), lo, hi)
        return np.ascontiguousarray(part).view(dtype.np).reshape(shape)
    return _values(gen, shape, strides, lambda n: K.uniform(gen, n, dtype.name, lo, hi))


def _normal(gen, shape, dtype, mean=0.0, std=1.0, strides=None, contiguous=True):
    """normal_(mean, std) in `dtype`; complex: real pairs with std / sqrt(2)."""
    if dtype.category == 3:
        part = _normal(gen, tuple(shape) + (2,), dtype.to_real(), mean, std / math.sqrt(2))
        return np.ascontiguousarray(part).view(dtype.np).reshape(shape)
    return _values(gen, shape, strides, lambda n: K.normal(gen, n, dtype.name, mean, std, contiguous))


def _cuda_draw(kind, shape, dtype, device, generator):
    """Floating samples drawn on the GPU by CuPy's generator (seeded by torchlet.manual_seed /
    cuda.manual_seed; not PyTorch's Philox stream). None, and the host path above, unless
    `device` (or the default device) is cuda and no generator= was given."""
    dev = device if device is not None else _default_device[0]
    if dev is None or generator is not None or dtype.category != 2:
        return None
    dev = dev if isinstance(dev, _device_cls) else _device_cls(dev)
    if dev.type != "cuda":
        return None
    xp = namespace_for(dev)
    draw = xp.random.random if kind == "uniform" else xp.random.standard_normal
    wide = xp.float64 if dtype.np.itemsize > 4 else xp.float32
    return draw(tuple(shape), dtype=wide).astype(dtype.np, copy=False)


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
def rand(
    *size_args,
    size=None,
    generator=None,
    dtype=None,
    layout=None,
    device=None,
    requires_grad=False,
    pin_memory=False,
    **kwargs,
):
    """Uniform samples on [0, 1)."""
    size = _size_kwarg("rand", size_args, size)  # torch.rand(size=(2, 3)) works as rand(2, 3)
    dtype = _float_dtype(dtype, "check_uniform_bounds")
    shape = _shape(size, kwargs)
    arr = _cuda_draw("uniform", shape, dtype, device, generator)
    arr = _uniform(_gen(generator), shape, dtype) if arr is None else arr
    return _finish(arr, dtype, device, requires_grad)


@out_form(dtype="factory", grad_message="cannot resize variables that require grad")
def randn(
    *size_args,
    size=None,
    generator=None,
    dtype=None,
    layout=None,
    device=None,
    requires_grad=False,
    pin_memory=False,
    **kwargs,
):
    """Standard normal samples."""
    size = _size_kwarg("randn", size_args, size)  # torch.randn(size=(2, 3)) works as randn(2, 3)
    dtype = _float_dtype(dtype, "normal_kernel_cpu")
    shape = _shape(size, kwargs)
    arr = _cuda_draw("normal", shape, dtype, device, generator)
    arr = _normal(_gen(generator), shape, dtype) if arr is None else arr
    return _finish(arr, dtype, device, requires_grad)


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


_UNSET = object()


def _as(v, dtype):
    """int64 draws stored in `dtype` as static_cast does (half/bfloat16 through float)."""
    if dtype is _dtype.bool:
        return v != 0
    if dtype.name in ("float16", "bfloat16"):
        return v.astype(np.float32).astype(dtype.np)
    return v.astype(dtype.np)


def _through(v, dtype):
    """int(static_cast<scalar_t>(v)) (half/bfloat16 through float), or None past the range."""
    if dtype.name == "float64":
        return int(float(v))
    f = np.array([v], dtype=np.int64).astype(np.float32)  # int64 -> float, one rounding
    with np.errstate(over="ignore"):
        f = f.astype(dtype.np).astype(np.float64)[0]
    return int(f) if np.isfinite(f) else None


def _update_bounds(lo, hi, dtype, explicit_to=True):
    """PyTorch's update_from / update_to: for a float dtype, `from` moves up and `to` down
    until from + 1 and to - 1 survive a round trip through the dtype."""
    digits = _MANTISSA[dtype.name]
    up = _through(lo + 1, dtype)
    if up is not None and up < lo:
        lo = up + (1 << (max(abs(lo + 1).bit_length() - 1, 0) - digits + 1))
    if explicit_to:
        down = _through(hi - 1, dtype)
        if down is not None and down >= hi:
            hi = down - (1 << (max(abs(hi - 1).bit_length() - 1, 0) - digits + 1))
    return lo, hi


def _integers(gen, lo, hi, shape, dtype, strides=None, explicit_to=True):
    """random_(lo, hi): integers uniform on [lo, hi) stored in `dtype`."""
    if dtype.category == 2:
        lo, hi = _update_bounds(lo, hi, dtype, explicit_to)
    _check_range(lo, hi, dtype)
    if lo == -(1 << 63) and hi == 1 << 63:
        make = lambda n: K.random_full(gen, n)
    else:
        make = lambda n: K.random_from_to(gen, n, lo, hi)
    return _as(_values(gen, shape, strides, make), dtype)


@out_form(dtype="factory")
def randint(
    *args,
    size=None,
    low=None,
    high=None,
    generator=None,
    dtype=None,
    layout=None,
    device=None,
    requires_grad=False,
    pin_memory=False,
):
    """Integers uniform on [low, high): randint(high, size) or randint(low, high, size)."""
    args = list(args)
    if size is None:
        if not args or not isinstance(args[-1], (tuple, list)):
            got = type(args[-1]).__name__ if args else "nothing"
            raise TypeError(f"randint(): argument 'size' (position {len(args)}) must be tuple of ints, not {got}")
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
def randperm(n, *, generator=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    """A random permutation of 0..n-1 (PyTorch's in-order swap shuffle)."""
    dtype = dtype or _dtype.int64
    n = int(n)
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    if dtype is _dtype.bool or dtype.category == 3:
        raise _not_implemented("randperm", dtype)
    arr = _as(K.randperm(_gen(generator), n), dtype)
    return _finish(arr, dtype, device, requires_grad)


def _like_dtype(input, dtype):
    return dtype or input.dtype


def _like_layout(input):
    """(strides, contiguous) of empty_like(input): input's own layout when it is a dense
    permutation of a contiguous one, else contiguous."""
    d = input._data
    if not isinstance(d, np.ndarray) or d.flags.c_contiguous:
        return None, True
    order = sorted(range(d.ndim), key=lambda i: -d.strides[i])
    if np.transpose(d, order).flags.c_contiguous:
        return d.strides, False
    return None, True


def _strides(input):
    return _like_layout(input)[0]


def rand_like(input, *, generator=None, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    dtype = _float_dtype(_like_dtype(input, dtype), "check_uniform_bounds")
    arr = _cuda_draw("uniform", tuple(input.shape), dtype, device or input.device, generator)
    if arr is None:
        arr = _uniform(_gen(generator), tuple(input.shape), dtype, strides=_strides(input))
    return _finish(arr, dtype, device or input.device, requires_grad)


def randn_like(input, *, generator=None, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    dtype = _float_dtype(_like_dtype(input, dtype), "normal_kernel_cpu")
    arr = _cuda_draw("normal", tuple(input.shape), dtype, device or input.device, generator)
    if arr is None:
        strides, contiguous = _like_layout(input)
        arr = _normal(_gen(generator), tuple(input.shape), dtype, strides=strides, contiguous=contiguous)
    return _finish(arr, dtype, device or input.device, requires_grad)


def randint_like(
    input,
    low=0,
    high=None,
    *,
    generator=None,
    dtype=None,
    layout=None,
    device=None,
    requires_grad=False,
    memory_format=None,
):
    """randint_like(input, high) or randint_like(input, low, high)."""
    if high is None:
        low, high = 0, low
    dtype = _like_dtype(input, dtype)
    arr = _integers(_gen(generator), int(low), int(high), tuple(input.shape), dtype, strides=_strides(input))
    return _finish(arr, dtype, device or input.device, requires_grad)


# ----- distributions with tensor parameters -----------------------------------
def _host(t):
    return host(t._data)


def _normal_out_dtype(name, result_dtype, out_dtype):
    """normal(out=) draws in out's dtype: a floating one."""
    if out_dtype.category < _dtype._FLOAT:
        from .pointwise_math import _type_word

        raise NotImplementedError(f"\"normal_kernel_cpu\" not implemented for '{_type_word(out_dtype.np)}'")


@out_form(dtype=_normal_out_dtype)
def normal(
    mean=0.0,
    std=1.0,
    size=None,
    *,
    generator=None,
    dtype=None,
    layout=None,
    device=None,
    requires_grad=False,
    pin_memory=False,
):
    """normal(mean, std) with tensor or float mean/std; floats need `size`.

    As PyTorch: floats -> normal_(mean, std); tensor mean -> normal_(0, std) + mean;
    tensor std -> normal_(0, 1) * std + mean, each step rounded in the result dtype."""
    gen = _gen(generator)
    mt, st = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not mt and not st:
        if size is None:
            raise TypeError(
                f"normal() received an invalid combination of arguments - got "
                f"({type(mean).__name__}, {type(std).__name__}), but expected a size"
            )
        if std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {_g(std)}")
        dtype = _float_dtype(dtype, "normal_kernel_cpu")
        arr = _normal(gen, _size((size,)), dtype, float(mean), float(std))
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
    npd = rt.np
    if mt and not st:
        z = _normal(gen, shape, rt, 0.0, float(std))
        arr = (
            _round(z.astype(np.float32) + _host(mean).astype(np.float32), npd)
            if rt.name in ("float16", "bfloat16")
            else (z + _host(mean).astype(npd)).astype(npd)
        )
    else:
        z = _normal(gen, shape, rt)
        m = _host(mean) if mt else mean
        if rt.name in ("float16", "bfloat16"):
            prod = _round(z.astype(np.float32) * np.asarray(s).astype(np.float32), npd)
            arr = _round(prod.astype(np.float32) + np.asarray(m, dtype=np.float32), npd)
        else:
            prod = (z * np.asarray(s).astype(npd)).astype(npd)
            arr = (prod + np.asarray(m).astype(npd)).astype(npd)
    res = _finish(arr, rt, (mean if mt else std).device, False)
    return attach(res, node, inputs)


def _round(x, npd):
    return np.asarray(x).astype(npd)


def _broadcast_shape(a, b):
    try:
        return np.broadcast_shapes(a, b)
    except ValueError:
        n = max(len(a), len(b))
        a, b = (1,) * (n - len(a)) + tuple(a), (1,) * (n - len(b)) + tuple(b)
        i = max(i for i in range(n) if a[i] != b[i] and 1 not in (a[i], b[i]))
        raise RuntimeError(
            f"The size of tensor a ({a[i]}) must match the size of tensor b ({b[i]}) at non-singleton dimension {i}"
        ) from None


def _check_prob(p, name="bernoulli_"):
    if not 0 <= p <= 1:
        raise RuntimeError(f"{name} expects p to be in [0, 1], but got p={_g(p)}")


def _bernoulli_tensor(gen, prob, shape, strides):
    """bernoulli_(p tensor): u < p per element in iteration order; a double p compares
    with a double uniform (64-bit word), any other p with a float one (32-bit word)."""
    if prob.dtype == np.float64:
        u = _values(gen, shape, strides, lambda n: K.uniform_double(gen, n))
        return u < np.broadcast_to(prob, shape)
    u = _values(gen, shape, strides, lambda n: K.uniform_float(gen, n))
    return u < np.broadcast_to(prob.astype(np.float32), shape)


@method()
@out_form(dtype="any", resize="silent")
def bernoulli(input, p=None, *, generator=None):
    """0/1 samples with probability `input` (or the float `p`), in input's dtype."""
    gen = _gen(generator)
    shape = input._data.shape
    if p is not None:
        _check_prob(p)
        arr = K.bernoulli_scalar(gen, int(np.prod(shape, dtype=np.int64)), p).reshape(shape)
        return _finish(arr.astype(input._data.dtype), input.dtype, input.device, False)
    if input.dtype.category != 2:
        raise _not_implemented("bernoulli_tensor_cpu_p_", input.dtype)
    prob = _host(input)
    if not np.all((prob >= 0) & (prob <= 1)):
        raise RuntimeError(
            "Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this "
            "error message be improved?  If so, please report an enhancement request "
            "to PyTorch.)"
        )
    bits = _bernoulli_tensor(gen, prob, shape, _strides(input))
    res = _finish(bits.astype(prob.dtype), input.dtype, input.device, False)
    return attach(res, BernoulliBackward0, (input,))


@method()
@out_form(dtype="exact", resize="silent")
def multinomial(input, num_samples, replacement=False, *, generator=None):
    """Category indices drawn from the (unnormalized) rows of `input`.

    As PyTorch's CPU kernel: without replacement (or one sample) the top-k of
    p / q with q ~ Exp(1) drawn by exponential_; with replacement a binary
    search of one double uniform per sample in each row's normalized CDF."""
    if input.dtype.category != 2:
        raise RuntimeError(
            f"multinomial only supports floating-point dtypes for input, got: {_SCALAR_NAMES[input.dtype.name]}"
        )
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    n = input._data.shape[-1] if input._data.ndim else 1
    if not replacement and num_samples > n:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    if input._data.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    p = _host(input)
    p2 = p.reshape(-1, n)
    if not np.all(np.isfinite(p2) & (p2 >= 0)):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    total = p2.astype(np.float64).sum(axis=1, keepdims=True)
    if np.any(total <= 0):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    gen = _gen(generator)
    rows = p2.shape[0]
    if not replacement or num_samples == 1:
        npd = p.dtype
        q = K.to_dtype(K.exponential(gen, p2.size, 1.0), npd).reshape(p2.shape)
        with np.errstate(divide="ignore", invalid="ignore"):
            key = (p2 / q).astype(npd)
        if num_samples == 1:
            idx = np.argmax(key, axis=1)[:, None]
        else:  # topk: largest first, ties to the lower index
            idx = np.argsort(-key.astype(np.float64), axis=1, kind="stable")[:, :num_samples]
    else:
        u = K.uniform_double(gen, rows * num_samples).reshape(rows, num_samples)
        cum = np.cumsum(p2.astype(np.float64), axis=1).astype(p.dtype)  # stored in input's dtype
        tot = np.cumsum(p2.astype(np.float64), axis=1)[:, -1:]
        cum = (cum.astype(np.float64) / tot).astype(p.dtype).astype(np.float64)
        cum[:, -1] = 1.0
        idx = np.empty((rows, num_samples), dtype=np.int64)
        for r in range(rows):
            idx[r] = np.searchsorted(cum[r], u[r], side="left")
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
    flat = K.poisson(_gen(generator), np.ascontiguousarray(lam, dtype=np.float64).reshape(-1))
    res = _finish(flat.reshape(lam.shape).astype(lam.dtype), input.dtype, input.device, False)
    return attach(res, PoissonBackward0, (input,))


def _standard_gamma(input, generator=None):
    """Gamma(concentration, 1) samples, PyTorch's Marsaglia-Tsang draws (used by
    distributions.Gamma / Beta / Dirichlet / Chi2 / StudentT)."""
    if input.dtype.name not in ("float32", "float64"):
        raise _not_implemented("gamma_cpu", input.dtype)
    alpha = _host(input)
    flat = K.standard_gamma(_gen(generator), np.ascontiguousarray(alpha).reshape(-1))
    return _finish(flat.reshape(alpha.shape), input.dtype, input.device, False)


def _sample_dirichlet(input, generator=None):
    """Dirichlet samples along the last dim, as PyTorch's CPU kernel draws them."""
    if input.dtype.name not in ("float32", "float64"):
        raise _not_implemented("dirichlet", input.dtype)
    alpha = _host(input)
    a2 = np.ascontiguousarray(alpha).reshape(-1, alpha.shape[-1] if alpha.ndim else 1)
    out = K.dirichlet(_gen(generator), a2)
    return _finish(out.reshape(alpha.shape), input.dtype, input.device, False)
