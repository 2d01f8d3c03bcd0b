"""What every one-click fix shares: the error type, the atomic output file, progress
reporting, opening a source with PyAV, and the size arithmetic (even-sided pixel windows
for video, per-side bounds for images).
"""

from __future__ import annotations

import math
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import av
from PIL import Image

from bot.errors import PhrasedError
from bot.words import say

Progress = Callable[[float], None]
AudioFormat = Literal["mp3", "wav"]


class FixError(PhrasedError):
    """A fix could not be applied; its phrase says why, for the member."""


@contextmanager
def atomic_output(out_path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``out_path``; rename it into place on success."""
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(f".{out_path.name}.{uuid.uuid4().hex[:8]}.part")
    try:
        yield tmp
        os.replace(tmp, out_path)
    finally:
        tmp.unlink(missing_ok=True)


def short_reason(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc) or exc.__class__.__name__
    return str(text).strip().rstrip(".")[:160]


def report(progress: Progress | None, fraction: float) -> None:
    if progress is not None:
        progress(min(1.0, max(0.0, fraction)))


class ProgressSteps:
    """Reports a growing fraction to ``progress`` only when it has moved on by ``step``
    since the last report (clamped to [0, 1]); a ``None`` callback reports nothing."""

    def __init__(self, progress: Progress | None, step: float) -> None:
        self.progress = progress
        self.step = step
        self.last = -1.0

    def __call__(self, fraction: float) -> None:
        if self.progress is not None and fraction - self.last >= self.step:
            report(self.progress, fraction)
            self.last = fraction


def span_s(
    total_s: float | None, start_s: float, duration_s: float | None, what: str
) -> float | None:
    """Seconds a cut from ``start_s`` keeps: at most ``duration_s`` (``None``: to the end),
    never past ``total_s`` (``None``: unknown length, so unknown span without a duration).

    Raises:
        FixError: ``start_s`` is at or past the end of the ``what`` ("clip", "audio").
    """
    if total_s is not None and start_s >= total_s:
        raise FixError(say("fix-start-too-late", kind=what, s=round(total_s, 1)))
    span = (total_s - start_s) if total_s is not None else None
    if duration_s is not None:
        span = duration_s if span is None else min(span, duration_s)
    return span


def resize_into_sides(
    image: Image.Image, min_side: int | None, max_side: int | None
) -> Image.Image:
    """``image`` resized with LANCZOS (aspect kept) so each side is in
    [``min_side``, ``max_side``] (:func:`fit_sides`); unchanged when it already is.

    Raises:
        FixError: the aspect ratio is too extreme for both bounds at once.
    """
    size = fit_sides(image.width, image.height, min_side, max_side)
    return image if size == image.size else image.resize(size, Image.Resampling.LANCZOS)


def open_input(src: Path) -> av.container.InputContainer:
    try:
        return av.open(str(src), metadata_errors="ignore")
    except (av.FFmpegError, OSError) as exc:
        raise FixError(say("fix-unopenable")) from exc


def use_all_cores(ctx: av.codec.context.CodecContext) -> None:
    """Let a decoder or encoder run on every core: as many threads as CPUs (``0``), frame
    and slice threading both allowed (``AUTO``; x264 then uses frame threads, which split
    the work better than its sliced threads, PyAV's default). Call before it is opened."""
    ctx.thread_count = 0
    ctx.thread_type = "AUTO"


def before_window(packet: av.Packet[Any], origin: float, start_s: float, preroll_s: float) -> bool:
    """Whether ``packet`` ends more than ``preroll_s`` seconds before the cut at ``start_s``
    (so it need not be decoded; ``False`` when its timing is unknown)."""
    if packet.pts is None or packet.time_base is None:
        return False
    end = (packet.pts + (packet.duration or 0)) * packet.time_base
    return float(end) < origin + start_s - preroll_s


def origin_s(container: av.container.InputContainer) -> float:
    """The container's start time in seconds: time 0 of the clip as players show it."""
    start = container.start_time
    return float(start / av.time_base) if start is not None and start > 0 else 0.0


def _even(value: float) -> int:
    return max(2, 2 * round(value / 2))


def fit_pixels(
    width: int, height: int, min_pixels: int | None, max_pixels: int | None
) -> tuple[int, int]:
    """Even-sided size with the aspect ratio of ``width``×``height`` and a pixel count
    inside [``min_pixels``, ``max_pixels``] (seed 002: 409,600–927,408 px, 480p–720p).

    A size already inside the window only has odd sides rounded to even (H.264 4:2:0).

    Raises:
        FixError: no even size with this aspect ratio fits the window.
    """
    pixels = width * height
    scale = 1.0
    if max_pixels is not None and pixels > max_pixels:
        scale = math.sqrt(max_pixels / pixels)
    elif min_pixels is not None and pixels < min_pixels:
        scale = math.sqrt(min_pixels / pixels)
    aspect = width / height
    target_w = width * scale
    best: tuple[float, int, int] | None = None
    for w in range(_even(target_w) - 16, _even(target_w) + 18, 2):
        if w < 2:
            continue
        h = _even(w / aspect)
        p = w * h
        if (min_pixels is not None and p < min_pixels) or (
            max_pixels is not None and p > max_pixels
        ):
            continue
        error = abs(w / h - aspect) / aspect + abs(w - target_w) / max(target_w, 1) * 1e-3
        if best is None or error < best[0]:
            best = (error, w, h)
    if best is None:
        raise FixError(say("fix-unscalable", width=str(width), height=str(height)))
    return best[1], best[2]


def fit_sides(
    width: int, height: int, min_side: int | None, max_side: int | None
) -> tuple[int, int]:
    """Size with the aspect ratio of ``width``×``height`` and each side inside
    [``min_side``, ``max_side``] (seeds 001, 002: 300–6000 px per side).

    Raises:
        FixError: the aspect ratio is too extreme for both bounds at once.
    """
    scale = 1.0
    if min_side is not None and min(width, height) < min_side:
        scale = min_side / min(width, height)
    if max_side is not None and max(width, height) * scale > max_side:
        scale = max_side / max(width, height)
    new_w = max(1, round(width * scale))
    new_h = max(1, round(height * scale))
    # Rounding must not push a side back out of range.
    if min_side is not None:
        if min(width, height) == width and new_w < min_side <= width * scale + 1:
            new_w = min_side
        if min(width, height) == height and new_h < min_side <= height * scale + 1:
            new_h = min_side
    if max_side is not None:
        new_w, new_h = min(new_w, max_side), min(new_h, max_side)
    lo_ok = min_side is None or min(new_w, new_h) >= min_side
    hi_ok = max_side is None or max(new_w, new_h) <= max_side
    if not (lo_ok and hi_ok):
        raise FixError(
            say(
                "fix-too-thin", width=str(width), height=str(height), low=min_side or 0,
                high=max_side or 0,
            )
        )  # fmt: skip
    return new_w, new_h
