"""Reductions (sum ... bincount) and torchlet.return_types against PyTorch."""

import numpy as np
import pytest

from tests.oracle import Op, T, assert_same, check_error, check_op

INF = float("inf")
R2 = [((3, 4),), ((),), (T((3, 4)),), ((2, 3, 4),)]
ZEROS = np.array([[1.5, 0.0, 2.0, -1.0], [0.0, 0.0, 3.0, 0.5], [2.0, -0.5, 1.0, 0.0]])
TIES = np.array([[1.0, 3.0, 3.0, -1.0], [2.0, 2.0, 0.0, 2.0]])

OPS = [
    # sum / mean / prod / nan*
    Op("sum", lambda m, a: a.sum(), R2 + [((0, 3),)]),
    Op("sum_dim", lambda m, a: m.sum(a, 1), [((3, 4),), ((2, 3, 4),), (T((3, 4)),), ((0, 3),)]),
    Op("sum_neg_keep", lambda m, a: a.sum(-1, keepdim=True), [((3, 4),), ((),)]),
    Op("sum_tuple", lambda m, a: a.sum((0, -1)), [((2, 3, 4),), (T((3, 4)),)]),
    Op("sum_list_keep", lambda m, a: a.sum([2, 0], keepdim=True), [((2, 3, 4),)]),
    Op("sum_dtype", lambda m, a: a.sum(1, dtype=m.float64), [((3, 4),)], dtypes=("float32",)),
    Op("sum_0d_dim", lambda m, a: a.sum(0), [((),)]),
    Op("mean", lambda m, a: m.mean(a), R2 + [((0, 3),)], gradgradcheck=True),
    Op("mean_dim", lambda m, a: a.mean((0, 2), keepdim=True), [((2, 3, 4),)]),
    Op("mean_neg", lambda m, a: a.mean(-2), [((3, 4),), (T((4, 3)),), ((0, 3),)]),
    Op("mean_dtype", lambda m, a: a.mean(1, dtype=m.float64), [((3, 4),)], dtypes=("float32",)),
    Op("prod", lambda m, a: a.prod(), [((3, 4),), ((),), (T((2, 3)),), (ZEROS,)], domain=(0.5, 1.5)),
    Op("prod_dim", lambda m, a: m.prod(a, 1), [((3, 4),), (ZEROS,), ((0, 3),)], domain=(0.5, 1.5)),
    Op("prod_dim_keep", lambda m, a: a.prod(-2, keepdim=True), [((3, 4),), (ZEROS,), (ZEROS[:2],)]),
    Op("prod_one_zero", lambda m, a: a.prod(), [(ZEROS[0],), (ZEROS[2],)]),
    Op("nansum", lambda m, a: m.nansum(a, 1), [((3, 4),), (np.array([[1.0, np.nan], [2.0, 3.0]]),)]),
    Op("nanmean", lambda m, a: m.nanmean(a), [((3, 4),), (np.array([[1.0, np.nan], [2.0, 3.0]]),)]),
    Op("nanmean_dim", lambda m, a: a.nanmean(0, keepdim=True), [(np.array([[1.0, np.nan], [2.0, 3.0]]),)]),
    # max / min family
    Op("max", lambda m, a: a.max(), R2),
    # two-way ties: the even split is the central difference; the 2nd derivative jumps there
    Op("max_ties", lambda m, a: m.max(a), [(TIES,)], gradgradcheck=False),
    Op("min", lambda m, a: m.min(a), R2 + [(TIES,)]),
    Op("max_dim", lambda m, a: m.max(a, 1), [((3, 4),), (T((3, 4)),), ((2, 3, 4),), ((0, 3),)]),
    Op("max_dim_keep", lambda m, a: a.max(dim=-1, keepdim=True), [((3, 4),), ((),)]),
    # at ties the index-based gradient is one-sided (as torch's): no numerical gradcheck
    Op("max_dim_ties", lambda m, a: a.max(1), [(TIES,)], gradcheck=False),
    Op("min_dim", lambda m, a: a.min(0), [((3, 4),), ((),)]),
    Op("min_dim_ties", lambda m, a: a.min(0), [(TIES.T,)], gradcheck=False),
    Op("max_binary", lambda m, a, b: m.max(a, b), [((3, 4), (3, 4))]),
    Op("amax", lambda m, a: a.amax(), R2),
    Op("amax_dim", lambda m, a: m.amax(a, (0, -1), keepdim=True), [((2, 3, 4),)]),
    Op("amax_ties", lambda m, a: (a.amax(), a.amax((0, 1), keepdim=True)), [(TIES,)], gradgradcheck=False),
    Op("amin_dim", lambda m, a: m.amin(a, 1), [((3, 4),), (TIES,), ((0, 3),)]),
    Op("argmax", lambda m, a: m.argmax(a), R2 + [(TIES,)], grad=False),
    Op("argmax_dim", lambda m, a: a.argmax(1, keepdim=True), [((3, 4),), (TIES,), ((0, 3),)], grad=False),
    Op("argmax_keep_none", lambda m, a: a.argmax(keepdim=True), [((3, 4),)], grad=False),
    Op("argmin_dim", lambda m, a: a.argmin(-1), [((3, 4),), ((),), (TIES,)], grad=False),
    # statistics
    Op("var", lambda m, a: a.var(), R2[:1] + R2[2:]),
    Op("var_dim", lambda m, a: m.var(a, 1, keepdim=True), [((3, 4),), ((2, 3, 4),)]),
    Op("var_unbiased_pos", lambda m, a: m.var(a, False), [((3, 4),)]),
    Op("var_correction", lambda m, a: a.var((0, 2), correction=2), [((2, 3, 4),)]),
    Op("var_dim_unbiased", lambda m, a: a.var(0, False), [((3, 4),), (T((3, 4)),)]),
    Op("std", lambda m, a: a.std(), [((3, 4),), (T((3, 4)),)]),
    Op("std_dim", lambda m, a: m.std(a, -1, correction=0), [((3, 4),), ((2, 3, 4),)]),
    Op("std_const", lambda m, a: a.std(1), [(np.array([[2.0, 2.0, 2.0], [1.0, 2.0, 4.0]]),)], gradcheck=False),
    Op("var_mean", lambda m, a: m.var_mean(a, 1), [((3, 4),), ((2, 3, 4),)]),
    Op("var_mean_all", lambda m, a: m.var_mean(a, correction=0), [((3, 4),)]),
    Op("std_mean", lambda m, a: m.std_mean(a, (0, 1), keepdim=True), [((2, 3, 4),)]),
    Op("std_mean_only_mean", lambda m, a: m.std_mean(a, 0)[1], [((3, 4),)]),
    Op("std_mean_only_std", lambda m, a: m.std_mean(a, 0)[0], [((3, 4),)]),
    Op("norm", lambda m, a: a.norm(), R2[:1] + R2[2:]),
    Op("norm_fro_dim", lambda m, a: m.norm(a, "fro", dim=1), [((3, 4),)]),
    Op("norm_p1", lambda m, a: m.norm(a, 1), [((3, 4),)]),
    Op("norm_p3_dims", lambda m, a: m.norm(a, 3, (0, 1), keepdim=True), [((2, 3, 4),)]),
    Op("norm_p_half", lambda m, a: a.norm(0.5, -1), [((3, 4),)], domain=(0.5, 2.0)),
    Op("norm_inf", lambda m, a: a.norm(INF, 1), [((3, 4),)]),
    Op("norm_inf_ties", lambda m, a: a.norm(INF, 1), [(TIES,)], gradcheck=False),
    Op("norm_neg_inf", lambda m, a: a.norm(-INF), [((3, 4),)]),
    Op("norm_p0", lambda m, a: a.norm(0), [((3, 4),), (ZEROS,)]),
    Op("norm_zero_vector", lambda m, a: a.norm(dim=1), [(np.array([[0.0, 0.0], [3.0, 4.0]]),)], gradcheck=False),
    Op("norm_dtype", lambda m, a: m.norm(a, dtype=m.float64), [((3, 4),)], dtypes=("float32",)),
    Op("logsumexp", lambda m, a: m.logsumexp(a, 1), [((3, 4),), ((2, 3, 4),), ((0, 3),)], domain=(-5, 5)),
    Op("logsumexp_keep", lambda m, a: a.logsumexp((0, 2), keepdim=True), [((2, 3, 4),)]),
    Op("logsumexp_0d", lambda m, a: a.logsumexp(0), [((),)]),
    Op("logsumexp_inf", lambda m, a: a.logsumexp(1), [(np.array([[-INF, -INF], [INF, 1.0], [0.0, 1.0]]),)], grad=False),
    Op("logsumexp_big", lambda m, a: a.logsumexp(1), [(np.array([[1000.0, 1000.5], [-1e3, 1.0]]),)]),
    # scans
    Op("cumsum", lambda m, a: m.cumsum(a, 1), [((3, 4),), (T((3, 4)),), ((0, 3),)]),
    Op("cumsum_neg", lambda m, a: a.cumsum(-3), [((2, 3, 4),)]),
    Op("cumsum_0d", lambda m, a: a.cumsum(0), [((),)]),
    Op("cumsum_dtype", lambda m, a: a.cumsum(0, dtype=m.float64), [((3, 4),)], dtypes=("float32",)),
    Op("cumsum_long", lambda m, a: a.cumsum(0), [(np.linspace(-1, 1, 5000),)], dtypes=("float32",), grad=False),
    Op("cumprod", lambda m, a: m.cumprod(a, 1), [((3, 4),), (T((3, 4)),), (ZEROS,)], domain=(0.5, 1.5)),
    Op("cumprod_0", lambda m, a: a.cumprod(0), [(ZEROS,), ((),)]),
    Op("cummax", lambda m, a: m.cummax(a, 1), [((3, 4),)]),
    Op("cummax_0d", lambda m, a: m.cummax(a, 0), [((),)]),
    Op("cummin", lambda m, a: a.cummin(0), [((3, 4),), (T((3, 4)),)]),
    Op("cummax_ties", lambda m, a: (a.cummax(1), a.cummin(1)), [(TIES,)], gradcheck=False),
    Op("cummax_nan", lambda m, a: a.cummax(0), [(np.array([1.0, np.nan, 3.0, np.nan, 5.0]),)], grad=False),
    # order statistics
    Op("median", lambda m, a: a.median(), [((3, 4),), ((),), ((3, 5),)]),
    Op("median_ties", lambda m, a: a.median(), [(TIES,)], gradcheck=False),
    Op("median_dim", lambda m, a: m.median(a, 1), [((3, 4),), ((3, 5),), (T((3, 4)),)]),
    Op("median_dim_keep", lambda m, a: a.median(0, keepdim=True), [((3, 4),), ((),)]),
    Op("median_nan", lambda m, a: a.median(0), [(np.array([[1.0, 2.0], [np.nan, 3.0], [0.0, 1.0]]),)], grad=False),
    Op("nanmedian", lambda m, a: a.nanmedian(), [(np.array([1.0, np.nan, 3.0, 2.0]),), ((3, 4),)]),
    Op(
        "nanmedian_dim",
        lambda m, a: m.nanmedian(a, 0),
        [(np.array([[1.0, np.nan], [np.nan, 3.0], [0.0, 1.0], [4.0, 2.0]]),)],
    ),
    Op("kthvalue", lambda m, a: m.kthvalue(a, 2), [((3, 4),), (T((3, 4)),)]),
    Op("kthvalue_dim", lambda m, a: a.kthvalue(3, 0, keepdim=True), [((3, 4),), ((4, 2, 3),)]),
    Op("kthvalue_0d", lambda m, a: a.kthvalue(1), [((),)]),
    Op("mode", lambda m, a: m.mode(a), [(np.array([[3.0, 2, 3, 2, 1], [1, 2, 2, 3, 3]]),)], gradcheck=False),
    Op(
        "mode_dim",
        lambda m, a: a.mode(0, keepdim=True),
        [(np.array([[3.0, 2, 3], [1, 2, 2], [3, 1, 2]]),)],
        gradcheck=False,
    ),
    Op("sort", lambda m, a: m.sort(a), [((3, 4),), ((),), (T((3, 4)),), ((0, 3),)]),
    Op("sort_desc", lambda m, a: a.sort(0, descending=True), [((3, 4),), ((2, 3, 4),)]),
    Op(
        "sort_stable",
        lambda m, a: m.sort(a, stable=True, descending=True),
        [(np.array([1.0, 3, 3, 2, 1, 3]),)],
        gradcheck=False,
    ),
    Op("sort_stable_asc", lambda m, a: a.sort(stable=True), [(np.array([1.0, 3, 3, 2, 1, 3]),)], gradcheck=False),
    Op("sort_nan", lambda m, a: a.sort(descending=True), [(np.array([1.0, np.nan, 3.0]),)], grad=False),
    Op("argsort", lambda m, a: m.argsort(a, 1), [((3, 4),), (T((3, 4)),)], grad=False),
    Op("argsort_desc", lambda m, a: a.argsort(descending=True), [((3, 4),)], grad=False),
    Op("msort", lambda m, a: m.msort(a), [((3, 4),)]),
    Op("topk", lambda m, a: m.topk(a, 2), [((3, 4),), (T((3, 4)),), ((2, 3, 4),)]),
    Op("topk_smallest", lambda m, a: a.topk(3, 0, largest=False), [((3, 4),), ((5,),)]),
    Op("topk_zero", lambda m, a: a.topk(0), [((3, 4),)]),
    # NumPy spellings PyTorch accepts (axis=, keepdims=)
    Op(
        "numpy_names",
        lambda m, a: (
            a.sum(axis=1, keepdims=True),
            a.argmax(axis=1),
            a.max(axis=0),
            m.mean(a, axis=0),
            a.std(axis=1),
            a.cumsum(axis=0),
            a.sort(axis=0),
            a.amax(axis=0),
            a.topk(1, axis=0),
            a.prod(axis=0),
            a.logsumexp(axis=0),
            a.median(axis=0),
            a.var(axis=1, keepdims=True),
            a.min(axis=0, keepdim=True),
            a.all(axis=0),
            a.count_nonzero(axis=1),
            a.cummax(axis=1),
            a.argsort(axis=0),
            a.kthvalue(2, axis=0),
        ),
        [((3, 4),)],
        gradgradcheck=False,
    ),
    Op("topk_nan", lambda m, a: a.topk(2), [(np.array([1.0, np.nan, 3.0, 2.0]),)], grad=False),
]

