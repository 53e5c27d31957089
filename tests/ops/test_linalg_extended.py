"""linalg.matrix_power, linalg.matrix_exp, cdist, the Cholesky derivative,
the slogdet gradient and the nuclear norm (ops/linalg_functions.py,
linalg.py) against PyTorch."""

import math

import numpy as np
import pytest

import torchlet
from tests.oracle import Op, T, check_op
from tests.ops.both import both


def _spd(m, a):
    """A symmetric positive-definite matrix made from any square a (so gradcheck perturbs a freely)."""
    n = a.shape[-1]
    return a @ a.mT + n * m.eye(n, dtype=a.dtype)


OPS = [
    Op(
        f"matrix_power_{n}",
        lambda m, a, n=n: (m.linalg.matrix_power(a, n), m.matrix_power(a, n), a.matrix_power(n)),
        [((3, 3),), ((2, 3, 3),), (T((3, 3)),), ((0, 2, 2),)],
        domain=(-0.8, 0.8),
    )
    for n in (1, 2, 3, 4, 5, 6, 7, 11)
]
OPS += [
    Op("matrix_power_0", lambda m, a: m.linalg.matrix_power(a, 0), [((3, 3),), ((2, 2, 2),)], grad=False),
    Op(
        "matrix_power_negative",
        lambda m, a: (m.linalg.matrix_power(_spd(m, a), -1), m.linalg.matrix_power(_spd(m, a), -3)),
        [((3, 3),), ((2, 3, 3),)],
    ),
    Op(
        "matrix_power_ints",
        lambda m, a: m.linalg.matrix_power(a, 5),
        [((3, 3),), ((2, 2, 2),)],
        dtypes=("int64", "int32"),
        domain=(-3, 1),
    ),
    Op(
        "matrix_exp",
        lambda m, a: (m.linalg.matrix_exp(a), m.matrix_exp(a), a.matrix_exp()),
        [((3, 3),), ((2, 4, 4),), (T((3, 3)),), ((1, 1),), ((0, 0),), ((2, 0, 0),)],
        domain=(-1, 1),
    ),
    Op(
        "matrix_exp_large_norm",
        lambda m, a: m.linalg.matrix_exp(a * 6),
        [((3, 3),), ((2, 3, 3),)],
        domain=(-1, 1),
        rtol=1e-4,
        atol=1e-5,
    ),
    Op(
        "matrix_exp_mixed_scales",
        lambda m, a: m.linalg.matrix_exp(a * m.tensor([0.01, 8.0], dtype=a.dtype).reshape(2, 1, 1)),
        [((2, 3, 3),)],
        gradcheck=False,
        rtol=1e-4,
        atol=1e-5,
    ),
    Op(
        "cholesky",
        lambda m, a: (m.linalg.cholesky(_spd(m, a)), m.linalg.cholesky(_spd(m, a), upper=True)),
        [((3, 3),), ((2, 4, 4),), (T((3, 3)),), ((1, 1),)],
    ),
    Op(
        "cholesky_direct",
        lambda m, a: m.linalg.cholesky(a),  # gradient of a non-symmetric input as PyTorch's
        [(np.array([[4.0, 2.0, 0.6], [1.0, 3.0, 0.5], [0.1, 0.2, 2.0]]),)],
        gradcheck=False,
    ),
    Op(
        "slogdet",
        lambda m, a: (m.slogdet(a), m.linalg.slogdet(a), a.slogdet()),
        [((3, 3),), ((2, 4, 4),), (T((3, 3)),)],
    ),
    Op("logdet", lambda m, a: (m.logdet(_spd(m, a)), _spd(m, a).logdet()), [((3, 3),), ((2, 3, 3),)]),
    Op("det", lambda m, a: m.det(a), [((3, 3),), ((2, 4, 4),)]),
    Op(
        "norm_nuc",
        lambda m, a: (m.norm(a, p="nuc"), a.norm(p="nuc", keepdim=True)),
        [((3, 4),), ((4, 2),), (T((3, 3)),)],
    ),
    Op(
        "norm_nuc_dims",
        lambda m, a: (
            m.norm(a, p="nuc", dim=(0, 2)),
            m.norm(a, p="nuc", dim=[-1, 1], keepdim=True),
            m.linalg.norm(a, "nuc", dim=(1, 2)),
            m.linalg.matrix_norm(a, "nuc"),
        ),
        [((2, 3, 4),)],
    ),
    Op(
        "linalg_norm_nuc",
        lambda m, a: (m.linalg.norm(a, "nuc"), m.linalg.matrix_norm(a, ord="nuc", keepdim=True)),
        [((3, 4),), ((2, 2),)],
    ),
]

