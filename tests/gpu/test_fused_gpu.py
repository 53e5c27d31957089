"""The fused CuPy kernels (ops/_batch_norm_cuda.py, optim/_sgd_cuda.py, ops/_pool_cuda.py,
ops/_conv_cuda.py) against PyTorch on the same GPU: training-mode batch norm's output,
statistics, running statistics and gradients for every combination of affine parameters and
ranks; SGD's every option over several steps; max pooling's geometries, ties and NaN windows;
the convolution's geometries. Each also checks that the fused kernel ran (a count of calls)."""

import numpy as np
import pytest
import torch as T

import torchlet
from gpu_util import close, on_gpu
from torchlet.ops import _batch_norm_cuda, _conv_cuda
from torchlet.optim import _sgd_cuda


@pytest.fixture
def counted(monkeypatch):
    """{name: calls} of the fused entry points during the test."""
    calls = {}
    entries = [(_batch_norm_cuda, "train"), (_batch_norm_cuda, "train_backward"), (_sgd_cuda, "step")]
    for mod, name in entries + [(_conv_cuda, "forward"), (_conv_cuda, "backward")]:
        fn = getattr(mod, name)

        def wrapper(*a, _fn=fn, _name=name, **k):
            calls[_name] = calls.get(_name, 0) + 1
            return _fn(*a, **k)

        monkeypatch.setattr(mod, name, wrapper)
    return calls


@pytest.mark.parametrize("shape", [(8, 3), (4, 3, 5), (4, 3, 5, 6), (2, 3, 2, 3, 4)])
@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_batch_norm_training(counted, shape, affine, dtype):
    dims = len(shape) - 2
    cls = "BatchNorm1d" if dims <= 1 else f"BatchNorm{dims}d"
    x = np.random.default_rng(0).standard_normal(shape) * 3 + 1
    outs = []
    for L in (T, torchlet):
        dt = getattr(L, dtype)
        bn = getattr(L.nn, cls)(3, affine=affine, momentum=0.3).to("cuda", dt)
        if affine:
            with L.no_grad():
                bn.weight.copy_(L.tensor([0.5, -2.0, 1.5]))
                bn.bias.copy_(L.tensor([0.1, 0.2, -0.3]))
        xt = L.tensor(x, dtype=dt, device="cuda", requires_grad=True)
        for _ in range(2):  # the running statistics move twice
            y = bn(xt)
        g = L.tensor(np.cos(np.arange(np.prod(shape))).reshape(shape), dtype=dt, device="cuda")
        (y * g).sum().backward()
        outs.append((y, xt.grad, bn.running_mean, bn.running_var, bn.weight, bn.bias))
    rtol = 1e-4 if dtype == "float32" else 1e-10
    (yr, gr, mr, vr, wr, br), (yo, go, mo, vo, wo, bo) = outs
    on_gpu(yo)
    close(yo, yr, rtol=rtol, atol=rtol)
    close(go, gr, rtol=rtol, atol=rtol, msg="input gradient")
    close(mo, mr, rtol=rtol, atol=rtol, msg="running_mean")
    close(vo, vr, rtol=rtol, atol=rtol, msg="running_var")
    if affine:
        close(wo.grad, wr.grad, rtol=rtol, atol=rtol, msg="weight gradient")
        close(bo.grad, br.grad, rtol=rtol, atol=rtol, msg="bias gradient")
    assert counted == {"train": 2, "train_backward": 1}


SGD_OPTIONS = [
    dict(lr=0.1),
    dict(lr=0.1, weight_decay=0.01),
    dict(lr=0.1, momentum=0.9),
    dict(lr=0.1, momentum=0.9, dampening=0.3, weight_decay=0.01),
    dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
]


