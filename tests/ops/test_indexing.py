"""Subscripting and indexing ops against PyTorch: getitem (basic views and
advanced copies), setitem with autograd, gather/scatter/index_*/masks/take/
nonzero, diagonals and triangles, narrow/select; memory sharing; errors."""

import numpy as np
import pytest

import torchlet
from tests.oracle import Op, T, check_op, check_error

I = lambda m, v: m.tensor(v)
MASK = np.array([[True, False, True, False], [False, False, True, True], [True, True, False, False]])
M = lambda m: m.from_numpy(MASK.copy())

GETITEM = [
    Op("int", lambda m, a: a[1], [((3, 4),), ((3,),)]),
    Op("neg_int", lambda m, a: a[-1, -2], [((3, 4),)]),
    Op("slice", lambda m, a: a[1:3], [((4, 3),), (T((4, 3)),)]),
    Op("slice_step", lambda m, a: a[::2, 1::3], [((5, 7),)]),
    Op("slice_neg", lambda m, a: a[-3:-1, :-1], [((4, 3),)]),
    Op("slice_oob", lambda m, a: a[2:10], [((4, 3),)]),
    Op("slice_empty", lambda m, a: a[3:1], [((4, 3),)]),
    Op("col", lambda m, a: a[:, 1], [((3, 4),), (T((3, 4)),)]),
    Op("ellipsis", lambda m, a: a[..., 0], [((2, 3, 4),)]),
    Op("ellipsis_mid", lambda m, a: a[0, ..., 1:], [((2, 3, 4),)]),
    Op("none", lambda m, a: a[None, :, None], [((3, 4),)]),
    Op("zero_dim", lambda m, a: a[()], [((),)]),
    Op("zero_dim_none", lambda m, a: a[None], [((),)]),
    Op("full_scalar", lambda m, a: a[1, 2], [((3, 4),)]),
    Op("tensor0d_int", lambda m, a: a[I(m, 1)], [((3, 4),)]),
    Op("list", lambda m, a: a[[0, 2, 0]], [((3, 4),)]),
    Op("tensor_idx", lambda m, a: a[I(m, [[0, 1], [2, 2]])], [((3, 4),)]),
    Op("ndarray_idx", lambda m, a: a[np.array([2, -1])], [((3, 4),)]),
    Op("range_idx", lambda m, a: a[range(2), I(m, [3, 1])], [((3, 4),)]),
    Op("two_arrays", lambda m, a: a[[0, 1, 1], [1, 3, 3]], [((3, 4),)]),
    Op("adv_slice", lambda m, a: a[1:, [0, 0, 2]], [((3, 4),), (T((3, 4)),)]),
    Op("adv_separated", lambda m, a: a[[0, 1], :, [1, 2]], [((2, 3, 4),)]),
    Op("int_then_adv", lambda m, a: a[0, :, [1, 2]], [((2, 3, 4),)]),
    Op("adv_int_adjacent", lambda m, a: a[:, 0, [1, 2]], [((2, 3, 4),)]),
    Op("mask", lambda m, a: a[M(m)], [((3, 4),)]),
    Op("mask_rows", lambda m, a: a[I(m, [True, False, True])], [((3, 4),)]),
    Op("mask_list", lambda m, a: a[:, [True, False, True, True]], [((3, 4),)]),
    Op("mask_empty", lambda m, a: a[I(m, [False, False, False])], [((3, 4),)]),
    Op("bool_scalar", lambda m, a: a[True], [((3,),)]),
    Op("empty_list", lambda m, a: a[[]], [((3, 4),)]),
    Op("adv_none", lambda m, a: a[None, [0, 2]], [((3, 4),)]),
    Op("empty_tensor", lambda m, a: a[1:], [((0, 4),)]),
]

