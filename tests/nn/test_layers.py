"""Layers against PyTorch: same state_dict, same input -> same outputs, input and
parameter grads, state_dict keys/shapes and repr."""

import numpy as np
import pytest


def _to_ours(t):
    import torchlet

    return torchlet.tensor(t.detach().numpy().copy())


LAYERS = [
    ("Linear", lambda m: m.nn.Linear(5, 3), (4, 5)),
    ("Linear_nobias", lambda m: m.nn.Linear(5, 3, bias=False), (2, 7, 5)),
    ("Linear_1d", lambda m: m.nn.Linear(5, 2), (5,)),
    ("Linear_f64", lambda m: m.nn.Linear(5, 3, dtype=m.float64), (4, 5)),
    ("Identity", lambda m: m.nn.Identity(3, x=1), (2, 3)),
    ("Flatten", lambda m: m.nn.Flatten(), (2, 3, 4)),
    ("Flatten_02", lambda m: m.nn.Flatten(0, 2), (2, 3, 4)),
    ("Unflatten", lambda m: m.nn.Unflatten(1, (2, 6)), (3, 12)),
    ("ReLU", lambda m: m.nn.ReLU(), (3, 4)),
    ("ReLU6", lambda m: m.nn.ReLU6(), (3, 4)),
    ("LeakyReLU", lambda m: m.nn.LeakyReLU(0.2), (3, 4)),
    ("PReLU", lambda m: m.nn.PReLU(), (3, 4)),
    ("PReLU_c", lambda m: m.nn.PReLU(4, init=0.1), (2, 4, 3)),
    ("ELU", lambda m: m.nn.ELU(0.7), (3, 4)),
    ("GELU", lambda m: m.nn.GELU(), (3, 4)),
    ("GELU_tanh", lambda m: m.nn.GELU("tanh"), (3, 4)),
    ("SiLU", lambda m: m.nn.SiLU(), (3, 4)),
    ("Mish", lambda m: m.nn.Mish(), (3, 4)),
    ("Sigmoid", lambda m: m.nn.Sigmoid(), (3, 4)),
    ("Tanh", lambda m: m.nn.Tanh(), (3, 4)),
    ("Hardtanh", lambda m: m.nn.Hardtanh(-0.5, 0.5), (3, 4)),
    ("Softplus", lambda m: m.nn.Softplus(2, 1), (3, 4)),
    ("Softmax", lambda m: m.nn.Softmax(dim=1), (3, 4)),
    ("LogSoftmax", lambda m: m.nn.LogSoftmax(1), (3, 4)),
    ("Softmin", lambda m: m.nn.Softmin(1), (3, 4)),
    ("Threshold", lambda m: m.nn.Threshold(0.1, 2.0), (3, 4)),
    ("Dropout", lambda m: m.nn.Dropout(0.3), (3, 4)),
    ("Dropout2d", lambda m: m.nn.Dropout2d(), (2, 3, 4, 4)),
    (
        "Sequential",
        lambda m: m.nn.Sequential(
            m.nn.Linear(4, 6), m.nn.GELU(), m.nn.Dropout(0.1), m.nn.Linear(6, 2), m.nn.LogSoftmax(-1)
        ),
        (5, 4),
    ),
]


@pytest.mark.parametrize("name,make,shape", LAYERS, ids=[x[0] for x in LAYERS])
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_layer(name, make, shape, mode, torch):
    import torchlet

    theirs = make(torch)
    ours = make(torchlet)
    assert repr(ours) == repr(theirs)
    sd_t, sd_o = theirs.state_dict(), ours.state_dict()
    assert list(sd_o.keys()) == list(sd_t.keys())
    assert [tuple(v.shape) for v in sd_o.values()] == [tuple(v.shape) for v in sd_t.values()]
    ours.load_state_dict({k: _to_ours(v) for k, v in sd_t.items()}, strict=True)
    getattr(ours, mode)()
    getattr(theirs, mode)()
    dt = "float64" if name.endswith("f64") else "float32"
    x = np.random.default_rng(0).normal(size=shape).astype(dt)
    xo = torchlet.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    yo, yt = ours(xo), theirs(xt)
    if name == "Sequential" and mode == "train":  # holds a Dropout: random, compared in eval mode
        assert tuple(yo.shape) == tuple(yt.shape)
        return
    if "Dropout" in name and mode == "train":  # random masks: check the statistics instead
        yo_a, x_a = yo.detach().numpy(), x
        scale = 1 / (1 - ours.p)
        kept = yo_a != 0
        np.testing.assert_allclose(yo_a[kept], x_a[kept] * scale, rtol=1e-6)
        return
    np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-6)
    g = np.random.default_rng(1).normal(size=tuple(yt.shape)).astype(dt)
    yo.backward(torchlet.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-6)
    for (n, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-5, atol=1e-5, err_msg=n)


