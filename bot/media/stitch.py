"""Stitching a chain of results (extend / insert), and a storyboard's shots, into one video
with PyAV.

The clips are decoded in order, scaled to the first clip's size, re-timed to one constant
frame rate (each output frame shows the clip's frame on screen at that moment, so a 25 fps
clip keeps its speed at 24 fps) and re-encoded as one H.264/AAC MP4 (48 kHz stereo),
streaming frame by frame. The sound is each clip's own (silence where a clip has none or
too little), or one soundtrack laid over the whole video from its start (silence after it
ends), cut to the sample at the video's end.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt

from bot.errors import PhrasedError
from bot.words import say

SAMPLE_RATE = 48_000
#: samples per AAC frame written (the encoder re-frames whatever it is given)
_CHUNK = 1024

Samples = npt.NDArray[np.float32]  # shape (2, n): planar stereo in [-1, 1]


class StitchError(PhrasedError):
    """A clip could not be read; its phrase says which, for the member."""


def stitch(clips: list[Path], out: Path, fps: int = 24) -> Path:
    """Join ``clips`` (in order) into ``out``; return it. Raises :class:`StitchError`."""
    if len(clips) < 2:
        raise StitchError(say("stitch-too-few"))
    return join_clips(clips, out, fps=fps)


def join_clips(
    clips: Sequence[Path], out: Path, *, fps: int = 24, soundtrack: Path | None = None
) -> Path:
    """Join ``clips`` (one or more, in order) into the MP4 ``out``; return it.

    Each clip lasts ``round(duration × fps)`` frames of ``fps`` (its container's duration),
    so the result lasts the sum of the clips to within half a frame each. The sound is the
    clips' own, or with ``soundtrack`` that file's first audio track from its start, cut
    (or followed by silence) to the video's length.

    Raises:
        StitchError: a clip or the soundtrack could not be read (``stitch-unreadable``
            names the file).
    """
    try:
        with av.open(str(clips[0])) as first:
            width = first.streams.video[0].codec_context.width
            height = first.streams.video[0].codec_context.height
    except (av.FFmpegError, IndexError, OSError) as exc:
        raise StitchError(say("stitch-unreadable", clip=clips[0].name)) from exc
    part = out.with_suffix(".part.mp4")
    try:
        with av.open(str(part), "w", options={"movflags": "+faststart"}) as sink:
            video = sink.add_stream("libx264", rate=fps)
            video.width, video.height, video.pix_fmt = width, height, "yuv420p"
            video.options = {"preset": "veryfast", "crf": "21"}
            audio = sink.add_stream("aac", rate=SAMPLE_RATE)
            audio.layout = "stereo"
            sound = _SoundWriter(sink, audio)
            track = _open_track(soundtrack) if soundtrack is not None else None
            try:
                shared = _Samples(_decode(track)) if track is not None else None
                frame_index = 0
                for clip in clips:
                    try:
                        frame_index = _append_video(clip, sink, video, fps, frame_index)
                        target = round(Fraction(frame_index, fps) * SAMPLE_RATE)
                        if shared is not None:
                            sound.write_until(target, shared)
                        else:
                            with av.open(str(clip)) as source:
                                sound.write_until(target, _Samples(_decode(source)))
                    except (av.FFmpegError, IndexError, OSError) as exc:
                        raise StitchError(say("stitch-unreadable", clip=clip.name)) from exc
            finally:
                if track is not None:
                    track.close()
            sink.mux(video.encode(None))
            sink.mux(audio.encode(None))
        os.replace(part, out)
    finally:
        part.unlink(missing_ok=True)
    return out


def _open_track(path: Path) -> av.container.InputContainer:
    try:
        return av.open(str(path))
    except (av.FFmpegError, OSError) as exc:
        raise StitchError(say("stitch-unreadable", clip=path.name)) from exc


def _append_video(
    clip: Path,
    sink: av.container.OutputContainer,
    video: av.VideoStream,
    fps: int,
    frame_index: int,
) -> int:
    """Encode ``clip``'s picture as ``round(duration × fps)`` frames after ``frame_index``;
    return the new frame count. Output frame k shows the clip's frame on screen at k / fps
    (the last one starting at or before it; the last frame is held to the end)."""
    with av.open(str(clip)) as source:
        vin = source.streams.video[0]
        duration = Fraction(source.duration, av.time_base) if source.duration else Fraction(0)
        count = round(duration * fps)
        origin: Fraction | None = None
        shown: av.VideoFrame | None = None
        done = 0

        def emit(frame: av.VideoFrame) -> None:
            nonlocal done
            scaled = frame.reformat(width=video.width, height=video.height, format="yuv420p")
            scaled.pts = frame_index + done
            scaled.time_base = Fraction(1, fps)
            sink.mux(video.encode(scaled))
            done += 1

        for frame in source.decode(vin):
            if frame.pts is None or frame.time_base is None:
                at = Fraction(done, fps) if shown is not None else Fraction(0)
            else:
                at = Fraction(frame.pts) * frame.time_base
                origin = at if origin is None else origin
                at -= origin
            while shown is not None and done < count and Fraction(done, fps) < at:
                emit(shown)
            if done >= count:
                break
            shown = frame
        while shown is not None and done < count:
            emit(shown)
    return frame_index + done


def _decode(container: av.container.InputContainer) -> Iterator[Samples]:
    """The first audio track of ``container`` as planar stereo 48 kHz float chunks
    (nothing when it has none)."""
    if not container.streams.audio:
        return
    resampler = av.AudioResampler(format="fltp", layout="stereo", rate=SAMPLE_RATE)
    for frame in container.decode(container.streams.audio[0]):
        for chunk in resampler.resample(frame):
            yield chunk.to_ndarray().astype(np.float32, copy=False)
    for chunk in resampler.resample(None):
        yield chunk.to_ndarray().astype(np.float32, copy=False)


class _Samples:
    """Hands out a chunk stream's samples in pieces of any length, keeping the rest."""

    def __init__(self, chunks: Iterator[Samples]) -> None:
        self._chunks = chunks
        self._rest: Samples | None = None

    def take(self, count: int) -> Samples | None:
        """Up to ``count`` samples, or ``None`` once the stream has ended."""
        while self._rest is None or self._rest.shape[1] == 0:
            self._rest = next(self._chunks, None)
            if self._rest is None:
                return None
        piece, self._rest = self._rest[:, :count], self._rest[:, count:]
        return piece


class _SoundWriter:
    """Encodes consecutive AAC audio, counting the samples written."""

    def __init__(self, sink: av.container.OutputContainer, stream: av.AudioStream) -> None:
        self.sink, self.stream, self.written = sink, stream, 0

    def write_until(self, target: int, source: _Samples) -> None:
        """Write ``source``'s samples until ``target`` samples are written in all, then
        silence if it ended first."""
        while self.written < target:
            want = min(_CHUNK, target - self.written)
            piece = source.take(want)
            if piece is None:
                piece = np.zeros((2, want), dtype=np.float32)
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(piece), format="fltp", layout="stereo"
            )
            frame.sample_rate = SAMPLE_RATE
            frame.pts = self.written
            frame.time_base = Fraction(1, SAMPLE_RATE)
            self.written += piece.shape[1]
            self.sink.mux(self.stream.encode(frame))
