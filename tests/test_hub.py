"""torchlet.hub against torch.hub with a loopback HTTP server: the cache directory under
$TORCH_HOME, no second download, the hash prefix taken from the file name, the progress
bar, the messages, atomic writes (no file left after a failed download) and the error
classes of bad downloads."""

import hashlib
import http.server
import io
import os
import threading

import numpy as np
import pytest

import torchlet


class _Handler(http.server.BaseHTTPRequestHandler):
    files = {}
    truncated = set()
    hits = []

    def do_GET(self):
        self.hits.append(self.path)
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
    _Handler.files, _Handler.truncated, _Handler.hits = {}, set(), []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", _Handler
    httpd.shutdown()
    httpd.server_close()


def _checkpoint(torch):
    torch.manual_seed(0)
    m = torch.nn.Linear(3, 2)
    buf = io.BytesIO()
    torch.save(m.state_dict(), buf)
    return m, buf.getvalue()


def _names(root):
    return sorted(os.listdir(root)) if os.path.isdir(root) else []


def test_load_state_dict_from_url_cache_and_hash(torch, server, tmp_path, monkeypatch, capsys):
    import torch.hub

    url, h = server
    m, data = _checkpoint(torch)
    sha = hashlib.sha256(data).hexdigest()
    h.files[f"/w/linear-{sha[:8]}.pth"] = data
    out = {}
    for lib in (torch, torchlet):
        home = tmp_path / lib.__name__
        monkeypatch.setenv("TORCH_HOME", str(home))
        sd = lib.hub.load_state_dict_from_url(f"{url}/w/linear-{sha[:8]}.pth", check_hash=True, progress=False)
        printed = capsys.readouterr().out
        out[lib.__name__] = (sd, printed.replace(str(home), "<home>"), _names(home / "hub" / "checkpoints"))
        assert lib.hub.get_dir() == str(home / "hub")
    (sdo, msgo, fo), (sdt, msgt, ft) = out["torchlet"], out["torch"]
    assert msgo == msgt and msgo.startswith('Downloading: "http://127.0.0.1')
    assert fo == ft == [f"linear-{sha[:8]}.pth"]
    assert list(sdo) == list(sdt)
    for k in sdt:
        np.testing.assert_array_equal(sdo[k].numpy(), sdt[k].numpy())
    lin = torchlet.nn.Linear(3, 2)
    lin.load_state_dict(sdo)
    # cached: a second call reads the file without a request
    n = len(h.hits)
    torchlet.hub.load_state_dict_from_url(f"{url}/w/linear-{sha[:8]}.pth", check_hash=True)
    assert len(h.hits) == n and capsys.readouterr().out == ""
    # model_dir and file_name as torch's
    sd = torchlet.hub.load_state_dict_from_url(
        f"{url}/w/linear-{sha[:8]}.pth", model_dir=str(tmp_path / "md"), file_name="other.pth", progress=False
    )
    assert _names(tmp_path / "md") == ["other.pth"] and list(sd) == list(sdt)


def test_hash_mismatch_leaves_nothing(torch, server, tmp_path, monkeypatch):
    import torch.hub

    url, h = server
    _, data = _checkpoint(torch)
    h.files["/w/linear-deadbeef.pth"] = data
    errs = {}
    for lib in (torch, torchlet):
        home = tmp_path / lib.__name__
        monkeypatch.setenv("TORCH_HOME", str(home))
        with pytest.raises(RuntimeError) as e:
            lib.hub.load_state_dict_from_url(f"{url}/w/linear-deadbeef.pth", check_hash=True, progress=False)
        errs[lib.__name__] = str(e.value)
        assert _names(home / "hub" / "checkpoints") == []
    assert errs["torch"] == errs["torchlet"]
    # without check_hash the same file loads
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "nocheck"))
    assert list(torchlet.hub.load_state_dict_from_url(f"{url}/w/linear-deadbeef.pth", progress=False)) == [
        "weight",
        "bias",
    ]


def test_download_url_to_file_progress_and_errors(torch, server, tmp_path, capsys):
    import torch.hub

    url, h = server
    body = bytes(range(256)) * 400
    h.files["/f.bin"] = body
    h.files["/cut.bin"] = body
    h.truncated.add("/cut.bin")
    sha = hashlib.sha256(body).hexdigest()
    for lib in (torch, torchlet):
        dst = tmp_path / f"{lib.__name__}.bin"
        lib.hub.download_url_to_file(f"{url}/f.bin", str(dst), hash_prefix=sha[:10], progress=True)
        assert dst.read_bytes() == body
        bar = capsys.readouterr().err
        assert "100%" in bar and "100k/100k" in bar, bar  # 102400 bytes in units of 1024
        lib.hub.download_url_to_file(f"{url}/f.bin", str(dst) + ".quiet", progress=False)
        assert capsys.readouterr().err == ""
    classes = {}
    for lib in (torch, torchlet):
        d = tmp_path / f"err-{lib.__name__}"
        d.mkdir()
        got = []
        with pytest.raises(Exception) as e:
            lib.hub.download_url_to_file(f"{url}/missing.bin", str(d / "x.bin"), progress=False)
        got.append(type(e.value))
        with pytest.raises(RuntimeError) as e:
            lib.hub.download_url_to_file(f"{url}/f.bin", str(d / "x.bin"), hash_prefix="0000", progress=False)
        got.append(str(e.value))
        classes[lib.__name__] = got
        assert _names(d) == []  # nothing partial left behind
    assert classes["torch"] == classes["torchlet"]
    # a connection closed early: PyTorch keeps the short file; torchlet refuses it and keeps nothing
    torch.hub.download_url_to_file(f"{url}/cut.bin", str(tmp_path / "cut-torch.bin"), progress=False)
    assert (tmp_path / "cut-torch.bin").stat().st_size == len(body) // 2
    d = tmp_path / "cut"
    d.mkdir()
    with pytest.raises(RuntimeError, match="connection closed after 51200 of 102400 bytes"):
        torchlet.hub.download_url_to_file(f"{url}/cut.bin", str(d / "cut.bin"), progress=False)
    assert _names(d) == []
