"""Image operations on tensors (..., C, H, W), with torchvision's tensor formulas.

Cheap structural ops (flip, crop, normalize, erase) use Tensor ops (normalize runs its common
case on the array: `_normalize_arrays`); resampling,
padding and colour-space arithmetic work on the tensor's array at the data
loading edge and wrap the result (as data loading does).
"""

import numpy as np

import torchlet
from torchlet import _cpu
from torchlet._tensor import wrap

_INT_MAX = {
    np.dtype(np.uint8): 255,
    np.dtype(np.int8): 127,
    np.dtype(np.int16): 32767,
    np.dtype(np.int32): 2**31 - 1,
    np.dtype(np.int64): 2**63 - 1,
    np.dtype(np.bool_): 1,
}


def _assert_image_tensor(img):
    if not (isinstance(img, torchlet.Tensor) and img.ndim >= 2):
        raise TypeError("Tensor is not a torch image.")


def _assert_channels(img, permitted):
    c = get_dimensions(img)[0]
    if c not in permitted:
        raise TypeError(f"Input image tensor permitted channel values are {permitted}, but found {c}")


def get_dimensions(img):
    _assert_image_tensor(img)
    channels = 1 if img.ndim == 2 else img.shape[-3]
    return [channels, img.shape[-2], img.shape[-1]]


def _arr(img):
    return img.detach().numpy()


def _wrap(a):
    return torchlet.from_numpy(np.ascontiguousarray(a))


def _max_value(dtype):
    return 1.0 if np.issubdtype(dtype, np.floating) else _INT_MAX[np.dtype(dtype)]


def _to_dtype(a, dtype):
    """Cast a float result back to the image dtype (rounded for integers, as torchvision)."""
    if np.issubdtype(dtype, np.integer):
        a = np.round(a)
    return a.astype(dtype, copy=False)


def hflip(img):
    _assert_image_tensor(img)
    return img.flip(-1)


def vflip(img):
    _assert_image_tensor(img)
    return img.flip(-2)


def crop(img, top, left, height, width):
    _assert_image_tensor(img)
    _, h, w = get_dimensions(img)
    right, bottom = left + width, top + height
    if left < 0 or top < 0 or right > w or bottom > h:
        ltrb = [
            max(-left + min(0, right), 0),
            max(-top + min(0, bottom), 0),
            max(right - max(w, left), 0),
            max(bottom - max(h, top), 0),
        ]
        return pad(img[..., max(top, 0) : bottom, max(left, 0) : right], ltrb, fill=0)
    return img[..., top:bottom, left:right]


def pad(img, padding, fill=0, padding_mode="constant"):
    _assert_image_tensor(img)
    fill = 0 if fill is None else fill
    if not isinstance(padding, (int, tuple, list)):
        raise TypeError("Got inappropriate padding arg")
    if not isinstance(fill, (int, float)):
        raise TypeError("Got inappropriate fill arg")
    if not isinstance(padding_mode, str):
        raise TypeError("Got inappropriate padding_mode arg")
    if isinstance(padding, (tuple, list)) and len(padding) not in (1, 2, 4):
        raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} element tuple")
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    from ._pil import _ltrb

    left, top, right, bottom = _ltrb(padding)
    a = _arr(img)
    # negative padding crops
    a = a[..., max(-top, 0) : a.shape[-2] - max(-bottom, 0), max(-left, 0) : a.shape[-1] - max(-right, 0)]
    widths = [(0, 0)] * (a.ndim - 2) + [(max(top, 0), max(bottom, 0)), (max(left, 0), max(right, 0))]
    if padding_mode == "constant":
        value = np.array(float(fill)).astype(a.dtype) if a.dtype != np.bool_ else bool(fill)
        return _wrap(np.pad(a, widths, "constant", constant_values=value))
    return _wrap(np.pad(a, widths, padding_mode))


# ---- resampling: separable weight matrices (out x in), applied with two matmuls


