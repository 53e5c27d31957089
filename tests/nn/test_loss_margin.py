"""Margin, hinge, cosine-embedding, Gaussian-NLL, triplet and multi-margin losses
against PyTorch: values and gradients for every reduction, float64 gradcheck,
broadcasting, errors (class and message) and the modules' reprs."""

import warnings

import numpy as np
import pytest

from tests.nn._exact import same_error
from tests.oracle import assert_same

RED = ["none", "mean", "sum"]
rng = np.random.default_rng(0)
X = rng.normal(size=(5, 6))
X2 = rng.normal(size=(5, 6))
X3 = rng.normal(size=(5, 6))
Y5 = np.array([1.0, -1.0, 1.0, -1.0, -1.0])
T5 = np.array([0, 5, 2, 2, 3])
TL = np.array(
    [[0, 3, -1, 2, 1, 1], [5, 5, 5, 5, 5, 5], [-1, 0, 1, 2, 3, 4], [1, 2, 3, 4, 5, 0], [2, 0, -1, -1, -1, -1]]
)
W6 = rng.uniform(0.2, 2.0, 6)


def F(m):
    return m.nn.functional


CASES = {
    "margin_ranking": (
        lambda m, a, b, y, r: F(m).margin_ranking_loss(a, b, y, 0.3, reduction=r),
        [X, X2, np.sign(X3)],
        (0, 1, 2),
    ),
    "margin_ranking_bcast": (
        lambda m, a, b, y, r: F(m).margin_ranking_loss(a, b, y, reduction=r),
        [X[:, :1], X2[:1], np.sign(X3)],
        (0, 1),
    ),
    "hinge": (lambda m, a, y, r: F(m).hinge_embedding_loss(a, y, 0.8, reduction=r), [X, np.sign(X2)], (0,)),
    "hinge_other_targets": (lambda m, a, y, r: F(m).hinge_embedding_loss(a, y, reduction=r), [X, np.round(X2)], (0,)),
    "hinge_bcast": (lambda m, a, y, r: F(m).hinge_embedding_loss(a, y, reduction=r), [X, np.sign(X2[0])], (0,)),
    "cosine": (lambda m, a, b, y, r: F(m).cosine_embedding_loss(a, b, y, 0.1, reduction=r), [X, X2, Y5], (0, 1)),
    "cosine_0d": (
        lambda m, a, b, y, r: F(m).cosine_embedding_loss(a, b, y, reduction=r),
        [X[0], X2[0], np.array(-1.0)],
        (0, 1),
    ),
    "gaussian_nll": (
        lambda m, a, b, v, r: F(m).gaussian_nll_loss(a, b, v, reduction=r),
        [X, X2, np.abs(X3) + 0.1],
        (0, 1, 2),
    ),
    "gaussian_nll_full_shared": (
        lambda m, a, b, v, r: F(m).gaussian_nll_loss(a, b, v, full=True, reduction=r),
        [X, X2, np.abs(X3[:, 0]) + 0.1],
        (0, 1, 2),
    ),
    "gaussian_nll_one_dim": (
        lambda m, a, b, v, r: F(m).gaussian_nll_loss(a, b, v, reduction=r),
        [X, X2, np.abs(X3[:1]) + 0.1],
        (0, 1, 2),
    ),
    "gaussian_nll_float_var": (lambda m, a, b, r: F(m).gaussian_nll_loss(a, b, 0.7, reduction=r), [X, X2], (0, 1)),
    "gaussian_nll_clamped": (
        lambda m, a, b, v, r: F(m).gaussian_nll_loss(a, b, v, eps=0.5, reduction=r),
        [X, X2, np.abs(X3)],
        (0, 1, 2),
    ),
    "triplet": (lambda m, a, p, n, r: F(m).triplet_margin_loss(a, p, n, reduction=r), [X, X2, X3], (0, 1, 2)),
    "triplet_swap_p1": (
        lambda m, a, p, n, r: F(m).triplet_margin_loss(a, p, n, 2.0, 1, swap=True, reduction=r),
        [X, X2, X3],
        (0, 1, 2),
    ),
    "triplet_1d": (
        lambda m, a, p, n, r: F(m).triplet_margin_loss(a, p, n, reduction=r),
        [X[0], X2[0], X3[0]],
        (0, 1, 2),
    ),
    "triplet_distance": (
        lambda m, a, p, n, r: F(m).triplet_margin_with_distance_loss(
            a, p, n, distance_function=lambda u, v: 1 - F(m).cosine_similarity(u, v), margin=0.5, swap=True, reduction=r
        ),
        [X, X2, X3],
        (0, 1, 2),
    ),
    "triplet_distance_default": (
        lambda m, a, p, n, r: F(m).triplet_margin_with_distance_loss(a, p, n, reduction=r),
        [X, X2, X3],
        (0, 1, 2),
    ),
    "multi_margin": (lambda m, a, t, r: F(m).multi_margin_loss(a, t, reduction=r), [X, T5], (0,)),
    "multi_margin_p2": (lambda m, a, t, r: F(m).multi_margin_loss(a, t, p=2, margin=0.6, reduction=r), [X, T5], (0,)),
    "multi_margin_weight": (
        lambda m, a, t, w, r: F(m).multi_margin_loss(a, t, 2, 1.0, w, reduction=r),
        [X, T5, W6],
        (0,),
    ),
    "multi_margin_1d": (lambda m, a, t, r: F(m).multi_margin_loss(a, t, reduction=r), [X[0], np.array(3)], (0,)),
    "multi_margin_1d_t1": (
        lambda m, a, t, r: F(m).multi_margin_loss(a, t, p=2, reduction=r),
        [X[0], np.array([3])],
        (0,),
    ),
    "multilabel_margin": (lambda m, a, t, r: F(m).multilabel_margin_loss(a, t, reduction=r), [X, TL], (0,)),
    "multilabel_margin_1d": (lambda m, a, t, r: F(m).multilabel_margin_loss(a, t, reduction=r), [X[0], TL[0]], (0,)),
    "multilabel_soft_margin": (
        lambda m, a, t, r: F(m).multilabel_soft_margin_loss(a, t, reduction=r),
        [X, (X2 > 0) * 1.0],
        (0, 1),
    ),
    "multilabel_soft_margin_weight": (
        lambda m, a, t, w, r: F(m).multilabel_soft_margin_loss(a, t, w, reduction=r),
        [X, (X2 > 0) * 1.0, W6],
        (0, 1, 2),
    ),
}


