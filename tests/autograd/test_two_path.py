"""Nodes whose derivative is written twice (autograd.graph.TwoPathNode): the array
form runs when backward records no graph, the Tensor-op form under
create_graph=True. For every such node both forms are compared with PyTorch:
the gradient without a graph, the gradient with create_graph=True, and the
second derivative (PyTorch's double backward) through the create_graph one."""

import numpy as np
import pytest
import torch

import torchlet
from torchlet.autograd.graph import TWO_PATH


def _rand(*shape, seed=0, lo=-2.0, hi=2.0):
    return np.random.default_rng(seed).uniform(lo, hi, shape)


X = _rand(3, 5)
P = _rand(3, 5, seed=1, lo=0.05, hi=0.95)  # probabilities
T = (_rand(3, 5, seed=2) > 0).astype(np.float64)  # targets in {0, 1}
IMG = _rand(2, 3, 4, 4, seed=3)
VOL = _rand(1, 2, 4, 4, 4, seed=4)
CUM = np.array([[1.5, 0.0, 2.0, -1.0], [0.5, 3.0, 0.0, 0.0]])  # zeros: cumprod's zero path
IDX = np.array([[0, 2, 1], [3, 2, 2]])
CLS = np.array([1, 0, 4])
HEADS = _rand(1, 2, 4, 3, seed=6)  # (batch, heads, positions, head size)


def _t(lib, a, grad=True):
    x = lib.tensor(a, dtype=lib.float64)
    return x.requires_grad_() if grad else x


# node name -> (function of (lib, x) on the differentiable input, input array)
CASES = {
    "TanhBackward0": (lambda L, x: x.tanh(), X),
    "SigmoidBackward0": (lambda L, x: x.sigmoid(), X),
    "ReluBackward0": (lambda L, x: (x * x).relu() * x, X),  # relu'' = 0: curvature from the product
    "CumprodBackward0": (lambda L, x: x.cumprod(1), CUM),
    "EluBackward0": (lambda L, x: L.nn.functional.elu(x, alpha=0.7), X),
    "GeluBackward0": (lambda L, x: L.nn.functional.gelu(x), X),
    "SiluBackward0": (lambda L, x: L.nn.functional.silu(x), X),
    "MishBackward0": (lambda L, x: L.nn.functional.mish(x), X),
    "SoftplusBackward0": (lambda L, x: L.nn.functional.softplus(x, beta=1.5), X),
    "LogSigmoidBackward0": (lambda L, x: L.nn.functional.logsigmoid(x), X),
    "HardswishBackward0": (lambda L, x: L.nn.functional.hardswish(x) * x, X),
    "SoftmaxBackward0": (lambda L, x: x.softmax(1), X),
    "LogSoftmaxBackward0": (lambda L, x: x.log_softmax(0), X),
    "AvgPool2DBackward0": (lambda L, x: L.nn.functional.avg_pool2d(x * x, 2), IMG),
    "AvgPool3DBackward0": (lambda L, x: L.nn.functional.avg_pool3d(x * x, 2), VOL),
    "NativeBatchNormBackward0": (
        lambda L, x: L.nn.functional.batch_norm(
            x,
            None,
            None,
            L.tensor([1.5, 0.5, 2.0], dtype=L.float64),
            L.tensor([0.1, 0.2, 0.3], dtype=L.float64),
            training=True,
        ),
        IMG,
    ),
    "BinaryCrossEntropyBackward0": (
        lambda L, x: L.nn.functional.binary_cross_entropy(x, L.tensor(T, dtype=L.float64), reduction="none"),
        P,
    ),
    "BinaryCrossEntropyWithLogitsBackward0": (
        lambda L, x: L.nn.functional.binary_cross_entropy_with_logits(
            x, L.tensor(T, dtype=L.float64), pos_weight=L.tensor([2.0] * 5, dtype=L.float64)
        ),
        X,
    ),
    "EmbeddingBackward0": (lambda L, w: L.nn.functional.embedding(L.tensor(IDX), w * w), _rand(4, 3, seed=5)),
    "MultiMarginLossBackward0": (lambda L, x: L.nn.functional.multi_margin_loss(x, L.tensor(CLS), p=2, margin=1.5), X),
    "ScaledDotProductFlashAttentionForCpuBackward0": (
        lambda L, x: L.nn.functional.scaled_dot_product_attention(x, x * 0.5, x.tanh(), is_causal=True),
        HEADS,
    ),
}


