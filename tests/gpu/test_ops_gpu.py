"""A sample of the op table on CUDA: forward and backward in torchlet (CuPy) and in PyTorch
on the same GPU, from the same inputs; values, gradients, dtypes and the result's device."""

import numpy as np
import pytest
import torch as T

import torchlet
from gpu_util import close, on_gpu

F = "functional"

CASES = {
    # pointwise
    "add_mul": (lambda L, a, b: a * b + a - b / 2, [(3, 4), (3, 4)]),
    "broadcast": (lambda L, a, b: a * b, [(3, 4), (4,)]),
    "scalar_tensor": (lambda L, a: a * L.tensor(2.0) + 1, [(3, 4)]),
    "exp_log": (lambda L, a: (a.exp() + 1).log(), [(5,)]),
    "tanh_sigmoid": (lambda L, a: a.tanh() * L.sigmoid(a), [(2, 3)]),
    "pow_sqrt": (lambda L, a: (a * a + 1).sqrt() ** 1.5, [(6,)]),
    "relu_gelu_silu": (
        lambda L, a: L.nn.functional.relu(a) + L.nn.functional.gelu(a) + L.nn.functional.silu(a),
        [(4, 5)],
    ),
    "clamp_abs": (lambda L, a: a.clamp(-0.5, 0.5) + a.abs(), [(7,)]),
    "where": (lambda L, a, b: L.where(a > 0, a, b), [(3, 3), (3, 3)]),
    "erf_atan2": (lambda L, a, b: L.erf(a) + L.atan2(a, b), [(4,), (4,)]),
    # reductions
    "sum_mean": (lambda L, a: a.sum(1) + a.mean(1), [(3, 4)]),
    "var_std": (lambda L, a: a.var(0) + a.std(1, keepdim=True).sum(), [(5, 4)]),
    "max_dim": (lambda L, a: a.max(dim=1).values, [(3, 4)]),
    "amax_min": (lambda L, a: a.amax(0) - a.min(), [(3, 4)]),
    "norm": (lambda L, a: a.norm() + L.linalg.vector_norm(a, 1), [(3, 4)]),
    "logsumexp": (lambda L, a: a.logsumexp(1), [(3, 6)]),
    "cumsum_cumprod": (lambda L, a: a.cumsum(1) + a.cumprod(0), [(3, 4)]),
    "softmax": (lambda L, a: L.softmax(a, 1) + L.log_softmax(a, 0), [(4, 5)]),
    # shapes and indexing
    "view_permute": (lambda L, a: a.view(2, 6).t().reshape(3, 4).permute(1, 0).contiguous(), [(3, 4)]),
    "cat_stack": (lambda L, a, b: L.cat([a, b]).sum(0) + L.stack([a, b]).mean(0), [(3, 4), (3, 4)]),
    "slice_step": (lambda L, a: a[::2, 1:] * 2, [(5, 4)]),
    "index_tensor": (lambda L, a, i: a[i], [(5, 3)], [[4, 0, 2, 2]]),
    "gather": (lambda L, a, i: a.gather(1, i), [(3, 4)], [[[0, 3], [1, 1], [2, 0]]]),
    "index_select": (lambda L, a, i: a.index_select(0, i), [(5, 2)], [[1, 3, 3]]),
    "masked_fill": (lambda L, a: a.masked_fill(a > 0.5, 0.0), [(4, 4)]),
    "setitem": (lambda L, a, b: _setitem(a, b), [(4, 3), (2, 3)]),
    "pad": (lambda L, a: L.nn.functional.pad(a, (1, 2)), [(2, 3)]),
    "flip_roll": (lambda L, a: a.flip(0) + a.roll(1, 1), [(3, 4)]),
    "unfold": (lambda L, a: a.unfold(1, 2, 1).sum(-1), [(3, 5)]),
    # linear algebra
    "matmul": (lambda L, a, b: a @ b, [(4, 5), (5, 3)]),
    "bmm": (lambda L, a, b: L.bmm(a, b), [(2, 3, 4), (2, 4, 5)]),
    "linear": (lambda L, a, w, b: L.nn.functional.linear(a, w, b), [(6, 4), (3, 4), (3,)]),
    "einsum": (lambda L, a, b: L.einsum("ij,jk->ik", a, b), [(3, 4), (4, 2)]),
    "inv_det": (lambda L, a: L.linalg.inv(a + 3 * L.eye(3, device=a.device)).sum() + L.det(a), [(3, 3)]),
    # nn
    "conv2d": (lambda L, x, w, b: L.nn.functional.conv2d(x, w, b, padding=1), [(2, 3, 8, 8), (4, 3, 3, 3), (4,)]),
    "conv2d_stride": (lambda L, x, w: L.nn.functional.conv2d(x, w, stride=2), [(2, 3, 9, 9), (5, 3, 3, 3)]),
    "conv1d": (lambda L, x, w: L.nn.functional.conv1d(x, w, padding=2), [(2, 3, 10), (4, 3, 5)]),
    "conv_transpose2d": (
        lambda L, x, w: L.nn.functional.conv_transpose2d(x, w, stride=2),
        [(1, 3, 4, 4), (3, 2, 3, 3)],
    ),
    "max_pool2d": (lambda L, x: L.nn.functional.max_pool2d(x, 2), [(2, 3, 8, 8)]),
    "avg_pool2d": (lambda L, x: L.nn.functional.avg_pool2d(x, 3, stride=2, padding=1), [(2, 3, 8, 8)]),
    "adaptive_avg_pool2d": (lambda L, x: L.nn.functional.adaptive_avg_pool2d(x, 1), [(2, 3, 5, 5)]),
    "layer_norm": (lambda L, x, w, b: L.nn.functional.layer_norm(x, (5,), w, b), [(3, 5), (5,), (5,)]),
    "batch_norm_train": (
        lambda L, x, w, b: L.nn.functional.batch_norm(x, None, None, w, b, training=True),
        [(4, 3, 2, 2), (3,), (3,)],
    ),
    "cross_entropy": (lambda L, x, t: L.nn.functional.cross_entropy(x, t), [(6, 5)], [[0, 4, 2, 2, 1, 3]]),
    "nll_mse": (
        lambda L, x, y: L.nn.functional.mse_loss(x, y) + L.nn.functional.smooth_l1_loss(x, y),
        [(4, 3), (4, 3)],
    ),
    "bce_logits": (lambda L, x, y: L.nn.functional.binary_cross_entropy_with_logits(x, y.sigmoid()), [(4, 3), (4, 3)]),
    "embedding": (lambda L, w, i: L.nn.functional.embedding(i, w), [(10, 4)], [[[1, 2, 1], [9, 0, 1]]]),
    "sdpa": (
        lambda L, q, k, v: L.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True),
        [(2, 2, 5, 4), (2, 2, 5, 4), (2, 2, 5, 4)],
    ),
}