INT_OPS = [
    Op("sum_int", lambda m, a: a.sum(), [((3, 4),)], dtypes=("int64", "int32", "uint8", "bool")),
    Op("sum_int_dim", lambda m, a: a.sum(1, dtype=m.float32), [((3, 4),)], dtypes=("int32",)),
    Op("prod_int", lambda m, a: a.prod(0), [((3, 4),)], dtypes=("int64", "int16", "bool")),
    Op("max_int", lambda m, a: a.max(1), [((3, 4),)], dtypes=("int64", "uint8", "bool")),
    Op("amin_int", lambda m, a: a.amin(), [((3, 4),)], dtypes=("int32",)),
    Op("argmin_int", lambda m, a: a.argmin(0), [((3, 4),)], dtypes=("int64", "uint8")),
    Op("cumsum_int", lambda m, a: a.cumsum(1), [((3, 4),)], dtypes=("int32", "bool", "uint8")),
    Op("cumprod_int", lambda m, a: a.cumprod(0), [((3, 4),)], dtypes=("int64", "uint8")),
    Op("all", lambda m, a: a.all(), [((3, 4),), ((),), ((0, 3),)], dtypes=("bool", "int64", "uint8", "float32")),
    Op("all_dim", lambda m, a: m.all(a, 1, keepdim=True), [((3, 4),)], dtypes=("bool", "uint8")),
    Op("any", lambda m, a: m.any(a), [((3, 4),), ((0, 3),)], dtypes=("bool", "int64", "float32")),
    Op("any_dims", lambda m, a: a.any((0, 1)), [((2, 3, 4),)], dtypes=("bool", "uint8")),
    Op("count_nonzero", lambda m, a: m.count_nonzero(a), [((3, 4),), ((),)], dtypes=("int64", "bool", "float32")),
    Op("count_nonzero_dim", lambda m, a: a.count_nonzero((0, -1)), [((2, 3, 4),)], dtypes=("int64",)),
    Op("median_int", lambda m, a: (a.median(), a.median(1)), [((3, 5),)], dtypes=("int64",)),
    Op("sort_int", lambda m, a: a.sort(stable=True), [((3, 6),)], dtypes=("int64", "bool")),
    Op("topk_int", lambda m, a: a.topk(2, largest=False).values, [((3, 6),)], dtypes=("int32",)),
    Op("cummax_int", lambda m, a: a.cummax(1), [((3, 6),)], dtypes=("int64",)),
    Op("mode_int", lambda m, a: a.mode(), [((3, 8),)], dtypes=("int64",)),
    Op("logsumexp_int", lambda m, a: a.logsumexp(1), [((3, 4),)], dtypes=("int64",)),
]


