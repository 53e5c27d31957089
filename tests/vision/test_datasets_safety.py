"""Broken and crafted dataset files: CIFAR batches whose MD5 does not match
(missing or unreadable ones refused as torchvision refuses them, a readable
stand-in read with a warning, all repaired by download=True from the archive
or, when that is bad too, by downloading again), CIFAR pickles that try to run
code or smuggle odd arrays (the restricted unpickler), and malformed MNIST IDX
headers. Every file is generated here; downloads come from a loopback server."""

import collections
import hashlib
import io
import os
import pickle

import numpy as np
import pytest

from torchlet.vision import datasets as D
from torchlet.vision.datasets import _safe_pickle
from torchlet.vision.datasets.mnist import read_image_file, read_label_file, read_sn3_pascalvincent_tensor

from test_datasets_download import _cifar_targz, local_cifar10, server  # noqa: F401 (fixture)


def _batch_path(root, name="data_batch_1"):
    return os.path.join(root, "cifar-10-batches-py", name)


@pytest.mark.parametrize("damage", ["truncate", "remove"])
def test_unreadable_or_missing_batch_is_refused_as_torchvision(tmp_path, server, monkeypatch, damage):  # noqa: F811
    tv = pytest.importorskip("torchvision.datasets")
    base, handler = server
    blob, md5s = _cifar_targz()
    handler.files = {"/cifar-10-python.tar.gz": blob}
    Local = local_cifar10(base, blob, md5s)
    Local(str(tmp_path), download=True)
    for attr in ("train_list", "test_list", "meta"):
        monkeypatch.setattr(tv.CIFAR10, attr, getattr(Local, attr))
    if damage == "truncate":
        with open(_batch_path(tmp_path, "data_batch_3"), "r+b") as f:
            f.truncate(40)
    else:
        os.remove(_batch_path(tmp_path, "data_batch_3"))
    with pytest.raises(RuntimeError) as theirs:
        tv.CIFAR10(str(tmp_path))
    with pytest.raises(RuntimeError) as ours, pytest.warns(UserWarning) if damage == "truncate" else _nothing():
        Local(str(tmp_path))
    assert type(ours.value) is type(theirs.value) and str(ours.value) == str(theirs.value)


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_stand_in_batch_is_read_with_a_warning(tmp_path, server):  # noqa: F811
    """A present batch with CIFAR's layout but another MD5 (a course's small stand-in, as the
    seed lessons ship) is read, with a warning naming it, and still through the restricted
    unpickler; torchvision refuses it outright."""
    base, handler = server
    blob, md5s = _cifar_targz()
    handler.files = {"/cifar-10-python.tar.gz": blob}
    Local = local_cifar10(base, blob, md5s)
    Local(str(tmp_path), download=True)
    stand_in = {"data": np.full((3, 3072), 7, np.uint8), "labels": [1, 2, 3]}
    with open(_batch_path(tmp_path, "test_batch"), "wb") as f:
        pickle.dump(stand_in, f)
    with pytest.warns(UserWarning, match="test_batch in cifar-10-batches-py do not match the published MD5"):
        ds = Local(str(tmp_path), train=False)
    assert ds.targets == [1, 2, 3] and (ds.data == 7).all() and ds.data.shape == (3, 32, 32, 3)
    assert len(handler.files) == 1  # nothing downloaded for download=False


def test_download_repairs_from_archive_then_from_server(tmp_path, server):  # noqa: F811
    base, handler = server
    blob, md5s = _cifar_targz()
    handler.files = {"/cifar-10-python.tar.gz": blob}
    hits = []
    real_get = handler.do_GET

    def counting_get(self):
        hits.append(self.path)
        return real_get(self)

    handler.do_GET = counting_get
    try:
        Local = local_cifar10(base, blob, md5s)
        good = Local(str(tmp_path), download=True).data.copy()
        assert len(hits) == 1
        # a damaged batch is re-extracted from the archive already on disk: no new download
        with open(_batch_path(tmp_path), "r+b") as f:
            f.truncate(100)
        np.testing.assert_array_equal(Local(str(tmp_path), download=True).data, good)
        assert len(hits) == 1
        # a damaged archive is downloaded again, then extracted
        with open(_batch_path(tmp_path), "wb") as f:
            f.write(b"junk")
        with open(tmp_path / "cifar-10-python.tar.gz", "r+b") as f:
            f.truncate(1000)
        np.testing.assert_array_equal(Local(str(tmp_path), download=True).data, good)
        assert len(hits) == 2
    finally:
        handler.do_GET = real_get


