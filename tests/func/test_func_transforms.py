"""torchlet.func grad/vjp/jvp/jacrev/jacfwd/hessian against torch.func on the same functions."""

import numpy as np
import pytest

import torchlet
from oracle import assert_same

R = np.random.default_rng(1)


def _pair(torch, *shapes):
    arrays = [R.standard_normal(s).astype(np.float32) for s in shapes]
    return [torchlet.tensor(a) for a in arrays], [torch.tensor(a) for a in arrays]


def f1(m):
    return lambda x: (x.sin() * x.exp()).sum()


def f2(m):
    return lambda x, y: (x @ y).tanh().sum() + (x**2).mean()


def fvec(m):
    return lambda x, y: (x.sin() * y, (x * y).sum(-1, keepdim=True))


def test_grad_argnums_and_value(torch):
    (xo, yo), (xt, yt) = _pair(torch, (3, 4), (4, 2))
    assert_same(torchlet.func.grad(f2(torchlet))(xo, yo), torch.func.grad(f2(torch))(xt, yt), rtol=1e-5)
    assert_same(
        torchlet.func.grad(f2(torchlet), argnums=(0, 1))(xo, yo),
        torch.func.grad(f2(torch), argnums=(0, 1))(xt, yt),
        rtol=1e-5,
    )
    assert_same(
        torchlet.func.grad(f2(torchlet), argnums=-1)(xo, yo), torch.func.grad(f2(torch), argnums=-1)(xt, yt), rtol=1e-5
    )
    go, vo = torchlet.func.grad_and_value(f2(torchlet), argnums=1)(xo, yo)
    gt, vt = torch.func.grad_and_value(f2(torch), argnums=1)(xt, yt)
    assert_same(go, gt, rtol=1e-5)
    assert_same(vo, vt, rtol=1e-6)
    assert not go.requires_grad and not vo.requires_grad


def test_grad_has_aux_and_pytree_args(torch):
    (xo, yo), (xt, yt) = _pair(torch, (3,), (3,))

    def f(m):
        def fn(d):
            loss = (d["a"] * d["b"].cos()).sum()
            return loss, {"aux": d["a"] * 2}

        return fn

    ro = torchlet.func.grad(f(torchlet), has_aux=True)({"a": xo, "b": yo})
    rt = torch.func.grad(f(torch), has_aux=True)({"a": xt, "b": yt})
    assert_same(ro[0]["a"], rt[0]["a"])
    assert_same(ro[0]["b"], rt[0]["b"])
    assert_same(ro[1]["aux"], rt[1]["aux"])


def test_grad_of_grad_and_unused_input(torch):
    (xo,), (xt,) = _pair(torch, ())
    g2o = torchlet.func.grad(torchlet.func.grad(lambda x: x.sin() * x**3))(xo)
    g2t = torch.func.grad(torch.func.grad(lambda x: x.sin() * x**3))(xt)
    assert_same(g2o, g2t, rtol=1e-5)
    (xo, yo), (xt, yt) = _pair(torch, (3,), (3,))
    assert_same(
        torchlet.func.grad(lambda x, y: x.sum(), argnums=1)(xo, yo),
        torch.func.grad(lambda x, y: x.sum(), argnums=1)(xt, yt),
    )


def test_grad_keeps_the_callers_graph(torch):
    (xo,), (xt,) = _pair(torch, (4,))
    xo.requires_grad_(), xt.requires_grad_()
    torchlet.func.grad(f1(torchlet))(xo).sum().backward()
    torch.func.grad(f1(torch))(xt).sum().backward()
    assert_same(xo.grad, xt.grad, rtol=1e-5)


def test_vjp(torch):
    (xo, yo), (xt, yt) = _pair(torch, (2, 3), (2, 3))
    outo, fno = torchlet.func.vjp(fvec(torchlet), xo, yo)
    outt, fnt = torch.func.vjp(fvec(torch), xt, yt)
    assert_same(outo, outt)
    cts = [R.standard_normal(tuple(o.shape)).astype(np.float32) for o in outt]
    assert_same(fno(tuple(torchlet.tensor(c) for c in cts)), fnt(tuple(torch.tensor(c) for c in cts)), rtol=1e-5)
    o, fn, aux = torchlet.func.vjp(lambda x: (x.exp(), x.sum()), xo, has_aux=True)
    ot, fnt, auxt = torch.func.vjp(lambda x: (x.exp(), x.sum()), xt, has_aux=True)
    assert_same(aux, auxt)
    assert_same(fn(torchlet.ones(2, 3)), fnt(torch.ones(2, 3)))


