"""Matrix products and torchlet.linalg against PyTorch: values, gradients,
gradcheck/gradgradcheck, grad_fn names, dtypes and error messages."""

import math

import numpy as np
import pytest

from tests.oracle import Op, T, check_op, check_error, assert_same

_rng = np.random.default_rng(7)


def _wellcond(*shape):
    """Random matrices far from singular (diagonal-dominant)."""
    n = shape[-1]
    return _rng.uniform(-1, 1, size=shape) + 3 * np.eye(n)


def _spd(n):
    a = _rng.uniform(-1, 1, size=(n, n))
    return a @ a.T + n * np.eye(n)


MATMUL = [
    ((3,), (3,)),
    ((2, 3), (3,)),
    ((3,), (3, 4)),
    ((2, 3), (3, 4)),
    ((5, 2, 3), (3, 4)),
    ((5, 2, 3), (3,)),
    ((3,), (5, 3, 4)),
    ((2, 3), (5, 3, 4)),
    ((5, 2, 3), (5, 3, 4)),
    ((5, 2, 3), (1, 3, 4)),
    ((2, 1, 2, 3), (5, 3, 4)),
    (T((2, 3)), (3, 4)),
    (T((4, 2, 3)), T((4, 3, 2))),
    ((0, 3), (3, 2)),
    ((2, 0), (0, 3)),
]