OPS = [
    Op("gather", lambda m, a: m.gather(a, 1, I(m, [[0, 0], [3, 1], [2, 2]])), [((3, 4),), (T((3, 4)),)]),
    Op("gather_dim0", lambda m, a: a.gather(0, I(m, [[0, 1, 2, 0], [2, 2, 2, 2]])), [((3, 4),)]),
    Op("gather_neg_dim", lambda m, a: a.gather(-1, I(m, [[1], [0]])), [((3, 4),)]),
    Op("gather_wider", lambda m, a: a.gather(1, I(m, [[0, 1, 2, 3, 3, 0]])), [((3, 4),)]),
    Op("scatter_src", lambda m, a, s: a.scatter(1, I(m, [[0, 2], [1, 3]]), s), [((2, 4), (2, 2))]),
    Op("scatter_value", lambda m, a: m.scatter(a, 0, I(m, [[1, 0, 1, 2]]), 2.5), [((3, 4),)]),
    Op("scatter_add", lambda m, a, s: m.scatter_add(a, 1, I(m, [[0, 0], [1, 1]]), s), [((2, 4), (2, 2))]),
    Op("scatter_add_dim0", lambda m, a, s: a.scatter_add(0, I(m, [[1, 1, 0], [1, 0, 0]]), s), [((2, 3), (2, 3))]),
    Op("index_select", lambda m, a: m.index_select(a, 1, I(m, [3, 0, 3])), [((3, 4),), (T((3, 4)),)]),
    Op("index_select_0d", lambda m, a: a.index_select(0, I(m, 1)), [((3, 4),)]),
    Op("index_add", lambda m, a, s: a.index_add(0, I(m, [0, 2, 0]), s), [((3, 4), (3, 4))]),
    Op("index_add_alpha", lambda m, a, s: m.index_add(a, 1, I(m, [1, 1]), s, alpha=-2.0), [((3, 4), (3, 2))]),
    Op("index_fill", lambda m, a: a.index_fill(1, I(m, [0, 2]), -1.0), [((3, 4),)]),
    Op("masked_fill", lambda m, a: a.masked_fill(M(m), 0.5), [((3, 4),)]),
    Op("masked_fill_bcast", lambda m, a: a.masked_fill(M(m)[0], -1.0), [((3, 4),)]),
    Op("masked_fill_grow", lambda m, a: a.masked_fill(M(m), -1.0), [((4,),)]),
    Op("masked_fill_tensor", lambda m, a, v: a.masked_fill(M(m), v), [((3, 4), ())]),
    Op("masked_select", lambda m, a: m.masked_select(a, M(m)), [((3, 4),), ((4,),)]),
    Op("take", lambda m, a: m.take(a, I(m, [[0, 11], [-1, 5]])), [((3, 4),), (T((3, 4)),)]),
    Op("tril", lambda m, a: m.tril(a), [((3, 4),), ((2, 4, 3),)]),
    Op("tril_k", lambda m, a: a.tril(-1), [((4, 4),)]),
    Op("triu", lambda m, a: m.triu(a, 1), [((3, 4),), (T((3, 4)),)]),
    Op("diag_vec", lambda m, a: m.diag(a), [((3,),)]),
    Op("diag_vec_k", lambda m, a: m.diag(a, -2), [((3,),)]),
    Op("diag_mat", lambda m, a: m.diag(a, 1), [((3, 4),), ((4, 3),)]),
    Op("diagonal", lambda m, a: m.diagonal(a), [((3, 4),), (T((3, 4)),)]),
    Op("diagonal_off", lambda m, a: a.diagonal(-1, 2, 0), [((3, 4, 5),)]),
    Op("diagonal_empty", lambda m, a: a.diagonal(5), [((3, 4),)]),
    Op("trace", lambda m, a: m.trace(a), [((3, 4),), ((3, 3),)]),
    Op("narrow", lambda m, a: m.narrow(a, 1, 1, 2), [((3, 4),)]),
    Op("narrow_neg", lambda m, a: a.narrow(-1, -3, 2), [((3, 4),)]),
    Op("select", lambda m, a: m.select(a, 1, -1), [((3, 4),)]),
]


@pytest.mark.parametrize("op", GETITEM, ids=str)
def test_getitem(op, torch):
    check_op(op)


