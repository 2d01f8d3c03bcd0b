"""Audio fixes: sample-accurate trims and conversions into MP3 or WAV, and the sound track
of a video as an audio asset; :class:`AudioCutter` also cuts the sound of video trims.

A trim decodes only the window it keeps: it seeks where the container's timestamps stay
exact after a seek (:data:`EXACT_SEEK_FORMATS`), skips decoding packets that end more
than :data:`PREROLL_S` before the cut, and stops at the end of the cut.
"""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np

from bot.media.fixes._common import (
    AudioFormat,
    FixError,
    Progress,
    ProgressSteps,
    atomic_output,
    before_window,
    open_input,
    origin_s,
    report,
    span_s,
)
from bot.media.probe import stream_duration_s
from bot.words import say

MP3_BIT_RATE = 192_000
#: Seconds of sound before the cut that are still decoded (and dropped), so the decoder's
#: state (MP3 bit reservoir, AAC overlap) is settled when the cut starts.
PREROLL_S = 0.5
#: Demuxers whose timestamps are exact after a seek (an index, a seek table, or fixed-size
#: frames). Raw MP3 and ADTS streams are not among them: a seek there lands where the
#: average bitrate points, so they are read from the start (without decoding) instead.
EXACT_SEEK_FORMATS = frozenset(
    {"wav", "w64", "aiff", "flac", "ogg", "caf", "matroska,webm", "mov,mp4,m4a,3gp,3g2,mj2"}
)


class AudioCutter:
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

    def skips(self, packet: av.Packet[Any], origin: float) -> bool:
        """Whether ``packet`` can go undecoded: nothing is decoded yet and it ends more than
        :data:`PREROLL_S` before the cut."""
        return self.cursor is None and before_window(packet, origin, self.start_s, PREROLL_S)

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


def audio_rate(stream: av.AudioStream, allowed: tuple[int, ...]) -> int:
    rate = stream.codec_context.sample_rate or 48_000
    return rate if rate in allowed else 48_000


def audio_layout(stream: av.AudioStream) -> str:
    return "mono" if stream.codec_context.channels == 1 else "stereo"


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
        raise FixError(say("fix-empty-trim"))
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
        raise FixError(say("fix-audio-format", format=str(fmt).upper()))
    container = open_input(src)
    with container:
        if not container.streams.audio:
            what = "video" if from_video or container.streams.video else "file"
            raise FixError(say("fix-no-sound", what=what))
        ain = container.streams.audio[0]
        origin = origin_s(container)
        total_s = stream_duration_s(container, ain)
        span = span_s(total_s, start_s, duration_s, "audio")
        _seek_audio(container, ain, origin, start_s)
        layout = audio_layout(ain)
        try:
            with atomic_output(out_path) as tmp:
                with av.open(str(tmp), mode="w", format=fmt) as out:
                    if fmt == "mp3":
                        rate = audio_rate(ain, (32_000, 44_100, 48_000))
                        aout = out.add_stream("libmp3lame", rate=rate)
                        aout.codec_context.bit_rate = MP3_BIT_RATE
                        sample_fmt = "fltp"
                    else:
                        rate = audio_rate(ain, (22_050, 32_000, 44_100, 48_000, 96_000))
                        aout = out.add_stream("pcm_s16le", rate=rate)
                        sample_fmt = "s16"
                    aout.codec_context.layout = layout
                    aout.codec_context.format = sample_fmt
                    cutter = AudioCutter(rate, layout, start_s, span)
                    steps = ProgressSteps(progress, 0.02)
                    for packet in container.demux(ain):
                        if cutter.skips(packet, origin):
                            continue
                        for aframe in packet.decode():
                            assert isinstance(aframe, av.AudioFrame)
                            for encoded in cutter.push(aframe, origin):
                                out.mux(aout.encode(encoded))
                            if span and aframe.time is not None:
                                steps((aframe.time - origin - start_s) / span * 0.99)
                        if cutter.done:
                            break
                    for encoded in cutter.push(None, origin):
                        out.mux(aout.encode(encoded))
                    out.mux(aout.encode(None))
                    if cutter.emitted == 0:
                        raise FixError(say("fix-no-sound-there"))
        except av.FFmpegError as exc:
            raise FixError(say("fix-unconvertible")) from exc
    report(progress, 1.0)
    return out_path


def _seek_audio(
    container: av.container.InputContainer, stream: av.AudioStream, origin: float, start_s: float
) -> None:
    """Seek to :data:`PREROLL_S` before ``start_s`` where the container seeks exactly; else
    (or when the seek lands after the cut) read from the start."""
    if start_s <= PREROLL_S or stream.time_base is None:
        return
    if container.format.name not in EXACT_SEEK_FORMATS:
        return
    target = int((origin + start_s - PREROLL_S) / stream.time_base)
    try:
        container.seek(target, stream=stream, backward=True)
        for packet in container.demux(stream):
            landed = packet.pts is not None and packet.pts * stream.time_base <= origin + start_s
            break
        else:
            landed = False
        container.seek(target if landed else 0, stream=stream, backward=True)
    except av.FFmpegError:
        container.seek(0, stream=stream, backward=True)