def _tensors(m, arrays, grad_idx, dtype):
    out = []
    for i, a in enumerate(arrays):
        t = m.tensor(a.astype(dtype) if a.dtype.kind == "f" else a.copy())
        if i in grad_idx:
            t.requires_grad_(True)
        out.append(t)
    return out


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("reduction", RED)
@pytest.mark.parametrize("name", sorted(CASES))
def test_loss(name, reduction, dtype, torch):
    import torchlet

    fn, arrays, grad_idx = CASES[name]
    res = []
    for m in (torchlet, torch):
        ts = _tensors(m, arrays, grad_idx, dtype)
        out = fn(m, *ts, reduction)
        g = np.random.default_rng(5).uniform(0.5, 1.5, tuple(out.shape)).astype(dtype)
        grads = m.autograd.grad(out, [ts[i] for i in grad_idx], m.tensor(g))
        res.append((out, grads))
    (o, go), (t, gt) = res
    assert_same(o, t, what="value")
    for k, (a, b) in enumerate(zip(go, gt)):
        assert_same(a, b, what=f"grad {k}")
    if dtype == "float64" and name != "gaussian_nll_clamped":  # PyTorch's var grad ignores its clamp
        ts = _tensors(torchlet, arrays, grad_idx, dtype)

        def f(*xs):
            args = list(ts)
            for i, x in zip(grad_idx, xs):
                args[i] = x
            return fn(torchlet, *args, reduction)

        xs = tuple(ts[i].detach().clone().requires_grad_(True) for i in grad_idx)
        assert torchlet.autograd.gradcheck(f, xs, eps=1e-6, atol=1e-5, rtol=1e-3)
        if "multi_margin" not in name or "p2" in name or "weight" in name:
            assert torchlet.autograd.gradgradcheck(f, xs, eps=1e-6, atol=1e-5, rtol=1e-3)


