"""One-click fixes: transforms that cure a broken Seedance 2.0 limit instead of refusing the file.

Intake (:mod:`bot.media.intake`) measures an upload against
:class:`bot.seedance.limits.Limits`; when a
limit is broken but curable, :func:`plan_fixes` lists the one-click options to offer the
member (trim, downscale/upscale, transcode, convert, first frame) and :func:`apply_fix`
runs the chosen one. The limits each fix cures (every number comes from ``limits``):

- videos: MP4/MOV, 2–15 s each and ≤ 15 s together, 409,600–927,408 px per frame
  (seeds 000, 001, 002, 004) → :func:`trim_video`, :func:`fit_video`;
- audio: MP3/WAV, 2–15 s each and ≤ 15 s together (seeds 000, 001, 004) →
  :func:`trim_audio`, :func:`convert_audio`; "use @video1 audio" (seed 004) →
  :func:`extract_audio`;
- images: JPEG/PNG/WebP, 300–6000 px per side (seeds 000, 001, 002, 004; bmp/tiff/gif are
  accepted by some front ends only, so they are converted) → :func:`fit_image`;
  "use this moment as the first frame" → :func:`video_frame`.

Every function here is synchronous and pure (no Discord, no asyncio): the caller runs it
in a thread or process pool. Each reads ``src`` with real decoders (PyAV/FFmpeg for video
and audio, Pillow for images), streams frames (memory stays bounded by a few frames,
never the whole clip), writes a temporary file beside ``out_path`` and renames it into
place at the end, so the original is never touched and a failed fix leaves nothing
behind. Failures raise :class:`FixError` with a plain-English message.
"""

from __future__ import annotations

import math
import os
import uuid
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

import av
import numpy as np
from PIL import Image, ImageOps

from bot.media.probe import MAX_DECODE_PIXELS
from bot.seedance.facts import MediaInfo
from bot.seedance.limits import DEFAULT_LIMITS, Limits

Progress = Callable[[float], None]
AudioFormat = Literal["mp3", "wav"]

#: Highest output frame rate; a faster or variable-rate source is resampled to this (CFR).
MAX_FPS = 30
#: Frame rate used when the source declares none.
DEFAULT_FPS = 25
#: x264 settings: quality-targeted, with a bitrate ceiling so 15 s stays far below 50 MB.
X264_OPTIONS = {
    "preset": "veryfast",
    "crf": "23",
    "profile": "high",
    "maxrate": "16M",
    "bufsize": "32M",
}
AAC_BIT_RATE = 160_000
MP3_BIT_RATE = 192_000
JPEG_QUALITY = 92
#: Most start points offered for a too-long clip, besides "the first N s".
MAX_START_POINTS = 4
LABEL_MAX = 80


class FixError(Exception):
    """A fix could not be applied; the message is plain English for the member."""


@dataclass(frozen=True)
class FixOption:
    """One one-click fix to offer for a file that breaks a limit.

    Attributes:
        key: stable short id, unique within one plan ("trim_first", "trim_at_2", "fit"…);
            fits a Discord ``custom_id``.
        label: button/select text, at most 80 characters ("Trim to the first 7.4 s").
        kind: the transform :func:`apply_fix` runs: "trim_video", "fit_video",
            "trim_audio", "convert_audio", "extract_audio", "fit_image", "video_frame".
        params: keyword arguments of that transform (start_s, duration_s, fmt, at_s).
    """

    key: str
    label: str
    kind: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def extension(self) -> str:
        """File extension of the fixed file ("mp4", "mp3", "wav", "png", "jpg")."""
        if self.kind in ("trim_video", "fit_video"):
            return "mp4"
        if self.kind in ("trim_audio", "convert_audio", "extract_audio"):
            return str(self.params.get("fmt", "mp3"))
        if self.kind == "video_frame":
            return "png"
        return "jpg" if self.params.get("fmt") == "jpeg" else "png"


# --------------------------------------------------------------------------- helpers


