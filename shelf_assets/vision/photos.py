"""Turning uploaded bytes into an upright working image, decoded once and at working size.

A 12 MP phone JPEG costs ~50 ms to decode in full; libjpeg can instead decode straight at 1/2, 1/4
or 1/8 of the size (DCT scaling, Pillow's `draft`). 1008 px is 4032/4 and 2016/2, so the two most
common phone resolutions land on a DCT scale with no resize at all, and a 1000 mm bay still gets
~0.8 px per mm: a 50 mm facing is ~40 px wide, enough for shelf geometry and packshot matching.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageFile, UnidentifiedImageError

WORKING_LONG_SIDE = 1008
MIN_LONG_SIDE = 640
MAX_PIXELS = 120_000_000
SUPPORTED_FORMATS = ("JPEG", "PNG")

_EXIF_ORIENTATION_TAG = 0x0112
_TRANSPOSE_FOR_ORIENTATION: dict[int, tuple[Image.Transpose, ...]] = {
    1: (),
    2: (Image.Transpose.FLIP_LEFT_RIGHT,),
    3: (Image.Transpose.ROTATE_180,),
    4: (Image.Transpose.FLIP_TOP_BOTTOM,),
    5: (Image.Transpose.TRANSPOSE,),
    6: (Image.Transpose.ROTATE_270,),
    7: (Image.Transpose.TRANSVERSE,),
    8: (Image.Transpose.ROTATE_90,),
}


class PhotoError(Exception):
    """A photo that cannot be used, with the reason a person can act on."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class PhotoInfo:
    """Header facts of a photo; width/height are those of the upright photo."""

    format: str
    width: int
    height: int
    orientation: int


@dataclass(frozen=True)
class DecodedPhoto:
    """Upright working image plus what is needed to map its pixels back to the original.

    `scale` = working width / original upright width: a working-image box divided by `scale` is in
    original upright pixels.
    """

    image: Image.Image
    original_size: tuple[int, int]
    orientation: int
    scale: float


def _open(data: bytes) -> Image.Image:
    if not data:
        raise PhotoError("empty file: 0 bytes")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        raise PhotoError(f"decompression-bomb sized image: {exc}") from exc
    except UnidentifiedImageError as exc:
        raise PhotoError(f"not an image: no known image header in {len(data)} bytes") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise PhotoError(f"corrupt image header: {exc}") from exc


def _orientation(image: Image.Image) -> int:
    try:
        value = image.getexif().get(_EXIF_ORIENTATION_TAG, 1)
    except Exception:  # noqa: BLE001 - a broken EXIF block must not sink an otherwise good photo
        return 1
    return value if isinstance(value, int) and value in _TRANSPOSE_FOR_ORIENTATION else 1


def _upright_size(stored: tuple[int, int], orientation: int) -> tuple[int, int]:
    width, height = stored
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)


def _check_header(image: Image.Image) -> PhotoInfo:
    if image.format not in SUPPORTED_FORMATS:
        raise PhotoError(
            f"unsupported format {image.format}: expected {' or '.join(SUPPORTED_FORMATS)}"
        )
    stored_width, stored_height = image.size
    if stored_width * stored_height > MAX_PIXELS:
        raise PhotoError(
            f"decompression-bomb sized image: {stored_width}x{stored_height} is over "
            f"{MAX_PIXELS // 1_000_000} MP"
        )
    if max(stored_width, stored_height) < MIN_LONG_SIDE:
        raise PhotoError(
            f"too small: {stored_width}x{stored_height}, the long side must be at least "
            f"{MIN_LONG_SIDE} px"
        )
    orientation = _orientation(image)
    width, height = _upright_size(image.size, orientation)
    return PhotoInfo(format=image.format, width=width, height=height, orientation=orientation)


def probe_photo(data: bytes) -> PhotoInfo:
    """Read only the header: cheap enough to run on every arrival before any decode."""
    with _open(data) as image:
        return _check_header(image)


def _looks_complete(data: bytes, image_format: str) -> bool:
    """Used only when someone set LOAD_TRUNCATED_IMAGES, which makes Pillow pad truncated data silently."""
    if image_format == "JPEG":
        return data.rfind(b"\xff\xd9") > data.rfind(b"\xff\xda")
    return b"IEND" in data[-64:]


def _target_size(stored: tuple[int, int], long_side: int) -> tuple[int, int]:
    width, height = stored
    factor = long_side / max(width, height)
    return max(1, round(width * factor)), max(1, round(height * factor))


def decode_photo(data: bytes, long_side: int = WORKING_LONG_SIDE) -> DecodedPhoto:
    """Decode once, at working resolution, upright; every failure becomes a PhotoError."""
    image = _open(data)
    info = _check_header(image)
    target = _target_size(image.size, long_side)
    if info.format == "JPEG":
        image.draft("RGB", target)
    try:
        image.load()
    except OSError as exc:
        message = str(exc)
        if "truncated" in message:
            raise PhotoError(f"truncated {info.format}: {message}") from exc
        raise PhotoError(f"corrupt {info.format} data: {message}") from exc
    except (SyntaxError, ValueError) as exc:
        raise PhotoError(f"corrupt {info.format} data: {exc}") from exc
    if ImageFile.LOAD_TRUNCATED_IMAGES and not _looks_complete(data, info.format):
        raise PhotoError(f"truncated {info.format}: end-of-image marker missing")
    working = image if image.mode == "RGB" else image.convert("RGB")
    if working.size != target:
        working = working.resize(target, Image.Resampling.BILINEAR)
    for step in _TRANSPOSE_FOR_ORIENTATION[info.orientation]:
        working = working.transpose(step)
    return DecodedPhoto(
        image=working,
        original_size=(info.width, info.height),
        orientation=info.orientation,
        scale=working.width / info.width,
    )