def test_grad_fn_names(torch):
    import torchlet

    x = torchlet.randn(3, 4, requires_grad=True)
    assert F(torchlet).multi_margin_loss(x, torchlet.tensor([0, 1, 3])).grad_fn.name() == "MultiMarginLossBackward0"
    assert (
        F(torchlet).multilabel_margin_loss(x, torchlet.tensor([[0, 1, -1, 2]] * 3)).grad_fn.name()
        == "MultilabelMarginLossBackward0"
    )
    assert F(torchlet).hinge_embedding_loss(x, torchlet.ones(3, 4)).grad_fn.name() == "MeanBackward0"


def test_torch_namespace(torch):
    import torchlet

    a, b, c = (np.random.default_rng(i).normal(size=(4, 3)).astype(np.float32) for i in range(3))
    y = np.sign(c[:, 0]).astype(np.float32)
    assert_same(
        torchlet.triplet_margin_loss(
            *(torchlet.tensor(v) for v in (a, b, c)), 1.0, 2.0, 1e-6, False, None, None, "mean"
        ),
        torch.triplet_margin_loss(*(torch.tensor(v) for v in (a, b, c)), 1.0, 2.0, 1e-6, False, 1),
    )
    assert_same(
        torchlet.cosine_embedding_loss(torchlet.tensor(a), torchlet.tensor(b), torchlet.tensor(y)),
        F(torch).cosine_embedding_loss(torch.tensor(a), torch.tensor(b), torch.tensor(y)),
    )


def test_legacy_reduction_args(torch):
    import torchlet

    for m in (torchlet, torch):
        with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
            F(m).margin_ranking_loss(m.ones(3), m.zeros(3), m.ones(3), size_average=False)
    a = F(torchlet).multilabel_soft_margin_loss(torchlet.tensor(X), torchlet.tensor((X2 > 0) * 1.0), reduce=False)
    b = F(torch).multilabel_soft_margin_loss(torch.tensor(X), torch.tensor((X2 > 0) * 1.0), reduce=False)
    assert_same(a, b)


def test_multi_margin_zero_dim(torch):
    import torchlet

    for r in RED:
        a = F(torchlet).multi_margin_loss(torchlet.tensor(0.3), torchlet.tensor(0), reduction=r)
        b = F(torch).multi_margin_loss(torch.tensor(0.3), torch.tensor(0), reduction=r)
        assert_same(a, b)
        a = F(torchlet).multilabel_margin_loss(torchlet.tensor(0.3), torchlet.tensor(0), reduction=r)
        b = F(torch).multilabel_margin_loss(torch.tensor(0.3), torch.tensor(0), reduction=r)
        assert_same(a, b)


def test_gaussian_nll_var_gradient_when_clamped(torch):
    """The clamp to eps is outside the graph: var's gradient is the formula's at the clamped value."""
    import torchlet

    v = np.array([1e-9, 0.5, 2.0])
    grads = []
    for m in (torchlet, torch):
        var = m.tensor(v, requires_grad=True)
        F(m).gaussian_nll_loss(m.tensor([0.1, 0.2, 0.3], dtype=m.float64), m.zeros(3, dtype=m.float64), var).backward()
        grads.append(var.grad)
    assert_same(*grads)


def _t(m, *shape, dtype=None):
    return m.ones(shape, dtype=dtype or m.float32)