@pytest.mark.parametrize("op", OPS + INT_OPS, ids=str)
def test_op(op, torch):
    check_op(op)


def test_unique(torch):
    import torchlet

    data = np.array([[3, 1, 3], [2, 1, 2], [3, 1, 3]])
    a, b = torchlet.tensor(data), torch.tensor(data)
    for kw in (
        {},
        dict(return_inverse=True),
        dict(return_counts=True),
        dict(return_inverse=True, return_counts=True),
        dict(sorted=False),
    ):
        assert_same(torchlet.unique(a, **kw), torch.unique(b, **kw), what=str(kw))
        assert_same(a.unique(dim=0, **kw), b.unique(dim=0, **kw), what=f"dim=0 {kw}")
        assert_same(a.unique(dim=1, **kw), b.unique(dim=1, **kw), what=f"dim=1 {kw}")
    f = np.array([2.5, -1.0, 2.5, 0.0], dtype=np.float32)
    assert_same(
        torchlet.unique(torchlet.tensor(f), return_counts=True), torch.unique(torch.tensor(f), return_counts=True)
    )


@pytest.mark.parametrize("weights", [None, "float32", "float64", "int64"])
@pytest.mark.parametrize("minlength", [0, 7])
def test_bincount(weights, minlength, torch):
    import torchlet

    x = np.array([1, 1, 3, 0, 5, 1])
    w = None if weights is None else np.arange(6).astype(weights) * 0.5 if weights != "int64" else np.arange(6)
    ours = torchlet.bincount(torchlet.tensor(x), None if w is None else torchlet.tensor(w), minlength)
    theirs = torch.bincount(torch.tensor(x), None if w is None else torch.tensor(w), minlength)
    assert_same(ours, theirs)
    assert_same(torchlet.tensor(x).bincount(minlength=minlength), torch.tensor(x).bincount(minlength=minlength))


