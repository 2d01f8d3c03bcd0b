"""The project's labelled face set, generated at test time from clearly licensed material.

Nothing is copied into the repository: every image is made from files shipped inside the
scikit-image and matplotlib wheels, frames of the shared CC0 city footage
(``../shared/media/video/cityCC0.mpg``, see ``tests.conftest.MEDIA``), and faces drawn
here with Pillow.
``tests/face_set_LICENSES.md`` gives each source and its licence.

Three labels:

- ``real`` (40): photographs of real people — the NASA astronaut portrait and the US Navy
  photograph of Grace Hopper as they are, mirrored, rotated ±15°, dark, washed out, grey,
  small JPEGs and small in a wide scene; and 22 LFW face crops from ``skimage.data.lfw_subset``
  enlarged (25 px → 80–140 px) on a grey surround. A detector must flag these.
- ``drawn`` (18): faces drawn with Pillow (smileys, cartoon heads) and stylised renderings of
  the two portraits (posterised, line sketch, pixelated). No detector tells drawn from real;
  these are measured and reported, neither counted as a hit nor as a false alarm: the member
  answers keep or remove.
- ``none`` (50): no face — the scikit-image sample photos and textures, matplotlib's two
  sample pictures, six frames of the city footage, 15 LFW background crops enlarged as the
  faces are, and crops of the cat photo (a face, not a human one). A detector must not flag
  these.

``build()`` needs scikit-image (a test dependency); the city frames need the shared media.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import av
import numpy as np
import skimage.data
from matplotlib import cbook
from PIL import Image, ImageDraw, ImageFilter, ImageOps

from tests.conftest import MEDIA

CITY = MEDIA / "video" / "cityCC0.mpg"

Label = Literal["real", "drawn", "none"]

#: scikit-image sample images with no face, by ``skimage.data`` function name.
_SKIMAGE_NO_FACE = (
    "chelsea",
    "coffee",
    "rocket",
    "hubble_deep_field",
    "horse",
    "moon",
    "page",
    "text",
    "coins",
    "clock",
    "brick",
    "grass",
    "gravel",
    "logo",
    "cell",
    "retina",
    "microaneurysms",
    "immunohistochemistry",
    "colorwheel",
    "shepp_logan_phantom",
    "checkerboard",
    "binary_blobs",
)


@dataclass(frozen=True)
class Sample:
    """One labelled image: ``name`` (unique, a file stem), ``label``, the picture."""

    name: str
    label: Label
    image: Image.Image


def _rgb(array: np.ndarray) -> Image.Image:
    """A scikit-image array (uint8 or 0–1 float, grey, RGB or RGBA) as an RGB picture."""
    if array.dtype != np.uint8:
        array = (np.clip(array, 0, 1) * 255).round().astype(np.uint8)
    image = Image.fromarray(array)
    if image.mode == "RGBA":
        backdrop = Image.new("RGB", image.size, (255, 255, 255))
        backdrop.paste(image, mask=image.getchannel("A"))
        return backdrop
    return image.convert("RGB")


def _portraits() -> dict[str, Image.Image]:
    with Image.open(cbook.get_sample_data("grace_hopper.jpg")) as hopper:
        hopper.load()
        return {"astronaut": _rgb(skimage.data.astronaut()), "hopper": hopper.convert("RGB")}


def _jpeg(image: Image.Image, quality: int) -> Image.Image:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    buffer.seek(0)
    with Image.open(buffer) as decoded:
        return decoded.convert("RGB")


def _in_wide_scene(face: Image.Image, scene: Image.Image) -> Image.Image:
    """``face`` (a portrait) at a third of a 1600×1000 scene's height, off centre."""
    canvas = scene.resize((1600, 1000))
    small = face.resize((round(face.width * 330 / face.height), 330))
    canvas.paste(small, (1100, 520))
    return canvas


