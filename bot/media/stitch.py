"""Stitching a chain of results (extend / insert) into one video with PyAV.

The clips are decoded in order, scaled to the first clip's size and re-encoded as one
H.264/AAC MP4 (48 kHz stereo; silence where a clip has no sound), streaming frame by frame.
"""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from bot.errors import PhrasedError
from bot.words import say

SAMPLE_RATE = 48_000


class StitchError(PhrasedError):
    """A clip could not be read; its phrase says which, for the member."""


def stitch(clips: list[Path], out: Path, fps: int = 24) -> Path:
    """Join ``clips`` (in order) into ``out``; return it. Raises :class:`StitchError`."""
    if len(clips) < 2:
        raise StitchError(say("stitch-too-few"))
    try:
        with av.open(str(clips[0])) as first:
            width = first.streams.video[0].codec_context.width
            height = first.streams.video[0].codec_context.height
    except (av.FFmpegError, IndexError) as exc:
        raise StitchError(say("stitch-unreadable", clip=clips[0].name)) from exc
    part = out.with_suffix(".part.mp4")
    with av.open(str(part), "w", options={"movflags": "+faststart"}) as sink:
        video = sink.add_stream("libx264", rate=fps)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.options = {"preset": "veryfast", "crf": "21"}
        audio = sink.add_stream("aac", rate=SAMPLE_RATE)
        audio.layout = "stereo"
        frame_index = 0
        samples_written = 0
        for clip in clips:
            try:
                frame_index, samples_written = _append(
                    clip, sink, video, audio, fps, frame_index, samples_written
                )
            except av.FFmpegError as exc:
                raise StitchError(say("stitch-unreadable", clip=clip.name)) from exc
        sink.mux(video.encode(None))
        sink.mux(audio.encode(None))
    os.replace(part, out)
    return out


def _append(
    clip: Path,
    sink: av.container.OutputContainer,
    video: av.VideoStream,
    audio: av.AudioStream,
    fps: int,
    frame_index: int,
    samples_written: int,
) -> tuple[int, int]:
    with av.open(str(clip)) as source:
        vin = source.streams.video[0]
        duration = float(source.duration / av.time_base) if source.duration else 0.0
        target_frames = frame_index + round(duration * fps)
        for frame in source.decode(vin):
            if frame_index >= target_frames:
                break
            scaled = frame.reformat(width=video.width, height=video.height, format="yuv420p")
            scaled.pts = frame_index
            scaled.time_base = Fraction(1, fps)
            sink.mux(video.encode(scaled))
            frame_index += 1
    target_samples = round(frame_index / fps * SAMPLE_RATE)
    samples_written = _append_audio(clip, sink, audio, samples_written, target_samples)
    return frame_index, samples_written


def _append_audio(
    clip: Path,
    sink: av.container.OutputContainer,
    audio: av.AudioStream,
    written: int,
    target: int,
) -> int:
    resampler = av.AudioResampler(format="fltp", layout="stereo", rate=SAMPLE_RATE)
    with av.open(str(clip)) as source:
        if source.streams.audio:
            for frame in source.decode(source.streams.audio[0]):
                for chunk in resampler.resample(frame):
                    if written >= target:
                        break
                    chunk.pts = written
                    written += chunk.samples
                    sink.mux(audio.encode(chunk))
    while written < target:  # silence for clips without (enough) sound
        count = min(1024, target - written)
        silence = av.AudioFrame.from_ndarray(
            np.zeros((2, count), dtype=np.float32), format="fltp", layout="stereo"
        )
        silence.sample_rate = SAMPLE_RATE
        silence.pts = written
        written += count
        sink.mux(audio.encode(silence))
    return written
