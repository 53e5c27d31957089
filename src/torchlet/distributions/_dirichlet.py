"""PyTorch's CPU Dirichlet sampler (_sample_dirichlet: a Gamma draw per
element in float64, normalised over the last dim) and the reparameterized
gradient of a Dirichlet sample (_dirichlet_grad, from the Beta marginal
x_i ~ Beta(alpha_i, total - alpha_i): a Taylor series near 0 and near 1, a
Rice saddle point for large alpha and beta, else a rational correction of an
analytic approximation).

Backward of x = Dirichlet(alpha) sample:  g_alpha = D * (g - sum(x * g, -1)),
with D = _dirichlet_grad(x, alpha, alpha.sum(-1)).
"""

import math

import numpy as np

from ..ops._util import Node, attach, wrap
from ._special import digamma_np


def _psi(v):
    return float(digamma_np(v))


class DirichletBackward(Node):
    """g_alpha = D * (g - sum(x * g, -1))"""

    def name(self):
        return "DirichletBackward"

    def backward(self, g):
        alpha, x = self.saved_tensors
        total = alpha.sum(-1, keepdim=True).expand_as(alpha)
        d = _dirichlet_grad(x, alpha, total)
        return d * (g - (x * g).sum(-1, keepdim=True))


def _sample_dirichlet(concentration, generator=None):
    """Dirichlet samples drawn as PyTorch draws them (torchlet._sample_dirichlet),
    differentiable w.r.t. concentration."""
    from ..ops.random_distributions import _sample_dirichlet as sample

    res = sample(concentration.detach(), generator=generator)
    return attach(res, DirichletBackward, (concentration,), (concentration, res))


def _alpha_small(x, alpha, beta):
    factor = _psi(alpha) - _psi(alpha + beta) - math.log(x)
    numer = 1.0
    series = numer / alpha * (factor + 1 / alpha)
    for i in range(1, 11):
        numer *= (i - beta) * x / i
        den = alpha + i
        series += numer / den * (factor + 1 / den)
    r = x * (1 - x) ** -beta * series
    return 0.0 if math.isnan(r) else r


def _beta_small(x, alpha, beta):
    factor = _psi(alpha + beta) - _psi(beta)
    numer, betas, dbetas, series = 1.0, 1.0, 0.0, factor / alpha
    for i in range(1, 9):
        numer *= -x / i
        dbetas = dbetas * (beta - i) + betas
        betas = betas * (beta - i)
        series += numer / (alpha + i) * (dbetas + factor * betas)
    r = -((1 - x) ** (1 - beta)) * series
    return 0.0 if math.isnan(r) else r


def _alpha_mid(x, alpha, beta):
    total = alpha + beta
    mean = alpha / total
    std = math.sqrt(alpha * beta / (total + 1)) / total
    if mean - 0.1 * std <= x <= mean + 0.1 * std:
        b2 = beta * beta
        poly = 47 * x * b2 * b2 + alpha * (
            (43 + 20 * (16 + 27 * beta) * x) * b2 * beta
            + alpha
            * (
                3 * (59 + 180 * beta - 90 * x) * b2
                + alpha * ((453 + 1620 * beta * (1 - x) - 455 * x) * beta + alpha * (8 * (1 - x) * (135 * beta - 11)))
            )
        )
        pre_num = (1 + 12 * alpha) * (1 + 12 * beta) / (total * total)
        pre_den = 12960 * alpha * alpha * alpha * beta * beta * (1 + 12 * total)
        return pre_num / (1 - x) * poly / pre_den
    prefactor = -x / math.sqrt(2 * alpha * beta / total)
    stirling = (
        (1 + 1 / (12 * alpha) + 1 / (288 * alpha * alpha))
        * (1 + 1 / (12 * beta) + 1 / (288 * beta * beta))
        / (1 + 1 / (12 * total) + 1 / (288 * total * total))
    )
    t1n = 2 * alpha * alpha * (x - 1) + alpha * beta * (x - 1) - x * beta * beta
    axbx = alpha * (x - 1) + beta * x
    t1 = t1n / (math.sqrt(2 * alpha / beta) * total**1.5 * axbx * axbx)
    t2 = 0.5 * math.log(alpha / (total * x))
    t3 = math.sqrt(8 * alpha * beta / total) / (beta * x + alpha * (x - 1))
    t4 = (beta * math.log(beta / (total * (1 - x))) + alpha * math.log(alpha / (total * x))) ** -1.5
    return stirling * prefactor * (t1 + t2 * (t3 + (t4 if x < mean else -t4)))


