"""torchlet.onnx.export writes models that onnx.checker accepts and onnxruntime runs to
torchlet's (and, with the same weights, PyTorch's) outputs; unsupported ops raise
PyTorch's exporter error class."""

import numpy as np
import pytest

from conftest import require

import torchlet
from torchlet import nn
import torchlet.nn.functional as F

onnx = require("onnx")
ort = require("onnxruntime")


class MnistNet(nn.Module):  # pytorch/examples mnist/main.py's model
    def __init__(self):
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(1, 8, 3, 1), nn.Conv2d(8, 16, 3, 1)
        self.dropout1, self.fc1, self.fc2 = nn.Dropout(0.25), nn.Linear(16 * 12 * 12, 32), nn.Linear(32, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = self.dropout1(torchlet.flatten(x, 1))
        return F.log_softmax(self.fc2(F.relu(self.fc1(x))), dim=1)


class ConvBN(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(3, 4, 3, padding=1, stride=2),
            nn.BatchNorm2d(4),
            nn.ReLU(),
            nn.AvgPool2d(2),
            nn.Conv2d(4, 6, 1, bias=False),
            nn.LeakyReLU(0.1),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
            nn.Linear(6, 3),
            nn.Softmax(dim=-1),
        )

    def forward(self, x):
        return self.body(x)


class Acts(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(5, 6)
        self.seq = nn.Sequential(nn.Sigmoid(), nn.Tanh(), nn.GELU(), nn.ELU(), nn.GELU(approximate="tanh"))

    def forward(self, x):
        y = self.seq(self.fc(x)) * 2 - 1
        return (y.view(-1, 3, 2).permute(0, 2, 1).mean(-1), y[:, 1:5] / 3)


class RNNHead(nn.Module):
    def __init__(self, cell):
        super().__init__()
        self.emb = nn.Embedding(20, 6)
        self.rnn = cell(6, 5, num_layers=2, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(10, 4)

    def forward(self, tokens):
        out, _ = self.rnn(self.emb(tokens))
        return self.fc(out[:, -1, :])


def _models():
    enc = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0)
    return [
        ("mlp", nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2)), (torchlet.randn(3, 4),)),
        ("mnist", MnistNet(), (torchlet.randn(2, 1, 28, 28),)),
        ("convbn", ConvBN(), (torchlet.randn(2, 3, 16, 16),)),
        ("acts", Acts(), (torchlet.randn(4, 5),)),
        (
            "lstm",
            nn.LSTM(5, 7, num_layers=2),
            (torchlet.randn(4, 3, 5), (torchlet.randn(2, 3, 7), torchlet.randn(2, 3, 7))),
        ),
        ("gru_bi", nn.GRU(5, 7, batch_first=True, bidirectional=True), (torchlet.randn(3, 4, 5),)),
        ("lstm_head", RNNHead(nn.LSTM), (torchlet.randint(0, 20, (3, 7)),)),
        ("gru_head", RNNHead(nn.GRU), (torchlet.randint(0, 20, (3, 7)),)),
        ("encoder", nn.TransformerEncoder(enc, 2, enable_nested_tensor=False), (torchlet.randn(5, 3, 8),)),
        (
            "encoder_bf_mask",
            nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, batch_first=True, activation="gelu"), 1),
            (torchlet.randn(3, 5, 8), nn.Transformer.generate_square_subsequent_mask(5)),
        ),
    ]


def _flat(x):
    if isinstance(x, (tuple, list)):
        return [t for i in x for t in _flat(i)]
    return [x]


def _run(path, names, args):
    sess = ort.InferenceSession(str(path))
    feeds = {n: a.numpy() for n, a in zip(names, [a for a in _flat(args) if isinstance(a, torchlet.Tensor)])}
    return sess.run(None, feeds)


@pytest.mark.parametrize("name,model,args", _models(), ids=[m[0] for m in _models()])
def test_export_runs_in_onnxruntime_as_torchlet(tmp_path, name, model, args):
    model.train()
    inputs = [a for a in _flat(args) if isinstance(a, torchlet.Tensor)]
    in_names = [f"in{i}" for i in range(len(inputs))]
    path = tmp_path / f"{name}.onnx"
    if name == "encoder_bf_mask":
        ret = torchlet.onnx.export(model, (args[0],), str(path), kwargs={"mask": args[1]}, input_names=in_names)
    else:
        ret = torchlet.onnx.export(model, args, str(path), input_names=in_names, opset_version=17)
    assert ret is None
    assert model.training  # the exporter's eval mode is undone
    m = onnx.load(str(path))
    onnx.checker.check_model(m, full_check=True)
    assert [i.name for i in m.graph.input] == in_names
    model.eval()
    with torchlet.no_grad():
        ref = model(*args) if name != "encoder_bf_mask" else model(args[0], mask=args[1])
    got = ort.InferenceSession(str(path)).run(None, {n: a.numpy() for n, a in zip(in_names, inputs)})
    ref = [t for t in _flat(ref) if isinstance(t, torchlet.Tensor)]
    assert len(got) == len(ref)
    for g, r in zip(got, ref):
        assert g.shape == tuple(r.shape)
        np.testing.assert_allclose(g, r.numpy(), rtol=1e-5, atol=2e-6)


