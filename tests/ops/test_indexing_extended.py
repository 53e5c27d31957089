"""scatter_reduce, index_copy, take_along_dim, atleast_nd, Tensor.unfold,
diag_embed, aminmax and logcumsumexp (ops/indexing_reduce.py, view_extra.py,
reduction_extra.py) against PyTorch."""

import numpy as np
import pytest

import torchlet
from tests.oracle import Op, T, check_op
from tests.ops.both import both

_a = np.array
IDX0 = _a([[0, 1, 0, 2], [2, 2, 0, 1]])  # along dim 0 of a (3, 4) input: repeats and one untouched row
IDX1 = _a([[3, 0, 3], [1, 1, 1], [0, 2, 0]])  # along dim 1 of a (3, 4) input
REDUCES = ["sum", "prod", "mean", "amax", "amin"]


def _sr(reduce, include_self, dim, idx):
    def fn(m, a, s):
        i = m.tensor(idx)
        return (
            m.scatter_reduce(a, dim, i, s, reduce, include_self=include_self),
            a.scatter_reduce(dim, i, s, reduce=reduce, include_self=include_self),
        )

    return fn


OPS = []
for _r in REDUCES:
    for _inc in (True, False):
        # ties in amax/amin make the numerical gradient one-sided: gradcheck only where values are distinct
        smooth = _r not in ("amax", "amin")
        OPS.append(
            Op(
                f"scatter_reduce_{_r}_{_inc}_dim0",
                _sr(_r, _inc, 0, IDX0),
                [((3, 4), (2, 4)), (T((3, 4)), (2, 4))],
                domain=(0.5, 2),
            )
        )
        OPS.append(Op(f"scatter_reduce_{_r}_{_inc}_dim1", _sr(_r, _inc, 1, IDX1), [((3, 4), (3, 3))], domain=(0.5, 2)))
        OPS.append(
            Op(
                f"scatter_reduce_{_r}_{_inc}_ints",
                _sr(_r, _inc, 0, IDX0),
                [((3, 4), (2, 4))],
                dtypes=("int64", "int32"),
                domain=(-5, 5),
            )
        )
        OPS.append(
            Op(
                f"scatter_reduce_{_r}_{_inc}_ties",
                _sr(_r, _inc, 0, IDX0),
                [
                    (
                        _a([[1.0, 0.0, 2.0, 2.0], [3.0, 3.0, 0.0, 1.0], [0.0, 2.0, 2.0, -1.0]]),
                        _a([[1.0, 0.0, 2.0, 0.0], [0.0, 2.0, 0.0, 2.0]]),
                    )
                ],
                gradcheck=smooth,
                gradgradcheck=False,
            )
        )