def test_bilinear(torch):
    import torchlet

    for bias in (True, False):
        t = torch.nn.Bilinear(3, 4, 5, bias=bias)
        o = torchlet.nn.Bilinear(3, 4, 5, bias=bias)
        assert repr(o) == repr(t)
        o.load_state_dict({k: _to_ours(v) for k, v in t.state_dict().items()})
        rng = np.random.default_rng(0)
        a, b = rng.normal(size=(2, 6, 3)).astype("float32"), rng.normal(size=(2, 6, 4)).astype("float32")
        ao, bo = torchlet.tensor(a, requires_grad=True), torchlet.tensor(b, requires_grad=True)
        at, bt = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
        yo, yt = o(ao, bo), t(at, bt)
        np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-5)
        yo.sum().backward()
        yt.sum().backward()
        for p, q in ((ao, at), (bo, bt), (o.weight, t.weight)):
            np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    "kw", [{}, {"padding_idx": 1}, {"padding_idx": -1}, {"scale_grad_by_freq": True}, {"max_norm": 1.0}]
)
def test_embedding(kw, torch):
    import torchlet

    t = torch.nn.Embedding(7, 3, **kw)
    o = torchlet.nn.Embedding(7, 3, **kw)
    assert repr(o) == repr(t)
    if "padding_idx" in kw:
        assert (o.weight[o.padding_idx] == 0).all()
    o.load_state_dict({k: _to_ours(v) for k, v in t.state_dict().items()})
    idx = np.array([[0, 1, 1], [6, 2, 1]])
    yo, yt = o(torchlet.tensor(idx)), t(torch.tensor(idx))
    np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), rtol=1e-6)
    g = np.random.default_rng(1).normal(size=(2, 3, 3)).astype("float32")
    yo.backward(torchlet.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(o.weight.grad.numpy(), t.weight.grad.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(o.weight.detach().numpy(), t.weight.detach().numpy(), rtol=1e-5)


def test_embedding_from_pretrained(torch):
    import torchlet

    w = np.arange(12, dtype="float32").reshape(4, 3)
    o = torchlet.nn.Embedding.from_pretrained(torchlet.tensor(w))
    t = torch.nn.Embedding.from_pretrained(torch.tensor(w))
    assert not o.weight.requires_grad and repr(o) == repr(t)
    assert o(torchlet.tensor([3, 0])).tolist() == t(torch.tensor([3, 0])).tolist()
    assert torchlet.nn.Embedding.from_pretrained(torchlet.tensor(w), freeze=False).weight.requires_grad


def test_embedding_errors(torch):
    from tests.oracle import check_error

    check_error(lambda m: m.nn.functional.embedding(m.tensor([5]), m.randn(3, 2)))
    check_error(lambda m: m.nn.functional.embedding(m.tensor([1.0]), m.randn(3, 2)))
    check_error(lambda m: m.nn.Embedding(3, 2, padding_idx=3))


@pytest.mark.parametrize(
    "name",
    [
        "CrossEntropyLoss",
        "NLLLoss",
        "MSELoss",
        "L1Loss",
        "SmoothL1Loss",
        "HuberLoss",
        "BCELoss",
        "BCEWithLogitsLoss",
        "KLDivLoss",
    ],
)
def test_loss_modules(name, torch):
    import torchlet
    import warnings

    kw = {} if name in ("HuberLoss",) else {"reduction": "sum"}
    o, t = getattr(torchlet.nn, name)(**kw), getattr(torch.nn, name)(**kw)
    assert repr(o) == repr(t) and o.reduction == t.reduction
    assert list(o.state_dict()) == list(t.state_dict())
    rng = np.random.default_rng(0)
    x = rng.uniform(0.05, 0.95, (4, 3)).astype("float32")
    if name in ("CrossEntropyLoss", "NLLLoss"):
        y = np.array([0, 2, 1, 1])
    else:
        y = rng.uniform(0, 1, (4, 3)).astype("float32")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = o(torchlet.tensor(x), torchlet.tensor(y))
        b = t(torch.tensor(x), torch.tensor(y))
    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5)


def test_loss_module_weights_are_buffers(torch):
    import torchlet

    o = torchlet.nn.CrossEntropyLoss(weight=torchlet.ones(3), label_smoothing=0.1, ignore_index=2)
    t = torch.nn.CrossEntropyLoss(weight=torch.ones(3), label_smoothing=0.1, ignore_index=2)
    assert list(o.state_dict()) == list(t.state_dict())
    assert list(torchlet.nn.BCEWithLogitsLoss(pos_weight=torchlet.ones(3)).state_dict()) == list(
        torch.nn.BCEWithLogitsLoss(pos_weight=torch.ones(3)).state_dict()
    )


def test_default_init_bounds(torch):
    import torchlet

    lin = torchlet.nn.Linear(100, 50)
    bound = 1 / np.sqrt(100)
    w, b = lin.weight.detach().numpy(), lin.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert np.abs(b).max() <= bound
    assert abs(w.std() - bound / np.sqrt(3)) < 0.05 * bound
    bl = torchlet.nn.Bilinear(10, 20, 5)
    assert np.abs(bl.weight.detach().numpy()).max() <= 1 / np.sqrt(10)
    e = torchlet.nn.Embedding(1000, 20).weight.detach().numpy()
    assert abs(e.std() - 1) < 0.05 and abs(e.mean()) < 0.05


def test_dropout_statistics_and_seed(torch):
    import torchlet

    x = torchlet.ones(200, 200)
    torchlet.manual_seed(3)
    a = torchlet.nn.functional.dropout(x, 0.3)
    torchlet.manual_seed(3)
    b = torchlet.nn.functional.dropout(x, 0.3)
    assert (a == b).all()
    frac = (a == 0).float().mean().item()
    assert abs(frac - 0.3) < 0.02
    assert set(np.unique(a.numpy()).astype(float).round(5)) == {0.0, round(1 / 0.7, 5)}
    d2 = torchlet.nn.functional.dropout2d(torchlet.ones(4, 8, 5, 5), 0.5).numpy()
    assert all(len(np.unique(d2[i, c])) == 1 for i in range(4) for c in range(8))
    assert (torchlet.nn.functional.dropout(x, 1.0) == 0).all()
    from tests.oracle import check_error

    check_error(lambda m: m.nn.functional.dropout(m.ones(3), 1.5))
    check_error(lambda m: m.nn.Dropout(-0.1))


def test_functional_one_hot_linear_normalize(torch):
    import torchlet
    from tests.oracle import check_error

    assert (
        torchlet.nn.functional.one_hot(torchlet.tensor([0, 2, 1])).tolist()
        == torch.nn.functional.one_hot(torch.tensor([0, 2, 1])).tolist()
    )
    assert (
        torchlet.nn.functional.one_hot(torchlet.tensor([[0], [2]]), 4).tolist()
        == torch.nn.functional.one_hot(torch.tensor([[0], [2]]), 4).tolist()
    )
    check_error(lambda m: m.nn.functional.one_hot(m.tensor([1.0, 2])))
    check_error(lambda m: m.nn.functional.one_hot(m.tensor([1, 5]), 3))
    check_error(lambda m: m.nn.functional.linear(m.randn(3, 4), m.randn(5, 3)))
    x = np.random.default_rng(0).normal(size=(4, 5))
    for fn in (
        lambda m, a: m.nn.functional.normalize(a),
        lambda m, a: m.nn.functional.normalize(a, p=1, dim=0),
        lambda m, a: m.nn.functional.cosine_similarity(a, a.flip(0) * 2),
        lambda m, a: m.nn.functional.pairwise_distance(a, a * 0.5),
    ):
        np.testing.assert_allclose(
            fn(torchlet, torchlet.tensor(x)).numpy(), fn(torch, torch.tensor(x)).numpy(), rtol=1e-6
        )
