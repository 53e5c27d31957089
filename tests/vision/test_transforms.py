"""vision.transforms vs torchvision on the same PIL images and tensors.

Deterministic transforms on PIL images must give identical pixels. On tensors:
float32 within 1e-5 (resampling sums in a different order); uint8 resampling
within 1 grey level (torch's uint8 antialiased kernels use fixed-point
arithmetic, which can round a tie the other way).
"""

import numpy as np
import pytest
from conftest import require
from PIL import Image

import torchlet
from torchlet.vision import transforms as T
from torchlet.vision.transforms import functional as F

TV = require("torchvision.transforms")


def _image(mode="RGB", size=(53, 37), seed=0):
    rng = np.random.RandomState(seed)
    w, h = size
    if mode == "RGB":
        return Image.fromarray(rng.randint(0, 256, (h, w, 3), dtype=np.uint8))
    if mode == "RGBA":
        return Image.fromarray(rng.randint(0, 256, (h, w, 4), dtype=np.uint8))
    if mode == "L":
        return Image.fromarray(rng.randint(0, 256, (h, w), dtype=np.uint8))
    if mode == "F":
        return Image.fromarray(rng.rand(h, w).astype(np.float32))
    if mode == "I":
        return Image.fromarray(rng.randint(-1000, 1000, (h, w)).astype(np.int32))
    if mode == "1":
        return Image.fromarray(rng.randint(0, 256, (h, w), dtype=np.uint8)).convert("1")
    raise ValueError(mode)


def _same_pil(a, b):
    assert isinstance(a, Image.Image) and isinstance(b, Image.Image)
    assert a.mode == b.mode and a.size == b.size
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def _tl(t):
    """torch tensor -> torchlet tensor (same values)."""
    return torchlet.from_numpy(t.numpy().copy())


def _close(ours, theirs, atol=1e-5):
    a, b = ours.numpy(), theirs.numpy()
    assert a.shape == b.shape and a.dtype == b.dtype
    if a.dtype == np.uint8:
        assert np.abs(a.astype(int) - b.astype(int)).max(initial=0) <= atol
    else:
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=atol)


def _repr(tv_obj):
    return repr(tv_obj).replace("torchvision", "torchlet.vision")


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L", "F", "I", "1"])
def test_to_tensor_modes(torch, mode):
    img = _image(mode)
    ours, theirs = T.ToTensor()(img), TV.ToTensor()(img)
    assert str(ours.dtype).split(".")[1] == str(theirs.dtype).split(".")[1]
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    np.testing.assert_array_equal(T.PILToTensor()(img).numpy(), TV.PILToTensor()(img).numpy())


def test_to_tensor_ndarray_and_errors(torch):
    arr = np.random.RandomState(1).randint(0, 256, (5, 6, 3), dtype=np.uint8)
    np.testing.assert_array_equal(F.to_tensor(arr).numpy(), TV.functional.to_tensor(arr).numpy())
    with pytest.raises(TypeError):
        F.to_tensor([1, 2])
    with pytest.raises(ValueError):
        F.to_tensor(np.zeros((2, 2, 2, 2)))


@pytest.mark.parametrize(
    "shape,dtype,mode",
    [
        ((3, 8, 9), np.float32, None),
        ((1, 8, 9), np.uint8, None),
        ((4, 8, 9), np.uint8, None),
        ((3, 8, 9), np.uint8, "HSV"),
        ((1, 8, 9), np.float32, "F"),
        ((8, 9), np.uint8, None),
    ],
)
def test_to_pil_image(torch, shape, dtype, mode):
    a = np.random.RandomState(2).rand(*shape)
    a = (a * 255).astype(dtype) if dtype == np.uint8 else a.astype(dtype)
    _same_pil(T.ToPILImage(mode)(torchlet.from_numpy(a)), TV.ToPILImage(mode)(torch.from_numpy(a)))
    with pytest.raises(ValueError):
        F.to_pil_image(torchlet.zeros(5, 4, 4))


