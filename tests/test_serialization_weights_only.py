"""torchlet.load's switches against torch.load 2.14: the weights_only default, the
TORCH_FORCE_(NO_)WEIGHTS_ONLY_LOAD environment variables, the safe-globals
allow-list and its refusal messages, mmap= and the map_location forms."""

import io
import pickle
import warnings
import zipfile

import numpy as np
import pytest

import torchlet
from torchlet import serialization


class Point:
    def __init__(self, x):
        self.x = x


def _as_torchlet(msg):
    """torch's message with the names that must differ: the module that offers the fix and the
    function the user called."""
    return msg.replace("torch.serialization.", "torchlet.serialization.").replace("`torch.load`", "`torchlet.load`")


def _both_raise(torch, path, **kw):
    with pytest.raises(Exception) as theirs:
        torch.load(path, **kw)
    with pytest.raises(Exception) as ours:
        torchlet.load(path, **kw)
    assert type(ours.value) is type(theirs.value)
    return str(theirs.value), str(ours.value)


@pytest.fixture
def point_file(torch, tmp_path):
    path = tmp_path / "point.pt"
    torch.save({"p": Point(3), "w": torch.ones(2)}, path)
    return path


def test_default_refuses_with_pytorchs_message(torch, point_file):
    theirs, ours = _both_raise(torch, point_file)
    assert "GLOBAL test_serialization_weights_only.Point was not an allowed global" in ours
    assert ours == _as_torchlet(theirs)


def test_blocked_module_message(torch, tmp_path):
    path = tmp_path / "evil.pt"
    payload = b"\x80\x02cposix\nsystem\nX\x04\x00\x00\x00trueq\x01\x85R."
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("archive/data.pkl", payload)
        zf.writestr("archive/version", "3\n")
    theirs, ours = _both_raise(torch, path)
    assert "whose module posix is blocked" in ours
    assert ours == _as_torchlet(theirs)


def test_weights_only_false_loads(torch, point_file):
    assert torchlet.load(point_file, weights_only=False)["p"].x == 3
    assert torch.load(point_file, weights_only=False)["p"].x == 3


def test_safe_globals_api_matches_torch(torch, point_file):
    for lib in (torch, torchlet):
        ser = lib.serialization
        ser.clear_safe_globals()
        assert ser.get_safe_globals() == []
        with ser.safe_globals([Point]):
            assert lib.load(point_file)["p"].x == 3
            assert ser.get_safe_globals() == [Point]
        assert ser.get_safe_globals() == []
        with pytest.raises(pickle.UnpicklingError):
            lib.load(point_file)
        ser.add_safe_globals([(Point, "test_serialization_weights_only.Point")])
        assert lib.load(point_file)["p"].x == 3
        assert ser.get_safe_globals() == [(Point, "test_serialization_weights_only.Point")]
        ser.clear_safe_globals()
        with pytest.raises(pickle.UnpicklingError):
            lib.load(point_file)


def test_bad_safe_globals_entries(torch, point_file):
    for bad in [(Point, "a", "b"), (Point, 3)]:
        classes = []
        for lib in (torch, torchlet):
            lib.serialization.clear_safe_globals()
            lib.serialization.add_safe_globals([bad])
            with pytest.raises(Exception) as e:
                lib.load(point_file)
            classes.append(type(e.value))
            lib.serialization.clear_safe_globals()
        assert classes[0] is classes[1]


@pytest.mark.parametrize(
    "env,explicit",
    [
        ({"TORCH_FORCE_WEIGHTS_ONLY_LOAD": "1"}, {}),
        ({"TORCH_FORCE_WEIGHTS_ONLY_LOAD": "true"}, {"weights_only": False}),
        ({"TORCH_FORCE_WEIGHTS_ONLY_LOAD": "0"}, {"weights_only": False}),
        ({"TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD": "YES"}, {}),
        ({"TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD": "1"}, {"weights_only": True}),
        ({"TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD": "y", "TORCH_FORCE_WEIGHTS_ONLY_LOAD": "1"}, {}),
        ({"TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD": "no"}, {}),
    ],
)
def test_environment_switches(torch, point_file, monkeypatch, env, explicit):
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    outcome = []
    for lib in (torch, torchlet):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            try:
                got = ("ok", lib.load(point_file, **explicit)["p"].x)
            except Exception as e:
                got = (type(e), _as_torchlet(str(e)) if lib is torch else str(e))
        got += (sorted(str(x.message) for x in w if "TORCH_FORCE" in str(x.message)),)
        outcome.append(got)
    assert outcome[0] == outcome[1]


def test_pickle_module_and_pickle_args(torch, point_file, tmp_path):
    _both_raise(torch, point_file, pickle_module=pickle, weights_only=True)
    assert torchlet.load(point_file, pickle_module=pickle)["p"].x == 3  # weights_only follows pickle_module
    assert torch.load(point_file, pickle_module=pickle)["p"].x == 3
    plain = tmp_path / "plain.pt"
    torch.save({"w": torch.ones(1)}, plain)
    for lib in (torch, torchlet):
        with pytest.warns(UserWarning, match="pickle_load_args only works if `weights_only=False`"):
            assert lib.load(plain, weights_only=True, encoding="latin1")["w"].tolist() == [1.0]