@pytest.mark.parametrize(
    "call",
    [
        lambda m: F(m).margin_ranking_loss(_t(m, 3), _t(m, 3, 1), _t(m, 3)),
        lambda m: F(m).margin_ranking_loss(_t(m, 3), _t(m, 4), _t(m, 3)),
        lambda m: F(m).margin_ranking_loss(_t(m, 3), _t(m, 3), _t(m, 3), reduction="avg"),
        lambda m: F(m).hinge_embedding_loss(_t(m, 3, 4), _t(m, 3)),
        lambda m: F(m).cosine_embedding_loss(_t(m, 3, 4), _t(m, 3, 4), _t(m, 3, 1)),
        lambda m: F(m).cosine_embedding_loss(_t(m, 3, 4), _t(m, 3, 4), _t(m)),
        lambda m: F(m).cosine_embedding_loss(_t(m, 3, 4, 2), _t(m, 3, 4, 2), _t(m, 3)),
        lambda m: F(m).cosine_embedding_loss(_t(m, 3, 4), _t(m, 3, 5), _t(m, 3)),
        lambda m: F(m).gaussian_nll_loss(_t(m, 3), _t(m, 3), m.tensor([1.0, -1.0, 1.0])),
        lambda m: F(m).gaussian_nll_loss(_t(m, 3, 4), _t(m, 3, 4), -1.0),
        lambda m: F(m).gaussian_nll_loss(_t(m, 3, 4), _t(m, 3, 4), _t(m, 2, 4)),
        lambda m: F(m).gaussian_nll_loss(_t(m, 3, 4), _t(m, 3, 4), _t(m, 3, 4), reduction="x"),
        lambda m: F(m).triplet_margin_loss(_t(m, 3, 4), _t(m, 3, 4), _t(m, 4)),
        lambda m: F(m).triplet_margin_loss(_t(m, 3, 4), _t(m, 3, 4), _t(m, 3, 4), margin=0),
        lambda m: F(m).triplet_margin_with_distance_loss(_t(m, 3, 4), _t(m, 3, 4), _t(m, 3, 4), margin=-1.0),
        lambda m: F(m).triplet_margin_with_distance_loss(_t(m, 3, 4), _t(m, 3, 4), _t(m, 3, 4), reduction="x"),
        lambda m: F(m).triplet_margin_with_distance_loss(_t(m, 3, 4), _t(m, 4), _t(m, 3, 4)),
        lambda m: F(m).multi_margin_loss(_t(m, 3, 4), m.tensor([0, 1, 2]), p=3),
        lambda m: F(m).multi_margin_loss(_t(m, 3, 4), m.tensor([0, 1, 2]), weight=_t(m, 2, 2)),
        lambda m: F(m).multi_margin_loss(_t(m, 3, 4), m.tensor([0, 1, 2]), weight=_t(m, 3)),
        lambda m: F(m).multi_margin_loss(_t(m, 3, 4), m.tensor([0, 1])),
        lambda m: F(m).multi_margin_loss(_t(m, 4), m.tensor([2, 1])),
        lambda m: F(m).multi_margin_loss(_t(m, 3, 4, 2), m.tensor([0, 1, 2])),
        lambda m: F(m).multi_margin_loss(_t(m, 3, 0), m.tensor([0, 1, 2])),
        lambda m: F(m).multi_margin_loss(_t(m, 3, 4), m.tensor([0, 1, 4])),
        lambda m: F(m).multi_margin_loss(_t(m, 3, 4), m.tensor([0, 1, -1])),
        lambda m: F(m).multi_margin_loss(_t(m, 3, 4), m.tensor([0.0, 1.0, 2.0])),
        lambda m: F(m).multi_margin_loss(_t(m, 3, 4), m.tensor([0, 1, 2], dtype=m.int32)),
        lambda m: F(m).multi_margin_loss(_t(m, 3, 4, dtype=m.int64), m.tensor([0, 1, 2])),
        lambda m: F(m).multilabel_margin_loss(_t(m, 3, 4), m.tensor([0, 1, 2])),
        lambda m: F(m).multilabel_margin_loss(_t(m, 3, 4, 2), m.zeros(3, 4, 2, dtype=m.int64)),
        lambda m: F(m).multilabel_margin_loss(_t(m, 3, 4), m.full((3, 4), 5)),
        lambda m: F(m).multilabel_margin_loss(_t(m, 3, 4), m.full((3, 4), -2)),
        lambda m: F(m).multilabel_margin_loss(_t(m, 2, 4), m.tensor([[0, 0, -1, 2], [3, -1, 5, 7]])),
        lambda m: F(m).multilabel_margin_loss(_t(m, 3, 4), m.zeros(3, 4)),
        lambda m: F(m).multilabel_soft_margin_loss(_t(m, 3, 4), _t(m, 3, 4), reduction="x"),
    ],
)
def test_errors(call, torch):
    eo, et = same_error(call)
    assert str(eo).replace("torchlet.Size", "torch.Size") == str(et)


