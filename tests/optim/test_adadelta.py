"""Adadelta step for step against torch.optim.Adadelta (float64 and float32), its
state_dict keys, a resume from a saved state_dict, its repr and its errors."""

import copy

import numpy as np
import pytest

import torchlet
from tests.optim.test_optimizers import _setup, _step

CONFIGS = [
    dict(),
    dict(lr=0.5),
    dict(lr=0.5, rho=0.8, eps=1e-4, weight_decay=0.1),
    dict(lr=0.3, maximize=True),
    dict(lr=1.0, weight_decay=0.01, foreach=True),
    dict(lr=1.0, foreach=False, differentiable=False),
]


@pytest.mark.parametrize("kwargs", CONFIGS)
def test_trajectory_and_resume(kwargs, torch):
    ours, theirs, opt_o, opt_t, grads = _setup(torch, "Adadelta", kwargs)
    for gs in grads[:10]:
        _step(ours, opt_o, torchlet, gs)
        _step(theirs, opt_t, torch, gs)
    for po, pt in zip(ours, theirs):
        np.testing.assert_allclose(po.detach().numpy(), pt.detach().numpy(), rtol=1e-10, atol=1e-12)
    sd_o, sd_t = opt_o.state_dict(), opt_t.state_dict()
    assert sd_o["param_groups"] == sd_t["param_groups"]
    assert [list(v) for v in sd_o["state"].values()] == [list(v) for v in sd_t["state"].values()]
    for k in sd_t["state"]:
        for name, v in sd_t["state"][k].items():
            np.testing.assert_allclose(sd_o["state"][k][name].numpy(), v.numpy(), rtol=1e-10)
            assert str(sd_o["state"][k][name].dtype) == str(v.dtype).replace("torch", "torchlet")
    # a state_dict written by PyTorch loads into torchlet's optimizer and continues identically
    resumed = [p.detach().clone().requires_grad_(True) for p in ours]
    fresh = torchlet.optim.Adadelta(resumed, **kwargs)
    sd_from_torch = {
        "state": {k: {n: torchlet.tensor(v.numpy()) for n, v in s.items()} for k, s in sd_t["state"].items()},
        "param_groups": copy.deepcopy(sd_t["param_groups"]),
    }
    fresh.load_state_dict(sd_from_torch)
    for gs in grads[10:]:
        _step(resumed, fresh, torchlet, gs)
        _step(theirs, opt_t, torch, gs)
    for pr, pt in zip(resumed, theirs):
        np.testing.assert_allclose(pr.detach().numpy(), pt.detach().numpy(), rtol=1e-9, atol=1e-12)


def test_float32_model_and_repr(torch):
    torch.manual_seed(0)
    tm = torch.nn.Linear(4, 3)
    om = torchlet.nn.Linear(4, 3)
    om.load_state_dict({k: torchlet.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    to, oo = torch.optim.Adadelta(tm.parameters(), lr=0.7), torchlet.optim.Adadelta(om.parameters(), lr=0.7)
    assert repr(oo) == repr(to)
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    for _ in range(5):
        for m, opt, lib in ((tm, to, torch), (om, oo, torchlet)):
            opt.zero_grad()
            m(lib.tensor(x)).pow(2).sum().backward()
            opt.step()
    np.testing.assert_allclose(om.weight.detach().numpy(), tm.weight.detach().numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kwargs", [dict(lr=-1.0), dict(rho=1.5), dict(eps=-1.0), dict(weight_decay=-0.1)])
def test_errors(kwargs, torch):
    from tests.oracle import check_error

    eo, et = check_error(lambda m: m.optim.Adadelta([m.ones(2, requires_grad=True)], **kwargs))
    assert str(eo) == str(et)
