"""Identify and probe media files by their bytes, with real decoders.

A file's name and declared content type are never trusted: the kind and format come from
its magic bytes (``filetype``) and are confirmed by a real decode: Pillow for images, PyAV
(FFmpeg's demuxers) for video and audio. Probing reads headers and a few packets, never
the whole file into memory.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import av
import filetype
from PIL import Image

from bot.limits import AssetKind

# Images above this many pixels are refused before decoding (a decompression bomb); 6000×6000 is the
# largest image any seed accepts (seed 001: ≤ 6000 px per side), so twice that is ample.
MAX_DECODE_PIXELS = 2 * 6000 * 6000

_IMAGE_FORMATS = {
    "JPEG": "jpeg",
    "PNG": "png",
    "WEBP": "webp",
    "GIF": "gif",
    "BMP": "bmp",
    "TIFF": "tiff",
    "MPO": "jpeg",
}
# filetype extension → our short format name for containers PyAV reports ambiguously
# ("mov,mp4,m4a,3gp,3g2,mj2" covers mp4, mov and m4a).
_CONTAINER_BY_EXTENSION = {
    "mp4": "mp4",
    "m4v": "mp4",
    "mov": "mov",
    "m4a": "m4a",
    "webm": "webm",
    "mkv": "mkv",
    "avi": "avi",
    "mpg": "mpeg",
    "flv": "flv",
    "3gp": "3gp",
    "mp3": "mp3",
    "wav": "wav",
    "flac": "flac",
    "ogg": "ogg",
    "aac": "aac",
    "aiff": "aiff",
    "amr": "amr",
}
_CONTAINER_BY_AV_NAME = {
    "mp3": "mp3",
    "wav": "wav",
    "flac": "flac",
    "ogg": "ogg",
    "aac": "aac",
    "matroska,webm": "mkv",
    "mpeg": "mpeg",
    "avi": "avi",
}


class UnreadableMedia(Exception):
    """The file is not an image, video or audio file any decoder here can read."""


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

    @property
    def pixels(self) -> int | None:
        """width × height, or ``None`` for audio."""
        if self.width is None or self.height is None:
            return None
        return self.width * self.height


def probe(path: Path) -> MediaInfo:
    """Identify and probe ``path``.

    Returns:
        a :class:`MediaInfo`.

    Raises:
        UnreadableMedia: empty file, unknown bytes, or a decoder failure (truncated,
            corrupt, a decompression bomb above :data:`MAX_DECODE_PIXELS`).
    """
    size = path.stat().st_size
    if size == 0:
        raise UnreadableMedia("the file is empty (0 bytes)")
    guess = filetype.guess(str(path))
    mime = guess.mime if guess else ""
    if mime.startswith("image/"):
        return _probe_image(path, size)
    if guess is None or mime.startswith(("video/", "audio/")):
        return _probe_av(path, size, guess.extension if guess else None)
    raise UnreadableMedia(f"it looks like a {guess.extension} file, not an image, video or audio")


def _probe_image(path: Path, size: int) -> MediaInfo:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                fmt = _IMAGE_FORMATS.get(img.format or "", (img.format or "image").lower())
                width, height = img.size
                if width * height > MAX_DECODE_PIXELS:
                    raise UnreadableMedia(
                        f"the image claims {width}×{height} pixels, too large to open safely"
                    )
                frames = getattr(img, "n_frames", 1)
                img.load()  # a real decode: catches truncated and corrupt data
    except UnreadableMedia:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UnreadableMedia("the image is too large to open safely") from exc
    except Exception as exc:  # Pillow raises many types for corrupt files
        raise UnreadableMedia(f"the image could not be decoded ({exc})") from exc
    return MediaInfo(
        kind="image",
        format=fmt,
        size_bytes=size,
        width=width,
        height=height,
        frames=frames,
        extension="jpg" if fmt == "jpeg" else fmt,
    )


def _probe_av(path: Path, size: int, extension: str | None) -> MediaInfo:
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except av.FFmpegError as exc:
        raise UnreadableMedia(f"no decoder could read it ({exc.strerror or exc})") from exc
    with container:
        if len(container.streams) > 16:
            raise UnreadableMedia(f"it has {len(container.streams)} streams; expected 1 or 2")
        video = next(
            (
                s
                for s in container.streams.video
                if not s.disposition & av.stream.Disposition.attached_pic
            ),
            None,
        )
        audio = container.streams.audio[0] if container.streams.audio else None
        main: av.stream.Stream | None = video or audio
        if main is None:
            raise UnreadableMedia("it has neither a picture nor a sound track")
        duration = _duration_s(container, main)
        _decode_one_frame(container, main)
        fmt = _container_format(container.format.name, extension)
        kind: AssetKind = "video" if video is not None else "audio"
        return MediaInfo(
            kind=kind,
            format=fmt,
            size_bytes=size,
            width=video.codec_context.width if video else None,
            height=video.codec_context.height if video else None,
            duration_s=duration,
            video_codec=video.codec_context.name if video else None,
            audio_codec=audio.codec_context.name if audio else None,
            has_audio=audio is not None,
            extension=fmt,
        )


def _duration_s(container: av.container.InputContainer, stream: av.stream.Stream) -> float:
    if container.duration is not None and container.duration > 0:
        return float(container.duration / av.time_base)
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    raise UnreadableMedia("its duration could not be read (the file may be truncated)")


def _decode_one_frame(container: av.container.InputContainer, stream: av.stream.Stream) -> None:
    """Decode the first frame of ``stream``: a header alone does not prove the data is there."""
    try:
        for frame in container.decode(stream):
            del frame
            return
    except av.FFmpegError as exc:
        raise UnreadableMedia(f"its data could not be decoded ({exc.strerror or exc})") from exc
    raise UnreadableMedia("it contains no decodable frames (the file may be truncated)")


def _container_format(av_name: str, extension: str | None) -> str:
    if extension in _CONTAINER_BY_EXTENSION:
        return _CONTAINER_BY_EXTENSION[extension]
    if av_name in _CONTAINER_BY_AV_NAME:
        return _CONTAINER_BY_AV_NAME[av_name]
    return av_name.split(",")[0]