def _setitem(a, b):
    c = a * 1
    c[1:3] = b
    return c


def _run(fn, arrays, lib):
    ts = []
    for a in arrays:
        t = lib.tensor(a).to("cuda")
        ts.append(t.requires_grad_(True) if a.dtype.kind == "f" else t)
    out = fn(lib, *ts)
    if out.dtype.is_floating_point and out.requires_grad:
        (out * lib.linspace(0.5, 1.5, out.numel(), device="cuda").view(out.shape)).sum().backward()
    return out, [t.grad for t in ts]


@pytest.mark.parametrize("name", sorted(CASES))
def test_op_on_cuda(name):
    case = CASES[name]
    fn, shapes = case[0], case[1]
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    arrays += [np.asarray(i, dtype=np.int64) for i in (case[2] if len(case) > 2 else ())]
    ref, ref_grads = _run(fn, arrays, T)
    out, grads = _run(fn, arrays, torchlet)
    on_gpu(out)
    assert str(out.dtype).split(".")[-1] == str(ref.dtype).split(".")[-1]
    close(out, ref)
    for i, (g, rg) in enumerate(zip(grads, ref_grads)):
        if rg is None:
            continue
        assert g is not None, f"no gradient for input {i}"
        on_gpu(g)
        close(g, rg, msg=f"gradient of input {i}")


def test_creation_ops_take_device():
    for t in (
        torchlet.zeros(2, 3, device="cuda"),
        torchlet.ones(2, device="cuda:0"),
        torchlet.arange(5, device="cuda"),
        torchlet.eye(3, device=torchlet.device("cuda")),
        torchlet.full((2,), 1.5, device="cuda"),
        torchlet.tensor([1, 2], device="cuda"),
        torchlet.linspace(0, 1, 4, device="cuda"),
        torchlet.rand(3, device="cuda"),
        torchlet.randn(3, device="cuda"),
        torchlet.randint(0, 5, (3,), device="cuda"),
        torchlet.zeros(2).cuda(),
        torchlet.zeros(2).to("cuda", non_blocking=True),
    ):
        on_gpu(t)


def test_cuda_random_is_seeded_by_manual_seed():
    torchlet.manual_seed(5)
    a = torchlet.randn(100, device="cuda")
    torchlet.cuda.manual_seed(5)
    b = torchlet.randn(100, device="cuda")
    torchlet.cuda.manual_seed_all(6)
    c = torchlet.randn(100, device="cuda")
    assert (a == b).all().item() and not (a == c).all().item()
    on_gpu(a)
    u = torchlet.rand(10000, device="cuda")
    assert 0 <= u.min().item() and u.max().item() < 1 and abs(u.mean().item() - 0.5) < 0.02
    assert abs(torchlet.randn(10000, device="cuda").std().item() - 1) < 0.03


def test_dropout_on_cuda_keeps_device():
    x = torchlet.ones(1000, device="cuda")
    y = torchlet.nn.functional.dropout(x, 0.5, training=True)
    on_gpu(y)
    assert set(np.unique(y.cpu().numpy()).tolist()) <= {0.0, 2.0}


def test_matmul_10000_full_float32():
    """TF32 is off by default: a large product matches PyTorch's full-float32 cuBLAS product."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((2048, 2048)).astype(np.float32)
    ours = torchlet.tensor(a, device="cuda") @ torchlet.tensor(a, device="cuda")
    theirs = T.tensor(a, device="cuda") @ T.tensor(a, device="cuda")
    close(ours, theirs, rtol=1e-4, atol=1e-3)
