"""torchlet.hub.load / list / help against torch.hub: source="local" (a directory with a
hubconf.py) and source="github" from a repo zipball served by a loopback HTTP server (both
libraries' https://github.com requests are redirected to it; ours also through hub.GITHUB_URL):
the cache directory and messages, trust_repo, force_reload, branch/tag validation, the default
branch, dependencies, entrypoints, docstrings, and the errors."""

import http.server
import io
import json
import os
import threading
import urllib.request
import zipfile

import pytest

import torchlet

HUBCONF = '''
dependencies = ["json"]
import helper  # the repo's own module, found on sys.path during the load


def tiny(*args, scale=1, **kwargs):
    """A tiny entrypoint.

    Returns its arguments."""
    return {"args": list(args), "scale": scale, "kwargs": kwargs, "helper": helper.VALUE}


def _private():
    return None


answer = 42
'''
HELPER = "VALUE = 'from helper'\n"


def _zipball(top, files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(top + "/", "")
        for name, text in files.items():
            zf.writestr(f"{top}/{name}", text)
    return buf.getvalue()


class _Handler(http.server.BaseHTTPRequestHandler):
    routes = {}
    hits = []

    def do_GET(self):
        self.hits.append(self.path)
        body = self.routes.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class _ToLoopback(urllib.request.BaseHandler):
    """https://github.com and https://api.github.com requests go to the loopback server."""

    handler_order = 100  # before urllib's own HTTPSHandler

    def __init__(self, base):
        self.base = base

    def https_open(self, req):
        url = req.full_url.replace("https://api.github.com", self.base + "/api")
        url = url.replace("https://github.com", self.base)
        new = urllib.request.Request(url, headers=dict(req.header_items()))
        new.timeout = 30
        return urllib.request.HTTPHandler().http_open(new)


def _api(items):
    return json.dumps(items).encode()


@pytest.fixture
def github(monkeypatch):
    files = {"hubconf.py": HUBCONF, "helper.py": HELPER}
    _Handler.hits = []
    _Handler.routes = {
        "/alice/tinyrepo/tree/main/": b"<html>main</html>",
        "/alice/tinyrepo/zipball/main": _zipball("alice-tinyrepo-0123abc", files),
        "/alice/tinyrepo/zipball/v1": _zipball("alice-tinyrepo-4567def", files),
        "/bob/oldrepo/zipball/master": _zipball("bob-oldrepo-89ab", files),
        "/api/repos/alice/tinyrepo/branches?per_page=100&page=1": _api(
            [{"name": "main", "commit": {"sha": "0123abc"}}]
        ),
        "/api/repos/alice/tinyrepo/branches?per_page=100&page=2": _api([]),
        "/api/repos/alice/tinyrepo/tags?per_page=100&page=1": _api([{"name": "v1", "commit": {"sha": "4567def"}}]),
        "/api/repos/alice/tinyrepo/tags?per_page=100&page=2": _api([]),
    }
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    urllib.request.install_opener(urllib.request.build_opener(_ToLoopback(base)))
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    yield base, _Handler
    urllib.request.install_opener(None)
    httpd.shutdown()


@pytest.fixture
def hub_dirs(tmp_path, torch, monkeypatch):
    import torch.hub

    dirs = {torch: str(tmp_path / "torch_hub"), torchlet: str(tmp_path / "torchlet_hub")}
    for m in dirs:  # set_dir's module variable, put back afterwards
        monkeypatch.setattr(m.hub, "_hub_dir", dirs[m])
    return dirs


def _both(torch, hub_dirs, capsys, fn):
    """fn(m) on torch and on torchlet: (result or exception, printed text with the hub dir as <hub>)."""
    out = []
    for m in (torch, torchlet):
        capsys.readouterr()
        try:
            res = fn(m)
        except Exception as e:
            res = e
        o, e = capsys.readouterr()
        out.append((res, (o + "|" + e).replace(hub_dirs[m], "<hub>")))
    return out


def _same(a, b):
    (ra, ta), (rb, tb) = a, b
    if isinstance(ra, BaseException) or isinstance(rb, BaseException):
        assert type(ra) is type(rb) and str(ra).replace("torchlet_hub", "torch_hub") == str(rb), (ra, rb)
    else:
        assert ra == rb
    assert ta == tb


def test_github_load_list_help_and_cache(github, hub_dirs, torch, capsys):
    base, handler = github
    calls = [
        lambda m: m.hub.list("alice/tinyrepo", trust_repo=True),
        lambda m: m.hub.help("alice/tinyrepo", "tiny"),
        lambda m: m.hub.load("alice/tinyrepo", "tiny", 1, 2, scale=3, extra="x"),
        lambda m: m.hub.load("alice/tinyrepo", "tiny", verbose=False),
        lambda m: m.hub.load("alice/tinyrepo:v1", "tiny", force_reload=True),
        lambda m: m.hub.load("alice/tinyrepo:v1", "tiny", force_reload=True, skip_validation=True),
        lambda m: sorted(os.listdir(m.hub.get_dir())),
        lambda m: sorted(os.listdir(os.path.join(m.hub.get_dir(), "alice_tinyrepo_main"))),
        lambda m: open(os.path.join(m.hub.get_dir(), "trusted_list")).read(),
    ]
    results, zipballs = [], []
    for call in calls:
        handler.hits.clear()
        theirs, ours = _both(torch, hub_dirs, capsys, call)
        _same(ours, theirs)
        results.append(ours)
        zipballs.append(sum("/zipball/" in h for h in handler.hits))
    assert zipballs[:6] == [2, 0, 0, 0, 2, 2]  # downloaded once each, again on force_reload
    assert "Using cache found in <hub>/alice_tinyrepo_main" in results[2][1]
    assert results[2][0]["helper"] == "from helper" and results[2][0]["args"] == [1, 2]
    assert results[6][0] == ["alice_tinyrepo_main", "alice_tinyrepo_v1", "trusted_list"]


def test_default_branch_master_and_validation_errors(github, hub_dirs, torch, capsys):
    for call in (
        lambda m: m.hub.load("bob/oldrepo", "tiny", trust_repo=True, skip_validation=True),
        lambda m: m.hub.load("alice/tinyrepo:nope", "tiny", trust_repo=True),  # not a branch or tag
        lambda m: m.hub.load("alice/tinyrepo:4567", "tiny", trust_repo=True),  # a tag's commit prefix
        lambda m: m.hub.load("alice/missing:main", "tiny", trust_repo=True, skip_validation=True),
        lambda m: m.hub.load("alice/tinyrepo", "tiny", source="svn"),
        lambda m: m.hub.load("alice/tinyrepo", "answer", trust_repo=True),
        lambda m: m.hub.load("alice/tinyrepo", "absent", trust_repo=True),
        lambda m: m.hub.load("alice/tinyrepo", 3, trust_repo=True),
    ):
        theirs, ours = _both(torch, hub_dirs, capsys, call)
        _same(ours, theirs)


@pytest.mark.parametrize("answer", ["y", "n", "", "maybe", "yes"])
@pytest.mark.parametrize("trust_repo", ["check", False])
def test_trust_prompt(answer, trust_repo, github, hub_dirs, torch, capsys, monkeypatch):
    prompts = []

    def fake_input(text):
        prompts.append(text)
        return answer

    monkeypatch.setattr("builtins.input", fake_input)
    theirs, ours = _both(torch, hub_dirs, capsys, lambda m: m.hub.load("alice/tinyrepo", "tiny", trust_repo=trust_repo))
    _same(ours, theirs)
    assert len(prompts) == 2 and prompts[0] == prompts[1]
    prompts.clear()
    theirs, ours = _both(torch, hub_dirs, capsys, lambda m: m.hub.list("alice/tinyrepo", trust_repo=trust_repo))
    _same(ours, theirs)  # trusted now (or asked again)
    assert len(prompts) in (0, 2)


def test_local_source(tmp_path, torch, capsys, hub_dirs):
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "hubconf.py").write_text(HUBCONF)
    (repo / "helper.py").write_text(HELPER)
    needy = tmp_path / "needy"
    needy.mkdir()
    (needy / "hubconf.py").write_text(
        'dependencies = ["json", "no_such_pkg_x", "no_such_pkg_y"]\ndef f():\n    return 1\n'
    )
    for call in (
        lambda m: m.hub.load(str(repo), "tiny", 5, source="local"),
        lambda m: m.hub.load(str(repo), "tiny", source="LOCAL", scale=2),
        lambda m: m.hub.load(str(needy), "f", source="local"),
        lambda m: m.hub.load(str(repo), "_missing", source="local"),
    ):
        theirs, ours = _both(torch, hub_dirs, capsys, call)
        _same(ours, theirs)
    assert str(repo) not in __import__("sys").path