@contextmanager
def _atomic_output(out_path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``out_path``; rename it into place on success."""
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(f".{out_path.name}.{uuid.uuid4().hex[:8]}.part")
    try:
        yield tmp
        os.replace(tmp, out_path)
    finally:
        tmp.unlink(missing_ok=True)


def _short(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc) or exc.__class__.__name__
    return str(text).strip().rstrip(".")[:160]


def _report(progress: Progress | None, fraction: float) -> None:
    if progress is not None:
        progress(min(1.0, max(0.0, fraction)))


def _open_input(src: Path) -> av.container.InputContainer:
    try:
        return av.open(str(src), metadata_errors="ignore")
    except (av.FFmpegError, OSError) as exc:
        raise FixError(f"{src.name} could not be opened ({_short(exc)}).") from exc


def _video_stream(container: av.container.InputContainer) -> av.VideoStream | None:
    for stream in container.streams.video:
        if not stream.disposition & av.stream.Disposition.attached_pic:
            return stream
    return None


def _origin_s(container: av.container.InputContainer) -> float:
    """The container's start time in seconds: time 0 of the clip as players show it."""
    start = container.start_time
    return float(start / av.time_base) if start is not None and start > 0 else 0.0


def _container_duration_s(container: av.container.InputContainer, stream: Any) -> float | None:
    if container.duration is not None and container.duration > 0:
        return float(container.duration / av.time_base)
    if stream is not None and stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    return None


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
        raise FixError(f"a {width}×{height} picture cannot be scaled into the allowed pixel range.")
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
            f"a {width}×{height} picture is too long and thin to fit {min_side}–{max_side} px "
            "per side; crop it and upload it again."
        )
    return new_w, new_h


def _output_fps(stream: av.VideoStream) -> Fraction:
    """Constant output rate: the source's average rate (or guessed rate), at most 30 fps."""
    for rate in (stream.average_rate, stream.guessed_rate, stream.base_rate):
        if rate is not None and 1 <= float(rate) <= 240:
            fps = Fraction(rate).limit_denominator(1001)
            return min(fps, Fraction(MAX_FPS))
    return Fraction(DEFAULT_FPS)


def _display_size(stream: av.VideoStream) -> tuple[int, int]:
    """Width×height as displayed (applies a non-square sample aspect ratio)."""
    ctx = stream.codec_context
    width, height = ctx.width, ctx.height
    if not width or not height:
        raise FixError("the video's picture size could not be read.")
    sar = ctx.sample_aspect_ratio
    if sar is not None and sar > 0 and sar != 1:
        width = round(width * float(sar))
    return width, height


# --------------------------------------------------------------------------- video


def trim_video(
    src: Path,
    out_path: Path,
    start_s: float,
    duration_s: float,
    limits: Limits = DEFAULT_LIMITS,
    progress: Progress | None = None,
) -> Path:
    """Cut ``duration_s`` seconds of ``src`` from ``start_s`` into an H.264/AAC MP4.

    Cures "videos must be 2–15 s, ≤ 15 s in total" (seeds 000, 001, 004). The cut is frame
    accurate (decoded and re-encoded, not a keyframe copy); the output is yuv420p with the
    index at the front (faststart), and it is also scaled into the 409,600–927,408 px window
    (seed 002) when the source is outside it. The output never lasts longer than
    ``duration_s``.

    Raises:
        FixError: unreadable source, no picture, or a start past the end.
    """
    if duration_s <= 0:
        raise FixError("the trim must keep a positive length of video.")
    return _transcode_video(src, out_path, max(0.0, start_s), duration_s, limits, progress)


def fit_video(
    src: Path, out_path: Path, limits: Limits = DEFAULT_LIMITS, progress: Progress | None = None
) -> Path:
    """Transcode any video (WebM/VP9, MPEG-2 .mpg, MKV, HEVC, ProRes…) into an H.264/AAC MP4.

    Cures "videos must be MP4/MOV" (seeds 000, 001, 004) and "409,600–927,408 px per frame"
    (seed 002): the picture is scaled (up or down, aspect ratio kept, even sides) into
    ``[limits.video.min_pixels, limits.video.max_pixels]``; a variable frame rate becomes a
    constant one (the source's average rate, at most 30 fps); audio, if any, is kept as AAC.
    The whole duration is kept (combine with a trim via :func:`trim_video`).

    Raises:
        FixError: unreadable source or no picture.
    """
    return _transcode_video(src, out_path, 0.0, None, limits, progress)


