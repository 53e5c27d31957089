"""grid_sample(mode="bicubic") on 4-D input, composed of Tensor ops so that gradients reach the
input and the grid through autograd.

Each grid point (x, y) in [-1, 1] is unnormalised to a pixel coordinate p (as for bilinear, but
with no padding step on p itself); with i = floor(p) and t = p - i, the 4 x 4 taps at
(i - 1 .. i + 2) per axis are read with the padding applied to each tap's integer coordinate
("zeros": out-of-range taps read 0; "border": clamped to [0, S-1]; "reflection": reflected about
the edges, then clamped) and weighted by the cubic convolution kernel (A = -0.75):
    w0 = k2(t + 1), w1 = k1(t), w2 = k1(1 - t), w3 = k2(2 - t)
    k1(s) = ((A + 2) s - (A + 3)) s^2 + 1            (|s| <= 1)
    k2(s) = ((A s - 5A) s + 8A) s - 4A               (1 < |s| < 2)
    out = sum_{a, b} wy_a(ty) wx_b(tx) input[y_a, x_b]
d out / d input scatters wy_a wx_b back to the taps (gather's backward); d out / d grid is
sum_{a, b} input[y_a, x_b] d(wy_a wx_b)/dt * dp/dg (the taps are piecewise constant in p, the
padding of integer taps has no derivative), dp/dg = (S - 1)/2 with align_corners, else S/2.
"""

from .. import _dtype

__all__ = ["grid_sample_bicubic"]

_A = -0.75


def _k1(s):
    return ((_A + 2) * s - (_A + 3)) * s * s + 1


def _k2(s):
    return ((_A * s - 5 * _A) * s + 8 * _A) * s - 4 * _A


def _weights(t):
    return [_k2(t + 1), _k1(t), _k1(1 - t), _k2(2 - t)]


def _taps(lo, s, padding_mode, align_corners, reflect):
    """The 4 integer tap coordinates along one axis (int64) and, for "zeros", which are inside."""
    taps = []
    for j in range(4):
        c = lo + (j - 1)
        if padding_mode == "border":
            c = c.clamp(0, s - 1)
        elif padding_mode == "reflection":
            c = reflect(c, 0, 2 * (s - 1)) if align_corners else reflect(c, -1, 2 * s - 1)
            c = c.clamp(0, s - 1)
        ok = (c >= 0) & (c <= s - 1) if padding_mode == "zeros" else None
        taps.append((c.clamp(0, s - 1).to(_dtype.int64), ok))
    return taps


def grid_sample_bicubic(input, grid, padding_mode, align_corners, unnormalize, reflect):
    """`unnormalize(g, size, align_corners)` and `reflect(p, twice_low, twice_high)`: grid_sample's
    coordinate steps (passed in, so this file imports nothing from grid_sample.py)."""
    N, C, H, W = input.shape
    out_spatial = tuple(grid.shape[1:-1])
    px = unnormalize(grid[..., 0], W, align_corners).reshape(N, -1)
    py = unnormalize(grid[..., 1], H, align_corners).reshape(N, -1)
    M = px.shape[1]
    lox, loy = px.detach().floor(), py.detach().floor()
    wx, wy = _weights(px - lox), _weights(py - loy)
    tx = _taps(lox, W, padding_mode, align_corners, reflect)
    ty = _taps(loy, H, padding_mode, align_corners, reflect)
    flat = input.reshape(N, C, H * W)
    out = None
    for a in range(4):
        iy, oky = ty[a]
        for b in range(4):
            ix, okx = tx[b]
            vals = flat.gather(2, (iy * W + ix)[:, None, :].expand(N, C, M))
            w = wy[a] * wx[b]
            if oky is not None:
                w = w * (oky & okx).to(input.dtype)
            term = vals * w[:, None, :]
            out = term if out is None else out + term
    return out.reshape(N, C, *out_spatial)
