"""TinyShakespeare / TimeMachine downloads against a loopback HTTP server: mirror fallback, MD5
failure, Ctrl-C, no partial files."""

import hashlib
import http.server
import os
import threading
import urllib.request

import pytest

from torchlet.text.datasets import TimeMachine, TinyShakespeare
from torchlet.text.datasets.corpora import TextCorpus


class _Handler(http.server.BaseHTTPRequestHandler):
    files = {}

    def do_GET(self):
        body = self.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    _Handler.files = {}
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", _Handler
    httpd.shutdown()
    httpd.server_close()


def _leftovers(root):
    return sorted(os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs)


BODY = ("First Citizen:\nBefore we proceed any further, hear me speak.\n\n" * 2000).encode()


def _local(cls, mirrors, body=BODY):
    return type(cls.__name__, (cls,), {"mirrors": mirrors, "md5": hashlib.md5(body).hexdigest()})


def test_real_urls_and_checksums():
    assert (
        TinyShakespeare.mirrors[0] + TinyShakespeare.filename
        == "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt"
    )
    assert TinyShakespeare.md5 == "6fb458f1232090904fb40fe944165e91"
    assert (
        TimeMachine.mirrors[0] + TimeMachine.filename == "http://d2l-data.s3-accelerate.amazonaws.com/timemachine.txt"
    )
    assert TimeMachine.md5 == "7353d136ab308ecd0d4f1c5bf0e23122"


@pytest.mark.parametrize("cls", [TinyShakespeare, TimeMachine])
def test_download_with_mirror_fallback_then_offline(server, tmp_path, cls):
    base, handler = server
    handler.files = {f"/good/{cls.filename}": BODY}
    local = _local(cls, [f"{base}/missing/", f"{base}/good/"])  # the first mirror 404s
    ds = local(tmp_path, download=True)
    assert ds.text == BODY.decode() and len(ds) == len(BODY)
    assert _leftovers(tmp_path) == [f"{cls.__name__}/{cls.filename}"]
    handler.files = {}
    assert local(tmp_path, download=True).text == ds.text  # already there: no network


def test_not_found_without_download(tmp_path):
    with pytest.raises(RuntimeError, match="download=True"):
        TinyShakespeare(tmp_path)


def test_checksum_failure_leaves_nothing(server, tmp_path):
    base, handler = server
    handler.files = {"/m/input.txt": b"corrupt"}
    local = _local(TinyShakespeare, [f"{base}/m/"])
    with pytest.raises(RuntimeError) as e:
        local(tmp_path, download=True)
    msg = str(e.value)
    assert msg.startswith("Error downloading input.txt:") and f"Tried {base}/m/, got:" in msg and "MD5" in msg
    assert _leftovers(tmp_path) == []


def test_ctrl_c_leaves_no_partial_file(server, tmp_path, monkeypatch):
    base, handler = server
    body = os.urandom(1 << 18)
    handler.files = {"/m/input.txt": body}
    real = urllib.request.urlopen

    def interrupted(*args, **kwargs):
        resp = real(*args, **kwargs)
        read, calls = resp.read, [0]

        def read_then_interrupt(n=-1):
            calls[0] += 1
            if calls[0] == 3:
                raise KeyboardInterrupt
            return read(n)

        resp.read = read_then_interrupt
        return resp

    monkeypatch.setattr(urllib.request, "urlopen", interrupted)
    local = type(
        "TinyShakespeare",
        (TextCorpus,),
        {"filename": "input.txt", "mirrors": [f"{base}/m/"], "md5": hashlib.md5(body).hexdigest()},
    )
    with pytest.raises(KeyboardInterrupt):
        local(tmp_path, download=True)
    assert _leftovers(tmp_path) == []