def _filter_weights(in_size, out_size, kind, antialias):
    scale = in_size / out_size
    dst = np.arange(out_size, dtype=np.float64)
    src = np.arange(in_size, dtype=np.float64)
    if antialias:
        # Pillow's resampling (which torch's antialiased kernels follow): a filter
        # stretched by the downscaling factor, weights normalised per output pixel.
        support, fscale = (1.0 if kind == "bilinear" else 2.0), max(scale, 1.0)
        support *= fscale
        center = (dst + 0.5) * scale
        lo = np.maximum((center - support + 0.5).astype(np.int64), 0)
        hi = np.minimum((center + support + 0.5).astype(np.int64), in_size)
        x = np.abs((src[None, :] - center[:, None] + 0.5) / fscale)
        if kind == "bilinear":
            w = np.maximum(1.0 - x, 0.0)
        else:
            w = _cubic(x, -0.5)
        inside = (src[None, :] >= lo[:, None]) & (src[None, :] < hi[:, None])
        w = np.where(inside, w, 0.0)
        total = w.sum(1, keepdims=True)
        return w / np.where(total == 0, 1.0, total)
    w = np.zeros((out_size, in_size))
    rows = np.arange(out_size)
    if kind == "bilinear":
        s = np.maximum(scale * (dst + 0.5) - 0.5, 0.0)
        i0 = np.floor(s).astype(np.int64)
        i1 = np.minimum(i0 + 1, in_size - 1)
        l1 = s - i0
        np.add.at(w, (rows, i0), 1.0 - l1)
        np.add.at(w, (rows, i1), l1)
        return w
    s = scale * (dst + 0.5) - 0.5
    i = np.floor(s).astype(np.int64)
    t = s - i
    for k in range(-1, 3):
        np.add.at(w, (rows, np.clip(i + k, 0, in_size - 1)), _cubic(np.abs(t - k), -0.75))
    return w


def _cubic(x, a):
    x2, x3 = x * x, x * x * x
    near = (a + 2) * x3 - (a + 3) * x2 + 1
    far = a * x3 - 5 * a * x2 + 8 * a * x - 4 * a
    return np.where(x <= 1, near, np.where(x < 2, far, 0.0))


def _nearest_index(in_size, out_size, exact):
    scale = np.float32(in_size / out_size)
    dst = np.arange(out_size, dtype=np.float32) + (np.float32(0.5) if exact else np.float32(0))
    return np.minimum(np.floor(dst * scale).astype(np.int64), in_size - 1)


def resize(img, size, interpolation="bilinear", antialias=True):
    """size = [h, w]; interpolation: nearest, nearest-exact, bilinear, bicubic."""
    _assert_image_tensor(img)
    a = _arr(img)
    dtype = a.dtype
    (h, w), (oh, ow) = a.shape[-2:], size
    if interpolation in ("nearest", "nearest-exact"):
        exact = interpolation == "nearest-exact"
        out = a[..., _nearest_index(h, oh, exact), :][..., _nearest_index(w, ow, exact)]
        return _wrap(out)
    if interpolation not in ("bilinear", "bicubic"):
        raise ValueError(f"Interpolation mode '{interpolation}' is unsupported with Tensor input")
    work = np.float64 if dtype == np.float64 else np.float32
    x = a.astype(work, copy=False)
    ww = _filter_weights(w, ow, interpolation, bool(antialias)).astype(work)
    wh = _filter_weights(h, oh, interpolation, bool(antialias)).astype(work)
    out = np.matmul(wh, np.matmul(x, ww.T))
    if interpolation == "bicubic" and dtype == np.uint8:
        out = np.clip(out, 0, 255)
    return _wrap(_to_dtype(out, dtype))


# ---- geometry: rotation by an inverse affine matrix, sampled as grid_sample does


def _grid_dot(x, y, a, b, c):
    """x a + y b + c (+ broadcasting), as PyTorch's CPU bmm computes torchvision's grids (rows
    (x, y, 1) times a 3x2 theta): MKL accumulates the three products with fused multiply-adds
    on Intel CPUs, ((x a) + y b) + c, and rounds each product and sum on others (checked on an
    Intel Xeon and an AMD EPYC)."""
    if _cpu.intel() and np.result_type(x, a) == np.float32:
        return _fma(y, b, x * a) + c
    return (x * a + y * b) + c