OPS += [
    Op(f"scatter_reduce_{r}_{inc}_bool", _sr(r, inc, 0, IDX0), [((3, 4), (2, 4))], dtypes=("bool",))
    for r in ("sum", "prod", "amax", "amin")
    for inc in (True, False)
]
OPS += [
    Op("scatter_reduce_bigger_src_forward", _sr("sum", True, 0, IDX0), [((3, 4), (3, 5))], grad=False),
    Op(
        "scatter_reduce_prod_zeros",
        _sr("prod", True, 0, _a([[0, 0, 1, 1]])),
        [(_a([[0.0, 2.0, 3.0, 0.0], [1.0, 1.0, 1.0, 1.0]]), _a([[2.0, 0.0, 0.0, 0.0]]))],
        gradcheck=False,
    ),
    Op(
        "scatter_reduce_amax_nan",
        _sr("amax", True, 0, _a([[0, 0]])),
        [(_a([[1.0, np.nan]]), _a([[np.nan, 2.0]]))],
        grad=False,
    ),
    Op(
        "index_copy",
        lambda m, a, s: (a.index_copy(1, m.tensor([3, 0]), s), m.index_copy(a, 1, m.tensor([3, 0]), s)),
        [((3, 4), (3, 2)), (T((3, 4)), (3, 2))],
    ),
    Op("index_copy_dim0", lambda m, a, s: a.index_copy(0, m.tensor([2]), s), [((3, 4), (1, 4)), ((3,), (1,))]),
    Op(
        "index_copy_ints",
        lambda m, a, s: a.index_copy(-1, m.tensor([1, 2]), s),
        [((3, 4), (3, 2))],
        dtypes=("int64", "bool"),
    ),
    Op(
        "take_along_dim",
        lambda m, a: (
            m.take_along_dim(a, m.tensor([[3], [0], [1]]), 1),
            a.take_along_dim(m.tensor([[2, 0, 1, 1]]), dim=0),
        ),
        [((3, 4),), (T((3, 4)),)],
    ),
    Op(
        "take_along_dim_flat",
        lambda m, a: (m.take_along_dim(a, m.tensor([3, 0, 11])), a.take_along_dim(m.tensor([[1], [2]]))),
        [((3, 4),), ((12,),)],
    ),
    Op(
        "take_along_dim_broadcast",
        lambda m, a: m.take_along_dim(a, m.tensor([[[0, 1, 0, 2, 2]]]), 2),
        [((2, 3, 4),), ((2, 1, 4),)],
    ),
    Op("take_along_dim_argsort", lambda m, a: m.take_along_dim(a, a.argsort(dim=1), dim=1), [((4, 5),)]),
    Op(
        "take_along_dim_ints",
        lambda m, a: m.take_along_dim(a, m.tensor([[0], [1], [2]]), 1),
        [((3, 4),)],
        dtypes=("int64", "uint8", "bool"),
    ),
    Op("take_along_dim_int32_index", lambda m, a: m.take_along_dim(a, m.tensor([5, 0], dtype=m.int32)), [((3, 4),)]),
    Op(
        "atleast",
        lambda m, a: (m.atleast_1d(a), m.atleast_2d(a), m.atleast_3d(a)),
        [((),), ((3,),), ((2, 3),), ((2, 3, 4),), ((2, 1, 3, 2),), (T((2, 3)),)],
    ),
    Op(
        "atleast_many",
        lambda m, a, b: (m.atleast_1d(a, b), m.atleast_2d([a, b]), m.atleast_3d((a, b))),
        [((), (3,)), ((2, 3), (4,))],
    ),
    Op(
        "unfold",
        lambda m, a: (a.unfold(1, 2, 1), a.unfold(0, 2, 2), a.unfold(-1, 3, 2), a.unfold(1, 4, 3), a.unfold(0, 0, 1)),
        [((3, 4),), (T((3, 4)),)],
    ),
    Op("unfold_3d", lambda m, a: a.unfold(1, 3, 1).unfold(0, 2, 1), [((3, 5, 2),)]),
    Op("unfold_0d", lambda m, a: a.unfold(0, 1, 1), [((),)]),
    Op("unfold_ints", lambda m, a: a.unfold(0, 2, 1), [((5, 2),)], dtypes=("int64", "bool")),
    Op(
        "diag_embed",
        lambda m, a: (m.diag_embed(a), a.diag_embed(1), m.diag_embed(a, -2, 1, 0), m.diag_embed(a, 2, dim1=-1, dim2=0)),
        [((3,),), ((2, 3),), (T((3, 2)),)],
    ),
    Op(
        "diag_embed_dims",
        lambda m, a: (m.diag_embed(a, -2, 0, 2), m.diag_embed(a, 1, 2, 1)),
        [((2, 3),), (T((3, 2)),), ((2, 0),), ((2, 2, 3),)],
    ),
    Op("diag_embed_ints", lambda m, a: m.diag_embed(a, -1), [((2, 3),)], dtypes=("int64", "bool")),
    Op(
        "aminmax",
        lambda m, a: (
            m.aminmax(a),
            m.aminmax(a, dim=1),
            a.aminmax(dim=0, keepdim=True),
            m.aminmax(a, dim=-1, keepdim=False),
        ),
        [((3, 4),), (T((4, 3)),), ((2, 3, 2),)],
    ),
    Op("aminmax_0d", lambda m, a: (m.aminmax(a), m.aminmax(a, dim=0), m.aminmax(a, keepdim=True)), [((),)]),
    Op(
        "aminmax_ties",
        lambda m, a: (m.aminmax(a), m.aminmax(a, dim=1)),
        [(_a([[1.0, 3.0, 3.0], [0.0, 0.0, 2.0]]),)],
        gradcheck=False,
    ),
    Op(
        "aminmax_ints", lambda m, a: (m.aminmax(a), m.aminmax(a, dim=0)), [((3, 4),)], dtypes=("int64", "uint8", "bool")
    ),
    Op(
        "logcumsumexp",
        lambda m, a: (m.logcumsumexp(a, 1), a.logcumsumexp(0), m.logcumsumexp(a, dim=-1)),
        [((3, 4),), (T((4, 3)),), ((2, 3, 4),)],
        domain=(-10, 10),
    ),
    Op("logcumsumexp_0d", lambda m, a: m.logcumsumexp(a, 0), [((),), ((0,),)]),
    Op(
        "logcumsumexp_inf",
        lambda m, a: m.logcumsumexp(a, 0),
        [(_a([-np.inf, -np.inf, 0.0, 1000.0, -np.inf, np.inf, 1.0]),)],
        grad=False,
    ),
    Op(
        "logcumsumexp_large", lambda m, a: m.logcumsumexp(a, 0), [(_a([500.0, 800.0, -700.0, 799.0]),)], gradcheck=False
    ),
]


