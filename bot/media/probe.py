"""Identify and probe media files by their bytes, with real decoders.

A file's name and declared content type are never trusted: the kind and format come from
its magic bytes (``filetype``) and are confirmed by a real decode: Pillow for images, PyAV
(FFmpeg's demuxers) for video and audio. Probing reads headers and a few packets, never
the whole file into memory.
"""

from __future__ import annotations

import errno
import mmap
import warnings
from pathlib import Path
from typing import Any

import av
import filetype
from PIL import Image

from bot.errors import PhrasedError
from bot.seedance.facts import MediaInfo
from bot.seedance.limits import AssetKind
from bot.words import say

# Images above this many pixels are refused before decoding (a decompression bomb); 6000×6000 is the
# largest image any seed accepts (seed 001: ≤ 6000 px per side), so twice that is ample.
MAX_DECODE_PIXELS = 2 * 6000 * 6000
# A reference clip has one picture and at most one sound track; more than this is refused. FFmpeg
# is told to stop creating streams one past it, so a header declaring 10,000 tracks costs nothing.
MAX_STREAMS = 16
# Animated images with more frames are refused (a GIF of 10,000 1×1 frames is 230 KB).
MAX_IMAGE_FRAMES = 1_000
# Trailing NUL padding after an image's end marker that is tolerated (some encoders pad files).
MAX_IMAGE_PADDING = 64 * 1024
# Demuxers FFmpeg may use on an upload. Anything else (hls, concat, image2, subtitles, tty…)
# is refused before its header is read: playlists would make FFmpeg open other files or URLs.
_AV_FORMAT_WHITELIST = (
    "mov,matroska,webm,avi,mpeg,mpegts,flv,mp3,wav,w64,flac,ogg,aac,aiff,amr,m4v,h264,hevc"
)
_AV_OPTIONS = {
    "format_whitelist": _AV_FORMAT_WHITELIST,
    "protocol_whitelist": "file",
    "max_streams": str(MAX_STREAMS + 1),
    "enable_drefs": "0",
}

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


class UnreadableMedia(PhrasedError):
    """The file is not an image, video or audio file any decoder here can read; its phrase
    says why, for the member."""


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
        raise UnreadableMedia(say("unreadable-empty"))
    guess = filetype.guess(str(path))
    mime = guess.mime if guess else ""
    if mime.startswith("image/"):
        return _probe_image(path, size)
    if guess is None or mime.startswith(("video/", "audio/")):
        return _probe_av(path, size, guess.extension if guess else None)
    raise UnreadableMedia(say("unreadable-other-type", type=guess.extension))


def _probe_image(path: Path, size: int) -> MediaInfo:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                fmt = _IMAGE_FORMATS.get(img.format or "", (img.format or "image").lower())
                width, height = img.size
                if width * height > MAX_DECODE_PIXELS:
                    raise UnreadableMedia(
                        say("unreadable-huge-image", width=str(width), height=str(height))
                    )
                frames = _count_frames(img, path)
                img.load()  # a real decode: catches truncated and corrupt data
                _refuse_trailing_data(path, size, img)
    except UnreadableMedia:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UnreadableMedia(say("unreadable-image-too-large")) from exc
    except Exception as exc:  # Pillow raises many types for corrupt files
        # Pillow's messages name the temporary file; the member needs the gist only.
        raise UnreadableMedia(say("unreadable-image-damaged")) from exc
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
        container = av.open(str(path), metadata_errors="ignore", options=_AV_OPTIONS)
    except av.FFmpegError as exc:
        if exc.errno == errno.EINVAL:  # a demuxer outside _AV_FORMAT_WHITELIST was picked
            raise UnreadableMedia(say("unreadable-no-decoder")) from exc
        raise UnreadableMedia(say("unreadable-no-decoder")) from exc
    except MemoryError as exc:
        raise UnreadableMedia(say("unreadable-header")) from exc
    with container:
        if len(container.streams) > MAX_STREAMS:
            raise UnreadableMedia(say("unreadable-streams", most=MAX_STREAMS))
        video = picture_stream(container)
        audio = container.streams.audio[0] if container.streams.audio else None
        main: av.stream.Stream | None = video or audio
        if main is None:
            raise UnreadableMedia(say("unreadable-no-tracks"))
        duration = _duration_s(container, main)
        if video is not None:
            width, height = video.codec_context.width, video.codec_context.height
            if width * height > MAX_DECODE_PIXELS:
                raise UnreadableMedia(
                    say("unreadable-huge-frames", width=str(width), height=str(height))
                )
        main.codec_context.thread_count = 1  # one frame is decoded: no frame-thread buffers
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


def picture_stream(container: av.container.InputContainer) -> av.VideoStream | None:
    """The first video stream that is a moving picture (not an attached cover image)."""
    for stream in container.streams.video:
        if not stream.disposition & av.stream.Disposition.attached_pic:
            return stream
    return None


def stream_duration_s(container: av.container.InputContainer, stream: Any) -> float | None:
    """Duration in seconds: the container's, else ``stream``'s (``None`` when neither says)."""
    if container.duration is not None and container.duration > 0:
        return float(container.duration / av.time_base)
    if stream is not None and stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    return None


def _duration_s(container: av.container.InputContainer, stream: av.stream.Stream) -> float:
    duration = stream_duration_s(container, stream)
    if duration is None:
        raise UnreadableMedia(say("unreadable-duration"))
    return duration


