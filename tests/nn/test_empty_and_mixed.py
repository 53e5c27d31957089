"""Layers on an empty batch work as in PyTorch (NumPy's reshape(-1) refused 0 elements), and
mixed-dtype calls raise PyTorch's exception class and message."""

import warnings

import numpy as np
import pytest

import torchlet
from oracle import assert_same, check_error, from_torch

EMPTY = {
    "Conv1d": (lambda m: m.nn.Conv1d(3, 4, 3), (0, 3, 5)),
    "Conv2d": (lambda m: m.nn.Conv2d(3, 4, 3), (0, 3, 5, 5)),
    "Conv2d_groups": (lambda m: m.nn.Conv2d(4, 4, 3, groups=2), (0, 4, 5, 5)),
    "ConvTranspose1d": (lambda m: m.nn.ConvTranspose1d(3, 4, 3), (0, 3, 5)),
    "ConvTranspose2d": (lambda m: m.nn.ConvTranspose2d(3, 4, 3), (0, 3, 5, 5)),
    "MaxPool1d": (lambda m: m.nn.MaxPool1d(2), (0, 3, 4)),
    "MaxPool2d": (lambda m: m.nn.MaxPool2d(2), (0, 3, 4, 4)),
    "AvgPool2d": (lambda m: m.nn.AvgPool2d(2), (0, 3, 4, 4)),
    "BatchNorm2d_train": (lambda m: m.nn.BatchNorm2d(3), (0, 3, 4, 4)),
    "BatchNorm1d_eval": (lambda m: m.nn.BatchNorm1d(3).eval(), (0, 3, 4)),
    "GroupNorm": (lambda m: m.nn.GroupNorm(1, 3), (0, 3, 4)),
    "InstanceNorm2d": (lambda m: m.nn.InstanceNorm2d(3), (0, 3, 4, 4)),
    "LayerNorm": (lambda m: m.nn.LayerNorm(4), (0, 3, 4)),
    "Linear": (lambda m: m.nn.Linear(4, 2), (0, 4)),
}


@pytest.mark.parametrize("name", sorted(EMPTY))
def test_empty_batch(torch, name):
    make, shape = EMPTY[name]
    torch.manual_seed(0)
    lt = make(torch)
    lo = make(torchlet)
    lo.load_state_dict({k: from_torch(v) for k, v in lt.state_dict().items()})
    xt = torch.zeros(shape, requires_grad=True)
    xo = torchlet.zeros(shape, requires_grad=True)
    yt, yo = lt(xt), lo(xo)
    assert_same(yo, yt)
    yt.sum().backward()
    yo.sum().backward()
    assert_same(xo.grad, xt.grad)
    for k, v in lt.state_dict().items():  # running statistics untouched by an empty batch
        assert_same(lo.state_dict()[k], v, what=k)


def test_multihead_attention_empty_batch(torch):
    mt = torch.nn.MultiheadAttention(4, 2, batch_first=True)
    mo = torchlet.nn.MultiheadAttention(4, 2, batch_first=True)
    mo.load_state_dict({k: from_torch(v) for k, v in mt.state_dict().items()})
    x = np.zeros((0, 3, 4), np.float32)
    yt = mt(*(torch.tensor(x),) * 3)[0]
    yo = mo(*(torchlet.tensor(x),) * 3)[0]
    assert_same(yo, yt)


MIXED = {
    "LSTM_double_input": lambda m: m.nn.LSTM(4, 3)(m.ones(2, 3, 4, dtype=m.float64)),
    "GRU_long_input": lambda m: m.nn.GRU(4, 3)(m.ones(2, 4, dtype=m.int64)),
    "LSTMCell_double_input": lambda m: m.nn.LSTMCell(4, 3)(m.ones(2, 4, dtype=m.float64)),
    "layer_norm_double_input": lambda m: m.nn.functional.layer_norm(m.ones(2, 4).double(), (4,), m.ones(4)),
    "layer_norm_double_bias": lambda m: m.nn.functional.layer_norm(m.ones(2, 4), (4,), None, m.ones(4).double()),
    "LayerNorm_long_input": lambda m: m.nn.LayerNorm(4)(m.ones(2, 4, dtype=m.int64)),
    "group_norm_double_input": lambda m: m.nn.functional.group_norm(m.ones(2, 4).double(), 2, m.ones(4)),
    "batch_norm_double_stats": lambda m: m.nn.functional.batch_norm(
        m.ones(2, 4).double(), m.zeros(4), m.ones(4), training=True
    ),
    "batch_norm_eval_double": lambda m: m.nn.functional.batch_norm(m.ones(2, 4).double(), m.zeros(4), m.ones(4)),
    "BatchNorm1d_long_input": lambda m: m.nn.BatchNorm1d(4)(m.ones(2, 4, dtype=m.int64)),
    "prelu_double_input": lambda m: m.nn.functional.prelu(m.ones(2, 3).double(), m.ones(1)),
    "InstanceNorm2d_one_spatial": lambda m: m.nn.InstanceNorm2d(3)(m.ones(2, 3, 1, 1)),
}


@pytest.mark.parametrize("name", sorted(MIXED))
def test_mixed_dtype_errors(torch, name):
    eo, et = check_error(MIXED[name])
    assert str(eo).replace("torchlet.Size(", "torch.Size(") == str(et)


@pytest.mark.parametrize("dt", ["float16", "bfloat16"])
def test_reduced_precision_input_with_float_params_is_allowed(torch, dt):
    x = np.linspace(-1, 1, 8, dtype=np.float32).reshape(2, 4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yt = torch.nn.functional.layer_norm(torch.tensor(x).to(getattr(torch, dt)), (4,), torch.ones(4))
        yo = torchlet.nn.functional.layer_norm(torchlet.tensor(x).to(getattr(torchlet, dt)), (4,), torchlet.ones(4))
    assert_same(yo, yt, rtol=1e-2, atol=1e-2)
