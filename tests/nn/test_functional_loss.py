"""Loss functions against PyTorch: every option, values and gradients."""

import numpy as np
import pytest

from tests.oracle import assert_same, check_error


def _run(torch, fn, arrays, grad_idx=(0,), dtype="float32", rtol=None, atol=None):
    """fn(m, *tensors) in both libraries; compare the value and grads of grad_idx inputs."""
    import torchlet

    res = []
    for m in (torchlet, torch):
        ts = []
        for i, a in enumerate(arrays):
            a = a.astype(dtype) if a.dtype.kind == "f" else a
            t = m.tensor(a.copy())
            if i in grad_idx:
                t.requires_grad_(True)
            ts.append(t)
        out = fn(m, *ts)
        g = np.random.default_rng(5).uniform(0.5, 1.5, tuple(out.shape)).astype(dtype)
        grads = m.autograd.grad(out, [ts[i] for i in grad_idx], m.tensor(g), allow_unused=True)
        res.append((out, grads))
    (o, go), (t, gt) = res
    tol = dict(
        rtol=rtol or (1e-5 if dtype == "float32" else 1e-10), atol=atol or (1e-6 if dtype == "float32" else 1e-12)
    )
    assert_same(o, t, **tol, what="value")
    for a, b in zip(go, gt):
        assert_same(a, b, **tol, what="grad")


rng = np.random.default_rng(0)
X = rng.normal(size=(6, 5)) * 2
X4 = rng.normal(size=(2, 5, 3, 4))
X3 = rng.normal(size=(2, 5, 7))
T = np.array([0, 4, 2, 1, 3, 2])
T4 = rng.integers(0, 5, (2, 3, 4))
T3 = rng.integers(0, 5, (2, 7))
W = rng.uniform(0.2, 2.0, 5)
P = rng.dirichlet(np.ones(5), 6)
RED = ["mean", "sum", "none"]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("reduction", RED)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ignore", [-100, 2])
@pytest.mark.parametrize("ls", [0.0, 0.2])
def test_cross_entropy(dtype, reduction, weighted, ignore, ls, torch):
    def fn(m, x, t, w):
        return m.nn.functional.cross_entropy(
            x, t, weight=w if weighted else None, ignore_index=ignore, reduction=reduction, label_smoothing=ls
        )

    _run(torch, fn, [X, T, W], dtype=dtype)


@pytest.mark.parametrize("x,t", [(X4, T4), (X3, T3)], ids=["4d", "3d"])
@pytest.mark.parametrize("reduction", RED)
@pytest.mark.parametrize("ls", [0.0, 0.1])
def test_cross_entropy_kdim(x, t, reduction, ls, torch):
    _run(
        torch,
        lambda m, a, b, w: m.nn.functional.cross_entropy(
            a, b, w, reduction=reduction, label_smoothing=ls, ignore_index=1
        ),
        [x, t, W],
        dtype="float64",
    )


@pytest.mark.parametrize("reduction", RED)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ls", [0.0, 0.3])
def test_cross_entropy_probs(reduction, weighted, ls, torch):
    def fn(m, x, p, w):
        return m.nn.functional.cross_entropy(
            x, p, weight=w if weighted else None, reduction=reduction, label_smoothing=ls
        )

    _run(torch, fn, [X, P, W], grad_idx=(0, 1), dtype="float64")


def test_cross_entropy_unbatched(torch):
    _run(torch, lambda m, x, t: m.nn.functional.cross_entropy(x, t), [X[0], np.array(3)])
    _run(torch, lambda m, x, t: m.nn.functional.cross_entropy(x, t), [X[0], P[0]], grad_idx=(0, 1))


@pytest.mark.parametrize("reduction", RED)
@pytest.mark.parametrize("weighted", [False, True])
def test_nll_loss(reduction, weighted, torch):
    def fn(m, x, t, w):
        return m.nn.functional.nll_loss(
            x.log_softmax(1), t, weight=w if weighted else None, ignore_index=0, reduction=reduction
        )

    _run(torch, fn, [X, T, W])
    _run(
        torch,
        lambda m, x, t, w: m.nn.functional.nll_loss(x, t, w if weighted else None, reduction=reduction),
        [X4, T4, W],
    )


def test_nll_all_ignored_is_nan(torch):
    _run(torch, lambda m, x, t: m.nn.functional.nll_loss(x, t, ignore_index=1), [X[:2], np.array([1, 1])])


def test_cross_entropy_grad_fn(torch):
    import torchlet

    x = torchlet.randn(3, 4, requires_grad=True)
    loss = torchlet.nn.functional.cross_entropy(x, torchlet.tensor([0, 1, 3]))
    assert loss.grad_fn.name() == "NllLossBackward0"
    assert loss.grad_fn.next_functions[0][0].name() == "LogSoftmaxBackward0"


@pytest.mark.parametrize(
    "name,kw",
    [
        ("mse_loss", {}),
        ("l1_loss", {}),
        ("smooth_l1_loss", {}),
        ("smooth_l1_loss", {"beta": 0.5}),
        ("smooth_l1_loss", {"beta": 0.0}),
        ("huber_loss", {}),
        ("huber_loss", {"delta": 0.3}),
    ],
)
@pytest.mark.parametrize("reduction", RED)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_regression_losses(name, kw, reduction, dtype, torch):
    y = rng.normal(size=X.shape)
    _run(
        torch,
        lambda m, a, b: getattr(m.nn.functional, name)(a, b, reduction=reduction, **kw),
        [X, y],
        grad_idx=(0, 1),
        dtype=dtype,
    )


