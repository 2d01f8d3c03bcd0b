"""What the rules know about one file: the facts a probe measured (bot.media.probe fills them).

The Seedance limits (:mod:`bot.seedance.checks`) are checked against these facts, so the
rules need no decoder: a probe measures, the rules judge.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.seedance.limits import AssetKind


@dataclass(frozen=True)
class MediaInfo:
    """What a probe learned about a file.

    Attributes:
        kind: "image", "video" (has a picture stream) or "audio" (sound only).
        format: short container/file format ("png", "jpeg", "mp4", "mov", "webm", "mp3"…).
        size_bytes: file size in bytes.
        width / height: pixels (images and videos), else ``None``.
        duration_s: seconds (videos and audio), else ``None``.
        video_codec / audio_codec: FFmpeg codec names, or ``None``.
        has_audio: a video with a sound track, or an audio file.
        frames: frame count of an animated image (1 for a still), else ``None``.
        extension: file extension to store it under ("png", "mp4"…).
        frame_rate: frames per second of a video's picture, when the file says.
        embedded_video: a phone "motion photo" (a still with a short video appended):
            the video's byte offset and length in the file, else ``None``. Such a file is
            never stored as it is: its still is re-encoded, its video offered apart.
    """

    kind: AssetKind
    format: str
    size_bytes: int
    width: int | None = None
    height: int | None = None
    duration_s: float | None = None
    video_codec: str | None = None
    audio_codec: str | None = None
    has_audio: bool = False
    frames: int | None = None
    extension: str = "bin"
    frame_rate: float | None = None
    embedded_video: tuple[int, int] | None = None

    def asset_fields(self) -> dict[str, Any]:
        """The facts an asset keeps from its probe (format, size, pixels, duration, sound)."""
        return {
            "format": self.format,
            "size_bytes": self.size_bytes,
            "width": self.width,
            "height": self.height,
            "duration_s": self.duration_s,
            "has_audio": self.has_audio,
        }

    @property
    def pixels(self) -> int | None:
        """width × height, or ``None`` for audio."""
        if self.width is None or self.height is None:
            return None
        return self.width * self.height
