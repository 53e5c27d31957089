"""optim.swa_utils against torch.optim.swa_utils: AveragedModel (default SWA, avg_fn,
multi_avg_fn EMA, use_buffers) parameter/buffer values and state_dict keys, SWALR's lr
sequence (cos/linear, anneal_epochs 0, per-group swa_lr) and its state_dict, update_bn's
running statistics, and the errors."""

import numpy as np
import pytest

import torchlet


def _net(lib):
    lib.manual_seed(0)
    return lib.nn.Sequential(lib.nn.Linear(4, 6), lib.nn.BatchNorm1d(6), lib.nn.ReLU(), lib.nn.Linear(6, 2)).double()


def _copy(om, tm):
    om.load_state_dict({k: torchlet.tensor(v.numpy()) for k, v in tm.state_dict().items()})


def _same(om, tm, rtol=1e-10):
    so, st = om.state_dict(), tm.state_dict()
    assert list(so) == list(st)
    for k in st:
        np.testing.assert_allclose(so[k].numpy(), st[k].numpy(), rtol=rtol, atol=1e-12, err_msg=k)
        assert str(so[k].dtype).split(".")[-1] == str(st[k].dtype).split(".")[-1]


@pytest.mark.parametrize("variant", ["swa", "avg_fn", "ema_multi", "ema_buffers", "swa_avg_fn"])
def test_averaged_model(variant, torch):
    def make(lib, model):
        su = lib.optim.swa_utils
        if variant == "swa":
            return su.AveragedModel(model)
        if variant == "avg_fn":
            return su.AveragedModel(model, avg_fn=lambda a, p, n: 0.7 * a + 0.3 * p)
        if variant == "swa_avg_fn":
            return su.AveragedModel(model, avg_fn=su.get_swa_avg_fn())
        if variant == "ema_multi":
            return su.AveragedModel(model, multi_avg_fn=su.get_ema_multi_avg_fn(0.9))
        return su.AveragedModel(model, multi_avg_fn=su.get_ema_multi_avg_fn(0.9), use_buffers=True)

    tm = _net(torch)
    om = _net(torchlet)
    _copy(om, tm)
    ta, oa = make(torch, tm), make(torchlet, om)
    rng = np.random.default_rng(0)
    for _ in range(4):
        x = rng.standard_normal((8, 4))
        for m, a, lib in ((tm, ta, torch), (om, oa, torchlet)):
            opt = lib.optim.SGD(m.parameters(), lr=0.1)
            m(lib.tensor(x)).pow(2).sum().backward()
            opt.step()
            a.update_parameters(m)
    _same(oa, ta)
    assert int(oa.n_averaged) == int(ta.n_averaged) == 4
    x = rng.standard_normal((3, 4))
    oa.eval()
    ta.eval()
    np.testing.assert_allclose(
        oa(torchlet.tensor(x)).detach().numpy(), ta(torch.tensor(x)).detach().numpy(), rtol=1e-10, atol=1e-12
    )


def test_update_bn(torch):
    tm, om = _net(torch), _net(torchlet)
    _copy(om, tm)
    data = [np.random.default_rng(i).standard_normal((5, 4)) for i in range(3)]
    torch.optim.swa_utils.update_bn([(torch.tensor(d), 0) for d in data], tm)
    torchlet.optim.swa_utils.update_bn([(torchlet.tensor(d), 0) for d in data], om)
    _same(om, tm)
    assert om[1].momentum == 0.1 and om.training == tm.training


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(swa_lr=0.05),
        dict(swa_lr=0.05, anneal_epochs=3, anneal_strategy="linear"),
        dict(swa_lr=[0.01, 0.2], anneal_epochs=0),
        dict(swa_lr=0.5, anneal_epochs=4),
    ],
)
def test_swalr(kwargs, torch):
    def run(lib):
        w, b = lib.zeros(2, requires_grad=True), lib.zeros(1, requires_grad=True)
        opt = lib.optim.SGD([{"params": [w]}, {"params": [b], "lr": 0.3}], lr=1.0)
        sched = lib.optim.swa_utils.SWALR(opt, **kwargs)
        lrs = []
        for _ in range(8):
            opt.step()
            sched.step()
            lrs.append(sched.get_last_lr())
        return lrs, sched.state_dict()

    (lo, so), (lt, st) = run(torchlet), run(torch)
    np.testing.assert_allclose(np.array(lo), np.array(lt), rtol=1e-12)
    # `_get_lr_called_within_step` is a flag of PyTorch's base LRScheduler that torchlet's lacks
    assert sorted(so) == sorted(k for k in st if k != "_get_lr_called_within_step")
    for k in so:
        if k not in ("_last_lr", "base_lrs"):
            assert so[k] == st[k], k


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.optim.swa_utils.SWALR(
            lib.optim.SGD([lib.zeros(1, requires_grad=True)], lr=1), swa_lr=0.1, anneal_strategy="exp"
        ),
        lambda lib: lib.optim.swa_utils.SWALR(
            lib.optim.SGD([lib.zeros(1, requires_grad=True)], lr=1), swa_lr=0.1, anneal_epochs=-1
        ),
        lambda lib: lib.optim.swa_utils.SWALR(
            lib.optim.SGD([lib.zeros(1, requires_grad=True)], lr=1), swa_lr=[0.1, 0.2]
        ),
        lambda lib: lib.optim.swa_utils.get_ema_multi_avg_fn(1.5),
        lambda lib: lib.optim.swa_utils.AveragedModel(
            lib.nn.Linear(1, 1), avg_fn=lambda *a: 0, multi_avg_fn=lambda *a: 0
        ),
    ],
)
def test_errors(make, torch):
    with pytest.raises(Exception) as et:
        make(torch)
    with pytest.raises(Exception) as eo:
        make(torchlet)
    assert type(eo.value) is type(et.value) and str(eo.value) == str(et.value)