OPS = [
    Op("matmul", lambda m, a, b: m.matmul(a, b), MATMUL),
    Op("matmul_operator", lambda m, a, b: a @ b, [((4, 3), (3, 2)), ((2, 4, 3), (3,))]),
    Op("mm", lambda m, a, b: m.mm(a, b), [((2, 3), (3, 4)), (T((2, 3)), T((3, 4))), ((1, 1), (1, 5))]),
    Op("Tensor.mm", lambda m, a, b: a.mm(b), [((2, 3), (3, 4))]),
    Op("bmm", lambda m, a, b: m.bmm(a, b), [((2, 2, 3), (2, 3, 4)), (T((2, 2, 3)), (2, 3, 4))]),
    Op("mv", lambda m, a, b: m.mv(a, b), [((2, 3), (3,)), (T((2, 3)), (3,))]),
    Op("dot", lambda m, a, b: m.dot(a, b), [((3,), (3,)), ((0,), (0,))]),
    Op("vdot", lambda m, a, b: m.vdot(a, b), [((4,), (4,))]),
    Op("inner", lambda m, a, b: m.inner(a, b), [((3,), (3,)), ((2, 3), (4, 3)), ((2, 3), (3,))]),
    Op("outer", lambda m, a, b: m.outer(a, b), [((3,), (4,))]),
    Op("ger", lambda m, a, b: m.ger(a, b), [((3,), (2,))]),
    Op(
        "addmm",
        lambda m, c, a, b: m.addmm(c, a, b),
        [((4,), (2, 3), (3, 4)), ((2, 4), (2, 3), (3, 4)), ((2, 1), T((2, 3)), (3, 4))],
    ),
    Op("addmm_beta_alpha", lambda m, c, a, b: m.addmm(c, a, b, beta=0.5, alpha=-2.0), [((2, 4), (2, 3), (3, 4))]),
    Op("addmm_beta0", lambda m, c, a, b: m.addmm(c, a, b, beta=0), [((2, 4), (2, 3), (3, 4))]),
    Op("addmv", lambda m, c, a, b: m.addmv(c, a, b, beta=2, alpha=0.5), [((2,), (2, 3), (3,)), ((1,), (2, 3), (3,))]),
    Op(
        "baddbmm",
        lambda m, c, a, b: m.baddbmm(c, a, b, beta=0.5, alpha=2),
        [((2, 2, 4), (2, 2, 3), (2, 3, 4)), ((4,), (2, 2, 3), (2, 3, 4))],
    ),
    Op("addbmm", lambda m, c, a, b: m.addbmm(c, a, b, alpha=1.5), [((2, 4), (3, 2, 3), (3, 3, 4))]),
    Op("tensordot_int", lambda m, a, b: m.tensordot(a, b, 1), [((2, 3), (3, 4))]),
    Op("tensordot_2", lambda m, a, b: m.tensordot(a, b), [((2, 3, 4), (3, 4, 5))]),
    Op(
        "tensordot_lists",
        lambda m, a, b: m.tensordot(a, b, ([0, 2], [2, 0])),
        [((2, 3, 4), (4, 5, 2)), (T((2, 3, 4)), (4, 5, 2))],
    ),
    Op("tensordot_0", lambda m, a, b: m.tensordot(a, b, 0), [((2,), (3,))]),
    Op("kron", lambda m, a, b: m.kron(a, b), [((2, 3), (3, 2)), ((2,), (2, 3))]),
    # torchlet.linalg
    Op("vector_norm", lambda m, a: m.linalg.vector_norm(a), [((3, 4),), ((5,),), (T((3, 4)),)]),
    Op("vector_norm_dim", lambda m, a: m.linalg.vector_norm(a, dim=1, keepdim=True), [((3, 4),)]),
    Op("vector_norm_dims", lambda m, a: m.linalg.vector_norm(a, 3, dim=(0, 2)), [((2, 3, 4),)]),
    Op("vector_norm_1", lambda m, a: m.linalg.vector_norm(a, 1, dim=-1), [((3, 4),)]),
    Op("vector_norm_inf", lambda m, a: m.linalg.vector_norm(a, math.inf, dim=0), [((3, 4),)]),
    Op("vector_norm_ninf", lambda m, a: m.linalg.vector_norm(a, -math.inf), [((3, 4),)]),
    Op("vector_norm_0", lambda m, a: m.linalg.vector_norm(a, 0, dim=1), [((3, 4),)]),
    Op("vector_norm_p1.5", lambda m, a: m.linalg.vector_norm(a, 1.5), [((3, 4),)]),
    Op("vector_norm_p0.5", lambda m, a: m.linalg.vector_norm(a, 0.5, dim=1), [((3, 4),)]),
    Op("vector_norm_dtype", lambda m, a: m.linalg.vector_norm(a, dtype=m.float64), [((3, 4),)], dtypes=("float32",)),
    Op("norm_default", lambda m, a: m.linalg.norm(a), [((2, 3, 4),)]),
    Op("norm_vec_ord", lambda m, a: m.linalg.norm(a, 3), [((4,),)]),
    Op("norm_dim", lambda m, a: m.linalg.norm(a, dim=1), [((3, 4),)]),
    Op("norm_matrix_ord", lambda m, a: m.linalg.norm(a, "fro"), [((3, 4),)]),
    Op("norm_matrix_1", lambda m, a: m.linalg.norm(a, 1), [((3, 4),)]),
    Op("matrix_norm_fro", lambda m, a: m.linalg.matrix_norm(a), [((2, 3, 4),)]),
    Op("matrix_norm_1", lambda m, a: m.linalg.matrix_norm(a, 1), [((2, 3, 4),)]),
    Op("matrix_norm_-1", lambda m, a: m.linalg.matrix_norm(a, -1, keepdim=True), [((2, 3, 4),)]),
    Op("matrix_norm_inf", lambda m, a: m.linalg.matrix_norm(a, math.inf, dim=(0, 2)), [((3, 2, 4),)]),
    Op("matrix_norm_-inf", lambda m, a: m.linalg.matrix_norm(a, -math.inf), [((3, 4),)]),
    Op("matrix_norm_nuc", lambda m, a: m.linalg.matrix_norm(a, "nuc"), [((2, 3, 4),)], gradgradcheck=False),
    Op("matrix_norm_2", lambda m, a: m.linalg.matrix_norm(a, 2), [((3, 4),)], gradgradcheck=False),
    Op("matrix_norm_-2", lambda m, a: m.linalg.matrix_norm(a, -2, keepdim=True), [((3, 3),)], gradgradcheck=False),
    Op("inv", lambda m, a: m.linalg.inv(a), [(_wellcond(3, 3),), (_wellcond(2, 4, 4),)], rtol=1e-4),
    Op("det", lambda m, a: m.linalg.det(a), [(_wellcond(3, 3),), (_wellcond(2, 3, 3),)], rtol=1e-4),
    Op("slogdet", lambda m, a: m.linalg.slogdet(a).logabsdet, [(_wellcond(3, 3),)], rtol=1e-4),
    Op(
        "solve_matrix",
        lambda m, a, b: m.linalg.solve(a, b),
        [(_wellcond(3, 3), (3, 2)), (_wellcond(2, 3, 3), (3, 4))],
        rtol=1e-4,
    ),
    Op(
        "solve_vector",
        lambda m, a, b: m.linalg.solve(a, b),
        [(_wellcond(3, 3), (3,)), (_wellcond(2, 3, 3), (2, 3))],
        rtol=1e-4,
    ),
    Op("solve_right", lambda m, a, b: m.linalg.solve(a, b, left=False), [(_wellcond(3, 3), (2, 3))], rtol=1e-4),
    Op("linalg.matmul", lambda m, a, b: m.linalg.matmul(a, b), [((2, 3), (3, 2))]),
    Op("linalg.cross", lambda m, a, b: m.linalg.cross(a, b), [((3,), (3,)), ((4, 3), (1, 3))]),
    Op("linalg.vecdot", lambda m, a, b: m.linalg.vecdot(a, b), [((4, 3), (4, 3))]),
    Op("torch.cross", lambda m, a, b: m.cross(a, b, dim=1), [((4, 3), (4, 3))]),
    Op("torch.inverse", lambda m, a: m.inverse(a), [(_wellcond(3, 3),)], rtol=1e-4),
    Op("Tensor.det", lambda m, a: a.det(), [(_wellcond(2, 3, 3),)], rtol=1e-4),
    Op("torch.logdet", lambda m, a: m.logdet(a), [(_wellcond(3, 3),)], rtol=1e-4),
    Op("logdet_negative", lambda m, a: m.logdet(a), [(-_wellcond(3, 3),)], grad=False),
    Op("multi_dot", lambda m, a, b, c: m.linalg.multi_dot([a, b, c]), [((2, 3), (3, 4), (4, 2))]),
]


