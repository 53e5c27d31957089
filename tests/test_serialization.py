"""torchlet.save/load against real PyTorch's torch.save/torch.load, safety and atomicity."""

import collections
import io
import os
import pathlib
import pickle
import signal
import subprocess
import sys
import textwrap
import zipfile

import numpy as np
import pytest

import torchlet

DTYPES = ["float32", "float64", "float16", "bfloat16", "int64", "int32", "int16", "int8", "uint8", "bool", "complex64"]


def _sample(lib, name):
    d = getattr(lib, name)
    base = lib.arange(24).reshape(2, 3, 4)
    return (base % 2 == 0) if name == "bool" else base.to(d)


@pytest.mark.parametrize("name", DTYPES)
def test_torchlet_save_torch_load(name, torch, tmp_path):
    t = _sample(torchlet, name)
    torchlet.save({"t": t, "slice": t[1], "T": t.transpose(0, 2)}, tmp_path / "a.pt")
    back = torch.load(tmp_path / "a.pt", weights_only=True)
    ref = _sample(torch, name)
    assert back["t"].dtype == ref.dtype
    assert torch.equal(back["t"], ref)
    assert torch.equal(back["slice"], ref[1])
    assert torch.equal(back["T"], ref.transpose(0, 2))
    assert back["slice"].untyped_storage().data_ptr() == back["t"].untyped_storage().data_ptr()


@pytest.mark.parametrize("name", DTYPES)
def test_torch_save_torchlet_load(name, torch, tmp_path):
    ref = _sample(torch, name)
    torch.save({"t": ref, "view": ref[:, 1:], "n": 3, "s": "x", "l": [1.5, (2, 3)]}, tmp_path / "b.pt")
    back = torchlet.load(tmp_path / "b.pt")
    assert str(back["t"].dtype).split(".")[-1] == name
    expect = ref.float() if name == "bfloat16" else ref
    got = back["t"].float() if name == "bfloat16" else back["t"]
    np.testing.assert_array_equal(got.numpy(), expect.numpy())
    np.testing.assert_array_equal(
        (back["view"].float() if name == "bfloat16" else back["view"]).numpy(),
        (ref[:, 1:].float() if name == "bfloat16" else ref[:, 1:]).numpy(),
    )
    assert back["n"] == 3 and back["s"] == "x" and back["l"] == [1.5, (2, 3)]


def test_views_stay_one_storage_after_load(tmp_path):
    base = torchlet.zeros(4, 4)
    torchlet.save([base, base[1:3], base.t()], tmp_path / "v.pt")
    a, b, c = torchlet.load(tmp_path / "v.pt")
    b.fill_(7)
    assert a[1, 0].item() == 7 and c[0, 1].item() == 7


def test_file_objects_and_pathlib(torch, tmp_path):
    buf = io.BytesIO()
    torchlet.save({"x": torchlet.ones(3)}, buf)
    buf.seek(0)
    assert torch.equal(torch.load(buf)["x"], torch.ones(3))
    p = pathlib.Path(tmp_path) / "p.pt"
    torchlet.save(torchlet.ones(2), p)
    assert torchlet.load(p, map_location="cpu").tolist() == [1.0, 1.0]
    assert torchlet.load(str(p), map_location=torchlet.device("cpu")).tolist() == [1.0, 1.0]


def test_ordered_dict_and_state_dicts(torch, tmp_path):
    lin = torch.nn.Linear(3, 2)
    bn = torch.nn.BatchNorm1d(2)
    sd = collections.OrderedDict(list(lin.state_dict().items()) + list(bn.state_dict().items()))
    torch.save(sd, tmp_path / "sd.pt")
    back = torchlet.load(tmp_path / "sd.pt")
    assert isinstance(back, collections.OrderedDict) and list(back) == list(sd)
    for k in sd:
        np.testing.assert_array_equal(back[k].numpy(), sd[k].numpy())
    torchlet.save(back, tmp_path / "sd2.pt")
    again = torch.load(tmp_path / "sd2.pt")
    assert list(again) == list(sd) and all(torch.equal(again[k], sd[k]) for k in sd)