def test_bincount_empty(torch):
    import torchlet

    assert_same(
        torchlet.bincount(torchlet.tensor([], dtype=torchlet.int64)),
        torch.bincount(torch.tensor([], dtype=torch.int64)),
    )


@pytest.mark.parametrize(
    "name, fn",
    [
        ("max", lambda m, x: x.max(1)),
        ("min", lambda m, x: m.min(x, 0, keepdim=True)),
        ("sort", lambda m, x: x.sort()),
        ("topk", lambda m, x: x.topk(1)),
        ("median", lambda m, x: x.median(1)),
        ("nanmedian", lambda m, x: x.nanmedian(0)),
        ("kthvalue", lambda m, x: x.kthvalue(1)),
        ("mode", lambda m, x: x.mode()),
        ("cummax", lambda m, x: x.cummax(1)),
        ("cummin", lambda m, x: x.cummin(0)),
        ("max_0d", lambda m, x: x[0, 0].max(0) if hasattr(x, "__getitem__") else None),
    ],
)
def test_named_tuple(name, fn, torch):
    import torchlet

    data = np.array([[1.0, 3.0, 2.0], [4.0, 0.0, 6.0]], dtype=np.float32)
    if name == "max_0d":
        ours = torchlet.tensor(4.0).max(0)
        theirs = torch.tensor(4.0).max(0)
    else:
        ours, theirs = fn(torchlet, torchlet.tensor(data)), fn(torch, torch.tensor(data))
    assert type(ours).__name__ == type(theirs).__name__
    assert type(ours).__module__ == "torchlet.return_types"
    assert isinstance(ours, tuple) and len(ours) == 2
    assert_same(ours.values, theirs.values)
    assert_same(ours.indices, theirs.indices)
    values, indices = ours
    assert values is ours[0] and indices is ours[1]
    assert str(ours) == str(theirs).replace("torch.return_types", "torchlet.return_types")
    assert repr(ours) == repr(theirs).replace("torch.return_types", "torchlet.return_types")


