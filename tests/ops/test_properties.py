"""Property tests against PyTorch: broadcasting of binary ops on random shapes,
reshape/permute round trips, and random basic + advanced index expressions
(getitem values and gradients, setitem)."""

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import torchlet
from tests.oracle import assert_same

# the `torch` fixture only seeds torch: sharing it across examples is fine
SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

dims = st.integers(0, 4)
shapes = st.lists(st.integers(0, 4), min_size=0, max_size=4).map(tuple)


@st.composite
def broadcastable_pair(draw):
    out = draw(st.lists(st.integers(1, 4), min_size=0, max_size=4))
    a, b = [], []
    for s in out:
        a.append(draw(st.sampled_from([s, 1])))
        b.append(draw(st.sampled_from([s, 1])))
    a = a[draw(st.integers(0, len(a))) :]
    b = b[draw(st.integers(0, len(b))) :]
    return tuple(a), tuple(b)


def _arr(shape, seed):
    return np.random.default_rng(seed).uniform(-2, 2, size=shape)


@SETTINGS
@given(pair=broadcastable_pair(), op=st.sampled_from(["add", "mul", "sub"]), seed=st.integers(0, 2**16))
def test_broadcasting_binary(pair, op, seed, torch):
    sa, sb = pair
    a, b = _arr(sa, seed), _arr(sb, seed + 1)
    x, y = torchlet.tensor(a, requires_grad=True), torchlet.tensor(b, requires_grad=True)
    tx, ty = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    r, tr = getattr(torchlet, op)(x, y), getattr(torch, op)(tx, ty)
    assert_same(r, tr)
    g = _arr(tuple(tr.shape), seed + 2)
    r.backward(torchlet.tensor(g))
    tr.backward(torch.tensor(g))
    assert_same(x.grad, tx.grad)
    assert_same(y.grad, ty.grad)


@SETTINGS
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=4), rnd=st.randoms(use_true_random=False))
def test_reshape_permute_roundtrip(shape, rnd, torch):
    shape = tuple(shape)
    a = _arr(shape, 0)
    perm = list(range(len(shape)))
    rnd.shuffle(perm)
    inv = list(np.argsort(perm))
    n = int(np.prod(shape))
    new = (n,) if n < 2 else (rnd.choice([d for d in range(1, n + 1) if n % d == 0]), -1)
    for m, lib_x in ((torchlet, torchlet.tensor(a, requires_grad=True)), (torch, torch.tensor(a, requires_grad=True))):
        p = lib_x.permute(*perm)
        back = p.permute(*inv)
        assert tuple(back.shape) == shape
        np.testing.assert_array_equal(back.detach().numpy(), a)
        r = p.reshape(new).reshape(p.shape).permute(*inv)
        np.testing.assert_array_equal(r.detach().numpy(), a)
    x, tx = torchlet.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    out, tout = x.permute(*perm).reshape(new), tx.permute(*perm).reshape(new)
    assert_same(out, tout)
    g = _arr(tuple(tout.shape), 1)
    out.backward(torchlet.tensor(g))
    tout.backward(torch.tensor(g))
    assert_same(x.grad, tx.grad)


@st.composite
def index_expr(draw):
    """(shape, key-builder): key items as plain specs turned into each library's objects."""
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=4)))
    items, dim, ell = [], 0, False
    n_items = draw(st.integers(1, len(shape) + 1))
    for _ in range(n_items):
        left = len(shape) - dim
        kinds = ["none"] + (["int", "slice", "list", "tensor", "mask"] if left else []) + ([] if ell else ["ellipsis"])
        k = draw(st.sampled_from(kinds))
        if k == "none":
            items.append(("none",))
        elif k == "ellipsis":
            ell = True
            items.append(("ellipsis",))
        else:
            size = shape[dim]
            if k == "int":
                items.append(("int", draw(st.integers(-size, size - 1))))
            elif k == "slice":
                start = draw(st.one_of(st.none(), st.integers(-size - 1, size + 1)))
                stop = draw(st.one_of(st.none(), st.integers(-size - 1, size + 1)))
                step = draw(st.one_of(st.none(), st.integers(1, 3)))
                items.append(("slice", slice(start, stop, step)))
            elif k in ("list", "tensor"):
                vals = draw(st.lists(st.integers(-size, size - 1), min_size=1, max_size=3))
                items.append((k, vals))
            else:
                items.append(("mask", draw(st.lists(st.booleans(), min_size=size, max_size=size))))
            dim += 1
    return shape, items


def _key(items, m):
    out = []
    for it in items:
        k = it[0]
        if k == "none":
            out.append(None)
        elif k == "ellipsis":
            out.append(Ellipsis)
        elif k in ("int", "slice", "list"):
            out.append(it[1])
        elif k == "tensor":
            out.append(m.tensor(it[1]))
        else:
            out.append(m.tensor(it[1], dtype=m.bool))
    return tuple(out)


def _n_adv(items):
    return sum(1 for it in items if it[0] in ("list", "tensor", "mask"))


@SETTINGS
@given(expr=index_expr(), seed=st.integers(0, 2**16))
def test_random_getitem(expr, seed, torch):
    shape, items = expr
    if _n_adv(items) > 1:
        # several index arrays must broadcast together: keep them the same length
        lens = {len(it[1]) if it[0] != "mask" else sum(it[1]) for it in items if it[0] in ("list", "tensor", "mask")}
        if len(lens) > 1 and 1 not in lens:
            return
    a = _arr(shape, seed)
    x, tx = torchlet.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            tr = tx[_key(items, torch)]
        except (IndexError, RuntimeError, ValueError) as e:
            with pytest.raises(type(e)):
                x[_key(items, torchlet)]
            return
    r = x[_key(items, torchlet)]
    assert_same(r, tr)
    assert (r._base is not None) == (tr._base is not None)
    g = _arr(tuple(tr.shape), seed + 1)
    r.backward(torchlet.tensor(g))
    tr.backward(torch.tensor(g))
    assert_same(x.grad, tx.grad)


@SETTINGS
@given(expr=index_expr(), seed=st.integers(0, 2**16), scalar=st.booleans())
def test_random_setitem(expr, seed, scalar, torch):
    shape, items = expr
    a = _arr(shape, seed)
    x, tx = torchlet.tensor(a), torch.tensor(a)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            region = tuple(tx[_key(items, torch)].shape)
        except (IndexError, RuntimeError, ValueError):
            return
        v = 1.5 if scalar else _arr(region, seed + 1)
        tx[_key(items, torch)] = v if scalar else torch.tensor(v)
    x[_key(items, torchlet)] = v if scalar else torchlet.tensor(v)
    np.testing.assert_array_equal(x.numpy(), tx.numpy())
