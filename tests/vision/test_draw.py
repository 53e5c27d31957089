"""utils.draw_bounding_boxes / draw_segmentation_masks vs torchvision.utils: equal pixels (uint8 and
float images, fills, widths, colours, labels with Pillow's default font) and the same errors."""

import warnings

import numpy as np
import pytest
from conftest import require

import torchlet
from torchlet.vision import utils as U

TU = require("torchvision.utils")


def _image(rng, c=3, h=40, w=50, dtype=np.uint8):
    img = rng.integers(0, 256, (c, h, w), dtype=np.uint8)
    return img if dtype == np.uint8 else (img / 255.0).astype(dtype)


BOXES = np.array([[2, 3, 20, 25], [10, 5, 45, 38], [0, 0, 49, 39], [30.7, 12.2, 33.9, 30.5]], dtype=np.float32)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"width": 3},
        {"fill": True},
        {"colors": "red"},
        {"colors": (10, 200, 30), "fill": True, "width": 2},
        {"colors": ["blue", "#00FF7F", (1, 2, 3), "yellow"]},
        {"labels": ["a", "bb", "cat", "d o g"]},
        {"labels": ["a", "bb", "cat", "dog"], "fill_labels": True, "label_background_colors": "white"},
        {"labels": ["a", "bb", "cat", "dog"], "label_colors": "green", "width": 2},
    ],
)
@pytest.mark.parametrize("channels,dtype", [(3, np.uint8), (1, np.uint8), (3, np.float32)])
def test_draw_bounding_boxes(torch, kwargs, channels, dtype):
    rng = np.random.default_rng(0)
    img = _image(rng, channels, dtype=dtype)
    got = U.draw_bounding_boxes(torchlet.from_numpy(img.copy()), torchlet.from_numpy(BOXES.copy()), **kwargs)
    expected = TU.draw_bounding_boxes(torch.from_numpy(img.copy()), torch.from_numpy(BOXES.copy()), **kwargs)
    assert str(got.dtype)[9:] == str(expected.dtype)[6:] and tuple(got.shape) == tuple(expected.shape)
    np.testing.assert_array_equal(got.numpy(), expected.numpy())


@pytest.mark.parametrize("dtype", [np.uint8, np.float32, np.float64])
@pytest.mark.parametrize(
    "alpha,colors", [(0.8, None), (0.5, "red"), (1.0, ["blue", (0, 255, 0), "#123456"]), (0.3, (200, 100, 50))]
)
def test_draw_segmentation_masks(torch, dtype, alpha, colors):
    rng = np.random.default_rng(1)
    img = _image(rng, dtype=dtype)
    masks = rng.random((3, 40, 50)) > 0.6
    got = U.draw_segmentation_masks(torchlet.from_numpy(img.copy()), torchlet.from_numpy(masks), alpha, colors)
    expected = TU.draw_segmentation_masks(torch.from_numpy(img.copy()), torch.from_numpy(masks), alpha, colors)
    assert str(got.dtype)[9:] == str(expected.dtype)[6:]
    np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-6, atol=1e-7)
    single = U.draw_segmentation_masks(torchlet.from_numpy(img.copy()), torchlet.from_numpy(masks[0]))
    expected = TU.draw_segmentation_masks(torch.from_numpy(img.copy()), torch.from_numpy(masks[0]))
    np.testing.assert_allclose(single.numpy(), expected.numpy(), rtol=1e-6, atol=1e-7)


def test_draw_errors_and_warnings(torch):
    rng = np.random.default_rng(2)
    img = _image(rng)
    cases = [
        lambda m, lib: m.draw_bounding_boxes(lib.zeros(3, 4, 4, dtype=lib.int32), lib.zeros(1, 4)),
        lambda m, lib: m.draw_bounding_boxes(lib.zeros(1, 3, 4, 4, dtype=lib.uint8), lib.zeros(1, 4)),
        lambda m, lib: m.draw_bounding_boxes(lib.zeros(2, 4, 4, dtype=lib.uint8), lib.zeros(1, 4)),
        lambda m, lib: m.draw_bounding_boxes(lib.zeros(3, 4, 4, dtype=lib.uint8), lib.tensor([[3.0, 0, 1, 1]])),
        lambda m, lib: m.draw_bounding_boxes(lib.zeros(3, 4, 4, dtype=lib.uint8), lib.zeros(2, 4), labels=["a"]),
        lambda m, lib: m.draw_bounding_boxes(lib.zeros(3, 4, 4, dtype=lib.uint8), lib.zeros(2, 4), colors=["red"]),
        lambda m, lib: m.draw_bounding_boxes(lib.zeros(3, 4, 4, dtype=lib.uint8), lib.zeros(2, 4), colors=(1, 2)),
        lambda m, lib: m.draw_segmentation_masks(lib.zeros(1, 4, 4, dtype=lib.uint8), lib.zeros(4, 4, dtype=lib.bool)),
        lambda m, lib: m.draw_segmentation_masks(lib.zeros(3, 4, 4, dtype=lib.uint8), lib.zeros(4, 4)),
        lambda m, lib: m.draw_segmentation_masks(lib.zeros(3, 4, 4, dtype=lib.uint8), lib.zeros(4, 5, dtype=lib.bool)),
        lambda m, lib: m.draw_segmentation_masks(
            lib.zeros(3, 4, 4, dtype=lib.uint8), lib.zeros(1, 1, 4, 4, dtype=lib.bool)
        ),
    ]
    for case in cases:
        with pytest.raises(Exception) as theirs:
            case(TU, torch)
        with pytest.raises(Exception) as ours:
            case(U, torchlet)
        assert type(ours.value) is type(theirs.value)
        assert str(ours.value) == str(theirs.value).replace("torch.", "torchlet.")
    with pytest.warns(UserWarning, match="No box was drawn"):
        out = U.draw_bounding_boxes(torchlet.from_numpy(img), torchlet.zeros(0, 4))
    assert out.numpy().tolist() == img.tolist()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        U.draw_bounding_boxes(torchlet.from_numpy(img), torchlet.from_numpy(BOXES))