def test_named_tuple_grad_fn_printing(torch):
    import torchlet

    x = torchlet.tensor([[1.0, 3.0], [4.0, 0.0]], requires_grad=True)
    tx = torch.tensor([[1.0, 3.0], [4.0, 0.0]], requires_grad=True)
    assert str(x.max(1)) == str(tx.max(1)).replace("torch.return_types", "torchlet.return_types")


def test_return_types_module(torch):
    import pickle

    import torchlet

    rt = torchlet.return_types
    for name in (
        "max",
        "min",
        "sort",
        "topk",
        "median",
        "nanmedian",
        "mode",
        "kthvalue",
        "cummax",
        "cummin",
        "aminmax",
        "slogdet",
        "linalg_svd",
        "svd",
        "linalg_qr",
        "linalg_eigh",
    ):
        ours, theirs = getattr(rt, name), getattr(torch.return_types, name)
        assert ours.n_fields == theirs.n_fields
        made = ours(tuple(range(ours.n_fields)))
        assert repr(made) == repr(theirs(tuple(range(theirs.n_fields)))).replace("torch.", "torchlet.")
    r = rt.max((torchlet.tensor([1.0]), torchlet.tensor([0])))
    back = pickle.loads(pickle.dumps(r))
    assert type(back) is rt.max and back.values.tolist() == [1.0]
    assert r == (r[0], r[1]) and r[:1] == (r[0],)
    with pytest.raises(TypeError):
        rt.max((1, 2, 3))