def _multi_margin_composite(L, x):
    """PyTorch implements no double backward for multi_margin_loss: its oracle here is
    the same loss from PyTorch ops (mean_n sum_{d != t} max(0, margin - x_t + x_d)^2 / C)."""
    t = L.tensor(CLS)
    xt = x.gather(1, t[:, None])
    z = (1.5 - xt + x).clamp(min=0) ** 2
    mask = L.ones_like(x).scatter(1, t[:, None], 0.0)
    return ((z * mask).sum(1) / x.shape[1]).mean()


def _attention_composite(L, x):
    """PyTorch's fused attention has no double backward either: softmax(Q K^T / sqrt(E) + causal) V."""
    q, k, v = x, x * 0.5, x.tanh()
    s = (q @ k.transpose(-2, -1) / 3**0.5).masked_fill(L.ones(4, 4, dtype=L.bool).triu(1), float("-inf"))
    return s.softmax(-1) @ v


# where PyTorch's own double backward is missing, a composite of PyTorch ops is the oracle
TORCH_CASES = {
    "MultiMarginLossBackward0": (_multi_margin_composite, X),
    "ScaledDotProductFlashAttentionForCpuBackward0": (_attention_composite, HEADS),
}


def test_every_two_path_node_has_a_case():
    names = {c.__name__ for c in TWO_PATH}
    assert len(names) >= 12
    assert names <= set(CASES), f"two-path nodes without a double-backward case: {names - set(CASES)}"


def _grads(lib, fn, a):
    """(gradient without a graph, gradient with create_graph, d/dx <gradient, v>)."""
    x = _t(lib, a)
    y = fn(lib, x)
    v = _t(lib, _rand(*y.shape, seed=7), grad=False)
    (g_plain,) = lib.autograd.grad(y, x, v, retain_graph=True)
    (g,) = lib.autograd.grad(y, x, v, create_graph=True)
    w = _t(lib, _rand(*a.shape, seed=8), grad=False)
    (gg,) = lib.autograd.grad((g * w).sum(), x, allow_unused=True)
    return g_plain, g, gg, y.grad_fn


@pytest.mark.parametrize("name", sorted(CASES))
def test_both_forms_match_pytorch_double_backward(name):
    fn, a = CASES[name]
    ours = _grads(torchlet, fn, a)
    theirs = _grads(torch, *TORCH_CASES.get(name, (fn, a)))
    assert not ours[0].requires_grad and ours[1].requires_grad  # the two forms ran
    if name in TORCH_CASES:  # the oracle's own value agrees with PyTorch's op
        x = _t(torch, a)
        assert torch.allclose(fn(torch, x), TORCH_CASES[name][0](torch, x))
    for o, t, what in zip(ours[:3], theirs[:3], ("grad", "create_graph grad", "second derivative")):
        if t is None:
            assert o is None or np.allclose(o.detach().numpy(), 0), what
            continue
        np.testing.assert_allclose(
            o.detach().numpy(), t.detach().numpy(), rtol=1e-9, atol=1e-10, err_msg=f"{name}: {what}"
        )


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_case_reaches_its_node(name):
    """Each case's graph holds the node it names (so the comparison covers it)."""
    fn, a = CASES[name]
    y = fn(torchlet, _t(torchlet, a))
    seen, todo = set(), [y.grad_fn]
    while todo:
        n = todo.pop()
        if n is None or id(n) in seen:
            continue
        seen.add(id(n))
        if type(n).__name__ == name:
            return
        todo.extend(e[0] for e in n.next_functions)
    pytest.fail(f"{name} not in the graph of its case")