def _seek_video(
    container: av.container.InputContainer,
    stream: av.VideoStream,
    origin: float,
    start_s: float,
) -> bool:
    """Seek to the keyframe at or before ``start_s``; False when seeking is not reliable."""
    if start_s <= 1.0 or stream.time_base is None:
        return False
    target = int((origin + start_s) / stream.time_base)
    try:
        container.seek(target, stream=stream, backward=True, any_frame=False)
        for frame in container.decode(stream):
            ok = frame.time is not None and frame.time - origin <= start_s + 1e-3
            break
        else:
            ok = False
        if ok:
            container.seek(target, stream=stream, backward=True, any_frame=False)
            return True
        container.seek(0, stream=stream, backward=True, any_frame=False)
    except av.FFmpegError:
        pass
    return False


class _AudioCutter:
    """Resample decoded audio to planar float, cut it to [start, start + duration) by sample
    and hand out frames with consecutive pts (the encoder re-frames and converts them)."""

    def __init__(self, rate: int, layout: str, start_s: float, duration_s: float | None) -> None:
        self.rate = rate
        self.layout = layout
        self.start_s = start_s
        self.limit: int | None = (
            None if duration_s is None else math.floor(duration_s * rate + 1e-6)
        )
        self.resampler = av.AudioResampler(format="fltp", layout=layout, rate=rate)
        self.cursor: int | None = None  # sample index (relative to the cut) of the next sample
        self.emitted = 0

    @property
    def done(self) -> bool:
        return self.limit is not None and self.emitted >= self.limit

    def push(self, frame: av.AudioFrame | None, origin: float) -> list[av.AudioFrame]:
        """Cut frames for the encoder from one decoded ``frame`` (``None`` flushes)."""
        if frame is not None and self.cursor is None:
            t = frame.time
            offset = (t - origin if t is not None else 0.0) - self.start_s
            self.cursor = round(offset * self.rate)
        out: list[av.AudioFrame] = []
        for part in self.resampler.resample(frame):
            out.extend(self._cut(part))
        return out

    def _cut(self, part: av.AudioFrame) -> list[av.AudioFrame]:
        if self.done or self.cursor is None:
            return []
        data = part.to_ndarray()
        first = self.cursor
        self.cursor += data.shape[1]
        pieces: list[np.ndarray[Any, Any]] = []
        if first > 0 and self.emitted == 0:
            # The sound starts after the cut point: fill the gap with silence.
            pieces.append(np.zeros((data.shape[0], first), dtype=data.dtype))
        pieces.append(data[:, max(0, -first) :])
        result: list[av.AudioFrame] = []
        for piece in pieces:
            if self.limit is not None:
                piece = piece[:, : max(0, self.limit - self.emitted)]
            if piece.shape[1] == 0:
                continue
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(piece), format="fltp", layout=self.layout
            )
            frame.sample_rate = self.rate
            frame.pts = self.emitted
            frame.time_base = Fraction(1, self.rate)
            self.emitted += piece.shape[1]
            result.append(frame)
        return result


def _audio_rate(stream: av.AudioStream, allowed: tuple[int, ...]) -> int:
    rate = stream.codec_context.sample_rate or 48_000
    return rate if rate in allowed else 48_000


def _audio_layout(stream: av.AudioStream) -> str:
    return "mono" if stream.codec_context.channels == 1 else "stereo"


def _transcode_video(
    src: Path,
    out_path: Path,
    start_s: float,
    duration_s: float | None,
    limits: Limits,
    progress: Progress | None,
) -> Path:
    row = limits.video
    container = _open_input(src)
    with container:
        vin = _video_stream(container)
        if vin is None:
            raise FixError(f"{src.name} has no picture to convert.")
        ain = container.streams.audio[0] if container.streams.audio else None
        vin.thread_type = "AUTO"
        origin = _origin_s(container)
        total_s = _container_duration_s(container, vin)
        if total_s is not None and start_s >= total_s:
            raise FixError(f"the clip is only {total_s:.1f} s long; pick an earlier start.")
        span = (total_s - start_s) if total_s is not None else None
        if duration_s is not None:
            span = duration_s if span is None else min(span, duration_s)
        fps = _output_fps(vin)
        # Whole frames only, so the output never lasts longer than asked.
        ticks = None if span is None else max(1, math.floor(span * fps + 1e-6))
        width, height = fit_pixels(*_display_size(vin), row.min_pixels, row.max_pixels)
        _seek_video(container, vin, origin, start_s)
        try:
            with _atomic_output(out_path) as tmp:
                _encode_video(
                    container, vin, ain, tmp, origin, start_s, ticks, fps, (width, height), progress
                )
        except av.FFmpegError as exc:
            raise FixError(f"{src.name} could not be converted ({_short(exc)}).") from exc
    _report(progress, 1.0)
    return out_path


