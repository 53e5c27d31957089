"""Layers and a CIFAR ResNet-18 training step on CUDA: torchlet (CuPy) against PyTorch on the
same GPU, from the same weights and batches."""

import numpy as np
import pytest
import torch as T

import torchlet
from gpu_util import close, on_gpu

LAYERS = {
    "linear": (lambda L: L.nn.Linear(16, 8), (4, 16)),
    "conv2d": (lambda L: L.nn.Conv2d(3, 8, 3, padding=1), (2, 3, 12, 12)),
    "conv2d_s2_nobias": (lambda L: L.nn.Conv2d(8, 16, 3, stride=2, padding=1, bias=False), (2, 8, 12, 12)),
    "batchnorm2d": (lambda L: L.nn.BatchNorm2d(3), (4, 3, 5, 5)),
    "maxpool": (lambda L: L.nn.MaxPool2d(3, 2, 1), (2, 3, 9, 9)),
    "lstm": (lambda L: L.nn.LSTM(6, 5, batch_first=True), (2, 4, 6)),
    "gru": (lambda L: L.nn.GRU(6, 5), (4, 2, 6)),
    "layernorm": (lambda L: L.nn.LayerNorm(7), (3, 7)),
    "mha": (lambda L: L.nn.MultiheadAttention(8, 2, batch_first=True), (2, 5, 8)),
    "transformer_layer": (
        lambda L: L.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True),
        (2, 5, 8),
    ),
}


def _same_weights(ours, theirs):
    ours.load_state_dict({k: torchlet.tensor(v.detach().cpu().numpy()) for k, v in theirs.state_dict().items()})


def _first(out):
    return out[0] if isinstance(out, tuple) else out


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_on_cuda(name):
    make, shape = LAYERS[name]
    T.manual_seed(0)
    ref = make(T)
    mod = make(torchlet)
    _same_weights(mod, ref)
    ref, mod = ref.cuda(), mod.cuda()
    x = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    xr = T.tensor(x, device="cuda", requires_grad=True)
    xo = torchlet.tensor(x, device="cuda", requires_grad=True)
    args_r, args_o = ((xr, xr, xr), (xo, xo, xo)) if name == "mha" else ((xr,), (xo,))
    outr, outo = _first(ref(*args_r)), _first(mod(*args_o))
    on_gpu(outo)
    close(outo, outr)
    outr.sum().backward()
    outo.sum().backward()
    close(xo.grad, xr.grad, msg="input gradient")
    for (n, pr), po in zip(ref.named_parameters(), mod.parameters()):
        on_gpu(po.grad)
        close(po.grad, pr.grad, rtol=1e-3, atol=1e-4, msg=n)
    for (n, br), bo in zip(ref.named_buffers(), mod.buffers()):
        on_gpu(bo)
        close(bo, br, msg=n)


def test_resnet18_cifar_training_steps_match_pytorch():
    tv = pytest.importorskip("torchvision")
    T.manual_seed(0)
    ref = tv.models.resnet18(num_classes=10)
    mod = torchlet.vision.models.resnet18(num_classes=10)
    _same_weights(mod, ref)
    ref, mod = ref.cuda().train(), mod.cuda().train()
    opt_r = T.optim.SGD(ref.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    opt_o = torchlet.optim.SGD(mod.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    rng = np.random.default_rng(0)
    for step in range(3):
        x = rng.standard_normal((32, 3, 32, 32)).astype(np.float32)
        y = rng.integers(0, 10, 32)
        opt_r.zero_grad()
        lr_ = T.nn.functional.cross_entropy(ref(T.tensor(x, device="cuda")), T.tensor(y, device="cuda"))
        lr_.backward()
        opt_r.step()
        opt_o.zero_grad()
        lo = torchlet.nn.functional.cross_entropy(mod(torchlet.tensor(x).cuda()), torchlet.tensor(y).cuda())
        lo.backward()
        opt_o.step()
        on_gpu(lo)
        assert abs(lo.item() - lr_.item()) < 1e-3 * max(1.0, abs(lr_.item())), (step, lo.item(), lr_.item())
    for (n, pr), po in zip(ref.named_parameters(), mod.parameters()):
        on_gpu(po)
        close(po, pr, rtol=1e-3, atol=1e-4, msg=n)
    mod.eval()
    ref.eval()
    with torchlet.no_grad(), T.no_grad():
        x = rng.standard_normal((8, 3, 32, 32)).astype(np.float32)
        close(mod(torchlet.tensor(x, device="cuda")), ref(T.tensor(x, device="cuda")), rtol=1e-3, atol=1e-3)


def test_cli_training_runs_on_cuda(tmp_path):
    """`torchlet train --device auto` picks the GPU (digits needs no download)."""
    from torchlet.cli.main import main

    rc = main(
        [
            "train",
            "--dataset",
            "digits",
            "--model",
            "lenet",
            "--epochs",
            "1",
            "--batch-size",
            "64",
            "--device",
            "auto",
            "--checkpoint-dir",
            str(tmp_path / "ck"),
            "--data-root",
            str(tmp_path / "data"),
        ]
    )
    assert rc in (0, None)
    state = torchlet.load(tmp_path / "ck" / "last.pt", map_location="cpu")
    assert state["args"]["device"] in ("auto", "cuda")
