"""Sampling in torchlet.distributions: reparameterized gradients against
PyTorch's own gradient functions at the same samples, sample statistics,
and (once torchlet's generator is PyTorch's stream) bit-exact seeded samples."""

import numpy as np
import pytest
import torch

import torchlet
from torchlet.distributions._dirichlet import _dirichlet_grad
from torchlet.distributions._gamma import _standard_gamma, _standard_gamma_grad

D, TD = torchlet.distributions, torch.distributions


def _np(t):
    return t.detach().numpy() if isinstance(t, torch.Tensor) else t.detach()._data


def _stream_is_torch():
    """True once torchlet's default generator reproduces PyTorch's CPU stream."""
    torch.manual_seed(0)
    torchlet.manual_seed(0)
    same = np.array_equal(_np(torchlet.rand(4, dtype=torchlet.float64)), _np(torch.rand(4, dtype=torch.float64)))
    return same


_PENDING = pytest.mark.xfail(
    not _stream_is_torch(),
    strict=True,
    reason="torchlet's generator is not PyTorch's mt19937 stream yet (rng-core makes it so; then these must pass)",
)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_standard_gamma_grad_matches_torch(dtype):
    alpha = np.array([0.05, 0.3, 0.9, 1.0, 1.5, 3.0, 7.5, 8.5, 20.0, 100.0])
    x = np.array([1e-3, 0.2, 0.79, 0.81, 2.0, 3.1, 6.0, 8.0, 30.0, 101.0])
    for a, xx in ((alpha, x), (alpha[:, None].repeat(3, 1), np.outer(alpha, [0.5, 1.0, 1.6]))):
        want = torch._standard_gamma_grad(
            torch.tensor(a, dtype=getattr(torch, dtype)), torch.tensor(xx, dtype=getattr(torch, dtype))
        )
        got = _standard_gamma_grad(
            torchlet.tensor(a, dtype=getattr(torchlet, dtype)), torchlet.tensor(xx, dtype=getattr(torchlet, dtype))
        )
        assert got.dtype is getattr(torchlet, dtype)
        np.testing.assert_allclose(_np(got), _np(want), rtol=1e-5 if dtype == "float32" else 1e-12)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_dirichlet_grad_matches_torch(dtype):
    cases = [
        (0.1, 0.5, 1.2),
        (0.8, 0.5, 0.9),
        (0.3, 7.0, 15.0),
        (0.45, 7.0, 15.0),
        (0.4, 2.0, 4.0),
        (0.6, 3.0, 5.0),
        (0.01, 0.2, 3.0),
        (0.99, 4.0, 4.2),
        (0.5, 10.0, 20.0),
        (0.2, 1.0, 30.0),
    ]
    x, a, t = (np.array(c) for c in zip(*cases))
    tt = [torch.tensor(v, dtype=getattr(torch, dtype)) for v in (x, a, t)]
    to = [torchlet.tensor(v, dtype=getattr(torchlet, dtype)) for v in (x, a, t)]
    np.testing.assert_allclose(
        _np(_dirichlet_grad(*to)), _np(torch._dirichlet_grad(*tt)), rtol=1e-4 if dtype == "float32" else 1e-12
    )


def test_gamma_rsample_gradient():
    """d(sample)/d(concentration) and d/d(rate) at torchlet's own sample equal PyTorch's rule."""
    conc = torchlet.tensor([0.4, 1.0, 2.5, 12.0], dtype=torchlet.float64, requires_grad=True)
    rate = torchlet.tensor([1.0, 2.0, 0.5, 3.0], dtype=torchlet.float64, requires_grad=True)
    x = D.Gamma(conc, rate).rsample()
    w = torchlet.tensor([1.0, -2.0, 0.5, 3.0], dtype=torchlet.float64)
    (x * w).sum().backward()
    ct, rt = torch.tensor(_np(conc)), torch.tensor(_np(rate))
    std = torch.tensor(_np(x)) * rt  # the standard-gamma draw behind x
    want_c = torch.tensor(_np(w)) * torch._standard_gamma_grad(ct, std) / rt
    want_r = -torch.tensor(_np(w)) * std / rt**2
    np.testing.assert_allclose(_np(conc.grad), _np(want_c), rtol=1e-10)
    np.testing.assert_allclose(_np(rate.grad), _np(want_r), rtol=1e-10)