def _encode_video(
    container: av.container.InputContainer,
    vin: av.VideoStream,
    ain: av.AudioStream | None,
    tmp: Path,
    origin: float,
    start_s: float,
    ticks: int | None,
    fps: Fraction,
    size: tuple[int, int],
    progress: Progress | None,
) -> None:
    half = 0.5 / float(fps)
    clip_s = None if ticks is None else ticks / float(fps)
    with av.open(
        str(tmp), mode="w", format="mp4", container_options={"movflags": "+faststart"}
    ) as out:
        vout = out.add_stream("libx264", rate=fps, options=dict(X264_OPTIONS))
        vout.width, vout.height = size
        vout.pix_fmt = "yuv420p"
        vout.codec_context.time_base = 1 / fps
        vout.codec_context.gop_size = max(1, round(float(fps) * 2))
        cutter: _AudioCutter | None = None
        aout = None
        if ain is not None:
            rate = _audio_rate(ain, (44_100, 48_000))
            aout = out.add_stream("aac", rate=rate)
            layout = _audio_layout(ain)
            aout.codec_context.layout = layout
            aout.codec_context.format = "fltp"
            aout.codec_context.bit_rate = AAC_BIT_RATE
            cutter = _AudioCutter(rate, layout, start_s, clip_s)

        tick = 0
        prev: av.VideoFrame | None = None
        seen = 0
        last_t = -math.inf
        last_report = -1.0

        def emit(frame: av.VideoFrame) -> None:
            nonlocal tick, last_report
            scaled = frame.reformat(
                width=size[0], height=size[1], format="yuv420p", interpolation="BICUBIC"
            )
            scaled.pts = tick
            scaled.time_base = 1 / fps
            # Decoded frames carry the source's I/P/B types; x264 would obey them.
            scaled.pict_type = av.video.frame.PictureType.NONE
            out.mux(vout.encode(scaled))
            tick += 1
            if progress is not None and ticks:
                frac = tick / ticks * 0.99
                if frac - last_report >= 0.01:
                    progress(frac)
                    last_report = frac

        def video_done() -> bool:
            return ticks is not None and tick >= ticks

        streams = [s for s in (vin, ain) if s is not None]
        for packet in container.demux(*streams):
            if packet.stream is ain and cutter is not None and aout is not None:
                if cutter.done:
                    if video_done():
                        break
                    continue
                for aframe in packet.decode():
                    assert isinstance(aframe, av.AudioFrame)
                    for encoded in cutter.push(aframe, origin):
                        out.mux(aout.encode(encoded))
                continue
            if packet.stream is not vin or video_done():
                if video_done() and (cutter is None or cutter.done):
                    break
                continue
            for vframe in packet.decode():
                assert isinstance(vframe, av.VideoFrame)
                t = (vframe.time - origin - start_s) if vframe.time is not None else None
                if t is None:  # no timestamp: assume the nominal rate
                    t = seen / float(fps) if prev is None else last_t + 1 / float(fps)
                seen += 1
                if prev is not None:
                    while not video_done() and tick / float(fps) + half < t:
                        emit(prev)
                prev, last_t = vframe, max(t, last_t)
        # Flush decoders: the last frames are buffered (B-frames, threads).
        if not video_done():
            for vframe in _flush(vin):
                t = (vframe.time - origin - start_s) if vframe.time is not None else last_t
                if prev is not None:
                    while not video_done() and tick / float(fps) + half < t:
                        emit(prev)
                prev, last_t = vframe, max(t, last_t)
        if prev is None:
            raise FixError("no picture was found at that point of the clip.")
        # Hold the last frame for its own display time (and to the planned length when the
        # container's duration says the clip goes on a little longer).
        end_tick = math.floor((last_t + 1 / float(fps)) * float(fps) + 1e-6)
        if ticks is not None and ticks - end_tick <= round(float(fps)):
            end_tick = ticks
        while tick < max(1, end_tick) and not video_done():
            emit(prev)
        out.mux(vout.encode(None))
        if cutter is not None and aout is not None:
            # Keep the sound no longer than the picture.
            if cutter.limit is None or cutter.limit > round(tick / float(fps) * cutter.rate):
                cutter.limit = math.floor(tick / float(fps) * cutter.rate)
            for encoded in cutter.push(None, origin):
                out.mux(aout.encode(encoded))
            out.mux(aout.encode(None))


