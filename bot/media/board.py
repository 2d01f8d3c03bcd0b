"""The asset board: one PNG picture of a session's references and how much budget is left.

The session card (DESIGN.md "The flow", step 1) shows this image as its embed image.
Discord previews embed images at about 400 px wide on desktop (less on mobile), so the
board is drawn :data:`BOARD_WIDTH` = 1200 px wide with large, high-contrast type that stays
readable at a third of its size.

What is drawn, top to bottom:

- one **tile** per asset, in arrival order (``session.assets``), three per row (four once
  there are more than six): the tag (``@image1``) and, on the right, the duration, both in
  big type (on a narrow tile the duration moves to a badge on the picture); the role label
  ("first frame", :func:`bot.seedance.roles.get_role`); and small facts ("JPEG 640×427 · 110 KB").
  The picture part of the tile shows

  - images: a cover-fit thumbnail. JPEGs are decoded at a reduced scale with
    :meth:`PIL.Image.Image.draft`, so a 6000 px photo never decodes at full size; EXIF
    orientation is honoured;
  - videos: a 2×2 contact sheet of :data:`VIDEO_FRAMES` frames sampled evenly across the
    clip (at ``(i + ½) / n`` of its duration). PyAV seeks to the keyframe before each
    sample and decodes forward to it, skipping non-reference frames while far from it;
    the whole clip is never decoded unless the samples need it;
  - audio: a min/max envelope of the sound, decoded by PyAV and resampled to mono at
    :data:`AUDIO_RATE_HZ`, normalised to the clip's peak (so it is taller where the
    clip is louder), at most :data:`AUDIO_MAX_DECODE_S` seconds of it;
  - a file that is missing or fails to decode: a red panel with a cross and
    "can't preview" (the board never raises for one bad file).

- an empty session shows a placeholder: "Drop images, clips or audio here".
- three **budget bars** at the bottom, each green below 60 % full, amber below 90 %, red
  from 90 % (and when over the limit; the fill is then clamped to the whole bar):

  - Files: ``len(session.assets)`` of ``limits.max_files`` (seeds 000, 004: 12);
  - Video: total video seconds of ``limits.video.max_total_duration_s`` (seeds 000, 001,
    004: 15 s);
  - Audio: total audio seconds of ``limits.audio.max_total_duration_s`` (seeds 000, 001,
    004: 15 s).

  A limit of ``None`` (a profile without that cap) draws an empty bar labelled "no cap".

Geometry is in pixels, durations in seconds. :func:`board_layout` returns the exact boxes
:func:`render_board` draws into (tests measure them). Memory stays bounded: sources are
decoded on :data:`DECODE_THREADS` threads (at most two open at once); JPEGs are decoded
reduced (PNG cannot be, but anything above :data:`bot.media.probe.MAX_DECODE_PIXELS` is refused);
video frames are converted straight to thumbnail size; audio is decoded at 4 kHz mono.
Six assets render in about 0.4 s on 2 cores; 9 images + 3 videos + 3 audio in about
0.9 s with a peak RSS of about 165 MB (``bench/board.py``).

Pure Pillow, PyAV and numpy; no discord import. :func:`render_board` is synchronous and
CPU-bound: callers in the event loop run it in a thread (``asyncio.to_thread``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont, ImageOps

from bot.media.probe import MAX_DECODE_PIXELS
from bot.seedance.limits import Limits
from bot.seedance.roles import get_role
from bot.seedance.session import Asset, Session

log = logging.getLogger(__name__)

BOARD_WIDTH = 1200
MARGIN = 24
GAP = 18
TILE_PAD = 10
LABEL_H = 134
PLACEHOLDER_H = 300
BAR_ROW_H = 48
BAR_H = 28
BAR_LABEL_W = 340
SECTION_GAP = 26
FRAME_GAP = 4

VIDEO_FRAMES = 4
DECODE_THREADS = 2
AUDIO_RATE_HZ = 4000
AUDIO_MAX_DECODE_S = 60.0
# Most frames decoded for one video tile (a 15 s clip at 60 fps is 900).
MAX_DECODED_FRAMES = 1200

Color = tuple[int, int, int]
BG: Color = (30, 31, 34)
TILE_BG: Color = (43, 45, 49)
MEDIA_BG: Color = (17, 18, 20)
TEXT: Color = (242, 243, 245)
DIM: Color = (181, 186, 193)
TRACK: Color = (64, 66, 73)
GREEN: Color = (59, 165, 93)
AMBER: Color = (250, 166, 26)
RED: Color = (237, 66, 69)
FAIL_BG: Color = (92, 31, 34)
WAVE: Color = (95, 212, 240)
WAVE_AXIS: Color = (70, 74, 82)
KIND_COLORS: dict[str, Color] = {
    "image": (142, 161, 255),
    "video": (255, 143, 200),
    "audio": (95, 212, 240),
}

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@dataclass(frozen=True)
class Box:
    """A pixel rectangle, ``x0``/``y0`` inclusive, ``x1``/``y1`` exclusive."""

    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0

    @property
    def size(self) -> tuple[int, int]:
        return (self.width, self.height)

    def as_tuple(self) -> tuple[int, int, int, int]:
        """``(x0, y0, x1, y1)``, as :meth:`PIL.Image.Image.crop` takes it."""
        return (self.x0, self.y0, self.x1, self.y1)


@dataclass(frozen=True)
class TileLayout:
    """One asset tile: the whole ``box``, its ``media`` picture area and its ``label`` area."""

    box: Box
    media: Box
    label: Box


@dataclass(frozen=True)
class BoardLayout:
    """Where everything goes on a board of ``width`` × ``height`` pixels.

    Attributes:
        tiles: one per asset, in arrival order.
        placeholder: the "drop files here" panel of an empty board, else ``None``.
        bars: the files, video-seconds and audio-seconds bar tracks, in that order.
    """

    width: int
    height: int
    tiles: tuple[TileLayout, ...]
    placeholder: Box | None
    bars: tuple[Box, Box, Box]


def board_layout(n_assets: int) -> BoardLayout:
    """The layout :func:`render_board` uses for a session with ``n_assets`` assets."""
    columns = 3 if n_assets <= 6 else 4
    tile_w = (BOARD_WIDTH - 2 * MARGIN - (columns - 1) * GAP) // columns
    media_w = tile_w - 2 * TILE_PAD
    media_h = round(media_w * 9 / 16)
    tile_h = TILE_PAD + media_h + LABEL_H
    tiles: list[TileLayout] = []
    for index in range(n_assets):
        row, col = divmod(index, columns)
        x0 = MARGIN + col * (tile_w + GAP)
        y0 = MARGIN + row * (tile_h + GAP)
        media = Box(x0 + TILE_PAD, y0 + TILE_PAD, x0 + TILE_PAD + media_w, y0 + TILE_PAD + media_h)
        label = Box(x0 + TILE_PAD, media.y1, x0 + tile_w - TILE_PAD, y0 + tile_h)
        tiles.append(TileLayout(Box(x0, y0, x0 + tile_w, y0 + tile_h), media, label))
    placeholder: Box | None = None
    if n_assets:
        rows = -(-n_assets // columns)
        content_bottom = MARGIN + rows * tile_h + (rows - 1) * GAP
    else:
        placeholder = Box(MARGIN, MARGIN, BOARD_WIDTH - MARGIN, MARGIN + PLACEHOLDER_H)
        content_bottom = placeholder.y1
    top = content_bottom + SECTION_GAP
    bars = tuple(
        Box(
            MARGIN + BAR_LABEL_W,
            top + i * BAR_ROW_H + (BAR_ROW_H - BAR_H) // 2,
            BOARD_WIDTH - MARGIN,
            top + i * BAR_ROW_H + (BAR_ROW_H - BAR_H) // 2 + BAR_H,
        )
        for i in range(3)
    )
    height = top + 3 * BAR_ROW_H + MARGIN
    return BoardLayout(BOARD_WIDTH, height, tuple(tiles), placeholder, (bars[0], bars[1], bars[2]))


def frame_boxes(media: Box, n: int = VIDEO_FRAMES) -> tuple[Box, ...]:
    """The cells of a video tile's contact sheet inside ``media``: 2 × ceil(n/2), row-major."""
    cols = 2 if n > 1 else 1
    rows = -(-n // cols)
    cell_w = (media.width - (cols - 1) * FRAME_GAP) // cols
    cell_h = (media.height - (rows - 1) * FRAME_GAP) // rows
    cells = []
    for i in range(n):
        r, c = divmod(i, cols)
        x0 = media.x0 + c * (cell_w + FRAME_GAP)
        y0 = media.y0 + r * (cell_h + FRAME_GAP)
        cells.append(Box(x0, y0, x0 + cell_w, y0 + cell_h))
    return tuple(cells)


def bar_color(fraction: float) -> Color:
    """Green below 60 % of a limit, amber below 90 %, red from 90 % (and over the limit)."""
    if fraction < 0.6:
        return GREEN
    if fraction < 0.9:
        return AMBER
    return RED


def render_board(session: Session, limits: Limits, out_path: Path) -> Path:
    """Draw the asset board of ``session`` as a PNG at ``out_path`` and return ``out_path``.

    Args:
        session: the assets to show, in arrival order (their files are read, never written).
        limits: where the budget bars' caps come from (``max_files``, and
            ``video``/``audio.max_total_duration_s``; :data:`bot.seedance.limits.DEFAULT_LIMITS`
            for Seedance 2.0, seeds 000, 001, 004).
        out_path: the PNG to write; its folder must exist. Written to a temporary file
            first and renamed, so a reader never sees half a picture.

    Returns:
        ``out_path``: an RGB PNG :data:`BOARD_WIDTH` px wide; its height follows
        :func:`board_layout` (about 560 px for up to three assets, 920 px for six).

    Raises:
        OSError: when ``out_path`` cannot be written. A missing, corrupt or unsupported
            asset file never raises: its tile shows "can't preview".
    """
    layout = board_layout(len(session.assets))
    board = Image.new("RGB", (layout.width, layout.height), BG)
    draw = ImageDraw.Draw(board)
    if layout.placeholder is not None:
        _draw_placeholder(draw, layout.placeholder, limits)
    # Decoding runs on two threads (PyAV and Pillow release the GIL while decoding and
    # resizing); at most two sources are open at once, and each result is thumbnail-sized.
    with ThreadPoolExecutor(max_workers=DECODE_THREADS, thread_name_prefix="board") as pool:
        pictures = pool.map(_decode_picture, session.assets, [tile.media for tile in layout.tiles])
        for asset, tile, picture in zip(session.assets, layout.tiles, pictures, strict=True):
            _draw_tile(board, draw, asset, tile, picture)
    _draw_bars(draw, layout.bars, session, limits)
    tmp = out_path.with_name(f".{out_path.name}.{os.getpid()}.tmp")
    try:
        board.save(tmp, format="PNG", compress_level=3)
        tmp.replace(out_path)
    finally:
        tmp.unlink(missing_ok=True)
    return out_path


# --- text ----------------------------------------------------------------------------------


@lru_cache(maxsize=16)
def _font(size: int, bold: bool = False) -> Font:
    """DejaVu Sans (bold) at ``size`` px when installed, else Pillow's built-in font."""
    path = FONT_DIR / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
    try:
        return ImageFont.truetype(str(path), size)
    except OSError:
        return ImageFont.load_default(size=size)


def _fit(draw: ImageDraw.ImageDraw, text: str, font: Font, max_width: int) -> str:
    """``text`` cut with an ellipsis so it fits in ``max_width`` px."""
    if draw.textlength(text, font=font) <= max_width:
        return text
    while text and draw.textlength(text + "…", font=font) > max_width:
        text = text[:-1]
    return text.rstrip() + "…"


def _text_center(
    draw: ImageDraw.ImageDraw, box: Box, y: int, text: str, font: Font, fill: Color
) -> None:
    text = _fit(draw, text, font, box.width - 2 * TILE_PAD)
    x = box.x0 + (box.width - draw.textlength(text, font=font)) / 2
    draw.text((x, y), text, font=font, fill=fill)


# --- tiles ---------------------------------------------------------------------------------


class _Unpreviewable(Exception):
    """A file the board will not try to draw (with a short reason for the tile)."""


Picture = Image.Image | list[Image.Image] | tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]


