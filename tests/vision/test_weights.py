"""*_Weights enums, get_weight / get_model_weights / list_models, and loading weights through a
cached, hash-checked download (served from a loopback HTTP server: a state_dict torchvision saved)."""

import hashlib
import http.server
import io
import json
import threading

import numpy as np
import pytest
from conftest import require
from PIL import Image

import torchlet
from torchlet.vision import models as M
from torchlet.vision.models import _weights

TM = require("torchvision.models")


def _same(a, b):
    """Equal metadata; NaN metrics (VGG16 features weights) count as equal."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def _keywords(member):
    """The preset's arguments, an InterpolationMode as its value (the two libraries' enums differ);
    the detection weights' ObjectDetection preset is a class, not a partial."""
    t = member.transforms
    if not hasattr(t, "keywords"):
        return t.__name__
    return {k: getattr(v, "value", v) for k, v in t.keywords.items()}


def _tv_enum(name):
    return getattr(TM, name, None) or getattr(TM.detection, name)


@pytest.mark.parametrize("name", _weights.__all__)
def test_enum_equals_torchvision(name):
    ours, theirs = getattr(_weights, name), _tv_enum(name)
    assert list(ours.__members__) == list(theirs.__members__)
    for key in theirs.__members__:
        o, t = ours[key], theirs[key]
        assert repr(o) == repr(t) and str(o) == str(t)
        assert o.url == t.url and _same(o.meta, t.meta)
        assert type(o.meta["min_size"]) is tuple
        assert _keywords(o) == _keywords(t)
        assert repr(o.transforms()) == repr(t.transforms())
    assert ours.DEFAULT is ours[theirs.DEFAULT.name]


def test_lookups_match_torchvision():
    assert M.get_weight("ResNet18_Weights.IMAGENET1K_V1") is M.ResNet18_Weights.IMAGENET1K_V1
    assert M.get_weight("ResNet50_Weights.DEFAULT") is M.ResNet50_Weights.IMAGENET1K_V2
    assert M.get_model_weights("vgg16") is M.VGG16_Weights
    assert M.get_model_weights(M.vit_l_16) is M.ViT_L_16_Weights
    assert M.get_model_weights("maskrcnn_resnet50_fpn") is M.detection.MaskRCNN_ResNet50_FPN_Weights
    assert M.get_model_weights(M.detection.fasterrcnn_resnet50_fpn) is M.detection.FasterRCNN_ResNet50_FPN_Weights
    assert M.ResNet18_Weights.verify("ResNet18_Weights.IMAGENET1K_V1") is M.ResNet18_Weights.IMAGENET1K_V1
    assert set(M.list_models()) <= set(TM.list_models())
    assert M.list_models(include="vit_*") == TM.list_models(include="vit_*")
    for call in (
        lambda m: m.get_weight("foo"),
        lambda m: m.get_weight("Foo.BAR"),
        lambda m: m.get_model_weights("foo"),
        lambda m: m.get_model("foo"),
        lambda m: m.ResNet18_Weights.verify(m.VGG16_Weights.DEFAULT),
    ):
        with pytest.raises(Exception) as ours:
            call(M)
        with pytest.raises(Exception) as theirs:
            call(TM)
        assert type(ours.value) is type(theirs.value) and str(ours.value) == str(theirs.value)
    assert isinstance(M.get_model("squeezenet1_1", num_classes=3), M.SqueezeNet)
    with pytest.raises(ValueError) as ours:
        M.resnet18(weights=M.ResNet18_Weights.DEFAULT, num_classes=10)
    with pytest.raises(ValueError) as theirs:
        TM.resnet18(weights=TM.ResNet18_Weights.DEFAULT, num_classes=10)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize(
    "name",
    ["ResNet50_Weights.IMAGENET1K_V2", "ViT_B_16_Weights.IMAGENET1K_SWAG_E2E_V1", "Inception_V3_Weights.IMAGENET1K_V1"],
)
def test_preset_transforms_match_torchvision(torch, name):
    ours, theirs = M.get_weight(name).transforms(), TM.get_weight(name).transforms()
    rng = np.random.default_rng(0)
    arr = rng.integers(0, 256, (300, 340, 3), dtype=np.uint8)
    pil = Image.fromarray(arr)
    np.testing.assert_allclose(ours(pil).numpy(), theirs(pil).numpy(), rtol=0, atol=1e-5)
    chw = np.ascontiguousarray(arr.transpose(2, 0, 1))
    got = ours(torchlet.from_numpy(chw.copy())).numpy()
    expected = theirs(torch.from_numpy(chw.copy())).numpy()
    np.testing.assert_allclose(got, expected, rtol=0, atol=2e-2)  # uint8 antialiased resize rounding
    assert np.mean(np.abs(got - expected)) < 2e-3


