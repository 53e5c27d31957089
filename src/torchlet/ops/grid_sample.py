"""nn.functional.affine_grid and grid_sample (2-D and 3-D), composed of Tensor ops so that
gradients reach both the input and the grid (and theta) through autograd.

affine_grid: grid[n, h, w] = theta[n] @ (x_w, y_h, 1), the base coordinates spanning [-1, 1]
(pixel centres at (2i + 1)/S - 1 unless align_corners, which puts -1 and 1 on the corner
pixels' centres).
grid_sample: each grid point (x, y[, z]) in [-1, 1] is mapped to pixel coordinates
    align_corners: ((g + 1) / 2) (S - 1)      else: ((g + 1) S - 1) / 2
then padded ("border": clamped to [0, S-1]; "reflection": reflected about the edges, then
clamped; "zeros": out-of-range taps read 0) and sampled:
    bilinear: sum over the 2^k corners c of prod_d (1 - |p_d - c_d|) input[c]
    nearest:  input[round_half_even(p)]  (no gradient to the grid)
    bicubic:  4 x 4 taps, cubic convolution weights (grid_sample_bicubic.py)
d out / d input scatters the weights back (gather's backward); d out / d grid follows the
corner weights' derivative in p (floor is piecewise constant), through the unnormalise,
reflect and clamp steps.
"""

import itertools
import warnings

from .. import _dtype
from .grid_sample_bicubic import grid_sample_bicubic

__all__ = ["affine_grid", "grid_sample"]

_ALIGN_WARNING = (
    "Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. "
    "Please specify align_corners=True if the old behavior is desired. See the documentation of "
    "grid_sample for details."
)


def _linspace_from_neg_one(theta, n, align_corners):
    from .creation import linspace, zeros

    if n <= 1:
        return zeros(1, dtype=theta.dtype)
    r = linspace(-1, 1, n, dtype=theta.dtype)
    return r if align_corners else r * ((n - 1) / n)


def affine_grid(theta, size, align_corners=None):
    from .creation import ones
    from .joining import stack

    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    if not theta.is_floating_point():
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = list(size)
    if len(size) == 4:
        if theta.dim() != 3 or theta.shape[-2] != 2 or theta.shape[-1] != 3:
            raise ValueError(
                f"Expected a batch of 2D affine matrices of shape Nx2x3 for size {size}. Got {theta.shape}."
            )
        spatial = size[-2:]
    elif len(size) == 5:
        if theta.dim() != 3 or theta.shape[-2] != 3 or theta.shape[-1] != 4:
            raise ValueError(
                f"Expected a batch of 3D affine matrices of shape Nx3x4 for size {size}. Got {theta.shape}."
            )
        spatial = size[-3:]
    else:
        raise NotImplementedError(
            "affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
            f"respectively. Got size {size}."
        )
    if align_corners and min(spatial) == 1:
        warnings.warn(
            "Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
            "align_corners=True. This is not an intended use case of affine_grid. See the "
            "documentation of affine_grid for details.",
            stacklevel=2,
        )
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    k = len(spatial)
    axes = [_linspace_from_neg_one(theta, s, align_corners) for s in spatial]  # D?, H, W
    shape = tuple(spatial)
    comps = []
    for c in range(k):  # x varies along the last spatial dim, y the one before, z the first
        d = k - 1 - c
        view = [1] * k
        view[d] = spatial[d]
        comps.append(axes[d].reshape(view).expand(shape))
    comps.append(ones(shape, dtype=theta.dtype))
    base = stack(comps, -1).reshape(1, -1, k + 1).expand(size[0], -1, -1)
    return base.bmm(theta.transpose(1, 2)).reshape(size[0], *shape, k)


def _unnormalize(g, s, align_corners):
    return (g + 1) / 2 * (s - 1) if align_corners else ((g + 1) * s - 1) / 2


