"""Autocast's per-op cast policies, as data: PyTorch's lists (aten/src/ATen/autocast_mode.h
and autocast_mode.cpp) under the Python names torchlet binds them to.

Policies (what the op's floating tensor arguments on the autocast device, float64 excepted,
become before the op runs):
  lower              the autocast dtype (float16 / bfloat16)
  fp32               float32
  fp32_set_opt_dtype unchanged, but if the first argument is eligible and no `dtype=` was
                     given, the op runs with dtype=float32 (softmax, sum, ... of half -> float)
  promote            the widest floating dtype among them and the autocast dtype
  banned             RuntimeError (CUDA's binary_cross_entropy: unsafe in half precision)

Names are torch.* / torch.nn.functional.* names (and Tensor methods of the same name);
"linalg.X" / "fft.X" are torch.linalg.X / torch.fft.X only (torch.linalg.cholesky is not
aten's cholesky). Not expressible by name, so not here: CPU's reflection/replication pads
(reached through F.pad, whose constant mode is not on the list). Names that
torchlet does not have are kept (the list is PyTorch's); `_hook` wraps those it finds. aten ops reached through one Python function are listed under that function
(`upsample_*` -> interpolate, `nll_loss2d` -> nll_loss, `frobenius_norm` -> norm, ...).
"""

CPU = {
    "lower": (
        "conv1d",
        "conv2d",
        "conv3d",
        "bmm",
        "mm",
        "linalg.vecdot",
        "baddbmm",
        "addmm",
        "addbmm",
        "linear",
        "matmul",
        "conv_tbc",
        "conv_transpose1d",
        "conv_transpose2d",
        "conv_transpose3d",
        "prelu",
        "scaled_dot_product_attention",
        "einsum",
        "tensordot",
    ),
    "fp32": (
        "avg_pool3d",
        "binary_cross_entropy",
        "grid_sample",
        "polar",
        "prod",
        "quantile",
        "nanquantile",
        "stft",
        "cdist",
        "trace",
        "view_as_complex",
        "cholesky",
        "cholesky_inverse",
        "cholesky_solve",
        "inverse",
        "lu_solve",
        "orgqr",
        "ormqr",
        "pinverse",
        "max_pool3d",
        "max_unpool2d",
        "max_unpool3d",
        "adaptive_avg_pool3d",
        "mse_loss",
        "cosine_embedding_loss",
        "nll_loss",
        "hinge_embedding_loss",
        "poisson_nll_loss",
        "smooth_l1_loss",
        "cross_entropy",
        "l1_loss",
        "huber_loss",
        "margin_ranking_loss",
        "soft_margin_loss",
        "triplet_margin_loss",
        "multi_margin_loss",
        "kl_div",
        "multilabel_margin_loss",
        "binary_cross_entropy_with_logits",
        "ctc_loss",
        "fft.fft",
        "fft.ifft",
        "fft.fft2",
        "fft.ifft2",
        "fft.fftn",
        "fft.ifftn",
        "fft.rfft",
        "fft.irfft",
        "fft.rfft2",
        "fft.irfft2",
        "fft.rfftn",
        "fft.irfftn",
        "fft.hfft",
        "fft.ihfft",
        "linalg.cond",
        "linalg.matrix_rank",
        "linalg.solve",
        "linalg.cholesky",
        "linalg.svdvals",
        "linalg.eigvals",
        "linalg.eigvalsh",
        "linalg.inv",
        "linalg.householder_product",
        "linalg.tensorinv",
        "linalg.tensorsolve",
        "geqrf",
        "qr",
        "svd",
        "triangular_solve",
        "fractional_max_pool2d",
        "fractional_max_pool3d",
        "adaptive_max_pool3d",
        "linalg.qr",
        "linalg.cholesky_ex",
        "linalg.svd",
        "linalg.eig",
        "linalg.eigh",
        "linalg.lstsq",
        "linalg.inv_ex",
    ),
    "promote": ("stack", "cat", "index_copy"),
}

CUDA = {
    "lower": (
        "conv1d",
        "conv2d",
        "conv3d",
        "conv_tbc",
        "conv_transpose1d",
        "conv_transpose2d",
        "conv_transpose3d",
        "convolution",
        "prelu",
        "addmm",
        "addmv",
        "addr",
        "matmul",
        "einsum",
        "mm",
        "mv",
        "linalg.vecdot",
        "linear",
        "addbmm",
        "baddbmm",
        "bmm",
        "chain_matmul",
        "linalg.multi_dot",
        "lstm_cell",
        "gru_cell",
        "rnn_tanh_cell",
        "rnn_relu_cell",
        "scaled_dot_product_attention",
    ),
    "fp32": (
        "acos",
        "asin",
        "cosh",
        "erfinv",
        "exp",
        "expm1",
        "log",
        "log10",
        "log2",
        "log1p",
        "reciprocal",
        "rsqrt",
        "sinh",
        "tan",
        "pow",
        "softplus",
        "layer_norm",
        "rms_norm",
        "group_norm",
        "cosine_similarity",
        "poisson_nll_loss",
        "cosine_embedding_loss",
        "nll_loss",
        "hinge_embedding_loss",
        "kl_div",
        "l1_loss",
        "smooth_l1_loss",
        "huber_loss",
        "mse_loss",
        "margin_ranking_loss",
        "multilabel_margin_loss",
        "soft_margin_loss",
        "triplet_margin_loss",
        "multi_margin_loss",
        "binary_cross_entropy_with_logits",
        "dist",
        "pdist",
        "cdist",
        "renorm",
        "logsumexp",
        "interpolate",
        "upsample",
        "upsample_nearest",
        "upsample_bilinear",
    ),
    "fp32_set_opt_dtype": (
        "prod",
        "softmax",
        "log_softmax",
        "cumprod",
        "cumsum",
        "linalg.vector_norm",
        "linalg.matrix_norm",
        "sum",
        "norm",  # aten's norm.Scalar / norm.ScalarOpt_dim: fp32_append_dtype, the same effect
    ),
    "promote": (
        "addcdiv",
        "addcmul",
        "atan2",
        "bilinear",
        "cross",
        "dot",
        "vdot",
        "grid_sample",
        "index_put",
        "tensordot",
        "scatter_add",
    ),
    "banned": ("binary_cross_entropy",),
}

LISTS = {"cpu": CPU, "cuda": CUDA}

BANNED_MESSAGE = (
    "torch.nn.functional.binary_cross_entropy and torch.nn.BCELoss are unsafe to autocast.\n"
    "Many models use a sigmoid layer right before the binary cross entropy layer.\n"
    "In this case, combine the two layers using torch.nn.functional.binary_cross_entropy_with_logits\n"
    "or torch.nn.BCEWithLogitsLoss.  binary_cross_entropy_with_logits and BCEWithLogits are\n"
    "safe to autocast."
)


def policies():
    """{op name: {device type: policy}} over both lists."""
    out = {}
    for device, lists in LISTS.items():
        for policy, names in lists.items():
            for name in names:
                out.setdefault(name, {})[device] = policy
    return out
