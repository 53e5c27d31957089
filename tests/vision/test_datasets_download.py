"""Downloads against a local HTTP server: MD5 check, mirrors, dropped connections,
atomic writes (no partial files left), archive extraction."""

import gzip
import hashlib
import http.server
import io
import os
import pickle
import tarfile
import threading
import urllib.request

import numpy as np
import pytest
from conftest import require

from torchlet.vision import datasets as D
from torchlet.vision.datasets import utils as U


class _Handler(http.server.BaseHTTPRequestHandler):
    files = {}  # path -> bytes
    truncated = set()  # paths whose body is cut in half, then the connection closed

    def do_GET(self):
        body = self.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.path in self.truncated:
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    _Handler.files, _Handler.truncated = {}, set()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", _Handler
    httpd.shutdown()
    httpd.server_close()


def _idx(arr):
    head = bytes([0, 0, 8, arr.ndim]) + b"".join(int(s).to_bytes(4, "big") for s in arr.shape)
    return head + arr.tobytes()


def _gz(data):
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as f:
        f.write(data)
    return buf.getvalue()


def _md5(b):
    return hashlib.md5(b).hexdigest()


def _mnist_files(n=6):
    rng = np.random.RandomState(0)
    out = {}
    for split in ("train", "t10k"):
        out[f"{split}-images-idx3-ubyte.gz"] = _gz(_idx(rng.randint(0, 256, (n, 28, 28)).astype(np.uint8)))
        out[f"{split}-labels-idx1-ubyte.gz"] = _gz(_idx(rng.randint(0, 10, n).astype(np.uint8)))
    return out


def _leftovers(root):
    return sorted(os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs)


def _local_mnist(base, files, mirrors):
    class LocalMNIST(D.MNIST):
        pass

    LocalMNIST.mirrors = mirrors
    LocalMNIST.resources = [(name, _md5(data)) for name, data in files.items()]
    LocalMNIST.__name__ = "MNIST"  # the same folder as MNIST
    return LocalMNIST


def test_mnist_download_and_reload(server, tmp_path):
    base, handler = server
    files = _mnist_files()
    handler.files = {f"/m/{k}": v for k, v in files.items()}
    cls = _local_mnist(base, files, [f"{base}/missing/", f"{base}/m/"])  # first mirror 404s
    ds = cls(str(tmp_path), download=True)
    assert len(ds) == 6
    raw = tmp_path / "MNIST" / "raw"
    assert sorted(os.listdir(raw)) == sorted(list(files) + [k[:-3] for k in files])
    assert ds.data.numpy().tobytes() == gzip.decompress(files["train-images-idx3-ubyte.gz"])[16:]
    handler.files = {}  # already there: no network needed
    assert len(cls(str(tmp_path), train=False, download=True)) == 6
    # torchvision reads what we downloaded
    tv = require("torchvision.datasets")
    np.testing.assert_array_equal(tv.MNIST(str(tmp_path)).data.numpy(), ds.data.numpy())


def test_md5_mismatch_leaves_nothing(server, tmp_path):
    base, handler = server
    files = _mnist_files()
    handler.files = {f"/m/{k}": v for k, v in files.items()}
    handler.files["/m/train-labels-idx1-ubyte.gz"] = _gz(b"corrupt")
    cls = _local_mnist(base, files, [f"{base}/m/"])
    with pytest.raises(RuntimeError) as e:
        cls(str(tmp_path), download=True)
    msg = str(e.value)
    assert msg.startswith("Error downloading train-labels-idx1-ubyte.gz:")
    assert f"Tried {base}/m/, got:" in msg and "MD5" in msg
    # the first file (good) stays; nothing of the corrupt one, no temporary files
    assert _leftovers(tmp_path) == ["MNIST/raw/train-images-idx3-ubyte", "MNIST/raw/train-images-idx3-ubyte.gz"]


def test_dropped_connection_leaves_nothing(server, tmp_path):
    base, handler = server
    files = _mnist_files()
    handler.files = {f"/m/{k}": v for k, v in files.items()}
    handler.truncated = {"/m/train-images-idx3-ubyte.gz"}
    cls = _local_mnist(base, files, [f"{base}/m/"])
    with pytest.raises(RuntimeError, match="Error downloading train-images-idx3-ubyte.gz") as e:
        cls(str(tmp_path), download=True)
    assert f"{base}/m/train-images-idx3-ubyte.gz" in str(e.value)
    assert _leftovers(tmp_path) == []


