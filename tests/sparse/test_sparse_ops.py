"""Sparse-preserving operations against PyTorch: arithmetic with scalars, dense and sparse
operands, transpose, torch.sparse.sum / softmax, torch.sparse.mm with the sparse gradient of a
sparse leaf (and the dense gradient of its values), CSR tensors, printed forms and errors."""

import warnings

import numpy as np
import pytest
import torch

import torchlet
from tests.oracle import assert_same
from tests.ops.both import both

warnings.filterwarnings("ignore", message="Sparse (invariant checks|CSR tensor support)")

I = [[0, 1, 1, 0], [2, 0, 2, 2]]  # (0, 2) twice: uncoalesced
V = [3.0, 4.0, 5.0, 1.0]
IC = [[0, 1, 1], [0, 0, 2]]  # coalesced
VC = [1.5, -2.0, 0.5]


def _repr(x):
    return repr(x).replace("torchlet.", "torch.")


def _sp(m, coalesced, grad=False, dense_dim=False):
    if dense_dim:
        return m.sparse_coo_tensor(m.tensor([[0, 2, 0]]), m.tensor([[1.0, 2], [3, 4], [5, 6]]), (3, 2))
    i, v = (IC, VC) if coalesced else (I, V)
    s = m.sparse_coo_tensor(m.tensor(i), m.tensor(v), (2, 3))
    return (s.coalesce() if coalesced else s).requires_grad_(grad)


def _same_sparse(ours, theirs, printed=True):
    """Same layout, pattern, values, dense form (and printed text)."""
    assert _repr(ours.layout) == repr(theirs.layout)
    if printed:
        assert _repr(ours) == repr(theirs)
    if theirs.layout == torch.sparse_coo:
        assert ours.is_coalesced() == theirs.is_coalesced()
        c, tc = ours.detach().coalesce(), theirs.detach().coalesce()
        assert_same((c.indices(), c.values()), (tc.indices(), tc.values()))
    assert_same(ours.detach().to_dense(), theirs.detach().to_dense())


OPS = {
    "mul_scalar": lambda m, a, b: a * 2,
    "rmul_scalar": lambda m, a, b: 0.5 * a,
    "mul_0dim": lambda m, a, b: a * m.tensor(3.0),
    "mul_dense": lambda m, a, b: a * m.arange(6.0).reshape(2, 3),
    "mul_sparse": lambda m, a, b: a * b,
    "mul_method": lambda m, a, b: a.mul(b),
    "add": lambda m, a, b: a + b,
    "add_alpha": lambda m, a, b: a.add(b, alpha=2),
    "sub": lambda m, a, b: a - b,
    "sub_method": lambda m, a, b: a.sub(b),
    "div": lambda m, a, b: a / 4,
    "neg": lambda m, a, b: -a,
    "t": lambda m, a, b: a.t(),
    "transpose": lambda m, a, b: a.transpose(0, 1),
    "sum0": lambda m, a, b: m.sparse.sum(a, 0),
    "sum1": lambda m, a, b: m.sparse.sum(a, dim=1),
    "softmax1": lambda m, a, b: m.sparse.softmax(a, 1),
    "softmax0": lambda m, a, b: m.sparse.softmax(a, 0),
    "coalesce": lambda m, a, b: a.coalesce(),
}


@pytest.mark.parametrize("coalesced", [True, False], ids=["coalesced", "uncoalesced"])
@pytest.mark.parametrize("name", sorted(OPS))
def test_sparse_op_values_printing_and_gradients(name, coalesced):
    res = []
    for m in (torch, torchlet):
        a = _sp(m, coalesced, grad=True)
        b = _sp(m, not coalesced)
        out = OPS[name](m, a, b)
        (out.to_dense() * m.arange(1.0, out.numel() + 1.0).reshape(out.shape)).sum().backward()
        res.append((out, a.grad))
    (tout, tgrad), (out, grad) = res
    _same_sparse(out, tout)
    # The leaf's gradient is sparse. Ours has the leaf's pattern; PyTorch's may carry more entries
    # (the output's pattern passed through): the values at the leaf's entries are compared.
    assert _repr(grad.layout) == repr(tgrad.layout)
    at = tuple(_sp(torch, coalesced).coalesce().indices())
    assert_same(grad.to_dense()[tuple(torchlet.tensor(i.numpy()) for i in at)], tgrad.to_dense()[at])


def test_sparse_sum_full_and_dense_dims():
    for fn in (
        lambda m, s: m.sparse.sum(s),
        lambda m, s: m.sparse.sum(s, (0, 1)),
        lambda m, s: m.sparse.sum(s, 1),
        lambda m, s: m.sparse.sum(s, 0),
        lambda m, s: m.sparse.sum(s, dtype=m.float64),
        lambda m, s: s.sum(),
        lambda m, s: s.sum(0),
    ):
        res = [fn(m, _sp(m, True, dense_dim=True)) for m in (torch, torchlet)]
        if res[0].layout == torch.sparse_coo:
            _same_sparse(res[1], res[0])
        else:
            assert_same(res[1], res[0])


def test_full_sum_of_a_sparse_leaf():
    res = []
    for m in (torch, torchlet):
        s = _sp(m, False, grad=True)
        out = m.sparse.sum(s)
        out.backward()
        res.append((out, s.grad))
    assert _repr(res[1][0]) == repr(res[0][0])
    assert_same(res[1][1].to_dense(), res[0][1].to_dense())


