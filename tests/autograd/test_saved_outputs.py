"""An op that saves its own result (sigmoid, tanh, exp, relu, softmax, prod, ...) holds it without
a reference cycle, as PyTorch's SavedVariable does (autograd/graph.py SavedOutputs): dropped with
no backward run, the output is freed at once, not by the cyclic collector. Gradients, second
derivatives and the in-place error on a saved output stay PyTorch's."""

import gc
import weakref

import numpy as np
import pytest
import torch

import torchlet

OPS = {
    "relu": lambda L, x: L.relu(x),
    "sigmoid": lambda L, x: L.sigmoid(x),
    "tanh": lambda L, x: L.tanh(x),
    "exp": lambda L, x: L.exp(x),
    "sqrt": lambda L, x: L.sqrt(x),
    "rsqrt": lambda L, x: L.rsqrt(x),
    "softmax": lambda L, x: x.softmax(1),
    "log_softmax": lambda L, x: x.log_softmax(1),
    "logsumexp": lambda L, x: x.logsumexp(1),
    "prod": lambda L, x: x.prod(1),
    "cumprod": lambda L, x: x.cumprod(1),
    "norm": lambda L, x: x.norm(),
    "amax": lambda L, x: x.amax(1),
    "relu_": lambda L, x: (x * 1).relu_(),
    "sigmoid_": lambda L, x: (x * 1).sigmoid_(),
    "tanh_": lambda L, x: (x * 1).tanh_(),
}
X = np.random.default_rng(0).uniform(0.1, 2.0, (3, 4))


def _freed_without_gc(L, op):
    x = L.tensor(X, requires_grad=True)
    gc.disable()
    try:
        y = OPS[op](L, x)
        ref = weakref.ref(y)
        del y
        return ref() is None
    finally:
        gc.enable()


@pytest.mark.parametrize("op", OPS)
def test_output_freed_without_the_cyclic_collector(op):
    assert _freed_without_gc(torch, op)
    assert _freed_without_gc(torchlet, op)


@pytest.mark.parametrize("op", OPS)
def test_first_and_second_derivatives(op):
    got = []
    for L in (torch, torchlet):
        x = L.tensor(X, requires_grad=True)
        y = OPS[op](L, x)
        (g,) = L.autograd.grad((y * y).sum(), x, create_graph=True)
        (gg,) = L.autograd.grad(g.sum(), x)
        got.append((g.detach().numpy(), gg.numpy()))
    (g0, gg0), (g1, gg1) = got
    np.testing.assert_allclose(g1, g0, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gg1, gg0, rtol=1e-10, atol=1e-10)


def _error(L, op):
    x = L.tensor(X, requires_grad=True)
    y = OPS[op](L, x)
    y.add_(1)
    with pytest.raises(Exception) as info:
        y.sum().backward()
    return info.type, str(info.value)


@pytest.mark.parametrize("op", ["sigmoid", "exp", "relu_", "tanh_", "softmax"])
def test_in_place_change_of_a_saved_output(op):
    assert _error(torchlet, op) == _error(torch, op)


def _saved_changed(L, case):
    x = L.tensor(X, requires_grad=True)
    if case == "leaf":
        w = L.tensor(X)
        y = x * w
        w.add_(1)
    elif case == "copy_slices":
        a = x * 1
        a[0] = 2
        y = a * a
        with L.no_grad():
            a.add_(1)
    elif case == "max_values":
        a = x.max(0)[0]
        y = a * a
        with L.no_grad():
            a.mul_(2)
    with pytest.raises(Exception) as info:
        y.sum().backward()
    return info.type, str(info.value)


@pytest.mark.parametrize("case", ["leaf", "copy_slices", "max_values"])
def test_in_place_change_of_a_saved_input(case):
    assert _saved_changed(torchlet, case) == _saved_changed(torch, case)


def test_in_place_change_under_anomaly_mode():
    got = []
    for L in (torch, torchlet):
        with pytest.warns(UserWarning), L.autograd.set_detect_anomaly(True):
            got.append(_error(L, "sigmoid"))
    assert got[1] == got[0]


def _exp_function(L):
    """PyTorch's "Extending PyTorch" example: a Function that saves its own result."""

    class Exp(L.autograd.Function):
        @staticmethod
        def forward(ctx, i):
            result = i.exp()
            ctx.save_for_backward(result)
            return result

        @staticmethod
        def backward(ctx, grad_output):
            (result,) = ctx.saved_tensors
            return grad_output * result

    return Exp


def test_custom_function_saving_its_output():
    for L in (torch, torchlet):
        Exp = _exp_function(L)
        x = L.tensor(X, requires_grad=True)
        gc.disable()
        try:
            ref = weakref.ref(Exp.apply(x))
            assert ref() is None, L.__name__
        finally:
            gc.enable()
    grads = []
    for L in (torch, torchlet):
        x = L.tensor(X, requires_grad=True)
        y = _exp_function(L).apply(x)
        (g,) = L.autograd.grad((y * y).sum(), x, create_graph=True)
        (gg,) = L.autograd.grad(g.sum(), x)
        grads.append((g.detach().numpy(), gg.numpy()))
    np.testing.assert_allclose(grads[1][0], grads[0][0], rtol=1e-12)
    np.testing.assert_allclose(grads[1][1], grads[0][1], rtol=1e-12)


def test_saved_integer_output_is_no_graph_output():
    """max's indices (an integer output, no grad_fn) saved by its node stay a plain tensor."""
    x = torchlet.tensor(X, requires_grad=True)
    values, indices = x.max(1)
    values.sum().backward()
    expected = torch.tensor(X, requires_grad=True)
    expected.max(1).values.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), expected.grad.numpy())
    assert not indices.requires_grad and indices.grad_fn is None


def test_an_output_saved_twice():
    """A node whose saved tuple holds its output twice (mul of a tensor by itself would save
    its inputs; here a custom Function saves its result twice) unpacks both."""
    for L in (torch, torchlet):

        class Square(L.autograd.Function):
            @staticmethod
            def forward(ctx, i):
                r = i * i
                ctx.save_for_backward(r, r)
                return r

            @staticmethod
            def backward(ctx, g):
                r1, r2 = ctx.saved_tensors
                return g * (r1 + r2)

        x = L.tensor(X, requires_grad=True)
        Square.apply(x).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), 2 * X * X, rtol=1e-15)
