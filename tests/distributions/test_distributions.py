"""torchlet.distributions against torch.distributions: shapes, moments,
log_prob/entropy/cdf values and their gradients w.r.t. the parameters,
expand, validation errors (class and message), constraints, and lgamma/
digamma."""

import numpy as np
import pytest
import torch

import torchlet

_rng = np.random.default_rng(11)


def _np(t):
    return t.detach().numpy() if isinstance(t, torch.Tensor) else t.detach()._data


def _close(ours, theirs, rtol=1e-10, atol=1e-10):
    assert tuple(ours.shape) == tuple(theirs.shape), (tuple(ours.shape), tuple(theirs.shape))
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_allclose(_np(ours), _np(theirs), rtol=rtol, atol=atol, equal_nan=True)


def _pos(*shape):
    return _rng.uniform(0.5, 3.0, size=shape)


def _tril(n):
    a = np.tril(_rng.uniform(-0.5, 0.5, size=(n, n)))
    return a + np.diag(_rng.uniform(0.8, 1.5, size=n))


def _spd(n):
    L = _tril(n)
    return L @ L.T


# name: (class name, {param: array or number}, values to score)
SPECS = {
    "normal": ("Normal", {"loc": _rng.normal(size=(3,)), "scale": _pos(3)}, _rng.normal(size=(2, 3))),
    "normal-bcast": ("Normal", {"loc": _rng.normal(size=(2, 1)), "scale": _pos(3)}, _rng.normal(size=(2, 3))),
    "bernoulli-probs": ("Bernoulli", {"probs": _rng.uniform(0.1, 0.9, size=(4,))}, np.array([0.0, 1.0, 1.0, 0.0])),
    "bernoulli-logits": ("Bernoulli", {"logits": _rng.normal(size=(2, 3))}, np.ones((2, 3))),
    "categorical-probs": ("Categorical", {"probs": _pos(2, 4)}, np.array([3, 0])),
    "categorical-logits": ("Categorical", {"logits": _rng.normal(size=(5,))}, np.array([[1], [4]])),
    "uniform": ("Uniform", {"low": np.array([-1.0, 0.0]), "high": np.array([1.0, 2.5])}, np.array([0.3, 1.1])),
    "gamma": ("Gamma", {"concentration": _pos(3), "rate": _pos(3)}, _pos(2, 3)),
    "beta": ("Beta", {"concentration1": _pos(3), "concentration0": _pos(3)}, _rng.uniform(0.05, 0.95, size=(3,))),
    "dirichlet": ("Dirichlet", {"concentration": _pos(2, 3)}, np.array([[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]])),
    "mvn-tril": (
        "MultivariateNormal",
        {"loc": _rng.normal(size=(3,)), "scale_tril": _tril(3)},
        _rng.normal(size=(4, 3)),
    ),
    "mvn-batch": (
        "MultivariateNormal",
        {"loc": _rng.normal(size=(2, 3)), "scale_tril": _tril(3)},
        _rng.normal(size=(2, 3)),
    ),
    "mvn-cov": (
        "MultivariateNormal",
        {"loc": _rng.normal(size=(3,)), "covariance_matrix": _spd(3)},
        _rng.normal(size=(3,)),
    ),
    "mvn-prec": ("MultivariateNormal", {"loc": np.zeros(2), "precision_matrix": _spd(2)}, _rng.normal(size=(5, 2))),
}
_CHOLESKY_PARAMS = ("covariance_matrix", "precision_matrix")


def _has_cholesky_backward():
    x = torchlet.eye(2, dtype=torchlet.float64, requires_grad=True)
    try:
        torchlet.linalg.cholesky(x * 2).sum().backward()
        return True
    except NotImplementedError:
        return False


def _build(m, name, requires_grad=True):
    cls, params, _ = SPECS[name]
    kw = {}
    for k, v in params.items():
        t = m.tensor(v, dtype=m.float64)
        if requires_grad and not (k in _CHOLESKY_PARAMS and m is torchlet and not _has_cholesky_backward()):
            t.requires_grad_()
        kw[k] = t
    return getattr(m.distributions, cls)(**kw), kw


