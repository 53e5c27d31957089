"""Device logic shared by every non-CPU device, checked on the CPU through the fake backend
(torchlet.testing._fake_backend, device "privateuseone"): what a cuda tensor does here,
a privateuseone tensor does too, since both are an extra namespace behind `_device`.

PyTorch's side is its `meta` device where it behaves as cuda does (a CPU scalar joins any
device, Module.to keeps parameter identity, optimizer state follows the parameters), and
PyTorch's source for the cuda texts (TensorIterator's "Expected all tensors to be on the same
device, but found at least two devices, cuda:0 and cpu!", the numpy() TypeError).
"""

import io
import warnings
import zipfile

import numpy as np
import pytest

import torchlet
from torchlet.testing import _fake_backend

_fake_backend.install()
DEV = _fake_backend.DEVICE


def _mixing_text(common, other):
    return f"Expected all tensors to be on the same device, but found at least two devices, {common} and {other}!"


MIXED = {
    "add": lambda m, d, c: d + c,
    "radd": lambda m, d, c: c + d,
    "mul": lambda m, d, c: m.mul(c, d),
    "sub_": lambda m, d, c: d.sub_(c),
    "mm": lambda m, d, c: m.mm(d.view(1, 3), c.view(3, 1)),
    "matmul": lambda m, d, c: c.view(1, 3) @ d.view(3, 1),
    "linear": lambda m, d, c: m.nn.functional.linear(c.view(1, 3), d.view(1, 3)),
    "addmm": lambda m, d, c: m.addmm(d[:1].view(1, 1), c.view(1, 3), d.view(3, 1)),
    "conv2d": lambda m, d, c: m.nn.functional.conv2d(c.view(1, 1, 1, 3), d.view(1, 1, 1, 3)),
    "mse_loss": lambda m, d, c: m.nn.functional.mse_loss(d, c),
}


@pytest.mark.parametrize("name", sorted(MIXED))
def test_mixing_devices_raises_pytorch_error(torch, name):
    d, c = torchlet.randn(3).to(DEV), torchlet.randn(3)
    with pytest.raises(RuntimeError) as info:
        MIXED[name](torchlet, d, c)
    assert type(info.value) is RuntimeError
    assert str(info.value) == _mixing_text(f"{DEV}:0", "cpu")
    if name in META_REFUSES:  # PyTorch refuses the same mix on its meta device (with its meta text)
        with pytest.raises(RuntimeError):
            MIXED[name](torch, torch.randn(3, device="meta"), torch.randn(3))


# meta computes only shapes for matmul/linear/conv and in-place ops, so it lets a CPU operand through there
META_REFUSES = {"add", "radd", "mul", "mse_loss"}


def test_cpu_scalar_tensor_joins_the_device(torch):
    ours = torchlet.randn(3).to(DEV) + torchlet.tensor(2.0)
    theirs = torch.randn(3, device="meta") + torch.tensor(2.0)
    assert ours.device.type == DEV and theirs.device.type == "meta"
    ours = torchlet.tensor(2.0) * torchlet.ones(3).to(DEV)
    assert ours.device.type == DEV and ours.cpu().tolist() == [2.0, 2.0, 2.0]


def test_numpy_on_device_raises_pytorch_type_error(torch):
    with pytest.raises(TypeError) as theirs:
        torch.zeros(2, device="meta").numpy()
    with pytest.raises(TypeError) as ours:
        torchlet.zeros(2).to(DEV).numpy()
    assert str(ours.value) == str(theirs.value).replace("meta", f"{DEV}:0")


def test_printing_names_the_device(torch):
    data = [[1.5, -2.0], [3.25, 4.0]]
    theirs = repr(torch.tensor(data))
    ours = repr(torchlet.tensor(data, device=DEV))
    assert ours == theirs[:-1] + f", device='{DEV}:0')"
    theirs = repr(torch.tensor(data, requires_grad=True))
    ours = repr(torchlet.tensor(data, device=DEV, requires_grad=True))
    assert ours == theirs.replace(", requires_grad=True)", f", device='{DEV}:0', requires_grad=True)")


@pytest.mark.parametrize(
    "make",
    [
        lambda m, d: m.zeros(2, 3, device=d),
        lambda m, d: m.ones(2, device=d),
        lambda m, d: m.full((2,), 3.0, device=d),
        lambda m, d: m.arange(4, device=d),
        lambda m, d: m.eye(3, device=d),
        lambda m, d: m.tensor([1.0, 2.0], device=d),
        lambda m, d: m.empty(2, device=d),
        lambda m, d: m.randn(2, device=d),
        lambda m, d: m.rand(2, device=d),
        lambda m, d: m.zeros_like(m.ones(2), device=d),
        lambda m, d: m.ones(2).to(d, non_blocking=True),
        lambda m, d: m.ones(2).to(device=m.device(d)),
    ],
)
def test_creation_and_moves_land_on_the_device(torch, make):
    assert make(torch, "meta").device.type == "meta"
    t = make(torchlet, DEV)
    assert t.device == torchlet.device(DEV, 0)
    assert isinstance(t._data, _fake_backend.FakeArray)
    assert t.cpu().device.type == "cpu"


def test_to_device_and_back_keeps_values_and_gradient(torch):
    x = torchlet.tensor([1.0, -2.0, 3.0], requires_grad=True)
    y = x.to(DEV)
    (y * y).sum().backward()
    tx = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
    (tx * tx).sum().backward()
    assert x.grad.device.type == "cpu"
    assert x.grad.tolist() == tx.grad.tolist()


