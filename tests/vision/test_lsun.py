"""datasets.LSUN vs torchvision's on tiny generated LMDB databases: lengths, images, targets,
class-list validation errors, printing; and the error when lmdb is missing."""

import io
import shutil
import sys

import numpy as np
import pytest
from conftest import require
from PIL import Image

from torchlet.vision import datasets as D

TD = require("torchvision.datasets")
lmdb = require("lmdb")


def _make_db(path, images):
    env = lmdb.open(str(path), map_size=1 << 24)
    with env.begin(write=True) as txn:
        for i, arr in enumerate(images):
            buf = io.BytesIO()
            Image.fromarray(arr).save(buf, format="PNG" if i % 2 else "JPEG")
            txn.put(f"{i:04d}".encode(), buf.getvalue())
    env.close()


@pytest.fixture
def root(tmp_path):
    rng = np.random.default_rng(0)
    for name, n in (("bedroom_train", 3), ("tower_train", 2), ("bedroom_val", 1)):
        imgs = [rng.integers(0, 256, (8 + i, 10, 3), dtype=np.uint8) for i in range(n)]
        imgs[0] = imgs[0][..., 0]  # a grayscale one, converted to RGB
        _make_db(tmp_path / f"{name}_lmdb", imgs)
    return tmp_path


def test_lsun_matches_torchvision(root, monkeypatch, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("tv")
    monkeypatch.chdir(tmp_path)  # torchvision writes a key cache into the working directory
    classes = ["bedroom_train", "tower_train"]
    copy = tmp_path / "copy"  # lmdb opens one environment once per process: torchvision reads a copy
    shutil.copytree(root, copy)
    ours, theirs = D.LSUN(str(root), classes=classes), TD.LSUN(str(copy), classes=classes)
    assert len(ours) == len(theirs) == 5 and ours.classes == theirs.classes
    for i in range(len(ours)):
        (oi, ot), (ti, tt) = ours[i], theirs[i]
        assert ot == tt and oi.mode == ti.mode == "RGB"
        np.testing.assert_array_equal(np.asarray(oi), np.asarray(ti))
    assert repr(ours) == repr(theirs).replace(str(copy), str(root))
    single = D.LSUN(str(root), classes=["bedroom_val"], transform=lambda im: im.size, target_transform=lambda t: -t)
    assert single[0] == ((10, 8), 0)


def test_lsun_class_validation(root):
    for bad in (["bedroom"], ["kitchenette_train"], ["bedroom_dev"], 5, [3]):
        with pytest.raises(ValueError) as theirs:
            TD.LSUN(str(root), classes=bad)
        with pytest.raises(ValueError) as ours:
            D.LSUN(str(root), classes=bad)
        assert str(ours.value) == str(theirs.value)


def test_lsun_without_lmdb(monkeypatch, root):
    monkeypatch.setitem(sys.modules, "lmdb", None)
    with pytest.raises(ModuleNotFoundError, match="pip install lmdb"):
        D.LSUN(str(root), classes=["bedroom_train"])
