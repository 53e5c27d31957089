"""transforms.v2 + tv_tensors vs torchvision: tv_tensor types, printing and metadata; the v2
functional ops on images, masks and bounding boxes; seeded v2 pipelines moving boxes and masks with
the image, drawing the same random parameters from the same stream."""

import numpy as np
import pytest
from conftest import require
from PIL import Image as PILImage

import torchlet
from torchlet.vision import tv_tensors as T
from torchlet.vision.transforms import v2

TV = require("torchvision")
tv2 = require("torchvision.transforms.v2")
TT = require("torchvision.tv_tensors")
TF = require("torchvision.transforms.v2.functional")
F = v2.functional


def _np(x):
    return x.detach().numpy() if hasattr(x, "detach") else np.asarray(x)


def _sample(rng, h=40, w=52, float_image=False):
    img = rng.integers(0, 256, (3, h, w), dtype=np.uint8)
    if float_image:
        img = (img / 255.0).astype(np.float32)
    xy = rng.uniform(0, min(h, w) - 12, (4, 2))
    boxes = np.concatenate([xy, xy + rng.uniform(2, 12, (4, 2))], 1).astype(np.float32)
    masks = (rng.random((4, h, w)) > 0.7).astype(np.uint8)
    return img, boxes, masks


def _pair(img, boxes, masks, fmt="XYXY"):
    h, w = img.shape[-2:]
    ours = (
        T.Image(torchlet.from_numpy(img.copy())),
        {
            "boxes": T.BoundingBoxes(torchlet.from_numpy(boxes.copy()), format=fmt, canvas_size=(h, w)),
            "masks": T.Mask(torchlet.from_numpy(masks.copy())),
            "labels": torchlet.tensor([1, 2, 3, 4]),
        },
    )
    import torch

    theirs = (
        TT.Image(torch.from_numpy(img.copy())),
        {
            "boxes": TT.BoundingBoxes(torch.from_numpy(boxes.copy()), format=fmt, canvas_size=(h, w)),
            "masks": TT.Mask(torch.from_numpy(masks.copy())),
            "labels": torch.tensor([1, 2, 3, 4]),
        },
    )
    return ours, theirs


def _same(got, expected, atol=0.0):
    assert type(got).__name__ == type(expected).__name__, (type(got), type(expected))
    assert tuple(got.shape) == tuple(expected.shape)
    assert str(got.dtype)[9:] == str(expected.dtype)[6:]
    if isinstance(expected, TT.BoundingBoxes):
        assert got.format.name == expected.format.name and tuple(got.canvas_size) == tuple(expected.canvas_size)
    np.testing.assert_allclose(
        _np(got).astype(np.float64), _np(expected).astype(np.float64), rtol=1e-5, atol=max(atol, 1e-5)
    )


def test_tv_tensor_types_and_printing(torch):
    data = np.arange(12, dtype=np.uint8).reshape(3, 2, 2)
    ours, theirs = T.Image(torchlet.from_numpy(data.copy())), TT.Image(torch.from_numpy(data.copy()))
    assert repr(ours) == repr(theirs).replace("torch.", "torchlet.")
    assert repr(T.Image(torchlet.zeros(3, 3))) == repr(TT.Image(torch.zeros(3, 3)))
    assert repr(T.Mask(torchlet.zeros(2, 3))) == repr(TT.Mask(torch.zeros(2, 3)))
    b_o = T.BoundingBoxes([[1, 2, 3, 4]], format="xyxy", canvas_size=(10, 12))
    b_t = TT.BoundingBoxes([[1, 2, 3, 4]], format="xyxy", canvas_size=(10, 12))
    assert repr(b_o) == repr(b_t) and repr(b_o.format) == repr(b_t.format)
    assert list(T.BoundingBoxFormat.__members__) == list(TT.BoundingBoxFormat.__members__)
    for op in (
        lambda x: x + 1,
        lambda x: x.clone(),
        lambda x: x.to(x.dtype),
        lambda x: x[0],
        lambda x: x.flip(-1),
        lambda x: x.detach(),
        lambda x: x.float(),
    ):
        assert type(op(ours)).__name__ == type(op(theirs)).__name__
    kept = b_o.clone()
    assert type(kept) is T.BoundingBoxes and kept.canvas_size == (10, 12) and kept.format is T.BoundingBoxFormat.XYXY
    assert tuple(T.Image(torchlet.zeros(4, 5)).shape) == (1, 4, 5)
    pil = PILImage.fromarray(data.transpose(1, 2, 0))
    _same(T.Image(pil), TT.Image(pil))
    wrapped = T.wrap(torchlet.zeros(2, 4), like=b_o, canvas_size=(5, 5))
    assert type(wrapped) is T.BoundingBoxes and wrapped.canvas_size == (5, 5)