def _flush(stream: av.VideoStream) -> list[av.VideoFrame]:
    try:
        return [f for f in stream.codec_context.decode(None) if isinstance(f, av.VideoFrame)]
    except av.FFmpegError:
        return []


def video_frame(
    src: Path,
    out_path: Path,
    at_s: float,
    limits: Limits = DEFAULT_LIMITS,
    progress: Progress | None = None,
) -> Path:
    """Save the frame shown at ``at_s`` seconds of ``src`` as a PNG image.

    For "use this moment as the first frame": the still becomes an image reference, so it
    is scaled (aspect kept) into the image side limits, 300–6000 px (seeds 001, 002).

    Raises:
        FixError: unreadable source, no picture, or a time past the end.
    """
    container = _open_input(src)
    with container:
        vin = _video_stream(container)
        if vin is None:
            raise FixError(f"{src.name} has no picture.")
        vin.thread_type = "AUTO"
        origin = _origin_s(container)
        total_s = _container_duration_s(container, vin)
        if at_s < 0 or (total_s is not None and at_s >= total_s):
            length = f"{total_s:.1f}" if total_s is not None else "?"
            raise FixError(f"pick a moment between 0 and {length} s.")
        _seek_video(container, vin, origin, at_s)
        chosen: av.VideoFrame | None = None
        try:
            # The frame on screen at ``at_s``: the last one starting at or before it.
            for frame in container.decode(vin):
                t = frame.time - origin if frame.time is not None else None
                if chosen is not None and t is not None and t > at_s + 1e-3:
                    break
                chosen = frame
        except av.FFmpegError as exc:
            raise FixError(f"{src.name} could not be decoded ({_short(exc)}).") from exc
        if chosen is None:
            raise FixError("no picture was found at that moment.")
        image = Image.fromarray(chosen.to_ndarray(format="rgb24"))
    _report(progress, 0.5)
    size = fit_sides(image.width, image.height, limits.image.min_side_px, limits.image.max_side_px)
    if size != image.size:
        image = image.resize(size, Image.Resampling.LANCZOS)
    with _atomic_output(out_path) as tmp:
        image.save(tmp, format="PNG")
    _report(progress, 1.0)
    return out_path


# --------------------------------------------------------------------------- audio


def trim_audio(
    src: Path,
    out_path: Path,
    start_s: float,
    duration_s: float,
    fmt: AudioFormat = "mp3",
    progress: Progress | None = None,
) -> Path:
    """Cut ``duration_s`` seconds of ``src`` from ``start_s`` into an MP3 or WAV file.

    Cures "audio must be 2–15 s, ≤ 15 s in total" (seeds 000, 001, 004); any input format
    (and so also "audio must be WAV/MP3"). The cut is sample accurate.

    Raises:
        FixError: unreadable source, no sound, or a start past the end.
    """
    if duration_s <= 0:
        raise FixError("the trim must keep a positive length of audio.")
    return _transcode_audio(src, out_path, max(0.0, start_s), duration_s, fmt, progress)


def convert_audio(
    src: Path, out_path: Path, fmt: AudioFormat = "mp3", progress: Progress | None = None
) -> Path:
    """Convert FLAC/OGG/M4A/Opus/AAC/… audio into MP3 or WAV (seeds 000, 001, 004: audio
    references must be WAV or MP3), keeping its whole length.

    Raises:
        FixError: unreadable source or no sound.
    """
    return _transcode_audio(src, out_path, 0.0, None, fmt, progress)


def extract_audio(
    video_src: Path, out_path: Path, fmt: AudioFormat = "mp3", progress: Progress | None = None
) -> Path:
    """The sound track of a video as an audio asset (seed 004: "use @video1 audio").

    Raises:
        FixError: the video has no sound track, or it could not be decoded.
    """
    return _transcode_audio(video_src, out_path, 0.0, None, fmt, progress, from_video=True)