class _Evil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_batch_that_runs_code_is_refused(tmp_path, server):  # noqa: F811
    """Even with a matching MD5 (say, a file the user pinned), the unpickler executes nothing."""
    base, handler = server
    blob, md5s = _cifar_targz()
    handler.files = {"/cifar-10-python.tar.gz": blob}
    Local = local_cifar10(base, blob, md5s)
    Local(str(tmp_path), download=True)
    marker = tmp_path / "pwned"
    payload = pickle.dumps({"data": np.zeros((4, 3072), np.uint8), "labels": [0] * 4, "x": _Evil(marker)})
    with open(_batch_path(tmp_path), "wb") as f:
        f.write(payload)

    class Pinned(Local):
        train_list = [[n, hashlib.md5(payload).hexdigest() if n == "data_batch_1" else m] for n, m in Local.train_list]

    with pytest.raises(pickle.UnpicklingError, match="posix.system|os.system"):
        Pinned(str(tmp_path))
    assert not marker.exists()


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
@pytest.mark.parametrize("dtype", ["u1", "<i4", ">f8", "<c16", "b1", "<u2"])
def test_numpy_pickles_rebuild_exactly(protocol, dtype):
    arr = (np.arange(24).reshape(2, 3, 4) % 7).astype(dtype)
    for a in (arr, np.asfortranarray(arr), arr[0], arr[:, 1:, ::2]):
        obj = {"data": a, "labels": [1, 2], "name": "batch", "t": (b"x", 1.5, None, True)}
        got = _safe_pickle.load(io.BytesIO(pickle.dumps(obj, protocol=protocol)))
        ref = pickle.loads(pickle.dumps(obj, protocol=protocol))
        assert got.keys() == ref.keys() and got["t"] == ref["t"] and got["labels"] == ref["labels"]
        # values, shape, kind and size as pickle.loads; byte order is native (NumPy's own
        # loads keeps '>' under protocol 5 only)
        assert got["data"].dtype == ref["data"].dtype.newbyteorder("=") and got["data"].dtype.isnative
        assert got["data"].shape == ref["data"].shape
        np.testing.assert_array_equal(got["data"], ref["data"])


def test_python2_batch_layout():
    """Real CIFAR batches are Python 2 cPickle files: module numpy.core.multiarray, byte strings
    (SHORT_BINSTRING / BINSTRING) read back as latin1 str, raw array data among them."""
    arr = np.arange(256, dtype=np.uint8).reshape(2, 128)
    raw = arr.tobytes()
    py2 = (
        b"\x80\x02}(U\x04data"
        b"cnumpy.core.multiarray\n_reconstruct\n"
        b"cnumpy\nndarray\n"
        b"K\x00\x85U\x01b\x87R"
        b"(K\x01K\x02K\x80\x86"
        b"cnumpy\ndtype\nU\x02u1K\x00K\x01\x87R"
        b"(K\x03U\x01|NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb"
        b"\x89T" + len(raw).to_bytes(4, "little") + raw + b"tb"
        b"U\x06labels]q\x01(K\x01K\x02eU\x0bbatch_labelU\x05batchu."
    )
    got = _safe_pickle.load(io.BytesIO(py2), encoding="latin1")
    assert got["labels"] == [1, 2] and got["batch_label"] == "batch"
    assert got["data"].dtype == np.uint8 and got["data"].flags.writeable
    np.testing.assert_array_equal(got["data"], arr)


