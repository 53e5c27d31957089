"""Same seed, same weights and masks: every layer's default init, every
nn.init function and every dropout variant against PyTorch, bit for bit, with
the generator state compared afterwards."""

import warnings

import numpy as np
import pytest

import torchlet

pytest.importorskip("torch")


def _arr(t):
    if hasattr(t, "_data"):
        a = np.asarray(t.detach()._data)
        return a.astype(np.float32) if str(t.dtype).endswith("bfloat16") else a
    return (t.detach().float() if str(t.dtype).endswith("bfloat16") else t.detach()).numpy()


def _same_state(torch):
    return np.asarray(torchlet.get_rng_state()._data).tobytes() == torch.get_rng_state().numpy().tobytes()


LAYERS = {
    "Linear": lambda m: m.nn.Linear(20, 7),
    "Linear_nobias": lambda m: m.nn.Linear(5, 3, bias=False),
    "Linear_f64": lambda m: m.nn.Linear(5, 3, dtype=m.float64),
    "Bilinear": lambda m: m.nn.Bilinear(4, 5, 3),
    "Conv1d": lambda m: m.nn.Conv1d(3, 4, 3),
    "Conv2d": lambda m: m.nn.Conv2d(3, 8, 5),
    "Conv2d_groups": lambda m: m.nn.Conv2d(4, 8, 3, groups=2),
    "Conv3d": lambda m: m.nn.Conv3d(2, 3, 2),
    "ConvTranspose1d": lambda m: m.nn.ConvTranspose1d(3, 4, 3),
    "ConvTranspose2d": lambda m: m.nn.ConvTranspose2d(3, 4, 3),
    "ConvTranspose3d": lambda m: m.nn.ConvTranspose3d(2, 3, 2),
    "BatchNorm1d": lambda m: m.nn.BatchNorm1d(5),
    "BatchNorm2d": lambda m: m.nn.BatchNorm2d(5),
    "LayerNorm": lambda m: m.nn.LayerNorm(6),
    "GroupNorm": lambda m: m.nn.GroupNorm(2, 4),
    "InstanceNorm2d": lambda m: m.nn.InstanceNorm2d(3, affine=True),
    "Embedding": lambda m: m.nn.Embedding(10, 4),
    "Embedding_padding": lambda m: m.nn.Embedding(10, 4, padding_idx=2),
    "EmbeddingBag": lambda m: m.nn.EmbeddingBag(10, 4),
    "RNN": lambda m: m.nn.RNN(4, 5, 2),
    "LSTM_bidirectional": lambda m: m.nn.LSTM(4, 5, 2, bidirectional=True),
    "LSTM_proj": lambda m: m.nn.LSTM(4, 6, proj_size=3),
    "GRU": lambda m: m.nn.GRU(3, 6),
    "RNNCell": lambda m: m.nn.RNNCell(3, 4),
    "LSTMCell": lambda m: m.nn.LSTMCell(3, 4),
    "GRUCell": lambda m: m.nn.GRUCell(3, 4),
    "MultiheadAttention": lambda m: m.nn.MultiheadAttention(8, 2),
    "MultiheadAttention_kv": lambda m: m.nn.MultiheadAttention(8, 2, kdim=5, vdim=6, add_bias_kv=True),
    "TransformerEncoderLayer": lambda m: m.nn.TransformerEncoderLayer(8, 2, 16),
    "TransformerEncoder": lambda m: m.nn.TransformerEncoder(m.nn.TransformerEncoderLayer(8, 2, 16), 2),
    "TransformerDecoderLayer": lambda m: m.nn.TransformerDecoderLayer(8, 2, 16),
    "Transformer": lambda m: m.nn.Transformer(8, 2, 1, 1, 16),
    "PReLU": lambda m: m.nn.PReLU(3),
    "Sequential_mlp": lambda m: m.nn.Sequential(m.nn.Linear(784, 128), m.nn.ReLU(), m.nn.Linear(128, 10)),
}


@pytest.mark.parametrize("name", list(LAYERS))
def test_layer_default_init(name, torch):
    warnings.simplefilter("ignore")
    try:
        torchlet.manual_seed(0)
        ours = LAYERS[name](torchlet)
    except AttributeError as e:  # a layer torchlet does not have yet
        pytest.skip(str(e))
    torch.manual_seed(0)
    theirs = LAYERS[name](torch)
    so, st = ours.state_dict(), theirs.state_dict()
    assert list(so) == list(st)
    for k in st:
        assert np.array_equal(_arr(so[k]), _arr(st[k])), k
    assert _same_state(torch)


INITS = {
    "uniform_": lambda m, w: m.nn.init.uniform_(w, -0.5, 2),
    "normal_": lambda m, w: m.nn.init.normal_(w, 0.1, 0.02),
    "trunc_normal_std": lambda m, w: m.nn.init.trunc_normal_(w, std=0.02),
    "trunc_normal_default": lambda m, w: m.nn.init.trunc_normal_(w),
    "trunc_normal_narrow": lambda m, w: m.nn.init.trunc_normal_(w, 0.0, 1.0, -0.1, 0.2),
    "trunc_normal_tail": lambda m, w: m.nn.init.trunc_normal_(w, 0.0, 1.0, 1.5, 3.0),
    "xavier_uniform_": lambda m, w: m.nn.init.xavier_uniform_(w, gain=1.3),
    "xavier_normal_": lambda m, w: m.nn.init.xavier_normal_(w),
    "kaiming_uniform_": lambda m, w: m.nn.init.kaiming_uniform_(w, mode="fan_out", nonlinearity="relu"),
    "kaiming_normal_": lambda m, w: m.nn.init.kaiming_normal_(w, a=0.1),
    "sparse_": lambda m, w: m.nn.init.sparse_(w, 0.3),
    "eye_": lambda m, w: m.nn.init.eye_(w),
    "constant_": lambda m, w: m.nn.init.constant_(w, 0.3),
    "generator": lambda m, w: m.nn.init.normal_(w, generator=m.Generator().manual_seed(4)),
}


