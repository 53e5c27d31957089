"""autograd.graph.saved_tensors_hooks / save_on_cpu against PyTorch."""

import numpy as np

import torchlet
from oracle import assert_same


def _run(m, hooks_factory):
    calls = []
    x = m.tensor(np.linspace(-1, 1, 6).reshape(2, 3).astype(np.float32), requires_grad=True)

    def pack(t):
        calls.append(("pack", tuple(t.shape)))
        return t * 1

    def unpack(t):
        calls.append(("unpack", tuple(t.shape)))
        return t

    with hooks_factory(m, pack, unpack):
        y = (x * x).sin() @ x.t()
    y.sum().backward()
    return calls, x.grad


def test_pack_unpack_calls_and_gradient(torch):
    make = lambda m, p, u: m.autograd.graph.saved_tensors_hooks(p, u)
    co, go = _run(torchlet, make)
    ct, gt = _run(torch, make)
    assert sorted(co) == sorted(ct)  # the same tensors packed and unpacked (order within a node may differ)
    assert [c[0] for c in co] == [c[0] for c in ct]
    assert_same(go, gt)


def test_pack_to_another_object(torch):
    for m in (torchlet, torch):
        x = m.tensor([0.5, 1.5], requires_grad=True)
        with m.autograd.graph.saved_tensors_hooks(lambda t: t.detach().numpy().copy(), lambda a: m.tensor(a)):
            y = x.exp() * x
        y.sum().backward()
    xo = torchlet.tensor([0.5, 1.5], requires_grad=True)
    xt = torch.tensor([0.5, 1.5], requires_grad=True)
    for m, x in ((torchlet, xo), (torch, xt)):
        with m.autograd.graph.save_on_cpu(pin_memory=True):
            y = (x.exp() * x).sum()
        y.backward()
    assert_same(xo.grad, xt.grad)


def test_no_inplace_check_on_packed_tensors(torch):
    """PyTorch does not check versions of what hooks keep: both give the gradient of the values
    the hooks hold."""
    grads = []
    for m in (torchlet, torch):
        x = m.tensor([0.5, 1.5], requires_grad=True)
        with m.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t):
            a = x * 2
            y = a.sin()
        a.add_(1)
        y.sum().backward()
        grads.append(x.grad)
    assert_same(*grads)


def test_custom_function_saved_tensors_are_packed(torch):
    for m in (torchlet, torch):
        packed = []

        class Square(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x * x

            @staticmethod
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return 2 * x * g

        x = m.tensor([3.0], requires_grad=True)
        with m.autograd.graph.saved_tensors_hooks(lambda t: packed.append(1) or t, lambda t: t):
            y = Square.apply(x)
        y.backward()
        assert packed == [1] and float(x.grad) == 6.0