def test_same_weights_match_pytorch(tmp_path, torch):
    """The exported mnist model with PyTorch's weights gives PyTorch's outputs."""
    ours = MnistNet()
    state = {k: torch.from_numpy(np.array(v._data)) for k, v in ours.state_dict().items()}

    class TNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1, self.conv2 = torch.nn.Conv2d(1, 8, 3, 1), torch.nn.Conv2d(8, 16, 3, 1)
            self.dropout1 = torch.nn.Dropout(0.25)
            self.fc1, self.fc2 = torch.nn.Linear(16 * 12 * 12, 32), torch.nn.Linear(32, 10)

        def forward(self, x):
            x = torch.nn.functional.relu(self.conv1(x))
            x = torch.nn.functional.max_pool2d(torch.nn.functional.relu(self.conv2(x)), 2)
            x = self.dropout1(torch.flatten(x, 1))
            return torch.nn.functional.log_softmax(self.fc2(torch.nn.functional.relu(self.fc1(x))), dim=1)

    tnet = TNet()
    tnet.load_state_dict(state)
    tnet.eval()
    x = torchlet.randn(3, 1, 28, 28)
    torchlet.onnx.export(
        ours,
        (x,),
        str(tmp_path / "m.onnx"),
        input_names=["x"],
        output_names=["logp"],
        dynamic_axes={"x": {0: "batch"}, "logp": {0: "batch"}},
    )
    x5 = np.random.default_rng(0).standard_normal((5, 1, 28, 28)).astype(np.float32)
    (got,) = ort.InferenceSession(str(tmp_path / "m.onnx")).run(["logp"], {"x": x5})
    with torch.no_grad():
        want = tnet(torch.from_numpy(x5)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_dynamic_axes_and_names(tmp_path):
    model = ConvBN().eval()
    torchlet.onnx.export(
        model,
        torchlet.randn(2, 3, 16, 16),
        str(tmp_path / "m.onnx"),
        input_names=["image"],
        output_names=["probs"],
        dynamic_axes={"image": {0: "batch"}, "probs": [0]},
    )
    m = onnx.load(str(tmp_path / "m.onnx"))
    assert m.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    assert m.graph.output[0].type.tensor_type.shape.dim[0].dim_param == "dim_0"
    assert [d.dim_value for d in m.graph.input[0].type.tensor_type.shape.dim[1:]] == [3, 16, 16]
    assert {i.name for i in m.graph.initializer} >= {"body.0.weight", "body.1.running_mean"}
    x = torchlet.randn(7, 3, 16, 16)
    (got,) = ort.InferenceSession(str(tmp_path / "m.onnx")).run(None, {"image": x.numpy()})
    with torchlet.no_grad():
        np.testing.assert_allclose(got, model(x).numpy(), rtol=1e-5, atol=1e-6)


def test_file_object_and_opset(tmp_path):
    import io

    buf = io.BytesIO()
    torchlet.onnx.export(nn.Linear(3, 2), torchlet.randn(1, 3), buf, opset_version=18)
    m = onnx.load_from_string(buf.getvalue())
    assert m.opset_import[0].version == 18 and m.producer_name == "torchlet"


def test_unsupported_layer_raises_exporter_error(torch, tmp_path):
    class Odd(nn.Module):
        def forward(self, x):
            return torchlet.cumsum(x, 0)

    with pytest.raises(torchlet.onnx.errors.UnsupportedOperatorError, match="aten::cumsum"):
        torchlet.onnx.export(Odd(), torchlet.randn(3), str(tmp_path / "x.onnx"))
    assert not (tmp_path / "x.onnx").exists()
    for ours, theirs in (
        (torchlet.onnx.errors.UnsupportedOperatorError, torch.onnx.errors.UnsupportedOperatorError),
        (torchlet.onnx.OnnxExporterError, torch.onnx.OnnxExporterError),
    ):
        assert [c.__name__ for c in ours.__mro__] == [c.__name__ for c in theirs.__mro__]
    with pytest.raises(torchlet.onnx.errors.UnsupportedOperatorError, match="proj_size"):
        torchlet.onnx.export(nn.LSTM(3, 4, proj_size=2), torchlet.randn(2, 1, 3), str(tmp_path / "y.onnx"))
    assert torchlet.Tensor.add is not None and not hasattr(torchlet.Tensor.add, "__wrapped_by_profiler__")
    assert torchlet.onnx.is_in_onnx_export() is False