def _affine_output_size(matrix, w, h):
    pts = np.array(
        [[-0.5 * w, -0.5 * h, 1.0], [-0.5 * w, 0.5 * h, 1.0], [0.5 * w, 0.5 * h, 1.0], [0.5 * w, -0.5 * h, 1.0]],
        dtype=np.float32,
    )
    theta = np.array(matrix, dtype=np.float32).reshape(2, 3)
    new = pts @ theta.T
    lo = new.min(0) + np.array([w * 0.5, h * 0.5], dtype=np.float32)
    hi = new.max(0) + np.array([w * 0.5, h * 0.5], dtype=np.float32)
    tol = np.float32(1e-4)
    size = np.ceil(np.trunc(hi / tol) * tol) - np.floor(np.trunc(lo / tol) * tol)
    return int(size[0]), int(size[1])


def rotate(img, matrix, interpolation="nearest", expand=False, fill=None):
    """Sample `img` through the inverse affine `matrix` (2x3, centre-origin pixels); with
    `expand` the output grows to hold the whole rotated image. F.affine is this without expand."""
    _assert_image_tensor(img)
    if interpolation not in ("nearest", "bilinear"):
        raise ValueError(f"Interpolation mode '{interpolation}' is unsupported with Tensor input")
    a = _arr(img)
    work = a.dtype.type if np.issubdtype(a.dtype, np.floating) else np.float32
    h, w = a.shape[-2:]
    ow, oh = _affine_output_size(matrix, w, h) if expand else (w, h)
    # torchvision's grid: theta rescaled to [-1, 1] units first, then x a + y b + c
    th = np.array(matrix, dtype=work).reshape(2, 3) / np.array([[0.5 * w], [0.5 * h]], dtype=work)
    xs = np.linspace(-ow * 0.5 + 0.5, ow * 0.5 - 0.5, ow).astype(work)[None, :]
    ys = np.linspace(-oh * 0.5 + 0.5, oh * 0.5 - 0.5, oh).astype(work)[:, None]
    gx = _grid_dot(xs, ys, th[0, 0], th[0, 1], th[0, 2])
    gy = _grid_dot(xs, ys, th[1, 0], th[1, 1], th[1, 2])
    return _wrap(_grid_transform(a, gx, gy, interpolation, fill))


def perspective(img, coeffs, interpolation="bilinear", fill=None):
    """Sample `img` at ((c0 x + c1 y + c2) / (c6 x + c7 y + 1), (c3 x + c4 y + c5) / (...)),
    x, y the output pixel centres (torchvision's grid, as Pillow's PERSPECTIVE)."""
    _assert_image_tensor(img)
    if interpolation not in ("nearest", "bilinear"):
        raise ValueError(f"Interpolation mode '{interpolation}' is unsupported with Tensor input")
    if len(coeffs) != 8:
        raise ValueError("Argument perspective_coeffs should have 8 float values")
    a = _arr(img)
    work = a.dtype.type if np.issubdtype(a.dtype, np.floating) else np.float32
    oh, ow = a.shape[-2:]
    c = np.array(coeffs, dtype=work)
    xs = np.linspace(0.5, ow - 0.5, ow, dtype=np.float32).astype(work)[None, :]
    ys = np.linspace(0.5, oh - 0.5, oh, dtype=np.float32).astype(work)[:, None]
    t1 = np.array([[c[0], c[1], c[2]], [c[3], c[4], c[5]]], dtype=work) / np.array([[0.5 * ow], [0.5 * oh]], dtype=work)
    den = _grid_dot(xs, ys, c[6], c[7], work(1.0))
    gx = _grid_dot(xs, ys, t1[0, 0], t1[0, 1], t1[0, 2]) / den - work(1.0)
    gy = _grid_dot(xs, ys, t1[1, 0], t1[1, 1], t1[1, 2]) / den - work(1.0)
    return _wrap(_grid_transform(a, gx, gy, interpolation, fill))


