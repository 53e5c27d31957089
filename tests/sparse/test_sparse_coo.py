"""Sparse COO tensors against PyTorch: construction, printing, coalesce, indices/values,
to_sparse/to_dense, sparse @ dense (torch.mm, torch.spmm, torch.sparse.mm) with gradients to
the dense side, errors, and the GCN example's data pipeline and training step."""

import warnings

import numpy as np
import pytest
import torch

import torchlet
from tests.oracle import assert_same
from tests.ops.both import both

warnings.filterwarnings("ignore", message="Sparse invariant checks")


def _repr(x):
    return repr(x).replace("torchlet.", "torch.")


I = [[0, 1, 1, 0], [2, 0, 2, 2]]
V = [3.0, 4.0, 5.0, 1.0]


@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.sparse_coo_tensor(m.tensor(I), m.tensor(V), (2, 3)),
        lambda m: m.sparse_coo_tensor(m.tensor(I), m.tensor(V), (2, 3)).coalesce(),
        lambda m: m.sparse_coo_tensor(m.tensor(I), m.tensor(V).long(), (2, 3)),
        lambda m: m.sparse_coo_tensor(m.tensor(I), m.tensor(V), (2, 3), dtype=m.float64),
        lambda m: m.sparse_coo_tensor(m.tensor(I), m.tensor(V), (2, 3), requires_grad=True),
        lambda m: m.sparse_coo_tensor(m.tensor([[0, 0, 1]]), m.ones(3, 2)),
        lambda m: m.sparse_coo_tensor(m.zeros(2, 0, dtype=m.long), m.zeros(0), (2, 2)),
        lambda m: m.sparse_coo_tensor(np.array([[0, 1], [1, 0]], dtype=np.int32), m.ones(2), (2, 2), dtype=m.int64),
        lambda m: m.sparse_coo_tensor(I, V),
        lambda m: m.eye(3).to_sparse(),
        lambda m: m.tensor([[[0.0, 1.0], [0, 0]], [[2.0, 0.0], [3, 3]]]).to_sparse(1),
        lambda m: m.sparse_coo_tensor(m.tensor(I), m.tensor(V), (2, 3)).t(),
        lambda m: m.sparse_coo_tensor(m.tensor(I), m.tensor(V), (2, 3)).to(m.float64),
    ],
)
def test_sparse_construction_and_printing(make):
    t, ours = make(torch), make(torchlet)
    assert _repr(ours) == repr(t)
    assert _repr(ours.layout) == repr(t.layout)
    assert ours.is_sparse and t.is_sparse
    assert (ours._nnz(), ours.is_coalesced(), ours.sparse_dim(), ours.dense_dim(), tuple(ours.shape)) == (
        t._nnz(),
        t.is_coalesced(),
        t.sparse_dim(),
        t.dense_dim(),
        tuple(t.shape),
    )
    assert_same(ours.to_dense(), t.to_dense())
    assert_same(ours._indices(), t._indices())
    assert_same(ours._values(), t._values())
    c, tc = ours.coalesce(), t.coalesce()
    assert_same((c.indices(), c.values()), (tc.indices(), tc.values()))


def test_layouts_and_dense_tensors():
    for name in ("strided", "sparse_coo", "jagged"):
        assert _repr(getattr(torchlet, name)) == repr(getattr(torch, name))
    assert _repr(torchlet.ones(2).layout) == repr(torch.ones(2).layout)
    assert torchlet.ones(2).is_sparse is torch.ones(2).is_sparse is False
    d = torchlet.ones(2)
    assert d.to_dense() is d


def test_sparse_errors():
    both(lambda m: m.sparse_coo_tensor(m.tensor(I), m.tensor(V), (2, 3)).indices(), torch)
    both(lambda m: m.sparse_coo_tensor(m.tensor(I), m.tensor(V), (2, 3)).values(), torch)
    both(lambda m: m.sparse_coo_tensor(m.tensor(I), m.ones(2), (2, 3)), torch)
    both(lambda m: m.sparse_coo_tensor(m.tensor([0, 1]), m.ones(2), (2, 3)), torch)
    both(lambda m: m.sparse_coo_tensor(m.tensor(I), m.tensor(V).long(), (2, 3), requires_grad=True), torch)


