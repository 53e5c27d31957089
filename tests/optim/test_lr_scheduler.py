"""Every scheduler's learning-rate sequence over 60 epochs equals PyTorch's."""

import warnings

import numpy as np
import pytest

import torchlet

SCHEDULERS = [
    ("StepLR", dict(step_size=7, gamma=0.5)),
    ("MultiStepLR", dict(milestones=[5, 20, 20, 40], gamma=0.3)),
    ("ExponentialLR", dict(gamma=0.95)),
    ("CosineAnnealingLR", dict(T_max=15, eta_min=0.001)),
    ("LambdaLR", dict(lr_lambda=lambda e: 1.0 / (1 + e))),
    ("LinearLR", dict(start_factor=0.25, end_factor=0.9, total_iters=12)),
    ("ConstantLR", dict(factor=0.5, total_iters=4)),
    ("OneCycleLR", dict(max_lr=0.5, total_steps=61)),
    ("OneCycleLR", dict(max_lr=[0.5, 0.2], epochs=61, steps_per_epoch=1, anneal_strategy="linear", three_phase=True)),
    ("PolynomialLR", dict(total_iters=30, power=2.0)),
]


def _optimizers(torch, opt_name="SGD"):
    kw = dict(lr=0.1, momentum=0.9) if opt_name == "SGD" else dict(lr=0.1)
    po = [torchlet.zeros(2, requires_grad=True), torchlet.zeros(2, requires_grad=True)]
    pt = [torch.zeros(2, requires_grad=True), torch.zeros(2, requires_grad=True)]
    oo = getattr(torchlet.optim, opt_name)([{"params": [po[0]]}, {"params": [po[1]], "lr": 0.05}], **kw)
    ot = getattr(torch.optim, opt_name)([{"params": [pt[0]]}, {"params": [pt[1]], "lr": 0.05}], **kw)
    return oo, ot


@pytest.mark.parametrize("name,kwargs", SCHEDULERS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(SCHEDULERS)])
@pytest.mark.parametrize("opt_name", ["SGD", "Adam"])
def test_lr_sequence(name, kwargs, opt_name, torch):
    oo, ot = _optimizers(torch, opt_name)
    so = getattr(torchlet.optim.lr_scheduler, name)(oo, **kwargs)
    st = getattr(torch.optim.lr_scheduler, name)(ot, **kwargs)
    assert so.get_last_lr() == pytest.approx(st.get_last_lr(), rel=1e-12)
    for epoch in range(60):
        oo.step()
        ot.step()
        so.step()
        st.step()
        np.testing.assert_allclose(so.get_last_lr(), st.get_last_lr(), rtol=1e-12, err_msg=f"epoch {epoch}")
        assert [g["lr"] for g in oo.param_groups] == pytest.approx([g["lr"] for g in ot.param_groups], rel=1e-12)
        if "momentum" in ot.param_groups[0]:
            assert oo.param_groups[0]["momentum"] == pytest.approx(ot.param_groups[0]["momentum"], rel=1e-12)
        if "betas" in ot.param_groups[0]:
            assert oo.param_groups[0]["betas"][0] == pytest.approx(ot.param_groups[0]["betas"][0], rel=1e-12)
    assert so.last_epoch == st.last_epoch


def test_sequential_lr(torch):
    oo, ot = _optimizers(torch)
    lib_pairs = []
    for lib, opt in ((torchlet, oo), (torch, ot)):
        s = lib.optim.lr_scheduler
        warm = s.LinearLR(opt, start_factor=0.1, total_iters=5)
        cos = s.CosineAnnealingLR(opt, T_max=20)
        lib_pairs.append(s.SequentialLR(opt, [warm, cos], milestones=[5]))
    so, st = lib_pairs
    for epoch in range(60):
        oo.step()
        ot.step()
        so.step()
        st.step()
        np.testing.assert_allclose(so.get_last_lr(), st.get_last_lr(), rtol=1e-12, err_msg=f"epoch {epoch}")


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(),
        dict(mode="max", factor=0.5, patience=2, cooldown=1),
        dict(threshold_mode="abs", threshold=0.1, patience=0, min_lr=0.01),
    ],
)
def test_reduce_lr_on_plateau(kwargs, torch):
    oo, ot = _optimizers(torch)
    so = torchlet.optim.lr_scheduler.ReduceLROnPlateau(oo, **kwargs)
    st = torch.optim.lr_scheduler.ReduceLROnPlateau(ot, **kwargs)
    rng = np.random.default_rng(0)
    metrics = np.concatenate([np.linspace(1, 0.5, 10), 0.5 + 0.01 * rng.standard_normal(50)])
    for m in metrics:
        so.step(float(m))
        st.step(float(m))
        assert so.get_last_lr() == pytest.approx(st.get_last_lr(), rel=1e-12)
        assert so.num_bad_epochs == st.num_bad_epochs


def test_warning_when_scheduler_steps_first(torch):
    oo, _ = _optimizers(torch)
    s = torchlet.optim.lr_scheduler.StepLR(oo, step_size=1)
    with pytest.warns(UserWarning, match=r"lr_scheduler.step\(\)` before `optimizer.step\(\)"):
        s.step()
    oo2, _ = _optimizers(torch)
    s2 = torchlet.optim.lr_scheduler.StepLR(oo2, step_size=1)
    oo2.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s2.step()


def test_state_dict_round_trip(torch):
    oo, _ = _optimizers(torch)
    s = torchlet.optim.lr_scheduler.CosineAnnealingLR(oo, T_max=10)
    for _ in range(4):
        oo.step()
        s.step()
    sd = s.state_dict()
    assert "optimizer" not in sd and sd["last_epoch"] == 4
    oo2, _ = _optimizers(torch)
    s2 = torchlet.optim.lr_scheduler.CosineAnnealingLR(oo2, T_max=10)
    s2.load_state_dict(sd)
    assert s2.last_epoch == 4 and s2.get_last_lr() == s.get_last_lr()


def test_onecycle_too_many_steps(torch):
    from tests.oracle import check_error

    def run(m):
        opt = m.optim.SGD([m.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
        s = m.optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=3)
        for _ in range(4):
            opt.step()
            s.step()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_error(run)
