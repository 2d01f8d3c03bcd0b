"""Video fixes: frame-accurate trims, transcodes into H.264/AAC MP4 inside the pixel
window (seed 002), and single frames saved as image references.

A trim decodes only the window it keeps: it seeks to the keyframe at or before the cut
(checked on the first packet there, without decoding), lets the decoder drop
non-reference frames until shortly before the cut, scales only the frames it shows, and
stops demuxing once the output is complete. Decoder and encoder each use every core, and
decoding, scaling and encoding overlap on threads of their own
(:mod:`bot.media.fixes.pipeline`; docs/ARCHITECTURE.md, *One-click fixes*).

The settings, for a reference clip the provider decodes and re-encodes: H.264 High,
libx264 ``superfast`` at CRF 23 without B-frames (16 Mbit/s ceiling, a keyframe every
2 s), yuv420p, the
source's frame rate up to 30 fps; AAC 160 kb/s at 44.1 or 48 kHz; swscale ``AREA`` when
shrinking, ``BICUBIC`` when enlarging (:func:`scaler_for`).
"""

from __future__ import annotations

import math
from concurrent.futures import Future
from fractions import Fraction
from functools import partial
from pathlib import Path
from typing import Any

import av
from av.video.reformatter import VideoReformatter
from PIL import Image

from bot.media.fixes._common import (
    FixError,
    Progress,
    ProgressSteps,
    atomic_output,
    fit_pixels,
    open_input,
    origin_s,
    report,
    resize_into_sides,
    span_s,
    use_all_cores,
)
from bot.media.fixes.audio import AudioCutter, audio_layout, audio_rate
from bot.media.fixes.pipeline import Pipeline
from bot.media.probe import picture_stream, stream_duration_s, stream_rate
from bot.seedance.limits import DEFAULT_LIMITS, Limits
from bot.words import say

#: Highest output frame rate; a faster or variable-rate source is resampled to this (CFR).
MAX_FPS = 30
#: Frame rate used when the source declares none.
DEFAULT_FPS = 25
#: x264 settings for a reference clip. The provider decodes the reference and never shows
#: it, so encoding time matters more than bits: ``superfast`` at CRF 23 measured the same
#: quality as ``veryfast`` (SSIM 0.980, PSNR 39.1 dB against the source scaled to 720p, on
#: city_20s_1080p.mp4) in about two thirds of the time. No B-frames (``bf`` 0): on the
#: 1080p, MOV and MPEG-2 clips they took 10–13 % more of x264's CPU (the frame-type
#: decision) for no gain (SSIM 0.9797 → 0.9799, PSNR +0.3–0.5 dB without them), and saved
#: bytes only (~25 %: 2.1 MB rather than 1.6 MB for 5 s of 720p). ``ultrafast`` is not
#: used: without CABAC it is ~4× larger and visibly worse (SSIM 0.974). The bitrate
#: ceiling keeps 15 s far below 50 MB (seeds 000, 001).
X264_OPTIONS = {
    "preset": "superfast",
    "crf": "23",
    "profile": "high",
    "bf": "0",
    "maxrate": "16M",
    "bufsize": "32M",
}
AAC_BIT_RATE = 160_000
#: swscale filters for the resize into the pixel window (seed 002): shrinking averages
#: the pixels each output pixel covers (``AREA``: 1.3 ms a frame for 1080p → 720p against
#: bicubic's 1.8 ms, 48 dB PSNR against a Lanczos scale, far above the encoder's 39 dB);
#: enlarging is bicubic (area upscales like bilinear: 39 dB against bicubic's 48 dB, for
#: the same time).
SCALER_DOWN = "AREA"
SCALER_UP = "BICUBIC"
#: swscale threads: 1, as the scaling already runs beside decoding and encoding.
SCALER_THREADS = 1
#: Seconds between keyframes of the output.
GOP_S = 2.0
#: Seconds before the cut point from which every frame is decoded in full.
PREROLL_S = 0.5


def output_fps(rate: Fraction | float | None) -> Fraction:
    """The constant rate a fix writes for a source of ``rate`` frames per second
    (:func:`bot.media.probe.stream_rate`): that rate, at most 30 fps; 25 when unknown."""
    if rate is None:
        return Fraction(DEFAULT_FPS)
    return min(Fraction(rate).limit_denominator(1001), Fraction(MAX_FPS))