def test_optimizer_state_dict_round_trip(torch, tmp_path):
    p = torchlet.ones(3, requires_grad=True)
    opt = torchlet.optim.SGD([p], lr=0.1, momentum=0.9)
    p.grad = torchlet.ones(3)
    opt.step()
    torchlet.save(opt.state_dict(), tmp_path / "o.pt")
    theirs = torch.load(tmp_path / "o.pt")
    assert theirs["param_groups"][0]["lr"] == 0.1 and theirs["param_groups"][0]["params"] == [0]
    assert torch.equal(theirs["state"][0]["momentum_buffer"], torch.ones(3))
    mine = torchlet.load(tmp_path / "o.pt")
    opt2 = torchlet.optim.SGD([torchlet.ones(3, requires_grad=True)], lr=0.5, momentum=0.9)
    opt2.load_state_dict(mine)
    assert opt2.param_groups[0]["lr"] == 0.1


def test_parameter_round_trip(torch, tmp_path):
    torch.save(torch.nn.Parameter(torch.ones(2)), tmp_path / "p.pt")
    p = torchlet.load(tmp_path / "p.pt")
    assert type(p).__name__ == "Parameter" and p.requires_grad
    torchlet.save(p, tmp_path / "p2.pt")
    q = torch.load(tmp_path / "p2.pt")
    assert isinstance(q, torch.nn.Parameter) and q.requires_grad


def _malicious_checkpoint(path, marker):
    """A zip checkpoint whose pickle calls os.system to create `marker`."""
    cmd = f"touch {marker}"
    payload = (
        b"\x80\x02cposix\nsystem\nq\x00X" + len(cmd).to_bytes(4, "little") + cmd.encode() + b"q\x01\x85q\x02Rq\x03."
    )
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("archive/data.pkl", payload)
        zf.writestr("archive/version", "3\n")


def test_malicious_pickle_is_refused(torch, tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pt"
    _malicious_checkpoint(path, marker)
    with pytest.raises(pickle.UnpicklingError, match="posix.system"):
        torchlet.load(path)
    assert not marker.exists()
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path)
    assert not marker.exists()


class Custom:
    def __init__(self, v):
        self.v = v


def test_weights_only_false_and_safe_globals(tmp_path):
    torchlet.save({"obj": Custom(3)}, tmp_path / "c.pt")
    with pytest.raises(pickle.UnpicklingError, match="Custom"):
        torchlet.load(tmp_path / "c.pt")
    assert torchlet.load(tmp_path / "c.pt", weights_only=False)["obj"].v == 3
    with torchlet.serialization.safe_globals([Custom]):
        assert torchlet.load(tmp_path / "c.pt")["obj"].v == 3
    with pytest.raises(pickle.UnpicklingError):
        torchlet.load(tmp_path / "c.pt")


def test_failed_save_keeps_old_file(tmp_path):
    path = tmp_path / "ck.pt"
    torchlet.save({"x": torchlet.ones(2)}, path)

    class Boom:
        def __reduce__(self):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        torchlet.save({"x": torchlet.zeros(2), "b": Boom()}, path)
    assert torchlet.load(path)["x"].tolist() == [1.0, 1.0]
    assert os.listdir(tmp_path) == ["ck.pt"]


