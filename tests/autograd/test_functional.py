"""autograd.functional against torch.autograd.functional (values and the
tensor-vs-tuple shape of results)."""

import numpy as np
import pytest

import torchlet
from tests.oracle import assert_same, check_error

rng = np.random.default_rng(0)
A = rng.standard_normal((2, 3))
B = rng.standard_normal(3)
V3 = rng.standard_normal(3)


def f_two(x, y):
    return (x * y * y).sum(0) * x.sum()


def f_cube(x):
    return (x * x * x).sum()


def f_pair(x, y):
    return x * y, x.sum() * 2.0


def f_scalar2(x, y):
    return (x * y * y).sum() + (x * x).sum()


def run(torch, name, fn, arrays, *extra, **kw):
    def call(m):
        args = tuple(m.tensor(a) for a in arrays)
        ex = tuple(tuple(m.tensor(e) for e in x) if isinstance(x, tuple) else m.tensor(x) for x in extra)
        inp = args if len(args) > 1 else args[0]
        return getattr(m.autograd.functional, name)(fn, inp, *ex, **kw)

    assert_same(call(torchlet), call(torch))


@pytest.mark.parametrize(
    "fn,arrays",
    [(f_two, (A, B)), (f_cube, (B,)), (f_pair, (A, B)), (lambda x: (x * x, x), (B,)), (lambda x: x * 2.0, (A,))],
)
def test_jacobian(torch, fn, arrays):
    run(torch, "jacobian", fn, arrays)


def test_jacobian_create_graph(torch):
    def call(m):
        x = m.tensor(B, requires_grad=True)
        j = m.autograd.functional.jacobian(lambda t: t * t * t, x, create_graph=True)
        (g,) = m.autograd.grad(j.sum(), x)
        return j, g

    assert_same(call(torchlet), call(torch))


@pytest.mark.parametrize("fn,arrays", [(f_cube, (B,)), (f_scalar2, (A, B))])
def test_hessian(torch, fn, arrays):
    run(torch, "hessian", fn, arrays)


def test_vjp(torch):
    run(torch, "vjp", f_two, (A, B), V3)
    run(torch, "vjp", f_cube, (B,))
    run(torch, "vjp", f_pair, (A, B), (A, np.array(1.5)))


def test_jvp(torch):
    run(torch, "jvp", f_two, (A, B), (A, V3))
    run(torch, "jvp", lambda x: x * x, (np.array(3.0),))
    run(torch, "jvp", f_pair, (A, B), (A, V3))


def test_hvp_vhp(torch):
    run(torch, "hvp", f_cube, (B,), V3)
    run(torch, "vhp", f_cube, (B,), V3)
    run(torch, "hvp", f_scalar2, (A, B), (A, V3))
    run(torch, "vhp", f_scalar2, (A, B), (A, V3))


def test_errors(torch):
    check_error(lambda m: m.autograd.functional.vjp(lambda x: x * 2.0, m.tensor(B)))
    check_error(lambda m: m.autograd.functional.jvp(lambda x: x * 2.0, m.tensor(B)))
    check_error(lambda m: m.autograd.functional.hessian(lambda x: x * 2.0, m.tensor(B)))
    check_error(lambda m: m.autograd.functional.jacobian(lambda x: x * 2.0, [1.0, 2.0]))
    check_error(lambda m: m.autograd.functional.vjp(f_cube, m.tensor(B), m.tensor(A)))
