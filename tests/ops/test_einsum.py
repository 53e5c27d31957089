"""einsum against PyTorch: a table of equations (forward, gradients,
gradcheck, gradgradcheck), both call forms, int operands, errors."""

import numpy as np
import pytest

from tests.oracle import Op, T, check_op, check_error, assert_same

EQUATIONS = [
    ("ij->ji", [(2, 3)]),
    ("ij->", [(2, 3)]),
    ("ij->j", [(2, 3)]),
    ("ii->", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("ii->i", [(3, 3)]),
    ("iji->j", [(3, 2, 3)]),
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("ij,kj->ik", [T((2, 3)), (4, 3)]),
    ("bij,bjk->bik", [(3, 2, 5), (3, 5, 3)]),
    ("i,j->ij", [(3,), (4,)]),
    ("i,i->", [(4,), (4,)]),
    ("i,i", [(4,), (4,)]),
    ("ij,ij->ij", [(2, 3), (2, 3)]),
    ("ij,ij->i", [(2, 3), (2, 3)]),
    ("i,ijk,j->k", [(5,), (5, 3, 4), (3,)]),
    ("bi,bj,ijk->bk", [(5, 2), (5, 3), (2, 3, 4)]),
    ("bn,anm,bm->ba", [(2, 3), (4, 3, 5), (2, 5)]),
    ("...ij->...i", [(3, 4, 5, 6)]),
    ("...ij,...jk->...ik", [(2, 3, 4), (4, 5)]),
    ("...ij,...jk", [(2, 1, 3, 4), (5, 4, 2)]),
    ("b...,b...->b", [(2, 3, 4), (2, 3, 4)]),
    ("ij...->...", [(2, 3, 4)]),
    ("i...->...i", [(2, 3)]),
    ("ij,j->i", [(3, 4), (1,)]),  # size-1 dim broadcasts
    ("ij,ij->", [(1, 4), (3, 4)]),
    ("ii,i->i", [(3, 3), (3,)]),
    ("ii,ij->j", [(3, 3), (3, 2)]),
    ("i,i,i->i", [(3,), (3,), (3,)]),
    ("ijk,kji->", [(2, 3, 4), (4, 3, 2)]),
    ("ab,cd->abcd", [(2, 3), (2, 2)]),
    ("ab,ab,ab->", [(2, 3), T((2, 3)), (2, 3)]),
    ("Aa,aB->AB", [(2, 3), (3, 2)]),
    ("i->", [(0,)]),
    ("ij,jk->ik", [(0, 3), (3, 2)]),
]

OPS = [
    Op(f"einsum[{eq}]", (lambda eq: lambda m, *xs: m.einsum(eq, *xs))(eq), [tuple(shapes)]) for eq, shapes in EQUATIONS
]
OPS += [
    Op("einsum_list_form", lambda m, a, b: m.einsum("ij,jk->ik", [a, b]), [((2, 3), (3, 4))]),
    Op("einsum_tuple_form", lambda m, a, b: m.einsum("bij,bjk->bik", (a, b)), [((2, 2, 3), (2, 3, 4))]),
    Op("einsum_spaces", lambda m, a, b: m.einsum("i j , j k -> i k", a, b), [((2, 3), (3, 4))]),
    Op("einsum_sublist", lambda m, a, b: m.einsum(a, [0, 1], b, [1, 2], [0, 2]), [((2, 3), (3, 4))]),
    Op(
        "einsum_large",
        lambda m, a, b: m.einsum("bij,bjk->bik", a, b),
        [((8, 40, 30), (8, 30, 50))],
        gradcheck=False,
        rtol=1e-4,
        atol=1e-5,
    ),
]


@pytest.mark.parametrize("op", OPS, ids=str)
def test_einsum(op, torch):
    check_op(op)


INT = [
    Op("einsum_int_" + eq, (lambda eq: lambda m, *xs: m.einsum(eq, *xs))(eq), [tuple(shapes)], dtypes=("int64",))
    for eq, shapes in EQUATIONS[:12]
]


@pytest.mark.parametrize("op", INT, ids=str)
def test_einsum_int(op, torch):
    check_op(op)


def test_seed_values(torch):
    """The fixed-number contractions of the seed programs."""
    import torchlet

    for m_eq, args in [
        ("ij,jk->ik", lambda m: (m.arange(6.0).reshape(2, 3), m.arange(12.0).reshape(3, 4))),
        ("ii->", lambda m: (m.arange(9.0).reshape(3, 3),)),
        ("i,ijk,j->k", lambda m: (m.ones(2), m.arange(24.0).reshape(2, 3, 4), m.ones(3))),
        (
            "bi,bj,ijk->bk",
            lambda m: (m.tensor([[1.0, 2.0]]), m.tensor([[1.0, 0.0, -1.0]]), m.arange(24.0).reshape(2, 3, 4)),
        ),
        ("ij,jk->ik", lambda m: (m.arange(6).view(2, 3), m.arange(12).view(3, 4))),
    ]:
        ours = torchlet.einsum(m_eq, *args(torchlet))
        theirs = torch.einsum(m_eq, *args(torch))
        assert_same(ours, theirs)
        assert repr(ours) == repr(theirs).replace("torch", "torchlet")


@pytest.mark.parametrize(
    "eq,shapes",
    [
        ("ij,jk->ik", [(2, 3), (3, 4)]),
        ("ij->ji", [(2, 3)]),
        ("ij->", [(2, 3)]),
        ("ij,ij->ij", [(2, 3), (2, 3)]),
        ("i,j->ij", [(3,), (4,)]),
        ("bij,bjk->bik", [(2, 2, 3), (2, 3, 4)]),
        ("ii->i", [(3, 3)]),
    ],
)
def test_grad_fn_names(eq, shapes, torch):
    import torchlet

    names = [m.einsum(eq, *[m.ones(*s, requires_grad=True) for s in shapes]).grad_fn.name() for m in (torchlet, torch)]
    assert names[0] == names[1]


def test_result_does_not_alias_input(torch):
    import torchlet

    a = torchlet.ones(2, 3)
    b = torchlet.einsum("ij->ji", a)
    b.mul_(2)
    assert a.sum().item() == 6.0


def test_float32_stays_float32(torch):
    import torchlet

    r = torchlet.einsum("ij,jk->ik", torchlet.ones(2, 3), torchlet.ones(3, 4))
    assert r.dtype is torchlet.float32


ERRORS = [
    lambda m: m.einsum("ij,jk->ik", m.ones(2, 3), m.ones(4, 5)),
    lambda m: m.einsum("ij,jk->ik", m.ones(2, 3)),
    lambda m: m.einsum("ij->ik", m.ones(2, 3), m.ones(2, 3)),
    lambda m: m.einsum("ij,jk->ik", m.ones(2, 3, 3), m.ones(3, 3)),
    lambda m: m.einsum("ij,jk->ik", m.ones(2, 3), m.ones(3, 3, dtype=m.float64)),
    lambda m: m.einsum("ij,jk->il", m.ones(2, 3), m.ones(3, 3)),
    lambda m: m.einsum("ij,jk->ii", m.ones(2, 3), m.ones(3, 3)),
    lambda m: m.einsum("ii", m.ones(2, 3)),
    lambda m: m.einsum("i,i", m.ones(3, dtype=m.int64), m.ones(3)),
    lambda m: m.einsum("ij1->i", m.ones(2, 3, 1)),
    lambda m: m.einsum("...ijk->i", m.ones(2, 3)),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors(i, torch):
    eo, et = check_error(ERRORS[i])
    assert str(eo) == str(et)


def test_backward_repeated_index_values(torch):
    """'ii->i' puts the gradient on the diagonal only."""
    import torchlet

    a = np.arange(9.0).reshape(3, 3)
    x = torchlet.tensor(a, requires_grad=True)
    torchlet.einsum("ii->i", x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.eye(3))