def _real() -> Iterator[Sample]:
    coffee = _rgb(skimage.data.coffee())
    rocket = _rgb(skimage.data.rocket())
    for name, photo in _portraits().items():
        variants = {
            "as-is": photo,
            "mirrored": ImageOps.mirror(photo),
            "rotated-left": photo.rotate(15, resample=Image.Resampling.BICUBIC, expand=True),
            "rotated-right": photo.rotate(-15, resample=Image.Resampling.BICUBIC, expand=True),
            "dark": photo.point(lambda v: round(255 * (v / 255) ** 2.2 * 0.45)),
            "washed-out": photo.point(lambda v: 110 + v * 0.45),
            "grey": ImageOps.grayscale(photo).convert("RGB"),
            "small-jpeg": _jpeg(photo.resize((photo.width * 2 // 3, photo.height * 2 // 3)), 35),
            "in-a-wide-scene": _in_wide_scene(photo, coffee if name == "hopper" else rocket),
        }
        for variant, image in variants.items():
            yield Sample(f"real-{name}-{variant}", "real", image)
    faces = _lfw()[:100]
    for index in range(0, 88, 4):  # 22 of the 100
        yield Sample(f"real-lfw-{index:03d}", "real", _enlarged(faces[index], index))


def _lfw() -> np.ndarray:
    """``skimage.data.lfw_subset()``: 100 face crops then 100 background crops, 25×25 grey."""
    return np.asarray(skimage.data.lfw_subset())


def _enlarged(crop: np.ndarray, index: int) -> Image.Image:
    """A 25 px LFW crop enlarged to 80, 100 or 140 px (by ``index``) on a grey surround."""
    side = (80, 100, 140)[index % 3]
    image = _rgb(crop).resize((side, side), Image.Resampling.BICUBIC)
    return ImageOps.expand(image, border=side // 2, fill=(128, 128, 128))


def _smiley(size: int, skin: str, ink: str, hair: bool, frown: bool) -> Image.Image:
    image = Image.new("RGB", (size, size), "white")
    draw = ImageDraw.Draw(image)
    s = size / 100
    if hair:
        draw.ellipse((14 * s, 6 * s, 86 * s, 70 * s), fill="saddlebrown")
    draw.ellipse((18 * s, 14 * s, 82 * s, 90 * s), fill=skin, outline=ink, width=max(1, size // 60))
    for x in (36, 64):
        draw.ellipse(((x - 5) * s, 40 * s, (x + 5) * s, 50 * s), fill=ink)
    draw.line((50 * s, 50 * s, 46 * s, 64 * s, 52 * s, 64 * s), fill=ink, width=max(1, size // 80))
    box = (34 * s, 64 * s, 66 * s, 80 * s)
    if frown:
        draw.arc((34 * s, 72 * s, 66 * s, 88 * s), 200, 340, fill=ink, width=max(1, size // 50))
    else:
        draw.arc(box, 20, 160, fill=ink, width=max(1, size // 50))
    return image


def _drawn() -> Iterator[Sample]:
    smileys = [
        (300, "gold", "black", False, False),
        (480, "peachpuff", "black", True, False),
        (640, "navajowhite", "saddlebrown", True, True),
        (360, "lightpink", "darkred", False, True),
        (800, "wheat", "black", True, False),
        (420, "khaki", "navy", False, False),
    ]
    for index, params in enumerate(smileys):
        yield Sample(f"drawn-smiley-{index}", "drawn", _smiley(*params))
    row = Image.new("RGB", (1200, 400), "lightblue")
    for index, params in enumerate(smileys[:3]):
        row.paste(_smiley(360, *params[1:]), (20 + index * 400, 20))
    yield Sample("drawn-smiley-row", "drawn", row)
    for name, photo in _portraits().items():
        edges = ImageOps.grayscale(photo).filter(ImageFilter.FIND_EDGES)
        posterised = ImageOps.posterize(photo.filter(ImageFilter.MedianFilter(7)), 2)
        cartoon = Image.composite(
            Image.new("RGB", photo.size, "black"), posterised, edges.point(lambda v: 255 * (v > 40))
        )
        yield Sample(f"drawn-{name}-cartoon", "drawn", cartoon)
        yield Sample(f"drawn-{name}-sketch", "drawn", ImageOps.invert(edges).convert("RGB"))
        yield Sample(f"drawn-{name}-posterised", "drawn", posterised)
        mosaic = photo.resize((photo.width // 12, photo.height // 12)).resize(photo.size, 0)
        yield Sample(f"drawn-{name}-pixelated", "drawn", mosaic)
        yield Sample(f"drawn-{name}-contour", "drawn", photo.filter(ImageFilter.CONTOUR))
    yield Sample("drawn-matplotlib-present", "drawn", _present())


def _present() -> Image.Image:
    """matplotlib's sample "present" picture with a face drawn on it (a drawn character)."""
    with Image.open(cbook.get_sample_data("Minduka_Present_Blue_Pack.png")) as present:
        canvas = Image.new("RGB", present.size, "white")
        canvas.paste(present, mask=present.convert("RGBA").getchannel("A"))
    face = _smiley(min(canvas.size) // 2, "peachpuff", "black", True, False)
    canvas.paste(face, (canvas.width // 4, canvas.height // 4))
    return canvas


def _city_frames() -> Iterator[Image.Image]:
    """Six frames of the CC0 city footage, spread over its 7.6 s."""
    if not CITY.is_file():
        return
    with av.open(str(CITY)) as container:
        frames = [f for f in container.decode(video=0)]
    for index in range(6):
        yield frames[(2 * index + 1) * len(frames) // 12].to_image()


def _none() -> Iterator[Sample]:
    for name in _SKIMAGE_NO_FACE:
        yield Sample(f"none-{name}", "none", _rgb(getattr(skimage.data, name)()))
    left, right, _disparity = skimage.data.stereo_motorcycle()
    yield Sample("none-motorcycle-left", "none", _rgb(left))
    yield Sample("none-motorcycle-right", "none", _rgb(right))
    with Image.open(cbook.get_sample_data("logo2.png")) as logo:
        yield Sample("none-matplotlib-logo", "none", _rgb(np.asarray(logo.convert("RGBA"))))
    with Image.open(cbook.get_sample_data("Minduka_Present_Blue_Pack.png")) as present:
        yield Sample("none-matplotlib-present", "none", _rgb(np.asarray(present.convert("RGBA"))))
    for index, frame in enumerate(_city_frames()):
        yield Sample(f"none-city-{index}", "none", frame)
    backgrounds = _lfw()[100:]
    for index in range(0, 100, 7)[:15]:
        yield Sample(f"none-lfw-{index:03d}", "none", _enlarged(backgrounds[index], index))
    cat = _rgb(skimage.data.chelsea())
    yield Sample("none-cat-face", "none", cat.crop((60, 0, 360, 300)).resize((600, 600)))
    yield Sample("none-cat-mirrored", "none", ImageOps.mirror(cat))
    yield Sample("none-coffee-dark", "none", _rgb(skimage.data.coffee()).point(lambda v: v // 3))


def build() -> list[Sample]:
    """The whole labelled set (see the module docstring), in a fixed order."""
    return [*_real(), *_drawn(), *_none()]


def write(samples: list[Sample], folder: Path) -> dict[str, Path]:
    """Save each sample as a PNG named after it under ``folder``; the paths by name."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for sample in samples:
        path = folder / f"{sample.name}.png"
        sample.image.save(path)
        paths[sample.name] = path
    return paths