def _decode_picture(asset: Asset, media: Box) -> Picture | str:
    """What a tile shows, decoded from ``asset.path``; a short reason when it can't be."""
    try:
        if not asset.path.is_file():
            return "file missing"
        if asset.kind == "image":
            return _image_thumbnail(asset.path, media.size)
        if asset.kind == "video":
            return [
                _cover(frame, cell.size)
                for cell, frame in zip(frame_boxes(media), _video_frames(asset.path), strict=True)
            ]
        return _audio_envelope(asset.path, media.width)
    except Exception as exc:  # a bad file gets a "can't preview" tile, never a crash
        log.warning("board: can't preview %s (%s): %r", asset.tag, asset.path, exc)
        return str(exc) if isinstance(exc, _Unpreviewable) else "could not decode"


def _draw_tile(
    board: Image.Image,
    draw: ImageDraw.ImageDraw,
    asset: Asset,
    tile: TileLayout,
    picture: Picture | str,
) -> None:
    draw.rounded_rectangle(tile.box.as_tuple(), radius=14, fill=TILE_BG)
    media = tile.media
    draw.rectangle((media.x0, media.y0, media.x1 - 1, media.y1 - 1), fill=MEDIA_BG)
    if isinstance(picture, str):
        _draw_unpreviewable(draw, media, picture)
    elif isinstance(picture, Image.Image):
        board.paste(picture, (media.x0, media.y0))
    elif isinstance(picture, list):
        for cell, frame in zip(frame_boxes(media), picture, strict=True):
            board.paste(frame, (cell.x0, cell.y0))
    else:
        _draw_waveform(draw, media, picture)
    _draw_label(draw, asset, tile)


