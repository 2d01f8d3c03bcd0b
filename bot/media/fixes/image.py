"""Image fixes: any decodable image converted into a PNG or JPEG within 300–6000 px per
side (seeds 000, 001, 002, 004).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Literal

from PIL import Image, ImageOps

from bot.media.fixes._common import (
    FixError,
    Progress,
    atomic_output,
    report,
    resize_into_sides,
)
from bot.media.probe import MAX_DECODE_PIXELS
from bot.seedance.limits import DEFAULT_LIMITS, Limits
from bot.words import say

JPEG_QUALITY = 92


def fit_image(
    src: Path,
    out_path: Path,
    limits: Limits = DEFAULT_LIMITS,
    progress: Progress | None = None,
    fmt: Literal["png", "jpeg"] | None = None,
) -> Path:
    """Convert an image into a PNG or JPEG whose sides are within the image limits.

    Cures "images must be JPEG/PNG/WebP" (BMP/TIFF/GIF/animated WebP are converted; an
    animated image becomes its first frame) and "300–6000 px per side" (seeds 000, 001,
    002, 004): small images are enlarged with LANCZOS, large ones reduced, aspect kept.
    The EXIF orientation is applied. The output is JPEG when the source is a (photographic)
    JPEG, else PNG, unless ``fmt`` says otherwise; alpha is flattened onto white for JPEG.
    An automatic PNG that would pass the byte cap (30 MB) is written as JPEG instead.

    Raises:
        FixError: undecodable image, too large to open safely, or an aspect ratio too
            extreme for both side bounds.
    """
    row = limits.image
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(src) as opened:
                if opened.width * opened.height > MAX_DECODE_PIXELS:
                    raise FixError(say("unreadable-image-too-large"))
                source_format = (opened.format or "").upper()
                opened.seek(0)  # first frame of an animated GIF/WebP/multi-page TIFF
                first = opened.copy() if getattr(opened, "n_frames", 1) > 1 else opened
                image = ImageOps.exif_transpose(first)
                image.load()
    except FixError:
        raise
    except Exception as exc:  # Pillow raises many types for corrupt files
        raise FixError(say("unreadable-image-damaged")) from exc
    report(progress, 0.3)
    chosen = fmt or ("jpeg" if source_format in ("JPEG", "MPO") else "png")
    image = _normalise_mode(image, chosen)
    image = resize_into_sides(image, row.min_side_px, row.max_side_px)
    report(progress, 0.7)
    with atomic_output(out_path) as tmp:
        _save_image(image, tmp, chosen)
        if fmt is None and chosen == "png" and tmp.stat().st_size > row.max_bytes:
            _save_image(_normalise_mode(image, "jpeg"), tmp, "jpeg")
    report(progress, 1.0)
    return out_path


def _normalise_mode(image: Image.Image, fmt: str) -> Image.Image:
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    if fmt == "jpeg":
        if has_alpha:
            rgba = image.convert("RGBA")
            flat = Image.new("RGB", rgba.size, (255, 255, 255))
            flat.paste(rgba, mask=rgba.getchannel("A"))
            return flat
        return image if image.mode in ("RGB", "L") else image.convert("RGB")
    if image.mode in ("RGB", "RGBA", "L", "LA"):
        return image
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        return image.point(lambda v: v / 256).convert("L")
    return image.convert("RGBA" if has_alpha else "RGB")


def _save_image(image: Image.Image, path: Path, fmt: str) -> None:
    if fmt == "jpeg":
        image.save(path, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    else:
        image.save(path, format="PNG", optimize=False, compress_level=6)