def _transcode_audio(
    src: Path,
    out_path: Path,
    start_s: float,
    duration_s: float | None,
    fmt: AudioFormat,
    progress: Progress | None,
    from_video: bool = False,
) -> Path:
    if fmt not in ("mp3", "wav"):
        raise FixError(f"audio can be converted to MP3 or WAV, not {fmt}.")
    container = _open_input(src)
    with container:
        if not container.streams.audio:
            what = "video" if from_video or container.streams.video else "file"
            raise FixError(f"{src.name}: this {what} has no sound track to use.")
        ain = container.streams.audio[0]
        origin = _origin_s(container)
        total_s = _container_duration_s(container, ain)
        if total_s is not None and start_s >= total_s:
            raise FixError(f"the audio is only {total_s:.1f} s long; pick an earlier start.")
        span = total_s - start_s if total_s is not None else None
        if duration_s is not None:
            span = duration_s if span is None else min(span, duration_s)
        if start_s > 30 and ain.time_base is not None:
            try:  # decoding audio is cheap; only skip far ahead
                target = int((origin + start_s - 5) / ain.time_base)
                container.seek(target, stream=ain, backward=True)
            except av.FFmpegError:
                container.seek(0, stream=ain)
        layout = _audio_layout(ain)
        try:
            with _atomic_output(out_path) as tmp:
                with av.open(str(tmp), mode="w", format=fmt) as out:
                    if fmt == "mp3":
                        rate = _audio_rate(ain, (32_000, 44_100, 48_000))
                        aout = out.add_stream("libmp3lame", rate=rate)
                        aout.codec_context.bit_rate = MP3_BIT_RATE
                        sample_fmt = "fltp"
                    else:
                        rate = _audio_rate(ain, (22_050, 32_000, 44_100, 48_000, 96_000))
                        aout = out.add_stream("pcm_s16le", rate=rate)
                        sample_fmt = "s16"
                    aout.codec_context.layout = layout
                    aout.codec_context.format = sample_fmt
                    cutter = _AudioCutter(rate, layout, start_s, span)
                    last_report = -1.0
                    for aframe in container.decode(ain):
                        for encoded in cutter.push(aframe, origin):
                            out.mux(aout.encode(encoded))
                        if cutter.done:
                            break
                        if progress is not None and span and aframe.time is not None:
                            frac = (aframe.time - origin - start_s) / span * 0.99
                            if frac - last_report >= 0.02:
                                _report(progress, frac)
                                last_report = frac
                    for encoded in cutter.push(None, origin):
                        out.mux(aout.encode(encoded))
                    out.mux(aout.encode(None))
                    if cutter.emitted == 0:
                        raise FixError(f"{src.name}: no sound was found in that stretch.")
        except av.FFmpegError as exc:
            raise FixError(f"{src.name} could not be converted ({_short(exc)}).") from exc
    _report(progress, 1.0)
    return out_path


# --------------------------------------------------------------------------- images


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
                    raise FixError("the image is too large to open safely.")
                source_format = (opened.format or "").upper()
                opened.seek(0)  # first frame of an animated GIF/WebP/multi-page TIFF
                first = opened.copy() if getattr(opened, "n_frames", 1) > 1 else opened
                image = ImageOps.exif_transpose(first)
                image.load()
    except FixError:
        raise
    except Exception as exc:  # Pillow raises many types for corrupt files
        raise FixError(f"{src.name} could not be decoded as an image ({_short(exc)}).") from exc
    _report(progress, 0.3)
    chosen = fmt or ("jpeg" if source_format in ("JPEG", "MPO") else "png")
    image = _normalise_mode(image, chosen)
    size = fit_sides(image.width, image.height, row.min_side_px, row.max_side_px)
    if size != image.size:
        image = image.resize(size, Image.Resampling.LANCZOS)
    _report(progress, 0.7)
    with _atomic_output(out_path) as tmp:
        _save_image(image, tmp, chosen)
        if fmt is None and chosen == "png" and tmp.stat().st_size > row.max_bytes:
            _save_image(_normalise_mode(image, "jpeg"), tmp, "jpeg")
    _report(progress, 1.0)
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


# --------------------------------------------------------------------------- planning


def _fmt_s(seconds: float) -> str:
    """1 decimal, rounded down so a label never promises more than the trim keeps."""
    return f"{math.floor(seconds * 10 + 1e-6) / 10:g}"


def _trim_length(duration: float, max_s: float | None, remaining_s: float) -> float | None:
    """Length to trim to, or None when no trim is needed or none can be long enough."""
    cap = min(max_s if max_s is not None else math.inf, remaining_s)
    if duration <= cap:
        return None
    return math.floor(cap * 10 + 1e-6) / 10


