"""Image operations on PIL images, done the way torchvision does them (Pillow calls)."""

import numbers

import numpy as np
from PIL import Image, ImageEnhance, ImageOps


def _is_pil_image(img):
    return isinstance(img, Image.Image)


def _check(img):
    if not _is_pil_image(img):
        raise TypeError(f"img should be PIL Image. Got {type(img)}")


def get_dimensions(img):
    _check(img)
    width, height = img.size
    return [len(img.getbands()), height, width]


def _fromarray(arr, mode):
    """Image.fromarray with an explicit mode, without Pillow's deprecated `mode=` argument."""
    arr = np.ascontiguousarray(arr)
    if mode in ("L", "RGB", "RGBA", "LA", "I", "F", "CMYK", "RGBX") or mode is None:
        try:
            img = Image.fromarray(arr)
            if mode is None or img.mode == mode:
                return img
        except TypeError:
            pass
    return Image.frombytes(mode, (arr.shape[1], arr.shape[0]), arr.tobytes())


def hflip(img):
    _check(img)
    return img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)


def vflip(img):
    _check(img)
    return img.transpose(Image.Transpose.FLIP_TOP_BOTTOM)


def _enhance(img, enhancer, factor):
    _check(img)
    return enhancer(img).enhance(factor)


def adjust_brightness(img, factor):
    return _enhance(img, ImageEnhance.Brightness, factor)


def adjust_contrast(img, factor):
    return _enhance(img, ImageEnhance.Contrast, factor)


def adjust_saturation(img, factor):
    return _enhance(img, ImageEnhance.Color, factor)


def adjust_hue(img, hue_factor):
    if not (-0.5 <= hue_factor <= 0.5):
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    _check(img)
    mode = img.mode
    if mode in {"L", "1", "I", "F"}:
        return img
    h, s, v = img.convert("HSV").split()
    hue = np.array(h, dtype=np.uint8)
    # the shift wraps around modulo 256, as uint8 addition does
    hue += np.int32(hue_factor * 255).astype(np.uint8)
    h = _fromarray(hue, "L")
    return Image.merge("HSV", (h, s, v)).convert(mode)


def _parse_fill(fill, img, name="fillcolor"):
    channels = len(img.getbands())
    if fill is None:
        fill = 0
    if isinstance(fill, (int, float)) and channels > 1:
        fill = tuple([fill] * channels)
    if isinstance(fill, (list, tuple)):
        if len(fill) == 1:
            fill = fill * channels
        elif len(fill) != channels:
            raise ValueError(
                "The number of elements in 'fill' does not match the number of channels "
                f"of the image ({len(fill)} != {channels})"
            )
        fill = tuple(fill)
    if img.mode != "F":
        fill = tuple(int(x) for x in fill) if isinstance(fill, tuple) else int(fill)
    return {name: fill}


def _ltrb(padding):
    """padding as int / (all,) / (lr, tb) / (l, t, r, b) -> [l, t, r, b]."""
    if isinstance(padding, numbers.Number):
        return [int(padding)] * 4
    if len(padding) == 1:
        return [int(padding[0])] * 4
    if len(padding) == 2:
        return [int(padding[0]), int(padding[1])] * 2
    return [int(p) for p in padding]


def pad(img, padding, fill=0, padding_mode="constant"):
    _check(img)
    if not isinstance(padding, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate padding arg")
    if fill is not None and not isinstance(fill, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate fill arg")
    if not isinstance(padding_mode, str):
        raise TypeError("Got inappropriate padding_mode arg")
    if isinstance(padding, (tuple, list)) and len(padding) not in (1, 2, 4):
        raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} element tuple")
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    if padding_mode == "constant":
        border = padding[0] if isinstance(padding, (tuple, list)) and len(padding) == 1 else padding
        border = tuple(border) if isinstance(border, list) else border
        palette = img.getpalette() if img.mode == "P" else None
        out = ImageOps.expand(img, border=border, **_parse_fill(fill, img, name="fill"))
        if palette is not None:
            out.putpalette(palette)
        return out
    p = _ltrb(padding)
    crop = [max(-x, 0) for x in p]
    if any(crop):
        img = img.crop((crop[0], crop[1], img.width - crop[2], img.height - crop[3]))
    left, top, right, bottom = [max(x, 0) for x in p]
    palette = img.getpalette() if img.mode == "P" else None
    arr = np.asarray(img)
    widths = ((top, bottom), (left, right)) + (((0, 0),) if arr.ndim == 3 else ())
    out = Image.fromarray(np.pad(arr, widths, padding_mode))
    if palette is not None:
        out.putpalette(palette)
    return out


def crop(img, top, left, height, width):
    _check(img)
    return img.crop((left, top, left + width, top + height))


def resize(img, size, interpolation):
    """size = [h, w]; Pillow's own resampling (always antialiased)."""
    _check(img)
    return img.resize((size[1], size[0]), interpolation)


def rotate(img, angle, interpolation, expand=False, center=None, fill=None):
    _check(img)
    return img.rotate(angle, interpolation, expand, center, **_parse_fill(fill, img))


def to_grayscale(img, num_output_channels):
    _check(img)
    if num_output_channels == 1:
        return img.convert("L")
    if num_output_channels == 3:
        gray = np.array(img.convert("L"), dtype=np.uint8)
        return _fromarray(np.dstack([gray, gray, gray]), "RGB")
    raise ValueError("num_output_channels should be either 1 or 3")


def invert(img):
    _check(img)
    return ImageOps.invert(img)


def affine(img, matrix, interpolation=Image.NEAREST, fill=None):
    """`matrix`: the inverse map, output pixel -> input pixel (2x3, row-major)."""
    _check(img)
    return img.transform(img.size, Image.AFFINE, matrix, interpolation, **_parse_fill(fill, img))


def perspective(img, perspective_coeffs, interpolation=Image.BICUBIC, fill=None):
    _check(img)
    return img.transform(img.size, Image.PERSPECTIVE, perspective_coeffs, interpolation, **_parse_fill(fill, img))


def posterize(img, bits):
    _check(img)
    return ImageOps.posterize(img, bits)


def solarize(img, threshold):
    _check(img)
    return ImageOps.solarize(img, threshold)


def adjust_sharpness(img, sharpness_factor):
    return _enhance(img, ImageEnhance.Sharpness, sharpness_factor)


def autocontrast(img):
    _check(img)
    return ImageOps.autocontrast(img)


def equalize(img):
    _check(img)
    return ImageOps.equalize(img)