@pytest.mark.parametrize("fmt", ["XYXY", "XYWH", "CXCYWH"])
@pytest.mark.parametrize("float_image", [False, True])
def test_functional_ops(torch, fmt, float_image):
    rng = np.random.default_rng(0)
    (io, to), (it, tt) = _pair(*_sample(rng, float_image=float_image), fmt=fmt)
    atol = 1.0 if not float_image else 1e-5  # uint8 bilinear: torchvision's native uint8 kernel rounds its own way
    calls = [
        lambda f: f.horizontal_flip,
        lambda f: f.vertical_flip,
        lambda f: lambda x: f.resize(x, [30, 20]),
        lambda f: lambda x: f.resize(x, 17, max_size=30),
        lambda f: lambda x: f.crop(x, 5, -3, 20, 30),
        lambda f: lambda x: f.center_crop(x, [30, 60]),
        lambda f: lambda x: f.resized_crop(x, 4, 6, 20, 25, [16, 16]),
        lambda f: lambda x: f.pad(x, [1, 2, 3, 4]),
    ]
    for call in calls:
        for o, t in ((io, it), (to["boxes"], tt["boxes"]), (to["masks"], tt["masks"])):
            _same(call(F)(o), call(TF)(t), atol=atol if o is io else 1e-4)
    assert F.get_size(io) == TF.get_size(it) and F.get_size(to["boxes"]) == TF.get_size(tt["boxes"])
    assert F.get_size(to["masks"]) == TF.get_size(tt["masks"])
    for new in ("XYXY", "XYWH", "CXCYWH"):
        _same(
            F.convert_bounding_box_format(to["boxes"], new_format=new),
            TF.convert_bounding_box_format(tt["boxes"], new_format=new),
        )
    _same(F.clamp_bounding_boxes(F.pad(to["boxes"], [5, 5])), TF.clamp_bounding_boxes(TF.pad(tt["boxes"], [5, 5])))


def test_to_dtype_to_image_normalize(torch):
    rng = np.random.default_rng(1)
    img = rng.integers(0, 256, (3, 7, 9), dtype=np.uint8)
    for dtype, scale in ((torchlet.float32, True), (torchlet.float64, True), (torchlet.float32, False)):
        tdtype = getattr(torch, str(dtype)[9:])
        got = F.to_dtype(T.Image(torchlet.from_numpy(img.copy())), dtype, scale=scale)
        expected = TF.to_dtype(TT.Image(torch.from_numpy(img.copy())), tdtype, scale=scale)
        _same(got, expected)
        back = F.to_dtype(got, torchlet.uint8, scale=scale)
        _same(back, TF.to_dtype(expected, torch.uint8, scale=scale))
    with pytest.raises(RuntimeError, match="cannot be performed safely"):
        F.to_dtype(torchlet.zeros(3, 2, 2), torchlet.int64, scale=True)
    arr = img.transpose(1, 2, 0).copy()
    for src in (arr, PILImage.fromarray(arr)):
        _same(F.to_image(src), TF.to_image(src))
    x = rng.random((3, 5, 5)).astype(np.float32)
    _same(
        F.normalize(T.Image(torchlet.from_numpy(x.copy())), [0.4, 0.5, 0.6], [0.2, 0.3, 0.4]),
        TF.normalize(TT.Image(torch.from_numpy(x.copy())), [0.4, 0.5, 0.6], [0.2, 0.3, 0.4]),
    )
    assert type(F.to_pure_tensor(T.Mask(torchlet.zeros(2, 2)))) is torchlet.Tensor


