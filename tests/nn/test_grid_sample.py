"""F.affine_grid and F.grid_sample against torch: 2-D and 3-D, bilinear and nearest, the three
padding modes, align_corners both ways; values, gradients to the input, the grid and theta
(float64, plus float32 values), the align_corners warning and the errors."""

import warnings

import numpy as np
import pytest

import torchlet

rng = np.random.default_rng(0)
IMG = rng.standard_normal((2, 3, 5, 6))
VOL = rng.standard_normal((1, 2, 3, 4, 5))
GRID = rng.uniform(-1.4, 1.4, (2, 4, 7, 2))
GRID3 = rng.uniform(-1.3, 1.3, (1, 2, 3, 4, 3))
THETA = np.array([[[0.9, -0.3, 0.1], [0.2, 1.1, -0.2]], [[1.2, 0.4, 0.3], [-0.5, 0.8, 0.05]]])
THETA3 = rng.uniform(-1, 1, (1, 3, 4))


def _sample(m, img, grid, dtype, **kw):
    x = m.tensor(img, dtype=dtype, requires_grad=True)
    g = m.tensor(grid, dtype=dtype, requires_grad=True)
    y = m.nn.functional.grid_sample(x, g, **kw)
    (y * m.arange(y.numel(), dtype=dtype).reshape(y.shape).cos()).sum().backward()
    return y, x.grad, g.grad


@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("dims", [2, 3])
def test_grid_sample(mode, padding_mode, align_corners, dims, torch):
    img, grid = (IMG, GRID) if dims == 2 else (VOL, GRID3)
    kw = dict(mode=mode, padding_mode=padding_mode, align_corners=align_corners)
    for dt, tol in (("float64", 1e-10), ("float32", 1e-5)):
        yo, gxo, ggo = _sample(torchlet, img, grid, getattr(torchlet, dt), **kw)
        yt, gxt, ggt = _sample(torch, img, grid, getattr(torch, dt), **kw)
        np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), rtol=tol, atol=tol)
        np.testing.assert_allclose(gxo.numpy(), gxt.numpy(), rtol=tol, atol=tol)
        np.testing.assert_allclose(ggo.numpy(), ggt.numpy(), rtol=tol, atol=tol * 10)


@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("dims", [2, 3])
def test_affine_grid_and_sample(align_corners, dims, torch):
    res = []
    for m in (torchlet, torch):
        th = m.tensor(THETA if dims == 2 else THETA3, requires_grad=True)
        size = [2, 3, 4, 5] if dims == 2 else [1, 2, 3, 4, 2]
        grid = m.nn.functional.affine_grid(th, size, align_corners=align_corners)
        img = m.tensor(IMG[:, :, :4, :5] if dims == 2 else VOL[:, :, :3, :4, :2])
        y = m.nn.functional.grid_sample(img, grid, align_corners=align_corners)
        y.pow(2).sum().backward()
        res.append((grid, y, th.grad))
    for a, b in zip(*res):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_warning_and_errors(torch):
    msgs = []
    for m in (torchlet, torch):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            m.nn.functional.affine_grid(m.tensor(THETA), [2, 1, 3, 3])
            m.nn.functional.grid_sample(m.tensor(IMG), m.tensor(GRID))
        msgs.append([str(x.message) for x in w])
    assert msgs[0] == msgs[1] and len(msgs[0]) == 2
    bad = [
        lambda m: m.nn.functional.affine_grid(m.tensor(THETA).long(), [2, 1, 3, 3], align_corners=False),
        lambda m: m.nn.functional.affine_grid(m.tensor(THETA), [2, 1, 3], align_corners=False),
        lambda m: m.nn.functional.affine_grid(m.tensor(THETA), [2, 1, 0, 3], align_corners=False),
        lambda m: m.nn.functional.grid_sample(m.tensor(IMG), m.tensor(GRID), mode="area", align_corners=False),
        lambda m: m.nn.functional.grid_sample(m.tensor(IMG), m.tensor(GRID), padding_mode="wrap", align_corners=False),
        lambda m: m.nn.functional.grid_sample(m.tensor(IMG), m.tensor(GRID[:1]), align_corners=False),
        lambda m: m.nn.functional.grid_sample(m.tensor(IMG), m.tensor(GRID).float(), align_corners=False),
    ]
    for make in bad:
        with pytest.raises(Exception) as et:
            make(torch)
        with pytest.raises(Exception) as eo:
            make(torchlet)
        assert type(eo.value) is type(et.value)
        if isinstance(et.value, ValueError) or isinstance(et.value, NotImplementedError):
            assert str(eo.value).replace("torchlet", "torch") == str(et.value)