@pytest.mark.parametrize(
    "obj",
    [
        {"data": np.array([1, "x"], dtype=object)},
        {"data": np.zeros(2, dtype=[("a", "<i4"), ("b", "<f4")])},
        {"f": os.getcwd},
        {"c": collections.Counter("ab")},
        {"s": {1, 2}},
    ],
)
def test_anything_but_plain_data_is_refused(obj):
    with pytest.raises(pickle.UnpicklingError):
        _safe_pickle.load(io.BytesIO(pickle.dumps(obj, protocol=2)))


def test_array_with_wrong_byte_count_is_refused():
    data = pickle.dumps({"data": np.arange(6, dtype=np.int32)}, protocol=2)
    shape = b"K\x06\x85"  # BININT1 6, TUPLE1: the shape in the BUILD state
    assert data.count(shape) == 1
    for bad in (b"K\x07\x85", b"K\x05\x85", b"J\xff\xff\xff\x7f\x85"):
        with pytest.raises(pickle.UnpicklingError, match="bytes"):
            _safe_pickle.load(io.BytesIO(data.replace(shape, bad)))
    for cut in (len(data) // 2, len(data) - 1, 0):
        with pytest.raises(pickle.UnpicklingError):
            _safe_pickle.load(io.BytesIO(data[:cut]))


# ----- MNIST IDX headers ------------------------------------------------------
def _idx(magic, dims, body):
    return magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in dims) + body


@pytest.mark.parametrize(
    "blob,match",
    [
        (b"", "shorter than the 4-byte magic"),
        (b"\x00\x00", "shorter than the 4-byte magic"),
        (_idx(0x0803 | 0x01000000, [1, 2, 2], bytes(4)), "magic number"),  # junk in the zero bytes
        (_idx(0x0703, [1, 2, 2], bytes(4)), "magic number"),  # unknown type code
        (_idx(0x0800, [], b""), "magic number"),  # 0 dimensions
        (_idx(0x0804, [1, 1, 2, 2], bytes(4)), "magic number"),  # 4 dimensions
        (_idx(0x0803, [1, 2], b""), "truncated IDX header"),
        (_idx(0x0803, [2, 28, 28], bytes(28 * 28)), "truncated"),
        (_idx(0x0803, [1, 28, 28], bytes(28 * 28 + 1)), "longer than its header"),
        (_idx(0x0C01, [3], bytes(10)), "truncated"),  # int32 items: 12 bytes needed
        (_idx(0x0803, [2**31, 2**31, 2**31], b""), "truncated"),
    ],
)
def test_malformed_idx_headers(tmp_path, blob, match):
    path = tmp_path / "x-idx3-ubyte"
    path.write_bytes(blob)
    for reader in (read_sn3_pascalvincent_tensor, read_image_file):
        with pytest.raises(RuntimeError, match=match):
            reader(str(path))
    assert str(path) in str(pytest.raises(RuntimeError, read_sn3_pascalvincent_tensor, str(path)).value)


def test_wrong_dims_for_images_and_labels_as_torchvision(tmp_path):
    tvm = pytest.importorskip("torchvision.datasets.mnist")
    path = tmp_path / "x-ubyte"
    path.write_bytes(_idx(0x0802, [2, 3], bytes(6)))
    for ours, theirs in ((read_image_file, tvm.read_image_file), (read_label_file, tvm.read_label_file)):
        with pytest.raises(Exception) as a:
            theirs(str(path))
        with pytest.raises(Exception) as b:
            ours(str(path))
        assert type(b.value) is type(a.value) and str(b.value) == str(a.value)


def test_mnist_dataset_names_the_broken_file(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    good_img = _idx(0x0803, [2, 28, 28], bytes(2 * 28 * 28))
    for split in ("train", "t10k"):
        (raw / f"{split}-images-idx3-ubyte").write_bytes(good_img)
        (raw / f"{split}-labels-idx1-ubyte").write_bytes(_idx(0x0801, [2], bytes(2)))
    assert len(D.MNIST(str(tmp_path))) == 2
    (raw / "train-labels-idx1-ubyte").write_bytes(_idx(0x0801, [5], bytes(2)))
    with pytest.raises(RuntimeError, match="train-labels-idx1-ubyte.*truncated"):
        D.MNIST(str(tmp_path))
