"""optim/_adam_kernel.py: Adam's and AdamW's update as one blocked, threaded kernel, or as oneDNN
binary primitives while its pool holds the cores, gives the bits of the tensor-op form it
replaces, for every branch the kernel takes, and PyTorch's values."""

import numpy as np
import pytest
import torch

import torchlet
import torchlet.backends.cpu as cpu
from conftest import require_onednn
from torchlet.ops import _binary_onednn, _onednn
from torchlet.optim import _adam_kernel

SHAPES = [(7,), (256, 784), (3, 70001)]  # one block; past MIN_ELEMENTS (threads); cuts off block edges

OPTIONS = [
    dict(),
    dict(weight_decay=0.1),
    dict(lr=1.0, betas=(0.3, 0.0), eps=1e-3),  # lerp from the far end; (1 - beta2) g g as g g
    dict(maximize=True, weight_decay=0.05),
]


def _run(opt_name, options, dtype, shape, use_kernel, monkeypatch, threads, onednn=False):
    """Parameters after four steps on fixed gradients, with the kernel on or off (on oneDNN's
    pool, holding the cores, or with oneDNN off)."""
    torchlet.set_num_threads(threads)
    monkeypatch.setattr(cpu, "use_onednn", onednn)
    if onednn:
        monkeypatch.setitem(_onednn._state, "pool", True)  # as after a convolution on its pool
        real, runs = _binary_onednn.kernels, []
        monkeypatch.setattr(_binary_onednn, "kernels", lambda *a: runs.append(real(*a)) or runs[-1])
    if not use_kernel:
        monkeypatch.setattr(_adam_kernel, "arrays_for", lambda *a: None)
    rng = np.random.default_rng(0)
    p = torchlet.tensor(rng.standard_normal(shape).astype(dtype), requires_grad=True)
    opt = getattr(torchlet.optim, opt_name)([p], **options)
    grads = [rng.standard_normal(shape).astype(dtype) * 10.0**k for k in (-3, 0, 2, -1)]
    for g in grads:
        p.grad = torchlet.tensor(g)
        opt.step()
    monkeypatch.undo()
    if onednn:  # taken for large float32 parameters only
        assert any(k is not None for k in runs) == (dtype == np.float32 and p.numel() >= _binary_onednn.MIN_ELEMENTS)
    return p.detach().numpy(), opt.state[p], grads


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("options", OPTIONS, ids=str)
@pytest.mark.parametrize("opt_name", ["Adam", "AdamW"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("onednn", [False, True], ids=["numpy", "onednn"])
def test_kernel_gives_the_tensor_ops_bits_and_pytorch_s(opt_name, options, dtype, shape, onednn, monkeypatch):
    if onednn:
        require_onednn()
    threads = torchlet.get_num_threads()
    try:
        fused, state, grads = _run(opt_name, options, dtype, shape, True, monkeypatch, 2, onednn)
        plain, plain_state, _ = _run(opt_name, options, dtype, shape, False, monkeypatch, 1)
    finally:
        torchlet.set_num_threads(threads)
    assert fused.tobytes() == plain.tobytes()
    for key in ("exp_avg", "exp_avg_sq"):
        assert state[key].numpy().tobytes() == plain_state[key].numpy().tobytes()

    tp = torch.tensor(np.random.default_rng(0).standard_normal(shape).astype(dtype), requires_grad=True)
    topt = getattr(torch.optim, opt_name)([tp], **options)
    for g in grads:
        tp.grad = torch.tensor(g)
        topt.step()
    # PyTorch's vectorised lerp fuses a multiply-add (exact on arrays under one vector: (7,))
    tol = 1e-6 if dtype == np.float32 else 1e-14
    np.testing.assert_allclose(fused, tp.detach().numpy(), rtol=tol, atol=tol)


def test_kernel_bumps_versions_and_leaves_other_layouts_to_the_tensor_ops():
    p = torchlet.randn(64, 64, requires_grad=True)
    opt = torchlet.optim.Adam([p])
    p.grad = torchlet.randn(64, 64)
    version = p._version[0]
    opt.step()
    assert p._version[0] == version + 1
    m = opt.state[p]["exp_avg"]
    assert _adam_kernel.arrays_for(p, p.grad, m, m) is not None
    assert _adam_kernel.arrays_for(p, p.grad.t(), m, m) is None  # a transposed gradient
    assert _adam_kernel.arrays_for(p, p.grad.double(), m, m) is None
    assert _adam_kernel.arrays_for(p.half(), p.grad.half(), m.half(), m.half()) is None