class _Handler(http.server.BaseHTTPRequestHandler):
    files, hits = {}, []

    def do_GET(self):
        self.hits.append(self.path)
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
    _Handler.files, _Handler.hits = {}, []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", _Handler
    httpd.shutdown()
    httpd.server_close()


def _serve_squeezenet(torch, base, handler, corrupt=False):
    torch.manual_seed(0)
    theirs = TM.squeezenet1_0(weights=None).eval()
    buf = io.BytesIO()
    torch.save(theirs.state_dict(), buf)
    body = buf.getvalue()
    prefix = hashlib.sha256(body).hexdigest()[:8]
    if corrupt:
        prefix = "00000000" if prefix != "00000000" else "11111111"
    path = f"/models/squeezenet1_0-{prefix}.pth"
    handler.files[path] = body
    return theirs, base + path


def test_weights_download_cache_and_load(torch, server, tmp_path, monkeypatch):
    base, handler = server
    theirs, url = _serve_squeezenet(torch, base, handler)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "home"))
    weights = M.SqueezeNet1_0_Weights.IMAGENET1K_V1
    monkeypatch.setattr(weights.value, "url", url)
    ours = M.squeezenet1_0(weights=weights, progress=False).eval()
    cached = tmp_path / "home" / "hub" / "checkpoints" / url.rsplit("/", 1)[1]
    assert cached.is_file() and len(handler.hits) == 1
    x = torch.rand(1, 3, 64, 64)
    with torch.no_grad():
        expected = theirs(x).numpy()
    with torchlet.no_grad():
        got = ours(torchlet.from_numpy(x.numpy().copy())).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-6)
    M.squeezenet1_0(weights="IMAGENET1K_V1", progress=False)  # the cached file, no second download
    assert len(handler.hits) == 1
    with pytest.warns(UserWarning, match="'pretrained' is deprecated"):
        again = M.squeezenet1_0(pretrained=True, progress=False)
    assert len(handler.hits) == 1 and again.num_classes == 1000


def test_weights_bad_hash_is_refused(torch, server, tmp_path, monkeypatch):
    base, handler = server
    _, url = _serve_squeezenet(torch, base, handler, corrupt=True)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.setattr(M.SqueezeNet1_0_Weights.IMAGENET1K_V1.value, "url", url)
    with pytest.raises(RuntimeError, match="invalid hash value"):
        M.squeezenet1_0(weights="DEFAULT", progress=False)
    assert not list((tmp_path / "hub" / "checkpoints").iterdir())


def test_unreachable_weights_raise_what_torch_hub_raises(tmp_path, monkeypatch):
    import torch

    url = "http://127.0.0.1:9/resnet18-f37072fd.pth"
    with pytest.raises(Exception) as expected:
        torch.hub.load_state_dict_from_url(url, model_dir=str(tmp_path / "torch"))
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.setattr(M.ResNet18_Weights.IMAGENET1K_V1.value, "url", url)
    with pytest.raises(Exception) as got:
        M.resnet18(weights=M.ResNet18_Weights.DEFAULT)
    assert type(got.value) is type(expected.value)
    assert not list(tmp_path.rglob("*.pth"))  # nothing half-written stays in the cache
