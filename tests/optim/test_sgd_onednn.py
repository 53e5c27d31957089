"""optim/_sgd_onednn.py: SGD's update as scaled adds on oneDNN's pool (ops/_binary_onednn.py)
gives the bits of the tensor-op form it replaces, for every option, and PyTorch's values; it is
taken for large float32 parameters while that pool holds the cores, and nowhere else."""

import numpy as np
import pytest
import torch

import torchlet
import torchlet.backends.cpu as cpu
from conftest import require_onednn
from torchlet.ops import _binary_onednn, _onednn

SHAPES = [(7,), (256, 784), (3, 70001)]  # below MIN_ELEMENTS (tensor ops); oneDNN's; an odd size

OPTIONS = [
    dict(momentum=0.9),
    dict(),  # no momentum: p.add_(g, alpha=-lr) alone
    dict(momentum=0.9, weight_decay=0.1),
    dict(momentum=0.5, dampening=0.3, weight_decay=1.0),  # a scale of 1 on p
    dict(momentum=0.9, nesterov=True),
    dict(momentum=0.8, nesterov=True, weight_decay=0.01),
    dict(momentum=0.9, maximize=True, weight_decay=0.05),
    dict(maximize=True),
]


def _run(options, dtype, shape, on_onednn, monkeypatch, threads=2):
    """Parameters and momentum buffer after four steps on fixed gradients, at two threads with
    oneDNN's pool holding the cores (or at one), or with oneDNN off (the tensor ops)."""
    torchlet.set_num_threads(threads)
    monkeypatch.setattr(cpu, "use_onednn", on_onednn)
    if on_onednn:
        monkeypatch.setitem(_onednn._state, "pool", True)  # as after a convolution on its pool
    rng = np.random.default_rng(0)
    p = torchlet.tensor(rng.standard_normal(shape).astype(dtype), requires_grad=True)
    opt = torchlet.optim.SGD([p], lr=0.1, **options)
    grads = [rng.standard_normal(shape).astype(dtype) * 10.0**k for k in (-3, 0, 2, -1)]
    for g in grads:
        p.grad = torchlet.tensor(g)
        opt.step()
    monkeypatch.undo()
    buf = opt.state[p].get("momentum_buffer")
    return p.detach().numpy(), None if buf is None else buf.numpy(), grads


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("options", OPTIONS, ids=str)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("threads", [1, 2])
def test_onednn_gives_the_tensor_ops_bits_and_pytorch_s(threads, options, dtype, shape, monkeypatch):
    require_onednn()
    before = torchlet.get_num_threads()
    try:
        fused, buf, grads = _run(options, dtype, shape, True, monkeypatch, threads)
        plain, plain_buf, _ = _run(options, dtype, shape, False, monkeypatch)
    finally:
        torchlet.set_num_threads(before)
    assert fused.tobytes() == plain.tobytes()
    assert (buf is None) == (plain_buf is None)
    if buf is not None:
        assert buf.tobytes() == plain_buf.tobytes()

    tp = torch.tensor(np.random.default_rng(0).standard_normal(shape).astype(dtype), requires_grad=True)
    topt = torch.optim.SGD([tp], lr=0.1, **options)
    for g in grads:
        tp.grad = torch.tensor(g)
        topt.step()
    # PyTorch's add with alpha is one fused multiply-add (here: a multiply, then an add)
    tol = 1e-5 if dtype == np.float32 else 1e-13
    np.testing.assert_allclose(fused, tp.detach().numpy(), rtol=tol, atol=tol)


def test_onednn_takes_large_float32_updates_only_while_its_pool_holds_the_cores(monkeypatch):
    require_onednn()
    monkeypatch.setattr(cpu, "use_onednn", True)
    runs = []
    real = _binary_onednn.kernels

    def kernels(arrays, ops, one_thread=False):
        k = real(arrays, ops, one_thread)
        if k is not None:
            runs.append(arrays[0].size)
        return k

    monkeypatch.setattr(_binary_onednn, "kernels", kernels)
    ops = ((_binary_onednn.ADD, False), (_binary_onednn.DIV, True), _binary_onednn.SQRT)
    threads = torchlet.get_num_threads()
    try:
        torchlet.set_num_threads(2)
        x, y = np.ones(1 << 16, np.float32), np.full(1 << 16, 3.0, np.float32)
        monkeypatch.delitem(_onednn._state, "pool", raising=False)
        assert real((x, y), ops) is None and real((x, y), ops, one_thread=True) is None  # no pool yet
        torchlet.set_num_threads(1)
        assert real((x, y), ops) is None and real((x, y), ops, one_thread=True) is not None
        torchlet.set_num_threads(2)
        monkeypatch.setitem(_onednn._state, "pool", True)
        k = real((x, y), ops)
        k.binary(_binary_onednn.ADD, x, y, x, 2, 0.5)
        assert x[0] == 3.5
        k.binary(_binary_onednn.DIV, x, 7, x)
        assert x[0] == np.float32(3.5) / np.float32(7)
        k.sqrt(y, x)
        assert x[0] == np.sqrt(np.float32(3))
        assert real((x[:-1], y[:-1]), ops) is None  # below MIN_ELEMENTS
        assert real((x.astype(np.float64), y.astype(np.float64)), ops) is None
        assert real((x[::2], y[::2]), ops) is None  # strided
        x.flags.writeable = False
        assert real((x, y), ops) is None
        small = torchlet.zeros(100, requires_grad=True)
        big = torchlet.zeros(1 << 16, requires_grad=True)
        opt = torchlet.optim.SGD([small, big], lr=0.1, momentum=0.9)
        for _ in range(2):
            small.grad, big.grad = torchlet.ones(100), torchlet.ones(1 << 16)
            opt.step()
        assert runs == [1 << 16]  # the second step (the first makes the buffer), big only
        torchlet.set_num_threads(1)
        opt.step()
        assert runs == [1 << 16] * 2  # one thread: SGD asks for it there too
        opt.param_groups[0]["maximize"] = True
        opt.step()
        torchlet.set_num_threads(2)
        opt.step()
        assert len(runs) == 2  # maximize: the tensor ops
    finally:
        torchlet.set_num_threads(threads)
