"""Activation functions of nn.functional against PyTorch (values, grads, gradcheck)."""

import numpy as np
import pytest

from tests.oracle import Op, T, check_op, check_error

S = [((3, 4),), ((2, 3, 5),), (T((3, 4)),), ((),)]


def F(m):
    return m.nn.functional


OPS = [
    Op("relu6", lambda m, a: F(m).relu6(a * 4), S),
    Op("hardtanh", lambda m, a: F(m).hardtanh(a, -0.5, 0.7), S),
    Op("leaky_relu", lambda m, a: F(m).leaky_relu(a), S),
    Op("leaky_relu_slope", lambda m, a: F(m).leaky_relu(a, 0.2), S),
    Op("threshold", lambda m, a: F(m).threshold(a, 0.1, 20.0), S),
    Op("elu", lambda m, a: F(m).elu(a), S),
    Op("elu_alpha", lambda m, a: F(m).elu(a, 0.5), S),
    Op("celu", lambda m, a: F(m).celu(a, 2.0), S),
    Op("selu", lambda m, a: F(m).selu(a), S),
    Op("gelu", lambda m, a: F(m).gelu(a), S),
    Op("gelu_tanh", lambda m, a: F(m).gelu(a, approximate="tanh"), S),
    Op("silu", lambda m, a: F(m).silu(a), S),
    Op("mish", lambda m, a: F(m).mish(a), S),
    Op("softplus", lambda m, a: F(m).softplus(a), S),
    Op("softplus_beta", lambda m, a: F(m).softplus(a * 10, beta=2, threshold=5), S),
    Op("logsigmoid", lambda m, a: F(m).logsigmoid(a * 10), S),
    Op("hardsigmoid", lambda m, a: F(m).hardsigmoid(a * 4), S),
    Op("hardswish", lambda m, a: F(m).hardswish(a * 4), S),
    Op("softmax", lambda m, a: F(m).softmax(a, -1), S[:3]),
    Op("softmax_dim0", lambda m, a: F(m).softmax(a * 5, 0), S[:3]),
    Op("softmax_dtype", lambda m, a: F(m).softmax(a, 1, dtype=m.float64), [((3, 4),)]),
    Op("log_softmax", lambda m, a: F(m).log_softmax(a, 1), S[:3]),
    Op("log_softmax_last", lambda m, a: F(m).log_softmax(a * 30, -1), S[:3]),
    Op("softmin", lambda m, a: F(m).softmin(a, 1), S[:3]),
    Op("tensor_softmax", lambda m, a: a.softmax(1), S[:3]),
    Op("tensor_log_softmax", lambda m, a: a.log_softmax(dim=-1), S[:3]),
    Op("prelu_1", lambda m, a, w: F(m).prelu(a, w), [((3, 4), (1,)), ((2, 4, 3), (1,))]),
    Op("prelu_c", lambda m, a, w: F(m).prelu(a, w), [((3, 4), (4,)), ((2, 3, 5, 2), (3,))]),
    Op("softsign", lambda m, a: F(m).softsign(a), S[:2]),
    Op("glu", lambda m, a: F(m).glu(a, -1), [((3, 4),)]),
]


@pytest.mark.parametrize("op", OPS, ids=str)
def test_activation(op, torch):
    check_op(op)


@pytest.mark.parametrize(
    "name", ["relu6", "leaky_relu", "elu", "silu", "mish", "hardtanh", "hardsigmoid", "hardswish", "celu", "selu"]
)
def test_inplace_forms(name, torch):
    import torchlet

    x = np.random.default_rng(0).uniform(-3, 3, (4, 5)).astype(np.float32)
    a = torchlet.tensor(x)
    b = torch.tensor(x)
    ra = getattr(torchlet.nn.functional, name)(a, inplace=True)
    getattr(torch.nn.functional, name)(b, inplace=True)
    assert ra is a
    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6, atol=1e-6)


