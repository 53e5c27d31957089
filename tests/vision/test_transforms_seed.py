"""Same seed, same augmentation: every random transform draws torchvision's parameters
in torchvision's order from the default generator (and Python's `random` where
torchvision uses it), so seeding both libraries alike gives the same images; plus
the image ops those transforms apply, compared with torchvision's on one image."""

import random

import numpy as np
import pytest
from PIL import Image

import torchlet
from torchlet.vision import transforms as T
from torchlet.vision.transforms import functional as F

TV = pytest.importorskip("torchvision.transforms")
TVF = TV.functional


def _pil(size=(37, 29), seed=0, mode="RGB"):
    rng = np.random.RandomState(seed)
    arr = rng.randint(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    return Image.fromarray(arr).convert(mode)


def _images(torch):
    """The same picture as PIL, as a uint8 tensor and as a float tensor, in both libraries."""
    pil = _pil()
    arr = np.asarray(pil).transpose(2, 0, 1).copy()
    return [
        (pil, pil),
        (torchlet.from_numpy(arr.copy()), torch.from_numpy(arr.copy())),
        (torchlet.from_numpy(arr / np.float32(255)), torch.from_numpy(arr / np.float32(255))),
    ]


def _np(img):
    return np.asarray(img) if isinstance(img, (Image.Image, np.ndarray)) else img.numpy()


def _same(a, b):
    a, b = _np(a), _np(b)
    assert a.shape == b.shape and a.dtype == b.dtype
    np.testing.assert_array_equal(a, b)


def _seed(torch, s):
    torchlet.manual_seed(s)
    torch.manual_seed(s)
    random.seed(s)


RANDOM = [
    ("RandomHorizontalFlip", dict(), {}),
    ("RandomVerticalFlip", dict(p=0.3), {}),
    ("RandomInvert", dict(), {}),
    ("RandomGrayscale", dict(p=0.5), {}),
    ("RandomCrop", dict(size=(20, 25), padding=2), {}),
    ("RandomCrop", dict(size=40, pad_if_needed=True), {}),
    # float tensors: the resize sums in another order than PyTorch's (within 1 ulp)
    ("RandomResizedCrop", dict(size=16, antialias=True), dict(float_ulp=True)),
    ("RandomResizedCrop", dict(size=(12, 18), scale=(0.5, 1.0), ratio=(0.2, 0.3)), dict(float_ulp=True)),
    ("RandomRotation", dict(degrees=30), {}),
    ("RandomRotation", dict(degrees=(-10, 40), expand=True), {}),
    ("ColorJitter", dict(brightness=0.5, contrast=0.4, saturation=0.3, hue=0.1), {}),
    ("ColorJitter", dict(brightness=(0.2, 0.5)), {}),
    ("RandomAffine", dict(degrees=20, translate=(0.1, 0.2), scale=(0.8, 1.2), shear=10), {}),
    ("RandomAffine", dict(degrees=0, shear=(-5, 5, -10, 10), fill=7), {}),
    ("RandomPerspective", dict(distortion_scale=0.4, p=0.7), {}),
    ("RandomPosterize", dict(bits=3), dict(pil=True, floats=False)),
    ("RandomSolarize", dict(threshold=100), dict(floats=False)),
    ("RandomAdjustSharpness", dict(sharpness_factor=2.0), {}),
    ("RandomAutocontrast", dict(), {}),
    ("RandomEqualize", dict(), dict(floats=False)),
]


@pytest.mark.parametrize("name,kw,opts", RANDOM, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(RANDOM)])
def test_random_transform_same_seed_same_image(torch, name, kw, opts):
    ours, theirs = getattr(T, name)(**kw), getattr(TV, name)(**kw)
    for k, (a, b) in enumerate(_images(torch)):
        if k == 2 and opts.get("floats") is False:
            continue
        _seed(torch, 10 + k)
        for _ in range(6):
            if k == 2 and opts.get("float_ulp"):
                x, y = _np(ours(a)), _np(theirs(b))
                assert x.shape == y.shape
                np.testing.assert_allclose(x, y, rtol=1e-6, atol=1e-7)
            else:
                _same(ours(a), theirs(b))
        assert torchlet.rand(3).tolist() == torch.rand(3).tolist()


def test_gaussian_blur_sigma_draw(torch):
    for _ in range(2):
        _seed(torch, 3)
        assert T.GaussianBlur.get_params(0.1, 2.0) == TV.GaussianBlur.get_params(0.1, 2.0)
    _seed(torch, 4)
    a, b = _images(torch)[1]
    _same(T.GaussianBlur(5, sigma=(0.1, 2.0))(a), TV.GaussianBlur(5, sigma=(0.1, 2.0))(b))
    assert torchlet.rand(3).tolist() == torch.rand(3).tolist()


@pytest.mark.parametrize("value", [0, (1.0, 0.5, 0.25), "random"])
def test_random_erasing(torch, value):
    _, (a, b), (fa, fb) = _images(torch)
    _seed(torch, 5)
    for _ in range(6):
        _same(T.RandomErasing(p=0.7, value=value)(fa), TV.RandomErasing(p=0.7, value=value)(fb))
    assert torchlet.rand(3).tolist() == torch.rand(3).tolist()


