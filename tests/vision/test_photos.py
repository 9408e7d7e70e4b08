from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from shelf_assets.vision import photos
from shelf_assets.vision.photos import PhotoError, decode_photo, probe_photo


def _jpeg(size: tuple[int, int], orientation: int = 1, quality: int = 90) -> bytes:
    """Stored pixels carry a marker in their top-left corner so the upright result can be checked."""
    pixels = np.full((size[1], size[0], 3), 128, dtype=np.uint8)
    pixels[: size[1] // 4, : size[0] // 4] = (250, 20, 20)
    image = Image.fromarray(pixels)
    exif = Image.Exif()
    if orientation != 1:
        exif[0x0112] = orientation
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, exif=exif.tobytes())
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("orientation", "upright"),
    [(1, (1600, 1200)), (3, (1600, 1200)), (6, (1200, 1600)), (8, (1200, 1600))],
)
def test_exif_orientation_gives_upright_size_and_scale(orientation: int, upright: tuple[int, int]) -> None:
    data = _jpeg((1600, 1200), orientation)
    info = probe_photo(data)
    assert (info.width, info.height, info.orientation) == (*upright, orientation)
    decoded = decode_photo(data, long_side=800)
    assert decoded.original_size == upright
    assert max(decoded.image.size) == 800
    assert decoded.image.width / decoded.image.height == pytest.approx(upright[0] / upright[1], rel=0.01)
    assert decoded.scale == pytest.approx(decoded.image.width / upright[0])


def test_orientation_puts_the_stored_corner_where_exif_says() -> None:
    decoded = decode_photo(_jpeg((1600, 1200), 6), long_side=800)
    pixels = np.asarray(decoded.image)
    # Orientation 6 = rotate 90 degrees clockwise to view: the stored top-left corner ends top-right.
    assert pixels[20, -20, 0] > 200 and pixels[20, 20, 0] < 180


@pytest.mark.parametrize("size", [(4032, 3024), (2016, 1512), (1600, 1200), (3264, 2448)])
def test_draft_decode_returns_the_working_long_side(size: tuple[int, int]) -> None:
    decoded = decode_photo(_jpeg(size), long_side=photos.WORKING_LONG_SIDE)
    assert max(decoded.image.size) == photos.WORKING_LONG_SIDE
    assert decoded.image.mode == "RGB"
    assert decoded.original_size == size


def test_truncated_jpeg_is_reported_as_truncated() -> None:
    data = _jpeg((1600, 1200))
    with pytest.raises(PhotoError) as caught:
        decode_photo(data[: int(len(data) * 0.4)])
    assert "truncated" in caught.value.reason


def test_truncation_still_surfaces_when_pillow_is_told_to_hide_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from PIL import ImageFile

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    data = _jpeg((1600, 1200))
    with pytest.raises(PhotoError, match="truncated"):
        decode_photo(data[: int(len(data) * 0.4)])


def test_random_bytes_are_not_an_image() -> None:
    data = np.random.default_rng(3).integers(0, 256, 5000, dtype=np.uint8).tobytes()
    with pytest.raises(PhotoError, match="not an image"):
        probe_photo(data)
    with pytest.raises(PhotoError, match="not an image"):
        decode_photo(data)


def test_empty_file_is_rejected() -> None:
    with pytest.raises(PhotoError, match="empty"):
        decode_photo(b"")


def test_gif_is_an_unsupported_format() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (1000, 800), (10, 200, 10)).save(buffer, "GIF")
    with pytest.raises(PhotoError, match="unsupported format GIF"):
        decode_photo(buffer.getvalue())


def test_tiny_image_is_too_small() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (10, 10, 10)).save(buffer, "PNG")
    with pytest.raises(PhotoError, match="too small"):
        probe_photo(buffer.getvalue())


def test_decompression_bomb_is_refused_before_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(photos, "MAX_PIXELS", 1_000_000)
    with pytest.raises(PhotoError, match="decompression-bomb"):
        decode_photo(_jpeg((1600, 1200)))


def test_png_with_alpha_decodes_to_rgb_at_working_size() -> None:
    buffer = io.BytesIO()
    Image.new("RGBA", (1600, 1200), (10, 200, 10, 128)).save(buffer, "PNG")
    decoded = decode_photo(buffer.getvalue(), long_side=1000)
    assert decoded.image.mode == "RGB" and decoded.image.size == (1000, 750)
    assert decoded.scale == pytest.approx(1000 / 1600)
