"""CPU autocast, op by op, against torch's CPU autocast: for every op of our CPU lists that
torchlet has (and ops that are on CUDA's lists only, which CPU autocast must leave alone),
under bfloat16 and float16, the result's dtype equals torch's and its values agree within
the autocast dtype's tolerance. Lower-precision ops get float32 inputs, float32 ops get
bfloat16/float16 inputs, so each cast is visible in the result."""

import numpy as np
import pytest

import torchlet
from torchlet.amp import _cast_lists

rng = np.random.default_rng(7)
M = rng.standard_normal((4, 6)).astype(np.float32)
N = rng.standard_normal((6, 5)).astype(np.float32)
SQ = rng.standard_normal((4, 4)).astype(np.float32)
SPD = (SQ @ SQ.T + 4 * np.eye(4)).astype(np.float32)
B3 = rng.standard_normal((2, 4, 6)).astype(np.float32)
C3 = rng.standard_normal((2, 6, 5)).astype(np.float32)
IMG1 = rng.standard_normal((2, 3, 8)).astype(np.float32)
IMG2 = rng.standard_normal((2, 3, 6, 6)).astype(np.float32)
IMG3 = rng.standard_normal((1, 2, 4, 4, 4)).astype(np.float32)
K1 = rng.standard_normal((4, 3, 3)).astype(np.float32)
K2 = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
K3 = rng.standard_normal((3, 2, 2, 2, 2)).astype(np.float32)
P = rng.uniform(0.05, 0.95, (4, 6)).astype(np.float32)
T4 = np.array([0, 2, 1, 5])
GRID = rng.uniform(-1, 1, (2, 5, 5, 2)).astype(np.float32)
V = rng.standard_normal(6).astype(np.float32)


def _t(m, a, dt=None):
    x = m.tensor(a)
    return x if dt is None else x.to(dt)