def test_grad_fn_names(torch):
    import torchlet

    data = np.array([[1.0, 3.0, 2.0], [4.0, 0.5, 6.0]])
    calls = [
        lambda m, x: x.sum(),
        lambda m, x: x.sum(1),
        lambda m, x: x.mean(),
        lambda m, x: x.mean(0),
        lambda m, x: x.prod(),
        lambda m, x: x.prod(1),
        lambda m, x: x.nansum(),
        lambda m, x: x.nanmean(),
        lambda m, x: x.max(),
        lambda m, x: x.max(1)[0],
        lambda m, x: x.min(),
        lambda m, x: x.min(1)[0],
        lambda m, x: x.amax(1),
        lambda m, x: x.amin(),
        lambda m, x: x.var(),
        lambda m, x: x.std(1),
        lambda m, x: m.var_mean(x)[0],
        lambda m, x: m.std_mean(x, 1)[1],
        lambda m, x: x.norm(),
        lambda m, x: x.norm(1, 1),
        lambda m, x: x.logsumexp(1),
        lambda m, x: x.cumsum(1),
        lambda m, x: x.cumprod(0),
        lambda m, x: x.cummax(1)[0],
        lambda m, x: x.cummin(1)[0],
        lambda m, x: x.median(),
        lambda m, x: x.median(1)[0],
        lambda m, x: x.nanmedian(),
        lambda m, x: x.nanmedian(0)[0],
        lambda m, x: x.kthvalue(1)[0],
        lambda m, x: x.mode()[0],
        lambda m, x: x.sort()[0],
        lambda m, x: x.topk(2)[0],
        lambda m, x: m.msort(x),
    ]
    x = torchlet.tensor(data, requires_grad=True)
    tx = torch.tensor(data, requires_grad=True)
    for i, f in enumerate(calls):
        assert f(torchlet, x).grad_fn.name() == f(torch, tx).grad_fn.name(), i


def test_int_outputs_have_no_grad(torch):
    import torchlet

    x = (
        torchlet.randn(3, 4, requires_grad=True)
        if hasattr(torchlet, "randn")
        else torchlet.tensor(np.random.default_rng(0).normal(size=(3, 4)), requires_grad=True)
    )
    assert not x.max(1).indices.requires_grad
    assert not x.argmax().requires_grad
    assert not x.all().requires_grad
    assert not x.count_nonzero().requires_grad


def test_no_grad_mode_records_nothing(torch):
    import torchlet

    x = torchlet.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    with torchlet.no_grad():
        for r in (x.sum(), x.prod(), x.std(), x.max(1).values, x.sort().values, x.cumprod(0), x.logsumexp(1), x.norm()):
            assert r.grad_fn is None and not r.requires_grad


def test_std_warns_on_zero_dof(torch):
    import torchlet

    with pytest.warns(UserWarning, match="degrees of freedom"):
        r = torchlet.tensor([1.0]).std()
    assert np.isnan(r.item())


def test_inplace_cumsum(torch):
    import torchlet

    data = np.array([[1.0, 2.0], [3.0, 4.0]])
    a, b = torchlet.tensor(data), torch.tensor(data)
    a.cumsum_(0)
    b.cumsum_(0)
    assert_same(a, b)
    a, b = torchlet.tensor(data), torch.tensor(data)
    assert_same(a.cumprod_(1), b.cumprod_(1))


