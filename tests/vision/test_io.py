"""vision.io vs torchvision.io: decoded pixels (PNG, JPEG, every ImageReadMode), read_file bytes,
PNG/JPEG encode round trips, EXIF orientation, and the error classes."""

import numpy as np
import pytest
from conftest import require
from PIL import Image

import torchlet
from torchlet.vision import io as IO

TIO = require("torchvision.io")


@pytest.fixture
def images(tmp_path):
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (23, 31, 3), dtype=np.uint8)
    paths = {}
    for name, arr in (
        ("rgb.png", rgb),
        ("rgba.png", np.dstack([rgb, rgb[..., 1]])),
        ("l.png", rgb[..., 0]),
        ("la.png", np.dstack([rgb[..., 0], rgb[..., 2]])),
        ("rgb.jpg", rgb),
        ("l.jpg", rgb[..., 0]),
        ("p.png", Image.fromarray(rgb).quantize(64)),
    ):
        paths[name] = tmp_path / name
        (arr if isinstance(arr, Image.Image) else Image.fromarray(arr)).save(paths[name], quality=85)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated 90 degrees
    paths["exif.jpg"] = tmp_path / "exif.jpg"
    Image.fromarray(rgb).save(paths["exif.jpg"], exif=exif)
    return paths


# (file, mode) pairs whose decoded pixels equal torchvision's exactly
EXACT = (
    [(f, m) for f in ("rgb.png", "rgba.png", "l.png", "la.png") for m in ("UNCHANGED", "RGB", "RGB_ALPHA")]
    + [(f, m) for f in ("rgb.png", "rgba.png", "l.png", "la.png") for m in ("GRAY", "GRAY_ALPHA")]
    # a palette PNG as GRAY_ALPHA: torchvision reads the 1-channel rows as 2 channels (its bug, not matched)
    + [("p.png", "GRAY")]
    + [(f, m) for f in ("rgb.jpg", "l.jpg", "exif.jpg") for m in ("UNCHANGED", "GRAY", "RGB")]
)


@pytest.mark.parametrize("name,mode", EXACT)
def test_read_image_equals_torchvision(torch, images, name, mode):
    for exif in (False, True):
        got = IO.read_image(images[name], IO.ImageReadMode[mode], apply_exif_orientation=exif)
        expected = TIO.read_image(str(images[name]), TIO.ImageReadMode[mode], apply_exif_orientation=exif)
        assert got.dtype == torchlet.uint8 and tuple(got.shape) == tuple(expected.shape)
        np.testing.assert_array_equal(got.numpy(), expected.numpy())


def test_file_bytes_decoders_and_encoders(torch, images, tmp_path):
    data = IO.read_file(images["rgb.png"])
    expected = TIO.read_file(str(images["rgb.png"]))
    assert data.dtype == torchlet.uint8 and data.tolist() == expected.tolist()
    np.testing.assert_array_equal(IO.decode_png(data).numpy(), TIO.decode_png(expected).numpy())
    np.testing.assert_array_equal(IO.decode_image(data, "RGB").numpy(), TIO.decode_image(expected, "RGB").numpy())
    jpg, tjpg = IO.read_file(images["rgb.jpg"]), TIO.read_file(str(images["rgb.jpg"]))
    np.testing.assert_array_equal(IO.decode_jpeg(jpg).numpy(), TIO.decode_jpeg(tjpg).numpy())
    np.testing.assert_array_equal(IO.decode_image(str(images["rgb.jpg"])).numpy(), TIO.decode_image(tjpg).numpy())
    img = IO.decode_png(data)
    for level in (0, 6, 9):  # lossless: torchvision decodes our PNG to the same pixels
        encoded = IO.encode_png(img, compression_level=level)
        assert encoded.dtype == torchlet.uint8 and encoded.dim() == 1
        np.testing.assert_array_equal(TIO.decode_png(torch.from_numpy(encoded.numpy())).numpy(), img.numpy())
    IO.write_png(img[:1], tmp_path / "out.png")
    np.testing.assert_array_equal(TIO.read_image(str(tmp_path / "out.png")).numpy(), img[:1].numpy())
    IO.write_jpeg(img, tmp_path / "out.jpg", quality=95)
    ours_jpg = TIO.read_image(str(tmp_path / "out.jpg")).numpy().astype(int)
    TIO.write_jpeg(torch.from_numpy(img.numpy()), str(tmp_path / "tv.jpg"), quality=95)
    tv_jpg = TIO.read_image(str(tmp_path / "tv.jpg")).numpy().astype(int)
    assert np.abs(ours_jpg - tv_jpg).mean() < 2
    IO.write_file(tmp_path / "copy.png", data)
    assert (tmp_path / "copy.png").read_bytes() == images["rgb.png"].read_bytes()


def test_read_mode_enum(torch):
    assert list(IO.ImageReadMode.__members__) == list(TIO.ImageReadMode.__members__)
    for name, member in TIO.ImageReadMode.__members__.items():
        assert IO.ImageReadMode[name].value == member.value and str(IO.ImageReadMode[name]) == str(member)
        assert repr(IO.ImageReadMode[name]) == repr(member)
    assert IO.image.ImageReadMode.RGB is IO.ImageReadMode.RGB


def test_errors_match_torchvision(torch, images, tmp_path):
    cases = [
        lambda m, lib: m.read_file(str(tmp_path / "missing.png")),
        lambda m, lib: m.decode_image(lib.zeros(3, dtype=lib.uint8)),
        lambda m, lib: m.decode_image(lib.zeros(3, 3, dtype=lib.uint8)),
        lambda m, lib: m.decode_image(lib.zeros(3, dtype=lib.float32)),
        lambda m, lib: m.encode_png(lib.zeros(3, 4, 4)),
        lambda m, lib: m.encode_png(lib.zeros(5, 4, 4, dtype=lib.uint8)),
        lambda m, lib: m.decode_png(m.read_file(str(images["rgb.jpg"]))),
        lambda m, lib: m.decode_jpeg(m.read_file(str(images["rgb.png"]))),
        lambda m, lib: m.read_image(str(images["rgb.jpg"]), m.ImageReadMode.RGB_ALPHA),
    ]
    for case in cases:
        with pytest.raises(Exception) as theirs:
            case(TIO, torch)
        with pytest.raises(Exception) as ours:
            case(IO, torchlet)
        assert type(ours.value) is type(theirs.value)
        first = str(theirs.value).splitlines()[0]
        assert first.endswith(str(ours.value)) or str(ours.value) in first, (str(ours.value), first)
