"""Optimizers step for step against PyTorch: same float64 parameters, same
gradient sequence, parameters compared after every step."""

import copy

import numpy as np
import pytest

import torchlet

CONFIGS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.3, weight_decay=0.01)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1, amsgrad=True)),
    ("Adam", dict(lr=0.01, maximize=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, momentum=0.5, centered=True, weight_decay=0.1)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.1, initial_accumulator_value=0.5)),
]


def _setup(torch, name, kwargs, seed=0):
    rng = np.random.default_rng(seed)
    init = [rng.standard_normal((3, 4)), rng.standard_normal(4)]
    grads = [[rng.standard_normal(a.shape) for a in init] for _ in range(25)]
    ours = [torchlet.tensor(a, requires_grad=True) for a in init]
    theirs = [torch.tensor(a, requires_grad=True) for a in init]
    opt_o = getattr(torchlet.optim, name)(ours, **kwargs)
    opt_t = getattr(torch.optim, name)(theirs, **kwargs)
    return ours, theirs, opt_o, opt_t, grads


def _step(params, opt, lib, gs):
    for p, g in zip(params, gs):
        p.grad = lib.tensor(g)
    opt.step()


@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CONFIGS)])
def test_trajectory(name, kwargs, torch):
    ours, theirs, opt_o, opt_t, grads = _setup(torch, name, kwargs)
    for step, gs in enumerate(grads):
        _step(ours, opt_o, torchlet, gs)
        _step(theirs, opt_t, torch, gs)
        for po, pt in zip(ours, theirs):
            np.testing.assert_allclose(
                po.detach().numpy(), pt.detach().numpy(), rtol=1e-7, atol=1e-12, err_msg=f"{name} step {step}"
            )


@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CONFIGS)])
def test_state_dict_resume(name, kwargs, torch):
    """Stop after 10 steps, save, load into a fresh optimizer, continue: identical."""
    ours, theirs, opt_o, opt_t, grads = _setup(torch, name, kwargs)
    for gs in grads[:10]:
        _step(ours, opt_o, torchlet, gs)
        _step(theirs, opt_t, torch, gs)
    sd_o, sd_t = opt_o.state_dict(), opt_t.state_dict()
    assert sd_o["param_groups"] == sd_t["param_groups"] or _groups_equal(sd_o, sd_t)
    assert sorted(sd_o["state"]) == sorted(sd_t["state"])
    for k in sd_t["state"]:
        assert sorted(sd_o["state"][k]) == sorted(sd_t["state"][k])
    resumed = [p.detach().clone().requires_grad_(True) for p in ours]
    fresh = getattr(torchlet.optim, name)(resumed, **kwargs)
    fresh.load_state_dict(copy.deepcopy(sd_o))
    for gs in grads[10:]:
        _step(ours, opt_o, torchlet, gs)
        _step(resumed, fresh, torchlet, gs)
        _step(theirs, opt_t, torch, gs)
    for po, pr, pt in zip(ours, resumed, theirs):
        np.testing.assert_array_equal(po.detach().numpy(), pr.detach().numpy())
        np.testing.assert_allclose(pr.detach().numpy(), pt.detach().numpy(), rtol=1e-7, atol=1e-12)


def _groups_equal(a, b):
    ga, gb = a["param_groups"], b["param_groups"]
    return all({k: v for k, v in x.items()} == {k: v for k, v in y.items()} for x, y in zip(ga, gb))