def test_softmax_of_a_row_with_no_entries_and_dtype():
    res = []
    for m in (torch, torchlet):
        s = m.sparse_coo_tensor(m.tensor([[0, 0, 2], [0, 3, 1]]), m.tensor([1.0, 2.0, -1.0]), (3, 4))
        res.append((m.sparse.softmax(s, 1), m.sparse.softmax(s, -1, dtype=m.float64)))
    for ours, theirs in zip(res[1], res[0]):
        _same_sparse(ours, theirs)


@pytest.mark.parametrize("coalesced", [True, False], ids=["coalesced", "uncoalesced"])
def test_sparse_mm_gradients(coalesced):
    """torch.sparse.mm gives a sparse leaf a sparse gradient; torch.mm a dense one; the values a
    sparse tensor was built from get theirs through the construction."""
    w = np.random.default_rng(0).standard_normal((3, 2)).astype(np.float32)
    res = []
    for m in (torch, torchlet):
        a = _sp(m, coalesced, grad=True)
        d = m.tensor(w, requires_grad=True)
        out = m.sparse.mm(a, d)
        (out * out).sum().backward()
        g_sparse, g_d = a.grad, d.grad
        a.grad = None
        m.mm(a, d).sum().backward()
        g_dense = a.grad
        vals = m.tensor(VC if coalesced else V, requires_grad=True)
        b = m.sparse_coo_tensor(m.tensor(IC if coalesced else I), vals, (2, 3))
        m.sparse.mm(b, d).pow(2).sum().backward()
        res.append((out, g_sparse, g_d, g_dense, b, vals.grad))
    ours, theirs = res[1], res[0]
    assert_same(ours[0], theirs[0])
    assert _repr(ours[0]) == repr(theirs[0])
    _same_sparse(ours[1], theirs[1])
    assert_same((ours[2], ours[3], ours[5]), (theirs[2], theirs[3], theirs[5]))
    assert _repr(ours[4]) == repr(theirs[4])


def test_sparse_gradient_accumulates_over_two_backwards():
    res = []
    for m in (torch, torchlet):
        a = _sp(m, True, grad=True)
        d = m.ones(3, 2)
        for k in (1.0, 2.0):
            (m.sparse.mm(a, d) * k).sum().backward()
        res.append(a.grad)
    _same_sparse(res[1].coalesce(), res[0].coalesce(), printed=False)


def test_dense_plus_sparse_and_errors():
    both(lambda m: m.ones(2, 3) + _sp(m, False), torch)
    _same_sparse(torchlet.ones(2, 3) * _sp(torchlet, True), torch.ones(2, 3) * _sp(torch, True))
    both(lambda m: _sp(m, False) + m.ones(2, 3), torch)
    both(lambda m: _sp(m, False) + 1, torch)
    both(lambda m: _sp(m, False) + m.sparse_coo_tensor(m.tensor([[0]]), m.ones(1), (3,)), torch)
    both(lambda m: _sp(m, True, dense_dim=True).t(), torch)


def _csrs(m):
    return [
        _sp(m, False).to_sparse_csr(),
        m.eye(3).to_sparse_csr(),
        m.tensor([[0.0, 2.5, 0, 0], [0, 0, 0, 0], [1, 0, 0, -3]], dtype=m.float64).to_sparse_csr(),
        m.sparse_csr_tensor(m.tensor([0, 1, 2]), m.tensor([1, 0]), m.tensor([1.0, 2.0]), (2, 2)),
        m.sparse_csr_tensor([0, 2, 2], [0, 2], [1, 2], (2, 3)),
        m.zeros(2, 2).to_sparse_csr(),
    ]


def test_csr_tensors():
    for ours, theirs in zip(_csrs(torchlet), _csrs(torch)):
        assert _repr(ours) == repr(theirs)
        assert (ours.is_sparse, ours.is_sparse_csr, ours._nnz()) == (
            theirs.is_sparse,
            theirs.is_sparse_csr,
            theirs._nnz(),
        )
        assert_same(
            (ours.crow_indices(), ours.col_indices(), ours.values(), ours.to_dense()),
            (theirs.crow_indices(), theirs.col_indices(), theirs.values(), theirs.to_dense()),
        )
        _same_sparse(ours.to_sparse(), theirs.to_sparse())
        w = np.arange(ours.shape[1] * 2, dtype=np.float32).reshape(-1, 2)
        if ours.dtype == torchlet.float64:
            w = w.astype(np.float64)
        if theirs.dtype.is_floating_point:
            assert_same(ours @ torchlet.tensor(w), theirs @ torch.tensor(w))
    assert torchlet.ones(2).is_sparse_csr is torch.ones(2).is_sparse_csr is False
    assert _repr(torchlet.sparse_csr) == repr(torch.sparse_csr)


def test_csr_errors():
    for crow, col in (([0, 1, 2], [1, 5]), ([0, 1, 3], [1, 0])):  # PyTorch checks these when asked to
        both(lambda m: m.sparse_csr_tensor(crow, col, m.tensor([1.0, 2.0]), (2, 2), check_invariants=True), torch)
    both(lambda m: m.sparse_csr_tensor([0, 1, 2], [1], [1.0, 2.0], (2, 2), check_invariants=True), torch)
