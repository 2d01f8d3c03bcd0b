"""Drawing the board: :func:`render_board` lays out the tiles, decodes their pictures on
two threads and draws labels, "can't preview" panels, waveforms, placeholder and budget bars.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont

from bot.media.board.decode import Picture, decode_picture
from bot.media.board.layout import (
    AMBER,
    BG,
    DIM,
    FACE_RING,
    FAIL_BG,
    KIND_COLORS,
    MARGIN,
    MEDIA_BG,
    RED,
    TEXT,
    TILE_BG,
    TILE_PAD,
    TRACK,
    WAVE,
    WAVE_AXIS,
    Box,
    Color,
    TileLayout,
    bar_color,
    board_layout,
    face_badge,
    frame_boxes,
)
from bot.seedance.limits import Limits
from bot.seedance.roles import get_role
from bot.seedance.session import Asset, Session
from bot.words import Words

DECODE_THREADS = 2

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


def render_board(session: Session, limits: Limits, out_path: Path) -> Path:
    """Draw the asset board of ``session`` at ``out_path`` and return ``out_path``.

    Args:
        session: the assets to show, in arrival order (their files are read, never written).
        limits: where the budget bars' caps come from (``max_files``, and
            ``video``/``audio.max_total_duration_s``; :data:`bot.seedance.limits.DEFAULT_LIMITS`
            for Seedance 2.0, seeds 000, 001, 004).
        out_path: the picture to write: JPEG when it ends in ``.jpg``/``.jpeg`` (what the
            card posts: ~10× cheaper to encode), else PNG (lossless, for tests and the CLI).
            Its folder must exist. Written to a temporary file first and renamed, so a
            reader never sees half a picture.

    Returns:
        ``out_path``: an RGB picture :data:`BOARD_WIDTH` px wide; its height follows
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
        pictures = pool.map(decode_picture, session.assets, [tile.media for tile in layout.tiles])
        for asset, tile, picture in zip(session.assets, layout.tiles, pictures, strict=True):
            _draw_tile(board, draw, asset, tile, picture)
    _draw_bars(draw, layout.bars, session, limits)
    return save_picture(board, out_path)


def save_picture(picture: Image.Image, out_path: Path) -> Path:
    """Write ``picture`` at ``out_path`` (JPEG for ``.jpg``/``.jpeg``, else PNG) through a
    temporary file renamed into place, so a reader never sees half a picture; return
    ``out_path``.

    Raises:
        OSError: when ``out_path`` cannot be written.
    """
    tmp = out_path.with_name(f".{out_path.name}.{os.getpid()}.tmp")
    try:
        if out_path.suffix.lower() in (".jpg", ".jpeg"):
            # JPEG at quality 90 with full-resolution colour (4:4:4) encodes in ~5 ms where
            # PNG takes ~55 ms for a six-photo board, at a third of the size; text stays
            # sharp (mean error 1.5/255). Discord shows both the same way.
            picture.save(tmp, format="JPEG", quality=90, subsampling=0)
        else:
            picture.save(tmp, format="PNG", compress_level=1)
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
    if asset.face_flag == "warned":
        _draw_face_mark(draw, tile)
    _draw_label(draw, asset, tile)


def _draw_face_mark(draw: ImageDraw.ImageDraw, tile: TileLayout) -> None:
    """An amber ring round the tile and a "FACE?" badge on its picture: the face question
    under this asset is open (Generate waits for it)."""
    draw.rounded_rectangle(tile.box.as_tuple(), radius=14, outline=AMBER, width=FACE_RING)
    badge = face_badge(tile.media)
    draw.rounded_rectangle(badge.as_tuple(), radius=8, fill=AMBER)
    _text_center(draw, badge, badge.y0 + 5, "FACE?", _font(26, bold=True), (0, 0, 0))


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
    try:  # drawn in English: the bundled font has no CJK glyphs
        role = Words.english().text(get_role(asset.role).name)
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
