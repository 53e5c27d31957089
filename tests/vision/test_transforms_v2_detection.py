"""RandomIoUCrop and SanitizeBoundingBoxes vs torchvision, as its detection reference scripts use
them (SSD: RandomIoUCrop -> RandomHorizontalFlip -> SanitizeBoundingBoxes): under the same seed the
same crops, boxes, masks and labels, the same number of random draws; labels_getter forms; errors."""

import numpy as np
import pytest
from conftest import require

import torchlet
from torchlet.vision import tv_tensors as T
from torchlet.vision.transforms import v2

tv2 = require("torchvision.transforms.v2")
TT = require("torchvision.tv_tensors")
TF = require("torchvision.transforms.v2.functional")


def _np(x):
    return x.detach().numpy()


def _same(got, expected):
    assert type(got).__name__ == type(expected).__name__, (type(got), type(expected))
    assert tuple(got.shape) == tuple(expected.shape)
    assert str(got.dtype)[9:] == str(expected.dtype)[6:]
    if isinstance(expected, TT.BoundingBoxes):
        assert got.format.name == expected.format.name and tuple(got.canvas_size) == tuple(expected.canvas_size)
    np.testing.assert_allclose(_np(got).astype(np.float64), _np(expected).astype(np.float64), rtol=1e-5, atol=1e-4)


def _sample(seed, fmt, h=48, w=64, n=6):
    rng = np.random.default_rng(seed)
    img = rng.integers(0, 256, (3, h, w), dtype=np.uint8)
    xy = rng.uniform(-4, min(h, w) - 6, (n, 2))
    boxes = np.concatenate([xy, xy + rng.uniform(0.5, 30, (n, 2))], 1).astype(np.float32)
    boxes[0, 2:] = boxes[0, :2]  # one degenerate box
    masks = (rng.random((n, h, w)) > 0.6).astype(np.uint8)
    semantic = (rng.random((h, w)) > 0.5).astype(np.uint8)
    labels = np.arange(1, n + 1)
    iscrowd = rng.integers(0, 2, n)

    def make(m, tvt):
        b = m.from_numpy(boxes.copy())
        if fmt != "XYXY":
            b = (TF if m is not torchlet else v2.functional).convert_bounding_box_format(b, "XYXY", fmt)
        return (
            tvt.Image(m.from_numpy(img.copy())),
            {
                "boxes": tvt.BoundingBoxes(b, format=fmt, canvas_size=(h, w)),
                "masks": tvt.Mask(m.from_numpy(masks.copy())),
                "semantic": tvt.Mask(m.from_numpy(semantic.copy())),
                "labels": m.from_numpy(labels.copy()),
                "iscrowd": m.from_numpy(iscrowd.copy()),
            },
        )

    return make


def _pipelines(lib):
    return [
        lib.Compose([lib.RandomIoUCrop(), lib.RandomHorizontalFlip(p=1.0), lib.SanitizeBoundingBoxes()]),
        lib.Compose(
            [
                lib.RandomIoUCrop(min_scale=0.5, sampler_options=[0.0, 0.3, 0.5], trials=10),
                lib.SanitizeBoundingBoxes(min_size=2, labels_getter=lambda s: (s[1]["labels"], s[1]["iscrowd"])),
            ]
        ),
        lib.Compose([lib.RandomIoUCrop(max_aspect_ratio=1.5), lib.SanitizeBoundingBoxes(labels_getter=None)]),
        lib.Compose([lib.SanitizeBoundingBoxes(min_area=20)]),
    ]


@pytest.mark.parametrize("fmt", ["XYXY", "XYWH", "CXCYWH"])
@pytest.mark.parametrize("index", range(4))
def test_seeded_detection_pipelines(torch, index, fmt):
    for seed in range(8):
        make = _sample(seed, fmt)
        ours_t, theirs_t = _pipelines(v2)[index], _pipelines(tv2)[index]
        assert repr(ours_t) == repr(theirs_t)
        torchlet.manual_seed(seed)
        torch.manual_seed(seed)
        o_img, o_target = ours_t(*make(torchlet, T))
        t_img, t_target = theirs_t(*make(torch, TT))
        _same(o_img, t_img)
        for key in t_target:
            _same(o_target[key], t_target[key])
        assert float(torchlet.rand(1)) == float(torch.rand(1))  # the same number of draws