def test_param_groups_with_own_options(torch):
    rng = np.random.default_rng(1)
    w0, b0 = rng.standard_normal((2, 3)), rng.standard_normal(2)
    w, b = torchlet.tensor(w0, requires_grad=True), torchlet.tensor(b0, requires_grad=True)
    tw, tb = torch.tensor(w0, requires_grad=True), torch.tensor(b0, requires_grad=True)
    opt = torchlet.optim.SGD([{"params": w, "weight_decay": 0.5}, {"params": b}], lr=0.1, momentum=0.9)
    topt = torch.optim.SGD([{"params": tw, "weight_decay": 0.5}, {"params": tb}], lr=0.1, momentum=0.9)
    assert repr(opt) == repr(topt)
    for _ in range(5):
        gw, gb = rng.standard_normal((2, 3)), rng.standard_normal(2)
        w.grad, b.grad = torchlet.tensor(gw), torchlet.tensor(gb)
        tw.grad, tb.grad = torch.tensor(gw), torch.tensor(gb)
        opt.step()
        topt.step()
    np.testing.assert_allclose(w.detach().numpy(), tw.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(b.detach().numpy(), tb.detach().numpy(), rtol=1e-10)
    assert opt.param_groups[0]["weight_decay"] == 0.5 and opt.param_groups[1]["weight_decay"] == 0


def test_zero_grad(torch):
    p = torchlet.ones(3, requires_grad=True)
    p.grad = torchlet.ones(3)
    opt = torchlet.optim.SGD([p], lr=0.1)
    opt.zero_grad(set_to_none=False)
    assert p.grad is not None and not p.grad.numpy().any()
    opt.zero_grad()
    assert p.grad is None


def test_add_param_group(torch):
    a, b = torchlet.ones(2, requires_grad=True), torchlet.ones(2, requires_grad=True)
    opt = torchlet.optim.Adam([a], lr=0.1)
    opt.add_param_group({"params": [b], "lr": 0.5})
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert opt.param_groups[1]["betas"] == (0.9, 0.999)


@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.optim.SGD([m.ones(2, requires_grad=True)], lr=-0.1),
        lambda m: m.optim.Adam([m.ones(2, requires_grad=True)], lr=-1),
        lambda m: m.optim.SGD([], lr=0.1),
        lambda m: m.optim.SGD(m.ones(2, requires_grad=True), lr=0.1),
        lambda m: m.optim.SGD([m.ones(2, requires_grad=True) * 2], lr=0.1),
        lambda m: m.optim.Adam([m.ones(2, requires_grad=True)], betas=(1.0, 0.9)),
        lambda m: m.optim.SGD([m.ones(2, requires_grad=True)], lr=0.1, nesterov=True),
    ],
)
def test_errors(make, torch):
    from tests.oracle import check_error

    check_error(make)


def test_same_param_in_two_groups(torch):
    from tests.oracle import check_error

    def make(m):
        p = m.ones(2, requires_grad=True)
        return m.optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1)

    eo, et = check_error(make)
    assert str(eo) == str(et)


def _rosenbrock(xy):
    x, y = xy[0], xy[1]
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


# lr=1 without a line search is unstable on Rosenbrock (the loss jumps up), which turns
# last-bit differences into different paths; 0.1 keeps that case well conditioned.
@pytest.mark.parametrize(
    "kwargs",
    [
        dict(lr=0.1, max_iter=20),
        dict(lr=1, max_iter=20, line_search_fn="strong_wolfe"),
        dict(lr=0.5, max_iter=5, history_size=3),
    ],
)
def test_lbfgs_rosenbrock_path(kwargs, torch):
    ours = torchlet.tensor([-1.5, 2.0], dtype=torchlet.float64, requires_grad=True)
    theirs = torch.tensor([-1.5, 2.0], dtype=torch.float64, requires_grad=True)
    opt_o = torchlet.optim.LBFGS([ours], **kwargs)
    opt_t = torch.optim.LBFGS([theirs], **kwargs)

    def closure_for(p, opt):
        def closure():
            opt.zero_grad()
            loss = _rosenbrock(p)
            loss.backward()
            return loss

        return closure

    for i in range(6):
        lo = opt_o.step(closure_for(ours, opt_o))
        lt = opt_t.step(closure_for(theirs, opt_t))
        np.testing.assert_allclose(lo.item(), lt.item(), rtol=1e-7, atol=1e-12, err_msg=f"step {i}")
        np.testing.assert_allclose(
            ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-7, atol=1e-10, err_msg=f"step {i}"
        )
    assert opt_o.state[ours]["func_evals"] == opt_t.state[theirs]["func_evals"]
