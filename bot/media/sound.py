"""Sound as pydub segments: PyAV decodes a file's first audio track to 16-bit PCM, and
:class:`pydub.AudioSegment` is built straight from those bytes (no ffmpeg or ffprobe
process), so pydub's slicing, fades, gain, overlay and silence detection edit it; PyAV and
lameenc encode the result again (:mod:`bot.media.fixes.audio`).

Used by the audio fixes (trim, convert, a video's sound), the board's waveform and the
preview's soundtrack. Units: seconds for times, Hz for rates, dBFS (pydub's RMS level
relative to full scale) for loudness; a segment's samples are signed 16-bit, interleaved.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import av
import numpy as np
import numpy.typing as npt

with warnings.catch_warnings():
    # pydub looks for an ffmpeg binary when imported; it is never run here (PyAV decodes).
    warnings.simplefilter("ignore", RuntimeWarning)
    from pydub import AudioSegment
    from pydub.silence import detect_leading_silence
    from pydub.utils import ratio_to_db

__all__ = [
    "AudioSegment",
    "decode_segment",
    "detect_leading_silence",
    "from_float",
    "layout_of",
    "ratio_to_db",
    "to_float",
]

SAMPLE_WIDTH = 2  # bytes: signed 16-bit PCM


def layout_of(channels: int) -> str:
    """PyAV's layout name for 1 or 2 channels."""
    return "mono" if channels == 1 else "stereo"


def decode_segment(
    container: av.container.InputContainer,
    stream: av.AudioStream,
    *,
    rate: int,
    channels: int,
    start_s: float = 0.0,
    max_s: float | None = None,
    skip: Callable[[av.Packet[Any]], bool] | None = None,
    progress: Callable[[float], None] | None = None,
) -> AudioSegment:
    """The sound of ``stream`` from ``start_s`` seconds (after the container's start time)
    for at most ``max_s`` seconds (``None``: to the end), resampled to ``rate`` Hz and
    ``channels`` (1 or 2), cut to the sample. Where the sound starts after ``start_s`` the
    gap is silence.

    The container should already be positioned (seeked) at or before ``start_s``; packets
    for which ``skip`` answers ``True`` before anything is decoded are not decoded (a trim
    passes "ends well before the cut"). ``progress`` gets the fraction of ``max_s`` done.

    Raises:
        av.FFmpegError: the sound could not be decoded.
    """
    start = container.start_time
    origin = float(start / av.time_base) if start is not None and start > 0 else 0.0
    width = SAMPLE_WIDTH * channels
    limit = None if max_s is None else math.floor(max_s * rate + 1e-6)
    resampler = av.AudioResampler(format="s16", layout=layout_of(channels), rate=rate)
    chunks: list[bytes] = []
    have = 0
    drop: int | None = None  # samples still to drop before the cut (None: nothing decoded)
    direct = True  # frames already at the rate and channels asked for skip the resampler

    def pcm_of(frame: av.AudioFrame | None) -> list[bytes]:
        nonlocal direct
        if direct and frame is not None and _direct(frame, rate, channels):
            return [_s16(frame)]
        direct = False  # from here on through the resampler, so nothing is reordered
        return [
            bytes(memoryview(part.planes[0])[: part.samples * width])
            for part in resampler.resample(frame)
        ]

    def take(frame: av.AudioFrame | None) -> None:
        nonlocal have, drop
        if frame is not None and drop is None:
            offset = round(((frame.time or origin) - origin - start_s) * rate)
            drop = max(0, -offset)
            if offset > 0:  # the sound starts after the cut: silence until it does
                chunks.append(bytes(offset * width))
                have += offset
        if frame is None and direct:
            return
        for data in pcm_of(frame):
            if drop:
                cut = min(drop, len(data) // width)
                data, drop = data[cut * width :], drop - cut
            chunks.append(data)
            have += len(data) // width

    for packet in container.demux(stream):
        if drop is None and skip is not None and skip(packet):
            continue
        for frame in packet.decode():
            assert isinstance(frame, av.AudioFrame)
            take(frame)
        if progress is not None and limit:
            progress(min(1.0, have / limit))
        if limit is not None and have >= limit:
            break
    else:
        take(None)
    data = b"".join(chunks)
    if limit is not None and len(data) > limit * width:
        data = data[: limit * width]
    return AudioSegment(data=data, sample_width=SAMPLE_WIDTH, frame_rate=rate, channels=channels)


_FLOAT_FORMATS = frozenset({"flt", "fltp"})
_DIRECT_FORMATS = _FLOAT_FORMATS | {"s16", "s16p"}


def _direct(frame: av.AudioFrame, rate: int, channels: int) -> bool:
    """Whether ``frame`` is already at ``rate`` with ``channels`` in a format converted
    exactly by :func:`_s16` (so the resampler's filter graph, ~1 ms a second of MP3, is
    not needed)."""
    return (
        frame.sample_rate == rate
        and len(frame.layout.channels) == channels
        and frame.format.name in _DIRECT_FORMATS
    )


def _s16(frame: av.AudioFrame) -> bytes:
    """Interleaved signed 16-bit PCM of a ``_direct`` frame, as libswresample converts it:
    float samples times 32,768, rounded to the nearest (ties to even) and clipped."""
    samples = frame.to_ndarray()
    if frame.format.is_planar:
        samples = samples.T  # (channels, samples) → (samples, channels)
    if frame.format.name in _FLOAT_FORMATS:
        samples = np.clip(np.rint(samples * np.float32(32768)), -32768, 32767)
    return np.ascontiguousarray(samples, dtype="<i2").tobytes()


def to_float(segment: AudioSegment) -> npt.NDArray[np.float32]:
    """The segment's samples as float32 in [-1, 1), shape (channels, samples)."""
    pcm = np.frombuffer(segment.raw_data, dtype=np.int16).reshape(-1, segment.channels)
    return (pcm.T / 32768.0).astype(np.float32)


def from_float(samples: npt.NDArray[np.float32], rate: int) -> AudioSegment:
    """A 16-bit segment of float samples in [-1, 1], shape (channels, samples)."""
    pcm = np.clip(np.round(samples.T * 32767.0), -32768, 32767).astype("<i2")
    return AudioSegment(
        data=pcm.tobytes(), sample_width=SAMPLE_WIDTH, frame_rate=rate, channels=samples.shape[0]
    )
