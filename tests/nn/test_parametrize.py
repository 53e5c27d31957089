"""nn.utils.parametrize against torch: the Parametrized<Class> repr, state_dict keys
(parametrizations.weight.original / original0, original1), values and gradients through the
parametrization, right_inverse on registration and assignment, chained parametrizations,
cached(), remove_parametrizations both ways, loading torch's state_dict, and the errors."""

import importlib

import numpy as np
import pytest

import torchlet


def _P(m):
    return importlib.import_module(m.__name__ + ".nn.utils.parametrize")


def _classes(m):
    class Symmetric(m.nn.Module):
        def forward(self, X):
            return X.triu() + X.triu(1).transpose(-1, -2)

        def right_inverse(self, A):
            return A.triu()

    class Scale(m.nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("s", m.tensor(2.0))

        def forward(self, X):
            return X * self.s

        def right_inverse(self, A):
            return A / self.s

    class GV(m.nn.Module):  # weight = g * v / |v| per row, from two originals
        def forward(self, g, v):
            return g * v / v.norm(dim=1, keepdim=True)

        def right_inverse(self, w):
            return w.norm(dim=1, keepdim=True), w

    class NoInverse(m.nn.Module):
        def forward(self, X):
            return X.exp()

    return Symmetric, Scale, GV, NoInverse


X = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)


def _model(m, which):
    m.manual_seed(0)
    lin = m.nn.Linear(4, 4)
    Sym, Scale, GV, NoInv = _classes(m)
    P = _P(m)
    for cls in which:
        P.register_parametrization(lin, "weight", {"sym": Sym, "scale": Scale, "gv": GV, "noinv": NoInv}[cls]())
    return lin


@pytest.mark.parametrize("which", [["sym"], ["sym", "scale"], ["gv"], ["noinv"], ["scale", "sym"]])
def test_forward_backward_state_dict_repr(which, torch):
    lo, lt = _model(torchlet, which), _model(torch, which)
    assert repr(lo) == repr(lt) and type(lo).__name__ == type(lt).__name__
    so, st = lo.state_dict(), lt.state_dict()
    assert list(so) == list(st)
    for k in st:
        np.testing.assert_allclose(so[k].numpy(), st[k].numpy(), rtol=1e-6, atol=1e-7, err_msg=k)
    np.testing.assert_allclose(lo.weight.detach().numpy(), lt.weight.detach().numpy(), rtol=1e-6, atol=1e-7)
    yo, yt = lo(torchlet.tensor(X)), lt(torch.tensor(X))
    np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-6)
    yo.pow(2).sum().backward()
    yt.pow(2).sum().backward()
    go = dict(lo.named_parameters())
    for name, p in lt.named_parameters():
        np.testing.assert_allclose(go[name].grad.numpy(), p.grad.numpy(), rtol=1e-5, atol=1e-5, err_msg=name)
    assert [n for n, _ in lo.named_parameters()] == [n for n, _ in lt.named_parameters()]
    # loading torch's state_dict into torchlet's parametrized module
    fresh = _model(torchlet, which)
    fresh.load_state_dict({k: torchlet.tensor(v.numpy()) for k, v in st.items()})
    np.testing.assert_allclose(fresh.weight.detach().numpy(), lt.weight.detach().numpy(), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("leave", [True, False])
def test_assign_cached_remove(leave, torch):
    out = []
    for m in (torchlet, torch):
        P = _P(m)
        lin = _model(m, ["sym", "scale"])
        orig = lin.parametrizations.weight.original
        A = m.tensor(X[:4] + X[:4].T)
        lin.weight = A  # through right_inverse
        w1 = lin.weight.detach().clone()
        with P.cached():
            a, b = lin.weight, lin.weight
            same = a is b
        c, d = lin.weight, lin.weight
        P.remove_parametrizations(lin, "weight", leave_parametrized=leave)
        out.append(
            (
                w1.numpy(),
                same,
                c is d,
                repr(lin),
                type(lin).__name__,
                lin.weight.detach().numpy(),
                lin.weight is orig,
                P.is_parametrized(lin),
                list(lin.state_dict()),
            )
        )
    (o, t) = out
    np.testing.assert_allclose(o[0], t[0], rtol=1e-6)
    assert o[1:5] == t[1:5] and o[6:] == t[6:]
    np.testing.assert_allclose(o[5], t[5], rtol=1e-6)


def test_train_with_optimizer(torch):
    res = []
    for m in (torchlet, torch):
        lin = _model(m, ["gv"])
        opt = m.optim.SGD(lin.parameters(), lr=0.1)
        for _ in range(3):
            opt.zero_grad()
            lin(m.tensor(X)).pow(2).mean().backward()
            opt.step()
        res.append(lin.weight.detach().numpy())
    np.testing.assert_allclose(res[0], res[1], rtol=1e-5, atol=1e-6)


def test_errors(torch):
    def no_attr(m):
        _P(m).register_parametrization(m.nn.Linear(2, 2), "nope", _classes(m)[0]())

    def shape(m):
        class Bad(m.nn.Module):
            def forward(self, X):
                return X[0]

        _P(m).register_parametrization(m.nn.Linear(2, 2), "weight", Bad())

    def remove_missing(m):
        _P(m).remove_parametrizations(m.nn.Linear(2, 2), "weight")

    def set_no_inverse(m):
        lin = m.nn.Linear(2, 2)
        _P(m).register_parametrization(lin, "weight", _classes(m)[3]())
        lin.weight = m.ones(2, 2)

    def leave_sequence(m):
        lin = m.nn.Linear(2, 2)
        _P(m).register_parametrization(lin, "weight", _classes(m)[2]())
        _P(m).remove_parametrizations(lin, "weight", leave_parametrized=False)

    for make in (no_attr, shape, remove_missing, set_no_inverse, leave_sequence):
        with pytest.raises(Exception) as et:
            make(torch)
        with pytest.raises(Exception) as eo:
            make(torchlet)
        assert type(eo.value) is type(et.value), make.__name__
        assert str(eo.value).replace("torchlet.", "torch.") == str(et.value), make.__name__
