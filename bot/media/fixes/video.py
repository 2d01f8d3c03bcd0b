"""Video fixes: frame-accurate trims, transcodes into H.264/AAC MP4 inside the pixel
window (seed 002), and single frames saved as image references.
"""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

import av
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
    short_reason,
    span_s,
)
from bot.media.fixes.audio import AudioCutter, audio_layout, audio_rate
from bot.media.probe import picture_stream, stream_duration_s
from bot.seedance.limits import DEFAULT_LIMITS, Limits

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
            raise FixError(f"{src.name} has no picture to convert.")
        ain = container.streams.audio[0] if container.streams.audio else None
        vin.thread_type = "AUTO"
        origin = origin_s(container)
        total_s = stream_duration_s(container, vin)
        span = span_s(total_s, start_s, duration_s, "clip")
        fps = _output_fps(vin)
        # Whole frames only, so the output never lasts longer than asked.
        ticks = None if span is None else max(1, math.floor(span * fps + 1e-6))
        width, height = fit_pixels(*_display_size(vin), row.min_pixels, row.max_pixels)
        _seek_video(container, vin, origin, start_s)
        try:
            with atomic_output(out_path) as tmp:
                _encode_video(
                    container, vin, ain, tmp, origin, start_s, ticks, fps, (width, height), progress
                )
        except av.FFmpegError as exc:
            raise FixError(f"{src.name} could not be converted ({short_reason(exc)}).") from exc
    report(progress, 1.0)
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
        cutter: AudioCutter | None = None
        aout = None
        if ain is not None:
            rate = audio_rate(ain, (44_100, 48_000))
            aout = out.add_stream("aac", rate=rate)
            layout = audio_layout(ain)
            aout.codec_context.layout = layout
            aout.codec_context.format = "fltp"
            aout.codec_context.bit_rate = AAC_BIT_RATE
            cutter = AudioCutter(rate, layout, start_s, clip_s)

        tick = 0
        prev: av.VideoFrame | None = None
        seen = 0
        last_t = -math.inf
        steps = ProgressSteps(progress, 0.01)

        def emit(frame: av.VideoFrame) -> None:
            nonlocal tick
            scaled = frame.reformat(
                width=size[0], height=size[1], format="yuv420p", interpolation="BICUBIC"
            )
            scaled.pts = tick
            scaled.time_base = 1 / fps
            # Decoded frames carry the source's I/P/B types; x264 would obey them.
            scaled.pict_type = av.video.frame.PictureType.NONE
            out.mux(vout.encode(scaled))
            tick += 1
            if ticks:
                steps(tick / ticks * 0.99)

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
    container = open_input(src)
    with container:
        vin = picture_stream(container)
        if vin is None:
            raise FixError(f"{src.name} has no picture.")
        vin.thread_type = "AUTO"
        origin = origin_s(container)
        total_s = stream_duration_s(container, vin)
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
            raise FixError(f"{src.name} could not be decoded ({short_reason(exc)}).") from exc
        if chosen is None:
            raise FixError("no picture was found at that moment.")
        image = Image.fromarray(chosen.to_ndarray(format="rgb24"))
    report(progress, 0.5)
    image = resize_into_sides(image, limits.image.min_side_px, limits.image.max_side_px)
    with atomic_output(out_path) as tmp:
        image.save(tmp, format="PNG")
    report(progress, 1.0)
    return out_path
