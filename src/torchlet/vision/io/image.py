"""torchvision.io.image on Pillow: read/decode images to uint8 (C, H, W) tensors, encode/write PNG
and JPEG. Decoding goes through the same libraries torchvision links (libpng's lossless PNG, libjpeg's
JPEG, decoded to grayscale in the decoder for GRAY), so the pixels are torchvision's. A colour PNG
read as GRAY/GRAY_ALPHA takes libpng's integer luma, not Pillow's (see `_png_gray`)."""

import io
import os
from enum import Enum

import numpy as np
from PIL import Image, ImageOps

import torchlet
from ..._atomic import atomic_open

__all__ = [
    "ImageReadMode",
    "decode_image",
    "decode_jpeg",
    "decode_png",
    "encode_jpeg",
    "encode_png",
    "read_file",
    "read_image",
    "write_file",
    "write_jpeg",
    "write_png",
]


class ImageReadMode(Enum):
    """How to read an image: as stored, or converted to gray / gray+alpha / RGB / RGB+alpha."""

    UNCHANGED = 0
    GRAY = 1
    GRAY_ALPHA = 2
    RGB = 3
    RGB_ALPHA = 4
    RGBA = RGB_ALPHA


_PIL_MODE = {
    ImageReadMode.GRAY: "L",
    ImageReadMode.GRAY_ALPHA: "LA",
    ImageReadMode.RGB: "RGB",
    ImageReadMode.RGB_ALPHA: "RGBA",
}


def read_file(path):
    """The bytes of a file as a 1-D uint8 tensor."""
    try:
        with open(os.fspath(path), "rb") as f:
            data = f.read()
    except OSError as e:
        raise RuntimeError(str(e)) from None
    return torchlet.from_numpy(np.frombuffer(data, dtype=np.uint8).copy())


def write_file(filename, data):
    """Write a 1-D uint8 tensor's bytes to a file (atomically)."""
    raw = _bytes(data, "write_file")
    with atomic_open(filename) as fh:
        fh.write(raw)


def _bytes(data, who):
    if not isinstance(data, torchlet.Tensor):
        raise TypeError(f"{who}: expected a Tensor, got {type(data).__name__}")
    if data.dtype != torchlet.uint8:
        raise RuntimeError("Expected a torch.uint8 tensor")
    if data.dim() != 1 or data.numel() == 0:
        raise RuntimeError("Expected a non empty 1-dimensional tensor")
    return data.contiguous().numpy().tobytes()


def _mode(mode):
    if isinstance(mode, str):
        mode = ImageReadMode[mode.upper()]
    if not isinstance(mode, ImageReadMode):
        raise TypeError(f"mode should be an ImageReadMode or a string, got {type(mode).__name__}")
    return mode


def _to_tensor(img):
    arr = np.array(img)  # a PIL image or an (H, W[, C]) uint8 array
    arr = arr[:, :, None] if arr.ndim == 2 else arr
    return torchlet.from_numpy(np.ascontiguousarray(arr.transpose(2, 0, 1)))


def _decode(raw, mode, apply_exif_orientation, expect=None):
    mode = _mode(mode)
    try:
        img = Image.open(io.BytesIO(raw))
    except Exception:
        if expect == "PNG":
            raise RuntimeError("Content is not png!") from None
        if expect == "JPEG":
            raise RuntimeError(f"Not a JPEG file: starts with 0x{raw[0]:02x} 0x{raw[1]:02x}") from None
        raise RuntimeError("Unsupported image file. Only jpeg, png, webp and gif are currently supported.") from None
    fmt = img.format
    if expect is not None and fmt != expect:
        if expect == "PNG":
            raise RuntimeError("Content is not png!")
        raise RuntimeError(f"Not a JPEG file: starts with 0x{raw[0]:02x} 0x{raw[1]:02x}")
    if fmt == "JPEG":
        if mode in (ImageReadMode.GRAY_ALPHA, ImageReadMode.RGB_ALPHA):
            raise RuntimeError("The provided mode is not supported for JPEG files")
        if mode is ImageReadMode.GRAY:
            img.draft("L", img.size)  # libjpeg's own grayscale output (the Y channel), as torchvision
    if apply_exif_orientation:
        img = ImageOps.exif_transpose(img)
    if mode is ImageReadMode.UNCHANGED:
        if img.mode == "P":
            img = img.convert("RGBA" if "transparency" in img.info else "RGB")
        elif img.mode not in ("L", "LA", "RGB", "RGBA"):
            img = img.convert("RGBA" if "A" in img.mode else "RGB")
    elif fmt == "PNG" and mode in (ImageReadMode.GRAY, ImageReadMode.GRAY_ALPHA) and img.mode not in ("L", "LA"):
        return _png_gray(img, alpha=mode is ImageReadMode.GRAY_ALPHA)
    elif img.mode != _PIL_MODE[mode]:
        img = img.convert(_PIL_MODE[mode])
    return _to_tensor(img)


