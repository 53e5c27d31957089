"""vision.utils.make_grid / save_image vs torchvision.utils."""

import numpy as np
import pytest
from conftest import require
from PIL import Image

import torchlet
from torchlet.vision import utils as U

TU = require("torchvision.utils")


def _tl(t):
    return torchlet.from_numpy(t.numpy().copy())


@pytest.mark.parametrize("shape", [(5, 3, 8, 6), (4, 1, 7, 7), (1, 3, 5, 5), (3, 9, 9), (1, 6, 6), (6, 6)])
@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"nrow": 2, "padding": 1, "pad_value": 0.5},
        {"normalize": True},
        {"normalize": True, "value_range": (0.2, 0.8)},
        {"normalize": True, "scale_each": True, "nrow": 3, "padding": 0},
    ],
)
def test_make_grid(torch, shape, kwargs):
    x = torch.randn(*shape)
    ours, theirs = U.make_grid(_tl(x), **kwargs), TU.make_grid(x, **kwargs)
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, atol=1e-6)


def test_make_grid_list_and_errors(torch):
    xs = [torch.rand(3, 4, 5) for _ in range(3)]
    np.testing.assert_allclose(U.make_grid([_tl(x) for x in xs], nrow=2).numpy(), TU.make_grid(xs, nrow=2).numpy())
    with pytest.raises(TypeError):
        U.make_grid([1, 2])
    with pytest.raises(TypeError):
        U.make_grid(np.zeros((2, 3, 4, 4)))
    with pytest.raises(TypeError):
        U.make_grid(torchlet.rand(2, 3, 4, 4), normalize=True, value_range=[0, 1])


@pytest.mark.parametrize(
    "shape,kwargs",
    [
        ((6, 3, 10, 12), {"nrow": 4}),
        ((2, 1, 9, 9), {"padding": 3}),
        ((3, 16, 16), {}),
        ((4, 3, 5, 5), {"normalize": True}),
    ],
)
def test_save_image_pixels(torch, tmp_path, shape, kwargs):
    x = torch.rand(*shape) * 1.2 - 0.1  # values outside [0, 1] are clamped
    U.save_image(_tl(x), tmp_path / "ours.png", **kwargs)
    TU.save_image(x, tmp_path / "theirs.png", **kwargs)
    a, b = Image.open(tmp_path / "ours.png"), Image.open(tmp_path / "theirs.png")
    assert a.mode == b.mode and a.size == b.size
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    U.save_image(_tl(x), tmp_path / "ours.jpg")
    assert Image.open(tmp_path / "ours.jpg").format == "JPEG"