def _grid_transform(a, gx, gy, interpolation, fill):
    """grid_sample(a, (gx, gy), zeros padding, align_corners=False), then `fill` where the
    grid left the image (a ones channel sampled alongside tells where)."""
    dtype = a.dtype
    work = dtype.type if np.issubdtype(dtype, np.floating) else np.float32
    h, w = a.shape[-2:]
    x = a.astype(work, copy=False)
    if fill is not None:
        x = np.concatenate([x, np.ones(x.shape[:-3] + (1, h, w), work)], axis=-3)
    out = _sample(x, gx.astype(work, copy=False), gy.astype(work, copy=False), interpolation)
    if fill is not None:
        mask, out = out[..., -1:, :, :], out[..., :-1, :, :]
        fill = fill if isinstance(fill, (list, tuple)) else [float(fill)]
        fv = np.array(fill, dtype=work).reshape(-1, 1, 1)
        if interpolation == "nearest":
            out = np.where(mask < 0.5, np.broadcast_to(fv, out.shape), out)
        else:
            out = out * mask + (1.0 - mask) * fv
    return _to_dtype(out, dtype)


def _fma(a, b, c):
    """a * b + c rounded once, as PyTorch's CPU kernels compute it (compiled with FMA):
    float32 is exact through float64; wider types fall back to two roundings."""
    if np.result_type(a, b, c) == np.float32:
        return (np.asarray(a, np.float64) * np.asarray(b, np.float64) + np.asarray(c, np.float64)).astype(np.float32)
    return a * b + c


def _sample(x, ix_norm, iy_norm, mode):
    """grid_sample(x, grid, zeros padding, align_corners=False) as PyTorch's CPU kernel
    computes it: pixel = (g + 1) * size/2 - 0.5; bilinear weights (1 - dx)(1 - dy), ...
    summed nw, ne, sw, se; nearest rounds half to even."""
    h, w = x.shape[-2:]
    t = x.dtype.type
    ix = _fma(ix_norm + t(1), t(w / 2), t(-0.5))
    iy = _fma(iy_norm + t(1), t(h / 2), t(-0.5))
    if mode == "nearest":
        corners = [(np.rint(ix).astype(np.int64), np.rint(iy).astype(np.int64), None)]
    else:
        x0, y0 = np.floor(ix), np.floor(iy)
        fx, fy = ix - x0, iy - y0
        ex, sy = t(1) - fx, t(1) - fy
        x0, y0 = x0.astype(np.int64), y0.astype(np.int64)
        corners = [(x0, y0, sy * ex), (x0 + 1, y0, sy * fx), (x0, y0 + 1, fy * ex), (x0 + 1, y0 + 1, fy * fx)]
    out = None
    for cx, cy, wt in corners:
        valid = (cx >= 0) & (cx < w) & (cy >= 0) & (cy < h)
        v = x[..., np.clip(cy, 0, h - 1), np.clip(cx, 0, w - 1)] * valid.astype(x.dtype)
        if wt is None:
            out = v
        else:
            wt = np.broadcast_to(wt.astype(x.dtype), v.shape)
            out = v * wt if out is None else _fma(v, wt, out)
    return out


# ---- colour


def _gray(a):
    work = a.dtype.type if np.issubdtype(a.dtype, np.floating) else np.float32
    r, g, b = (a[..., i, :, :].astype(work, copy=False) for i in range(3))
    return work(0.2989) * r + work(0.587) * g + work(0.114) * b


def rgb_to_grayscale(img, num_output_channels=1):
    if img.ndim < 3:
        raise TypeError(f"Input image tensor should have at least 3 dimensions, but found {img.ndim}")
    _assert_channels(img, [1, 3])
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    a = _arr(img)
    g = _gray(a).astype(a.dtype)[..., None, :, :] if a.shape[-3] == 3 else a.copy()
    if num_output_channels == 3:
        g = np.broadcast_to(g, a.shape)
    return _wrap(g)


def _blend(a, b, ratio):
    ratio = float(ratio)
    work = a.dtype.type if np.issubdtype(a.dtype, np.floating) else np.float32
    out = work(ratio) * a.astype(work, copy=False) + work(1.0 - ratio) * b
    return np.clip(out, 0, _max_value(a.dtype)).astype(a.dtype)