@pytest.mark.parametrize("op", OPS, ids=str)
def test_op(op, torch):
    check_op(op)


def _pair(torch, shape=(3, 4), dtype="float64", seed=0):
    a = np.random.default_rng(seed).uniform(-1, 1, size=shape).astype(dtype)
    return torchlet.tensor(a), torch.tensor(a)


@pytest.mark.parametrize(
    "key",
    [
        "[1]",
        "[1:3]",
        "[:, 1]",
        "[1, 2:3]",
        "[None]",
        "[...]",
        "[:]",
        "[()]",
        "[1, None]",
        "[[0, 1]]",
        "[IDX(1)]",
        "[IDX([1])]",
        "[0, :, [1, 2]]",
        "[True]",
        "[..., 1]",
        "[:, :, ::2]",
        "[x > 0]",
    ],
)
def test_getitem_grad_fn_and_view(key, torch):
    x = torchlet.randn(3, 4, 5, requires_grad=True) * 1
    tx = torch.randn(3, 4, 5, requires_grad=True) * 1
    y = eval("x" + key, {"x": x, "IDX": torchlet.tensor})
    ty = eval("x" + key, {"x": tx, "IDX": torch.tensor})
    assert y.grad_fn.name() == ty.grad_fn.name()
    assert (y._base is not None) == (ty._base is not None)


@pytest.mark.parametrize("key", ["[1]", "[1:3, ::2]", "[..., 2]", "[None, 0]", "[0, 1]"])
def test_basic_index_shares_memory(key, torch):
    x, tx = torchlet.zeros(3, 4), torch.zeros(3, 4)
    v, tv = eval("x" + key, {"x": x}), eval("x" + key, {"x": tx})
    v.add_(5)
    tv.add_(5)
    np.testing.assert_array_equal(x.numpy(), tx.numpy())
    x.mul_(2)
    tx.mul_(2)
    np.testing.assert_array_equal(v.numpy(), tv.numpy())


def test_advanced_index_copies(torch):
    x = torchlet.zeros(3, 4)
    v = x[[0, 1]]
    v.add_(1)
    assert not x.numpy().any()


@pytest.mark.parametrize(
    "key,value",
    [
        ("[0]", "5.0"),
        ("[:, 1]", "V(3)"),
        ("[1:, ::2]", "V(2)"),
        ("[[0, 2]]", "V(4)"),
        ("[[0, 0]]", "V(4)"),
        ("[mask]", "2.0"),
        ("[mask]", "V(())"),
        ("[0, [1, 3]]", "V(2)"),
        ("[...]", "V(3, 4)"),
        ("[1]", "V(1, 1, 4)"),
        ("[[1, 2], 1:3]", "V(2)"),
        ("[2, 3]", "V(())"),
    ],
)
def test_setitem_autograd(key, value, torch):
    """x[key] = value on a non-leaf: values and gradients of base and value as torch."""
    rng = np.random.default_rng(1)
    a_np = rng.uniform(-1, 1, (3, 4))
    w_np = rng.uniform(-1, 1, (3, 4))
    vals = {}

    def run(m):
        a = m.tensor(a_np, requires_grad=True)
        mask = m.tensor(a_np > 0)

        def V(*shape):
            if len(shape) == 1 and isinstance(shape[0], tuple):
                shape = shape[0]
            if shape not in vals:
                vals[shape] = rng.uniform(-1, 1, shape)
            return m.tensor(vals[shape], requires_grad=True)

        v = eval(value, {"V": V})
        y = a * 2
        exec("y" + key + " = v", {"y": y, "v": v, "mask": mask})
        (y * m.tensor(w_np)).sum().backward()
        return (
            y,
            a.grad,
            (v.grad if isinstance(v, m.Tensor) else None),
            y.grad_fn.name().replace("torch::autograd::", ""),
        )

    ours, theirs = run(torchlet), run(torch)
    np.testing.assert_allclose(ours[0].detach().numpy(), theirs[0].detach().numpy())
    np.testing.assert_allclose(ours[1].numpy(), theirs[1].numpy())
    if theirs[2] is not None:
        np.testing.assert_allclose(ours[2].numpy(), theirs[2].numpy())
    assert ours[3] == theirs[3]