def _fitting_font(
    draw: ImageDraw.ImageDraw, text: str, sizes: Sequence[int], bold: bool, max_width: int
) -> Font:
    """The largest of ``sizes`` at which ``text`` fits in ``max_width`` px (else the smallest)."""
    for size in sizes:
        if draw.textlength(text, font=_font(size, bold)) <= max_width:
            return _font(size, bold)
    return _font(sizes[-1], bold)


def _draw_label(draw: ImageDraw.ImageDraw, asset: Asset, tile: TileLayout) -> None:
    box = tile.label
    big = _font(40, bold=True)
    x, width = box.x0 + 2, box.width - 4
    y = box.y0 + 8
    duration = f"{asset.duration_s:.1f} s" if asset.duration_s is not None else ""
    duration_w = int(draw.textlength(duration, font=big)) if duration else 0
    tag_w = int(draw.textlength(asset.tag, font=big))
    if duration and tag_w + 12 + duration_w <= width:
        draw.text((box.x1 - 2 - duration_w, y), duration, font=big, fill=TEXT)
    elif duration:  # a narrow tile: the duration goes on a badge over the picture
        badge_font = _font(26, bold=True)
        w = int(draw.textlength(duration, font=badge_font))
        media = tile.media
        badge = (media.x1 - w - 22, media.y1 - 42, media.x1 - 6, media.y1 - 6)
        draw.rounded_rectangle(badge, radius=8, fill=(0, 0, 0))
        draw.text((badge[0] + 8, badge[1] + 3), duration, font=badge_font, fill=TEXT)
    draw.text(
        (x, y), _fit(draw, asset.tag, big, width), font=big, fill=KIND_COLORS.get(asset.kind, TEXT)
    )
    try:
        role = get_role(asset.role).label
    except KeyError:
        role = asset.role.replace("_", " ")
    role_font = _fitting_font(draw, role, (30, 27, 24), True, width)
    draw.text((x, y + 50), _fit(draw, role, role_font, width), font=role_font, fill=TEXT)
    small = _font(22)
    facts = next(
        (f for f in _facts(asset) if draw.textlength(f, font=small) <= width), _facts(asset)[-1]
    )
    draw.text((x, y + 90), _fit(draw, facts, small, width), font=small, fill=DIM)