@pytest.mark.parametrize("op", OPS, ids=str)
def test_op(op, torch):
    check_op(op)


INT_OPS = [
    Op("matmul_int", lambda m, a, b: m.matmul(a, b), MATMUL[:10], dtypes=("int64", "int32")),
    Op("mm_int", lambda m, a, b: m.mm(a, b), [((2, 3), (3, 4))], dtypes=("int64", "uint8")),
    Op("bmm_int", lambda m, a, b: m.bmm(a, b), [((2, 2, 3), (2, 3, 4))], dtypes=("int64",)),
    Op("dot_int", lambda m, a, b: m.dot(a, b), [((3,), (3,))], dtypes=("int64",)),
    Op("outer_int", lambda m, a, b: m.outer(a, b), [((3,), (2,))], dtypes=("int64",)),
    Op("addmm_int", lambda m, c, a, b: m.addmm(c, a, b, beta=2, alpha=3), [((4,), (2, 3), (3, 4))], dtypes=("int64",)),
    Op(
        "matmul_half",
        lambda m, a, b: m.matmul(a, b),
        [((2, 3), (3, 4)), ((2, 2, 3), (3,))],
        dtypes=("float16",),
        rtol=1e-3,
        atol=1e-3,
    ),
]


@pytest.mark.parametrize("op", INT_OPS, ids=str)
def test_int_forward(op, torch):
    check_op(op)


def _grad_fn_name(lib, fn, *shapes):
    def leaf(s):  # square matrices made invertible, for inv/det/solve
        a = np.full(s, 0.1) + (3 * np.eye(s[-1]) if len(s) >= 2 and s[-1] == s[-2] else 0)
        return lib.tensor(a, requires_grad=True)

    return fn(lib, *[leaf(s) for s in shapes]).grad_fn.name().split("::")[-1]