def _reflect(p, twice_low, twice_high):
    if twice_low == twice_high:
        return p * 0
    lo = twice_low / 2
    span = (twice_high - twice_low) / 2
    p = (p - lo).abs()
    extra = p.fmod(span)
    flips = (p / span).floor()
    even = flips.fmod(2) == 0
    return (extra + lo).where(even, span - extra + lo)


def _coords(g, s, padding_mode, align_corners):
    p = _unnormalize(g, s, align_corners)
    if padding_mode == "border":
        p = p.clamp(0, s - 1)
    elif padding_mode == "reflection":
        p = _reflect(p, 0, 2 * (s - 1)) if align_corners else _reflect(p, -1, 2 * s - 1)
        p = p.clamp(0, s - 1)
    return p


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(
            f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', but got: '{mode}'"
        )
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(
            "nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
            f"'reflection', but got: '{padding_mode}'"
        )
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    if input.dim() not in (4, 5):
        raise RuntimeError(
            f"grid_sampler(): expected 4D or 5D input and grid with same number of dimensions, "
            f"but got input with sizes {list(input.shape)} and grid with sizes {list(grid.shape)}"
        )
    k = input.dim() - 2
    if grid.dim() != input.dim() or grid.shape[0] != input.shape[0] or grid.shape[-1] != k:
        if grid.dim() != input.dim():
            raise RuntimeError(
                "grid_sampler(): expected grid and input to have same number of dimensions, but got "
                f"input with sizes {list(input.shape)} and grid with sizes {list(grid.shape)}"
            )
        if grid.shape[0] != input.shape[0]:
            raise RuntimeError(
                "grid_sampler(): expected grid and input to have same batch size, but got input with "
                f"sizes {list(input.shape)} and grid with sizes {list(grid.shape)}"
            )
        raise RuntimeError(
            f"grid_sampler(): expected grid to have size {k} in last dimension, but got grid with "
            f"sizes {list(grid.shape)}"
        )
    if input.dtype != grid.dtype:
        raise RuntimeError(
            f"grid_sampler(): expected input and grid to have same dtype, but input has "
            f"{input.dtype} and grid has {grid.dtype}"
        )
    if mode == "bicubic":
        if k == 3:
            raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
        return grid_sample_bicubic(input, grid, padding_mode, align_corners, _unnormalize, _reflect)
    N, C = input.shape[:2]
    sizes = list(input.shape[2:])  # (D,) H, W
    out_spatial = tuple(grid.shape[1:-1])
    flat_in = input.reshape(N, C, -1)
    # p[d]: pixel coordinate along spatial dim d (grid's last entry indexes the last spatial dim)
    p = [_coords(grid[..., k - 1 - d], sizes[d], padding_mode, align_corners).reshape(N, -1) for d in range(k)]
    M = p[0].shape[1]
    if mode == "nearest":
        corners = [[pd.detach().round().to(_dtype.int64)] for pd in p]
        weights = [[pd * 0 + 1] for pd in p]  # 1, with the zero gradient PyTorch gives the grid
    else:
        corners, weights = [], []
        for pd in p:
            lo = pd.detach().floor()
            w_hi = pd - lo
            corners.append([lo.to(_dtype.int64), lo.to(_dtype.int64) + 1])
            weights.append([1 - w_hi, w_hi])
    out = None
    for choice in itertools.product(*(range(len(c)) for c in corners)):
        idx = [corners[d][choice[d]] for d in range(k)]
        valid = None
        lin = None
        for d in range(k):
            ok = (idx[d] >= 0) & (idx[d] < sizes[d])
            valid = ok if valid is None else valid & ok
            term = idx[d].clamp(0, sizes[d] - 1)
            lin = term if lin is None else lin * sizes[d] + term
        vals = flat_in.gather(2, lin[:, None, :].expand(N, C, M))
        w = valid.to(input.dtype)
        for d in range(k):
            if weights[d][choice[d]] is not None:
                w = w * weights[d][choice[d]]
        term = vals * w[:, None, :]
        out = term if out is None else out + term
    return out.reshape(N, C, *out_spatial)
