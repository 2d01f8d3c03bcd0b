"""What a board tile shows, decoded from the asset's file: a cover-fit image thumbnail, a
contact sheet of video frames, or an audio envelope (or a short reason it can't be shown).
"""

from __future__ import annotations

import logging
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt
from PIL import Image, ImageOps

from bot.media.board.layout import MEDIA_BG, VIDEO_FRAMES, Box, frame_boxes
from bot.media.probe import MAX_DECODE_PIXELS, picture_stream, stream_duration_s
from bot.media.sound import decode_segment
from bot.seedance.session import Asset

log = logging.getLogger(__name__)

AUDIO_RATE_HZ = 4000
AUDIO_MAX_DECODE_S = 60.0
# Most frames decoded for one video tile (a 15 s clip at 60 fps is 900).
MAX_DECODED_FRAMES = 1200


class Unpreviewable(Exception):
    """A file the board will not try to draw (with a short reason for the tile)."""


Picture = Image.Image | list[Image.Image] | tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]


def decode_picture(asset: Asset, media: Box) -> Picture | str:
    """What a tile shows, decoded from ``asset.path``; a short reason when it can't be."""
    try:
        if not asset.path.is_file():
            return "file missing"
        if asset.kind == "image":
            return image_thumbnail(asset.path, media.size)
        if asset.kind == "video":
            return [
                cover(frame, cell.size)
                for cell, frame in zip(frame_boxes(media), video_frames(asset.path), strict=True)
            ]
        return audio_envelope(asset.path, media.width)
    except Exception as exc:  # a bad file gets a "can't preview" tile, never a crash
        log.warning("board: can't preview %s (%s): %r", asset.tag, asset.path, exc)
        return str(exc) if isinstance(exc, Unpreviewable) else "could not decode"


def cover(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """``image`` scaled to cover ``size`` and centre-cropped to it."""
    return ImageOps.fit(image, size, Image.Resampling.BILINEAR)


def image_thumbnail(path: Path, size: tuple[int, int]) -> Image.Image:
    """A cover-fit RGB thumbnail of exactly ``size`` px, decoded at reduced scale if possible."""
    with Image.open(path) as img:
        if img.width * img.height > MAX_DECODE_PIXELS:
            raise Unpreviewable(f"{img.width}×{img.height} px is too large")
        side = max(size)
        img.draft("RGB", (side, side))  # JPEG: decode at 1/2, 1/4 or 1/8 scale, still ≥ side
        img.load()
        oriented = ImageOps.exif_transpose(img)
    if oriented.mode in ("RGBA", "LA", "PA") or "transparency" in oriented.info:
        rgba = oriented.convert("RGBA")
        flat = Image.new("RGBA", rgba.size, (*MEDIA_BG, 255))
        flat.alpha_composite(rgba)
        oriented = flat
    scale = max(size[0] / oriented.width, size[1] / oriented.height)
    # min/max: float rounding can make the crop a hair larger than the picture
    crop_w, crop_h = min(size[0] / scale, oriented.width), min(size[1] / scale, oriented.height)
    left, top = max(0.0, (oriented.width - crop_w) / 2), max(0.0, (oriented.height - crop_h) / 2)
    return oriented.convert("RGB").resize(
        size,
        Image.Resampling.LANCZOS,
        box=(left, top, left + crop_w, top + crop_h),
        reducing_gap=2.0,
    )


def video_frames(path: Path, n: int = VIDEO_FRAMES) -> list[Image.Image]:
    """``n`` frames at ``(i + ½) / n`` of the clip, each at most 480 px wide.

    Seeks to the keyframe before each sample (when the stream's index says the decoder is
    not already in that group of pictures) and decodes forward to the sample, skipping
    non-reference frames until 0.3 s before it.
    """
    with av.open(str(path), metadata_errors="ignore") as container:
        stream = picture_stream(container)
        if stream is None or stream.time_base is None:
            raise Unpreviewable("no picture track")
        stream.thread_type = "AUTO"
        codec = stream.codec_context
        time_base = stream.time_base
        duration = stream_duration_s(container, stream)
        if duration is None:
            raise Unpreviewable("unknown duration")
        start = float(stream.start_time * time_base) if stream.start_time is not None else 0.0
        keyframes = sorted(e.timestamp for e in stream.index_entries if e.is_keyframe)
        targets = [start + (i + 0.5) * duration / n for i in range(n)]
        frames: list[Image.Image] = []
        decoded = 0
        position: float | None = None  # time of the last decoded frame
        packets = None
        for target in targets:
            target_ts = int(target / time_base)
            key_before = max((k for k in keyframes if k <= target_ts), default=None)
            same_gop = (
                position is not None
                and key_before is not None
                and float(key_before * time_base) <= position < target
            )
            if packets is None or not same_gop:
                container.seek(target_ts, stream=stream, backward=True)
                packets = container.decode(stream)
            found = None
            last = None
            for frame in packets:
                decoded += 1
                last = frame
                if frame.time is not None:
                    position = frame.time
                    codec.skip_frame = "DEFAULT" if frame.time >= target - 0.3 else "NONREF"
                    if frame.time >= target - 0.02:
                        found = frame
                        break
                if decoded >= MAX_DECODED_FRAMES:
                    break
            chosen = found or last
            if chosen is None:
                if frames:  # past the end: repeat the last sample
                    frames.append(frames[-1])
                    continue
                raise Unpreviewable("no decodable frames")
            codec.skip_frame = "DEFAULT"
            scale = min(1.0, 480 / chosen.width)
            frames.append(
                rgb_image(
                    chosen.reformat(
                        width=max(2, round(chosen.width * scale)),
                        height=max(2, round(chosen.height * scale)),
                        format="rgb24",
                    ).to_ndarray()
                )
            )
        return frames


def rgb_image(pixels: npt.NDArray[np.generic]) -> Image.Image:
    return Image.fromarray(np.ascontiguousarray(pixels, dtype=np.uint8))


def audio_envelope(
    path: Path, bins: int
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """Per-column ``(low, high)`` of the mono sound, each ``bins`` floats in [-1, 1]: the
    peak of each column's slice (pydub's ``max``) against the clip's peak, drawn both ways
    (so a column is taller where the clip is louder); a silent file gives zeros. At most
    :data:`AUDIO_MAX_DECODE_S` seconds, decoded by PyAV at :data:`AUDIO_RATE_HZ` mono.
    """
    with av.open(str(path), metadata_errors="ignore") as container:
        if not container.streams.audio:
            raise Unpreviewable("no sound track")
        sound = decode_segment(
            container, container.streams.audio[0], rate=AUDIO_RATE_HZ, channels=1,
            max_s=AUDIO_MAX_DECODE_S,
        )  # fmt: skip
    samples = len(sound.raw_data) // sound.frame_width
    if samples == 0:
        raise Unpreviewable("no decodable sound")
    peak = sound.max
    edges = np.linspace(0, samples, bins + 1).astype(np.int64)
    high = np.zeros(bins, dtype=np.float32)
    if peak > 0:
        for i in range(bins):
            part = sound.get_sample_slice(int(edges[i]), max(int(edges[i + 1]), int(edges[i]) + 1))
            high[i] = part.max / peak
    return -high, high
