"""Copies and conversions: clone, contiguous, to/float/long, copy_, fill_, zero_ against PyTorch."""

import numpy as np
import pytest

import torchlet
from tests.oracle import Op, T, assert_same, check_error, check_op

OPS = [
    Op("clone", lambda m, a: a.clone(), [((3, 4),), (T((3, 4)),), ((),)]),
    Op("contiguous", lambda m, a: a.contiguous() * 1, [(T((3, 4)),)]),
    Op("to_double", lambda m, a: a.to(m.float64) * 2, [((3,),)]),
    Op("half_round_trip", lambda m, a: a.half().to(a.dtype), [((3, 2),)], gradcheck=False, rtol=1e-3, atol=1e-3),
]


@pytest.mark.parametrize("op", OPS, ids=str)
def test_op(op, torch):
    check_op(op)


def _both(fn, torch):
    return fn(torchlet), fn(torch)


def test_copy_broadcast_and_cast(torch):
    def f(m):
        x = m.zeros(2, 3, dtype=m.int64)
        x.copy_(m.tensor([1.7, -2.2, 3.9]))
        return x

    o, t = _both(f, torch)
    assert_same(o, t)


def test_copy_grad_into_view_of_nonleaf(torch):
    rng = np.random.default_rng(0)
    a0, s0 = rng.standard_normal((3, 4)), rng.standard_normal(4)

    def f(m):
        a = m.tensor(a0, requires_grad=True)
        s = m.tensor(s0, requires_grad=True)
        y = a * 2
        y[1].copy_(s * 3)
        (y * y).sum().backward()
        return a.grad, s.grad, y.grad_fn.name()

    (ga, gs, no), (ta, ts, nt) = _both(f, torch)
    assert_same(ga, ta)
    assert_same(gs, ts)
    assert no == nt


def test_fill_and_zero(torch):
    def f(m):
        a = m.ones(2, 3, requires_grad=True)
        y = a * 1
        y[:, 0].fill_(5.0)
        (y * 2).sum().backward()
        return y, a.grad

    (yo, go), (yt, gt) = _both(f, torch)
    assert_same(yo.detach(), yt.detach())
    assert_same(go, gt)
    z = torchlet.arange(4.0)
    assert z.zero_().tolist() == [0, 0, 0, 0] and z.fill_(2).tolist() == [2, 2, 2, 2]


@pytest.mark.parametrize(
    "bad",
    [
        lambda m: m.ones(3, requires_grad=True).zero_(),
        lambda m: m.ones(3).copy_(m.ones(4)),
        lambda m: m.ones(3).fill_(m.ones(2)),
        lambda m: m.ones(2, 3).copy_(m.ones(3, 3)),
    ],
)
def test_errors(bad, torch):
    check_error(bad)
