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

from .._device import namespace_for, _default_device, device as _device_cls
from .. import _dtype
from ..random import _gen
from . import _random_kernels as K
from ._util import Node, wrap
from ._out import out_form
from .creation import _finish, _size, _size_kwarg

__all__ = ["rand", "randn", "randint", "randperm", "rand_like", "randn_like", "randint_like"]

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


def _device_draw(kind, shape, dtype, device, generator):
    """Samples made on the device itself, or None for the host path above (PyTorch's CPU
    stream). meta: no data, so nothing is drawn and the CPU generator stays put, as in PyTorch.
    cuda: floats from CuPy's generator (seeded by torchlet.manual_seed / cuda.manual_seed; not
    PyTorch's Philox stream) when no generator= was given."""
    dev = device if device is not None else _default_device[0]
    if dev is None:
        return None
    dev = dev if isinstance(dev, _device_cls) else _device_cls(dev)
    if dev.type == "meta":
        return namespace_for(dev).empty(tuple(shape), dtype=dtype.np)
    if dev.type != "cuda" or generator is not None or kind not in ("uniform", "normal"):
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
    arr = _device_draw("uniform", shape, dtype, device, generator)
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
    arr = _device_draw("normal", shape, dtype, device, generator)
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
    arr = _device_draw("integers", _size((size,)), dtype, device, generator)
    if arr is None:
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
    arr = _device_draw("permutation", (n,), dtype, device, generator)
    arr = _as(K.randperm(_gen(generator), n), dtype) if arr is None else arr
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
    arr = _device_draw("uniform", tuple(input.shape), dtype, device or input.device, generator)
    if arr is None:
        arr = _uniform(_gen(generator), tuple(input.shape), dtype, strides=_strides(input))
    return _finish(arr, dtype, device or input.device, requires_grad)


def randn_like(input, *, generator=None, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    dtype = _float_dtype(_like_dtype(input, dtype), "normal_kernel_cpu")
    arr = _device_draw("normal", tuple(input.shape), dtype, device or input.device, generator)
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