def test_setitem_no_grad_paths(torch):
    x, tx = _pair(torch)
    for key, val in [
        ((0,), 1.5),
        ((slice(None), 2), 7),
        ((np.array([0, 2]),), -1.0),
        ((torchlet.tensor([True, False, True]), 1), 3.0),
    ]:
        tkey = tuple(torch.tensor(k.numpy()) if isinstance(k, torchlet.Tensor) else k for k in key)
        x[key] = val
        tx[tkey] = val
    np.testing.assert_array_equal(x.numpy(), tx.numpy())


def test_setitem_casts_and_bumps_version(torch):
    x = torchlet.zeros(3, dtype=torchlet.int64)
    tx = torch.zeros(3, dtype=torch.int64)
    v0 = x._version[0]
    x[0] = 1.7
    tx[0] = 1.7
    x[1] = torchlet.tensor(2.9)
    tx[1] = torch.tensor(2.9)
    x[x > 1] = torchlet.tensor(5.5, dtype=torchlet.float64)
    tx[tx > 1] = torch.tensor(5.5, dtype=torch.float64)
    np.testing.assert_array_equal(x.numpy(), tx.numpy())
    assert x._version[0] > v0


def test_setitem_value_is_view_of_target(torch):
    def run(m):
        a = m.tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
        y = a * 2
        y[:, 0] += 1
        y[1].mul_(3)
        y[0] = y[2]
        (y * y).sum().backward()
        return y.detach().numpy().copy(), a.grad.numpy()

    (yo, go), (yt, gt) = run(torchlet), run(torch)
    np.testing.assert_allclose(yo, yt)
    np.testing.assert_allclose(go, gt)


def test_inplace_through_views_of_nonleaf(torch):
    def run(m):
        a = m.tensor(np.linspace(-1, 1, 12).reshape(3, 4), requires_grad=True)
        y = a * 2
        y[:, 0] += 1
        y[1].mul_(3)
        y.diagonal().mul_(-1)
        y.narrow(0, 1, 2).add_(2)
        (y**2).sum().backward()
        return a.grad.numpy()

    np.testing.assert_allclose(run(torchlet), run(torch))


def test_saved_tensor_modified_through_index_view(torch):
    def run(m):
        a = m.ones(3, 4, requires_grad=True)
        y = a * 2
        z = y * y
        y[0].add_(1)
        z.sum().backward()

    eo, _ = check_error(run)
    assert "modified by an inplace operation" in str(eo)


def test_diagonal_is_writable_view(torch):
    x, tx = torchlet.zeros(3, 4), torch.zeros(3, 4)
    x.diagonal(1).add_(2)
    tx.diagonal(1).add_(2)
    np.testing.assert_array_equal(x.numpy(), tx.numpy())


def test_inplace_index_ops(torch):
    def run(m):
        a = m.tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
        src = m.tensor(np.ones((3, 2)), requires_grad=True)
        y = a * 1
        y.scatter_(1, m.tensor([[0, 1], [1, 2], [2, 3]]), src)
        y.scatter_add_(0, m.tensor([[0, 1, 2, 0]]), y[:1] * 2)
        y.index_add_(0, m.tensor([2, 2]), y[:2].clone())
        y.index_fill_(1, m.tensor([3]), -1.0)
        y.masked_fill_(m.tensor(np.arange(12).reshape(3, 4) % 5 == 0), 0.25)
        y.tril_(1)
        y.triu_(-1)
        (y * y).sum().backward()
        return y.detach().numpy().copy(), a.grad.numpy(), src.grad.numpy()

    for o, t in zip(run(torchlet), run(torch)):
        np.testing.assert_allclose(o, t)


