"""Random draws with tensor parameters: normal (tensor mean/std), bernoulli, multinomial,
poisson and the gamma/dirichlet samplers, drawn from PyTorch's CPU streams (the default or a
given generator) in PyTorch's order."""

import numpy as np
from .._device import host
from .. import _dtype
from ..random import _gen
from . import _random_kernels as K
from ._util import Tensor, attach, method
from ._out import out_form
from .creation import _finish, _size
from .random_ops import (
    BernoulliBackward0,
    NormalBackward1,
    NormalBackward2,
    NormalBackward3,
    PoissonBackward0,
    _SCALAR_NAMES,
    _float_dtype,
    _g,
    _normal,
    _not_implemented,
    _strides,
    _values,
)

__all__ = ["normal", "bernoulli", "multinomial", "poisson", "_standard_gamma", "_sample_dirichlet"]


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
