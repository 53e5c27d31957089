"""F.grid_sample(mode="bicubic") against torch: the three padding modes, align_corners both ways,
grid points inside, on and beyond the edges; values and gradients to the input and the grid
(float64 and float32), the 5-D error, and a batch of size 1 with a 1-pixel-wide input."""

import numpy as np
import pytest

import torchlet

rng = np.random.default_rng(3)
IMG = rng.standard_normal((2, 3, 5, 6))
GRID = rng.uniform(-1.6, 1.6, (2, 4, 7, 2))
EDGES = np.array([-1.0, 1.0, -1.0 - 1 / 5, 1 + 1 / 6, 0.0, 2.5, -3.0])  # corners, half pixels, far out
GRID[0, 0, :, 0] = EDGES
GRID[1, 1, :, 1] = EDGES


def _sample(m, img, grid, dtype, **kw):
    x = m.tensor(img, dtype=dtype, requires_grad=True)
    g = m.tensor(grid, dtype=dtype, requires_grad=True)
    y = m.nn.functional.grid_sample(x, g, mode="bicubic", **kw)
    (y * m.arange(y.numel(), dtype=dtype).reshape(y.shape).cos()).sum().backward()
    return y, x.grad, g.grad


@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("shape", ["image", "thin"])
def test_bicubic_values_and_gradients(padding_mode, align_corners, shape, torch):
    img, grid = (IMG, GRID) if shape == "image" else (IMG[:1, :2, :4, :1], GRID[:1, :3])
    kw = dict(padding_mode=padding_mode, align_corners=align_corners)
    for dt, tol in (("float64", 1e-10), ("float32", 2e-5)):
        yo, gxo, ggo = _sample(torchlet, img, grid, getattr(torchlet, dt), **kw)
        yt, gxt, ggt = _sample(torch, img, grid, getattr(torch, dt), **kw)
        assert yo.dtype == getattr(torchlet, dt) and ggo.dtype == yo.dtype
        np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), rtol=tol, atol=tol)
        np.testing.assert_allclose(gxo.numpy(), gxt.numpy(), rtol=tol, atol=tol)
        np.testing.assert_allclose(ggo.numpy(), ggt.numpy(), rtol=tol, atol=tol * 10)


def test_bicubic_rejects_volumes(torch):
    errs = []
    for m in (torchlet, torch):
        with pytest.raises(Exception) as e:
            m.nn.functional.grid_sample(
                m.zeros(1, 1, 2, 2, 2), m.zeros(1, 1, 1, 1, 3), mode="bicubic", align_corners=False
            )
        errs.append(e.value)
    assert type(errs[0]) is type(errs[1]) and str(errs[0]) == str(errs[1])
