"""nn layers and a short training run on the fake device (torchlet.testing._fake_backend).

The same weights run in PyTorch (the oracle) and on device "privateuseone", whose arrays
refuse plain ndarrays: outputs, parameter gradients and trained weights must match torch and
stay on the fake device.
"""

import numpy as np
import pytest
import torch as T

import torchlet as torch
from torchlet.testing import _fake_backend

_fake_backend.install()
DEV = _fake_backend.DEVICE


def _on_fake(t):
    assert t.device.type == DEV, f"left the fake device: {t.device}"
    assert isinstance(t._data, _fake_backend.FakeArray), type(t._data)


def _copy_weights(ours, theirs):
    sd = {k: torch.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()}
    ours.load_state_dict(sd)


def _host(t):
    return t.detach().cpu().numpy()


LAYERS = {
    "linear": (lambda L: L.nn.Linear(4, 3), (5, 4)),
    "conv2d": (lambda L: L.nn.Conv2d(3, 4, 3, padding=1), (2, 3, 6, 6)),
    "batchnorm2d": (lambda L: L.nn.BatchNorm2d(3), (4, 3, 5, 5)),
    "lstm": (lambda L: L.nn.LSTM(4, 5, batch_first=True), (2, 3, 4)),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_on_fake_device(name):
    make, shape = LAYERS[name]
    T.manual_seed(0)
    ref = make(T)
    mod = make(torch)
    _copy_weights(mod, ref)
    mod = mod.to(DEV)
    for p in mod.parameters():
        _on_fake(p)
    x = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    xr = T.tensor(x, requires_grad=True)
    xf = torch.tensor(x).to(DEV).requires_grad_(True)
    outr, outf = ref(xr), mod(xf)
    if isinstance(outr, tuple):  # LSTM: (output, (h, c))
        outr, outf = outr[0], outf[0]
    _on_fake(outf)
    np.testing.assert_allclose(_host(outf), outr.detach().numpy(), rtol=1e-4, atol=1e-5)
    outr.sum().backward()
    outf.sum().backward()
    _on_fake(xf.grad)
    np.testing.assert_allclose(_host(xf.grad), xr.grad.numpy(), rtol=1e-4, atol=1e-5)
    for (n, pr), pf in zip(ref.named_parameters(), mod.parameters()):
        _on_fake(pf.grad)
        np.testing.assert_allclose(_host(pf.grad), pr.grad.numpy(), rtol=1e-4, atol=1e-4, err_msg=n)
    for (n, br), bf in zip(ref.named_buffers(), mod.buffers()):  # BatchNorm's running stats
        _on_fake(bf)
        np.testing.assert_allclose(_host(bf), br.numpy(), rtol=1e-4, atol=1e-5, err_msg=n)


def _cnn(L):
    nn = L.nn
    return nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 3 * 3, 5))


def test_short_cnn_training_on_fake_device():
    T.manual_seed(0)
    ref = _cnn(T)
    mod = _cnn(torch)
    _copy_weights(mod, ref)
    mod = mod.to(DEV)
    opt_r = T.optim.SGD(ref.parameters(), lr=0.1, momentum=0.9)
    opt_f = torch.optim.SGD(mod.parameters(), lr=0.1, momentum=0.9)
    rng = np.random.default_rng(2)
    for _ in range(3):
        x = rng.standard_normal((8, 1, 8, 8)).astype(np.float32)
        y = rng.integers(0, 5, 8)
        opt_r.zero_grad()
        lr = T.nn.functional.cross_entropy(ref(T.tensor(x)), T.tensor(y))
        lr.backward()
        opt_r.step()
        opt_f.zero_grad()
        lf = torch.nn.functional.cross_entropy(mod(torch.tensor(x).to(DEV)), torch.tensor(y).to(DEV))
        lf.backward()
        opt_f.step()
        _on_fake(lf)
        assert abs(lf.item() - lr.item()) < 1e-5
    for (n, pr), pf in zip(ref.named_parameters(), mod.parameters()):
        _on_fake(pf)
        np.testing.assert_allclose(_host(pf), pr.detach().numpy(), rtol=1e-4, atol=1e-5, err_msg=n)


@pytest.mark.parametrize("name", ["Adam", "AdamW", "RMSprop", "Adagrad"])
def test_optimizer_and_clipping_on_fake_device(name):
    """Optimizer state and clip_grad_norm_'s arithmetic stay on the device; values match torch."""
    T.manual_seed(0)
    ref = T.nn.Linear(3, 2)
    mod = torch.nn.Linear(3, 2)
    _copy_weights(mod, ref)
    mod = mod.to(DEV)
    opt_r = getattr(T.optim, name)(ref.parameters(), lr=0.05)
    opt_f = getattr(torch.optim, name)(mod.parameters(), lr=0.05)
    x = np.random.default_rng(4).standard_normal((5, 3)).astype(np.float32)
    for _ in range(2):
        opt_r.zero_grad()
        ref(T.tensor(x)).pow(2).sum().backward()
        nr = T.nn.utils.clip_grad_norm_(ref.parameters(), 0.5)
        opt_r.step()
        opt_f.zero_grad()
        mod(torch.tensor(x).to(DEV)).pow(2).sum().backward()
        nf = torch.nn.utils.clip_grad_norm_(mod.parameters(), 0.5)
        opt_f.step()
        _on_fake(nf)
        assert abs(nf.item() - nr.item()) < 1e-4
    for (n, pr), pf in zip(ref.named_parameters(), mod.parameters()):
        _on_fake(pf)
        np.testing.assert_allclose(_host(pf), pr.detach().numpy(), rtol=1e-4, atol=1e-5, err_msg=n)
    for st in opt_f.state.values():
        for v in st.values():
            if isinstance(v, torch.Tensor) and v.dim():
                _on_fake(v)