_C = (
    (
        (
            (1.003668233, -0.01061107488, -0.0657888334, 0.01201642863),
            (0.6336835991, -0.3557432599, 0.05486251648, -0.001465281033),
            (-0.03276231906, 0.004474107445, 0.002429354597, -0.0001557569013),
        ),
        (
            (0.221950385, -0.3187676331, 0.01799915743, 0.01074823814),
            (-0.2951249643, 0.06219954479, 0.01535556598, 0.001550077057),
            (0.02155310298, 0.004170831599, 0.001292462449, 6.976601077e-05),
        ),
        (
            (-0.05980841433, 0.008441916499, 0.01085618172, 0.002319392565),
            (0.02911413504, 0.01400243777, -0.002721828457, 0.000751041181),
            (0.005900514878, -0.001936558688, -9.495446725e-06, 5.385558597e-05),
        ),
    ),
    (
        (
            (1, -0.02924021934, -0.04438342661, 0.007285809825),
            (0.6357567472, -0.3473456711, 0.05454656494, -0.002407477521),
            (-0.03301322327, 0.004845219414, 0.00231480583, -0.0002307248149),
        ),
        (
            (0.5925320577, -0.1757678135, 0.01505928619, 0.000564515273),
            (0.1014815858, -0.06589186703, 0.01272886114, -0.0007316646956),
            (-0.007258481865, 0.001096195486, 0.0003934994223, -4.12701925e-05),
        ),
        (
            (0.06469649321, -0.0236701437, 0.002902096474, -5.896963079e-05),
            (0.001925008108, -0.002869809258, 0.0008000589141, -6.063713228e-05),
            (-0.0003477407336, 6.959756487e-05, 1.097287507e-05, -1.650964693e-06),
        ),
    ),
)


def _grad_one(x, alpha, total):
    beta = total - alpha
    boundary = total * x * (1 - x)
    if x <= 0.5 and boundary < 2.5:
        return _alpha_small(x, alpha, beta)
    if x >= 0.5 and boundary < 0.75:
        return -_beta_small(1 - x, beta, alpha)
    if alpha > 6 and beta > 6:
        return _alpha_mid(x, alpha, beta)
    u = math.log(x)
    a = math.log(alpha) - u
    b = math.log(total) - a
    pu, pa = (1, u, u * u), (1, a, a * a)
    p = q = 0.0
    for i in range(3):
        for j in range(3):
            ua = pu[i] * pa[j]
            cp, cq = _C[0][i][j], _C[1][i][j]
            p += ua * (cp[0] + b * (cp[1] + b * (cp[2] + b * cp[3])))
            q += ua * (cq[0] + b * (cq[1] + b * (cq[2] + b * cq[3])))
    approx = x * (_psi(total) - _psi(alpha)) / beta
    return p / q * approx


def _dirichlet_grad(x, alpha, total):
    xs, al, to = np.broadcast_arrays(x._data, alpha._data, total._data)
    out = np.array(
        [
            _grad_one(float(a), float(b), float(c))
            for a, b, c in zip(xs.reshape(-1).tolist(), al.reshape(-1).tolist(), to.reshape(-1).tolist())
        ]
    )
    return wrap(out.reshape(xs.shape).astype(x._data.dtype))
