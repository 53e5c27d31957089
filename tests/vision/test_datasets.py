"""vision.datasets vs torchvision.datasets on small files written here in torchvision's formats."""

import gzip
import hashlib
import os
import pickle

import numpy as np
import pytest
from conftest import require
from PIL import Image

import torchlet
from torchlet.vision import datasets as D


def _tv():
    return require("torchvision.datasets")


def _write_idx(path, arr):
    codes = {np.uint8: 8, np.int8: 9}
    header = bytes([0, 0, codes[arr.dtype.type], arr.ndim])
    header += b"".join(int(s).to_bytes(4, "big") for s in arr.shape)
    data = header + arr.tobytes()
    with open(path, "wb") as f:
        f.write(data)
    with gzip.open(path + ".gz", "wb") as f:
        f.write(data)


def _make_mnist(root, name, n_train=30, n_test=12):
    raw = os.path.join(root, name, "raw")
    os.makedirs(raw, exist_ok=True)
    rng = np.random.RandomState(0)
    for split, n in (("train", n_train), ("t10k", n_test)):
        _write_idx(os.path.join(raw, f"{split}-images-idx3-ubyte"), rng.randint(0, 256, (n, 28, 28)).astype(np.uint8))
        _write_idx(os.path.join(raw, f"{split}-labels-idx1-ubyte"), rng.randint(0, 10, n).astype(np.uint8))


class ShowRepr:
    """A transform both libraries accept, with a multi-line repr like Compose's."""

    def __call__(self, x):
        return np.asarray(x, dtype=np.float32) / 255

    def __repr__(self):
        return "Compose(\n    ToTensor()\n    Normalize(mean=(0.5,), std=(0.5,))\n)"


def _target(t):
    return t + 100


@pytest.mark.parametrize("name", ["MNIST", "FashionMNIST", "KMNIST"])
@pytest.mark.parametrize("train", [True, False])
def test_mnist_family_matches_torchvision(tmp_path, name, train):
    tv = _tv()
    root = str(tmp_path)
    _make_mnist(root, name)
    ours = getattr(D, name)(root, train=train)
    theirs = getattr(tv, name)(root, train=train)
    assert len(ours) == len(theirs)
    assert ours.data.dtype == torchlet.uint8 and ours.targets.dtype == torchlet.int64
    assert tuple(ours.data.shape) == tuple(theirs.data.shape)
    np.testing.assert_array_equal(ours.data.numpy(), theirs.data.numpy())
    np.testing.assert_array_equal(ours.targets.numpy(), theirs.targets.numpy())
    assert ours.classes == theirs.classes and ours.class_to_idx == theirs.class_to_idx
    for i in (0, 5, len(ours) - 1):
        (a, la), (b, lb) = ours[i], theirs[i]
        assert a.mode == b.mode == "L" and a.size == b.size and la == lb and type(la) is int
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert repr(ours) == repr(theirs)
    t1 = getattr(D, name)(root, train=train, transform=ShowRepr(), target_transform=_target)
    t2 = getattr(tv, name)(root, train=train, transform=ShowRepr(), target_transform=_target)
    assert repr(t1) == repr(t2)
    np.testing.assert_array_equal(t1[2][0], t2[2][0])
    assert t1[2][1] == t2[2][1]


def test_mnist_missing(tmp_path):
    tv = _tv()
    with pytest.raises(RuntimeError) as theirs:
        tv.MNIST(str(tmp_path))
    with pytest.raises(RuntimeError) as ours:
        D.MNIST(str(tmp_path))
    assert str(ours.value) == str(theirs.value)


def _make_cifar(root, folder, files, meta, key, label_key, n=7):
    d = os.path.join(root, folder)
    os.makedirs(d, exist_ok=True)
    rng = np.random.RandomState(1)
    for name in files:
        entry = {
            "data": rng.randint(0, 256, (n, 3072)).astype(np.uint8),
            label_key: rng.randint(0, 10, n).tolist(),
            "batch_label": name,
        }
        with open(os.path.join(d, name), "wb") as f:
            pickle.dump(entry, f)
    with open(os.path.join(d, meta), "wb") as f:
        pickle.dump({key: [f"class{i}" for i in range(10)]}, f)