def _pipelines(lib, torch_mod):
    return [
        lib.Compose(
            [
                lib.RandomResizedCrop((24, 28), antialias=True),
                lib.RandomHorizontalFlip(),
                lib.ToDtype(torch_mod.float32, scale=True),
            ]
        ),
        lib.Compose(
            [
                lib.RandomCrop(30, padding=4, pad_if_needed=True),
                lib.RandomVerticalFlip(p=0.7),
                lib.RandomHorizontalFlip(p=0.3),
                lib.ToDtype(torch_mod.float32, scale=True),
                lib.Normalize([0.5, 0.4, 0.3], [0.2, 0.25, 0.3]),
                lib.ToPureTensor(),
            ]
        ),
        lib.Compose([lib.Resize(20), lib.CenterCrop(18), lib.ToDtype(torch_mod.float64, scale=True)]),
        lib.Compose([lib.RandomResizedCrop(16, scale=(0.5, 1.0)), lib.RandomCrop((60, 70), pad_if_needed=True)]),
    ]


@pytest.mark.parametrize("index", range(4))
def test_seeded_pipelines_move_boxes_and_masks(torch, index):
    for seed in range(6):
        rng = np.random.default_rng(seed)
        ours_in, theirs_in = _pair(*_sample(rng, float_image=seed % 2 == 1))
        ours_t, theirs_t = _pipelines(v2, torchlet)[index], _pipelines(tv2, torch)[index]
        assert repr(ours_t) == repr(theirs_t)
        torchlet.manual_seed(seed)
        torch.manual_seed(seed)
        o_img, o_target = ours_t(*ours_in)
        t_img, t_target = theirs_t(*theirs_in)
        # uint8 images: torchvision resizes them with its native fixed-point uint8 kernel, which can
        # round one step away from the float kernel (one uint8 unit, scaled by ToDtype/Normalize)
        uint8_step = [1 / 255, 1 / 255 / 0.2, 1 / 255, 1.0][index]
        _same(o_img, t_img, atol=1e-5 if seed % 2 == 1 else uint8_step + 1e-5)
        for key in ("boxes", "masks", "labels"):
            _same(o_target[key], t_target[key], atol=1e-4)
        assert float(torchlet.rand(1)) == float(torch.rand(1))  # the same number of draws


def test_pure_tensor_and_pil_inputs(torch):
    rng = np.random.default_rng(3)
    img = rng.integers(0, 256, (3, 20, 24), dtype=np.uint8)
    ours = v2.Compose([v2.RandomHorizontalFlip(p=1.0), v2.Resize(10, antialias=True)])
    theirs = tv2.Compose([tv2.RandomHorizontalFlip(p=1.0), tv2.Resize(10, antialias=True)])
    # only the first plain tensor is transformed
    o = ours(torchlet.from_numpy(img.copy()), torchlet.from_numpy(img.copy()))
    t = theirs(torch.from_numpy(img.copy()), torch.from_numpy(img.copy()))
    for a, b in zip(o, t):
        _same(a, b, atol=1.0)
    pil = PILImage.fromarray(img.transpose(1, 2, 0))
    np.testing.assert_array_equal(np.asarray(ours(pil)), np.asarray(theirs(pil)))
    o = v2.ToImage()(pil)
    assert type(o) is T.Image
    _same(o, tv2.ToImage()(pil))