def test_cumprod_zero_double_backward(torch):
    """gradient of the gradient through zeros (the exact branch of CumprodBackward0)."""
    import torchlet

    data = np.array([2.0, 0.0, 3.0, 0.0, 1.5])
    gs = np.array([0.3, -1.0, 0.7, 0.2, 0.5])
    for lib in (torchlet, torch):
        x = lib.tensor(data, requires_grad=True)
        (g,) = lib.autograd.grad(x.cumprod(0), x, lib.tensor(gs), create_graph=True)
        (gg,) = lib.autograd.grad(g.sum(), x)
        if lib is torchlet:
            ours = (g, gg)
        else:
            theirs = (g, gg)
    assert_same(ours, theirs)


ERRORS = [
    ("sum_dim_range", lambda m: m.ones(2, 3).sum(2)),
    ("sum_dim_neg_range", lambda m: m.ones(2, 3).sum(-3)),
    ("sum_dup_dims", lambda m: m.ones(2, 3).sum((1, 1))),
    ("mean_int", lambda m: m.ones(2, 3, dtype=m.int64).mean()),
    ("mean_bool", lambda m: m.ones(2, dtype=m.bool).mean(0)),
    ("nanmean_int", lambda m: m.ones(2, dtype=m.int64).nanmean()),
    ("prod_tuple", lambda m: m.ones(2, 3).prod((0, 1))),
    ("max_empty", lambda m: m.ones(0, 3).max()),
    ("max_empty_dim", lambda m: m.ones(0, 3).max(0)),
    ("max_dim_range", lambda m: m.ones(2, 3).max(2)),
    ("amax_empty", lambda m: m.ones(0, 3).amax()),
    ("amin_empty_dim", lambda m: m.ones(0, 3).amin(0)),
    ("argmax_empty", lambda m: m.ones(0, 3).argmax()),
    ("argmax_bool", lambda m: m.ones(3, dtype=m.bool).argmax()),
    ("argmin_empty_dim", lambda m: m.ones(0, 3).argmin(0)),
    ("std_int", lambda m: m.ones(2, dtype=m.int64).std()),
    ("var_dim_range", lambda m: m.ones(2, 3).var(3)),
    ("norm_int", lambda m: m.ones(2, dtype=m.int64).norm()),
    ("norm_fro_3dims", lambda m: m.ones(2, 2, 2).norm("fro", dim=(0, 1, 2))),
    ("logsumexp_no_dim", lambda m: m.ones(2).logsumexp()),
    ("cumsum_range", lambda m: m.ones(2, 3).cumsum(2)),
    ("cumprod_range", lambda m: m.ones(2, 3).cumprod(-3)),
    ("kthvalue_k", lambda m: m.ones(2, 3).kthvalue(4)),
    ("kthvalue_zero", lambda m: m.ones(2, 3).kthvalue(0)),
    ("topk_k", lambda m: m.ones(2, 3).topk(4)),
    ("sort_range", lambda m: m.ones(2, 3).sort(2)),
    ("median_empty_dim", lambda m: m.ones(0, 3).median(0)),
    ("bincount_neg", lambda m: m.bincount(m.tensor([1, -1, 3]))),
    ("bincount_2d", lambda m: m.bincount(m.tensor([[1, 2]]))),
    ("bincount_float", lambda m: m.bincount(m.tensor([1.0, 2.0]))),
    ("count_nonzero_range", lambda m: m.ones(2, 3).count_nonzero(2)),
    ("all_range", lambda m: m.ones(2, 3).all(5)),
    ("cummax_range", lambda m: m.ones(2, 3).cummax(2)),
]


@pytest.mark.parametrize("name, fn", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors(name, fn, torch):
    ours, theirs = check_error(fn)
    if isinstance(theirs, (IndexError, RuntimeError)) and "out of range" in str(theirs):
        assert str(ours) == str(theirs)


def test_mean_int_message(torch):
    ours, theirs = check_error(lambda m: m.ones(2, dtype=m.int64).mean())
    assert str(ours) == str(theirs)


def test_max_empty_message(torch):
    ours, theirs = check_error(lambda m: m.ones(0, 3).max())
    assert str(ours) == str(theirs)