def _trim_options(
    prefix: str,
    kind: str,
    duration: float,
    length: float,
    extra: dict[str, Any],
    suffix: str,
) -> list[FixOption]:
    options = [
        FixOption(
            f"{prefix}_first",
            f"Trim to the first {_fmt_s(length)} s{suffix}"[:LABEL_MAX],
            kind,
            {"start_s": 0.0, "duration_s": length, **extra},
        )
    ]
    slack = duration - length
    if slack >= 0.5:
        count = MAX_START_POINTS if slack >= MAX_START_POINTS * 0.5 else max(1, int(slack / 0.5))
        for i in range(1, count + 1):
            start = math.floor(slack * i / count * 10) / 10
            end = start + length
            options.append(
                FixOption(
                    f"{prefix}_at_{i}",
                    f"Keep {_fmt_s(start)}–{_fmt_s(end)} s{suffix}"[:LABEL_MAX],
                    kind,
                    {"start_s": start, "duration_s": length, **extra},
                )
            )
    return options


def plan_fixes(
    info: MediaInfo,
    limits: Limits = DEFAULT_LIMITS,
    remaining_video_s: float | None = None,
    remaining_audio_s: float | None = None,
) -> list[FixOption]:
    """The one-click fixes to offer for a probed file that breaks per-file limits.

    ``remaining_video_s`` / ``remaining_audio_s`` are the seconds left in the session's
    15 s total (seeds 000, 001, 004); ``None`` means the whole budget. A limit no transform
    can cure (a clip shorter than 2 s, a budget under 2 s) gets no option: the caller shows
    the plain refusal for it. An empty list means "nothing to offer".

    - video too long (> 15 s, or longer than the budget left): "the first N s"
      (N = min(15 s, budget)) and up to 4 more start points across the clip, each also
      converted/scaled when needed (``trim_video``);
    - video in another container (WebM, MPEG, MKV…), with too many (> 927,408) or too few
      (< 409,600) pixels (seed 002), or over 50 MB: ``fit_video``;
    - audio too long: trims (as MP3, or WAV for a WAV source); audio in another format
      (FLAC, OGG, M4A…): ``convert_audio`` to MP3 or WAV;
    - images outside 300–6000 px per side, in another format, or over 30 MB: ``fit_image``;
      an animated image: its first frame (also enlarged when needed).
    """
    if info.kind == "video":
        return _plan_video(info, limits, remaining_video_s)
    if info.kind == "audio":
        return _plan_audio(info, limits, remaining_audio_s)
    return _plan_image(info, limits)


def _plan_video(info: MediaInfo, limits: Limits, remaining_s: float | None) -> list[FixOption]:
    row = limits.video
    budget = row.max_total_duration_s if remaining_s is None else remaining_s
    budget = math.inf if budget is None else budget
    pixels = info.pixels or 0
    wrong_format = info.format not in row.formats
    wrong_pixels = (row.min_pixels is not None and pixels < row.min_pixels) or (
        row.max_pixels is not None and pixels > row.max_pixels
    )
    too_big = info.size_bytes > row.max_bytes
    size: tuple[int, int] | None = None
    if wrong_pixels and info.width and info.height:
        try:
            size = fit_pixels(info.width, info.height, row.min_pixels, row.max_pixels)
        except FixError:
            return []
    what = _video_change(info, wrong_format, size)
    options: list[FixOption] = []
    length = None
    if info.duration_s is not None:
        length = _trim_length(info.duration_s, row.max_duration_s, budget)
        if length is not None and row.min_duration_s is not None and length < row.min_duration_s:
            length = None  # the budget left is below the 2 s minimum: no trim cures it
    if info.duration_s is not None and length is not None:
        suffix = f", {what}" if what else ""
        options += _trim_options("trim", "trim_video", info.duration_s, length, {}, suffix)
    elif wrong_format or wrong_pixels or too_big:
        label = f"Convert to {what}" if what else "Re-encode as a smaller H.264 MP4"
        options.append(FixOption("fit", label[:LABEL_MAX], "fit_video", {}))
    return options


def _video_change(info: MediaInfo, wrong_format: bool, size: tuple[int, int] | None) -> str:
    if size is not None:
        verb = "scaled up" if (info.pixels or 0) < size[0] * size[1] else "scaled down"
        if wrong_format:
            return f"MP4 {size[0]}×{size[1]} ({verb})"
        return f"{verb} to {size[0]}×{size[1]}"
    if wrong_format:
        return "MP4 (H.264)"
    return ""