def output_frames(span_s: float, fps: Fraction) -> int:
    """Whole frames a cut of ``span_s`` seconds keeps at ``fps``, so the output never lasts
    longer than asked (and so a cut's length is ``output_frames(span, fps) / fps``)."""
    return max(1, math.floor(span_s * fps + 1e-6))


def scaler_for(src: tuple[int, int], out: tuple[int, int]) -> str:
    """The swscale filter (PyAV's ``Interpolation`` name) for a resize from ``src`` to
    ``out`` (width, height in pixels): :data:`SCALER_DOWN` when it shrinks, else
    :data:`SCALER_UP`."""
    return SCALER_DOWN if out[0] * out[1] < src[0] * src[1] else SCALER_UP


def display_size(stream: av.VideoStream) -> tuple[int, int]:
    """Width×height in pixels as displayed (a non-square sample aspect ratio applied).

    Raises:
        FixError: the stream declares no size.
    """
    ctx = stream.codec_context
    width, height = ctx.width, ctx.height
    if not width or not height:
        raise FixError(say("fix-no-size"))
    sar = ctx.sample_aspect_ratio
    if sar is not None and sar > 0 and sar != 1:
        width = round(width * float(sar))
    return width, height


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
        raise FixError(say("fix-empty-trim"))
    return _transcode_video(src, out_path, max(0.0, start_s), duration_s, limits, progress)


