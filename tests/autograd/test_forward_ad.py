"""torchlet.autograd.forward_ad against torch.autograd.forward_ad: tangents over a set of ops."""

import numpy as np
import pytest

import torchlet
from oracle import assert_same

R = np.random.default_rng(3)

OPS = [
    ("sin", lambda m, a, b: a.sin()),
    ("exp_mul", lambda m, a, b: a.exp() * b),
    ("div_pow", lambda m, a, b: a / (b.abs() + 1) + a**3),
    ("matmul", lambda m, a, b: a @ b.t()),
    ("tanh_sigmoid", lambda m, a, b: a.tanh() + b.sigmoid()),
    ("relu", lambda m, a, b: m.relu(a) * b),
    ("sum_mean", lambda m, a, b: a.sum(0) + b.mean(1).sum()),
    ("softmax", lambda m, a, b: a.softmax(-1)),
    ("log_softmax", lambda m, a, b: m.nn.functional.log_softmax(a * b, 1)),
    ("linear", lambda m, a, b: m.nn.functional.linear(a, b)),
    ("index_cat", lambda m, a, b: m.cat([a[:, 1:], b[::2, :3]], 0)),
    ("reshape_t", lambda m, a, b: a.reshape(-1).unsqueeze(1) * b.t().reshape(-1)),
    ("norm", lambda m, a, b: a.norm() * b),
]


@pytest.mark.parametrize("op", OPS, ids=[o[0] for o in OPS])
def test_tangents(op, torch):
    name, f = op
    a, b, ta, tb = (R.standard_normal((3, 4)).astype(np.float64) for _ in range(4))
    res = []
    for m in (torchlet, torch):
        fwAD = m.autograd.forward_ad
        with fwAD.dual_level():
            da = fwAD.make_dual(m.tensor(a), m.tensor(ta))
            db = fwAD.make_dual(m.tensor(b), m.tensor(tb))
            out = fwAD.unpack_dual(f(m, da, db))
            res.append(out)
    (po, to), (pt, tt) = res
    assert_same(po.detach(), pt.detach())
    assert_same(to, tt, rtol=1e-10, atol=1e-12)


def test_unpack_dual_fields_and_errors(torch):
    fwAD = torchlet.autograd.forward_ad
    x, t = torchlet.randn(3, dtype=torchlet.float64), torchlet.randn(3, dtype=torchlet.float64)
    with pytest.raises(RuntimeError):
        fwAD.make_dual(x, t)
    with pytest.raises(RuntimeError):
        torch.autograd.forward_ad.make_dual(torch.zeros(3), torch.zeros(3))
    with fwAD.dual_level():
        d = fwAD.make_dual(x, t)
        u = fwAD.unpack_dual(d)
        assert u._fields == ("primal", "tangent") and type(u).__name__ == "UnpackedDualTensor"
        assert u.tangent is t
        assert fwAD.unpack_dual(x * 2).tangent is None  # not computed from a dual
        with pytest.raises(RuntimeError):
            fwAD.make_dual(x, torchlet.zeros(2, dtype=torchlet.float64))
    with torch.autograd.forward_ad.dual_level():
        with pytest.raises(RuntimeError):
            torch.autograd.forward_ad.make_dual(torch.zeros(3), torch.zeros(2))


def test_tutorial_module_parameters_as_duals(torch):
    """The forward-mode AD tutorial: a Linear's parameters replaced by duals."""
    rng = np.random.default_rng(5)
    w, b, x = rng.standard_normal((5, 5)), rng.standard_normal(5), rng.standard_normal((4, 5))
    tw, tb = rng.standard_normal((5, 5)), rng.standard_normal(5)
    res = []
    for m in (torchlet, torch):
        fwAD = m.autograd.forward_ad
        model = m.nn.Linear(5, 5).double()
        with m.no_grad():
            model.weight.copy_(m.tensor(w))
            model.bias.copy_(m.tensor(b))
        params = dict(model.named_parameters())
        tangents = {"weight": m.tensor(tw), "bias": m.tensor(tb)}
        with fwAD.dual_level():
            for name, p in params.items():
                delattr(model, name)
                setattr(model, name, fwAD.make_dual(p, tangents[name]))
            out = model(m.tensor(x))
            jvp = fwAD.unpack_dual(out).tangent
        res.append(jvp)
        assert fwAD.unpack_dual(out).tangent is None  # the level is gone
    assert_same(res[0], res[1], rtol=1e-10, atol=1e-12)


def test_primal_is_detached_when_only_duals_are_tracked(torch):
    fwAD = torchlet.autograd.forward_ad
    with fwAD.dual_level():
        d = fwAD.make_dual(torchlet.ones(2), torchlet.ones(2))
        u = fwAD.unpack_dual(d.exp() * 2)
    assert not u.primal.requires_grad and not u.tangent.requires_grad
    assert_same(u.tangent, torch.ones(2).exp() * 2)