def test_normalize(torch):
    x = torch.rand(3, 10, 12)
    ours = T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])(_tl(x))
    _close(ours, TV.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])(x))
    y = _tl(x)
    out = F.normalize(y, (0.5,), (0.5,), inplace=True)
    assert out is y
    _close(y, TV.functional.normalize(x.clone(), (0.5,), (0.5,)))
    with pytest.raises(ValueError, match="std evaluated to zero"):
        F.normalize(_tl(x), [0.5] * 3, [1.0, 0.0, 1.0])
    with pytest.raises(TypeError):
        F.normalize(torchlet.zeros(3, 4, 4, dtype=torchlet.uint8), [0.5], [0.5])


@pytest.mark.parametrize(
    "shape,mean,std",
    [
        ((3, 32, 32), (0.5, 0.4, 0.3), (0.25, 0.2, 0.1)),  # the DataLoader's case: computed on the array
        ((1, 8, 8), (0.5,), (0.25,)),
        ((2, 3, 4, 4), [1, 2, 3], [3, 2, 1]),  # a batch, integer statistics
        ((3, 4, 4), (0.5,), (1e-50,)),  # std zero in float32: the tensor path raises
        ((3, 4, 4), (0.5, 0.5), (1.0, 1.0)),  # two values for three channels: sub_'s RuntimeError
    ],
)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_normalize_array_path_matches_torchvision_bit_for_bit(torch, shape, mean, std, dtype):
    x = np.random.default_rng(0).random(shape).astype(dtype)
    a, b = torchlet.from_numpy(x.copy()), torch.from_numpy(x.copy())
    try:
        want = TV.functional.normalize(b, mean, std)
    except Exception as e:  # noqa: BLE001 - the same class must come back
        with pytest.raises(type(e)):
            F.normalize(a, mean, std)
        return
    got = F.normalize(a, mean, std)
    assert got is not a and got.dtype == a.dtype and not got.requires_grad
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    np.testing.assert_array_equal(a.numpy(), x)  # the input is untouched
    g = torchlet.from_numpy(x.copy()).requires_grad_()  # in a graph: the tensor path, with its gradient
    F.normalize(g, mean, std).sum().backward()
    bg = torch.from_numpy(x.copy()).requires_grad_()
    TV.functional.normalize(bg, mean, std).sum().backward()
    np.testing.assert_allclose(g.grad.numpy(), bg.grad.numpy(), rtol=1e-6)


@pytest.mark.parametrize(
    "size,interp,max_size",
    [
        (20, "bilinear", None),
        ((32, 32), "bilinear", None),
        ((60, 20), "bicubic", None),
        (16, "nearest", None),
        (25, "bilinear", 40),
        ([30], "lanczos", None),
        ((10, 70), "box", None),
        (24, "hamming", None),
    ],
)
@pytest.mark.parametrize("mode", ["RGB", "L"])
def test_resize_pil_exact(torch, size, interp, max_size, mode):
    img = _image(mode)
    ours = T.Resize(size, T.InterpolationMode(interp), max_size=max_size)
    theirs = TV.Resize(size, TV.InterpolationMode(interp), max_size=max_size)
    _same_pil(ours(img), theirs(img))
    assert repr(ours) == _repr(theirs)


@pytest.mark.parametrize("interp", ["bilinear", "bicubic", "nearest", "nearest-exact"])
@pytest.mark.parametrize("antialias", [True, False])
@pytest.mark.parametrize("size", [[20, 30], [61, 90], [37, 10], [1, 5]])
def test_resize_tensor(torch, interp, antialias, size):
    x = torch.rand(2, 3, 37, 53)
    mode = TV.InterpolationMode(interp)
    ours = F.resize(_tl(x), size, T.InterpolationMode(interp), antialias=antialias)
    _close(ours, TV.functional.resize(x, size, mode, antialias=antialias))
    u = (x[0] * 255).to(torch.uint8)
    ours = F.resize(_tl(u), size, T.InterpolationMode(interp), antialias=antialias)
    _close(ours, TV.functional.resize(u, size, mode, antialias=antialias), atol=1)


def test_resize_errors_and_noop(torch):
    img = _image()
    assert F.resize(img, [37, 53]) is img
    with pytest.raises(ValueError):
        F.resize(img, 30, max_size=20)
    with pytest.raises(ValueError):
        T.Resize((1, 2, 3))
    with pytest.raises(TypeError):
        T.Resize(2.5)