def test_inplace_in_graph(torch):
    """In-place activation on a non-leaf keeps the gradient right."""
    import torchlet

    x = np.random.default_rng(1).uniform(-2, 2, (3, 4)).astype(np.float32)
    grads = []
    for m in (torchlet, torch):
        a = m.tensor(x, requires_grad=True)
        h = a * 2
        m.nn.functional.elu(h, inplace=True)
        h.sum().backward()
        grads.append(a.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-6)


def test_grad_fn_names(torch):
    import torchlet

    names = {
        "relu6": "HardtanhBackward0",
        "leaky_relu": "LeakyReluBackward0",
        "elu": "EluBackward0",
        "gelu": "GeluBackward0",
        "silu": "SiluBackward0",
        "mish": "MishBackward0",
        "softplus": "SoftplusBackward0",
        "logsigmoid": "LogSigmoidBackward0",
    }
    for fn, name in names.items():
        y = getattr(torchlet.nn.functional, fn)(torchlet.ones(2, requires_grad=True))
        assert y.grad_fn.name() == name
    x = torchlet.ones(2, 3, requires_grad=True)
    assert torchlet.nn.functional.softmax(x, 1).grad_fn.name() == "SoftmaxBackward0"
    assert torchlet.nn.functional.log_softmax(x, 1).grad_fn.name() == "LogSoftmaxBackward0"


def test_softmax_implicit_dim_warns(torch):
    import torchlet

    for m in (torchlet, torch):
        with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
            r = m.nn.functional.softmax(m.ones(2, 3))
        assert tuple(r.shape) == (2, 3)
    a = torchlet.nn.functional.log_softmax(torchlet.tensor(np.arange(24.0).reshape(2, 3, 4)))
    with pytest.warns(UserWarning):
        b = torch.nn.functional.log_softmax(torch.tensor(np.arange(24.0).reshape(2, 3, 4)))
    np.testing.assert_allclose(a.numpy(), b.numpy())


def test_softmax_extreme_values(torch):
    import torchlet

    x = np.array([[1000.0, 0.0, -1000.0], [-1e4, -1e4, -1e4]], dtype=np.float32)
    for fn in ("softmax", "log_softmax"):
        a = getattr(torchlet.nn.functional, fn)(torchlet.tensor(x), 1)
        b = getattr(torch.nn.functional, fn)(torch.tensor(x), 1)
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6)


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.nn.functional.gelu(m.ones(3, dtype=m.long)),
        lambda m: m.nn.functional.elu(m.ones(3, dtype=m.long)),
        lambda m: m.nn.functional.softmax(m.ones(3, dtype=m.long), 0),
        lambda m: m.nn.functional.gelu(m.ones(3), approximate="x"),
        lambda m: m.nn.functional.prelu(m.ones(3, 4), m.ones(3)),
        lambda m: m.nn.functional.softmax(m.ones(3), 2),
    ],
)
def test_errors(call, torch):
    check_error(call)


def test_functional_relu_inplace(torch):
    import torchlet
    import torchlet.nn.functional as F

    for lib, f in ((torchlet, F), (torch, torch.nn.functional)):
        x = lib.tensor([-1.0, 2.0])
        y = f.relu(x, inplace=True)
        assert y is x and x.tolist() == [0.0, 2.0]
        z = lib.tensor([-1.0, 2.0])
        assert f.relu(z).tolist() == [0.0, 2.0] and z.tolist() == [-1.0, 2.0]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_gelu_tanh_large_arrays(dtype, torch):
    """Arrays of several blocks (ops/_parallel.py), each computed in place: values and gradients."""
    import torchlet

    rng = np.random.default_rng(0)
    x = (rng.standard_normal((3, 1000, 257)) * 3).astype(dtype)
    g = rng.standard_normal(x.shape).astype(dtype)
    got = []
    for m in (torch, torchlet):
        xt = m.tensor(x, requires_grad=True)
        y = m.nn.functional.gelu(xt, approximate="tanh")
        y.backward(m.tensor(g))
        got.append((y.detach().numpy(), xt.grad.numpy()))
    # (abs: near -5 the 1 + tanh of both libraries is a difference of neighbours)
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == "float32" else dict(rtol=1e-12, atol=1e-13)
    for theirs, ours in zip(*got):
        np.testing.assert_allclose(ours, theirs, **tol)