MODULES = [
    lambda nn, m: nn.MarginRankingLoss(),
    lambda nn, m: nn.MarginRankingLoss(margin=0.5, reduction="sum"),
    lambda nn, m: nn.HingeEmbeddingLoss(2.0),
    lambda nn, m: nn.CosineEmbeddingLoss(0.1, reduction="none"),
    lambda nn, m: nn.GaussianNLLLoss(full=True, eps=1e-3),
    lambda nn, m: nn.TripletMarginLoss(margin=0.5, p=1.0, swap=True),
    lambda nn, m: nn.TripletMarginWithDistanceLoss(margin=0.3),
    lambda nn, m: nn.MultiMarginLoss(p=2, margin=0.5, weight=m.tensor(W6)),
    lambda nn, m: nn.MultiLabelMarginLoss(reduction="sum"),
    lambda nn, m: nn.MultiLabelSoftMarginLoss(weight=m.tensor(W6)),
]
INPUTS = [
    [X, X2, np.sign(X3)],
    [X, X2, np.sign(X3)],
    [X, np.sign(X2)],
    [X, X2, Y5],
    [X, X2, np.abs(X3)],
    [X, X2, X3],
    [X, X2, X3],
    [X, T5],
    [X, TL],
    [X, (X2 > 0) * 1.0],
]


@pytest.mark.parametrize("k", range(len(MODULES)))
def test_modules(k, torch):
    import torchlet

    ma, mb = MODULES[k](torchlet.nn, torchlet), MODULES[k](torch.nn, torch)
    assert repr(ma) == repr(mb)
    assert sorted(ma.state_dict()) == sorted(mb.state_dict())
    ins_a = [torchlet.tensor(a) for a in INPUTS[k]]
    ins_b = [torch.tensor(a) for a in INPUTS[k]]
    assert_same(ma(*ins_a), mb(*ins_b))


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.nn.TripletMarginLoss(margin=0.0),
        lambda m: m.nn.TripletMarginWithDistanceLoss(margin=-1.0),
        lambda m: m.nn.MultiMarginLoss(p=3),
        lambda m: m.nn.MultiMarginLoss(weight=m.ones(2, 2)),
    ],
)
def test_module_errors(call, torch):
    eo, et = same_error(call)
    assert str(eo) == str(et)


def test_no_warnings_on_matching_shapes(torch):
    import torchlet

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F(torchlet).hinge_embedding_loss(torchlet.tensor(X), torchlet.tensor(np.sign(X2)))
        F(torchlet).gaussian_nll_loss(torchlet.tensor(X), torchlet.tensor(X2), torchlet.ones(5, 6))


def test_distance_modules(torch):
    import torchlet

    for make in (
        lambda nn: nn.PairwiseDistance(),
        lambda nn: nn.PairwiseDistance(1.0, 1e-3, True),
        lambda nn: nn.CosineSimilarity(),
        lambda nn: nn.CosineSimilarity(0, 1e-6),
    ):
        ma, mb = make(torchlet.nn), make(torch.nn)
        assert repr(ma) == repr(mb)
        assert_same(ma(torchlet.tensor(X), torchlet.tensor(X2)), mb(torch.tensor(X), torch.tensor(X2)))
