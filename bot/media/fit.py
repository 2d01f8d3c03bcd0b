"""Fitting a finished video under a Discord upload limit.

Discord refuses uploads above the guild's limit (10 MiB by default for bots, more on
boosted guilds; docs/ARCHITECTURE.md "Discord facts"). A result that does not fit is re-encoded at
the bitrate that fits (H.264/AAC, same size and frame rate), streaming frame by frame.
"""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import av

AUDIO_BITRATE = 96_000  # bits per second
HEADROOM = 0.90  # container overhead and rate-control overshoot


class FitError(Exception):
    """The video cannot be made to fit (too long for the limit at any usable bitrate)."""


def fit_to_size(src: Path, dst: Path, max_bytes: int) -> Path:
    """Re-encode ``src`` (MP4) to ``dst`` so it is at most ``max_bytes`` bytes.

    Returns ``dst``. Raises :class:`FitError` when even 100 kb/s would not fit.
    """
    with av.open(str(src)) as probe:
        duration = float(probe.duration / av.time_base) if probe.duration else 0.0
    if duration <= 0:
        raise FitError("the video has no duration")
    for attempt in range(3):
        budget_bits = max_bytes * 8 * HEADROOM * (0.85**attempt)
        video_bitrate = int(budget_bits / duration) - AUDIO_BITRATE
        if video_bitrate < 100_000:
            raise FitError(f"{duration:.1f} s cannot fit in {max_bytes / 2**20:.1f} MiB")
        _transcode(src, dst, video_bitrate)
        if dst.stat().st_size <= max_bytes:
            return dst
    raise FitError("the encoder could not get under the limit")


def _transcode(src: Path, dst: Path, video_bitrate: int) -> None:
    part = dst.with_suffix(".part.mp4")
    with (
        av.open(str(src)) as inp,
        av.open(str(part), "w", options={"movflags": "+faststart"}) as out,
    ):
        vin = inp.streams.video[0]
        rate = vin.average_rate or Fraction(24)
        vout = out.add_stream("libx264", rate=rate)
        vout.width, vout.height = vin.codec_context.width, vin.codec_context.height
        vout.pix_fmt = "yuv420p"
        vout.bit_rate = video_bitrate
        vout.options = {
            "preset": "veryfast",
            "maxrate": str(video_bitrate),
            "bufsize": str(video_bitrate * 2),
        }
        ain = inp.streams.audio[0] if inp.streams.audio else None
        aout = out.add_stream("aac", rate=48_000) if ain is not None else None
        if aout is not None:
            aout.bit_rate = AUDIO_BITRATE
        streams = [s for s in (vin, ain) if s is not None]
        for packet in inp.demux(*streams):
            for frame in packet.decode():
                if isinstance(frame, av.VideoFrame):
                    frame.pts = None
                    out.mux(vout.encode(frame))
                elif isinstance(frame, av.AudioFrame) and aout is not None:
                    frame.pts = None
                    out.mux(aout.encode(frame))
        out.mux(vout.encode(None))
        if aout is not None:
            out.mux(aout.encode(None))
    os.replace(part, dst)
