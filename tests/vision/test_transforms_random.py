"""Random transforms: they draw from torchlet's generator (seeding reproduces them), follow
torchvision's parameter distributions, and each drawn result equals torchvision's functional
op applied with the same parameters."""

import math

import numpy as np
import pytest
from conftest import require
from PIL import Image

import torchlet
from torchlet.vision import transforms as T
from torchlet.vision.transforms import functional as F

TV = require("torchvision.transforms")


def _image(size=(48, 32), seed=0):
    rng = np.random.RandomState(seed)
    return Image.fromarray(rng.randint(0, 256, (size[1], size[0], 3), dtype=np.uint8))


def _arr(img):
    return np.asarray(img) if isinstance(img, Image.Image) else img.numpy()


def _reproducible(transform, img):
    torchlet.manual_seed(123)
    a = [_arr(transform(img)) for _ in range(5)]
    torchlet.manual_seed(123)
    b = [_arr(transform(img)) for _ in range(5)]
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize(
    "cls,fn", [("RandomHorizontalFlip", "hflip"), ("RandomVerticalFlip", "vflip"), ("RandomInvert", "invert")]
)
def test_flip_like_rate(cls, fn):
    img = _image()
    flipped = np.asarray(getattr(F, fn)(img))
    t = getattr(T, cls)(p=0.3)
    hits = 0
    n = 2000
    for _ in range(n):
        out = np.asarray(t(img))
        same = np.array_equal(out, flipped)
        assert same or np.array_equal(out, np.asarray(img))
        hits += same
    assert abs(hits / n - 0.3) < 4 * math.sqrt(0.3 * 0.7 / n)
    _reproducible(getattr(T, cls)(), img)


def test_random_apply_and_grayscale_rates():
    img = _image()
    n = 1000
    t = T.RandomApply([T.Grayscale(3)], p=0.7)
    gray = np.asarray(F.to_grayscale(img, 3))
    hits = sum(np.array_equal(np.asarray(t(img)), gray) for _ in range(n))
    assert abs(hits / n - 0.7) < 4 * math.sqrt(0.21 / n)
    g = T.RandomGrayscale(p=0.25)
    hits = sum(np.array_equal(np.asarray(g(img)), gray) for _ in range(n))
    assert abs(hits / n - 0.25) < 4 * math.sqrt(0.25 * 0.75 / n)


def test_random_crop(torch):
    img = _image()
    t = T.RandomCrop((20, 25), padding=(2, 3), fill=9, padding_mode="constant")
    padded = np.asarray(F.pad(img, (2, 3), fill=9))
    seen = set()
    for _ in range(300):
        out = np.asarray(t(img))
        assert out.shape == (20, 25, 3)
        # it must be some window of the padded image
        found = [
            (i, j)
            for i in range(padded.shape[0] - 19)
            for j in range(padded.shape[1] - 24)
            if np.array_equal(padded[i : i + 20, j : j + 25], out)
        ]
        assert found
        seen.add(found[0])
    assert len(seen) > 50
    big = T.RandomCrop(64, pad_if_needed=True, padding_mode="reflect")(img)
    assert big.size == (64, 64)
    with pytest.raises(ValueError, match="larger than input image size"):
        T.RandomCrop(100)(img)
    _reproducible(T.RandomCrop(16), img)
    i, j, h, w = T.RandomCrop.get_params(img, (10, 10))
    assert 0 <= i <= 22 and 0 <= j <= 38 and (h, w) == (10, 10)


def test_random_resized_crop_params_and_output(torch):
    img = _image((64, 48))
    scale, ratio = (0.2, 0.9), (0.5, 2.0)
    areas, ratios = [], []
    for _ in range(2000):
        i, j, h, w = T.RandomResizedCrop.get_params(img, scale, ratio)
        assert 0 <= i and i + h <= 48 and 0 <= j and j + w <= 64
        areas.append(h * w / (64 * 48))
        ratios.append(w / h)
    areas, ratios = np.array(areas), np.array(ratios)
    # rounding to whole pixels widens the ranges slightly
    assert areas.min() > 0.17 and areas.max() < 0.95
    assert ratios.min() > 0.45 and ratios.max() < 2.2
    # the same distribution as torchvision's sampler (rejection of too-large crops included)
    theirs = np.array([TV.RandomResizedCrop.get_params(img, scale, ratio) for _ in range(2000)], float)
    assert abs(np.median(np.log(ratios)) - np.median(np.log(theirs[:, 3] / theirs[:, 2]))) < 0.08
    assert abs(np.mean(areas) - np.mean(theirs[:, 2] * theirs[:, 3] / (64 * 48))) < 0.03
    t = T.RandomResizedCrop(24)
    for _ in range(20):
        assert t(img).size == (24, 24)
        assert tuple(t(F.to_tensor(img)).shape) == (3, 24, 24)
    # the fallback (no try fits) is torchvision's centre crop
    torch_params = TV.RandomResizedCrop.get_params(img, (2.0, 3.0), (1.0, 1.0))
    assert T.RandomResizedCrop.get_params(img, (2.0, 3.0), (1.0, 1.0)) == torch_params
    # the output equals torchvision's resized_crop with the same parameters
    torchlet.manual_seed(5)
    i, j, h, w = T.RandomResizedCrop.get_params(img, (0.08, 1.0), (3 / 4, 4 / 3))
    torchlet.manual_seed(5)
    np.testing.assert_array_equal(
        np.asarray(T.RandomResizedCrop(24)(img)), np.asarray(TV.functional.resized_crop(img, i, j, h, w, [24, 24]))
    )
    _reproducible(T.RandomResizedCrop(16), img)