def fit_video(
    src: Path, out_path: Path, limits: Limits = DEFAULT_LIMITS, progress: Progress | None = None
) -> Path:
    """Transcode any video (WebM/VP9, MPEG-2 .mpg, MKV, HEVC, ProRes…) into an H.264/AAC MP4.

    Cures a container other than MP4/MOV (seeds 000, 001, 004) and a frame outside
    409,600–927,408 pixels (seed 002): the picture is scaled (up or down, aspect ratio kept,
    even sides) into
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
    """Seek to the keyframe at or before ``start_s``; False (and back at the start) when
    the seek cannot be trusted: the first packet there is not a keyframe starting at or
    before ``start_s`` (MPEG program streams seek by byte estimates). Only packets are read
    to tell, none decoded."""
    if start_s <= 1.0 or stream.time_base is None:
        return False
    target = int((origin + start_s) / stream.time_base)
    try:
        container.seek(target, stream=stream, backward=True, any_frame=False)
        first = next((p for p in container.demux(stream) if p.pts is not None), None)
        if (
            first is not None
            and first.is_keyframe
            and float(first.pts * stream.time_base) - origin <= start_s + 1e-3  # type: ignore[operator]
        ):
            container.seek(target, stream=stream, backward=True, any_frame=False)
            return True
        container.seek(0, stream=stream, backward=True, any_frame=False)
    except av.FFmpegError:
        pass
    return False


def _transcode_video(
    src: Path,
    out_path: Path,
    start_s: float,
    duration_s: float | None,
    limits: Limits,
    progress: Progress | None,
) -> Path:
    row = limits.video
    container = open_input(src)
    with container:
        vin = picture_stream(container)
        if vin is None:
            raise FixError(say("fix-no-picture"))
        ain = container.streams.audio[0] if container.streams.audio else None
        use_all_cores(vin.codec_context)
        origin = origin_s(container)
        total_s = stream_duration_s(container, vin)
        span = span_s(total_s, start_s, duration_s, "clip")
        fps = output_fps(stream_rate(vin))
        ticks = None if span is None else output_frames(span, fps)
        width, height = fit_pixels(*display_size(vin), row.min_pixels, row.max_pixels)
        _seek_video(container, vin, origin, start_s)
        try:
            with atomic_output(out_path) as tmp:
                _encode_video(
                    container, vin, ain, tmp, origin, start_s, ticks, fps, (width, height), progress
                )
        except av.FFmpegError as exc:
            raise FixError(say("fix-unconvertible")) from exc
    report(progress, 1.0)
    return out_path


class _Picture:
    """The picture side of a cut: decoded source frames in, a constant-rate run of scaled
    frames out to the H.264 encoder.

    Each source frame is scaled at most once, and only when it is shown (frames before the
    cut, frames dropped to lower the rate and frames after the end are never scaled); one
    swscale context is reused for the whole clip.
    """

    def __init__(
        self,
        stream: av.VideoStream,
        pipeline: Pipeline,
        scaler: str,
        ticks: int | None,
        progress: Progress | None,
    ) -> None:
        self.stream = stream
        self.pipeline = pipeline
        self.fps = Fraction(stream.codec_context.time_base or 1) ** -1
        self.size = (stream.width, stream.height)
        self.scaler = scaler
        self.ticks = ticks
        self.reformatter = VideoReformatter()
        self.tick = 0
        self.prev: av.VideoFrame | None = None
        self.prev_scaled: Future[av.VideoFrame] | None = None
        self.last_t = -math.inf
        self.seen = 0
        self.steps = ProgressSteps(progress, 0.01)

    @property
    def done(self) -> bool:
        return self.ticks is not None and self.tick >= self.ticks

    def push(self, frame: av.VideoFrame, t: float | None) -> None:
        """Take the next decoded frame, shown from ``t`` seconds after the cut point
        (negative: before it; ``None``: no timestamp, the nominal rate is assumed)."""
        step = 1 / float(self.fps)
        if t is None:
            t = self.seen * step if self.prev is None else self.last_t + step
        self.seen += 1
        self._hold_until(t)
        self.prev, self.prev_scaled, self.last_t = frame, None, max(t, self.last_t)

    def finish(self) -> None:
        """Show the last frame for its own display time (and to the planned length when the
        container says the clip goes on a little longer), then flush the encoder."""
        if self.prev is None:
            raise FixError(say("fix-no-picture-there"))
        end_tick = math.floor((self.last_t + 1 / float(self.fps)) * float(self.fps) + 1e-6)
        if self.ticks is not None and self.ticks - end_tick <= round(float(self.fps)):
            end_tick = self.ticks
        while self.tick < max(1, end_tick) and not self.done:
            self._emit()
        self.pipeline.put(self.stream, None)

    def _hold_until(self, t: float) -> None:
        """Repeat the previous frame on every output tick that starts before ``t``."""
        half = 0.5 / float(self.fps)
        while self.prev is not None and not self.done and self.tick / float(self.fps) + half < t:
            self._emit()

    def _scale(self, frame: av.VideoFrame) -> av.VideoFrame:
        scaled = self.reformatter.reformat(
            frame,
            width=self.size[0],
            height=self.size[1],
            format="yuv420p",
            interpolation=self.scaler,
            threads=SCALER_THREADS,
        )
        scaled.time_base = 1 / self.fps
        # Decoded frames carry the source's I/P/B types; x264 would obey them.
        scaled.pict_type = av.video.frame.PictureType.NONE
        return scaled

    def _emit(self) -> None:
        assert self.prev is not None
        if self.prev_scaled is None:
            self.prev_scaled = self.pipeline.scale(partial(self._scale, self.prev))
        self.pipeline.put(self.stream, self.prev_scaled, self.tick)
        self.tick += 1
        if self.ticks:
            self.steps(self.tick / self.ticks * 0.99)


class _Preroll:
    """Skips decoding work before the cut: the decoder drops non-reference frames (nothing
    depends on them) until the packets reach ``PREROLL_S`` before the cut point."""

    def __init__(self, stream: av.VideoStream, origin: float, start_s: float) -> None:
        self.ctx = stream.codec_context
        self.time_base = stream.time_base or Fraction(0)
        self.until = origin + start_s - PREROLL_S
        self.active = start_s > PREROLL_S and self.time_base > 0
        if self.active:
            self.ctx.skip_frame = "NONREF"

    def check(self, packet: av.Packet[Any]) -> None:
        """Decode in full from this ``packet`` on once it is (or may be) near the cut."""
        if self.active and (packet.pts is None or packet.pts * self.time_base >= self.until):
            self.ctx.skip_frame = "DEFAULT"
            self.active = False


def _video_stream(
    out: av.container.OutputContainer, fps: Fraction, size: tuple[int, int]
) -> av.VideoStream:
    """The H.264 stream of ``out``: ``size``, yuv420p, constant ``fps``, :data:`X264_OPTIONS`."""
    stream = out.add_stream("libx264", rate=fps, options=dict(X264_OPTIONS))
    stream.width, stream.height = size
    stream.pix_fmt = "yuv420p"
    ctx = stream.codec_context
    ctx.time_base = 1 / fps
    ctx.gop_size = max(1, round(float(fps) * GOP_S))
    use_all_cores(ctx)
    return stream


def _audio_stream(out: av.container.OutputContainer, ain: av.AudioStream) -> av.AudioStream:
    """The AAC stream of ``out`` for the sound of ``ain`` (44.1 or 48 kHz, mono or stereo)."""
    stream = out.add_stream("aac", rate=audio_rate(ain, (44_100, 48_000)))
    stream.codec_context.layout = audio_layout(ain)
    stream.codec_context.format = "fltp"
    stream.codec_context.bit_rate = AAC_BIT_RATE
    return stream


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
    clip_s = None if ticks is None else ticks / float(fps)
    with av.open(
        str(tmp), mode="w", format="mp4", container_options={"movflags": "+faststart"}
    ) as out:
        vout = _video_stream(out, fps, size)
        aout = None if ain is None else _audio_stream(out, ain)
        pipeline = Pipeline(out)
        try:
            picture = _Picture(vout, pipeline, scaler_for(display_size(vin), size), ticks, progress)
            cutter = None
            if ain is not None and aout is not None:
                rate = aout.codec_context.sample_rate
                cutter = AudioCutter(rate, audio_layout(ain), start_s, clip_s)
            _pump(container, vin, ain, picture, aout, cutter, pipeline, origin, start_s)
            pipeline.finish()
        finally:
            pipeline.close()


def _pump(
    container: av.container.InputContainer,
    vin: av.VideoStream,
    ain: av.AudioStream | None,
    picture: _Picture,
    aout: av.AudioStream | None,
    cutter: AudioCutter | None,
    pipeline: Pipeline,
    origin: float,
    start_s: float,
) -> None:
    """Demux and decode the window on this thread, until the picture and the sound are
    complete; ``pipeline`` scales, encodes and muxes."""
    preroll = _Preroll(vin, origin, start_s)

    def when(frame: av.VideoFrame) -> float | None:
        return None if frame.time is None else frame.time - origin - start_s

    streams = [s for s in (vin, ain) if s is not None]
    for packet in container.demux(*streams):
        if packet.stream is ain and cutter is not None and aout is not None:
            if cutter.done:
                if picture.done:
                    break
                continue
            if cutter.skips(packet, origin):
                continue
            for aframe in packet.decode():
                assert isinstance(aframe, av.AudioFrame)
                for encoded in cutter.push(aframe, origin):
                    pipeline.put(aout, encoded)
            continue
        if packet.stream is not vin or picture.done:
            if picture.done and (cutter is None or cutter.done):
                break
            continue
        preroll.check(packet)
        for vframe in packet.decode():
            assert isinstance(vframe, av.VideoFrame)
            picture.push(vframe, when(vframe))
    # Flush the decoder: the last frames are buffered (B-frames, threads).
    if not picture.done:
        for vframe in _flush(vin):
            t = when(vframe)
            picture.push(vframe, picture.last_t if t is None else t)
    picture.finish()
    if cutter is not None and aout is not None:
        # Keep the sound no longer than the picture.
        shown = picture.tick / float(picture.fps)
        if cutter.limit is None or cutter.limit > round(shown * cutter.rate):
            cutter.limit = math.floor(shown * cutter.rate)
        for encoded in cutter.push(None, origin):
            pipeline.put(aout, encoded)
        pipeline.put(aout, None)


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
    container = open_input(src)
    with container:
        vin = picture_stream(container)
        if vin is None:
            raise FixError(say("fix-no-picture"))
        use_all_cores(vin.codec_context)
        origin = origin_s(container)
        total_s = stream_duration_s(container, vin)
        if at_s < 0 or (total_s is not None and at_s >= total_s):
            raise FixError(say("fix-moment-outside", s=round(total_s or 0.0, 1)))
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
            raise FixError(say("fix-undecodable")) from exc
        if chosen is None:
            raise FixError(say("fix-no-picture-there"))
        image = Image.fromarray(chosen.to_ndarray(format="rgb24"))
    report(progress, 0.5)
    image = resize_into_sides(image, limits.image.min_side_px, limits.image.max_side_px)
    with atomic_output(out_path) as tmp:
        image.save(tmp, format="PNG")
    report(progress, 1.0)
    return out_path
