"""The video fixes' seek and their threads (bot/media/fixes/video.py): a cut decodes from the
keyframe before it (or from the start when the container's seek cannot be trusted), scales
and encodes on threads of its own, and leaves none running, whatever happens.

Uses ``../shared/media`` (the ``media`` fixture skips when it is absent).
"""

from __future__ import annotations

import threading
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from bot.media.fixes import trim_video
from bot.media.fixes.pipeline import Pipeline
from bot.media.fixes.video import (
    SCALER_DOWN,
    SCALER_UP,
    _seek_video,
    _video_stream,
    scaler_for,
)
from bot.media.probe import probe
from tests.test_fixes import frame_at


def _our_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("callsheet-")]


def _first_frame_and_count(path: Path) -> tuple[float, int, float]:
    """The first frame's time (s), the number of frames and the frame rate of ``path``."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        times = [f.time for f in container.decode(stream)]
        rate = float(stream.average_rate or 0)
    assert times and times[0] is not None
    return float(times[0]), len(times), rate


@pytest.mark.parametrize(
    ("name", "start_s", "length_s", "size"),
    [
        # MP4: the seek lands on the keyframe at 4.64 s, before the cut.
        ("city_20s_1080p.mp4", 7.5, 5.0, (1280, 720)),
        # MOV with AAC: the only keyframe before 2 s is the first frame.
        ("city_with_music.mov", 2.0, 5.0, (960, 720)),
        # MPEG-2 program stream: the seek lands after the cut on no keyframe, so the cut
        # decodes from the start instead.
        ("cityCC0.mpg", 3.0, 3.0, (864, 486)),
    ],
)
def test_cut_after_a_seek_starts_at_zero_with_the_frame_at_the_cut(
    media: Path, tmp_path: Path, name: str, start_s: float, length_s: float, size: tuple[int, int]
) -> None:
    src = media / "video" / name
    out = trim_video(src, tmp_path / "cut.mp4", start_s, length_s)
    info = probe(out)
    assert (info.width, info.height) == size
    assert info.duration_s is not None and abs(info.duration_s - length_s) <= 0.05
    first_s, count, rate = _first_frame_and_count(out)
    assert first_s == 0.0
    assert count == int(length_s * rate + 1e-6)
    got = frame_at(out, 0.0)
    wanted = frame_at(src, start_s + 0.5 / rate)
    assert np.abs(got - wanted).mean() < 6
    assert np.abs(got - wanted).mean() < np.abs(got - frame_at(src, start_s - 1.0)).mean() / 2
    assert _our_threads() == []


def test_seek_is_trusted_only_on_a_keyframe_before_the_cut(media: Path) -> None:
    with av.open(str(media / "video/city_20s_1080p.mp4")) as container:
        stream = container.streams.video[0]
        assert _seek_video(container, stream, 0.0, 7.5)
        first = next(container.decode(stream))
        assert first.key_frame and first.time is not None and abs(first.time - 4.64) < 0.01
    with av.open(str(media / "video/cityCC0.mpg")) as container:
        stream = container.streams.video[0]
        origin = (container.start_time or 0) / 1_000_000
        assert not _seek_video(container, stream, origin, 3.0)
        first = next(container.decode(stream))  # back at the start
        assert first.time is not None and first.time - origin < 0.6


def test_the_scaler_averages_when_shrinking_and_is_bicubic_when_enlarging() -> None:
    assert scaler_for((1920, 1080), (1280, 720)) == SCALER_DOWN == "AREA"
    assert scaler_for((720, 405), (864, 486)) == SCALER_UP == "BICUBIC"
    assert scaler_for((960, 720), (960, 720)) == SCALER_UP  # no resize: swscale is skipped


def test_an_encoding_error_reaches_the_caller_and_stops_the_threads(tmp_path: Path) -> None:
    with av.open(str(tmp_path / "bad.mp4"), "w", format="mp4") as out:
        stream = _video_stream(out, Fraction(25), (320, 240))
        pipeline = Pipeline(out)

        def frame() -> av.VideoFrame:
            made = av.VideoFrame(320, 240, "yuv420p")
            made.time_base = Fraction(1, 25)
            return made

        pipeline.put(stream, frame(), 0)
        assert _our_threads() != []
        with pytest.raises(av.FFmpegError):
            try:
                # Timestamps going back: the muxer refuses them on the encoding thread.
                for pts in [1, 2, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]:
                    pipeline.put(stream, frame(), pts)
                pipeline.put(stream, None)
                pipeline.finish()
            finally:
                pipeline.close()
    assert _our_threads() == []
