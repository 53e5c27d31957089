"""torchlet.safetensors against the safetensors package (numpy and torch APIs)."""

import json

import numpy as np
import pytest
from conftest import require

import torchlet
from torchlet import safetensors as st

safetensors = require("safetensors")


def _tensors():
    return {
        "w": torchlet.arange(12.0).reshape(3, 4),
        "i": torchlet.arange(5),
        "b": torchlet.tensor([True, False]),
        "h": torchlet.ones(2, 2, dtype=torchlet.float16),
        "bf": torchlet.tensor([1.5, -2.0]).to(torchlet.bfloat16),
        "e": torchlet.zeros(0, 3),
        "d": torchlet.tensor(3.25, dtype=torchlet.float64),
    }


def test_ours_read_by_safetensors_torch(tmp_path, torch):
    from safetensors.torch import load_file

    path = tmp_path / "a.safetensors"
    st.save_file(_tensors(), path, metadata={"format": "pt"})
    theirs = load_file(path)
    for k, v in _tensors().items():
        ref = torch.tensor(v.float().tolist() if v.dtype is torchlet.bfloat16 else v.tolist())
        got = theirs[k].float() if k == "bf" else theirs[k]
        assert str(theirs[k].dtype).split(".")[-1] == v.dtype.name, k
        assert tuple(got.shape) == tuple(v.shape)
        np.testing.assert_array_equal(got.numpy(), ref.to(got.dtype).numpy().reshape(tuple(v.shape)))
    from safetensors import safe_open

    with safe_open(path, framework="pt") as f:
        assert f.metadata() == {"format": "pt"}


def test_theirs_read_by_ours(tmp_path, torch):
    from safetensors.torch import save_file

    ref = {"a": torch.randn(3, 5), "b": torch.arange(7, dtype=torch.int32), "c": torch.randn(4).bfloat16()}
    save_file(ref, tmp_path / "t.safetensors", metadata={"k": "v"})
    ours = st.load_file(tmp_path / "t.safetensors")
    assert sorted(ours) == ["a", "b", "c"]
    np.testing.assert_array_equal(ours["a"].numpy(), ref["a"].numpy())
    assert ours["b"].dtype is torchlet.int32
    np.testing.assert_array_equal(ours["c"].float().numpy(), ref["c"].float().numpy())
    assert st.load_metadata(tmp_path / "t.safetensors") == {"k": "v"}


def test_bytes_round_trip_and_numpy_api():
    from safetensors.numpy import load as np_load

    data = st.save({"x": torchlet.arange(6.0).reshape(2, 3)})
    assert np_load(data)["x"].tolist() == [[0, 1, 2], [3, 4, 5]]
    assert st.load(data)["x"].tolist() == [[0, 1, 2], [3, 4, 5]]


def _file(header, body=b""):
    text = json.dumps(header).encode()
    return len(text).to_bytes(8, "little") + text + body


@pytest.mark.parametrize(
    "data",
    [
        b"\x01",
        (10**12).to_bytes(8, "little") + b"{}",
        (100).to_bytes(8, "little") + b"{}",
        _file({"x": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}, b"\0" * 4),
        _file(
            {
                "x": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                "y": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]},
            },
            b"\0" * 12,
        ),
        _file({"x": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}, b"\0" * 8),
        _file({"x": {"dtype": "XX", "shape": [2], "data_offsets": [0, 8]}}, b"\0" * 8),
        b"\x04\0\0\0\0\0\0\0{no}",
    ],
)
def test_malformed_is_refused(data):
    with pytest.raises(st.SafetensorError):
        st.load(data)


def test_shared_and_noncontiguous_refused(torch):
    base = torchlet.zeros(4, 4)
    with pytest.raises(RuntimeError, match="share memory"):
        st.save({"a": base, "b": base[0]})
    with pytest.raises(ValueError, match="non contiguous"):
        st.save({"a": base.t()})
