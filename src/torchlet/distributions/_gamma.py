"""PyTorch's CPU Gamma and Dirichlet samplers (_standard_gamma,
_sample_dirichlet) and their reparameterized gradients (_standard_gamma_grad,
_dirichlet_grad).

The samples come from torchlet._standard_gamma / _sample_dirichlet (ops/random_distributions.py:
PyTorch's Marsaglia-Tsang draws from the generator); this module makes them differentiable.

The gradient of a sample x ~ Gamma(alpha) w.r.t. alpha is
-(d/dalpha cdf(x; alpha)) / pdf(x; alpha), approximated as PyTorch does
(Taylor series for x < 0.8, Rice saddle point for alpha > 8, else a
bivariate rational fit); the Dirichlet gradient uses the Beta analogue.
"""

import math

import numpy as np

from ..ops._util import Node, attach, wrap
from ._special import digamma_np

_F = lambda v: float(np.float32(v))


# ----- _standard_gamma --------------------------------------------------------
class StandardGammaBackward0(Node):
    """g * _standard_gamma_grad(alpha, x)"""

    def backward(self, g):
        alpha, x = self.saved_tensors
        return g * _standard_gamma_grad(alpha, x)


def _standard_gamma(concentration, generator=None):
    """Gamma(concentration, 1) samples drawn as PyTorch draws them (torchlet._standard_gamma),
    differentiable w.r.t. concentration."""
    from ..ops.random_distributions import _standard_gamma as sample

    res = sample(concentration.detach(), generator=generator)
    return attach(res, StandardGammaBackward0, (concentration,), (concentration, res))


def _grad_one(alpha, x):
    """-(d/dalpha cdf(x; alpha)) / pdf(x; alpha) for x ~ Gamma(alpha)."""
    if x < _F(0.8):
        numer, denom = 1.0, alpha
        s1, s2 = numer / denom, numer / (denom * denom)
        for i in range(1, 6):
            numer *= -x / i
            denom += 1
            s1 += numer / denom
            s2 += numer / (denom * denom)
        with np.errstate(all="ignore"):
            px = x**alpha
            pdf = x ** (alpha - 1) * math.exp(-x)
            cdf = px * s1
            dcdf = (math.log(x) - float(digamma_np(alpha))) * cdf - px * s2 if x > 0 else math.nan
            r = -dcdf / pdf if pdf != 0 else math.nan
        return 0.0 if math.isnan(r) else r
    if alpha > 8.0:
        if _F(0.9) * alpha <= x <= _F(1.1) * alpha:
            n1 = 1 + 24 * alpha * (1 + 12 * alpha)
            n2 = 1440 * alpha * alpha + 6 * x * (53 - 120 * x) - 65 * x * x / alpha + alpha * (107 + 3600 * x)
            return n1 * n2 / (1244160 * alpha * alpha * alpha * alpha)
        den = math.sqrt(8 * alpha)
        t2 = den / (alpha - x)
        t3 = (x - alpha - alpha * math.log(x / alpha)) ** -1.5
        t23 = t2 - t3 if x < alpha else t2 + t3
        t1 = math.log(x / alpha) * t23 - math.sqrt(2 / alpha) * (alpha + x) / ((alpha - x) * (alpha - x))
        stirling = 1 + 1 / (12 * alpha) * (1 + 1 / (24 * alpha))
        return -stirling * x * t1 / den
    u, v = math.log(x / alpha), math.log(alpha)
    cv = [_UV[0][i] + u * (_UV[1][i] + u * _UV[2][i]) for i in range(8)]
    p = cv[0] + v * (cv[1] + v * (cv[2] + v * cv[3]))
    q = cv[4] + v * (cv[5] + v * (cv[6] + v * cv[7]))
    return math.exp(p / q)


_UV = (
    (0.16009398, -0.094634809, 0.025146376, -0.0030648343, 1, 0.32668115, 0.10406089, 0.0014179084),
    (0.53487893, 0.1298071, 0.065735949, -0.0015649758, 0.16639465, 0.020070113, -0.0035938915, -0.00058392623),
    (
        0.040121004,
        -0.0065914022,
        -0.0026286047,
        -0.0013441777,
        0.017050642,
        -0.0021309326,
        0.00085092367,
        -1.5247877e-07,
    ),
)


def _standard_gamma_grad(alpha, x):
    a, xv = np.broadcast_arrays(alpha._data, x._data)
    out = np.array([_grad_one(float(p), float(q)) for p, q in zip(a.reshape(-1).tolist(), xv.reshape(-1).tolist())])
    return wrap(out.reshape(a.shape).astype(alpha._data.dtype))