XY = [
    ((4, 3), (5, 3)),
    ((2, 4, 3), (2, 5, 3)),
    ((2, 1, 4, 3), (3, 5, 3)),
    (T((3, 4)), (2, 4)),
    ((1, 3), (1, 3)),
    ((0, 3), (2, 3)),
    ((3, 0), (2, 0)),
]
for _p in (0.0, 0.5, 1.0, 1.5, 2.0, 3.0, math.inf):
    OPS.append(Op(f"cdist_p{_p}", lambda m, a, b, p=_p: m.cdist(a, b, p=p), XY))
_MODES = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist")
for _mode in _MODES:
    OPS.append(
        Op(
            f"cdist_{_mode}",
            lambda m, a, b, mode=_mode: m.cdist(a, b, compute_mode=mode),
            [((4, 3), (5, 3)), ((30, 3), (2, 3)), ((2, 3), (27, 3))],
            rtol=1e-4,
            atol=1e-5,
        )
    )
OPS += [
    Op(
        "cdist_same_points",
        lambda m, a: (m.cdist(a, a), m.cdist(a, a, p=1.0), m.cdist(a, a, p=3.0)),
        [((4, 3),)],
        gradcheck=False,
    ),
]


@pytest.mark.parametrize("op", OPS, ids=str)
def test_op(op, torch):
    check_op(op)


def test_matrix_power_zero_gradient(torch):
    def fn(m):
        a = m.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        r = m.linalg.matrix_power(a, 0)
        (r * a).sum().backward()  # the identity itself contributes nothing
        return r, a.grad

    both(fn, torch)