def test_jvp(torch):
    (xo, yo, to, uo), (xt, yt, tt, ut) = _pair(torch, (2, 3), (2, 3), (2, 3), (2, 3))
    assert_same(
        torchlet.func.jvp(fvec(torchlet), (xo, yo), (to, uo)),
        torch.func.jvp(fvec(torch), (xt, yt), (tt, ut)),
        rtol=1e-5,
        atol=1e-6,
    )
    # an output that does not depend on the input: a zero tangent
    assert_same(
        torchlet.func.jvp(lambda x: torchlet.ones(2), (xo,), (to,)),
        torch.func.jvp(lambda x: torch.ones(2), (xt,), (tt,)),
    )


@pytest.mark.parametrize("kind", ["jacrev", "jacfwd"])
def test_jacobians(kind, torch):
    (xo, yo), (xt, yt) = _pair(torch, (2, 3), (2, 3))
    jo, jt = getattr(torchlet.func, kind), getattr(torch.func, kind)
    assert_same(jo(lambda x: x.sin() * x.sum())(xo), jt(lambda x: x.sin() * x.sum())(xt), rtol=1e-5, atol=1e-6)
    assert_same(
        jo(fvec(torchlet), argnums=(0, 1))(xo, yo), jt(fvec(torch), argnums=(0, 1))(xt, yt), rtol=1e-5, atol=1e-6
    )
    (wo, bo, vo), (wt, bt, vt) = _pair(torch, (4, 3), (4,), (3,))
    lin_o = lambda w, b, v: torchlet.nn.functional.linear(v, w, b).tanh()
    lin_t = lambda w, b, v: torch.nn.functional.linear(v, w, b).tanh()
    assert_same(jo(lin_o, argnums=2)(wo, bo, vo), jt(lin_t, argnums=2)(wt, bt, vt), rtol=1e-5, atol=1e-6)
    assert_same(jo(lin_o, argnums=(0, 1))(wo, bo, vo), jt(lin_t, argnums=(0, 1))(wt, bt, vt), rtol=1e-5, atol=1e-6)


def test_hessian(torch):
    (xo,), (xt,) = _pair(torch, (4,))
    assert_same(torchlet.func.hessian(f1(torchlet))(xo), torch.func.hessian(f1(torch))(xt), rtol=1e-4, atol=1e-5)
    (ao, bo), (at, bt) = _pair(torch, (2, 2), (2,))
    fo = lambda a, b: ((a @ b).sin() * b).sum()
    assert_same(
        torchlet.func.hessian(fo, argnums=(0, 1))(ao, bo),
        torch.func.hessian(fo, argnums=(0, 1))(at, bt),
        rtol=1e-4,
        atol=1e-5,
    )


def test_jacrev_of_vmap_and_vmap_of_jacrev(torch):
    (xo,), (xt,) = _pair(torch, (5, 3))
    assert_same(
        torchlet.func.vmap(torchlet.func.jacrev(lambda v: v.sin() * v.norm()))(xo),
        torch.func.vmap(torch.func.jacrev(lambda v: v.sin() * v.norm()))(xt),
        rtol=1e-5,
        atol=1e-6,
    )
    assert_same(
        torchlet.func.vmap(torchlet.func.hessian(lambda v: v.sin().sum()))(xo),
        torch.func.vmap(torch.func.hessian(lambda v: v.sin().sum()))(xt),
        rtol=1e-5,
        atol=1e-6,
    )


ERRORS = [
    ("not_scalar", lambda f: f.grad(lambda a: a * 2), ((3,),)),
    ("argnum_range", lambda f: f.grad(lambda a: a.sum(), argnums=2), ((3,),)),
    ("argnum_type", lambda f: f.grad(lambda a: a.sum(), argnums=1.0), ((3,),)),
    ("argnum_empty", lambda f: f.grad(lambda a: a.sum(), argnums=()), ((3,),)),
    ("has_aux_not_tuple", lambda f: f.grad(lambda a: a.sum(), has_aux=True), ((3,),)),
]


@pytest.mark.parametrize("case", ERRORS, ids=[e[0] for e in ERRORS])
def test_transform_errors(case, torch):
    name, make, shapes = case
    xo, xt = _pair(torch, *shapes)
    with pytest.raises(Exception) as et:
        make(torch.func)(*xt)
    with pytest.raises(Exception) as eo:
        make(torchlet.func)(*xo)
    assert type(eo.value) is type(et.value)
    assert str(eo.value) == str(et.value)


def test_jvp_structure_errors(torch):
    (xo,), (xt,) = _pair(torch, (3,))
    for args_o, args_t in (((xo, xo), (xt, xt)), (((xo,), (xo, xo)), ((xt,), (xt, xt)))):
        with pytest.raises(Exception) as et:
            torch.func.jvp(lambda a: a, *args_t)
        with pytest.raises(Exception) as eo:
            torchlet.func.jvp(lambda a: a, *args_o)
        assert type(eo.value) is type(et.value)
    with pytest.raises(ValueError):
        torch.func.grad(lambda a: a)(1.0)
    with pytest.raises(ValueError):
        torchlet.func.grad(lambda a: a)(1.0)