@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: m.nonzero(x),
        lambda m, x: m.nonzero(x, as_tuple=True),
        lambda m, x: m.argwhere(x),
        lambda m, x: x.nonzero(),
        lambda m, x: m.nonzero(x[0, 0]),
        lambda m, x: m.nonzero(x[0, 0], as_tuple=True),
        lambda m, x: m.nonzero(x[:0]),
    ],
)
def test_nonzero(fn, torch):
    a = np.array([[0, 1.5, 0], [2, 0, -1]])
    from tests.oracle import assert_same

    assert_same(fn(torchlet, torchlet.tensor(a)), fn(torch, torch.tensor(a)))


def test_repeated_index_grad_accumulates(torch):
    def run(m):
        a = m.tensor(np.arange(4.0), requires_grad=True)
        y = a[[0, 0, 3, 0]] * m.tensor([1.0, 2.0, 3.0, 4.0])
        y.sum().backward()
        return a.grad.numpy()

    np.testing.assert_array_equal(run(torchlet), run(torch))


def test_scatter_reduce_add(torch):
    from tests.oracle import assert_same

    f = lambda m: m.zeros(2, 3).scatter(0, m.tensor([[1, 0, 1]]), m.ones(1, 3), reduce="add")
    assert_same(f(torchlet), f(torch))


ERRORS = [
    lambda m: m.zeros(2, 3, 4)[5],
    lambda m: m.zeros(2, 3, 4)[0, 0, 9],
    lambda m: m.zeros(2, 3, 4)[m.tensor([1.0])],
    lambda m: m.zeros(2, 3, 4)[0, 0, 0, 0],
    lambda m: m.zeros(2, 3, 4)[::-1],
    lambda m: m.zeros(2, 3, 4)[m.tensor([5])],
    lambda m: m.zeros(2, 3, 4)[[0, 5]],
    lambda m: m.zeros(2, 3, 4)[1.0],
    lambda m: m.zeros(3, 4)[m.tensor([True, False])],
    lambda m: m.zeros(3, 4)[m.ones(3, 5, dtype=m.bool)],
    lambda m: m.zeros(3, 4).__setitem__(0, m.ones(5)),
    lambda m: m.zeros(3, 4).__setitem__([0, 1], m.ones(3)),
    lambda m: m.zeros(3, 4).__setitem__(0, [1, 2, 3, 4]),
    lambda m: m.zeros(3, 4).__setitem__((0, [1, 2]), m.ones(2, dtype=m.int64)),
    lambda m: m.ones(3, requires_grad=True).__setitem__(0, 1.0),
    lambda m: m.ones(3, requires_grad=True).__setitem__([0], 1.0),
    lambda m: m.zeros(3, 4).gather(1, m.tensor([[0, 5]])),
    lambda m: m.zeros(3, 4).gather(1, m.tensor([[0, -1]])),
    lambda m: m.zeros(3, 4).gather(1, m.tensor([0, 1])),
    lambda m: m.zeros(3, 4).gather(1, m.zeros(4, 4, dtype=m.long)),
    lambda m: m.zeros(3, 4).scatter(1, m.tensor([[0, 5]]), 1.0),
    lambda m: m.zeros(3, 4).scatter(1, m.tensor([[0, 1]]), m.ones(1, 1)),
    lambda m: m.zeros(3, 4).index_select(0, m.tensor([5])),
    lambda m: m.zeros(3, 4).index_select(0, m.tensor([[1]])),
    lambda m: m.zeros(3, 4).index_select(0, m.tensor([1.0])),
    lambda m: m.zeros(3, 4).take(m.tensor([12])),
    lambda m: m.zeros(3, 4).masked_fill(m.ones(3, 4, dtype=m.uint8), 1),
    lambda m: m.zeros(3, 4).masked_fill(m.ones(3, 4, dtype=m.bool), m.ones(2)),
    lambda m: m.ones(4).masked_fill_(m.ones(3, 4, dtype=m.bool), 1),
    lambda m: m.zeros(3, 4).masked_select(m.ones(2, dtype=m.bool)),
    lambda m: m.tril(m.ones(3)),
    lambda m: m.diag(m.ones(2, 2, 2)),
    lambda m: m.trace(m.ones(2, 2, 2)),
    lambda m: m.zeros(3, 4).narrow(0, 5, 1),
    lambda m: m.zeros(3, 4).narrow(0, 2, 3),
    lambda m: m.zeros(3, 4).select(0, 5),
    lambda m: m.zeros(3, 4).diagonal(0, 0, 0),
    lambda m: m.zeros(3, 4).diagonal(0, 0, 5),
    lambda m: m.zeros(3, 4).index_add(0, m.tensor([0]), m.ones(2, 4)),
    lambda m: m.zeros(3, 4).index_add(0, m.tensor([5]), m.ones(1, 4)),
    lambda m: m.zeros(3, 4).index_fill(0, m.tensor([5]), 1.0),
]