@pytest.mark.parametrize(
    "fn,shapes",
    [
        (lambda m, a, b: a @ b, ((3,), (3,))),
        (lambda m, a, b: a @ b, ((2, 3), (3,))),
        (lambda m, a, b: a @ b, ((3,), (3, 4))),
        (lambda m, a, b: a @ b, ((2, 3), (3, 4))),
        (lambda m, a, b: a @ b, ((5, 2, 3), (3, 4))),
        (lambda m, a, b: a @ b, ((5, 2, 3), (5, 3, 4))),
        (lambda m, a, b: a @ b, ((5, 2, 3), (3,))),
        (lambda m, a, b: a @ b, ((2, 3), (5, 3, 4))),
        (lambda m, a, b: m.bmm(a, b), ((2, 2, 3), (2, 3, 4))),
        (lambda m, a, b: m.mv(a, b), ((2, 3), (3,))),
        (lambda m, a, b: m.dot(a, b), ((3,), (3,))),
        (lambda m, a, b: m.outer(a, b), ((3,), (3,))),
        (lambda m, c, a, b: m.addmm(c, a, b), ((4,), (2, 3), (3, 4))),
        (lambda m, c, a, b: m.addmv(c, a, b), ((2,), (2, 3), (3,))),
        (lambda m, c, a, b: m.baddbmm(c, a, b), ((2, 2, 4), (2, 2, 3), (2, 3, 4))),
        (lambda m, c, a, b: m.addbmm(c, a, b), ((2, 4), (2, 2, 3), (2, 3, 4))),
        (lambda m, a: m.linalg.inv(a), ((3, 3),)),
        (lambda m, a: m.linalg.det(a), ((3, 3),)),
        (lambda m, a, b: m.linalg.solve(a, b), ((3, 3), (3,))),
        (lambda m, a: m.linalg.norm(a), ((3, 3),)),
        (lambda m, a: m.linalg.vector_norm(a, 1), ((3, 3),)),
        (lambda m, a: m.linalg.matrix_norm(a, 1), ((3, 3),)),
        (lambda m, a: m.linalg.slogdet(a)[1], ((3, 3),)),
    ],
)
def test_grad_fn_names(fn, shapes, torch):
    import torchlet

    assert _grad_fn_name(torchlet, fn, *shapes) == _grad_fn_name(torch, fn, *shapes)