def test_mmap(torch, tmp_path):
    path = tmp_path / "m.pt"
    base = torch.arange(12.0).reshape(3, 4)
    torch.save({"a": base, "v": base[1:, 2:], "i": torch.arange(5)}, path)
    before = path.read_bytes()
    got = torchlet.load(path, mmap=True)
    ref = torch.load(path, mmap=True)
    for k in ref:
        np.testing.assert_array_equal(got[k].numpy(), ref[k].numpy())
    got["a"].add_(1)  # copy-on-write: the file is never written
    assert got["v"][0, 0].item() == ref["v"][0, 0].item() + 1  # views still share memory
    assert path.read_bytes() == before
    with open(path, "rb") as fh:
        with pytest.raises(ValueError) as theirs:
            torch.load(fh, mmap=True)
        with pytest.raises(ValueError) as ours:
            torchlet.load(fh, mmap=True)
    assert str(ours.value) == str(theirs.value)


def _cuda_checkpoint(torch, path):
    """A checkpoint whose storage is tagged 'cuda:0' (as one saved on a GPU)."""
    buf = io.BytesIO()
    torch.save({"w": torch.arange(4.0)}, buf)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zi, zipfile.ZipFile(path, "w") as zo:
        for info in zi.infolist():
            data = zi.read(info)
            if info.filename.endswith("data.pkl"):
                data = data.replace(b"X\x03\x00\x00\x00cpu", b"X\x06\x00\x00\x00cuda:0")
            zo.writestr(info.filename, data)


@pytest.mark.parametrize(
    "make_map",
    [
        lambda lib: "cpu",
        lambda lib: b"cpu",
        lambda lib: lib.device("cpu"),
        lambda lib: {"cuda:0": "cpu"},
        lambda lib: lambda storage, loc: storage,
        lambda lib: lambda storage, loc: None,
        lambda lib: lambda storage, loc: storage.cpu(),
        lambda lib: None,
        lambda lib: "cuda",
        lambda lib: {"cuda:1": "cpu"},
    ],
)
def test_map_location_forms(torch, tmp_path, make_map):
    path = tmp_path / "g.pt"
    _cuda_checkpoint(torch, path)
    outcome = []
    for lib in (torch, torchlet):
        try:
            outcome.append(("ok", lib.load(path, map_location=make_map(lib))["w"].tolist()))
        except Exception as e:
            outcome.append((type(e),))
    assert outcome[0] == outcome[1]


def test_safetensors_path(torch, tmp_path):
    from safetensors.torch import save_file

    path = str(tmp_path / "w.safetensors")
    save_file({"a": torch.arange(3.0)}, path)
    assert torchlet.load(path)["a"].tolist() == torch.load(path)["a"].tolist() == [0.0, 1.0, 2.0]
    for bad in [{"cpu": "cpu"}, lambda s, l: s]:
        with pytest.raises(RuntimeError) as theirs:
            torch.load(path, map_location=bad)
        with pytest.raises(RuntimeError) as ours:
            torchlet.load(path, map_location=bad)
        assert str(ours.value) == str(theirs.value)


def test_load_round_trips_without_warnings(tmp_path):
    torchlet.save({"w": torchlet.ones(2)}, tmp_path / "a.pt")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert serialization.load(tmp_path / "a.pt")["w"].tolist() == [1.0, 1.0]


def test_default_allow_list_is_torchs(torch, tmp_path):
    """The same objects load or are refused (with the same text) by both."""
    import collections

    objs = {
        "bytes": b"xy",
        "set": {1, 2},
        "frozenset": frozenset([3]),
        "complex": 1 + 2j,
        "bytearray": bytearray(b"q"),
        "slice": slice(1, 2),
        "dtype": torch.float16,
        "int8": torch.int8,
        "device": torch.device("cpu"),
        "size": torch.Size([2, 3]),
        "od": collections.OrderedDict(a=1),
        "counter": collections.Counter("ab"),
        "param": torch.nn.Parameter(torch.ones(1)),
        "range": range(3),
        "point": Point(1),
    }
    for name, obj in objs.items():
        path = tmp_path / f"{name}.pt"
        torch.save({name: obj}, path)
        outcome = []
        for lib in (torch, torchlet):
            try:
                lib.load(path)
                outcome.append("ok")
            except pickle.UnpicklingError as e:
                outcome.append(_as_torchlet(str(e)) if lib is torch else str(e))
        assert outcome[0] == outcome[1], name
    serialization.add_safe_globals([slice, frozenset])
    try:
        assert torchlet.load(tmp_path / "slice.pt")["slice"] == slice(1, 2)
        assert torchlet.load(tmp_path / "frozenset.pt")["frozenset"] == frozenset([3])
    finally:
        serialization.clear_safe_globals()