def _decode_one_frame(container: av.container.InputContainer, stream: av.stream.Stream) -> None:
    """Decode the first frame of ``stream``: a header alone does not prove the data is there."""
    try:
        for frame in container.decode(stream):
            del frame
            return
    except av.FFmpegError as exc:
        raise UnreadableMedia(say("unreadable-data")) from exc
    raise UnreadableMedia(say("unreadable-no-frames"))


def _container_format(av_name: str, extension: str | None) -> str:
    if extension in _CONTAINER_BY_EXTENSION:
        return _CONTAINER_BY_EXTENSION[extension]
    if av_name in _CONTAINER_BY_AV_NAME:
        return _CONTAINER_BY_AV_NAME[av_name]
    return av_name.split(",")[0]


def _count_frames(img: Image.Image, path: Path) -> int:
    """Frames of an (animated) image, refusing more than :data:`MAX_IMAGE_FRAMES`.

    Pillow's ``n_frames`` walks a GIF or TIFF frame by frame in Python; GIF frames are counted
    here from the block structure and TIFF pages by seeking, both stopping one past the cap.
    Other formats (PNG, WebP, MPO) read the count from a header.
    """
    if img.format == "GIF":
        count = _gif_frames(path)
    elif img.format == "TIFF":
        count = 1
        while count <= MAX_IMAGE_FRAMES:
            try:
                img.seek(count)
            except EOFError:
                break
            count += 1
        img.seek(0)
    else:
        count = int(getattr(img, "n_frames", 1))
    if count > MAX_IMAGE_FRAMES:
        raise UnreadableMedia(say("unreadable-long-animation", most=MAX_IMAGE_FRAMES))
    return count


def _gif_frames(path: Path) -> int:
    """Image descriptors in a GIF, stopping one past :data:`MAX_IMAGE_FRAMES` (0 if unparsable;
    Pillow's decode reports the damage)."""
    with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        end = len(mm)
        pos, frames = 13, 0
        if end < pos:
            return 0
        if mm[10] & 0x80:
            pos += 3 << ((mm[10] & 7) + 1)
        while pos < end and frames <= MAX_IMAGE_FRAMES:
            block = mm[pos]
            if block == 0x3B:  # trailer
                break
            if block == 0x21:  # extension: label, then sub-blocks
                pos += 2
            elif block == 0x2C and pos + 10 <= end:  # image descriptor
                frames += 1
                flags = mm[pos + 9]
                pos += 10 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)
                pos += 1  # LZW minimum code size
            else:
                break
            while pos < end and mm[pos]:  # data sub-blocks up to the 0 terminator
                pos += mm[pos] + 1
            pos += 1
        return frames


def _image_end(mm: mmap.mmap, img: Image.Image) -> int | None:
    """Offset just past the image's own data, or ``None`` when the format is not checked."""
    if img.format == "PNG":
        return _png_end(mm)
    if img.format == "JPEG":
        return _jpeg_end(mm, 0)
    if img.format == "MPO":
        offsets: list[int] = getattr(img, "_MpoImageFile__mpoffsets", [])
        mpinfo: dict[int, Any] = getattr(img, "mpinfo", None) or {}
        entries: list[dict[str, Any]] = mpinfo.get(0xB002, [])
        if not offsets or len(offsets) != len(entries):
            return None
        ends = [_jpeg_end(mm, off) for off in offsets]
        return None if None in ends else max(e for e in ends if e is not None)
    if img.format == "WEBP" and mm[:4] == b"RIFF":
        riff = int.from_bytes(mm[4:8], "little")
        return 8 + riff + (riff & 1)
    if img.format == "GIF":
        return _gif_end(mm)
    return None


def _png_end(mm: mmap.mmap) -> int | None:
    pos, end = 8, len(mm)
    while pos + 12 <= end:
        length = int.from_bytes(mm[pos : pos + 4], "big")
        kind = mm[pos + 4 : pos + 8]
        pos += 12 + length
        if kind == b"IEND":
            return pos
    return None


def _jpeg_end(mm: mmap.mmap, start: int) -> int | None:
    """Offset just past the EOI marker of the JPEG starting at ``start``."""
    pos, end = start + 2, len(mm)
    while pos + 1 < end:
        if mm[pos] != 0xFF:
            return None
        while pos < end and mm[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos >= end:
            return None
        marker = mm[pos]
        pos += 1
        if marker == 0xD9:  # EOI
            return pos
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:  # markers without a length
            continue
        pos += int.from_bytes(mm[pos : pos + 2], "big")
        if marker == 0xDA:  # entropy-coded data runs to the next real marker
            while True:
                pos = mm.find(b"\xff", pos)
                if pos < 0 or pos + 1 >= end:
                    return None
                following = mm[pos + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
                    pos += 1
                    continue
                break
    return None


def _gif_end(mm: mmap.mmap) -> int | None:
    trailer = mm.rfind(b"\x3b")
    return trailer + 1 if trailer > 0 else None


def _refuse_trailing_data(path: Path, size: int, img: Image.Image) -> None:
    """Refuse an image with another file appended after its end (a polyglot).

    A polyglot (a JPEG followed by a zip, a PNG followed by HTML/JavaScript) decodes as a normal
    picture, but the stored file would carry the hidden payload on to the provider and to
    anyone the asset host serves it to. Intake does not rewrite uploads, so it refuses them;
    re-saving the image in an editor drops the extra data. NUL padding is tolerated.
    """
    with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        end = _image_end(mm, img)
        if end is None or end >= size:
            return
        extra = size - end
        if extra <= MAX_IMAGE_PADDING and mm[end:size].count(0) == extra:
            return
    raise UnreadableMedia(say("unreadable-appended", bytes=extra))