def test_random_iou_crop_marks_outside_boxes_and_dict_input(torch):
    """Alone, RandomIoUCrop zeroes the boxes whose centre left the crop; a dict sample works too."""
    for seed in range(5):
        make = _sample(seed, "XYXY")
        ours, theirs = make(torchlet, T), make(torch, TT)
        torchlet.manual_seed(seed)
        torch.manual_seed(seed)
        o = v2.RandomIoUCrop()({"image": ours[0], **ours[1]})
        t = tv2.RandomIoUCrop()({"image": theirs[0], **theirs[1]})
        for key in t:
            _same(o[key], t[key])


def test_sanitize_functional_and_labels_heuristic(torch):
    make = _sample(3, "XYXY")
    ours, theirs = make(torchlet, T), make(torch, TT)
    ob, ov = v2.functional.sanitize_bounding_boxes(ours[1]["boxes"], min_size=3)
    tb, tv = TF.sanitize_bounding_boxes(theirs[1]["boxes"], min_size=3)
    _same(ob, tb)
    assert _np(ov).tolist() == tv.numpy().tolist()
    plain = v2.functional.sanitize_bounding_boxes(
        v2.functional.to_pure_tensor(ours[1]["boxes"]), format="XYXY", canvas_size=(48, 64)
    )
    theirs_plain = TF.sanitize_bounding_boxes(theirs[1]["boxes"].as_subclass(torch.Tensor), "XYXY", (48, 64))
    _same(plain[0], theirs_plain[0])
    # the "labels" key is found whatever its case; else the first key containing "label"
    for key in ("LABELS", "class_label"):
        o = v2.SanitizeBoundingBoxes()({"boxes": ours[1]["boxes"], key: ours[1]["labels"]})
        t = tv2.SanitizeBoundingBoxes()({"boxes": theirs[1]["boxes"], key: theirs[1]["labels"]})
        _same(o[key], t[key])


def _raises_same(fn):
    """The same exception class as torchvision's (messages name the library's own types)."""
    import torch

    with pytest.raises(Exception) as theirs:
        fn(tv2, TT, torch)
    with pytest.raises(Exception) as ours:
        fn(v2, T, torchlet)
    assert type(ours.value) is type(theirs.value), (ours.value, theirs.value)


@pytest.mark.parametrize(
    "fn",
    [
        lambda lib, tvt, m: lib.SanitizeBoundingBoxes(min_size=0.5),
        lambda lib, tvt, m: lib.SanitizeBoundingBoxes(min_area=0),
        lambda lib, tvt, m: lib.SanitizeBoundingBoxes(labels_getter=3),
        lambda lib, tvt, m: lib.SanitizeBoundingBoxes()({"boxes": m.zeros(2, 4)}),
        lambda lib, tvt, m: lib.SanitizeBoundingBoxes()(
            {"boxes": tvt.BoundingBoxes(m.zeros(2, 4), format="XYXY", canvas_size=(4, 4))}
        ),
        lambda lib, tvt, m: lib.SanitizeBoundingBoxes()(
            {"boxes": tvt.BoundingBoxes(m.zeros(2, 4), format="XYXY", canvas_size=(4, 4)), "labels": m.zeros(3)}
        ),
        lambda lib, tvt, m: lib.SanitizeBoundingBoxes()(
            {"boxes": tvt.BoundingBoxes(m.zeros(2, 4), format="XYXY", canvas_size=(4, 4)), "labels": [1, 2]}
        ),
        lambda lib, tvt, m: lib.SanitizeBoundingBoxes()(m.zeros(3, 4, 4)),
        lambda lib, tvt, m: lib.RandomIoUCrop()(tvt.Image(m.zeros(3, 4, 4, dtype=m.uint8))),
    ],
)
def test_errors(torch, fn):
    _raises_same(fn)