@pytest.mark.parametrize(
    "name,args",
    [
        ("CenterCrop", (20,)),
        ("CenterCrop", ((40, 70),)),
        ("CenterCrop", ([9, 12],)),
        ("Pad", (3,)),
        ("Pad", ((1, 2),)),
        ("Pad", ((1, 2, 3, 4), 7)),
        ("Pad", ((2, 3), 0, "edge")),
        ("Pad", (4, 0, "reflect")),
        ("Pad", ((1, 2, 3, 5), 0, "symmetric")),
        ("Pad", ((-2, 1, 3, -1), 0, "edge")),
        ("Grayscale", ()),
        ("Grayscale", (3,)),
    ],
)
@pytest.mark.parametrize("mode", ["RGB", "L"])
def test_deterministic_pil_and_tensor(torch, name, args, mode):
    if name == "Grayscale" and mode == "L":
        args = ()
    img = _image(mode)
    ours, theirs = getattr(T, name)(*args), getattr(TV, name)(*args)
    assert repr(ours) == _repr(theirs)
    _same_pil(ours(img), theirs(img))
    x = TV.PILToTensor()(img)
    _close(ours(_tl(x)), theirs(x), atol=0)
    xf = TV.ToTensor()(img)
    _close(ours(_tl(xf)), theirs(xf))


@pytest.mark.parametrize(
    "fn,args",
    [
        ("crop", (5, 6, 10, 12)),
        ("crop", (-3, 40, 20, 30)),
        ("hflip", ()),
        ("vflip", ()),
        ("invert", ()),
        ("adjust_brightness", (1.7,)),
        ("adjust_brightness", (0.3,)),
        ("adjust_contrast", (0.4,)),
        ("adjust_contrast", (1.6,)),
        ("adjust_saturation", (0.2,)),
        ("adjust_saturation", (1.9,)),
        ("adjust_hue", (0.2,)),
        ("adjust_hue", (-0.37,)),
        ("rgb_to_grayscale", ()),
        ("center_crop", ([10, 11],)),
        ("resized_crop", (3, 4, 20, 25, [16, 16])),
    ],
)
def test_functional_pil_and_tensor(torch, fn, args):
    img = _image("RGB")
    _same_pil(getattr(F, fn)(img, *args), getattr(TV.functional, fn)(img, *args))
    xf = TV.ToTensor()(img)
    _close(getattr(F, fn)(_tl(xf), *args), getattr(TV.functional, fn)(xf, *args), atol=2e-5)
    xu = TV.PILToTensor()(img)
    _close(getattr(F, fn)(_tl(xu), *args), getattr(TV.functional, fn)(xu, *args), atol=1)


@pytest.mark.parametrize(
    "angle,interp,expand,center,fill",
    [
        (30.0, "nearest", False, None, None),
        (-47.5, "bilinear", False, None, [0.2, 0.5, 0.9]),
        (90.0, "nearest", True, None, [1.0, 1.0, 1.0]),
        (12.0, "bilinear", True, [10, 5], None),
        (200.0, "bilinear", False, [30, 20], [0.0, 0.0, 0.0]),
    ],
)
def test_rotate(torch, angle, interp, expand, center, fill):
    img = _image("RGB")
    mode = TV.InterpolationMode(interp)
    pil_fill = None if fill is None else [int(255 * f) for f in fill]
    _same_pil(
        F.rotate(img, angle, T.InterpolationMode(interp), expand, center, pil_fill),
        TV.functional.rotate(img, angle, mode, expand, center, pil_fill),
    )
    x = TV.ToTensor()(img)
    ours = F.rotate(_tl(x), angle, T.InterpolationMode(interp), expand, center, fill)
    theirs = TV.functional.rotate(x, angle, mode, expand, center, fill)
    if interp == "nearest":  # a sample exactly between two pixels may round either way: allow a few
        assert ours.shape == tuple(theirs.shape)
        assert (np.abs(ours.numpy() - theirs.numpy()) > 1e-5).mean() < 0.01
    else:
        _close(ours, theirs, atol=1e-4)