def test_unreachable_mirrors_name_the_urls(tmp_path):
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there
    files = _mnist_files()
    cls = _local_mnist(None, files, [f"http://127.0.0.1:{port}/a/", f"http://127.0.0.1:{port}/b/"])
    with pytest.raises(RuntimeError) as e:
        cls(str(tmp_path), download=True)
    msg = str(e.value)
    assert "Error downloading train-images-idx3-ubyte.gz" in msg
    assert f"Tried http://127.0.0.1:{port}/a/, got:" in msg and "/b/train-images-idx3-ubyte.gz" in msg
    assert _leftovers(tmp_path) == []


def test_interrupt_leaves_no_partial_file(server, tmp_path, monkeypatch):
    base, handler = server
    handler.files = {"/big.bin": os.urandom(1 << 18)}
    real = urllib.request.urlopen

    def interrupted(*args, **kwargs):
        resp = real(*args, **kwargs)
        calls = [0]
        read = resp.read

        def read_then_interrupt(n=-1):
            calls[0] += 1
            if calls[0] == 3:
                raise KeyboardInterrupt
            return read(n)

        resp.read = read_then_interrupt
        return resp

    monkeypatch.setattr(urllib.request, "urlopen", interrupted)
    with pytest.raises(KeyboardInterrupt):
        U.download_url(f"{base}/big.bin", str(tmp_path))
    assert _leftovers(tmp_path) == []
    monkeypatch.setattr(urllib.request, "urlopen", real)
    U.download_url(f"{base}/big.bin", str(tmp_path), md5=_md5(handler.files["/big.bin"]))
    assert (tmp_path / "big.bin").read_bytes() == handler.files["/big.bin"]


def _cifar_targz():
    """(archive bytes, {member name: MD5})."""
    buf = io.BytesIO()
    rng = np.random.RandomState(3)
    md5s = {}
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:

        def add(name, obj):
            data = pickle.dumps(obj)
            md5s[name] = _md5(data)
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))

        for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
            add(
                name,
                {"data": rng.randint(0, 256, (4, 3072)).astype(np.uint8), "labels": rng.randint(0, 10, 4).tolist()},
            )
        add("batches.meta", {"label_names": [f"c{i}" for i in range(10)]})
    return buf.getvalue(), md5s


def local_cifar10(base, blob, md5s):
    """CIFAR10 served from the test server, with the MD5s of the files generated here."""

    class LocalCIFAR10(D.CIFAR10):
        url = f"{base}/cifar-10-python.tar.gz"
        tgz_md5 = _md5(blob)
        train_list = [[n, md5s[n]] for n, _ in D.CIFAR10.train_list]
        test_list = [[n, md5s[n]] for n, _ in D.CIFAR10.test_list]
        meta = {**D.CIFAR10.meta, "md5": md5s["batches.meta"]}

    return LocalCIFAR10


def test_cifar_download_extract(server, tmp_path):
    base, handler = server
    blob, md5s = _cifar_targz()
    handler.files = {"/cifar-10-python.tar.gz": blob}
    LocalCIFAR10 = local_cifar10(base, blob, md5s)
    ds = LocalCIFAR10(str(tmp_path), download=True)
    assert len(ds) == 20 and ds.data.shape == (20, 32, 32, 3) and ds.classes[3] == "c3"
    assert len(LocalCIFAR10(str(tmp_path), train=False)) == 4

    class BadCIFAR10(LocalCIFAR10):
        tgz_md5 = "0" * 32

    other = tmp_path / "other"
    with pytest.raises(RuntimeError, match="corrupted"):
        BadCIFAR10(str(other), download=True)
    assert _leftovers(other) == []


def test_extract_archive_kinds(tmp_path):
    (tmp_path / "a.txt.gz").write_bytes(_gz(b"hello"))
    assert U.extract_archive(str(tmp_path / "a.txt.gz")) == str(tmp_path / "a.txt")
    assert (tmp_path / "a.txt").read_bytes() == b"hello"
    with pytest.raises(RuntimeError, match="Unknown compression or archive type"):
        U.extract_archive(str(tmp_path / "a.foo"))
    evil = io.BytesIO()
    with tarfile.open(fileobj=evil, mode="w") as tar:
        info = tarfile.TarInfo("../escape.txt")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    (tmp_path / "evil.tar").write_bytes(evil.getvalue())
    with pytest.raises(Exception):
        U.extract_archive(str(tmp_path / "evil.tar"), str(tmp_path / "out"))
    assert not (tmp_path / "escape.txt").exists()