def _facts(asset: Asset) -> list[str]:
    """Small print for a tile, longest first: "MOV 960×720 · sound · 2.1 MB", … "MOV 960×720"."""
    head = asset.format.upper()
    if asset.width and asset.height:
        head += f" {asset.width}×{asset.height}"
    size = asset.size_bytes
    if size < 1024:
        size_text = f"{size} B"
    elif size < 1024 * 1024:
        size_text = f"{size / 1024:.0f} KB"
    else:
        size_text = f"{size / 1024**2:.1f} MB"
    sound = ["sound"] if asset.kind == "video" and asset.has_audio else []
    return [
        " · ".join([head, *sound, size_text]),
        " · ".join([head, *sound]),
        head,
    ]


def _draw_unpreviewable(draw: ImageDraw.ImageDraw, box: Box, reason: str) -> None:
    draw.rectangle((box.x0, box.y0, box.x1 - 1, box.y1 - 1), fill=FAIL_BG)
    cx, cy, r = box.x0 + box.width // 2, box.y0 + box.height // 2 - 22, min(box.height // 5, 34)
    draw.line((cx - r, cy - r, cx + r, cy + r), fill=RED, width=9)
    draw.line((cx - r, cy + r, cx + r, cy - r), fill=RED, width=9)
    _text_center(draw, box, cy + r + 10, "can't preview", _font(28, bold=True), TEXT)
    _text_center(draw, box, cy + r + 46, reason, _font(20), DIM)