ERRORS = [
    lambda m: m.ones(4, 2, 3) @ m.ones(4, 3),
    lambda m: m.ones(3) @ m.ones(4),
    lambda m: m.ones(2, 3) @ m.ones(4),
    lambda m: m.ones(3) @ m.ones(4, 5),
    lambda m: m.ones(2, 3) @ m.ones(4, 5),
    lambda m: m.ones(5, 2, 3) @ m.ones(5, 4, 5),
    lambda m: m.ones(5, 2, 3) @ m.ones(4, 3, 5),
    lambda m: m.ones(5, 2, 3) @ m.ones(4),
    lambda m: m.ones(3) @ m.ones(5, 4, 5),
    lambda m: m.ones(2, 3) @ m.ones(5, 4, 5),
    lambda m: m.matmul(m.tensor(1.0), m.ones(3)),
    lambda m: m.ones(2, 3) @ m.ones(3, 4, dtype=m.float64),
    lambda m: m.ones(2, 3, dtype=m.float64) @ m.ones(3, 4),
    lambda m: m.ones(5, 2, 3) @ m.ones(3, 4, dtype=m.float64),
    lambda m: m.ones(5, 2, 3) @ m.ones(5, 3, 4, dtype=m.float64),
    lambda m: m.ones(2, 3, dtype=m.int64) @ m.ones(3, 4),
    lambda m: m.ones(2, 3, dtype=m.bool) @ m.ones(3, 4, dtype=m.bool),
    lambda m: m.mm(m.ones(3), m.ones(3, 4)),
    lambda m: m.mm(m.ones(2, 3), m.ones(3)),
    lambda m: m.mm(m.ones(2, 3), m.ones(4, 5)),
    lambda m: m.bmm(m.ones(2, 3), m.ones(4, 5)),
    lambda m: m.bmm(m.ones(2, 2, 3), m.ones(2, 3)),
    lambda m: m.bmm(m.ones(2, 2, 3), m.ones(2, 4, 5)),
    lambda m: m.bmm(m.ones(2, 2, 3), m.ones(3, 3, 5)),
    lambda m: m.bmm(m.ones(2, 2, 3), m.ones(2, 3, 5, dtype=m.float64)),
    lambda m: m.mv(m.ones(2, 3), m.ones(4)),
    lambda m: m.mv(m.ones(3), m.ones(4)),
    lambda m: m.dot(m.ones(3), m.ones(4)),
    lambda m: m.dot(m.ones(3, 1), m.ones(3)),
    lambda m: m.dot(m.ones(3), m.ones(3, dtype=m.float64)),
    lambda m: m.outer(m.ones(3, 1), m.ones(4)),
    lambda m: m.addmm(m.ones(3), m.ones(2, 3), m.ones(3, 4)),
    lambda m: m.addmm(m.ones(2, 4), m.ones(2, 3), m.ones(4, 4)),
    lambda m: m.addmm(m.ones(4, dtype=m.float64), m.ones(2, 3), m.ones(3, 4)),
    lambda m: m.addmv(m.ones(3), m.ones(2, 3), m.ones(3)),
    lambda m: m.baddbmm(m.ones(3), m.ones(2, 2, 3), m.ones(2, 3, 4)),
    lambda m: m.tensordot(m.ones(2, 3), m.ones(4, 5), 1),
    lambda m: m.tensordot(m.ones(2, 3), m.ones(4, 5), ([1], [0])),
    lambda m: m.tensordot(m.ones(2, 3), m.ones(3, 5, dtype=m.float64), 1),
    lambda m: m.linalg.inv(m.tensor([[1.0, 2.0], [2.0, 4.0]])),
    lambda m: m.linalg.inv(m.ones(3, 3)),
    lambda m: m.linalg.inv(m.tensor([[[1.0, 0.0], [0.0, 1.0]], [[1.0, 1.0], [1.0, 1.0]]])),
    lambda m: m.linalg.inv(m.ones(2, 3)),
    lambda m: m.linalg.inv(m.ones(3)),
    lambda m: m.linalg.inv(m.ones(3, 3, dtype=m.int64)),
    lambda m: m.linalg.det(m.ones(2, 3)),
    lambda m: m.linalg.solve(m.ones(2, 2), m.ones(2)),
    lambda m: m.linalg.solve(m.eye(3), m.ones(2)),
    lambda m: m.linalg.cholesky(m.tensor([[1.0, 2.0], [2.0, 1.0]])),
    lambda m: m.linalg.vector_norm(m.ones(3, dtype=m.int64)),
    lambda m: m.linalg.vector_norm(m.ones(0, 3), math.inf),
    lambda m: m.linalg.matrix_norm(m.ones(3)),
    lambda m: m.linalg.matrix_norm(m.ones(3, 3), "foo"),
    lambda m: m.linalg.matrix_norm(m.ones(3, 3), 3),
    lambda m: m.linalg.norm(m.ones(3, 3, 3), 2),
    lambda m: m.linalg.matrix_norm(m.ones(3, 3), "fro", dim=(0,)),
    lambda m: m.linalg.vector_norm(m.ones(3), "fro"),
]
CLASS_ONLY = [
    lambda m: m.linalg.matrix_norm(m.ones(3, 3), "fro", dim=0),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors(i, torch):
    eo, et = check_error(ERRORS[i])
    assert str(eo) == str(et)


@pytest.mark.parametrize("i", range(len(CLASS_ONLY)))
def test_error_classes(i, torch):
    check_error(CLASS_ONLY[i])


def test_linalg_error_class(torch):
    import torchlet

    assert issubclass(torchlet.linalg.LinAlgError, RuntimeError)
    with pytest.raises(torchlet.linalg.LinAlgError):
        torchlet.linalg.inv(torchlet.zeros(2, 2))


def test_linalg_namespace():
    import torchlet
    import torchlet.linalg as L

    assert torchlet.linalg is L
    assert callable(torchlet.matmul) and torchlet.linalg.matmul is torchlet.matmul


@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4)])
def test_decompositions(shape, torch):
    import torchlet

    a = _spd(shape[-1])
    a = np.broadcast_to(a, shape).copy() + _rng.uniform(0, 0.1, size=shape) * np.eye(shape[-1])
    A, At = torchlet.tensor(a), torch.tensor(a)
    w, v = torchlet.linalg.eigh(A)
    assert_same(w, torch.linalg.eigh(At).eigenvalues)
    assert_same(
        v @ torchlet.diag_embed(w) @ v.mT if hasattr(torchlet, "diag_embed") else v * w.unsqueeze(-2) @ v.mT, At
    )
    u, s, vh = torchlet.linalg.svd(A)
    assert_same(s, torch.linalg.svdvals(At))
    assert_same(torchlet.linalg.svdvals(A), torch.linalg.svdvals(At))
    assert_same(u * s.unsqueeze(-2) @ vh, At)
    q, r = torchlet.linalg.qr(A)
    assert_same(q @ r, At)
    assert_same(torchlet.linalg.cholesky(A), torch.linalg.cholesky(At))
    assert_same(torchlet.linalg.cholesky(A, upper=True), torch.linalg.cholesky(At, upper=True))
    assert_same(torchlet.linalg.eigvalsh(A), torch.linalg.eigvalsh(At))
    assert_same(torchlet.linalg.pinv(A), torch.linalg.pinv(At), rtol=1e-8)
    assert_same(torchlet.linalg.matrix_rank(A), torch.linalg.matrix_rank(At))
    sgn, la = torchlet.linalg.slogdet(A)
    assert_same(tuple(torchlet.linalg.slogdet(A)), tuple(torch.linalg.slogdet(At)))


