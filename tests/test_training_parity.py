"""End to end: the lessons' models trained in torchlet and in PyTorch from the
same weights on the same batches give the same losses and parameters."""

import numpy as np
import pytest

import torchlet


def lenet(nn):
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2),
        nn.ReLU(),
        nn.MaxPool2d(2, 2),
        nn.Conv2d(6, 16, kernel_size=5),
        nn.ReLU(),
        nn.MaxPool2d(2, 2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120),
        nn.ReLU(),
        nn.Linear(120, 84),
        nn.ReLU(),
        nn.Linear(84, 10),
    )


def lenet_classic_bn(nn):
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2),
        nn.BatchNorm2d(6),
        nn.Sigmoid(),
        nn.AvgPool2d(2, 2),
        nn.Conv2d(6, 16, kernel_size=5),
        nn.BatchNorm2d(16),
        nn.Sigmoid(),
        nn.AvgPool2d(2, 2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120),
        nn.BatchNorm1d(120),
        nn.Sigmoid(),
        nn.Linear(120, 10),
    )


def mlp(nn):
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))


# A conv bias feeding BatchNorm has an exactly-zero gradient; Adam would turn both
# libraries' rounding noise there into full-size random steps, so BN trains with SGD.
CASES = [
    ("lenet-sgd", lenet, lambda o, ps: o.SGD(ps, lr=0.05, momentum=0.9, weight_decay=1e-4)),
    ("lenet-adam", lenet, lambda o, ps: o.Adam(ps, lr=1e-3)),
    ("classic-bn-sgd", lenet_classic_bn, lambda o, ps: o.SGD(ps, lr=0.1, momentum=0.9)),
    ("mlp-adamw", mlp, lambda o, ps: o.AdamW(ps, lr=1e-3)),
]


@pytest.mark.parametrize("name,make,opt", CASES, ids=[c[0] for c in CASES])
def test_training_matches_torch(name, make, opt, torch):
    rng = np.random.default_rng(0)
    batches = [(rng.standard_normal((16, 1, 28, 28)).astype(np.float32), rng.integers(0, 10, 16)) for _ in range(12)]
    theirs = make(torch.nn)
    ours = make(torchlet.nn)
    ours.load_state_dict({k: torchlet.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    opt_t, opt_o = opt(torch.optim, theirs.parameters()), opt(torchlet.optim, ours.parameters())
    loss_t, loss_o = torch.nn.CrossEntropyLoss(), torchlet.nn.CrossEntropyLoss()
    for step, (x, y) in enumerate(batches):
        lt = loss_t(theirs(torch.from_numpy(x)), torch.from_numpy(y))
        lo = loss_o(ours(torchlet.from_numpy(x)), torchlet.from_numpy(y))
        opt_t.zero_grad()
        opt_o.zero_grad()
        lt.backward()
        lo.backward()
        opt_t.step()
        opt_o.step()
        assert lo.item() == pytest.approx(lt.item(), rel=2e-4, abs=1e-5), f"step {step}"
    sd_t = theirs.state_dict()
    for k, v in ours.state_dict().items():
        np.testing.assert_allclose(v.numpy(), sd_t[k].numpy(), rtol=2e-3, atol=2e-4, err_msg=k)
    ours.eval()
    theirs.eval()
    x = torch.from_numpy(batches[0][0])
    np.testing.assert_allclose(
        ours(torchlet.from_numpy(batches[0][0])).detach().numpy(), theirs(x).detach().numpy(), rtol=2e-3, atol=2e-4
    )