def _cover(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """``image`` scaled to cover ``size`` and centre-cropped to it."""
    return ImageOps.fit(image, size, Image.Resampling.BILINEAR)


def _image_thumbnail(path: Path, size: tuple[int, int]) -> Image.Image:
    """A cover-fit RGB thumbnail of exactly ``size`` px, decoded at reduced scale if possible."""
    with Image.open(path) as img:
        if img.width * img.height > MAX_DECODE_PIXELS:
            raise _Unpreviewable(f"{img.width}×{img.height} px is too large")
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
    crop_w, crop_h = size[0] / scale, size[1] / scale
    left, top = (oriented.width - crop_w) / 2, (oriented.height - crop_h) / 2
    return oriented.convert("RGB").resize(
        size,
        Image.Resampling.LANCZOS,
        box=(left, top, left + crop_w, top + crop_h),
        reducing_gap=2.0,
    )


def _video_frames(path: Path, n: int = VIDEO_FRAMES) -> list[Image.Image]:
    """``n`` frames at ``(i + ½) / n`` of the clip, each at most 480 px wide.

    Seeks to the keyframe before each sample (when the stream's index says the decoder is
    not already in that group of pictures) and decodes forward to the sample, skipping
    non-reference frames until 0.3 s before it.
    """
    with av.open(str(path), metadata_errors="ignore") as container:
        stream = next(
            (
                s
                for s in container.streams.video
                if not s.disposition & av.stream.Disposition.attached_pic
            ),
            None,
        )
        if stream is None or stream.time_base is None:
            raise _Unpreviewable("no picture track")
        stream.thread_type = "AUTO"
        codec = stream.codec_context
        time_base = stream.time_base
        if container.duration is not None and container.duration > 0:
            duration = container.duration / av.time_base
        elif stream.duration is not None:
            duration = float(stream.duration * time_base)
        else:
            raise _Unpreviewable("unknown duration")
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
                raise _Unpreviewable("no decodable frames")
            codec.skip_frame = "DEFAULT"
            scale = min(1.0, 480 / chosen.width)
            frames.append(
                _rgb_image(
                    chosen.reformat(
                        width=max(2, round(chosen.width * scale)),
                        height=max(2, round(chosen.height * scale)),
                        format="rgb24",
                    ).to_ndarray()
                )
            )
        return frames


def _rgb_image(pixels: npt.NDArray[np.generic]) -> Image.Image:
    return Image.fromarray(np.ascontiguousarray(pixels, dtype=np.uint8))


def _audio_envelope(
    path: Path, bins: int
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """Per-column ``(low, high)`` of the mono signal, each ``bins`` floats in [-1, 1].

    The signal is normalised to its peak; a silent file gives zeros.
    """
    chunks: list[npt.NDArray[np.float32]] = []
    total = 0
    cap = int(AUDIO_MAX_DECODE_S * AUDIO_RATE_HZ)
    with av.open(str(path), metadata_errors="ignore") as container:
        if not container.streams.audio:
            raise _Unpreviewable("no sound track")
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="flt", layout="mono", rate=AUDIO_RATE_HZ)
        for frame in container.decode(stream):
            for out in resampler.resample(frame):
                samples = np.asarray(out.to_ndarray(), dtype=np.float32).reshape(-1)
                chunks.append(samples)
                total += samples.size
            if total >= cap:
                break
        else:
            for out in resampler.resample(None):
                samples = np.asarray(out.to_ndarray(), dtype=np.float32).reshape(-1)
                chunks.append(samples)
                total += samples.size
    if total == 0:
        raise _Unpreviewable("no decodable sound")
    signal = np.concatenate(chunks)[:cap].astype(np.float32)
    peak = float(np.max(np.abs(signal)))
    if peak > 1e-6:
        signal /= peak
    edges = np.linspace(0, signal.size, bins + 1).astype(np.int64)
    low = np.zeros(bins, dtype=np.float32)
    high = np.zeros(bins, dtype=np.float32)
    for i in range(bins):
        part = signal[edges[i] : max(edges[i + 1], edges[i] + 1)]
        low[i], high[i] = part.min(), part.max()
    return low, high


def _draw_waveform(
    draw: ImageDraw.ImageDraw,
    box: Box,
    envelope: tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]],
) -> None:
    low, high = envelope
    mid = box.y0 + box.height / 2
    half = box.height / 2 - 8
    draw.line((box.x0, round(mid), box.x1 - 1, round(mid)), fill=WAVE_AXIS, width=1)
    for i, (lo, hi) in enumerate(zip(low.tolist(), high.tolist(), strict=True)):
        top, bottom = round(mid - hi * half), round(mid - lo * half)
        if bottom > top:
            draw.line((box.x0 + i, top, box.x0 + i, bottom), fill=WAVE, width=1)