@pytest.mark.parametrize("a", [[[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [0.5, 1.0, -1.0]], [[0.0, 0.0], [0.0, 1.0]]])
def test_det_singular_grad(a, torch):
    import torchlet

    a = np.array(a)
    x = torchlet.tensor(a, requires_grad=True)
    y = torch.tensor(a, requires_grad=True)
    torchlet.linalg.det(x).backward()
    torch.linalg.det(y).backward()
    assert_same(x.grad, y.grad, rtol=1e-8, atol=1e-10)


def test_int_matmul_no_grad(torch):
    import torchlet

    r = torchlet.ones(2, 3, dtype=torchlet.int64) @ torchlet.ones(3, dtype=torchlet.int64)
    assert r.dtype is torchlet.int64 and r.grad_fn is None


def test_out_argument(torch):
    import torchlet

    out = torchlet.empty(2, 4)
    res = torchlet.mm(torchlet.ones(2, 3), torchlet.ones(3, 4), out=out)
    assert res is out
    assert_same(out, torch.mm(torch.ones(2, 3), torch.ones(3, 4)))


def test_addmm_inplace(torch):
    import torchlet

    c = np.ones((2, 4), np.float32)
    a, b = np.arange(6, dtype=np.float32).reshape(2, 3), np.arange(12, dtype=np.float32).reshape(3, 4)
    x = torchlet.tensor(c)
    x.addmm_(torchlet.tensor(a), torchlet.tensor(b), alpha=2)
    y = torch.tensor(c)
    y.addmm_(torch.tensor(a), torch.tensor(b), alpha=2)
    assert_same(x, y)


def test_matmul_saved_version_check(torch):
    import torchlet

    a = torchlet.ones(2, 3, requires_grad=True)
    b = torchlet.ones(3, 4)
    y = a @ b
    b.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


SECOND_ORDER = [
    (lambda m, a, b: m.matmul(a, b), ((5, 2, 3), (3, 4))),
    (lambda m, a, b: m.matmul(a, b), ((3,), (2, 3, 4))),
    (lambda m, a, b: m.bmm(a, b), ((2, 2, 3), (2, 3, 4))),
    (lambda m, a, b: m.mv(a, b), ((2, 3), (3,))),
    (lambda m, c, a, b: m.addmm(c, a, b, beta=0.5, alpha=2), ((4,), (2, 3), (3, 4))),
    (lambda m, a: m.linalg.inv(a), ("sq",)),
    (lambda m, a: m.linalg.det(a), ("sq",)),
    (lambda m, a, b: m.linalg.solve(a, b), ("sq", (3, 2))),
    (lambda m, a: m.linalg.vector_norm(a, 3, dim=1), ((2, 3),)),
    (lambda m, a: m.linalg.vector_norm(a), ((2, 3),)),
    (lambda m, a, b: m.einsum("ii,ij->j", a, b), ((3, 3), (3, 2))),
    (lambda m, a, b, c: m.einsum("bn,anm,bm->ba", a, b, c), ((2, 3), (4, 3, 5), (2, 5))),
]


@pytest.mark.parametrize("k", range(len(SECOND_ORDER)))
def test_second_order_vs_torch(k, torch):
    """Gradients of gradients (create_graph=True) match PyTorch's."""
    import torchlet

    fn, shapes = SECOND_ORDER[k]
    rng = np.random.default_rng(k)
    arrays = [_wellcond(3, 3) if s == "sq" else rng.uniform(-1, 1, size=s) for s in shapes]

    def run(m):
        xs = [m.tensor(a, requires_grad=True) for a in arrays]
        y = fn(m, *xs)
        v = m.tensor(np.linspace(-1, 1, y.numel()).reshape(tuple(y.shape)))
        gs = m.autograd.grad(y, xs, v, create_graph=True)
        total = sum((g * g).sum() for g in gs)
        return m.autograd.grad(total, xs, allow_unused=True)

    assert_same(run(torchlet), run(torch), rtol=1e-8, atol=1e-10)