def test_dirichlet_and_beta_rsample_gradient():
    conc = torchlet.tensor([[0.5, 2.0, 3.0], [4.0, 1.0, 9.0]], dtype=torchlet.float64, requires_grad=True)
    x = D.Dirichlet(conc).rsample()
    g = torchlet.tensor([[1.0, -1.0, 2.0], [0.5, 0.0, 1.0]], dtype=torchlet.float64)
    (x * g).sum().backward()
    xt, ct, gt = (torch.tensor(_np(v)) for v in (x, conc, g))
    total = ct.sum(-1, True).expand_as(ct)
    want = torch._dirichlet_grad(xt, ct, total) * (gt - (xt * gt).sum(-1, True))
    np.testing.assert_allclose(_np(conc.grad), _np(want), rtol=1e-10)

    c1 = torchlet.tensor([0.7, 3.0], dtype=torchlet.float64, requires_grad=True)
    c0 = torchlet.tensor([2.0, 0.4], dtype=torchlet.float64, requires_grad=True)
    b = D.Beta(c1, c0).rsample()
    b.sum().backward()
    bt = torch.tensor(_np(b))
    xs = torch.stack([bt, 1 - bt], -1)
    cs = torch.stack([torch.tensor(_np(c1)), torch.tensor(_np(c0))], -1)
    gs = torch.zeros_like(xs)
    gs[..., 0] = 1
    want = torch._dirichlet_grad(xs, cs, cs.sum(-1, True).expand_as(cs)) * (gs - (xs * gs).sum(-1, True))
    np.testing.assert_allclose(_np(c1.grad), _np(want[..., 0]), rtol=1e-10)
    np.testing.assert_allclose(_np(c0.grad), _np(want[..., 1]), rtol=1e-10)


def test_mvn_and_uniform_rsample_gradient():
    loc = torchlet.tensor([0.5, -1.0], dtype=torchlet.float64, requires_grad=True)
    L = torchlet.tensor([[1.0, 0.0], [0.3, 2.0]], dtype=torchlet.float64, requires_grad=True)
    x = D.MultivariateNormal(loc, scale_tril=L).rsample((4,))
    x.pow(2).sum().backward()
    eps = np.linalg.solve(_np(L), (_np(x) - _np(loc)).T).T  # the draws behind x
    np.testing.assert_allclose(_np(loc.grad), 2 * _np(x).sum(0), rtol=1e-10)
    np.testing.assert_allclose(_np(L.grad), 2 * _np(x).T @ eps, rtol=1e-10)
    lo = torchlet.tensor([0.0, 1.0], requires_grad=True)
    hi = torchlet.tensor([1.0, 4.0], requires_grad=True)
    u = D.Uniform(lo, hi).rsample((3,))
    u.sum().backward()
    frac = (_np(u) - _np(lo)) / (_np(hi) - _np(lo))
    np.testing.assert_allclose(_np(hi.grad), frac.sum(0), rtol=1e-5)
    np.testing.assert_allclose(_np(lo.grad), (1 - frac).sum(0), rtol=1e-5)


@pytest.mark.parametrize("alpha", [0.2, 0.9, 1.0, 3.5, 40.0])
def test_gamma_sample_statistics(alpha):
    torchlet.manual_seed(1)
    s = _np(D.Gamma(torchlet.tensor(alpha, dtype=torchlet.float64), 2.0).sample((8000,)))
    mean, var = alpha / 2.0, alpha / 4.0
    assert abs(s.mean() - mean) < 5 * np.sqrt(var / 8000)
    assert abs(s.var() / var - 1) < 0.12
    assert (s > 0).all()


