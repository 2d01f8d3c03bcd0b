"""What an image shows, as a few simple measurements, so a new image's role can be
suggested from its looks (:func:`bot.seedance.roles.suggest_image_role`).

What it measures (on a copy whose long side is :data:`ANALYSIS_SIDE` px, so a 6000 px photo
costs what a thumbnail does):

- **edges**: OpenCV's Canny detector (thresholds 80/160) on the grey copy; the fraction
  of edge pixels, how evenly they spread over a 4×4 grid (the cells' coefficient of
  variation) and how much denser they are in the middle half than overall;
- **a plain border**: the fraction of pixels in a band of 8 % of the short side around
  the edge whose colour is within 24 levels (per channel) of the band's median colour;
- **a face**: the caller's realistic-face pre-check (:mod:`bot.media.faces`).

Synchronous and CPU-bound: the caller runs it on the media pool. An image Pillow cannot
open measures as nothing in particular (no edges, no plain border) rather than failing:
intake has refused such files already.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps

from bot.seedance.roles import ImageLooks

__all__ = ["ANALYSIS_SIDE", "measure_image"]

ANALYSIS_SIDE = 256  # px, the long side of the copy that is measured
_CANNY = (80, 160)
_GRID = 4
_BORDER = 0.08  # of the short side
_SAME_COLOUR = 24  # levels per channel
_MAX_PIXELS = 2 * 6000 * 6000  # decompression-bomb guard, as bot.media.probe
_ORIENTATION = 0x0112  # EXIF: 5–8 turn the picture a quarter
_QUARTER_TURNS = {5, 6, 7, 8}


def measure_image(path: Path, face: bool = False) -> ImageLooks:
    """Measure the image at ``path`` (its first frame); ``face`` is the face pre-check's
    finding, carried into the result."""
    try:
        with Image.open(path) as img:
            if img.width * img.height > _MAX_PIXELS:
                return ImageLooks(img.width, img.height, face, 0.0, 1.0, 1.0, 0.0)
            width, height = img.size
            if img.getexif().get(_ORIENTATION) in _QUARTER_TURNS:
                width, height = height, width
            img.draft("RGB", (ANALYSIS_SIDE, ANALYSIS_SIDE))  # JPEG: DCT-scale while decoding
            upright = ImageOps.exif_transpose(img).convert("RGB")
    except (OSError, ValueError, Image.DecompressionBombError):
        return ImageLooks(1, 1, face, 0.0, 1.0, 1.0, 0.0)
    upright.thumbnail((ANALYSIS_SIDE, ANALYSIS_SIDE), Image.Resampling.LANCZOS)
    rgb = np.asarray(upright, dtype=np.uint8)
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    edges = cv2.Canny(grey, *_CANNY) > 0
    density = float(edges.mean())
    rows, cols = edges.shape
    cells = np.array(
        [
            edges[i * rows // _GRID : (i + 1) * rows // _GRID,
                  j * cols // _GRID : (j + 1) * cols // _GRID].mean()
            for i in range(_GRID)
            for j in range(_GRID)
        ]
    )  # fmt: skip
    spread = float(cells.std() / cells.mean()) if cells.mean() > 0 else 1.0
    middle = edges[rows // 4 : rows - rows // 4, cols // 4 : cols - cols // 4]
    centre = float(middle.mean() / density) if density > 0 else 1.0
    return ImageLooks(width, height, face, density, spread, centre, _plain_border(rgb))


def _plain_border(rgb: np.ndarray) -> float:
    """The fraction of the border band's pixels close to its median colour."""
    band = max(2, round(min(rgb.shape[:2]) * _BORDER))
    border = np.concatenate(
        [
            rgb[:band].reshape(-1, 3),
            rgb[-band:].reshape(-1, 3),
            rgb[band:-band, :band].reshape(-1, 3),
            rgb[band:-band, -band:].reshape(-1, 3),
        ]
    ).astype(np.int16)
    median = np.median(border, axis=0)
    close = np.abs(border - median).max(axis=1) <= _SAME_COLOUR
    return float(close.mean())