@pytest.mark.parametrize("shape", [(7, 5), (64, 300), (5, 40)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", list(INITS))
def test_init_functions(name, dtype, shape, torch):
    torch.manual_seed(1)
    a = INITS[name](torch, torch.empty(shape, dtype=getattr(torch, dtype)))
    torchlet.manual_seed(1)
    b = INITS[name](torchlet, torchlet.empty(shape, dtype=getattr(torchlet, dtype)))
    assert np.array_equal(_arr(a), _arr(b))
    assert _same_state(torch)


@pytest.mark.parametrize("shape", [(7, 5), (64, 300), (5, 40), (3, 4, 5)])
def test_orthogonal_draws_as_torch(shape, torch):
    """orthogonal_ draws PyTorch's normals; the QR factorisation (LAPACK) may differ from
    PyTorch's (MKL) in the last bits, so values agree to rounding, the stream exactly."""
    torch.manual_seed(1)
    a = torch.nn.init.orthogonal_(torch.empty(shape), gain=2.0)
    torchlet.manual_seed(1)
    b = torchlet.nn.init.orthogonal_(torchlet.empty(shape), gain=2.0)
    np.testing.assert_allclose(_arr(b), _arr(a), rtol=0, atol=2e-6)
    assert _same_state(torch)


def _f(m):
    return m.nn.functional


DROPOUTS = {
    "dropout": lambda m, x: _f(m).dropout(x, 0.3),
    "dropout_half": lambda m, x: _f(m).dropout(x, 0.5),
    "dropout_p1": lambda m, x: _f(m).dropout(x, 1.0),
    "dropout_p0": lambda m, x: _f(m).dropout(x, 0.0),
    "dropout_eval": lambda m, x: _f(m).dropout(x, 0.3, training=False),
    "dropout_inplace": lambda m, x: _f(m).dropout(x.clone(), 0.2, inplace=True),
    "dropout1d": lambda m, x: _f(m).dropout1d(x.reshape(4, 6, -1), 0.4),
    "dropout1d_unbatched": lambda m, x: _f(m).dropout1d(x.reshape(6, -1), 0.4),
    "dropout2d": lambda m, x: _f(m).dropout2d(x.reshape(2, 4, 3, -1), 0.4),
    "dropout2d_3d": lambda m, x: _f(m).dropout2d(x.reshape(4, 6, -1), 0.4),
    "dropout3d": lambda m, x: _f(m).dropout3d(x.reshape(2, 3, 2, 2, -1), 0.4),
    "dropout3d_unbatched": lambda m, x: _f(m).dropout3d(x.reshape(3, 2, 2, -1), 0.4),
    "alpha_dropout": lambda m, x: _f(m).alpha_dropout(x, 0.3, True),
    "alpha_dropout_inplace": lambda m, x: _f(m).alpha_dropout(x.clone(), 0.3, True, inplace=True),
    "feature_alpha_dropout": lambda m, x: _f(m).feature_alpha_dropout(x.reshape(4, 6, -1), 0.3, True),
    "Dropout": lambda m, x: m.nn.Dropout(0.25)(x),
    "Dropout2d": lambda m, x: m.nn.Dropout2d(0.25)(x.reshape(2, 4, 3, -1)),
    "AlphaDropout": lambda m, x: m.nn.AlphaDropout(0.25).train()(x),
    "two_in_a_row": lambda m, x: _f(m).dropout(_f(m).dropout(x, 0.1), 0.6),
}


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
@pytest.mark.parametrize("name", list(DROPOUTS))
def test_dropout_masks(name, dtype, torch):
    warnings.simplefilter("ignore")
    torch.manual_seed(3)
    a = DROPOUTS[name](torch, torch.linspace(-2, 2, 96).to(getattr(torch, dtype)))
    torchlet.manual_seed(3)
    b = DROPOUTS[name](torchlet, torchlet.linspace(-2, 2, 96).to(getattr(torchlet, dtype)))
    assert tuple(a.shape) == tuple(b.shape)
    assert np.array_equal(_arr(a), _arr(b))
    assert _same_state(torch)


def test_dropout_large_and_grad(torch):
    def run(m):
        m.manual_seed(5)
        x = m.ones(256, 1024, requires_grad=True)
        y = _f(m).dropout(x, 0.1)
        y.sum().backward()
        return y, x.grad, type(y.grad_fn).__name__

    (yo, go, no), (yt, gt, nt) = run(torchlet), run(torch)
    assert no == nt
    assert np.array_equal(_arr(yo), _arr(yt)) and np.array_equal(_arr(go), _arr(gt))