@pytest.mark.parametrize("options", SGD_OPTIONS, ids=str)
def test_sgd(counted, options):
    rng = np.random.default_rng(0)
    p0 = rng.standard_normal((5, 7)).astype(np.float32)
    grads = [rng.standard_normal((5, 7)).astype(np.float32) for _ in range(3)]
    got = []
    for L in (T, torchlet):
        p = L.tensor(p0, device="cuda", requires_grad=True)
        opt = L.optim.SGD([p], **options)
        for g in grads:
            p.grad = L.tensor(g, device="cuda")
            opt.step()
        buf = opt.state[p].get("momentum_buffer")
        got.append((p, buf))
    (pr, br), (po, bo) = got
    on_gpu(po)
    close(po, pr, rtol=1e-6, atol=1e-6)
    if br is not None:
        close(bo, br, rtol=1e-6, atol=1e-6, msg="momentum buffer")
    # without momentum every step is fused; with it, every step after the first
    assert counted.get("step", 0) == (3 if "momentum" not in options else 2)


POOLS = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=3, stride=1, padding=1, dilation=2),
    dict(kernel_size=(2, 3), stride=(1, 2), ceil_mode=True),
    dict(kernel_size=3, stride=2, ceil_mode=True),
]


@pytest.mark.parametrize("options", POOLS, ids=str)
@pytest.mark.parametrize("nan", [False, True])
def test_max_pool2d(options, nan):
    """Ties (integer-valued inputs) keep the first maximum, NaN windows PyTorch's answer; the
    indices and the gradient are PyTorch's."""
    rng = np.random.default_rng(0)
    x = np.round(rng.standard_normal((2, 3, 11, 10)) * 1.5).astype(np.float32)
    if nan:
        x.reshape(-1)[rng.choice(x.size, 20, replace=False)] = np.nan
    got = []
    for L in (T, torchlet):
        xt = L.tensor(x, device="cuda", requires_grad=True)
        y, i = L.nn.functional.max_pool2d(xt, return_indices=True, **options)
        L.nn.functional.max_pool2d(xt, **options).mul(2).sum().backward()
        got.append((y, i, xt.grad))
    (yr, ir, gr), (yo, io, go) = got
    on_gpu(yo)
    np.testing.assert_array_equal(yo.detach().cpu().numpy(), yr.detach().cpu().numpy())
    np.testing.assert_array_equal(io.cpu().numpy(), ir.cpu().numpy())
    np.testing.assert_array_equal(go.cpu().numpy(), gr.cpu().numpy())


CONVS = [
    dict(x=(2, 3, 8, 8), w=(4, 3, 3, 3), padding=1),
    dict(x=(2, 1, 28, 28), w=(6, 1, 5, 5), padding=2),  # LeNet's first layer: one channel
    dict(x=(3, 4, 9, 8), w=(5, 4, 3, 2), stride=2, padding=(1, 0), bias=False),
    dict(x=(2, 4, 10, 9), w=(3, 4, 3, 3), stride=(2, 3), padding=2, dilation=2),
    dict(x=(2, 6, 7, 7), w=(8, 6, 1, 1), stride=2, bias=False),  # ResNet's downsampling 1x1
    dict(x=(2, 3, 8, 7), w=(4, 3, 4, 3), padding="same"),  # asymmetric padding
]


@pytest.mark.parametrize("case", CONVS, ids=str)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_conv2d(counted, case, dtype):
    """Output, input, weight and bias gradients of conv2d, in one batch."""
    case = dict(case)
    xs, ws, bias = case.pop("x"), case.pop("w"), case.pop("bias", True)
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(ws[0])
    got = []
    for L in (T, torchlet):
        dt = getattr(L, dtype)
        xt, wt = (L.tensor(a, dtype=dt, device="cuda", requires_grad=True) for a in (x, w))
        bt = L.tensor(b, dtype=dt, device="cuda", requires_grad=True) if bias else None
        y = L.nn.functional.conv2d(xt, wt, bt, **case)
        (y * L.tensor(np.sin(np.arange(y.numel())).reshape(y.shape), dtype=dt, device="cuda")).sum().backward()
        got.append((y, xt.grad, wt.grad, None if bt is None else bt.grad))
    tol = 1e-4 if dtype == "float32" else 1e-10
    for ours, theirs, what in zip(got[1], got[0], ("output", "input gradient", "weight gradient", "bias gradient")):
        if theirs is not None:
            on_gpu(ours)
            close(ours, theirs, rtol=tol, atol=tol, msg=what)
    assert counted == {"forward": 1, "backward": 1}