def test_random_apply_choice_order(torch):
    """RandomChoice/RandomOrder draw from Python's `random`: each library runs from the
    same Python seed in turn."""
    (pa, pb), (a, b), _ = _images(torch)
    mine = [T.RandomHorizontalFlip(p=1.0), T.RandomCrop(20), T.ColorJitter(brightness=0.4)]
    theirs = [TV.RandomHorizontalFlip(p=1.0), TV.RandomCrop(20), TV.ColorJitter(brightness=0.4)]
    for ours_t, their_t in [
        (T.RandomApply(mine, p=0.6), TV.RandomApply(theirs, p=0.6)),
        (T.RandomChoice(mine), TV.RandomChoice(theirs)),
        (T.RandomChoice(mine, p=[0.2, 0.5, 0.3]), TV.RandomChoice(theirs, p=[0.2, 0.5, 0.3])),
        (T.RandomOrder(mine), TV.RandomOrder(theirs)),
    ]:
        for x, y in ((pa, pb), (a, b)):
            _seed(torch, 8)
            ours = [_np(ours_t(x)) for _ in range(6)]
            after = random.getstate()
            random.seed(8)
            for o in ours:
                _same(o, their_t(y))
            assert random.getstate() == after
            assert torchlet.rand(3).tolist() == torch.rand(3).tolist()


def test_random_choice_order_use_python_random(torch):
    """Both draw from Python's `random`, not the generator: the generators stay level."""
    (pa, pb), _, _ = _images(torch)
    _seed(torch, 1)
    T.RandomOrder([T.Grayscale(3), T.CenterCrop(5)])(pa)
    ours_state = random.getstate()
    _seed(torch, 1)
    TV.RandomOrder([TV.Grayscale(3), TV.CenterCrop(5)])(pb)
    assert random.getstate() == ours_state
    assert torchlet.rand(2).tolist() == torch.rand(2).tolist()


def test_get_params_sequences(torch):
    img = _pil((64, 48))
    cases = [
        lambda m: m.RandomCrop.get_params(img, (20, 30)),
        lambda m: m.RandomResizedCrop.get_params(img, (0.08, 1.0), (3 / 4, 4 / 3)),
        lambda m: m.RandomRotation.get_params([-30.0, 30.0]),
        lambda m: m.RandomAffine.get_params([-30.0, 30.0], [0.2, 0.1], [0.5, 1.5], [-4.0, 4.0, -8.0, 8.0], [64, 48]),
        lambda m: m.RandomPerspective.get_params(64, 48, 0.5),
    ]
    for fn in cases:
        _seed(torch, 21)
        ours = [fn(T) for _ in range(5)]
        _seed(torch, 21)
        theirs = [fn(TV) for _ in range(5)]
        assert ours == theirs
    _seed(torch, 2)
    ours = T.ColorJitter.get_params((0.5, 1.5), (0.6, 1.4), None, (-0.2, 0.2))
    theirs = TV.ColorJitter.get_params((0.5, 1.5), (0.6, 1.4), None, (-0.2, 0.2))
    assert ours[0].tolist() == theirs[0].tolist() and ours[1:] == theirs[1:]


# ---- the image ops, without randomness


def _both_ops(torch):
    pil = _pil()
    arr = np.asarray(pil).transpose(2, 0, 1).copy()
    yield pil, pil
    yield torchlet.from_numpy(arr.copy()), torch.from_numpy(arr.copy())
    yield torchlet.from_numpy(arr / np.float32(255)), torch.from_numpy(arr / np.float32(255))


@pytest.mark.parametrize(
    "kw",
    [
        dict(angle=30.0, translate=[3, -2], scale=1.1, shear=[5.0, -3.0]),
        dict(angle=-90, translate=[0, 0], scale=0.7, shear=12.0, fill=9),
        dict(
            angle=10.0,
            translate=[1, 1],
            scale=1.0,
            shear=0.0,
            center=[4, 6],
            interpolation=TV.InterpolationMode.BILINEAR,
        ),
    ],
)
def test_affine_matches_torchvision(torch, kw):
    for a, b in _both_ops(torch):
        kw_theirs, kw_ours = dict(kw), dict(kw)
        if "interpolation" in kw:
            kw_ours["interpolation"] = F.InterpolationMode(kw["interpolation"].value)
        if "fill" in kw and not isinstance(a, Image.Image):
            kw_ours["fill"] = kw_theirs["fill"] = [float(kw["fill"])] * 3
        _same(F.affine(a, **kw_ours), TVF.affine(b, **kw_theirs))


def test_perspective_matches_torchvision(torch):
    start = [[0, 0], [36, 0], [36, 28], [0, 28]]
    end = [[3, 2], [33, 4], [35, 25], [1, 27]]
    assert F._get_perspective_coeffs(start, end) == TVF._get_perspective_coeffs(start, end)
    for a, b in _both_ops(torch):
        _same(F.perspective(a, start, end), TVF.perspective(b, start, end))
        _same(
            F.perspective(a, start, end, F.InterpolationMode.NEAREST, fill=[5.0, 6.0, 7.0]),
            TVF.perspective(b, start, end, TV.InterpolationMode.NEAREST, fill=[5.0, 6.0, 7.0]),
        )