@pytest.mark.parametrize(
    "product",
    [
        lambda m, s, w: m.spmm(s, w),
        lambda m, s, w: m.sparse.mm(s, w),
        lambda m, s, w: m.mm(s, w),
        lambda m, s, w: s @ w,
        lambda m, s, w: s.mm(w),
        lambda m, s, w: m.matmul(s, w),
    ],
)
def test_sparse_times_dense_gradients(product):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((5, 4)) * (rng.random((5, 4)) > 0.6)
    w = rng.standard_normal((4, 3)).astype(np.float32)
    res = []
    for m in (torch, torchlet):
        s = m.tensor(a.astype(np.float32)).to_sparse()
        W = m.tensor(w, requires_grad=True)
        out = product(m, s, W)
        (out * out).sum().backward()
        res.append((out, W.grad, _repr(out.layout)))
    assert_same(res[1][:2], res[0][:2])
    assert res[1][2] == res[0][2]


def test_dense_plus_sparse_and_dense_times_sparse():
    res = []
    for m in (torch, torchlet):
        adj = m.sparse_coo_tensor(np.array([[0, 1, 2], [1, 2, 0]], dtype=np.int32), m.ones(3), (3, 3), dtype=m.int64)
        full = m.eye(3) + adj
        deg = m.diag(m.sqrt(1 / m.sum(full, dim=1))).to_sparse()
        norm = deg @ full @ deg
        res.append((full, norm, m.ones(2, 3) @ adj.to(m.float32), _repr(norm.layout)))
    assert_same(res[1][:3], res[0][:3])
    assert res[1][3] == res[0][3]


def _gcn_run(m, feats, edges, labels, steps=3):
    """The pytorch/examples gcn data pipeline (load_cora) and training steps, on small data."""
    m.manual_seed(0)
    features = m.FloatTensor(feats)
    scale = 1 / m.sum(features, dim=1)
    scale[scale == float("inf")] = 0
    features = m.diag(scale).to_sparse() @ features
    V, E = feats.shape[0], edges.shape[0]
    adj = m.sparse_coo_tensor(edges.T, m.ones(E), (V, V), dtype=m.int64)
    adj = m.eye(V) + adj
    deg = m.sqrt(1 / m.sum(adj, dim=1))
    deg[deg == float("inf")] = 0
    deg = m.diag(deg).to_sparse()
    adj = (deg @ adj @ deg).to_sparse()
    features = features.to_sparse()
    W1 = m.nn.Parameter(m.randn(feats.shape[1], 8) * 0.3)
    W2 = m.nn.Parameter(m.randn(8, 3) * 0.3)
    opt = m.optim.Adam([W1, W2], lr=0.01, weight_decay=5e-4)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        h = m.nn.functional.relu(m.spmm(adj, m.mm(features, W1)))
        out = m.nn.functional.log_softmax(m.spmm(adj, m.mm(h, W2)), dim=1)
        loss = m.nn.functional.nll_loss(out, m.LongTensor(labels))
        loss.backward()
        opt.step()
        losses.append(loss.detach())
    return losses, W1.detach(), W2.grad


def test_gcn_example_pipeline_matches_torch():
    rng = np.random.default_rng(1)
    feats = (rng.random((12, 10)) > 0.6).astype(np.int32)
    feats[3] = 0  # a node without features: 1/0 -> inf -> 0, as the example handles it
    edges = rng.integers(0, 12, size=(20, 2)).astype(np.int32)
    labels = rng.integers(0, 3, size=12)
    assert_same(_gcn_run(torchlet, feats, edges, labels), _gcn_run(torch, feats, edges, labels), rtol=1e-5, atol=1e-6)