def test_killed_writer_leaves_old_checkpoint(tmp_path):
    path = tmp_path / "ck.pt"
    torchlet.save({"x": torchlet.ones(2)}, path)
    script = textwrap.dedent(f"""
        import os, sys, time
        import torchlet
        real_fsync = os.fsync
        def slow_fsync(fd):
            print("writing", flush=True)
            time.sleep(60)
        os.fsync = slow_fsync
        torchlet.save({{"x": torchlet.zeros(1000, 1000)}}, {str(path)!r})
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "writing"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert torchlet.load(path)["x"].tolist() == [1.0, 1.0]


def test_truncated_file_names_the_file(tmp_path):
    path = tmp_path / "trunc.pt"
    torchlet.save({"x": torchlet.ones(100)}, path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(RuntimeError, match="trunc.pt"):
        torchlet.load(path)
    path.write_bytes(b"not a checkpoint")
    with pytest.raises(RuntimeError, match="trunc.pt"):
        torchlet.load(path)


def _flip_data_byte(path, record_suffix="data/0", at=8):
    """The checkpoint at `path` with one byte of a stored tensor record flipped (its CRC left)."""
    import struct

    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = next(i for i in zf.infolist() if i.filename.endswith(record_suffix))
    n_name, n_extra = struct.unpack("<HH", raw[info.header_offset + 26 : info.header_offset + 30])
    raw[info.header_offset + 30 + n_name + n_extra + at] ^= 0xFF
    return bytes(raw)


class _ReadOnlyFile:
    """A file-like object with read/seek/tell/seekable alone (no readinto)."""

    def __init__(self, data):
        self._f = io.BytesIO(data)

    def read(self, n=-1):
        return self._f.read(n)

    def seek(self, pos, whence=0):
        return self._f.seek(pos, whence)

    def tell(self):
        return self._f.tell()

    def seekable(self):
        return True


def test_stored_records_read_into_arrays_and_checked(torch, tmp_path):
    """Tensor records are read straight into their arrays from a path, a BytesIO, a file-like
    object without readinto, or mapped (mmap=True): the values are PyTorch's, and one flipped
    data byte is a RuntimeError naming the CRC (PyTorch's reader loads it silently)."""
    path = tmp_path / "w.pt"
    ref = {"w": torch.arange(1000.0).reshape(10, 100), "b": torch.arange(7, dtype=torch.int64)}
    torch.save(ref, path)
    data = path.read_bytes()
    for source in (path, io.BytesIO(data), _ReadOnlyFile(data)):
        got = torchlet.load(source)
        assert got["w"].tolist() == ref["w"].tolist() and got["b"].tolist() == ref["b"].tolist()
        assert got["w"].dtype == torchlet.float32 and got["b"].dtype == torchlet.int64
    got = torchlet.load(path)
    got["w"][0, 0] = 5.0  # an array of its own, writable
    assert torchlet.load(path)["w"][0, 0].item() == 0.0
    bad = tmp_path / "bad.pt"
    bad.write_bytes(_flip_data_byte(path))
    for source, kw in ((bad, {}), (bad, {"mmap": True}), (io.BytesIO(bad.read_bytes()), {})):
        with pytest.raises(RuntimeError, match="Bad CRC-32"):
            torchlet.load(source, **kw)
    assert torch.load(bad)["w"].shape == (10, 100)  # PyTorch does not check


def test_plain_pickle_of_tensors():
    t = torchlet.arange(6.0).reshape(2, 3)[:, 1:].requires_grad_()
    back = pickle.loads(pickle.dumps(t))
    assert back.tolist() == t.tolist() and back.requires_grad


def _crafted(tmp_path, tree):
    """A checkpoint whose data.pkl pickles `tree` (see _fuzz_files) with one 8-byte storage '0'."""
    from _fuzz_files import unparse

    path = tmp_path / "crafted.pt"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("archive/data.pkl", tree if isinstance(tree, bytes) else unparse(tree))
        zf.writestr("archive/data/0", b"\0" * 8)
        zf.writestr("archive/version", "3\n")
    return path


def test_crafted_pickles_cannot_abuse_allowed_globals(tmp_path, torch):
    """Allowed callables cannot be turned against the loader: no setting attributes on classes or
    shared objects through BUILD, no instantiating Tensor, no iterating a huge stride-0 view."""
    from _fuzz_files import Call, Glob, Pid

    huge = Call(
        Glob("torch._utils", "_rebuild_tensor_v2"),
        (
            Pid(("storage", Glob("torch", "FloatStorage"), "0", "cpu", 2)),
            0,
            (2**40,),
            (0,),
            False,
            Call(Glob("collections", "OrderedDict"), ()),
        ),
    )
    proto = b"\x80\x02"
    cases = {
        "build on a class": proto + b"ctorch\nTensor\nN}X\x03\x00\x00\x00addcbuiltins\nprint\nsb.",
        "build on a class (slots)": proto + b"ctorch\nTensor\nN}X\x03\x00\x00\x00addcbuiltins\nprint\ns\x86b.",
        "build on a storage type": proto + b"ctorch\nFloatStorage\n}X\x05\x00\x00\x00dtypeK\x01sb.",
        "Tensor(2**40)": Call(Glob("torch", "Tensor"), (2**40,)),
        "set(huge view)": Call(Glob("builtins", "set"), (huge,)),
        "OrderedDict(huge view)": Call(Glob("collections", "OrderedDict"), (huge,)),
        "Size(huge view)": Call(Glob("torch", "Size"), (huge,)),
        "bytearray(2**40)": Call(Glob("builtins", "bytearray"), (2**40,)),
    }
    for name, tree in cases.items():
        with pytest.raises(pickle.UnpicklingError):
            torchlet.load(_crafted(tmp_path, tree))
    assert torchlet.Tensor.add is not print
    assert torchlet.serialization._safe()["torch.FloatStorage"].dtype is torchlet.float32
    assert torchlet.load(_crafted(tmp_path, huge)).shape == (2**40,)  # the view itself is legal
    assert torch.load(_crafted(tmp_path, huge)).shape == (2**40,)