@pytest.mark.parametrize(
    "op,args",
    [
        ("posterize", (3,)),
        ("solarize", (120,)),
        ("adjust_sharpness", (0.3,)),
        ("adjust_sharpness", (2.5,)),
        ("autocontrast", ()),
        ("equalize", ()),
    ],
)
def test_tone_ops_match_torchvision(torch, op, args):
    for k, (a, b) in enumerate(_both_ops(torch)):
        if k == 2 and op in ("posterize", "equalize"):
            with pytest.raises(TypeError):
                getattr(TVF, op)(b, *args)
            with pytest.raises(TypeError):
                getattr(F, op)(a, *args)
            continue
        if k == 2 and op == "solarize":
            args = (0.5,)
        _same(getattr(F, op)(a, *args), getattr(TVF, op)(b, *args))


def test_tone_ops_errors(torch):
    a = torchlet.zeros(3, 4, 4, dtype=torchlet.uint8)
    b = torch.zeros(3, 4, 4, dtype=torch.uint8)
    for ours, theirs in [
        (lambda: F.posterize(a, 9), lambda: TVF.posterize(b, 9)),
        (lambda: F.solarize(a, 300), lambda: TVF.solarize(b, 300)),
        (lambda: F.adjust_sharpness(a, -1), lambda: TVF.adjust_sharpness(b, -1)),
    ]:
        with pytest.raises(Exception) as e1:
            theirs()
        with pytest.raises(type(e1.value)):
            ours()


# ---- AutoAugment family

OPS = [
    ("ShearX", 0.2),
    ("ShearY", -0.25),
    ("TranslateX", 7.0),
    ("TranslateY", -5.0),
    ("Rotate", 17.0),
    ("Brightness", 0.4),
    ("Color", -0.3),
    ("Contrast", 0.5),
    ("Sharpness", 0.6),
    ("Posterize", 5.0),
    ("Solarize", 140.0),
    ("AutoContrast", 0.0),
    ("Equalize", 0.0),
    ("Invert", 0.0),
    ("Identity", 0.0),
]


@pytest.mark.parametrize("op,magnitude", OPS)
def test_autoaugment_ops_match_torchvision(torch, op, magnitude):
    from torchlet.vision.transforms.autoaugment import _apply_op
    from torchvision.transforms.autoaugment import _apply_op as tv_apply_op

    for k, (a, b) in enumerate(_both_ops(torch)):
        if k == 2:
            continue  # the family takes uint8 tensors and PIL images
        fill = None if k == 0 else [1.0, 2.0, 3.0]
        _same(
            _apply_op(a, op, magnitude, F.InterpolationMode.NEAREST, fill),
            tv_apply_op(b, op, magnitude, TV.InterpolationMode.NEAREST, fill),
        )


@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.AutoAugment(m.AutoAugmentPolicy.IMAGENET),
        lambda m: m.AutoAugment(m.AutoAugmentPolicy.CIFAR10, fill=4),
        lambda m: m.AutoAugment(m.AutoAugmentPolicy.SVHN),
        lambda m: m.RandAugment(),
        lambda m: m.RandAugment(num_ops=3, magnitude=20, interpolation=m.InterpolationMode.BILINEAR),
        lambda m: m.TrivialAugmentWide(),
    ],
    ids=["imagenet", "cifar10", "svhn", "randaugment", "randaugment-3-20", "trivialaugment"],
)
def test_autoaugment_family_same_seed_same_image(torch, make):
    ours, theirs = make(T), make(TV)
    for k, (a, b) in enumerate(_images(torch)[:2]):
        _seed(torch, 30 + k)
        for _ in range(12):
            _same(ours(a), theirs(b))
        assert torchlet.rand(3).tolist() == torch.rand(3).tolist()


def test_grid_products_are_pytorch_s_bmm(torch):
    """torchvision's affine and perspective grids are a bmm of (x, y, 1) rows by a 3x2 theta;
    its rounding depends on the CPU (MKL fuses the multiply-adds on Intel): ours must be that bmm's
    on the machine the tests run on."""
    from torchlet.vision.transforms._tensor import _grid_dot

    rng = np.random.default_rng(5)
    xs = rng.uniform(-40, 40, (1, 300)).astype(np.float32)
    ys = rng.uniform(-40, 40, (200, 1)).astype(np.float32)
    theta = rng.standard_normal((3, 2)).astype(np.float32)
    rows = np.stack(np.broadcast_arrays(xs, ys, np.float32(1)), -1).reshape(1, -1, 3)
    want = torch.bmm(torch.from_numpy(rows), torch.from_numpy(theta[None])).numpy()[0]
    for j in range(2):
        got = _grid_dot(xs, ys, theta[0, j], theta[1, j], theta[2, j]).reshape(-1)
        assert got.tobytes() == want[:, j].tobytes()
