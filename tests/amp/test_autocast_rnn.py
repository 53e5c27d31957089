"""Recurrent layers under CPU autocast against torch: output and state dtypes, values, and
weight gradients. PyTorch's CPU cells run each linear through autocast (bfloat16/float16)
and the gate arithmetic in the dtypes that gives: RNN is all half precision, GRU and LSTM
return float32 (their state is float32). torch's LSTM takes oneDNN's fused layer when
oneDNN is on (bfloat16 output where the CPU has bf16 instructions, an error on AVX2-only
CPUs); the comparison runs torch with oneDNN off, the path every CPU has."""

import numpy as np
import pytest

import torchlet

X = np.random.default_rng(5).standard_normal((5, 2, 4)).astype(np.float32)

LAYERS = {
    "RNN": lambda m: m.nn.RNN(4, 6),
    "RNN-relu-2x-bi": lambda m: m.nn.RNN(4, 6, num_layers=2, nonlinearity="relu", bidirectional=True),
    "GRU": lambda m: m.nn.GRU(4, 6),
    "GRU-2x-bi": lambda m: m.nn.GRU(4, 6, num_layers=2, bidirectional=True),
    "LSTM": lambda m: m.nn.LSTM(4, 6),
    "LSTM-2x-bi-batch_first": lambda m: m.nn.LSTM(4, 6, num_layers=2, bidirectional=True, batch_first=True),
    "RNNCell": lambda m: m.nn.RNNCell(4, 6),
    "GRUCell": lambda m: m.nn.GRUCell(4, 6),
    "LSTMCell": lambda m: m.nn.LSTMCell(4, 6),
}


def _flat(out):
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _flat(o)]
    return [out]


def _run(m, name, low, torch_flags):
    m.manual_seed(0)
    layer = LAYERS[name](m)
    x = m.tensor(X[0] if "Cell" in name else X)
    with torch_flags(), m.autocast("cpu", dtype=getattr(m, low)):
        outs = _flat(layer(x))
    sum(o.float().sum() for o in outs).backward()
    return outs, [p.grad for p in layer.parameters()]


@pytest.mark.parametrize("low", ["bfloat16", "float16"])
@pytest.mark.parametrize("name", list(LAYERS))
def test_rnn_under_autocast(name, low, torch):
    import contextlib

    oo, go = _run(torchlet, name, low, contextlib.nullcontext)
    ot, gt = _run(torch, name, low, lambda: torch.backends.mkldnn.flags(enabled=False))
    assert [str(o.dtype).split(".")[-1] for o in oo] == [str(o.dtype).split(".")[-1] for o in ot]
    # torch's own batch_first and sequence-first LSTM differ under autocast (its half-precision
    # GEMM rounds by layout), by up to 2.7e-3 (bf16) on these inputs: that is the tolerance there
    atol = {"bfloat16": 4e-3, "float16": 5e-4}[low] if "batch_first" in name else 1e-6
    for a, b in zip(oo, ot):
        np.testing.assert_allclose(a.detach().double().numpy(), b.detach().double().numpy(), rtol=1e-5, atol=atol)
    for a, b in zip(go, gt):
        assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]
        np.testing.assert_allclose(a.double().numpy(), b.double().numpy(), rtol=3e-2, atol=3e-2)