# name -> (input dtype: "f32" or "low", call(m, d)) where d(array) makes a tensor of that dtype
CASES = {
    # lower-precision list
    "conv1d": ("f32", lambda m, d: m.nn.functional.conv1d(d(IMG1), d(K1), d(V[:4]))),
    "conv2d": ("f32", lambda m, d: m.nn.functional.conv2d(d(IMG2), d(K2), d(V[:4]), padding=1)),
    "conv3d": ("f32", lambda m, d: m.nn.functional.conv3d(d(IMG3), d(K3))),
    "conv_transpose1d": ("f32", lambda m, d: m.nn.functional.conv_transpose1d(d(IMG1), d(K1.transpose(1, 0, 2)))),
    "conv_transpose2d": ("f32", lambda m, d: m.nn.functional.conv_transpose2d(d(IMG2), d(K2.transpose(1, 0, 2, 3)))),
    "bmm": ("f32", lambda m, d: m.bmm(d(B3), d(C3))),
    "mm": ("f32", lambda m, d: m.mm(d(M), d(N))),
    "Tensor.mm": ("f32", lambda m, d: d(M).mm(d(N))),
    "linalg.vecdot": ("f32", lambda m, d: m.linalg.vecdot(d(M), d(M))),
    "baddbmm": ("f32", lambda m, d: m.baddbmm(d(np.ones((2, 4, 5), np.float32)), d(B3), d(C3))),
    "addmm": ("f32", lambda m, d: m.addmm(d(V[:5]), d(M), d(N))),
    "addbmm": ("f32", lambda m, d: m.addbmm(d(np.ones((4, 5), np.float32)), d(B3), d(C3))),
    "linear": ("f32", lambda m, d: m.nn.functional.linear(d(M), d(N.T.copy()), d(V[:5]))),
    "matmul": ("f32", lambda m, d: m.matmul(d(B3), d(N))),
    "matmul@": ("f32", lambda m, d: d(M) @ d(N)),
    "prelu": ("f32", lambda m, d: m.nn.functional.prelu(d(M), d(np.array([0.25], np.float32)))),
    "scaled_dot_product_attention": (
        "f32",
        lambda m, d: m.nn.functional.scaled_dot_product_attention(d(B3), d(B3), d(B3)),
    ),
    "einsum": ("f32", lambda m, d: m.einsum("ij,jk->ik", d(M), d(N))),
    "tensordot": ("f32", lambda m, d: m.tensordot(d(M), d(N), dims=1)),
    # float32 list
    "avg_pool3d": ("low", lambda m, d: m.nn.functional.avg_pool3d(d(IMG3), 2)),
    "binary_cross_entropy": ("low", lambda m, d: m.nn.functional.binary_cross_entropy(d(P), d(P[::-1].copy()))),
    "grid_sample": ("low", lambda m, d: m.nn.functional.grid_sample(d(IMG2), d(GRID), align_corners=False)),
    "polar": ("low", lambda m, d: m.view_as_real(m.polar(d(np.abs(V)), d(V)))),
    "prod": ("low", lambda m, d: m.prod(d(P), 1)),
    "Tensor.prod": ("low", lambda m, d: d(P).prod()),
    "cdist": ("low", lambda m, d: m.cdist(d(M), d(M[::-1].copy()))),
    "trace": ("low", lambda m, d: m.trace(d(SQ))),
    "view_as_complex": ("low", lambda m, d: m.view_as_real(m.view_as_complex(d(M.reshape(4, 3, 2).copy())))),
    "linalg.cholesky": ("low", lambda m, d: m.linalg.cholesky(d(SPD))),
    "linalg.inv": ("low", lambda m, d: m.linalg.inv(d(SPD))),
    "linalg.inv_ex": ("low", lambda m, d: m.linalg.inv_ex(d(SPD))[0]),
    "linalg.solve": ("low", lambda m, d: m.linalg.solve(d(SPD), d(M))),
    "linalg.svd": ("low", lambda m, d: m.linalg.svd(d(SPD))[1]),
    "linalg.svdvals": ("low", lambda m, d: m.linalg.svdvals(d(SPD))),
    "linalg.eigh": ("low", lambda m, d: m.linalg.eigh(d(SPD))[0]),
    "linalg.eigvalsh": ("low", lambda m, d: m.linalg.eigvalsh(d(SPD))),
    "linalg.qr": ("low", lambda m, d: m.linalg.qr(d(SPD))[1].abs()),
    "linalg.matrix_rank": ("low", lambda m, d: m.linalg.matrix_rank(d(SPD))),
    "fft.fft": ("low", lambda m, d: m.fft.fft(d(M)).abs()),
    "fft.ifft": ("low", lambda m, d: m.fft.ifft(d(M)).abs()),
    "fft.fft2": ("low", lambda m, d: m.fft.fft2(d(M)).abs()),
    "fft.ifft2": ("low", lambda m, d: m.fft.ifft2(d(M)).abs()),
    "fft.fftn": ("low", lambda m, d: m.fft.fftn(d(M)).abs()),
    "fft.ifftn": ("low", lambda m, d: m.fft.ifftn(d(M)).abs()),
    "fft.rfft": ("low", lambda m, d: m.fft.rfft(d(M)).abs()),
    "fft.irfft": ("low", lambda m, d: m.fft.irfft(d(M))),
    "fft.rfft2": ("low", lambda m, d: m.fft.rfft2(d(M)).abs()),
    "fft.irfft2": ("low", lambda m, d: m.fft.irfft2(d(M))),
    "fft.rfftn": ("low", lambda m, d: m.fft.rfftn(d(M)).abs()),
    "fft.irfftn": ("low", lambda m, d: m.fft.irfftn(d(M))),
    "fft.hfft": ("low", lambda m, d: m.fft.hfft(d(M))),
    "fft.ihfft": ("low", lambda m, d: m.fft.ihfft(d(M)).abs()),
    "index_copy": ("low", lambda m, d: _t(m, M).index_copy(0, m.tensor([2, 0]), d(M[:2]))),
    "Tensor.index_copy": ("low", lambda m, d: d(M).index_copy(0, m.tensor([2, 0]), _t(m, M[:2]))),
    "inverse": ("low", lambda m, d: m.inverse(d(SPD))),
    "svd": ("low", lambda m, d: m.svd(d(SPD))[1]),
    "max_pool3d": ("low", lambda m, d: m.nn.functional.max_pool3d(d(IMG3), 2)),
    "max_unpool2d": (
        "low",
        lambda m, d: m.nn.functional.max_unpool2d(*m.nn.functional.max_pool2d(d(IMG2), 2, return_indices=True), 2),
    ),
    "mse_loss": ("low", lambda m, d: m.nn.functional.mse_loss(d(M), d(M[::-1].copy()))),
    "cosine_embedding_loss": (
        "low",
        lambda m, d: m.nn.functional.cosine_embedding_loss(d(M), d(M[::-1].copy()), m.tensor([1, -1, 1, -1])),
    ),
    "nll_loss": ("low", lambda m, d: m.nn.functional.nll_loss(d(M), m.tensor(T4))),
    "hinge_embedding_loss": ("low", lambda m, d: m.nn.functional.hinge_embedding_loss(d(M), d(np.sign(M)))),
    "poisson_nll_loss": ("low", lambda m, d: m.nn.functional.poisson_nll_loss(d(M), d(P))),
    "smooth_l1_loss": ("low", lambda m, d: m.nn.functional.smooth_l1_loss(d(M), d(P))),
    "cross_entropy": ("low", lambda m, d: m.nn.functional.cross_entropy(d(M), m.tensor(T4))),
    "l1_loss": ("low", lambda m, d: m.nn.functional.l1_loss(d(M), d(P))),
    "huber_loss": ("low", lambda m, d: m.nn.functional.huber_loss(d(M), d(P))),
    "margin_ranking_loss": ("low", lambda m, d: m.nn.functional.margin_ranking_loss(d(V), d(V[::-1].copy()), d(V))),
    "soft_margin_loss": ("low", lambda m, d: m.nn.functional.soft_margin_loss(d(M), d(np.sign(M)))),
    "triplet_margin_loss": ("low", lambda m, d: m.nn.functional.triplet_margin_loss(d(M), d(P), d(M * 2))),
    "multi_margin_loss": ("low", lambda m, d: m.nn.functional.multi_margin_loss(d(M), m.tensor(T4))),
    "kl_div": ("low", lambda m, d: m.nn.functional.kl_div(d(np.log(P)), d(P), reduction="batchmean")),
    "multilabel_margin_loss": (
        "low",
        lambda m, d: m.nn.functional.multilabel_margin_loss(d(M), m.tensor(np.array([[3, 0, -1, 1, 1, 1]] * 4))),
    ),
    "binary_cross_entropy_with_logits": (
        "low",
        lambda m, d: m.nn.functional.binary_cross_entropy_with_logits(d(M), d(P)),
    ),
    "multilabel_soft_margin_loss": (  # a composite in F: not autocast
        "low",
        lambda m, d: m.nn.functional.multilabel_soft_margin_loss(d(M), d((P > 0.5).astype(np.float32))),
    ),
    # on CUDA's lists only: CPU autocast leaves them alone
    "mv": ("f32", lambda m, d: m.mv(d(M), d(V))),
    "addmv": ("f32", lambda m, d: m.addmv(d(V[:4]), d(M), d(V))),
    "exp": ("low", lambda m, d: m.exp(d(M))),
    "pow": ("low", lambda m, d: d(P).pow(2)),
    "softmax": ("low", lambda m, d: m.softmax(d(M), -1)),
    "log_softmax": ("low", lambda m, d: m.nn.functional.log_softmax(d(M), -1)),
    "sum": ("low", lambda m, d: d(M).sum()),
    "cumsum": ("low", lambda m, d: m.cumsum(d(M), 1)),
    "layer_norm": ("low", lambda m, d: m.nn.functional.layer_norm(d(M), (6,))),
    "logsumexp": ("low", lambda m, d: m.logsumexp(d(M), 1)),
    "addcmul": ("low", lambda m, d: m.addcmul(d(M), d(P), d(M))),
    "dot": ("f32", lambda m, d: m.dot(d(V), d(V))),
    "cat": ("low", lambda m, d: m.cat([d(M), _t(m, M)])),
    "stack": ("low", lambda m, d: m.stack([d(M), _t(m, M)])),
    "relu": ("f32", lambda m, d: m.relu(d(M))),
    "float64_mm": ("f32", lambda m, d: m.mm(_t(m, M, m.float64), _t(m, N, m.float64))),
}


