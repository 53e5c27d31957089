"""kl_divergence against PyTorch for every pair it registers among Normal,
Bernoulli, Categorical, Uniform, Beta, Gamma, Dirichlet, MultivariateNormal
and Independent: values, gradients w.r.t. both distributions' parameters,
infinities, the registry's dispatch and its errors; plus lgamma/digamma."""

import numpy as np
import pytest
import torch

import torchlet
from torchlet.distributions import _special

_rng = np.random.default_rng(5)


def _np(t):
    return t.detach().numpy() if isinstance(t, torch.Tensor) else t.detach()._data


def _tril(n):
    return np.tril(_rng.uniform(-0.5, 0.5, (n, n))) + np.diag(_rng.uniform(0.8, 1.5, n))


P = {
    "Normal": lambda: {"loc": _rng.normal(size=3), "scale": _rng.uniform(0.5, 2, 3)},
    "Bernoulli": lambda: {"probs": _rng.uniform(0.1, 0.9, 3)},
    "Categorical": lambda: {"probs": _rng.uniform(0.1, 1, (3, 4))},
    "Uniform": lambda: {"low": _rng.uniform(0.1, 0.3, 3), "high": _rng.uniform(0.6, 0.9, 3)},
    "Beta": lambda: {"concentration1": _rng.uniform(0.5, 3, 3), "concentration0": _rng.uniform(0.5, 3, 3)},
    "Gamma": lambda: {"concentration": _rng.uniform(0.5, 3, 3), "rate": _rng.uniform(0.5, 3, 3)},
    "Dirichlet": lambda: {"concentration": _rng.uniform(0.5, 3, (3, 4))},
    "MultivariateNormal": lambda: {"loc": _rng.normal(size=(3, 2)), "scale_tril": _tril(2)},
}
PAIRS = [
    ("Normal", "Normal"),
    ("Bernoulli", "Bernoulli"),
    ("Categorical", "Categorical"),
    ("Uniform", "Uniform"),
    ("Beta", "Beta"),
    ("Gamma", "Gamma"),
    ("Dirichlet", "Dirichlet"),
    ("MultivariateNormal", "MultivariateNormal"),
    ("Beta", "Gamma"),
    ("Beta", "Normal"),
    ("Beta", "Uniform"),
    ("Gamma", "Normal"),
    ("Gamma", "Beta"),
    ("Gamma", "Uniform"),
    ("Normal", "Beta"),
    ("Normal", "Gamma"),
    ("Normal", "Uniform"),
    ("Uniform", "Beta"),
    ("Uniform", "Gamma"),
    ("Uniform", "Normal"),
]


def _make(m, name, params):
    kw = {k: m.tensor(v, dtype=m.float64, requires_grad=True) for k, v in params.items()}
    return getattr(m.distributions, name)(**kw), kw


@pytest.mark.parametrize("pn,qn", PAIRS, ids=[f"{a}-{b}" for a, b in PAIRS])
def test_kl_pairs(pn, qn):
    pp, qp = P[pn](), P[qn]()
    if qn == "Uniform":
        qp = {"low": np.array([-0.5, 0.05, -3.0]), "high": np.array([1.5, 0.95, 4.0])}
    out = []
    for m in (torch, torchlet):
        p, pkw = _make(m, pn, pp)
        q, qkw = _make(m, qn, qp)
        kl = m.distributions.kl_divergence(p, q)
        finite = m.isfinite(kl)
        if bool(finite.any()):
            kl[finite].sum().backward()
        grads = [t.grad for t in list(pkw.values()) + list(qkw.values())]
        out.append((kl, grads))
    (kt, gt), (ko, go) = out
    assert tuple(ko.shape) == tuple(kt.shape)
    np.testing.assert_allclose(_np(ko), _np(kt), rtol=1e-9, atol=1e-10)
    for a, b in zip(go, gt):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(_np(a), _np(b), rtol=1e-8, atol=1e-10)


def test_kl_infinities_and_independent():
    for m in (torch, torchlet):
        U = m.distributions.Uniform
        assert bool(m.isinf(m.distributions.kl_divergence(U(0.0, 2.0), U(0.5, 1.0))))
        B = m.distributions.Bernoulli
        assert bool(m.isinf(m.distributions.kl_divergence(B(m.tensor(0.5)), B(m.tensor(0.0)))))
    vals = []
    for m in (torch, torchlet):
        N, I = m.distributions.Normal, m.distributions.Independent
        a = I(N(m.tensor([[0.0, 1.0]]), m.tensor([[1.0, 2.0]])), 1)
        b = I(N(m.tensor([[0.5, 0.0]]), m.tensor([[1.5, 1.0]])), 1)
        vals.append(m.distributions.kl_divergence(a, b))
        with pytest.raises(NotImplementedError):
            m.distributions.kl_divergence(a, I(N(m.zeros(1, 2), m.ones(1, 2)), 2))
    np.testing.assert_allclose(_np(vals[1]), _np(vals[0]), rtol=1e-6)


def test_register_kl_dispatch():
    D = torchlet.distributions

    class MyNormal(D.Normal):
        pass

    p, q = MyNormal(0.0, 1.0), D.Normal(1.0, 2.0)
    np.testing.assert_allclose(_np(D.kl_divergence(p, q)), _np(D.kl_divergence(D.Normal(0.0, 1.0), q)))

    @D.register_kl(MyNormal, D.Normal)
    def _mine(p, q):
        return torchlet.tensor(42.0)

    try:
        assert D.kl_divergence(p, q).item() == 42.0
        assert D.kl_divergence(D.Normal(0.0, 1.0), q).item() != 42.0
    finally:
        del D.kl._KL_REGISTRY[MyNormal, D.Normal]
        D.kl._KL_MEMOIZE.clear()
    with pytest.raises(
        NotImplementedError, match="No KL\\(p \\|\\| q\\) is implemented for p type Categorical and q type Gamma"
    ):
        D.kl_divergence(D.Categorical(torchlet.ones(2)), D.Gamma(1.0, 1.0))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_lgamma_digamma(dtype):
    x = np.array([1e-3, 0.1, 0.5, 1.0, 2.5, 7.0, 10.0, 12.3, 100.0, -0.5, -2.3])
    for name in ("lgamma", "digamma"):
        xt = torch.tensor(x, dtype=getattr(torch, dtype), requires_grad=True)
        xo = torchlet.tensor(x, dtype=getattr(torchlet, dtype), requires_grad=True)
        yt, yo = getattr(torch, name)(xt), getattr(_special, name)(xo)
        tol = 1e-5 if dtype == "float32" else 1e-12
        assert yo.dtype is getattr(torchlet, dtype)
        np.testing.assert_allclose(_np(yo), _np(yt), rtol=tol, atol=tol)
        yt.sum().backward()
        yo.sum().backward()
        np.testing.assert_allclose(_np(xo.grad), _np(xt.grad), rtol=tol, atol=tol)
    edge = torch.tensor([0.0, -0.0, -1.0, float("inf"), float("-inf"), float("nan")])
    np.testing.assert_array_equal(_np(_special.digamma(torchlet.tensor(_np(edge)))), _np(torch.digamma(edge)))
    np.testing.assert_array_equal(_np(_special.lgamma(torchlet.tensor(_np(edge)))), _np(torch.lgamma(edge)))