def test_mse_broadcast_warns(torch):
    import torchlet

    with pytest.warns(UserWarning, match="different to the input size"):
        torchlet.nn.functional.mse_loss(torchlet.ones(3, 4), torchlet.ones(3, 1))
    _run(torch, lambda m, a, b: m.nn.functional.mse_loss(a, b), [X, X[:, :1]], grad_idx=(0, 1))


@pytest.mark.parametrize("reduction", RED)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_bce(reduction, weighted, dtype, torch):
    p = 1 / (1 + np.exp(-X))
    p[0, 0], p[0, 1] = 0.0, 1.0  # the log clamp at -100
    t = rng.uniform(0, 1, X.shape)
    _run(
        torch,
        lambda m, a, b, w: m.nn.functional.binary_cross_entropy(
            a, b, weight=w if weighted else None, reduction=reduction
        ),
        [p, t, W],
        grad_idx=(0, 1) if not weighted else (0,),
        dtype=dtype,
        rtol=1e-4 if dtype == "float32" else None,
    )


@pytest.mark.parametrize("reduction", RED)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("pos", [False, True])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_bce_with_logits(reduction, weighted, pos, dtype, torch):
    t = rng.uniform(0, 1, X.shape)
    x = X * 20  # large logits stay finite
    _run(
        torch,
        lambda m, a, b, w, pw: m.nn.functional.binary_cross_entropy_with_logits(
            a, b, weight=w if weighted else None, pos_weight=pw if pos else None, reduction=reduction
        ),
        [x, t, W, W[::-1].copy()],
        grad_idx=(0, 1),
        dtype=dtype,
    )


@pytest.mark.parametrize("reduction", ["mean", "sum", "none", "batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(reduction, log_target, torch):
    import warnings

    t = P.copy()
    t[0, 0] = 0.0
    if log_target:
        t = np.log(P)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _run(
            torch,
            lambda m, a, b: m.nn.functional.kl_div(a, b, reduction=reduction, log_target=log_target),
            [np.log(P[::-1].copy()), t],
            grad_idx=(0,),
            dtype="float64",
        )


def test_kl_div_mean_warns():
    import torchlet

    with pytest.warns(UserWarning, match="batchmean"):
        torchlet.nn.functional.kl_div(torchlet.zeros(2, 3), torchlet.ones(2, 3))


def test_legacy_size_average(torch):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _run(torch, lambda m, a, b: m.nn.functional.mse_loss(a, b, size_average=False), [X, X * 0.5])
        _run(torch, lambda m, a, b: m.nn.functional.cross_entropy(a, b, reduce=False), [X, T])


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.nn.functional.cross_entropy(m.randn(3, 4), m.rand(3)),
        lambda m: m.nn.functional.cross_entropy(m.randn(3, 4), m.tensor([0, 5, 1])),
        lambda m: m.nn.functional.nll_loss(m.randn(3, 4), m.tensor([0, -1, 1])),
        lambda m: m.nn.functional.nll_loss(m.randn(3, 4), m.tensor([0, 1, 2], dtype=m.int32)),
        lambda m: m.nn.functional.nll_loss(m.randn(3, 4), m.tensor([0, 1])),
        lambda m: m.nn.functional.nll_loss(m.randn(2, 3, 4), m.randint(0, 3, (2, 5))),
        lambda m: m.nn.functional.nll_loss(m.randn(3, 4), m.tensor([0, 1, 2]), weight=m.ones(3)),
        lambda m: m.nn.functional.cross_entropy(m.randn(3, 4), m.rand(3, 5)),
        lambda m: m.nn.functional.cross_entropy(m.randn(3, 4), m.randint(0, 3, (3, 4))),
        lambda m: m.nn.functional.cross_entropy(m.randn(3, 4), m.tensor([0, 1, 2]), label_smoothing=1.5),
        lambda m: m.nn.functional.cross_entropy(m.ones(3, 4, dtype=m.long), m.tensor([0, 1, 2])),
        lambda m: m.nn.functional.binary_cross_entropy(m.rand(3, 4), m.rand(3, 1)),
        lambda m: m.nn.functional.binary_cross_entropy(m.randn(3, 4) + 2, m.rand(3, 4)),
        lambda m: m.nn.functional.binary_cross_entropy_with_logits(m.randn(3, 4), m.rand(3, 1)),
        lambda m: m.nn.functional.mse_loss(m.randn(3), m.randn(3), reduction="bad"),
        lambda m: m.nn.functional.mse_loss(m.ones(3, dtype=m.long), m.ones(3, dtype=m.long)),
    ],
)
def test_errors(call, torch):
    check_error(call)


def test_error_texts(torch):
    import torchlet

    e, _ = check_error(lambda m: m.nn.functional.cross_entropy(m.randn(3, 4), m.tensor([0, 5, 1])))
    assert str(e) == "Target 5 is out of bounds."
    e, t = check_error(lambda m: m.nn.functional.nll_loss(m.randn(3, 4), m.tensor([0.0, 1, 2])))
    assert str(e) == str(t)
    _ = torchlet
