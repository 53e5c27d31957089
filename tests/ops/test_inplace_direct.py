"""The direct (ufunc out=) path of in-place arithmetic used by optimizers:
same values as PyTorch, memory and version semantics kept, and the fallback
(graph recording, promotion, broadcasting) still taken where needed."""

import numpy as np
import pytest

import torchlet
from tests.oracle import assert_same, from_torch, to_torch

CASES = {
    "add": lambda t, o: t.add_(o),
    "add_alpha": lambda t, o: t.add_(o, alpha=-0.37),
    "add_scalar": lambda t, o: t.add_(0.5),
    "sub_alpha": lambda t, o: t.sub_(o, alpha=2.5),
    "mul": lambda t, o: t.mul_(o),
    "mul_scalar": lambda t, o: t.mul_(0.9),
    "div": lambda t, o: t.div_(o),
    "div_int": lambda t, o: t.div_(3),
    "iadd": lambda t, o: t.__iadd__(o),
    "lerp_small": lambda t, o: t.lerp_(o, 0.1),
    "lerp_big": lambda t, o: t.lerp_(o, 0.75),
    "addcmul": lambda t, o: t.addcmul_(o, o, value=0.001),
    "addcmul_1": lambda t, o: t.addcmul_(o, t),
    "addcdiv": lambda t, o: t.addcdiv_(o, o.abs() + 1, value=-0.01),
    "addcdiv_1": lambda t, o: t.addcdiv_(o, o.abs() + 1),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", list(CASES))
def test_values_match_torch(torch, name, dtype):
    rng = np.random.default_rng(1)
    a = rng.standard_normal((5, 7)).astype(dtype)
    b = rng.standard_normal((5, 7)).astype(dtype)
    fn = CASES[name]
    for grad_mode in (False, True):  # no_grad (optimizers) and grad mode without requires_grad
        t, o = torchlet.tensor(a), torchlet.tensor(b)
        ptr, version = t.data_ptr(), t._version[0]
        with torchlet.set_grad_enabled(grad_mode):
            res = fn(t, o)
        tt = torch.tensor(a)
        fn(tt, torch.tensor(b))
        assert res is t and t.data_ptr() == ptr and t._version[0] > version
        assert_same(t, tt)


def test_view_writes_into_base(torch):
    base = torchlet.zeros(4, 4)
    row = base[1]
    with torchlet.no_grad():
        row.add_(torchlet.ones(4), alpha=2)
        base.t()[2].mul_(3.0)
    tb = torch.zeros(4, 4)
    tb[1].add_(torch.ones(4), alpha=2)
    tb.t()[2].mul_(3.0)
    assert_same(base, tb)
    assert row._version[0] == base._version[0] == 2


def test_overlapping_operand(torch):
    a = np.arange(10, dtype=np.float32)
    t = torchlet.tensor(a)
    t[1:].add_(t[:-1].clone())
    tt = torch.tensor(a)
    tt[1:].add_(tt[:-1].clone())
    assert_same(t, tt)


def test_fallbacks_keep_semantics(torch):
    # broadcasting operand, promotion, integer tensors and graphs take the general path
    t = torchlet.ones(3, 4)
    t.add_(torchlet.arange(4.0))
    assert_same(t, torch.ones(3, 4).add_(torch.arange(4.0)))
    i = torchlet.arange(6).reshape(2, 3)
    i.mul_(2)
    assert_same(i, torch.arange(6).reshape(2, 3).mul_(2))
    with pytest.raises(RuntimeError):
        torchlet.ones(2).add_(torchlet.ones(2, dtype=torchlet.float64) + 0.5j)
    with pytest.raises(RuntimeError):
        torchlet.ones(2, requires_grad=True).mul_(2.0)
    x = torchlet.ones(3, requires_grad=True)
    y = x * 2
    w = torchlet.full((3,), 3.0, requires_grad=True)
    y.mul_(w)
    y.sum().backward()
    xt = torch.ones(3, requires_grad=True)
    wt = torch.full((3,), 3.0, requires_grad=True)
    yt = xt * 2
    yt.mul_(wt)
    yt.sum().backward()
    assert_same(x.grad, xt.grad)
    assert_same(w.grad, wt.grad)
    assert y.grad_fn.name() == yt.grad_fn.name()


def test_saved_tensor_version_check():
    x = torchlet.ones(3, requires_grad=True)
    y = x.sigmoid()
    with torchlet.no_grad():
        y.add_(1.0)  # direct path must still bump the version the graph checks
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_optimizer_states_match_torch(torch):
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal((6, 5)).astype(np.float32)
    grads = [rng.standard_normal((6, 5)).astype(np.float32) for _ in range(4)]
    for make in (
        lambda m, p: m.optim.SGD([p], lr=0.1, momentum=0.9, nesterov=True),
        lambda m, p: m.optim.Adam([p], lr=0.01),
        lambda m, p: m.optim.AdamW([p], lr=0.01, amsgrad=True),
    ):
        p = torchlet.tensor(w0, requires_grad=True)
        pt = to_torch(p, requires_grad=True)
        opt, opt_t = make(torchlet, p), make(torch, pt)
        for g in grads:
            p.grad, pt.grad = torchlet.tensor(g), torch.tensor(g)
            opt.step()
            opt_t.step()
        assert_same(p.detach(), pt.detach(), rtol=1e-5, atol=1e-6)
        assert from_torch(pt.detach()).shape == p.shape