def _png_gray(img, alpha):
    """A colour PNG as gray the way torchvision's libpng call does it: png_set_rgb_to_gray with
    red 0.2989 and green 0.587 in 15-bit fixed point (9794, 19234, blue the rest: 3740), and the
    sum truncated: gray = (9794 r + 19234 g + 3740 b) >> 15, no gamma correction. Pillow rounds
    ITU-R 601 in 16 bits instead, which is 1 off for about half the pixels."""
    rgba = np.asarray(img.convert("RGBA"), dtype=np.uint32)
    r, g, b = rgba[..., 0], rgba[..., 1], rgba[..., 2]
    gray = ((9794 * r + 19234 * g + 3740 * b) >> 15).astype(np.uint8)
    return _to_tensor(np.dstack([gray, rgba[..., 3].astype(np.uint8)]) if alpha else gray)


def decode_image(input, mode=ImageReadMode.UNCHANGED, apply_exif_orientation=False):
    """Decode a PNG/JPEG/GIF/WebP (bytes as a 1-D uint8 tensor, or a path) to uint8 (C, H, W)."""
    if not isinstance(input, torchlet.Tensor):
        input = read_file(str(input))
    return _decode(_bytes(input, "decode_image"), mode, apply_exif_orientation)


def read_image(path, mode=ImageReadMode.UNCHANGED, apply_exif_orientation=False):
    """Read an image file into a uint8 (C, H, W) tensor."""
    return decode_image(read_file(path), mode, apply_exif_orientation=apply_exif_orientation)


def decode_png(input, mode=ImageReadMode.UNCHANGED, apply_exif_orientation=False):
    return _decode(_bytes(input, "decode_png"), mode, apply_exif_orientation, expect="PNG")


def decode_jpeg(input, mode=ImageReadMode.UNCHANGED, device="cpu", apply_exif_orientation=False):
    if isinstance(input, (list, tuple)):
        return [decode_jpeg(i, mode, device, apply_exif_orientation) for i in input]
    return _decode(_bytes(input, "decode_jpeg"), mode, apply_exif_orientation, expect="JPEG")


def _image(input, who, channels):
    if input.dtype != torchlet.uint8:
        raise RuntimeError("Input tensor dtype should be uint8")
    if input.dim() != 3:
        raise RuntimeError(f"Input data should be a 3-dimensional tensor, got {input.dim()} dims.")
    if input.shape[0] not in channels:
        raise RuntimeError(f"The number of channels should be 1 or 3, got: {input.shape[0]}")
    arr = input.contiguous().numpy().transpose(1, 2, 0)
    return Image.fromarray(np.ascontiguousarray(arr[:, :, 0] if arr.shape[2] == 1 else arr))


def encode_png(input, compression_level=6):
    """uint8 (1 or 3, H, W) -> PNG bytes as a 1-D uint8 tensor."""
    if not 0 <= compression_level <= 9:
        raise ValueError(f"Compression level should be between 0 and 9, got {compression_level}")
    buf = io.BytesIO()
    _image(input, "encode_png", (1, 3)).save(buf, format="PNG", compress_level=compression_level)
    return torchlet.from_numpy(np.frombuffer(buf.getvalue(), dtype=np.uint8).copy())


def write_png(input, filename, compression_level=6):
    write_file(filename, encode_png(input, compression_level))


def encode_jpeg(input, quality=75):
    """uint8 (1 or 3, H, W) (or a list of them) -> JPEG bytes as a 1-D uint8 tensor."""
    if isinstance(input, (list, tuple)):
        return [encode_jpeg(i, quality) for i in input]
    if not 1 <= quality <= 100:
        raise ValueError(f"Image quality should be a positive number between 1 and 100, got {quality}")
    buf = io.BytesIO()
    _image(input, "encode_jpeg", (1, 3)).save(buf, format="JPEG", quality=quality)
    return torchlet.from_numpy(np.frombuffer(buf.getvalue(), dtype=np.uint8).copy())


def write_jpeg(input, filename, quality=75):
    write_file(filename, encode_jpeg(input, quality))
