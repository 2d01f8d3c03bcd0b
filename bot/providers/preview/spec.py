"""What the preview renderer is asked for (:class:`PreviewSpec` with its
:class:`RenderReference` list), the :class:`RenderError` it raises, and the up-front checks
that every reference can be opened and has the stream it is needed for.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import av
from PIL import Image, ImageOps, UnidentifiedImageError

from bot.errors import PhrasedError
from bot.words import say


@dataclass(frozen=True)
class RenderReference:
    """One reference attached to the session, as the renderer sees it.

    ``kind`` is the media kind, ``path`` a local file, ``tag`` the prompt tag (``"@image1"``),
    ``role`` the role key (``"first_frame"``, ``"audio_extraction"``, ...) and ``role_label``
    its human label (``"first frame"``).
    """

    kind: Literal["image", "video", "audio"]
    path: Path
    tag: str
    role: str
    role_label: str


@dataclass(frozen=True)
class PreviewSpec:
    """What to render.

    ``width``/``height`` in pixels (even), ``duration_s`` in seconds (4–15 in the bot; any
    value in (0, 60] is accepted), ``fps`` frames per second, ``references`` in tag order.
    """

    width: int
    height: int
    duration_s: float
    prompt: str
    references: tuple[RenderReference, ...]
    generate_audio: bool = True
    fps: int = 24
    label: str = "PREVIEW"


class RenderError(PhrasedError):
    """A reference cannot be used (undecodable, missing stream); its phrase is safe to show
    to a member."""


def validate_spec(spec: PreviewSpec) -> None:
    for name, value in (("width", spec.width), ("height", spec.height)):
        if value < 16 or value > 4096 or value % 2:
            raise ValueError(f"{name} must be an even number of pixels in 16–4096, got {value}")
    if not (0 < spec.duration_s <= 60) or not math.isfinite(spec.duration_s):
        raise ValueError(f"duration_s must be in (0, 60], got {spec.duration_s}")
    if not (1 <= spec.fps <= 120):
        raise ValueError(f"fps must be in 1–120, got {spec.fps}")


def probe_reference(ref: RenderReference) -> None:
    if not ref.path.is_file():
        raise RenderError(say("preview-missing", tag=ref.tag))
    if ref.kind == "image":
        load_image(ref).close()
        return
    want_audio = ref.kind == "audio" or ref.role == "audio_extraction"
    want_video = ref.kind == "video"
    try:
        with av.open(str(ref.path)) as container:
            if want_video and not container.streams.video:
                raise RenderError(say("preview-no-picture", tag=ref.tag))
            if want_audio and not container.streams.audio:
                if ref.kind == "audio":
                    raise RenderError(say("preview-no-sound", tag=ref.tag))
                raise RenderError(say("preview-no-sound", tag=ref.tag))
            if want_video:
                next(container.decode(video=0))
            if want_audio:
                next(container.decode(audio=0))
    except RenderError:
        raise
    except (av.FFmpegError, StopIteration, OSError, ValueError) as exc:
        raise RenderError(say("preview-unreadable", tag=ref.tag)) from exc


def short_reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "..."


# --------------------------------------------------------------------------- images


def load_image(ref: RenderReference, target: tuple[int, int] | None = None) -> Image.Image:
    """Open an image reference as RGB (EXIF-rotated, alpha flattened onto dark grey)."""
    try:
        with Image.open(ref.path) as im:
            if target is not None and im.format == "JPEG":
                im.draft("RGB", target)
            im.seek(0)
            im.load()
            upright = ImageOps.exif_transpose(im)
            mode = upright.mode
            if mode in ("RGBA", "LA", "PA") or (mode == "P" and "transparency" in upright.info):
                rgba = upright.convert("RGBA")
                bg = Image.new("RGBA", rgba.size, (24, 24, 28, 255))
                bg.alpha_composite(rgba)
                rgb = bg.convert("RGB")
            else:
                rgb = upright.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise RenderError(say("preview-unreadable", tag=ref.tag)) from exc
    if rgb.width < 1 or rgb.height < 1:
        raise RenderError(say("preview-unreadable", tag=ref.tag))
    return rgb