def _pin_md5s(monkeypatch, root, *classes):
    """Our stand-in batches are not the published ones: give both libraries their MD5s, so that
    both run their real integrity checks."""
    for cls in classes:
        folder = os.path.join(root, cls.base_folder)
        md5 = lambda name: hashlib.md5(open(os.path.join(folder, name), "rb").read()).hexdigest()
        monkeypatch.setattr(cls, "train_list", [[n, md5(n)] for n, _ in cls.train_list])
        monkeypatch.setattr(cls, "test_list", [[n, md5(n)] for n, _ in cls.test_list])
        monkeypatch.setattr(cls, "meta", {**cls.meta, "md5": md5(cls.meta["filename"])})


@pytest.mark.parametrize("name", ["CIFAR10", "CIFAR100"])
@pytest.mark.parametrize("train", [True, False])
def test_cifar_matches_torchvision(tmp_path, monkeypatch, name, train):
    tv = _tv()
    root = str(tmp_path)
    if name == "CIFAR10":
        _make_cifar(
            root,
            "cifar-10-batches-py",
            [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"],
            "batches.meta",
            "label_names",
            "labels",
        )
    else:
        _make_cifar(root, "cifar-100-python", ["train", "test"], "meta", "fine_label_names", "fine_labels")
    _pin_md5s(monkeypatch, root, getattr(D, name), getattr(tv, name))
    ours, theirs = getattr(D, name)(root, train=train), getattr(tv, name)(root, train=train)
    assert len(ours) == len(theirs)
    assert isinstance(ours.data, np.ndarray) and ours.data.dtype == np.uint8
    assert ours.data.shape == theirs.data.shape and ours.data.shape[1:] == (32, 32, 3)
    np.testing.assert_array_equal(ours.data, theirs.data)
    assert isinstance(ours.targets, list) and ours.targets == theirs.targets
    assert ours.classes == theirs.classes and ours.class_to_idx == theirs.class_to_idx
    for i in (0, len(ours) - 1):
        (a, la), (b, lb) = ours[i], theirs[i]
        assert a.mode == b.mode == "RGB" and la == lb
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert repr(ours) == repr(theirs)


def test_cifar_missing(tmp_path):
    with pytest.raises(RuntimeError) as theirs:
        _tv().CIFAR10(str(tmp_path))
    with pytest.raises(RuntimeError) as ours:
        D.CIFAR10(str(tmp_path))
    assert str(ours.value) == str(theirs.value)


def _make_folder(root):
    rng = np.random.RandomState(2)
    for cls, files in {
        "dog": ["b.png", "a.jpg", "sub/c.bmp", "notes.txt"],
        "cat": ["x.jpeg"],
        "bird": ["readme.md"],
    }.items():
        for f in files:
            p = os.path.join(root, cls, f)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            if f.endswith((".txt", ".md")):
                open(p, "w").write("hi")
            else:
                Image.fromarray(rng.randint(0, 256, (6, 5, 3)).astype(np.uint8)).save(p)


def test_image_folder_matches_torchvision(tmp_path):
    tv = _tv()
    root = str(tmp_path)
    _make_folder(root)
    for kw in ({"allow_empty": True}, {"is_valid_file": lambda p: p.endswith((".png", ".jpg")), "allow_empty": True}):
        ours, theirs = D.ImageFolder(root, **kw), tv.ImageFolder(root, **kw)
        assert ours.classes == theirs.classes and ours.class_to_idx == theirs.class_to_idx
        assert ours.samples == theirs.samples and ours.targets == theirs.targets
        assert ours.imgs == theirs.imgs and len(ours) == len(theirs)
        for i in range(len(ours)):
            (a, la), (b, lb) = ours[i], theirs[i]
            assert a.mode == b.mode == "RGB" and la == lb
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
        assert repr(ours) == repr(theirs)
    with pytest.raises(FileNotFoundError) as theirs:
        tv.ImageFolder(root)
    with pytest.raises(FileNotFoundError) as ours:
        D.ImageFolder(root)
    assert str(ours.value) == str(theirs.value)
    with pytest.raises(FileNotFoundError, match="Couldn't find any class folder"):
        D.ImageFolder(os.path.join(root, "cat"))


def test_dataset_folder(tmp_path):
    tv = _tv()
    root = str(tmp_path)
    _make_folder(root)
    for lib in (D, tv):  # the cat folder has no .txt/.md
        with pytest.raises(FileNotFoundError, match="Found no valid file for the classes cat"):
            lib.DatasetFolder(root, loader=os.path.getsize, extensions=(".txt", ".md"))
    ours = D.DatasetFolder(root, loader=os.path.getsize, extensions=(".txt", ".md"), allow_empty=True)
    theirs = tv.DatasetFolder(root, loader=os.path.getsize, extensions=(".txt", ".md"), allow_empty=True)
    assert ours.samples == theirs.samples and [ours[i] for i in range(len(ours))] == [
        theirs[i] for i in range(len(theirs))
    ]
    for kw in ({}, {"extensions": ".png", "is_valid_file": bool}):
        with pytest.raises(ValueError) as t:
            tv.DatasetFolder(root, loader=len, **kw)
        with pytest.raises(ValueError) as o:
            D.DatasetFolder(root, loader=len, **kw)
        assert str(o.value) == str(t.value)


def test_fakedata():
    tv = _tv()
    ds = D.FakeData(size=5, image_size=(3, 7, 9), num_classes=4, transform=ShowRepr())
    ref = tv.FakeData(size=5, image_size=(3, 7, 9), num_classes=4, transform=ShowRepr())
    assert len(ds) == 5 and repr(ds) == repr(ref)
    plain = D.FakeData(size=5, image_size=(3, 7, 9), num_classes=4)
    img, label = plain[2]
    assert img.mode == "RGB" and img.size == (9, 7) and type(label) is int and 0 <= label < 4
    state = torchlet.get_rng_state()
    again = plain[2]
    assert torchlet.equal(state, torchlet.get_rng_state())  # global RNG untouched
    np.testing.assert_array_equal(np.asarray(img), np.asarray(again[0]))
    assert again[1] == label
    other = D.FakeData(size=5, image_size=(3, 7, 9), random_offset=1)[2][0]
    assert not np.array_equal(np.asarray(other), np.asarray(img))
    assert D.FakeData(size=2, image_size=(1, 4, 4))[0][0].mode == "L"
    with pytest.raises(IndexError, match="FakeData index out of range"):
        plain[5]


def test_digits():
    train, test = D.Digits(), D.Digits(train=False)
    assert len(train) + len(test) == 1797 and len(train) == 1438
    assert train.data.dtype == torchlet.uint8 and tuple(train.data.shape) == (1438, 8, 8)
    assert train.targets.dtype == torchlet.int64
    assert train.classes == [str(i) for i in range(10)]
    assert set(train.targets.tolist()) == set(range(10)) == set(test.targets.tolist())
    assert int(train.data.max()) == 255 and int(train.data.min()) == 0
    img, label = train[0]
    assert img.mode == "L" and img.size == (8, 8) and type(label) is int
    np.testing.assert_array_equal(np.asarray(img), train.data[0].numpy())
    # deterministic split, disjoint: every image row (with its label) appears once overall
    rows = {(tuple(r.ravel()), t) for r, t in zip(train.data.numpy(), train.targets.tolist())}
    assert len(rows) > 1300
    assert D.Digits().targets.tolist() == train.targets.tolist()
    assert repr(train).splitlines() == ["Dataset Digits", "    Number of datapoints: 1438", "    Split: Train"]


def test_dataloader_over_mnist(tmp_path):
    from torchlet.utils.data import DataLoader

    root = str(tmp_path)
    _make_mnist(root, "MNIST")
    ds = D.MNIST(root, transform=lambda im: torchlet.tensor(np.asarray(im, np.float32) / 255))
    batches = list(DataLoader(ds, batch_size=8, num_workers=2))
    assert [tuple(b[0].shape) for b in batches] == [(8, 28, 28)] * 3 + [(6, 28, 28)]
    np.testing.assert_array_equal(torchlet.cat([b[1] for b in batches]).numpy(), ds.targets.numpy())