@pytest.mark.parametrize("op", OPS, ids=str)
def test_op(op, torch):
    check_op(op)


def test_unfold_is_a_view(torch):
    def fn(m):
        x = m.arange(10.0).reshape(2, 5)
        w = x.unfold(1, 3, 2)
        x[0, 2] = -1.0  # seen through both overlapping windows
        return w, w.shape, w.stride(), w.is_contiguous()

    both(fn, torch)


def test_unfold_inplace_on_view_reaches_base(torch):
    def fn(m):
        a = m.arange(6.0, requires_grad=True)
        b = a * 1
        w = b.unfold(0, 2, 2)  # disjoint windows
        w.mul_(3)
        b.sum().backward()
        return b, a.grad

    both(fn, torch)


def test_inplace_forms(torch):
    def fn(m):
        x = m.arange(12.0).reshape(3, 4)
        a = x.clone().scatter_reduce_(0, m.tensor(IDX0), m.ones(2, 4), "sum")
        b = x.clone().scatter_reduce_(1, m.tensor(IDX1), m.full((3, 3), 2.0), "amax", include_self=False)
        c = x.clone()
        r = c.index_copy_(1, m.tensor([0, 2]), m.zeros(3, 2))
        return a, b, c, r is c

    both(fn, torch)


def test_inplace_graph(torch):
    def fn(m):
        x = m.arange(1.0, 13.0, dtype=m.float64).reshape(3, 4).requires_grad_(True)
        s = m.tensor([[0.5, 2.0, 1.5, 3.0]], dtype=m.float64, requires_grad=True)
        y = x * 1
        y.index_copy_(1, m.tensor([3]), s[:, :3].t() * 2)
        y.scatter_reduce_(0, m.tensor([[1, 0, 2, 1]]), s, "prod")
        y.sum().backward()
        return y, x.grad, s.grad

    both(fn, torch)


def test_out(torch):
    def fn(m):
        x = m.arange(12.0).reshape(3, 4)
        o1, o2, o3, o4 = m.empty(0), m.empty(3, 4), m.empty(2), m.empty(3, 4)
        lo, hi = m.empty(0), m.empty(0)
        return (
            m.scatter_reduce(x, 0, m.tensor(IDX0), m.ones(2, 4), "mean", out=o1),
            o1,
            m.index_copy(x, 0, m.tensor([1]), m.ones(1, 4), out=o2),
            o2,
            m.take_along_dim(x, m.tensor([0, 5]), out=o3),
            o3,
            m.logcumsumexp(x, 1, out=o4),
            o4,
            m.aminmax(x, dim=0, out=(lo, hi)),
            lo,
            hi,
        )

    both(fn, torch)


