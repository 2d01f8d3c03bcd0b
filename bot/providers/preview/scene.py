"""The picture of a preview: segments of Ken Burns images, played reference videos or an
animated gradient (text-to-video), in the order their roles ask for, joined by crossfades.
"""

from __future__ import annotations

import colorsys
import hashlib
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

import av
import numpy as np
import numpy.typing as npt
from PIL import Image

from bot.providers.preview.spec import (
    PreviewSpec,
    RenderError,
    RenderReference,
    load_image,
)
from bot.words import say

_CROSSFADE_S = 0.5
_MAX_ZOOM = 1.12

FloatArray = npt.NDArray[np.float32]


def _cover_box(src: tuple[int, int], dst: tuple[int, int]) -> tuple[float, float, float, float]:
    """Centered crop box of ``src`` with the aspect ratio of ``dst`` (cover fit, no stretch)."""
    sw, sh = src
    dw, dh = dst
    scale = max(dw / sw, dh / sh)
    cw, ch = dw / scale, dh / scale
    x0, y0 = (sw - cw) / 2, (sh - ch) / 2
    return (x0, y0, x0 + cw, y0 + ch)


def ease(t: float) -> float:
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
        img = load_image(ref, target=big)
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
        t = ease(index / max(1, self.length - 1))
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
            raise RenderError(say("preview-unreadable", tag=self.ref.tag)) from exc
        self._container = container
        self._frames = container.decode(stream)
        self._origin = None
        self._current = self._lookahead = None
        self._current = self._next()
        if self._current is None:
            raise RenderError(say("preview-unreadable", tag=self.ref.tag))
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
class Segment:
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


def plan_segments(spec: PreviewSpec, total: int) -> list[Segment]:
    size = (spec.width, spec.height)
    order = _visual_order(spec.references)
    if not order:
        return [Segment(lambda: _Gradient(spec.prompt, size, total, spec.fps), 0.0, total)]
    n = len(order)
    xf = _CROSSFADE_S * spec.fps if n > 1 else 0.0
    # n * L - (n - 1) * xf = total, with the crossfade at most a third of a segment.
    length = (total + (n - 1) * xf) / n
    if xf > length / 3:
        xf = total / (3 * n - (n - 1))  # solves xf = L / 3
        length = 3 * xf
    segments: list[Segment] = []
    for i, ref in enumerate(order):
        start = i * (length - xf)
        end = total if i == n - 1 else start + length
        seg_len = math.ceil(end) - math.ceil(start)

        def make(ref: RenderReference = ref, seg_len: int = seg_len, i: int = i) -> _Source:
            if ref.kind == "image":
                return _KenBurns(ref, size, seg_len, seed=i)
            return _VideoPlayback(ref, size, spec.fps)

        segments.append(Segment(make, start, end))
    return segments