def test_cholesky_double_backward(torch):
    def fn(m):
        a = m.tensor([[1.0, 0.2, 0.1], [0.3, 0.9, 0.2], [0.0, 0.4, 1.1]], dtype=m.float64, requires_grad=True)
        lo = m.linalg.cholesky(a @ a.mT + m.eye(3, dtype=m.float64))
        (g,) = m.autograd.grad((lo**2).sum(), a, create_graph=True)
        (g2,) = m.autograd.grad((g * g).sum(), a)
        return g, g2

    both(fn, torch, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("shape", [(3, 3), (4, 2), (2, 5), (2, 3, 4)])
def test_nuclear_norm_double_backward(shape, torch):
    a = np.random.default_rng(3).normal(size=shape)

    def fn(m):
        x = m.tensor(a, requires_grad=True)
        (g,) = m.autograd.grad(m.linalg.matrix_norm(x, "nuc").sum() ** 2, x, create_graph=True)
        (g2,) = m.autograd.grad((g * g.cos()).sum(), x)
        return g, g2

    both(fn, torch, rtol=1e-8, atol=1e-10)


def test_matrix_exp_properties_vs_torch(torch):
    def fn(m):
        a = m.tensor([[0.0, 1.0], [-1.0, 0.0]], dtype=m.float64) * math.pi / 2  # a rotation by 90 degrees
        nil = m.tensor([[0.0, 1.0, 2.0], [0.0, 0.0, 3.0], [0.0, 0.0, 0.0]])  # nilpotent: a finite series
        big = m.tensor([[50.0, -10.0], [3.0, 20.0]], dtype=m.float64)
        return m.linalg.matrix_exp(a), m.linalg.matrix_exp(nil), m.linalg.matrix_exp(big)

    both(fn, torch, rtol=1e-9, atol=1e-9)


def test_out(torch):
    def fn(m):
        a = m.tensor([[1.0, 0.5], [0.2, 1.0]])
        o1, o3 = m.empty(0), m.empty(0)
        return (m.linalg.matrix_power(a, 3, out=o1), o1, m.linalg.cholesky(a @ a.mT, out=o3), o3)

    both(fn, torch)
    both(lambda m: m.linalg.matrix_exp(m.eye(2), out=m.empty(2, 2)), torch)  # no out= in PyTorch
    both(lambda m: m.linalg.slogdet(m.eye(2) * 2, out=m.empty(0)), torch)  # a tuple is needed

    def slogdet_out(m):
        s, la = m.empty(0), m.empty(0)
        return m.linalg.slogdet(m.tensor([[1.0, 2.0], [3.0, 1.0]]), out=(s, la)), s, la

    both(slogdet_out, torch)


def test_slogdet_sign_is_part_of_the_graph(torch):
    def fn(m):
        a = m.tensor([[1.0, 2.0], [3.0, 1.0]], dtype=m.float64, requires_grad=True)
        sign, logabs = m.linalg.slogdet(a)
        (g_sign,) = m.autograd.grad(sign.sum(), a, retain_graph=True, allow_unused=True)
        (sign * logabs.exp()).backward()  # det(a) rebuilt from both parts
        return sign.requires_grad, g_sign, a.grad

    both(fn, torch)
    # the sign alone carries no gradient: PyTorch reports `a` as unused
    both(lambda m: (lambda a: m.autograd.grad(m.linalg.slogdet(a)[0].sum(), a))(m.eye(2, requires_grad=True)), torch)


def test_grad_fn_names(torch):
    def names(m):
        a = m.tensor([[2.0, 0.5], [0.5, 1.0]], requires_grad=True)
        rs = [
            m.linalg.matrix_exp(a),
            m.linalg.cholesky(a),
            m.linalg.cholesky(a, upper=True),
            m.cdist(a, a * 2),
            m.linalg.matrix_power(a, 1),
        ]
        return [type(r.grad_fn).__name__ for r in rs]

    assert names(torchlet) == names(torch)


BAD = [
    lambda m: m.linalg.matrix_power(m.zeros(2, 3), 2),
    lambda m: m.linalg.matrix_power(m.zeros(3), 2),
    lambda m: m.linalg.matrix_power(m.eye(2, dtype=m.int64), -1),
    lambda m: m.matrix_power(m.eye(2), 0.5),
    lambda m: m.linalg.matrix_power(m.zeros(2, 2), -1),
    lambda m: m.linalg.matrix_exp(m.eye(2, dtype=m.int64)),
    lambda m: m.linalg.matrix_exp(m.zeros(2, 3)),
    lambda m: m.matrix_exp(m.zeros(3)),
    lambda m: m.cdist(m.zeros(3), m.zeros(3)),
    lambda m: m.cdist(m.zeros(2, 3), m.zeros(3)),
    lambda m: m.cdist(m.zeros(2, 3), m.zeros(2, 4)),
    lambda m: m.cdist(m.zeros(2, 3), m.zeros(2, 3), p=-1),
    lambda m: m.cdist(m.zeros(2, 3, dtype=m.int64), m.zeros(2, 3, dtype=m.int64)),
    lambda m: m.cdist(m.zeros(2, 3), m.zeros(2, 3), compute_mode="fast"),
    lambda m: m.cdist(m.zeros(2, 3), m.zeros(2, 3, dtype=m.float64)),
    lambda m: m.cdist(m.zeros(2, 2, 3), m.zeros(3, 3, 3)),
    lambda m: m.cdist(m.zeros(2, 3, dtype=m.float16), m.zeros(2, 3, dtype=m.float16)),
    lambda m: m.cdist(m.zeros(2, 3, dtype=m.bfloat16), m.zeros(2, 3, dtype=m.bfloat16), p=1.0),
    lambda m: m.cholesky(m.eye(2)),
    lambda m: m.eye(2).cholesky(),
    lambda m: m.cholesky(m.eye(2), upper=True),
    lambda m: m.linalg.cholesky(-m.eye(2)),
    lambda m: m.norm(m.ones(2, 2, 3), p="nuc"),
    lambda m: m.norm(m.ones(3), p="nuc"),
    lambda m: m.norm(m.ones(2, 3), p="nuc", dim=1),
    lambda m: m.linalg.norm(m.ones(2, 3), "nuc", dim=(0,)),
    lambda m: m.linalg.matrix_norm(m.ones(2, 3, dtype=m.int64), "nuc"),
]


@pytest.mark.parametrize("i", range(len(BAD)))
def test_errors(i, torch):
    both(BAD[i], torch)
