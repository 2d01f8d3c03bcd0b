"""Local preview renderer: the ``preview`` provider of DESIGN.md (section *Providers*).

When no provider API key is configured, the bot still produces a real, clearly labelled MP4
from a session's references so that the whole flow works with no account and no spend.
This module is pure and synchronous (no discord, no asyncio); the caller runs
:func:`render_preview` in a worker thread or process.

The output is an H.264 (yuv420p) + AAC (48 kHz stereo) MP4 with the ``moov`` atom at the
front (``movflags=+faststart``), of exactly ``round(duration_s * fps)`` frames at
``width`` x ``height``. Frames are generated and encoded one at a time, and reference videos
are decoded lazily, so memory stays bounded whatever the duration or resolution.
"""

from __future__ import annotations

import colorsys
import hashlib
import math
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Literal, Protocol

import av
import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont, ImageOps, UnidentifiedImageError

__all__ = ["PreviewSpec", "RenderError", "RenderReference", "render_preview"]

SAMPLE_RATE = 48_000
"""Output audio sample rate (Hz)."""
_AAC_FRAME = 1024
_CROSSFADE_S = 0.5
_MAX_ZOOM = 1.12
_AUDIO_FADE_OUT_S = 0.5
_AUDIO_FADE_IN_S = 0.01

FloatArray = npt.NDArray[np.float32]


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


class RenderError(Exception):
    """A reference cannot be used (undecodable, missing stream); the message is plain English
    and safe to show to a member."""