def test_color_jitter_params_and_output(torch):
    b, c, s, h = (0.5, 1.5), (0.2, 1.8), (0.0, 2.0), (-0.1, 0.3)
    orders = set()
    for _ in range(500):
        idx, fb, fc, fs, fh = T.ColorJitter.get_params(b, c, s, h)
        assert sorted(idx.tolist()) == [0, 1, 2, 3]
        orders.add(tuple(idx.tolist()))
        assert b[0] <= fb <= b[1] and c[0] <= fc <= c[1] and s[0] <= fs <= s[1] and h[0] <= fh <= h[1]
    assert len(orders) == 24
    assert T.ColorJitter.get_params(None, None, None, None)[1:] == (None, None, None, None)
    img = _image()
    t = T.ColorJitter(0.5, 0.8, 0.6, 0.2)
    torchlet.manual_seed(9)
    idx, fb, fc, fs, fh = T.ColorJitter.get_params(t.brightness, t.contrast, t.saturation, t.hue)
    expected = img
    for k in idx.tolist():
        fn = ["adjust_brightness", "adjust_contrast", "adjust_saturation", "adjust_hue"][k]
        expected = getattr(TV.functional, fn)(expected, [fb, fc, fs, fh][k])
    torchlet.manual_seed(9)
    np.testing.assert_array_equal(np.asarray(t(img)), np.asarray(expected))
    _reproducible(T.ColorJitter(0.3, 0.3, 0.3, 0.1), img)
    _reproducible(T.ColorJitter(0.3, 0.3, 0.3, 0.1), F.to_tensor(img))
    assert T.ColorJitter()(img) is img


def test_random_rotation(torch):
    angles = [T.RandomRotation.get_params([-10.0, 30.0]) for _ in range(1000)]
    assert min(angles) >= -10 and max(angles) <= 30 and abs(np.mean(angles) - 10) < 1.5
    img = _image()
    torchlet.manual_seed(3)
    angle = T.RandomRotation.get_params([-45.0, 45.0])
    torchlet.manual_seed(3)
    out = T.RandomRotation(45, fill=7)(img)
    np.testing.assert_array_equal(np.asarray(out), np.asarray(TV.functional.rotate(img, angle, fill=7)))
    x = F.to_tensor(img)
    assert tuple(T.RandomRotation(45, expand=True)(x).shape)[0] == 3
    _reproducible(T.RandomRotation(20), img)


def test_random_erasing(torch):
    x = torchlet.rand(3, 40, 50)
    t = T.RandomErasing(p=1.0, value=(0.1, 0.2, 0.3))
    for _ in range(50):
        out = t(x).numpy()
        changed = np.any(out != x.numpy(), axis=0)
        ys, xs = np.nonzero(changed)
        assert ys.size > 0
        box = out[:, ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
        np.testing.assert_allclose(
            box, np.broadcast_to(np.array([0.1, 0.2, 0.3], np.float32)[:, None, None], box.shape)
        )
        area = (ys.max() - ys.min() + 1) * (xs.max() - xs.min() + 1) / 2000
        assert 0.015 < area < 0.36
    out = T.RandomErasing(p=1.0, value="random")(x)
    assert tuple(out.shape) == (3, 40, 50)
    assert T.RandomErasing(p=0.0)(x) is x
    y = x.clone()
    assert T.RandomErasing(p=1.0, inplace=True)(y) is y
    _reproducible(T.RandomErasing(p=0.5), x)


def test_random_choice_and_order():
    img = _image()
    import random

    random.seed(0)
    out = T.RandomChoice([T.Grayscale(3), T.RandomInvert(1.0)])(img)
    assert np.array_equal(np.asarray(out), np.asarray(F.to_grayscale(img, 3))) or np.array_equal(
        np.asarray(out), np.asarray(F.invert(img))
    )
    out = T.RandomOrder([T.CenterCrop(10), T.Resize(20)])(img)
    assert out.size in [(20, 20), (10, 10)]


def test_gaussian_blur_vs_torchvision(torch):
    x = torch.rand(3, 20, 24)
    ours = F.gaussian_blur(torchlet.from_numpy(x.numpy().copy()), [5, 3], [1.2, 0.7])
    np.testing.assert_allclose(
        ours.numpy(), TV.functional.gaussian_blur(x, [5, 3], [1.2, 0.7]).numpy(), rtol=1e-5, atol=1e-6
    )
    img = _image()
    np.testing.assert_array_equal(
        np.asarray(F.gaussian_blur(img, 5, 1.5)), np.asarray(TV.functional.gaussian_blur(img, 5, 1.5))
    )