def _value(m, name):
    v = SPECS[name][2]
    return m.tensor(v, dtype=m.int64 if v.dtype.kind == "i" else m.float64)


@pytest.mark.parametrize("name", list(SPECS))
def test_shapes_and_moments(name):
    dt, _ = _build(torch, name, False)
    do, _ = _build(torchlet, name, False)
    assert tuple(do.batch_shape) == tuple(dt.batch_shape)
    assert tuple(do.event_shape) == tuple(dt.event_shape)
    for prop in ("mean", "variance", "stddev", "mode"):
        try:
            want = getattr(dt, prop)
        except NotImplementedError:
            continue
        _close(getattr(do, prop), want, rtol=1e-9, atol=1e-12)
    assert do.has_rsample == dt.has_rsample
    assert do.has_enumerate_support == dt.has_enumerate_support
    for shape in ((), (5,), (2, 3)):
        s = do.sample(shape)
        assert tuple(s.shape) == tuple(dt.sample(shape).shape)
        assert str(s.dtype).split(".")[-1] == str(dt.sample(shape).dtype).split(".")[-1]
        assert not s.requires_grad


@pytest.mark.parametrize("name", list(SPECS))
def test_log_prob_entropy_and_gradients(name):
    results = []
    for m in (torch, torchlet):
        d, params = _build(m, name)
        lp = d.log_prob(_value(m, name))
        ent = d.entropy()
        (lp.sum() + 0.5 * ent.sum()).backward()
        grads = {k: p.grad for k, p in params.items() if p.requires_grad}
        results.append((lp, ent, grads))
    (lt, et, gt), (lo, eo, go) = results
    _close(lo, lt, rtol=1e-9, atol=1e-9)
    _close(eo, et, rtol=1e-9, atol=1e-9)
    for k, g in go.items():
        _close(g, gt[k], rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name", ["normal", "uniform", "gamma"])
def test_cdf_icdf(name):
    out = []
    for m in (torch, torchlet):
        d, params = _build(m, name, requires_grad=name != "gamma")
        v = m.tensor(SPECS[name][2], dtype=m.float64, requires_grad=True)
        c = d.cdf(v)
        loss = c.sum()
        if name != "gamma":  # Gamma.cdf has no derivative w.r.t. concentration in PyTorch
            q = m.tensor([0.1, 0.7, 0.95][: SPECS[name][1][next(iter(SPECS[name][1]))].shape[-1]], dtype=m.float64)
            ic = d.icdf(q)
            loss = loss + ic.sum()
            out.append(ic)
        loss.backward()
        out.extend([c, v.grad] + ([p.grad for p in params.values()] if name != "gamma" else []))
    half = len(out) // 2
    for a, b in zip(out[half:], out[:half]):
        _close(a, b, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize(
    "name", ["normal", "bernoulli-logits", "categorical-probs", "gamma", "beta", "dirichlet", "mvn-tril", "uniform"]
)
def test_expand(name):
    dt, _ = _build(torch, name, False)
    do, _ = _build(torchlet, name, False)
    shape = (4,) + tuple(dt.batch_shape)
    et, eo = dt.expand(shape), do.expand(shape)
    assert type(eo).__name__ == type(et).__name__
    assert tuple(eo.batch_shape) == tuple(et.batch_shape)
    assert tuple(eo.sample((2,)).shape) == tuple(et.sample((2,)).shape)
    _close(eo.entropy(), et.entropy(), rtol=1e-9, atol=1e-9)


def test_enumerate_support():
    for name in ("bernoulli-logits", "categorical-probs"):
        dt, _ = _build(torch, name, False)
        do, _ = _build(torchlet, name, False)
        for expand in (True, False):
            _close(do.enumerate_support(expand), dt.enumerate_support(expand))


def test_repr_and_sample_n():
    for name in ("normal", "bernoulli-probs", "categorical-logits", "uniform", "gamma", "beta"):
        dt, _ = _build(torch, name, False)
        do, _ = _build(torchlet, name, False)
        assert repr(do) == repr(dt).replace("torch.", "torchlet.")
    d = torchlet.distributions.Normal(0.0, 1.0)
    with pytest.warns(FutureWarning):
        assert tuple(d.sample_n(3).shape) == (3,)


def test_independent():
    outs = []
    for m in (torch, torchlet):
        loc = m.tensor(_rng_fixed(2, 3), requires_grad=True)
        base = m.distributions.Normal(loc, m.ones(2, 3, dtype=m.float64))
        ind = m.distributions.Independent(base, 1)
        lp = ind.log_prob(m.zeros(2, 3, dtype=m.float64))
        lp.sum().backward()
        outs.append((ind, lp, ind.entropy(), loc.grad, repr(ind)))
    (it, lt, et, gt, rt), (io, lo, eo, go, ro) = outs
    assert tuple(io.batch_shape) == tuple(it.batch_shape) and tuple(io.event_shape) == tuple(it.event_shape)
    assert ro == rt.replace("torch.", "torchlet.")
    for a, b in ((lo, lt), (eo, et), (go, gt)):
        _close(a, b)


def _rng_fixed(*shape):
    return np.arange(np.prod(shape), dtype=np.float64).reshape(shape) / 7 - 0.5


def _call(m, fn):
    try:
        fn(m)
    except Exception as e:  # the exact class and message are compared
        return e
    return None


D_ERRORS = [
    lambda m: m.distributions.Normal(m.tensor([0.0]), m.tensor([-1.0])),
    lambda m: m.distributions.Normal(m.zeros(2), m.ones(2)).log_prob(m.tensor([1.0, 2.0, 3.0])),
    lambda m: m.distributions.Bernoulli(probs=m.tensor([0.5]), logits=m.tensor([0.0])),
    lambda m: m.distributions.Bernoulli(),
    lambda m: m.distributions.Bernoulli(probs=m.tensor([1.5])),
    lambda m: m.distributions.Bernoulli(probs=m.tensor([0.5])).log_prob(m.tensor([0.5])),
    lambda m: m.distributions.Categorical(probs=m.tensor(0.5)),
    lambda m: m.distributions.Categorical(logits=m.tensor([0.1, 0.2])).log_prob(m.tensor([2])),
    lambda m: m.distributions.Uniform(m.tensor([1.0]), m.tensor([0.0])),
    lambda m: m.distributions.Uniform(0.0, 1.0).log_prob(m.tensor(2.0)),
    lambda m: m.distributions.Gamma(m.tensor([0.0]), m.tensor([1.0])),
    lambda m: m.distributions.Gamma(m.tensor([1.0]), m.tensor([1.0])).log_prob(m.tensor([-1.0])),
    lambda m: m.distributions.Beta(m.tensor([1.0]), m.tensor([-1.0])),
    lambda m: m.distributions.Dirichlet(m.tensor(1.0)),
    lambda m: m.distributions.Dirichlet(m.tensor([1.0, -1.0])),
    lambda m: m.distributions.Dirichlet(m.tensor([1.0, 1.0])).log_prob(m.tensor([0.5, 0.6])),
    lambda m: m.distributions.MultivariateNormal(m.tensor(0.0), scale_tril=m.eye(1)),
    lambda m: m.distributions.MultivariateNormal(m.zeros(2)),
    lambda m: m.distributions.MultivariateNormal(m.zeros(2), scale_tril=m.eye(2), covariance_matrix=m.eye(2)),
    lambda m: m.distributions.MultivariateNormal(m.zeros(2), covariance_matrix=m.zeros(2)),
    lambda m: m.distributions.MultivariateNormal(m.zeros(2), scale_tril=m.tensor([[1.0, 1.0], [0.0, 1.0]])),
    lambda m: m.distributions.MultivariateNormal(m.zeros(2), covariance_matrix=m.tensor([[1.0, 2.0], [2.0, 1.0]])),
    lambda m: m.distributions.Independent(m.distributions.Normal(m.zeros(2), m.ones(2)), 2),
    lambda m: m.distributions.kl_divergence(m.distributions.Categorical(m.ones(2)), m.distributions.Normal(0.0, 1.0)),
    lambda m: m.distributions.Normal(0.0, 1.0).mode_missing,
    lambda m: m.distributions.Normal("a", 1.0),
    lambda m: m.distributions.Normal(m.zeros(2), m.ones(3)),
    lambda m: (
        m.distributions.Categorical(m.ones(3)).mean.item()
        + m.distributions.Categorical(m.ones(3)).log_prob(m.tensor([0.5]))
    ),
]


@pytest.mark.parametrize("i", range(len(D_ERRORS)))
def test_errors(i):
    et, eo = _call(torch, D_ERRORS[i]), _call(torchlet, D_ERRORS[i])
    assert et is not None, "torch did not raise"
    assert eo is not None, f"torchlet did not raise; torch: {type(et).__name__}: {et}"
    assert type(eo) is type(et) or type(eo).__name__ == type(et).__name__, (eo, et)
    if isinstance(et, ValueError):
        assert str(eo) == str(et).replace("torch.", "torchlet."), (str(eo), str(et))


def test_validation_can_be_disabled():
    for m in (torch, torchlet):
        d = m.distributions.Normal(m.tensor([0.0]), m.tensor([-1.0]), validate_args=False)
        assert d.scale.item() == -1.0
    torchlet.distributions.Distribution.set_default_validate_args(False)
    try:
        torchlet.distributions.Normal(torchlet.tensor([0.0]), torchlet.tensor([-1.0]))
    finally:
        torchlet.distributions.Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        torchlet.distributions.Distribution.set_default_validate_args(3)


def test_sample_and_rsample_track_grad():
    loc = torchlet.zeros(3, requires_grad=True)
    d = torchlet.distributions.Normal(loc, torchlet.ones(3))
    assert not d.sample().requires_grad
    r = d.rsample((2,))
    assert r.requires_grad
    r.sum().backward()
    np.testing.assert_array_equal(loc.grad._data, np.full(3, 2.0, np.float32))


def test_gamma_cdf_concentration_derivative_is_not_implemented():
    for m in (torch, torchlet):
        a = m.tensor([2.0], requires_grad=True)
        with pytest.raises(NotImplementedError):
            m.distributions.Gamma(a, 1.0).cdf(m.tensor([1.0])).sum().backward()


@pytest.mark.parametrize(
    "build",
    [
        lambda m: m.distributions.Normal(0.0, 1.0),
        lambda m: m.distributions.Normal(m.zeros(2), 1.0),
        lambda m: m.distributions.Bernoulli(0.3),
        lambda m: m.distributions.Bernoulli(logits=0.3),
        lambda m: m.distributions.Uniform(0.0, 1.0),
        lambda m: m.distributions.Gamma(2.0, 1.0),
        lambda m: m.distributions.Beta(2.0, 3.0),
        lambda m: m.distributions.Dirichlet(m.ones(3)),
        lambda m: m.distributions.Categorical(logits=m.zeros(3)),
        lambda m: m.distributions.MultivariateNormal(m.zeros(2), m.eye(2)),
    ],
)
def test_default_dtype_and_number_parameters(build):
    """Python-number parameters give default-dtype tensors, scalar batch shapes and PyTorch's reprs."""
    facts = []
    for m in (torch, torchlet):
        d = build(m)
        s = d.sample((2,))
        facts.append(
            (
                str(s.dtype).split(".")[-1],
                tuple(s.shape),
                str(d.log_prob(s).dtype).split(".")[-1],
                tuple(d.batch_shape),
                tuple(d.event_shape),
                str(d.entropy().dtype).split(".")[-1],
                repr(d).replace("torch.", "torchlet."),
            )
        )
    assert facts[1] == facts[0]
