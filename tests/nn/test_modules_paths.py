"""torchlet.nn.modules.<file>.<Class>: PyTorch's paths name the same classes as torchlet.nn,
and whole-module checkpoints that PyTorch writes load into torchlet's classes."""

import io
import importlib

import numpy as np
import pytest

import torchlet


def _pairs(torch):
    import torch.nn.modules as M

    for file in torchlet.nn.modules._LAYOUT:
        for name in getattr(M, file).__dict__:
            cls = getattr(getattr(M, file), name)
            if (
                isinstance(cls, type)
                and cls.__module__ == f"torch.nn.modules.{file}"
                and not name.startswith("_")
                and hasattr(torchlet.nn, name)
            ):
                yield file, name


def test_every_path_torchlet_has_is_the_nn_class(torch):
    pairs = list(_pairs(torch))
    assert len(pairs) > 100
    for file, name in pairs:
        mod = importlib.import_module(f"torchlet.nn.modules.{file}")
        assert getattr(mod, name) is getattr(torchlet.nn, name), (file, name)
        assert getattr(torchlet.nn.modules, name) is getattr(torchlet.nn, name)


def test_programs_names():
    from torchlet.nn.modules.linear import Linear, NonDynamicallyQuantizableLinear
    from torchlet.nn.modules.rnn import LSTM, GRU, RNN
    from torchlet.nn.modules.sparse import Embedding
    from torchlet.nn.modules.transformer import TransformerEncoder, TransformerEncoderLayer
    from torchlet.nn.modules.activation import MultiheadAttention, ReLU
    from torchlet.nn.modules.container import ModuleList
    from torchlet.nn.modules.dropout import Dropout
    from torchlet.nn.modules.normalization import LayerNorm
    from torchlet.nn.modules.conv import Conv2d
    from torchlet.nn.modules.pixelshuffle import PixelShuffle

    assert Linear is torchlet.nn.Linear and issubclass(NonDynamicallyQuantizableLinear, Linear)
    assert (LSTM, GRU, RNN, Embedding, ReLU, Conv2d) == (
        torchlet.nn.LSTM,
        torchlet.nn.GRU,
        torchlet.nn.RNN,
        torchlet.nn.Embedding,
        torchlet.nn.ReLU,
        torchlet.nn.Conv2d,
    )
    assert (
        TransformerEncoder,
        TransformerEncoderLayer,
        MultiheadAttention,
        ModuleList,
        Dropout,
        LayerNorm,
        PixelShuffle,
    ) == (
        torchlet.nn.TransformerEncoder,
        torchlet.nn.TransformerEncoderLayer,
        torchlet.nn.MultiheadAttention,
        torchlet.nn.ModuleList,
        torchlet.nn.Dropout,
        torchlet.nn.LayerNorm,
        torchlet.nn.PixelShuffle,
    )


def test_whole_module_checkpoint_from_torch(torch):
    torch.manual_seed(0)
    tm = torch.nn.Sequential(torch.nn.Linear(8, 4), torch.nn.ReLU(), torch.nn.LayerNorm(4), torch.nn.Dropout(0.1))
    buf = io.BytesIO()
    torch.save(tm, buf)
    buf.seek(0)
    om = torchlet.load(buf, weights_only=False)
    assert type(om) is torchlet.nn.Sequential
    assert [type(m) for m in om] == [torchlet.nn.Linear, torchlet.nn.ReLU, torchlet.nn.LayerNorm, torchlet.nn.Dropout]
    assert repr(om) == repr(tm)
    x = np.random.default_rng(0).standard_normal((3, 8)).astype(np.float32)
    om.eval()
    tm.eval()
    np.testing.assert_allclose(
        om(torchlet.tensor(x)).detach().numpy(), tm(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6
    )


def test_weights_only_with_safe_globals_naming_modules_paths(torch):
    torch.manual_seed(0)
    tm = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.ReLU())
    buf = io.BytesIO()
    torch.save(tm, buf)
    data = buf.getvalue()
    with pytest.raises(Exception) as eo:
        torchlet.load(io.BytesIO(data))
    with pytest.raises(Exception) as et:
        torch.load(io.BytesIO(data))
    assert type(eo.value).__name__ == type(et.value).__name__
    from torchlet.nn.modules.container import Sequential
    from torchlet.nn.modules.linear import Linear
    from torchlet.nn.modules.activation import ReLU
    from torchlet.nn.modules.module import Module

    globs = [Sequential, Linear, ReLU, Module, set]
    import collections

    with torchlet.serialization.safe_globals(globs + [collections.OrderedDict]):
        om = torchlet.load(io.BytesIO(data))
    assert type(om) is torchlet.nn.Sequential and type(om[0]) is torchlet.nn.Linear
    np.testing.assert_array_equal(om[0].weight.detach().numpy(), tm[0].weight.detach().numpy())


@pytest.mark.parametrize(
    "name", ["lstm", "gru", "rnn", "embedding", "encoder", "mha", "conv", "modulelist", "pixelshuffle", "embeddingbag"]
)
def test_whole_module_checkpoints_of_torch_layers(name, torch):
    import warnings

    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tm = {
            "lstm": lambda: torch.nn.LSTM(4, 4, batch_first=True),
            "gru": lambda: torch.nn.GRU(4, 4),
            "rnn": lambda: torch.nn.RNN(4, 4),
            "embedding": lambda: torch.nn.Embedding(5, 4),
            "encoder": lambda: torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(4, 1, 8, dropout=0.0), 2),
            "mha": lambda: torch.nn.MultiheadAttention(4, 1),
            "conv": lambda: torch.nn.Conv2d(2, 2, 1),
            "modulelist": lambda: torch.nn.ModuleList([torch.nn.Linear(4, 2)]),
            "pixelshuffle": lambda: torch.nn.PixelShuffle(2),
            "embeddingbag": lambda: torch.nn.EmbeddingBag(5, 4, mode="sum"),
        }[name]()
    buf = io.BytesIO()
    torch.save(tm, buf)
    buf.seek(0)
    om = torchlet.load(buf, weights_only=False)
    assert type(om).__name__ == type(tm).__name__ and type(om).__module__.startswith("torchlet.")
    assert repr(om) == repr(tm)
    x = np.random.default_rng(0).standard_normal((2, 3, 4)).astype(np.float32)
    tm.eval()
    om.eval()
    if name in ("lstm", "gru", "rnn", "encoder", "mha", "conv", "pixelshuffle"):
        args = {"mha": (x, x, x), "conv": (x[None],), "pixelshuffle": (np.tile(x[:, :, :2], (2, 1, 1))[None],)}.get(
            name, (x,)
        )
        yo, yt = om(*[torchlet.tensor(a) for a in args]), tm(*[torch.tensor(a) for a in args])
        yo, yt = (yo[0], yt[0]) if isinstance(yt, tuple) else (yo, yt)
        np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-6)
    elif name in ("embedding", "embeddingbag"):
        idx = np.array([[1, 2], [3, 4]])
        np.testing.assert_allclose(
            om(torchlet.tensor(idx)).detach().numpy(), tm(torch.tensor(idx)).detach().numpy(), rtol=1e-6
        )