def _run(m, name, low):
    kind, call = CASES[name]
    low_dtype = getattr(m, low)
    in_dtype = m.float32 if kind == "f32" else low_dtype

    def d(a):
        return _t(m, np.ascontiguousarray(a), in_dtype)

    with m.autocast("cpu", dtype=low_dtype):
        return call(m, d)


@pytest.mark.parametrize("low", ["bfloat16", "float16"])
@pytest.mark.parametrize("name", list(CASES))
def test_cpu_autocast_op(name, low, torch):
    yt = _run(torch, name, low)
    yo = _run(torchlet, name, low)
    assert str(yo.dtype).split(".")[-1] == str(yt.dtype).split(".")[-1], (yo.dtype, yt.dtype)
    a, b = yo.detach().double().numpy(), yt.detach().double().numpy()
    tol = 1e-2 if yt.dtype in (torch.bfloat16, torch.float16) else 2e-3
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol * max(1.0, float(np.abs(b).max())))


# listed ops torchlet has but PyTorch no longer has: nothing to compare with
NOT_SWEPT = {"cholesky": "removed from PyTorch 2.x (raises)", "qr": "removed from PyTorch 2.x (raises)"}


def _has(name):
    sub, _, base = name.rpartition(".")
    homes = (getattr(torchlet, sub),) if sub else (torchlet, torchlet.nn.functional)
    return any(callable(h.__dict__.get(base)) for h in homes)


def test_every_listed_cpu_op_torchlet_has_is_swept():
    listed = [n for names in _cast_lists.CPU.values() for n in names if _has(n)]
    assert len(listed) > 40 and [n for n in listed if n not in CASES and n not in NOT_SWEPT] == []
