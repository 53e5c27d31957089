"""nn.init: statistics vs the target distributions, gains and fans vs torch, errors."""

import math

import numpy as np
import pytest

from tests.oracle import check_error


@pytest.mark.parametrize(
    "nl,param",
    [
        ("linear", None),
        ("conv2d", None),
        ("sigmoid", None),
        ("tanh", None),
        ("relu", None),
        ("leaky_relu", None),
        ("leaky_relu", 0.2),
        ("leaky_relu", 3),
        ("selu", None),
        ("conv_transpose3d", None),
    ],
)
def test_calculate_gain(nl, param, torch):
    import torchlet

    assert torchlet.nn.init.calculate_gain(nl, param) == torch.nn.init.calculate_gain(nl, param)


@pytest.mark.parametrize("nl,param", [("gelu", None), ("leaky_relu", True), ("leaky_relu", "x")])
def test_calculate_gain_errors(nl, param, torch):
    check_error(lambda m: m.nn.init.calculate_gain(nl, param))


@pytest.mark.parametrize("shape", [(3, 4), (8, 3, 5, 5), (2, 6, 7)])
def test_fans(shape, torch):
    import torchlet

    assert torchlet.nn.init._calculate_fan_in_and_fan_out(
        torchlet.empty(shape)
    ) == torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    check_error(lambda m: m.nn.init._calculate_fan_in_and_fan_out(m.empty(3)))


def _stats(t):
    a = t.detach().numpy().astype(np.float64)
    return a, a.mean(), a.std()


def test_uniform_normal_constant(torch):
    import torchlet

    init = torchlet.nn.init
    w = torchlet.empty(300, 300, requires_grad=True)
    assert init.uniform_(w, -2, 3) is w and w.requires_grad and w.grad_fn is None
    a, mean, std = _stats(w)
    assert a.min() >= -2 and a.max() < 3 and abs(mean - 0.5) < 0.05 and abs(std - 5 / math.sqrt(12)) < 0.02
    init.normal_(w, 1.0, 0.5)
    a, mean, std = _stats(w)
    assert abs(mean - 1) < 0.01 and abs(std - 0.5) < 0.01
    assert (init.constant_(w, 0.3).detach().numpy() == np.float32(0.3)).all()
    assert (init.zeros_(w) == 0).all() and (init.ones_(w) == 1).all()
    e = init.eye_(torchlet.empty(3, 5))
    assert e.tolist() == torch.nn.init.eye_(torch.empty(3, 5)).tolist()
    d = init.dirac_(torchlet.empty(4, 2, 3, 3), groups=2)
    assert d.tolist() == torch.nn.init.dirac_(torch.empty(4, 2, 3, 3), groups=2).tolist()
    check_error(lambda m: m.nn.init.eye_(m.empty(3)))
    check_error(lambda m: m.nn.init.dirac_(m.empty(3, 3)))


@pytest.mark.parametrize("shape", [(200, 300), (64, 32, 3, 3)])
def test_xavier_kaiming(shape, torch):
    import torchlet

    init = torchlet.nn.init
    w = torchlet.empty(shape)
    fan_in, fan_out = init._calculate_fan_in_and_fan_out(w)
    std = 2.0 * math.sqrt(2.0 / (fan_in + fan_out))
    a, _, s = _stats(init.xavier_uniform_(w, gain=2.0))
    assert np.abs(a).max() <= math.sqrt(3) * std + 1e-6 and abs(s - std) < 0.03 * std
    _, _, s = _stats(init.xavier_normal_(w, gain=2.0))
    assert abs(s - std) < 0.03 * std
    for mode, fan in (("fan_in", fan_in), ("fan_out", fan_out)):
        for nl, p in (("relu", 0), ("leaky_relu", 0.1), ("tanh", 0)):
            gain = torch.nn.init.calculate_gain(nl, p if nl == "leaky_relu" else None)
            target = gain / math.sqrt(fan)
            a, _, s = _stats(init.kaiming_uniform_(w, a=p, mode=mode, nonlinearity=nl))
            assert np.abs(a).max() <= math.sqrt(3) * target + 1e-6 and abs(s - target) < 0.03 * target
            _, _, s = _stats(init.kaiming_normal_(w, a=p, mode=mode, nonlinearity=nl))
            assert abs(s - target) < 0.03 * target
    check_error(lambda m: m.nn.init.kaiming_uniform_(m.empty(3, 4), mode="fan_x"))


def test_trunc_normal_and_orthogonal(torch):
    import torchlet

    init = torchlet.nn.init
    w = init.trunc_normal_(torchlet.empty(300, 300), mean=0.5, std=1.0, a=-0.5, b=1.0)
    a, mean, std = _stats(w)
    ref = torch.nn.init.trunc_normal_(torch.empty(300, 300), mean=0.5, std=1.0, a=-0.5, b=1.0).numpy()
    assert a.min() >= -0.5 and a.max() <= 1.0
    assert abs(mean - ref.mean()) < 0.01 and abs(std - ref.std()) < 0.01
    for shape in ((5, 8), (8, 5), (6, 2, 2)):
        q = init.orthogonal_(torchlet.empty(shape), gain=2.0).detach().numpy().reshape(shape[0], -1)
        small = q @ q.T if q.shape[0] <= q.shape[1] else q.T @ q
        np.testing.assert_allclose(small, 4 * np.eye(small.shape[0]), atol=1e-5)
    check_error(lambda m: m.nn.init.orthogonal_(m.empty(3)))


def test_init_uses_torchlet_seed():
    import torchlet

    torchlet.manual_seed(7)
    a = torchlet.nn.Linear(4, 4).weight.detach().numpy().copy()
    torchlet.manual_seed(7)
    b = torchlet.nn.Linear(4, 4).weight.detach().numpy().copy()
    np.testing.assert_array_equal(a, b)


def test_zero_element_warns():
    import torchlet

    with pytest.warns(UserWarning, match="no-op"):
        torchlet.nn.init.kaiming_uniform_(torchlet.empty(0, 3))