def _model(m):
    m.manual_seed(0)
    return m.nn.Sequential(m.nn.Linear(3, 4), m.nn.BatchNorm1d(4), m.nn.Linear(4, 1))


def test_module_to_moves_parameters_buffers_and_optimizer_state(torch):
    """Module.to moves parameters (in place for ours, as PyTorch's cpu -> cuda does; its meta
    device swaps them) and buffers; an optimizer's state loaded afterwards follows each
    parameter's device, its step counter stays on the CPU."""
    devices = {}
    for m, dev in ((torch, "meta"), (torchlet, DEV)):
        model = _model(m)
        weight = model[0].weight
        opt = m.optim.Adam(model.parameters(), lr=0.1)
        model(m.randn(5, 3)).sum().backward()
        opt.step()
        sd = opt.state_dict()
        model.to(dev)
        if m is torchlet:
            assert model[0].weight is weight  # the optimizer still holds the moved parameters
        opt = m.optim.Adam(model.parameters(), lr=0.1)
        opt.load_state_dict(sd)
        state = opt.state[model[0].weight]
        devices[m.__name__] = (
            model[0].weight.device.type,
            model[1].running_mean.device.type,
            model[1].num_batches_tracked.device.type,
            state["exp_avg"].device.type,
            state["step"].device.type,
        )
    assert devices["torchlet"] == tuple(d.replace("meta", DEV) for d in devices["torch"])


def test_training_steps_on_the_device_match_the_cpu():
    losses = {}
    for dev in ("cpu", DEV):
        model = _model(torchlet).to(dev)
        opt = torchlet.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        torchlet.manual_seed(1)
        x, y = torchlet.randn(8, 3).to(dev), torchlet.randn(8, 1).to(dev)
        run = []
        for _ in range(3):
            opt.zero_grad()
            loss = torchlet.nn.functional.mse_loss(model(x), y)
            loss.backward()
            opt.step()
            run.append(loss.item())
        assert loss.device.type == dev
        losses[dev] = run
    np.testing.assert_allclose(losses[DEV], losses["cpu"], rtol=1e-6)


def test_dataloader_pin_memory_warns_and_batches_as_pytorch(torch):
    def batches(m):
        ds = m.utils.data.TensorDataset(m.arange(6.0).view(3, 2))
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            out = [b[0].tolist() for b in m.utils.data.DataLoader(ds, batch_size=2, pin_memory=True)]
        return out, [str(x.message) for x in w if "pin_memory" in str(x.message)]

    assert batches(torchlet) == batches(torch)


# ----- checkpoints and map_location -------------------------------------------
def _saved(obj):
    buf = io.BytesIO()
    torchlet.save(obj, buf)
    buf.seek(0)
    return buf


def test_saved_on_the_device_loads_back_on_it():
    buf = _saved({"d": torchlet.arange(3.0).to(DEV), "c": torchlet.ones(2)})
    out = torchlet.load(buf)
    assert out["d"].device == torchlet.device(DEV, 0) and out["c"].device.type == "cpu"
    assert out["d"].cpu().tolist() == [0.0, 1.0, 2.0]


def _loc(map_location):
    return torchlet.load(_saved({"d": torchlet.arange(3.0).to(DEV), "c": torchlet.ones(2)}), map_location=map_location)


@pytest.mark.parametrize(
    "map_location, want",
    [
        ("cpu", ("cpu", "cpu")),
        (torchlet.device("cpu"), ("cpu", "cpu")),
        (DEV, (DEV, DEV)),
        ({f"{DEV}:0": "cpu"}, ("cpu", "cpu")),
        ({"cpu": DEV}, (DEV, DEV)),
        (lambda storage, loc: storage.cpu(), ("cpu", "cpu")),
        (lambda storage, loc: storage.to(DEV), (DEV, DEV)),
        (lambda storage, loc: storage, ("cpu", "cpu")),  # the storage as read: on the host, as in PyTorch
    ],
)
def test_map_location_forms_move_storages(map_location, want):
    out = _loc(map_location)
    assert (out["d"].device.type, out["c"].device.type) == want
    assert out["d"].cpu().tolist() == [0.0, 1.0, 2.0]


def test_pytorch_gpu_checkpoint_maps_onto_the_device(torch, tmp_path):
    """A checkpoint PyTorch wrote on a GPU (storages tagged cuda:0), mapped to another device."""
    buf = io.BytesIO()
    torch.save({"w": torch.arange(4.0)}, buf)
    path = tmp_path / "gpu.pt"
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zi, zipfile.ZipFile(path, "w") as zo:
        for info in zi.infolist():
            data = zi.read(info)
            if info.filename.endswith("data.pkl"):
                data = data.replace(b"X\x03\x00\x00\x00cpu", b"X\x06\x00\x00\x00cuda:0")
            zo.writestr(info.filename, data)
    assert torch.load(path, map_location={"cuda:0": "cpu"})["w"].tolist() == [0.0, 1.0, 2.0, 3.0]
    out = torchlet.load(path, map_location={"cuda:0": DEV})
    assert out["w"].device.type == DEV and out["w"].cpu().tolist() == [0.0, 1.0, 2.0, 3.0]
    with pytest.raises(RuntimeError, match="torch.cuda.is_available\\(\\) is False"):
        torchlet.load(path)


def test_get_device_and_is_cuda(torch):
    assert torchlet.zeros(2).get_device() == torch.zeros(2).get_device() == -1
    t = torchlet.zeros(2).to(DEV)
    assert t.get_device() == 0  # the device index, as PyTorch gives for any indexed device
    assert t.is_cuda is False and t.is_cpu is False