def _plan_audio(info: MediaInfo, limits: Limits, remaining_s: float | None) -> list[FixOption]:
    row = limits.audio
    budget = row.max_total_duration_s if remaining_s is None else remaining_s
    budget = math.inf if budget is None else budget
    wrong_format = info.format not in row.formats
    out_fmt = info.format if info.format in ("mp3", "wav") else "mp3"
    length = None
    if info.duration_s is not None:
        length = _trim_length(info.duration_s, row.max_duration_s, budget)
        if length is not None and row.min_duration_s is not None and length < row.min_duration_s:
            length = None
    if info.duration_s is not None and length is not None:
        suffix = f" as {out_fmt.upper()}" if wrong_format else ""
        return _trim_options(
            "trim", "trim_audio", info.duration_s, length, {"fmt": out_fmt}, suffix
        )
    if wrong_format:
        name = info.format.upper()
        return [
            FixOption("convert_mp3", f"Convert {name} to MP3", "convert_audio", {"fmt": "mp3"}),
            FixOption("convert_wav", f"Convert {name} to WAV", "convert_audio", {"fmt": "wav"}),
        ]
    if info.size_bytes > row.max_bytes and info.format == "wav":
        return [FixOption("convert_mp3", "Compress to MP3", "convert_audio", {"fmt": "mp3"})]
    return []


def _plan_image(info: MediaInfo, limits: Limits) -> list[FixOption]:
    row = limits.image
    if not info.width or not info.height:
        return []
    animated = (info.frames or 1) > 1
    wrong_format = info.format not in row.formats
    try:
        size = fit_sides(info.width, info.height, row.min_side_px, row.max_side_px)
    except FixError:
        return []
    resize = size != (info.width, info.height)
    too_big = info.size_bytes > row.max_bytes
    if not (animated or wrong_format or resize or too_big):
        return []
    fmt = "jpeg" if info.format == "jpeg" else "png"
    name = "JPEG" if fmt == "jpeg" else "PNG"
    params = {"fmt": fmt}
    dims = f"{size[0]}×{size[1]}"
    if animated:
        extra = f", enlarged to {dims}" if resize else ""
        return [
            FixOption("first_frame", f"Use the first frame ({name}{extra})", "fit_image", params)
        ]
    if resize:
        verb = "Enlarge" if size[0] > info.width else "Shrink"
        label = f"{verb} to {dims} px" + (f" as {name}" if wrong_format else "")
    elif wrong_format:
        label = f"Convert {info.format.upper()} to {name}"
    else:
        label = f"Re-compress as {name}"
        params = {"fmt": "jpeg"}
    return [FixOption("fit", label[:LABEL_MAX], "fit_image", params)]


def apply_fix(
    option: FixOption,
    src: Path,
    out_path: Path,
    limits: Limits = DEFAULT_LIMITS,
    progress: Progress | None = None,
) -> Path:
    """Run ``option`` on ``src``, writing ``out_path`` (see :attr:`FixOption.extension`).

    Raises:
        FixError: the fix failed, or ``option.kind`` is unknown.
    """
    p = option.params
    if option.kind == "trim_video":
        return trim_video(
            src, out_path, float(p["start_s"]), float(p["duration_s"]), limits, progress
        )
    if option.kind == "fit_video":
        return fit_video(src, out_path, limits, progress)
    if option.kind == "trim_audio":
        return trim_audio(
            src,
            out_path,
            float(p["start_s"]),
            float(p["duration_s"]),
            _audio_fmt(p.get("fmt", "mp3")),
            progress,
        )
    if option.kind == "convert_audio":
        return convert_audio(src, out_path, _audio_fmt(p.get("fmt", "mp3")), progress)
    if option.kind == "extract_audio":
        return extract_audio(src, out_path, _audio_fmt(p.get("fmt", "mp3")), progress)
    if option.kind == "fit_image":
        fmt = p.get("fmt")
        return fit_image(src, out_path, limits, progress, fmt="jpeg" if fmt == "jpeg" else "png")
    if option.kind == "video_frame":
        return video_frame(src, out_path, float(p.get("at_s", 0.0)), limits, progress)
    raise FixError(f"unknown fix {option.kind!r}.")


def _audio_fmt(value: object) -> AudioFormat:
    if value == "wav":
        return "wav"
    if value == "mp3":
        return "mp3"
    raise FixError(f"audio can be converted to MP3 or WAV, not {value}.")