def test_grad_fn_names(torch):
    def names(m):
        x = m.arange(1.0, 7.0).reshape(2, 3).requires_grad_(True)
        rs = [
            m.scatter_reduce(x, 0, m.tensor([[1, 0, 1]]), x[:1], "sum"),
            x.index_copy(0, m.tensor([1]), x[:1]),
            x.unfold(1, 2, 1),
            m.diag_embed(x),
            m.logcumsumexp(x, 1),
            m.aminmax(x)[0],
            m.take_along_dim(x, m.tensor([[0]]), 1),
        ]
        return [type(r.grad_fn).__name__ for r in rs]

    assert names(torchlet) == names(torch)


BAD = [
    lambda m: m.zeros(3).scatter_reduce(0, m.tensor([0]), m.ones(1), "foo"),
    lambda m: m.zeros(3).scatter_reduce(0, m.tensor([0]), m.ones(1, dtype=m.float64), "sum"),
    lambda m: m.zeros(3).scatter_reduce(0, m.tensor([5]), m.ones(1), "sum"),
    lambda m: m.zeros(3).scatter_reduce(0, m.tensor([0, 1]), m.ones(1), "sum"),
    lambda m: m.zeros(3, 2).scatter_reduce(0, m.tensor([0]), m.ones(1), "sum"),
    lambda m: m.zeros(3).scatter_reduce(0, m.tensor([0.0]), m.ones(1), "sum"),
    lambda m: m.tensor([True, False]).scatter_reduce(0, m.tensor([0]), m.tensor([True]), "mean"),
    lambda m: m.zeros(3).scatter_reduce(1, m.tensor([0]), m.ones(1), "sum"),
    lambda m: m.zeros(3, 4).index_copy(0, m.tensor([0, 1]), m.ones(1, 4)),
    lambda m: m.zeros(3, 4).index_copy(0, m.tensor([[0]]), m.ones(1, 4)),
    lambda m: m.zeros(3, 4).index_copy(0, m.tensor([0]), m.ones(1, 3)),
    lambda m: m.zeros(3, 4).index_copy(0, m.tensor([-1]), m.ones(1, 4)),
    lambda m: m.zeros(3, 4).index_copy(0, m.tensor([3]), m.ones(1, 4)),
    lambda m: m.zeros(3, 4).index_copy(2, m.tensor([0]), m.ones(1, 4)),
    lambda m: m.zeros(3).index_copy(0, m.tensor([0], dtype=m.int32), m.ones(1)),
    lambda m: m.zeros(3).index_copy(0, m.tensor([0]), m.ones(1, dtype=m.float64)),
    lambda m: m.take_along_dim(m.zeros(3, 4), m.tensor([0.0])),
    lambda m: m.take_along_dim(m.zeros(3, 4), m.tensor([[0]], dtype=m.int32), 1),
    lambda m: m.take_along_dim(m.zeros(3, 4), m.tensor([0]), 1),
    lambda m: m.take_along_dim(m.zeros(3, 4), m.tensor([[0]]), 2),
    lambda m: m.take_along_dim(m.zeros(3, 4), m.zeros(2, 4, dtype=m.int64), 1),
    lambda m: m.atleast_1d(3),
    lambda m: m.atleast_2d([m.ones(1), 3]),
    lambda m: m.arange(5.0).unfold(0, 6, 1),
    lambda m: m.arange(5.0).unfold(0, 2, 0),
    lambda m: m.arange(5.0).unfold(0, -1, 1),
    lambda m: m.arange(5.0).unfold(1, 2, 1),
    lambda m: m.tensor(5.0).unfold(0, 2, 1),
    lambda m: m.diag_embed(m.ones(2, 3), 0, 1, 1),
    lambda m: m.diag_embed(m.ones(2, 3), 0, 1, 3),
    lambda m: m.diag_embed(m.tensor(1.0)),
    lambda m: m.aminmax(m.tensor([])),
    lambda m: m.aminmax(m.zeros(0, 3), dim=0),
    lambda m: m.aminmax(m.zeros(3), dim=1),
    lambda m: m.logcumsumexp(m.tensor([1, 2]), 0),
    lambda m: m.logcumsumexp(m.tensor([True]), 0),
    lambda m: m.logcumsumexp(m.zeros(3), 1),
]


@pytest.mark.parametrize("i", range(len(BAD)))
def test_errors(i, torch):
    both(BAD[i], torch)