@pytest.mark.parametrize("call", ERRORS)
def test_errors(call, torch):
    check_error(call)


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.zeros(2, 3)[5],
        lambda m: m.zeros(2, 3, 4)[0, 0, 9],
        lambda m: m.zeros(2, 3)[m.tensor([1.0])],
        lambda m: m.zeros(2, 3)[0, 0, 0],
        lambda m: m.zeros(2, 3)[::-1],
        lambda m: m.zeros(2, 3)[[0, 5]],
        lambda m: m.zeros(3, 4)[m.tensor([True, False])],
        lambda m: m.zeros(3, 4).__setitem__(0, m.ones(5)),
        lambda m: m.zeros(3, 4).__setitem__([0, 1], m.ones(3)),
        lambda m: m.zeros(3, 4).gather(1, m.tensor([[0, 5]])),
        lambda m: m.zeros(3, 4).index_select(0, m.tensor([5])),
        lambda m: m.zeros(3, 4).select(0, 5),
        lambda m: m.zeros(3, 4).__setitem__((0, [1, 2]), m.ones(2, dtype=m.int64)),
        lambda m: m.zeros(3, 4).masked_fill(m.ones(3, 4, dtype=m.uint8), 1),
    ],
)
def test_error_messages(call, torch):
    eo, et = check_error(call)
    assert str(eo) == str(et)


def test_uint8_index_is_a_mask_with_warning(torch):
    with pytest.warns(UserWarning, match="uint8"):
        r = torchlet.arange(3.0)[torchlet.tensor([1, 0, 1], dtype=torchlet.uint8)]
    with pytest.warns(UserWarning, match="uint8"):
        tr = torch.arange(3.0)[torch.tensor([1, 0, 1], dtype=torch.uint8)]
    from tests.oracle import assert_same

    assert_same(r, tr)


@pytest.mark.parametrize(
    "key", [(Ellipsis, 0, slice(None, 0), [1]), (slice(None, 0), [3]), (slice(0, 0), [[9]], slice(None))]
)
def test_index_selecting_nothing_skips_bounds_checks(key, torch):
    """PyTorch checks an index's bounds only for the elements it reads or writes."""
    results = []
    for lib in (torchlet, torch):
        x = lib.arange(4.0, dtype=lib.float64).reshape(1, 1, 2, 2).requires_grad_()
        y = x[key]
        y.sum().backward()
        z = x.detach().clone()
        z[key] = 1.0
        results.append((tuple(y.shape), x.grad.tolist(), z.tolist()))
    assert results[0] == results[1]
    with pytest.raises(IndexError):  # an element is read: the bound is checked
        torchlet.zeros(2)[[5]]


def test_empty_advanced_result_is_a_new_tensor(torch):
    """An advanced key that selects nothing, out of bounds where nothing is read ([..., :0, [1]]
    on a size-1 dim), gives a new empty tensor as PyTorch's (IndexBackward0, no view) with a
    zero gradient (found by test_properties' random keys)."""
    res = []
    for m in (torchlet, torch):
        x = m.zeros(1, 2, 1, dtype=m.float64, requires_grad=True)
        r = x[..., :0, [1]]
        assert tuple(r.shape) == (1, 0, 1) and r._base is None
        assert r.grad_fn.name() == "IndexBackward0"
        r.sum().backward()
        res.append(x.grad)
    assert np.array_equal(res[0].numpy(), res[1].numpy())