def adjust_brightness(img, factor):
    if factor < 0:
        raise ValueError(f"brightness_factor ({factor}) is not non-negative.")
    _assert_channels(img, [1, 3])
    return _wrap(_blend(_arr(img), 0, factor))


def adjust_contrast(img, factor):
    if factor < 0:
        raise ValueError(f"contrast_factor ({factor}) is not non-negative.")
    _assert_channels(img, [3, 1])
    a = _arr(img)
    work = a.dtype.type if np.issubdtype(a.dtype, np.floating) else np.float32
    gray = _gray(a).astype(a.dtype) if a.shape[-3] == 3 else a
    mean = gray.astype(work).reshape(gray.shape[:-3] + (-1,)).mean(-1, dtype=work)
    return _wrap(_blend(a, mean[..., None, None, None], factor))


def adjust_saturation(img, factor):
    if factor < 0:
        raise ValueError(f"saturation_factor ({factor}) is not non-negative.")
    _assert_channels(img, [1, 3])
    if get_dimensions(img)[0] == 1:
        return img
    a = _arr(img)
    return _wrap(_blend(a, _gray(a).astype(a.dtype)[..., None, :, :], factor))


def adjust_hue(img, hue_factor):
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    if not isinstance(img, torchlet.Tensor):
        raise TypeError("Input img should be Tensor image")
    _assert_channels(img, [1, 3])
    if get_dimensions(img)[0] == 1:
        return img
    a = _arr(img)
    x = a.astype(np.float32) / np.float32(255) if a.dtype == np.uint8 else a
    h, s, v = _rgb2hsv(x)
    h = np.mod(h + x.dtype.type(hue_factor), 1.0).astype(x.dtype)
    out = _hsv2rgb(h, s, v)
    if a.dtype == np.uint8:
        out = (out * np.float32(255 + 1.0 - 1e-3)).astype(np.uint8)
    return _wrap(out.astype(a.dtype, copy=False))


def _rgb2hsv(x):
    r, g, b = x[..., 0, :, :], x[..., 1, :, :], x[..., 2, :, :]
    maxc, minc = x.max(-3), x.min(-3)
    eqc = maxc == minc
    cr = maxc - minc
    one = x.dtype.type(1)
    s = cr / np.where(eqc, one, maxc)
    div = np.where(eqc, one, cr)
    rc, gc, bc = (maxc - r) / div, (maxc - g) / div, (maxc - b) / div
    hr = (maxc == r) * (bc - gc)
    hg = ((maxc == g) & (maxc != r)) * (2.0 + rc - bc)
    hb = ((maxc != g) & (maxc != r)) * (4.0 + gc - rc)
    h = np.fmod((hr + hg + hb) / x.dtype.type(6) + one, one)
    return h.astype(x.dtype), s, maxc


def _hsv2rgb(h, s, v):
    i = np.floor(h * 6.0)
    f = (h * 6.0 - i).astype(h.dtype)
    i = i.astype(np.int32) % 6
    p = np.clip(v * (1.0 - s), 0.0, 1.0)
    q = np.clip(v * (1.0 - s * f), 0.0, 1.0)
    t = np.clip(v * (1.0 - s * (1.0 - f)), 0.0, 1.0)
    table = [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)]
    out = np.zeros(h.shape[:-2] + (3,) + h.shape[-2:], h.dtype)
    for k, chans in enumerate(table):
        sel = i == k
        for c in range(3):
            out[..., c, :, :] += np.where(sel, chans[c], 0)
    return out


def invert(img):
    _assert_image_tensor(img)
    if img.ndim < 3:
        raise TypeError(f"Input image tensor should have at least 3 dimensions, but found {img.ndim}")
    _assert_channels(img, [1, 3])
    a = _arr(img)
    return _wrap((np.array(_max_value(a.dtype)).astype(a.dtype) - a).astype(a.dtype))