def test_dirichlet_beta_sample_statistics():
    torchlet.manual_seed(2)
    a = np.array([0.5, 2.0, 4.0])
    s = _np(D.Dirichlet(torchlet.tensor(a)).sample((6000,)))
    np.testing.assert_allclose(s.sum(-1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(s.mean(0), a / a.sum(), atol=0.02)
    b = _np(D.Beta(2.0, 5.0).sample((6000,)))
    assert abs(b.mean() - 2 / 7) < 0.01 and b.dtype == np.float32


def test_discrete_sample_statistics():
    torchlet.manual_seed(3)
    p = torchlet.tensor([0.1, 0.6, 0.3])
    c = _np(D.Categorical(p).sample((20000,)))
    np.testing.assert_allclose(np.bincount(c, minlength=3) / 20000, _np(p), atol=0.015)
    b = _np(D.Bernoulli(torchlet.tensor([0.2, 0.9])).sample((20000,)))
    np.testing.assert_allclose(b.mean(0), [0.2, 0.9], atol=0.015)
    n = _np(D.Normal(torchlet.tensor([1.0, -2.0]), torchlet.tensor([0.5, 3.0])).sample((20000,)))
    np.testing.assert_allclose(n.mean(0), [1.0, -2.0], atol=0.1)
    np.testing.assert_allclose(n.std(0), [0.5, 3.0], rtol=0.05)


def test_standard_gamma_dtype_and_errors():
    assert _standard_gamma(torchlet.tensor([1.0, 2.0])).dtype is torchlet.float32
    assert _standard_gamma(torchlet.tensor([0.0]))._data[0] == np.finfo(np.float32).tiny
    with pytest.raises(NotImplementedError):
        _standard_gamma(torchlet.tensor([1, 2]))
    with pytest.raises(NotImplementedError):
        torch._standard_gamma(torch.tensor([1, 2]))


def _seeded(m, build, *args):
    m.manual_seed(1234)
    d = build(m)
    return _np(d.sample(*args)), _np(d.rsample(*args)) if d.has_rsample else None


SEEDED = {
    "normal": lambda m: m.distributions.Normal(m.tensor([0.0, 1.0]), m.tensor([1.0, 2.0])),
    "bernoulli": lambda m: m.distributions.Bernoulli(m.tensor([0.3, 0.8])),
    "categorical": lambda m: m.distributions.Categorical(m.tensor([[0.2, 0.3, 0.5], [0.6, 0.2, 0.2]])),
    "uniform": lambda m: m.distributions.Uniform(m.tensor([0.0, 1.0]), m.tensor([2.0, 5.0])),
    "gamma": lambda m: m.distributions.Gamma(m.tensor([0.5, 3.0]), m.tensor([1.0, 2.0])),
    "beta": lambda m: m.distributions.Beta(m.tensor([0.5, 3.0]), m.tensor([1.0, 2.0])),
    "dirichlet": lambda m: m.distributions.Dirichlet(m.tensor([0.5, 3.0, 1.0])),
    "mvn": lambda m: m.distributions.MultivariateNormal(m.zeros(2), scale_tril=m.tensor([[1.0, 0.0], [0.5, 2.0]])),
}


@_PENDING
@pytest.mark.parametrize("name", list(SEEDED))
def test_seeded_samples_are_pytorchs(name):
    """Same seed, same numbers: every sampler uses the torch call PyTorch uses."""
    for shape in ((), (7,), (3, 2)):
        st, rt = _seeded(torch, SEEDED[name], shape)
        so, ro = _seeded(torchlet, SEEDED[name], shape)
        np.testing.assert_array_equal(so, st)
        if rt is not None:
            np.testing.assert_array_equal(ro, rt)