# --- placeholder and budget bars -----------------------------------------------------------


def _draw_placeholder(draw: ImageDraw.ImageDraw, box: Box, limits: Limits) -> None:
    draw.rounded_rectangle(box.as_tuple(), radius=18, fill=TILE_BG)
    dash, y0, y1 = 22, box.y0 + 14, box.y1 - 15
    for x in range(box.x0 + 14, box.x1 - 14, 2 * dash):
        x_end = min(x + dash, box.x1 - 15)
        draw.line((x, y0, x_end, y0), fill=DIM, width=3)
        draw.line((x, y1, x_end, y1), fill=DIM, width=3)
    for y in range(box.y0 + 14, box.y1 - 14, 2 * dash):
        y_end = min(y + dash, box.y1 - 15)
        draw.line((box.x0 + 14, y, box.x0 + 14, y_end), fill=DIM, width=3)
        draw.line((box.x1 - 15, y, box.x1 - 15, y_end), fill=DIM, width=3)
    mid = box.y0 + box.height // 2
    _text_center(
        draw, box, mid - 70, "Drop images, clips or audio here", _font(46, bold=True), TEXT
    )
    counts = (
        f"up to {limits.image.max_count} images · {limits.video.max_count} clips · "
        f"{limits.audio.max_count} audio · {limits.max_files} files in all"
    )
    _text_center(draw, box, mid - 4, counts, _font(28), DIM)
    _text_center(draw, box, mid + 40, "then tag them @image1, @video1, @audio1", _font(28), DIM)


def _draw_bars(
    draw: ImageDraw.ImageDraw, bars: Sequence[Box], session: Session, limits: Limits
) -> None:
    rows: list[tuple[str, float, float | None, str]] = [
        ("Files", float(len(session.assets)), float(limits.max_files), ""),
        ("Video", session.total_duration_s("video"), limits.video.max_total_duration_s, " s"),
        ("Audio", session.total_duration_s("audio"), limits.audio.max_total_duration_s, " s"),
    ]
    name_font, value_font = _font(30, bold=True), _font(28)
    for (name, used, cap, unit), track in zip(rows, bars, strict=True):
        text_y = track.y0 + (track.height - 34) // 2
        draw.text((MARGIN, text_y), name, font=name_font, fill=TEXT)
        used_text = f"{used:g}" if not unit else f"{used:.1f}".removesuffix(".0")
        value = f"{used_text} / {cap:g}{unit}" if cap else f"{used_text}{unit} · no cap"
        draw.text((MARGIN + 110, text_y + 2), value, font=value_font, fill=DIM)
        draw.rectangle((track.x0, track.y0, track.x1 - 1, track.y1 - 1), fill=TRACK)
        fraction = used / cap if cap else 0.0
        fill_w = round(min(fraction, 1.0) * track.width)
        if fill_w > 0:
            draw.rectangle(
                (track.x0, track.y0, track.x0 + fill_w - 1, track.y1 - 1), fill=bar_color(fraction)
            )
