"""The in-place samplers: uniform_, normal_, random_, bernoulli_, exponential_,
geometric_, log_normal_, cauchy_ (Tensor methods), drawing PyTorch's values in
the tensor's memory order (see random_ops.py and _random_kernels.py)."""

import numpy as np

from .. import _dtype
from ..random import _gen
from . import _random_kernels as K
from ._args import float_arg
from ._util import Tensor, attach, inplace, method, wrap
from .random_ops import (
    _C_NAMES,
    _MANTISSA,
    _SCALAR_NAMES,
    _UNSET,
    BernoulliBackward1,
    BernoulliBackward2,
    CauchyBackward0,
    ExponentialBackward0,
    GeometricBackward0,
    LogNormalBackward0,
    NormalBackward0,
    RandomBackward0,
    RandomBackward1,
    RandomBackward2,
    UniformBackward0,
    _as,
    _g,
    _integers,
    _normal,
    _not_implemented,
    _uniform,
    _values,
)
from .random_distributions import _bernoulli_tensor, _check_prob, _host

__all__ = []


# ----- in-place samplers ----------------------------------------------------
def _fill_(t, make, node):
    """Overwrite t with `make(shape, strides, contiguous)` in place, recording `node` as
    PyTorch does. Without a graph the values go straight into t's memory."""
    d = t._data
    if getattr(t._xp, "device_type", None) == "meta":  # no data: nothing drawn, the stream stays put
        return inplace(t, lambda src: attach(wrap(src._data), node, (src,)))
    host = isinstance(d, np.ndarray)
    strides = d.strides if host else None
    contiguous = d.flags.c_contiguous if host else True
    arr = make(d.shape, strides, contiguous)

    def fn(src):
        a = arr if src._xp is np else src._xp.asarray(arr)
        return attach(wrap(a.astype(src._data.dtype, copy=False)), node, (src,))

    return inplace(t, fn)


@method()
def uniform_(self, a=0.0, b=1.0, *, generator=None, **kwargs):
    """Fill with U[from, to)."""
    a, b = kwargs.get("from", a), kwargs.get("to", b)
    if self.dtype.category < 2:
        raise _not_implemented("check_uniform_bounds", self.dtype)
    if a > b:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={_g(a)} > to={_g(b)}")
    gen, dt = _gen(generator), self.dtype
    return _fill_(
        self, lambda shape, strides, c: _uniform(gen, shape, dt, float(a), float(b), strides), UniformBackward0
    )


@method()
def normal_(self, mean=0.0, std=1.0, *, generator=None):
    if self.dtype.category < 2:
        raise _not_implemented("normal_kernel_cpu", self.dtype)
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {_g(std)}")
    gen, dt = _gen(generator), self.dtype
    return _fill_(
        self, lambda shape, strides, c: _normal(gen, shape, dt, float(mean), float(std), strides, c), NormalBackward0
    )


@method()
def random_(self, a=None, b=_UNSET, *, generator=None, **kwargs):
    """random_() on [0, 2**mantissa] (floats) or [0, max]; random_(to); random_(from, to);
    random_(from, None) up to the dtype's top."""
    explicit_to = b is not _UNSET or "to" in kwargs
    b = None if b is _UNSET else b
    a, b = kwargs.get("from", a), kwargs.get("to", b)
    dt = self.dtype
    gen = _gen(generator)
    if a is None and b is None and not explicit_to:
        if dt.category == 3:
            raise _not_implemented("random_kernel_cpu", dt)
        return _fill_(
            self,
            lambda shape, strides, c: _as(_values(gen, shape, strides, lambda n: K.uniform_int(gen, n, dt.name)), dt),
            RandomBackward2,
        )
    if a is not None and b is None and "from" not in kwargs and not explicit_to:
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
    explicit = b is not None or node is RandomBackward1
    return _fill_(self, lambda shape, strides, c: _integers(gen, lo, hi, shape, dt, strides, explicit), node)


@method()
def bernoulli_(self, p=0.5, *, generator=None):
    gen = _gen(generator)
    if isinstance(p, Tensor):
        prob = _host(p)

        def make(shape, strides, c):
            try:
                np.broadcast_to(prob, shape)
            except ValueError:
                raise RuntimeError(
                    f"The expanded size of the tensor ({prob.shape[-1] if prob.ndim else 1}) "
                    f"must match the existing size at non-singleton dimension. Target "
                    f"sizes: {list(shape)}.  Tensor sizes: {list(prob.shape)}"
                ) from None
            return _bernoulli_tensor(gen, prob, shape, strides)

        return _fill_(self, make, BernoulliBackward1)
    _check_prob(p)
    return _fill_(
        self,
        lambda shape, strides, c: _values(gen, shape, strides, lambda n: K.bernoulli_scalar(gen, n, float(p))),
        BernoulliBackward2,
    )


def _float_only(t, what, names=_SCALAR_NAMES):
    if t.dtype.category < 2:
        raise RuntimeError(
            f"{what} is a continuous probability distribution. dtype must be a "
            f"floating point but you specified {names[t.dtype.name]}"
        )


def _double_fill(self, make_flat, node):
    """A sampler computed in double per element (at::*_distribution<double>), stored in
    self's dtype as static_cast does."""
    npd = self._data.dtype
    return _fill_(self, lambda shape, strides, c: K.to_dtype(_values(None, shape, strides, make_flat), npd), node)


@method()
def exponential_(self, lambd=1.0, *, generator=None):
    lambd = float_arg(lambd, "lambd", "exponential_", 1)
    _float_only(self, "Exponential distribution")
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={_g(lambd)}")
    gen = _gen(generator)
    return _double_fill(self, lambda n: K.exponential(gen, n, float(lambd)), ExponentialBackward0)


@method()
def geometric_(self, p, *, generator=None):
    p = float_arg(p, "p", "geometric_", 1)
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={_g(p)}")
    gen = _gen(generator)
    return _double_fill(self, lambda n: K.geometric(gen, n, float(p)), GeometricBackward0)


@method()
def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    mean, std = float_arg(mean, "mean", "log_normal_", 1), float_arg(std, "std", "log_normal_", 2)
    if self.dtype.category < 2:
        raise _not_implemented("log_normal_cpu", self.dtype)
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={_g(std)}")
    gen = _gen(generator)
    return _double_fill(self, lambda n: K.log_normal(gen, n, float(mean), float(std)), LogNormalBackward0)


@method()
def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    median, sigma = float_arg(median, "median", "cauchy_", 1), float_arg(sigma, "sigma", "cauchy_", 2)
    _float_only(self, "Cauchy distribution", dict(_C_NAMES, int64="long int"))
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={_g(sigma)}")
    gen = _gen(generator)
    return _double_fill(self, lambda n: K.cauchy(gen, n, float(median), float(sigma)), CauchyBackward0)
