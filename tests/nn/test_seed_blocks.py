"""The seed lessons' custom blocks (seed programs 35, 36, 37, 62, 63) in both libraries:
forward shapes, parameter names, reprs, tied parameters, and training reduces the loss."""

import numpy as np
import pytest


def blocks(m):
    nn, F = m.nn, m.nn.functional

    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.hidden = nn.Linear(20, 256)
            self.out = nn.Linear(256, 10)

        def forward(self, X):
            return self.out(F.relu(self.hidden(X)))

    class MySequential(nn.Module):
        def __init__(self, *args):
            super().__init__()
            for idx, module in enumerate(args):
                self._modules[str(idx)] = module

        def forward(self, X):
            for block in self._modules.values():
                X = block(X)
            return X

    class FixedHiddenMLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.rand_weight = m.rand((20, 20), requires_grad=False)
            self.linear = nn.Linear(20, 20)

        def forward(self, X):
            X = self.linear(X)
            X = F.relu(m.mm(X, self.rand_weight) + 1)
            X = self.linear(X)
            while X.abs().sum() > 1:
                X /= 2
            return X.sum()

    class NestMLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.net = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU())
            self.linear = nn.Linear(32, 16)

        def forward(self, X):
            return self.linear(self.net(X))

    class CenteredLayer(nn.Module):
        def forward(self, X):
            return X - X.mean()

    class MyLinear(nn.Module):
        def __init__(self, in_units, units):
            super().__init__()
            self.weight = nn.Parameter(m.randn(in_units, units))
            self.bias = nn.Parameter(
                m.randn(
                    units,
                )
            )

        def forward(self, X):
            return F.relu(m.matmul(X, self.weight) + self.bias)

    return dict(
        MLP=MLP,
        MySequential=MySequential,
        FixedHiddenMLP=FixedHiddenMLP,
        NestMLP=NestMLP,
        CenteredLayer=CenteredLayer,
        MyLinear=MyLinear,
    )


def _names(net):
    return [n for n, _ in net.named_parameters()]


def test_blocks_structure(torch):
    import torchlet

    ours, theirs = blocks(torchlet), blocks(torch)
    for mk in (
        lambda b, m: b["MLP"](),
        lambda b, m: b["MySequential"](m.nn.Linear(20, 256), m.nn.ReLU(), m.nn.Linear(256, 10)),
        lambda b, m: b["FixedHiddenMLP"](),
        lambda b, m: m.nn.Sequential(b["NestMLP"](), m.nn.Linear(16, 20), b["FixedHiddenMLP"]()),
        lambda b, m: m.nn.Sequential(m.nn.Linear(8, 128), b["CenteredLayer"]()),
        lambda b, m: m.nn.Sequential(b["MyLinear"](64, 8), b["MyLinear"](8, 1)),
    ):
        a, t = mk(ours, torchlet), mk(theirs, torch)
        assert repr(a) == repr(t)
        assert _names(a) == _names(t)
        assert [tuple(p.shape) for p in a.parameters()] == [tuple(p.shape) for p in t.parameters()]
        assert list(a.state_dict()) == list(t.state_dict())


def test_blocks_forward_match(torch):
    import torchlet

    ours, theirs = blocks(torchlet), blocks(torch)
    x = np.random.default_rng(0).uniform(size=(2, 20)).astype("float32")
    a = torchlet.nn.Sequential(ours["NestMLP"](), torchlet.nn.Linear(16, 20), ours["FixedHiddenMLP"]())
    t = torch.nn.Sequential(theirs["NestMLP"](), torch.nn.Linear(16, 20), theirs["FixedHiddenMLP"]())
    a.load_state_dict({k: torchlet.tensor(v.numpy().copy()) for k, v in t.state_dict().items()})
    a[2].rand_weight = torchlet.tensor(t[2].rand_weight.numpy().copy())
    ya, yt = a(torchlet.tensor(x)), t(torch.tensor(x))
    assert ya.shape == () and abs(ya.item()) <= 1
    np.testing.assert_allclose(ya.item(), yt.item(), rtol=1e-4)
    c = ours["CenteredLayer"]()
    assert c(torchlet.tensor([1.0, 2, 3, 4, 5])).tolist() == [-2.0, -1.0, 0.0, 1.0, 2.0]


def test_parameter_tying(torch):
    import torchlet

    nn = torchlet.nn
    shared = nn.Linear(8, 8)
    net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), shared, nn.ReLU(), shared, nn.ReLU(), nn.Linear(8, 1))
    tnn = torch.nn
    tshared = tnn.Linear(8, 8)
    tnet = tnn.Sequential(tnn.Linear(4, 8), tnn.ReLU(), tshared, tnn.ReLU(), tshared, tnn.ReLU(), tnn.Linear(8, 1))
    assert len(list(net.parameters())) == len(list(tnet.parameters())) == 6
    assert list(net.state_dict()) == list(tnet.state_dict())
    net.load_state_dict({k: torchlet.tensor(v.numpy().copy()) for k, v in tnet.state_dict().items()})
    net[2].weight.data[0, 0] = 100
    assert net[4].weight[0, 0].item() == 100
    tnet[2].weight.data[0, 0] = 100
    x = np.random.default_rng(0).uniform(size=(2, 4)).astype("float32")
    net.zero_grad()
    net(torchlet.tensor(x)).sum().backward()
    tnet(torch.tensor(x)).sum().backward()
    assert net[2].weight.grad is net[4].weight.grad
    np.testing.assert_allclose(net[2].weight.grad.numpy(), tnet[2].weight.grad.numpy(), rtol=1e-4, atol=1e-5)


def test_nested_block_names(torch):
    import torchlet

    def rg(m):
        def block1():
            return m.nn.Sequential(m.nn.Linear(4, 8), m.nn.ReLU(), m.nn.Linear(8, 4), m.nn.ReLU())

        def block2():
            net = m.nn.Sequential()
            for i in range(4):
                net.add_module(f"block{i}", block1())
            return net

        return m.nn.Sequential(block2(), m.nn.Linear(4, 1))

    a, t = rg(torchlet), rg(torch)
    assert repr(a) == repr(t) and _names(a) == _names(t)
    assert a[0][1][0].bias.shape == (8,)


@pytest.mark.parametrize("which", ["MLP", "MySequential", "NestMLP", "MyLinear"])
def test_training_reduces_loss(which):
    import torchlet

    b = blocks(torchlet)
    nn = torchlet.nn
    torchlet.manual_seed(0)
    if which == "MLP":
        net, d_in, d_out = b["MLP"](), 20, 10
    elif which == "MySequential":
        net, d_in, d_out = b["MySequential"](nn.Linear(20, 32), nn.ReLU(), nn.Linear(32, 10)), 20, 10
    elif which == "NestMLP":
        net, d_in, d_out = nn.Sequential(b["NestMLP"](), nn.Linear(16, 10)), 20, 10
    else:
        net, d_in, d_out = nn.Sequential(b["MyLinear"](20, 16), nn.Linear(16, 10)), 20, 10
    X = torchlet.randn(64, d_in)
    y = torchlet.randint(0, d_out, (64,))
    loss_fn = nn.CrossEntropyLoss()
    losses = []
    lr = 0.05 if which == "MyLinear" else 0.3
    for _ in range(80):
        loss = loss_fn(net(X), y)
        net.zero_grad()
        loss.backward()
        with torchlet.no_grad():
            for p in net.parameters():
                p -= lr * p.grad
        losses.append(loss.item())
    assert losses[-1] < 0.9 * losses[0] and losses[-1] < min(losses[:5])