def test_functional_errors(torch):
    img = _image()
    with pytest.raises(ValueError):
        F.adjust_hue(img, 0.7)
    with pytest.raises(ValueError):
        F.adjust_brightness(torchlet.rand(3, 4, 4), -1)
    with pytest.raises(TypeError):
        F.erase(img, 0, 0, 1, 1, 0)
    with pytest.raises(TypeError):
        F.to_grayscale(torchlet.rand(3, 4, 4))
    with pytest.raises(ValueError):
        F.pad(img, 1, padding_mode="wrap")
    with pytest.raises(TypeError):
        F.rotate(img, "30")


def test_erase_and_grayscale_modes(torch):
    x = torch.rand(3, 10, 10)
    v = torch.tensor([1.0, 2.0, 3.0])[:, None, None]
    _close(F.erase(_tl(x), 2, 3, 4, 5, _tl(v)), TV.functional.erase(x, 2, 3, 4, 5, v))
    img = _image("RGB")
    _same_pil(F.to_grayscale(img, 3), TV.functional.to_grayscale(img, 3))


def test_reprs(torch):
    pairs = [
        (
            T.Compose([T.ToTensor(), T.Normalize((0.5,), (0.5,))]),
            TV.Compose([TV.ToTensor(), TV.Normalize((0.5,), (0.5,))]),
        ),
        (T.Resize((32, 32)), TV.Resize((32, 32))),
        (T.RandomResizedCrop(224), TV.RandomResizedCrop(224)),
        (
            T.RandomResizedCrop(
                (10, 20), scale=(0.5, 1.0), ratio=(1 / 3, 3.0), interpolation=T.InterpolationMode.NEAREST
            ),
            TV.RandomResizedCrop(
                (10, 20), scale=(0.5, 1.0), ratio=(1 / 3, 3.0), interpolation=TV.InterpolationMode.NEAREST
            ),
        ),
        (T.RandomCrop(32, padding=4), TV.RandomCrop(32, padding=4)),
        (T.RandomHorizontalFlip(), TV.RandomHorizontalFlip()),
        (T.RandomVerticalFlip(0.3), TV.RandomVerticalFlip(0.3)),
        (T.RandomRotation(10), TV.RandomRotation(10)),
        (
            T.RandomRotation((-5, 20), center=(1, 2), fill=3, expand=True),
            TV.RandomRotation((-5, 20), center=(1, 2), fill=3, expand=True),
        ),
        (T.ColorJitter(), TV.ColorJitter()),
        (T.ColorJitter(0.4, (0.5, 1.5), 0.2, 0.1), TV.ColorJitter(0.4, (0.5, 1.5), 0.2, 0.1)),
        (T.RandomInvert(), TV.RandomInvert()),
        (T.RandomGrayscale(), TV.RandomGrayscale()),
        (T.Lambda(lambda x: x), TV.Lambda(lambda x: x)),
        (T.RandomApply([T.RandomInvert()], p=0.3), TV.RandomApply([TV.RandomInvert()], p=0.3)),
        (T.RandomChoice([T.RandomInvert()]), TV.RandomChoice([TV.RandomInvert()])),
        (T.RandomOrder([T.Grayscale()]), TV.RandomOrder([TV.Grayscale()])),
        (T.RandomErasing(), TV.RandomErasing()),
        (T.ToPILImage(), TV.ToPILImage()),
        (T.ToPILImage("RGB"), TV.ToPILImage("RGB")),
        (T.GaussianBlur(3), TV.GaussianBlur(3)),
        (T.PILToTensor(), TV.PILToTensor()),
    ]
    for ours, theirs in pairs:
        assert repr(ours) == _repr(theirs)


def test_constructor_errors(torch):
    for bad in [
        lambda m: m.ColorJitter(brightness=-1),
        lambda m: m.ColorJitter(hue=0.7),
        lambda m: m.ColorJitter(contrast=[1, 2, 3]),
        lambda m: m.RandomRotation(-3),
        lambda m: m.RandomErasing(p=2),
        lambda m: m.Lambda(3),
        lambda m: m.Pad(1, padding_mode="x"),
        lambda m: m.GaussianBlur(4),
        lambda m: m.CenterCrop((1, 2, 3)),
    ]:
        with pytest.raises(Exception) as theirs:
            bad(TV)
        with pytest.raises(type(theirs.value)):
            bad(T)
