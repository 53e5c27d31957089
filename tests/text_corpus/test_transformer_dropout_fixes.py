"""The two torchlet fixes the text corpus needed, checked against PyTorch in process:
nn.Transformer / TransformerDecoder(Layer) (init, state_dict layout, train-mode outputs with
dropout, gradients, causal mask, errors) and dropout on a non-contiguous dense input (PyTorch
draws the mask in memory order)."""

import numpy as np
import pytest

import torchlet

torch = pytest.importorskip("torch")


def _np(t):
    return t.detach().numpy() if isinstance(t, torch.Tensor) else np.asarray(t.detach()._data)


def _pair(fn):
    torch.manual_seed(3)
    torchlet.manual_seed(3)
    return fn(torch), fn(torchlet)


@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.arange(1.0, 25.0).reshape(3, 2, 4).transpose(0, 1),
        lambda m: m.arange(1.0, 25.0).reshape(2, 3, 4).permute(2, 0, 1),
        lambda m: m.arange(1.0, 49.0).reshape(4, 12)[:, ::2],  # not dense: contiguous noise
        lambda m: m.arange(1.0, 13.0).reshape(3, 4).t(),
    ],
)
@pytest.mark.parametrize("inplace", [False, True])
def test_dropout_noncontiguous_matches_torch(make, inplace):
    ref, got = _pair(lambda m: m.nn.functional.dropout(make(m), 0.4, inplace=inplace))
    np.testing.assert_array_equal(_np(got), _np(ref))
    np.testing.assert_array_equal(np.asarray(torchlet.rand(5)._data), torch.rand(5).numpy())


@pytest.mark.parametrize(
    "kw", [dict(batch_first=True), dict(), dict(norm_first=True, batch_first=True), dict(activation="gelu")]
)
def test_transformer_matches_torch(kw):
    def run(m):
        model = m.nn.Transformer(8, 2, 2, 1, 16, dropout=0.2, **kw)
        src = m.randn(2, 3, 8) if kw.get("batch_first") else m.randn(3, 2, 8)
        tgt = m.randn(2, 4, 8) if kw.get("batch_first") else m.randn(4, 2, 8)
        mask = model.generate_square_subsequent_mask(4)
        out = model(src, tgt, tgt_mask=mask)
        out.square().sum().backward()
        model.eval()
        with m.no_grad():
            ev = model(src, tgt, tgt_mask=mask)
        return model, out, ev

    (tm, tout, tev), (lm, lout, lev) = _pair(run)
    assert list(lm.state_dict()) == list(tm.state_dict())
    for (name, a), b in zip(tm.named_parameters(), lm.parameters()):
        np.testing.assert_allclose(_np(b), _np(a), rtol=0, atol=0, err_msg=name)
    np.testing.assert_allclose(_np(lout), _np(tout), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(_np(lev), _np(tev), rtol=1e-5, atol=1e-5)
    for (name, a), b in zip(tm.named_parameters(), lm.parameters()):
        np.testing.assert_allclose(_np(b.grad), _np(a.grad), rtol=1e-4, atol=1e-5, err_msg=name)


def test_generate_square_subsequent_mask():
    np.testing.assert_array_equal(
        _np(torchlet.nn.Transformer.generate_square_subsequent_mask(5)),
        _np(torch.nn.Transformer.generate_square_subsequent_mask(5)),
    )
    assert torchlet.nn.Transformer.generate_square_subsequent_mask(3).dtype is torchlet.float32
    assert str(torchlet.nn.Transformer.generate_square_subsequent_mask(2, dtype=torchlet.float64).dtype) == str(
        torch.nn.Transformer.generate_square_subsequent_mask(2, dtype=torch.float64).dtype
    ).replace("torch", "torchlet")


def test_transformer_errors_match_torch():
    for m in (torch, torchlet):
        model = m.nn.Transformer(8, 2, 1, 1, 16, batch_first=True)
        with pytest.raises(RuntimeError, match="batch number of src and tgt"):
            model(m.randn(2, 3, 8), m.randn(3, 4, 8))
        with pytest.raises(RuntimeError, match="feature number of src and tgt"):
            model(m.randn(2, 3, 8), m.randn(2, 4, 6))