def test_github_url_is_overridable(github, hub_dirs, monkeypatch, capsys):
    """Without the redirecting opener, torchlet reads GITHUB_URL / GITHUB_API_URL."""
    base, handler = github
    urllib.request.install_opener(None)
    monkeypatch.setattr(torchlet.hub, "GITHUB_URL", base)
    monkeypatch.setattr(torchlet.hub, "GITHUB_API_URL", base + "/api")
    out = torchlet.hub.load("alice/tinyrepo", "tiny", 7, trust_repo=True)
    assert out["args"] == [7] and out["helper"] == "from helper"
    assert "/alice/tinyrepo/zipball/main" in handler.hits
    assert f'Downloading: "{base}/alice/tinyrepo/zipball/main"' in capsys.readouterr().out


def test_hubconf_import_torch_is_torchlet_under_compat(tmp_path):
    """A program run with `python -m torchlet.compat` loads a hubconf whose `import torch` is torchlet."""
    import subprocess
    import sys

    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "hubconf.py").write_text(
        "dependencies = ['torch']\nimport torch\n\n\ndef linear(n=3):\n    torch.manual_seed(0)\n"
        "    return torch.nn.Linear(n, 2)\n"
    )
    prog = tmp_path / "prog.py"
    prog.write_text(
        "import torch\n"
        f"m = torch.hub.load({str(repo)!r}, 'linear', 4, source='local')\n"
        "print(type(m).__module__.split('.')[0], m.weight.shape, m.weight.sum().item())\n"
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    runs = [[sys.executable, "-m", "torchlet.compat", str(prog)], [sys.executable, str(prog)]]
    outs = [subprocess.run(r, capture_output=True, text=True, env=env, timeout=300, cwd=tmp_path) for r in runs]
    assert all(o.returncode == 0 for o in outs), [o.stderr[-2000:] for o in outs]
    ours, theirs = (o.stdout.split() for o in outs)
    assert ours[0] == "torchlet" and theirs[0] == "torch"
    assert ours[1:-1] == [w.replace("torch.", "torchlet.") for w in theirs[1:-1]]
    assert abs(float(ours[-1]) - float(theirs[-1])) < 1e-6