def normalize(tensor, mean, std, inplace=False):
    _assert_image_tensor(tensor)
    if not tensor.is_floating_point():
        raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
    if tensor.ndim < 3:
        raise ValueError(
            f"Expected tensor to be a tensor image of size (..., C, H, W). Got tensor.size() = {tensor.size()}"
        )
    if not inplace:
        fast = _normalize_arrays(tensor, mean, std)
        if fast is not None:
            return fast
        tensor = tensor.clone()
    mean = torchlet.as_tensor(mean, dtype=tensor.dtype)
    std = torchlet.as_tensor(std, dtype=tensor.dtype)
    if (std == 0).any():
        raise ValueError(f"std evaluated to zero after conversion to {tensor.dtype}, leading to division by zero.")
    if mean.ndim == 1:
        mean = mean.view(-1, 1, 1)
    if std.ndim == 1:
        std = std.view(-1, 1, 1)
    return tensor.sub_(mean).div_(std)


def _normalize_arrays(tensor, mean, std):
    """normalize's common case (every image of a DataLoader) on arrays: a contiguous float32/64
    tensor outside any graph, mean and std sequences of numbers, one per channel or one for all:
    (x - mean) / std in the tensor's dtype, the two ops clone().sub_().div_() compute, into one
    new buffer (a third of the epoch went to the tensor ops' bookkeeping). None when it does
    not apply: the tensor path runs, with its errors."""
    a = tensor._data
    if tensor._requires_grad or a.dtype.kind != "f" or a.itemsize < 4 or not a.flags.c_contiguous:
        return None
    if type(mean) not in (tuple, list) or type(std) not in (tuple, list):
        return None
    c = a.shape[-3]
    for seq in (mean, std):
        if len(seq) not in (1, c) or any(type(v) not in (float, int) for v in seq):
            return None
    xp = tensor._xp
    m = xp.asarray(mean, dtype=a.dtype).reshape(-1, 1, 1)
    sd = xp.asarray(std, dtype=a.dtype).reshape(-1, 1, 1)
    if not sd.all():
        return None  # a zero std: the tensor path raises
    r = xp.subtract(a, m)
    xp.divide(r, sd, out=r)
    return wrap(r)


def erase(img, i, j, h, w, v, inplace=False):
    _assert_image_tensor(img)
    if not inplace:
        img = img.clone()
    img[..., i : i + h, j : j + w] = v
    return img


def convert_image_dtype(image, dtype):
    a = _arr(image)
    src, dst = a.dtype, np.dtype(torchlet.empty(0, dtype=dtype).numpy().dtype)
    if src == dst:
        return image
    if np.issubdtype(src, np.floating):
        if np.issubdtype(dst, np.floating):
            return image.to(dtype)
        if (src == np.float32 and dst in (np.int32, np.int64)) or (src == np.float64 and dst == np.int64):
            raise RuntimeError(f"The cast from {image.dtype} to {dtype} cannot be performed safely.")
        eps = 1e-3
        return _wrap((a * (_INT_MAX[dst] + 1.0 - eps)).astype(dst))
    if np.issubdtype(dst, np.floating):
        return _wrap(a.astype(dst) / dst.type(_INT_MAX[src]))
    smax, dmax = _INT_MAX[src], _INT_MAX[dst]
    if smax > dmax:
        factor = (smax + 1) // (dmax + 1)
        return _wrap((a // factor).astype(dst))
    factor = (dmax + 1) // (smax + 1)
    return _wrap(a.astype(dst) * factor)


def gaussian_blur(img, kernel_size, sigma):
    a = _arr(img)
    work = a.dtype.type if np.issubdtype(a.dtype, np.floating) else np.float32
    kx, ky = (_gauss1d(k, s).astype(work) for k, s in zip(kernel_size, sigma))
    pad_w = [(0, 0)] * (a.ndim - 2) + [(ky.size // 2,) * 2, (kx.size // 2,) * 2]
    x = np.pad(a.astype(work, copy=False), pad_w, "reflect")
    # separable correlation: rows then columns
    h, w = a.shape[-2:]
    x = sum(kx[k] * x[..., :, k : k + w] for k in range(kx.size))
    x = sum(ky[k] * x[..., k : k + h, :] for k in range(ky.size))
    return _wrap(_to_dtype(x, a.dtype))


def _gauss1d(size, sigma):
    half = (size - 1) * 0.5
    x = np.linspace(-half, half, size)
    pdf = np.exp(-0.5 * (x / sigma) ** 2)
    return pdf / pdf.sum()