def render_preview(
    spec: PreviewSpec,
    out_path: Path,
    progress: Callable[[float], None] | None = None,
) -> None:
    """Render ``spec`` to ``out_path`` as an MP4 (the DESIGN.md ``preview`` provider).

    Output: H.264 High yuv420p video of ``spec.width`` x ``spec.height`` at ``spec.fps``,
    ``round(spec.duration_s * spec.fps)`` frames, plus an AAC 48 kHz stereo track when there is
    an audio source or ``spec.generate_audio`` is true (silent in the latter case without a
    source); no audio stream otherwise. The moov atom is written at the front (faststart).

    Visuals: image references become Ken Burns keyframe segments (cover-fit crop to the output
    aspect ratio, slow zoom and pan); a ``first_frame`` image opens the clip (shown un-zoomed on
    frame 0), a ``last_frame`` image closes it (un-zoomed on the last frame), others follow in
    tag order. Video references play their own frames (cover-fit, looped if shorter than their
    segment). Segments are joined by crossfades. A video whose role is ``audio_extraction``
    only provides audio, unless it is the only visual source. With no visual reference the
    background is an animated gradient (text-to-video). Every frame carries the prompt as a
    lower-third caption, the ``spec.label`` badge in the top-right corner and the current
    segment's tag and role in the top-left corner.

    Audio: every ``audio`` reference and the soundtrack of every ``audio_extraction`` video is
    decoded, resampled to 48 kHz stereo, mixed, trimmed or padded with silence to the duration
    and faded out over the last 0.5 s.

    ``progress`` (optional) is called with a fraction from 0.0 to 1.0 as frames are encoded.
    The file is written to a temporary name beside ``out_path`` and renamed on success, so a
    failed render never leaves a partial file.

    Raises:
        RenderError: a reference is missing, cannot be decoded, or lacks the needed stream.
        ValueError: the spec itself is invalid (odd or non-positive size, bad duration/fps).
    """
    _validate_spec(spec)
    total_frames = max(1, round(spec.duration_s * spec.fps))
    size = (spec.width, spec.height)

    # Probe every reference up front so a bad file fails fast, before any encoding.
    for ref in spec.references:
        _probe_reference(ref)

    audio = _mix_audio(spec, total_frames)
    plan = _plan_segments(spec, total_frames)
    overlay = _Overlay(spec)

    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".preview-", suffix=".mp4", dir=out_path.parent)
    os.close(fd)
    tmp_path = Path(tmp_name)
    try:
        _encode(spec, tmp_path, total_frames, size, plan, overlay, audio, progress)
        tmp_path.replace(out_path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    if progress is not None:
        progress(1.0)


# --------------------------------------------------------------------------- validation


def _validate_spec(spec: PreviewSpec) -> None:
    for name, value in (("width", spec.width), ("height", spec.height)):
        if value < 16 or value > 4096 or value % 2:
            raise ValueError(f"{name} must be an even number of pixels in 16–4096, got {value}")
    if not (0 < spec.duration_s <= 60) or not math.isfinite(spec.duration_s):
        raise ValueError(f"duration_s must be in (0, 60], got {spec.duration_s}")
    if not (1 <= spec.fps <= 120):
        raise ValueError(f"fps must be in 1–120, got {spec.fps}")


def _probe_reference(ref: RenderReference) -> None:
    if not ref.path.is_file():
        raise RenderError(f"{ref.tag} ({ref.path.name}) is missing, so the preview can't use it.")
    if ref.kind == "image":
        _load_image(ref).close()
        return
    want_audio = ref.kind == "audio" or ref.role == "audio_extraction"
    want_video = ref.kind == "video"
    try:
        with av.open(str(ref.path)) as container:
            if want_video and not container.streams.video:
                raise RenderError(f"{ref.tag} ({ref.path.name}) has no video track.")
            if want_audio and not container.streams.audio:
                if ref.kind == "audio":
                    raise RenderError(f"{ref.tag} ({ref.path.name}) has no audio track.")
                raise RenderError(
                    f"{ref.tag} ({ref.path.name}) has no audio track, so its audio can't be "
                    "extracted."
                )
            if want_video:
                next(container.decode(video=0))
            if want_audio:
                next(container.decode(audio=0))
    except RenderError:
        raise
    except (av.FFmpegError, StopIteration, OSError, ValueError) as exc:
        what = "video" if ref.kind == "video" else "audio"
        raise RenderError(
            f"{ref.tag} ({ref.path.name}) couldn't be read as {what} — the file looks damaged "
            f"or is in an unsupported format ({_short(exc)})."
        ) from exc


def _short(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "..."


# --------------------------------------------------------------------------- images


def _load_image(ref: RenderReference, target: tuple[int, int] | None = None) -> Image.Image:
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
        raise RenderError(
            f"{ref.tag} ({ref.path.name}) couldn't be opened as an image — the file looks "
            f"damaged or is in an unsupported format ({_short(exc)})."
        ) from exc
    if rgb.width < 1 or rgb.height < 1:
        raise RenderError(f"{ref.tag} ({ref.path.name}) is an empty image.")
    return rgb


def _cover_box(src: tuple[int, int], dst: tuple[int, int]) -> tuple[float, float, float, float]:
    """Centered crop box of ``src`` with the aspect ratio of ``dst`` (cover fit, no stretch)."""
    sw, sh = src
    dw, dh = dst
    scale = max(dw / sw, dh / sh)
    cw, ch = dw / scale, dh / scale
    x0, y0 = (sw - cw) / 2, (sh - ch) / 2
    return (x0, y0, x0 + cw, y0 + ch)


def _ease(t: float) -> float:
    t = min(1.0, max(0.0, t))
    return t * t * (3 - 2 * t)


# --------------------------------------------------------------------------- segments


class _Source(Protocol):
    tag: str
    role_label: str

    def frame(self, index: int) -> Image.Image:
        """Frame at ``index`` frames from the segment start, output-sized RGB."""
        ...

    def close(self) -> None: ...


class _KenBurns:
    """An image with a slow zoom and pan (cover-fit to the output aspect)."""

    def __init__(self, ref: RenderReference, size: tuple[int, int], length: int, seed: int) -> None:
        self.tag = ref.tag
        self.role_label = ref.role_label
        self.size = size
        self.length = max(1, length)
        w, h = size
        # Keep enough source resolution for the deepest zoom, but no more.
        big = (math.ceil(w * _MAX_ZOOM), math.ceil(h * _MAX_ZOOM))
        img = _load_image(ref, target=big)
        box = _cover_box(img.size, size)
        crop_w = box[2] - box[0]
        if crop_w > big[0] * 1.5:  # pre-shrink very large sources
            factor = big[0] * 1.5 / crop_w
            img = img.resize(
                (max(1, round(img.width * factor)), max(1, round(img.height * factor))),
                Image.Resampling.LANCZOS,
            )
            box = _cover_box(img.size, size)
        self.img = img
        self.box = box
        # Zoom direction: first frame starts un-zoomed, last frame ends un-zoomed.
        if ref.role == "first_frame":
            self.zoom_from, self.zoom_to = 1.0, _MAX_ZOOM
        elif ref.role == "last_frame":
            self.zoom_from, self.zoom_to = _MAX_ZOOM, 1.0
        elif seed % 2:
            self.zoom_from, self.zoom_to = 1.0, _MAX_ZOOM
        else:
            self.zoom_from, self.zoom_to = _MAX_ZOOM, 1.0
        angle = (seed * 2.399963) % (2 * math.pi)  # golden angle: varied pan directions
        self.pan = (math.cos(angle), math.sin(angle))

    def frame(self, index: int) -> Image.Image:
        t = _ease(index / max(1, self.length - 1))
        zoom = self.zoom_from + (self.zoom_to - self.zoom_from) * t
        x0, y0, x1, y1 = self.box
        cw, ch = (x1 - x0) / zoom, (y1 - y0) / zoom
        # Slack available for panning inside the cover box at this zoom.
        sx, sy = ((x1 - x0) - cw) / 2, ((y1 - y0) - ch) / 2
        # Pan is strongest mid-zoom and vanishes where the zoom is 1 (no slack anyway).
        p = 2 * t - 1
        cx = (x0 + x1) / 2 + self.pan[0] * sx * p
        cy = (y0 + y1) / 2 + self.pan[1] * sy * p
        crop = (cx - cw / 2, cy - ch / 2, cx + cw / 2, cy + ch / 2)
        return self.img.resize(self.size, Image.Resampling.BILINEAR, box=crop)

    def close(self) -> None:
        self.img.close()


class _VideoPlayback:
    """A reference video played through its segment (cover-fit, looped, decoded lazily).

    Only the current frame and one look-ahead frame are held; source frames are picked by
    timestamp, so a 30 fps source plays at its own speed in a 24 fps output (and vice versa).
    """

    def __init__(self, ref: RenderReference, size: tuple[int, int], fps: int) -> None:
        self.ref = ref
        self.tag = ref.tag
        self.role_label = ref.role_label
        self.size = size
        self.fps = fps
        self._container: av.container.InputContainer | None = None
        self._frames: Iterator[av.VideoFrame] | None = None
        # (frame, seconds since the start of the stream); times are forced to increase so
        # that files with missing or repeated timestamps still play instead of freezing.
        self._current: tuple[av.VideoFrame, float] | None = None
        self._lookahead: tuple[av.VideoFrame, float] | None = None
        self._origin: float | None = None
        self._frame_dur = 1 / fps
        self._loop_offset = 0.0  # output seconds already covered by previous loops
        self._image: Image.Image | None = None
        self._image_of: av.VideoFrame | None = None

    def _open(self) -> None:
        self.close()
        try:
            container = av.open(str(self.ref.path))
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            rate = float(stream.average_rate) if stream.average_rate else 0.0
            self._frame_dur = 1 / rate if 1 <= rate <= 240 else 1 / self.fps
        except (av.FFmpegError, OSError, IndexError) as exc:
            raise RenderError(
                f"{self.ref.tag} ({self.ref.path.name}) couldn't be decoded ({_short(exc)})."
            ) from exc
        self._container = container
        self._frames = container.decode(stream)
        self._origin = None
        self._current = self._lookahead = None
        self._current = self._next()
        if self._current is None:
            raise RenderError(f"{self.ref.tag} ({self.ref.path.name}) has no decodable frames.")
        self._lookahead = self._next()

    def _next(self) -> tuple[av.VideoFrame, float] | None:
        if self._frames is None:
            return None
        try:
            frame = next(self._frames)
        except (StopIteration, av.FFmpegError):
            return None  # end of stream, or a damaged tail: treat as the end
        raw = frame.time
        if self._origin is None:
            self._origin = float(raw) if raw is not None else 0.0
            return frame, 0.0
        prev = self._lookahead[1] if self._lookahead is not None else None
        if prev is None and self._current is not None:
            prev = self._current[1]
        t = float(raw) - self._origin if raw is not None else -1.0
        if prev is not None and t <= prev:
            t = prev + self._frame_dur
        return frame, t

    def frame(self, index: int) -> Image.Image:
        target = index / self.fps + 1e-6
        if self._current is None:
            self._open()
        while True:
            assert self._current is not None
            if self._lookahead is not None:
                if self._loop_offset + self._lookahead[1] > target:
                    break
                self._current = self._lookahead
                self._lookahead = None
                self._lookahead = self._next()
                continue
            # End of the stream: keep the last frame for its duration, then loop.
            loop_len = self._current[1] + self._frame_dur
            if self._loop_offset + loop_len > target or loop_len <= self._frame_dur * 1.5:
                break  # still showing the last frame (or a single-frame video)
            offset = self._loop_offset + loop_len
            self._open()
            self._loop_offset = offset
        current = self._current[0]
        if self._image is None or current is not self._image_of:
            img = Image.fromarray(current.to_ndarray(format="rgb24"), "RGB")
            self._image = img.resize(
                self.size, Image.Resampling.BILINEAR, box=_cover_box(img.size, self.size)
            )
            self._image_of = current
        return self._image

    def close(self) -> None:
        if self._container is not None:
            self._container.close()
        self._container = None
        self._frames = None


class _Gradient:
    """Text-to-video background: a slowly drifting two-colour gradient with a soft glow."""

    tag = ""
    role_label = ""

    def __init__(self, prompt: str, size: tuple[int, int], length: int, fps: int) -> None:
        self.size = size
        self.fps = fps
        digest = hashlib.sha256(prompt.encode("utf-8")).digest()
        hue = digest[0] / 255
        self.hues = (hue, (hue + 0.12 + digest[1] / 255 * 0.2) % 1.0)
        sw, sh = max(2, size[0] // 8), max(2, size[1] // 8)
        ys, xs = np.mgrid[0:sh, 0:sw].astype(np.float32)
        self.xs = xs / (sw - 1) - 0.5
        self.ys = (ys / (sh - 1) - 0.5) * (sh / sw)

    @staticmethod
    def _rgb(h: float, s: float, v: float) -> FloatArray:
        return np.array(colorsys.hsv_to_rgb(h % 1.0, s, v), dtype=np.float32) * 255

    def frame(self, index: int) -> Image.Image:
        t = index / self.fps
        angle = 0.6 + 0.08 * t
        c1 = self._rgb(self.hues[0] + 0.01 * t, 0.65, 0.30)
        c2 = self._rgb(self.hues[1] + 0.01 * t, 0.55, 0.55)
        g = self.xs * math.cos(angle) + self.ys * math.sin(angle) + 0.5
        g = np.clip(g, 0.0, 1.0)[..., None]
        img = c1 * (1 - g) + c2 * g
        bx, by = 0.25 * math.cos(0.35 * t), 0.15 * math.sin(0.27 * t)
        glow = np.exp(-((self.xs - bx) ** 2 + (self.ys - by) ** 2) / 0.04)[..., None]
        img = img + glow * 45.0
        small = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), "RGB")
        return small.resize(self.size, Image.Resampling.BILINEAR)

    def close(self) -> None:
        pass


@dataclass
class _Segment:
    factory: Callable[[], _Source]
    start: float  # first frame (inclusive), in output frames, may be fractional
    end: float  # last frame (exclusive)
    source: _Source | None = None
    closed: bool = False

    def get(self) -> _Source:
        if self.source is None:
            self.source = self.factory()
        return self.source

    def release(self) -> None:
        if self.source is not None:
            self.source.close()
        self.source = None
        self.closed = True


def _visual_order(refs: tuple[RenderReference, ...]) -> list[RenderReference]:
    visual = [
        r for r in refs if r.kind == "image" or (r.kind == "video" and r.role != "audio_extraction")
    ]
    if not visual:
        visual = [r for r in refs if r.kind == "video"]
    first = [r for r in visual if r.kind == "image" and r.role == "first_frame"]
    last = [r for r in visual if r.kind == "image" and r.role == "last_frame"]
    extend = [r for r in visual if r.role == "clip_to_extend"]
    middle = [r for r in visual if r not in first and r not in last and r not in extend]
    return first + extend + middle + last


def _plan_segments(spec: PreviewSpec, total: int) -> list[_Segment]:
    size = (spec.width, spec.height)
    order = _visual_order(spec.references)
    if not order:
        return [_Segment(lambda: _Gradient(spec.prompt, size, total, spec.fps), 0.0, total)]
    n = len(order)
    xf = _CROSSFADE_S * spec.fps if n > 1 else 0.0
    # n * L - (n - 1) * xf = total, with the crossfade at most a third of a segment.
    length = (total + (n - 1) * xf) / n
    if xf > length / 3:
        xf = total / (3 * n - (n - 1))  # solves xf = L / 3
        length = 3 * xf
    segments: list[_Segment] = []
    for i, ref in enumerate(order):
        start = i * (length - xf)
        end = total if i == n - 1 else start + length
        seg_len = math.ceil(end) - math.ceil(start)

        def make(ref: RenderReference = ref, seg_len: int = seg_len, i: int = i) -> _Source:
            if ref.kind == "image":
                return _KenBurns(ref, size, seg_len, seed=i)
            return _VideoPlayback(ref, size, spec.fps)

        segments.append(_Segment(make, start, end))
    return segments


# --------------------------------------------------------------------------- captions


_FONT_DIRS = (
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu",
    "/usr/share/fonts/TTF",
    "/Library/Fonts",
    "C:/Windows/Fonts",
)

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


def _font(size: int, bold: bool = False) -> Font:
    """A TrueType font (DejaVu if installed, else Pillow's bundled one); not cached, so
    concurrent renders in different threads never share a FreeType face."""
    names = ("DejaVuSans-Bold.ttf",) if bold else ("DejaVuSans.ttf",)
    for d in _FONT_DIRS:
        for name in (*names, "Arial Bold.ttf" if bold else "Arial.ttf"):
            path = Path(d) / name
            if path.is_file():
                try:
                    return ImageFont.truetype(str(path), size)
                except OSError:
                    continue
    return ImageFont.load_default(size)


def _wrap(text: str, font: Font, max_width: float, max_lines: int) -> list[str]:
    """Greedy word wrap; the last line ends with an ellipsis when text is cut."""
    words = " ".join(text.split()).split(" ")
    lines: list[str] = []
    current = ""
    i = 0
    while i < len(words):
        word = words[i]
        trial = f"{current} {word}" if current else word
        if font.getlength(trial) <= max_width:
            current = trial
            i += 1
            continue
        if not current:  # a single word longer than the line: hard-cut it
            cut = len(word)
            while cut > 1 and font.getlength(word[:cut]) > max_width:
                cut -= 1
            current, words[i] = word[:cut], word[cut:]
            if not words[i]:
                i += 1
        lines.append(current)
        current = ""
        if len(lines) == max_lines:
            break
    truncated = i < len(words) or (len(lines) == max_lines and bool(current))
    if current and len(lines) < max_lines:
        lines.append(current)
    if truncated and lines:
        last = lines[-1].rstrip(" ,.;:")
        while last and font.getlength(last + "…") > max_width:
            last = last.rsplit(" ", 1)[0] if " " in last else last[:-1]
        lines[-1] = (last.rstrip(" ,.;:") + "…") if last else "…"
    return lines


@dataclass
class _Patch:
    image: Image.Image  # RGBA, pasted with its own alpha as mask
    xy: tuple[int, int]


class _Overlay:
    """Pre-rendered caption, badge and per-segment tag patches (RGBA), pasted per frame."""

    def __init__(self, spec: PreviewSpec) -> None:
        self.w, self.h = spec.width, spec.height
        unit = min(self.w, self.h)
        self.static: list[_Patch] = []
        self._tags: dict[str, _Patch] = {}
        self._small = _font(max(10, round(unit * 0.032)))
        if spec.label:
            self.static.append(self._badge(spec.label, unit))
        if spec.prompt.strip():
            self.static.append(self._caption(spec.prompt, unit))

    def _badge(self, label: str, unit: int) -> _Patch:
        font = _font(max(10, round(unit * 0.04)), bold=True)
        pad = max(4, round(unit * 0.015))
        left, top, right, bottom = (round(v) for v in font.getbbox(label))
        bw, bh = right - left + 2 * pad, bottom - top + 2 * pad
        patch = Image.new("RGBA", (bw, bh), (0, 0, 0, 0))
        draw = ImageDraw.Draw(patch)
        draw.rounded_rectangle((0, 0, bw - 1, bh - 1), radius=pad, fill=(214, 40, 40, 225))
        draw.text((pad - left, pad - top), label, font=font, fill=(255, 255, 255, 255))
        margin = max(6, round(unit * 0.03))
        return _Patch(patch, (self.w - bw - margin, margin))

    def _caption(self, prompt: str, unit: int) -> _Patch:
        font = _font(max(11, round(unit * 0.045)))
        margin_x = max(8, round(self.w * 0.05))
        lines = _wrap(prompt, font, self.w - 2 * margin_x, max_lines=3)
        _, top, _, bottom = font.getbbox("Ágjy|")
        line_h = round((bottom - top) * 1.3)
        pad = max(6, round(unit * 0.025))
        band_h = line_h * len(lines) + 2 * pad
        patch = Image.new("RGBA", (self.w, band_h), (0, 0, 0, 130))
        draw = ImageDraw.Draw(patch)
        for k, line in enumerate(lines):
            tw = font.getlength(line)
            x = (self.w - tw) / 2
            y = pad + k * line_h
            draw.text((x + 1, y + 1), line, font=font, fill=(0, 0, 0, 200))
            draw.text((x, y), line, font=font, fill=(255, 255, 255, 255))
        # Lower third: the band's bottom sits ~8% above the bottom edge.
        y0 = max(0, self.h - band_h - round(self.h * 0.08))
        return _Patch(patch, (0, y0))

    def tag_patch(self, tag: str, role_label: str) -> _Patch | None:
        text = " · ".join(p for p in (tag, role_label) if p)
        if not text:
            return None
        if text not in self._tags:
            font = self._small
            unit = min(self.w, self.h)
            pad = max(3, round(unit * 0.01))
            left, top, right, bottom = (round(v) for v in font.getbbox(text))
            bw, bh = right - left + 2 * pad, bottom - top + 2 * pad
            patch = Image.new("RGBA", (bw, bh), (0, 0, 0, 0))
            draw = ImageDraw.Draw(patch)
            draw.rounded_rectangle((0, 0, bw - 1, bh - 1), radius=pad, fill=(0, 0, 0, 140))
            draw.text((pad - left, pad - top), text, font=font, fill=(240, 240, 240, 255))
            margin = max(6, round(unit * 0.03))
            self._tags[text] = _Patch(patch, (margin, margin))
        return self._tags[text]

    def apply(self, frame: Image.Image, tag: str, role_label: str) -> Image.Image:
        patches = [*self.static]
        tp = self.tag_patch(tag, role_label)
        if tp is not None:
            patches.append(tp)
        for p in patches:
            frame.paste(p.image, p.xy, p.image)
        return frame


# --------------------------------------------------------------------------- audio


def _audio_sources(spec: PreviewSpec) -> list[RenderReference]:
    return [
        r
        for r in spec.references
        if r.kind == "audio" or (r.kind == "video" and r.role == "audio_extraction")
    ]


def _decode_audio(ref: RenderReference, n_samples: int) -> FloatArray:
    """Decode up to ``n_samples`` of 48 kHz stereo float audio, shape (2, n)."""
    chunks: list[FloatArray] = []
    have = 0
    resampler = av.AudioResampler(format="fltp", layout="stereo", rate=SAMPLE_RATE)
    try:
        with av.open(str(ref.path)) as container:
            stream = container.streams.audio[0]
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    arr = out.to_ndarray().astype(np.float32, copy=False)
                    chunks.append(arr)
                    have += arr.shape[1]
                if have >= n_samples:
                    break
            else:
                for out in resampler.resample(None):
                    arr = out.to_ndarray().astype(np.float32, copy=False)
                    chunks.append(arr)
                    have += arr.shape[1]
    except (av.FFmpegError, OSError, IndexError, ValueError) as exc:
        raise RenderError(
            f"{ref.tag} ({ref.path.name}) audio couldn't be decoded ({_short(exc)})."
        ) from exc
    if not chunks:
        return np.zeros((2, 0), dtype=np.float32)
    return np.concatenate(chunks, axis=1)[:, :n_samples]


def _mix_audio(spec: PreviewSpec, total_frames: int) -> FloatArray | None:
    """The whole soundtrack, shape (2, n) float32 in [-1, 1], or None for no audio stream.

    Audio is tiny compared with video (15 s = 5.8 MB), so it is mixed in memory.
    """
    sources = _audio_sources(spec)
    if not sources and not spec.generate_audio:
        return None
    n = round(total_frames / spec.fps * SAMPLE_RATE)
    mix = np.zeros((2, n), dtype=np.float32)
    for ref in sources:
        track = _decode_audio(ref, n)
        mix[:, : track.shape[1]] += track
    if len(sources) > 1:
        mix *= 1 / math.sqrt(len(sources))
    peak = float(np.max(np.abs(mix))) if n else 0.0
    if peak > 0.99:
        mix *= 0.99 / peak
    fade_in = min(n, round(_AUDIO_FADE_IN_S * SAMPLE_RATE))
    if fade_in:
        mix[:, :fade_in] *= np.linspace(0.0, 1.0, fade_in, dtype=np.float32)
    fade_out = min(n, round(_AUDIO_FADE_OUT_S * SAMPLE_RATE))
    if fade_out:
        mix[:, n - fade_out :] *= np.linspace(1.0, 0.0, fade_out, dtype=np.float32)
    return mix


# --------------------------------------------------------------------------- encoding


def _compose(segments: list[_Segment], index: int, overlay: _Overlay) -> Image.Image:
    active = [s for s in segments if s.start <= index < s.end]
    if not active:  # rounding at a boundary: use the nearest segment
        active = [min(segments, key=lambda s: min(abs(index - s.start), abs(index - s.end)))]
    for s in segments:  # free sources whose segment is over
        if not s.closed and s.end <= index and s not in active:
            s.release()
    first = active[0]
    img = first.get().frame(index - math.ceil(first.start)).copy()
    tag_src = first.get()
    if len(active) > 1:
        second = active[1]
        overlap = first.end - second.start
        alpha = _ease((index - second.start + 0.5) / overlap) if overlap > 0 else 1.0
        other = second.get().frame(index - math.ceil(second.start))
        img = Image.blend(img, other, alpha)
        if alpha >= 0.5:
            tag_src = second.get()
    return overlay.apply(img, tag_src.tag, tag_src.role_label)


def _encode(
    spec: PreviewSpec,
    path: Path,
    total_frames: int,
    size: tuple[int, int],
    segments: list[_Segment],
    overlay: _Overlay,
    audio: FloatArray | None,
    progress: Callable[[float], None] | None,
) -> None:
    with av.open(
        str(path), mode="w", format="mp4", container_options={"movflags": "+faststart"}
    ) as out:
        vstream = out.add_stream(
            "libx264",
            rate=spec.fps,
            options={"preset": "veryfast", "crf": "23", "profile": "high"},
        )
        vstream.width, vstream.height = size
        vstream.pix_fmt = "yuv420p"
        vstream.codec_context.time_base = Fraction(1, spec.fps)
        vstream.codec_context.gop_size = spec.fps * 2
        astream = None
        if audio is not None:
            astream = out.add_stream("aac", rate=SAMPLE_RATE)
            astream.codec_context.layout = "stereo"
            astream.codec_context.format = "fltp"
            astream.codec_context.bit_rate = 160_000
        audio_pos = 0
        n_audio = 0 if audio is None else audio.shape[1]
        try:
            last_report = -1.0
            for i in range(total_frames):
                img = _compose(segments, i, overlay)
                vf = av.VideoFrame.from_ndarray(np.asarray(img), format="rgb24")
                vf.pts = i
                vf.time_base = Fraction(1, spec.fps)
                out.mux(vstream.encode(vf))
                if astream is not None and audio is not None:
                    until = min(n_audio, round((i + 1) / spec.fps * SAMPLE_RATE))
                    while audio_pos + _AAC_FRAME <= until or (
                        i == total_frames - 1 and audio_pos < n_audio
                    ):
                        chunk = audio[:, audio_pos : audio_pos + _AAC_FRAME]
                        af = av.AudioFrame.from_ndarray(
                            np.ascontiguousarray(chunk), format="fltp", layout="stereo"
                        )
                        af.sample_rate = SAMPLE_RATE
                        af.pts = audio_pos
                        af.time_base = Fraction(1, SAMPLE_RATE)
                        out.mux(astream.encode(af))
                        audio_pos += chunk.shape[1]
                if progress is not None:
                    frac = (i + 1) / total_frames * 0.99
                    if frac - last_report >= 0.01:
                        progress(frac)
                        last_report = frac
            out.mux(vstream.encode(None))
            if astream is not None:
                out.mux(astream.encode(None))
        finally:
            for s in segments:
                s.release()
