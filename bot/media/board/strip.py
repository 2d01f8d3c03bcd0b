"""The storyboard's shot strip: one picture of a storyboard's shots in order, each tile with
its number, length and state, the continuity mark of each cut between two shots, and a
timeline of the whole film (JPEG on the storyboard card, PNG in tests).

Drawn :data:`BOARD_WIDTH` px wide like the asset board, in English (the bundled font has no
CJK glyphs, so no prompt text is drawn: the card's embed carries the prompts).

What is drawn, top to bottom:

- one **tile** per shot, four to a row (two rows hold the storyboard's eight shots): the
  picture (a frame from the middle of a finished shot's video, else a dark panel with
  the shot's number), then "Shot 3" and its length ("6 s") in big type and its state
  ("draft", "waiting", "making", "done", "failed") in its colour;
- in the gap before every shot after the first, **its cut's continuity mark**
  (:data:`CUT_MARKS`): an arrow for "continue" (the shot starts on the previous shot's
  last frame), a slash for "cut" (independent), an equals sign for "match" (the same
  references, no frame carried over). Each slot has that gap on its left, so the mark of
  the cut into the first shot of a row stands in the row's left margin;
- an empty storyboard shows a placeholder naming the limits it is given;
- a **timeline** across the board: one segment per shot, its width proportional to the
  shot's length, the cuts marked at their boundaries, "38 s of 120 s" beside it;
- a **legend** of the three marks.

Geometry is in pixels, lengths in seconds. :func:`strip_layout` returns the exact boxes
:func:`render_strip` draws into (tests measure them). :func:`render_strip` is synchronous
and CPU-bound (it decodes one frame per finished shot): the bot runs it on its render pool
(:class:`bot.workers.WorkerPool`), never on the event loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from PIL import Image, ImageDraw

from bot.media.board.decode import Unpreviewable, cover, video_frames
from bot.media.board.layout import (
    AMBER,
    BG,
    BOARD_WIDTH,
    DIM,
    FAIL_BG,
    GREEN,
    MEDIA_BG,
    RED,
    TEXT,
    TILE_BG,
    TRACK,
    WAVE,
    Box,
    Color,
)
from bot.media.board.render import _fit, _font, _text_center, save_picture

Cut = Literal["continue", "cut", "match"]
ShotState = Literal["draft", "waiting", "making", "done", "failed"]

STRIP_COLUMNS = 4
LEAD = 52  # the gap before each tile, where its cut's mark is drawn
RIGHT = 24
TOP = 24
ROW_GAP = 20
TILE_PAD = 10
LABEL_H = 92
PLACEHOLDER_H = 260
TIMELINE_GAP = 30
TIMELINE_H = 44
TIMELINE_LABEL_W = 300
LEGEND_H = 56
BOTTOM = 20
MARK_SIZE = 36

CUT_MARKS: dict[str, Color] = {"continue": WAVE, "cut": DIM, "match": AMBER}
"""The colour of each cut's mark: continue (an arrow), cut (a slash), match (an equals sign)."""
STATE_COLORS: dict[str, Color] = {
    "draft": DIM,
    "waiting": DIM,
    "making": AMBER,
    "done": GREEN,
    "failed": RED,
}
SEGMENT_COLORS: tuple[Color, Color] = ((88, 101, 242), (71, 82, 196))


@dataclass(frozen=True)
class StripShot:
    """What the strip shows of one shot.

    Attributes:
        number: its place in the film, from 1.
        duration_s: its length in seconds (the storyboard's rules keep it 4–15 s, seed 001).
        cut: how it joins the shot before it (``None`` for the first shot).
        state: ``draft`` (not started), ``waiting`` (queued, or waiting for the shot it
            continues), ``making``, ``done`` or ``failed``.
        video: a finished shot's video, whose middle frame is its picture; ``None`` shows
            the shot's number instead. A missing or undecodable file shows a red panel.
    """

    number: int
    duration_s: float
    cut: Cut | None = None
    state: ShotState = "draft"
    video: Path | None = None


@dataclass(frozen=True)
class StripTile:
    """One shot's slot: its ``mark`` area (the gap before it), its ``box`` with the
    ``media`` picture and the ``label`` below it."""

    mark: Box
    box: Box
    media: Box
    label: Box


@dataclass(frozen=True)
class StripLayout:
    """Where everything goes on a strip of ``width`` × ``height`` pixels.

    Attributes:
        tiles: one per shot, in order.
        placeholder: the "add a shot" panel of an empty storyboard, else ``None``.
        timeline: the track of the film's timeline (its segments are :func:`segments`).
        legend: the row that explains the marks.
    """

    width: int
    height: int
    tiles: tuple[StripTile, ...]
    placeholder: Box | None
    timeline: Box
    legend: Box


def strip_layout(n_shots: int) -> StripLayout:
    """The layout :func:`render_strip` uses for ``n_shots`` shots."""
    tile_w = (BOARD_WIDTH - RIGHT - STRIP_COLUMNS * LEAD) // STRIP_COLUMNS
    media_w = tile_w - 2 * TILE_PAD
    media_h = round(media_w * 9 / 16)
    tile_h = TILE_PAD + media_h + LABEL_H
    tiles: list[StripTile] = []
    for index in range(n_shots):
        row, col = divmod(index, STRIP_COLUMNS)
        x0 = col * (LEAD + tile_w) + LEAD
        y0 = TOP + row * (tile_h + ROW_GAP)
        box = Box(x0, y0, x0 + tile_w, y0 + tile_h)
        media = Box(x0 + TILE_PAD, y0 + TILE_PAD, x0 + TILE_PAD + media_w, y0 + TILE_PAD + media_h)
        label = Box(media.x0, media.y1, box.x1 - TILE_PAD, box.y1)
        mid = media.y0 + media_h // 2
        mark = Box(x0 - LEAD + 4, mid - MARK_SIZE // 2, x0 - 4, mid + MARK_SIZE // 2)
        tiles.append(StripTile(mark, box, media, label))
    placeholder: Box | None = None
    if n_shots:
        rows = -(-n_shots // STRIP_COLUMNS)
        bottom = TOP + rows * tile_h + (rows - 1) * ROW_GAP
    else:
        placeholder = Box(LEAD, TOP, BOARD_WIDTH - RIGHT, TOP + PLACEHOLDER_H)
        bottom = placeholder.y1
    top = bottom + TIMELINE_GAP
    timeline = Box(LEAD + TIMELINE_LABEL_W, top, BOARD_WIDTH - RIGHT, top + TIMELINE_H)
    legend = Box(LEAD, timeline.y1 + 12, BOARD_WIDTH - RIGHT, timeline.y1 + 12 + LEGEND_H)
    return StripLayout(BOARD_WIDTH, legend.y1 + BOTTOM, tuple(tiles), placeholder, timeline, legend)


def segments(timeline: Box, durations: Sequence[float], total_s: float) -> tuple[Box, ...]:
    """Each shot's segment of the ``timeline`` track, its width proportional to its length
    against ``total_s`` (the longest film, so the track's filled part is the film's share of
    it); segments touch, and the last ends at the film's share of the track."""
    scale = timeline.width / max(total_s, sum(durations), 1e-9)
    boxes, start = [], 0.0
    for duration in durations:
        x0 = timeline.x0 + round(start * scale)
        start += duration
        boxes.append(Box(x0, timeline.y0, timeline.x0 + round(start * scale), timeline.y1))
    return tuple(boxes)


def render_strip(
    shots: Sequence[StripShot],
    out_path: Path,
    *,
    max_shots: int,
    min_shot_s: float,
    max_shot_s: float,
) -> Path:
    """Draw the shot strip of ``shots`` at ``out_path`` and return ``out_path``.

    Args:
        shots: in the film's order (at most two rows of four are laid out; the storyboard
            rules keep them to ``max_shots``).
        out_path: JPEG when it ends in ``.jpg``/``.jpeg`` (what the card posts), else PNG.
            Its folder must exist; written to a temporary file and renamed.
        max_shots, min_shot_s, max_shot_s: the storyboard's limits (its rules' source: 8
            shots of 4–15 s, seed 001's output length per shot), named on the empty
            strip; the timeline's full width is ``max_shots × max_shot_s`` seconds.

    Returns:
        ``out_path``: an RGB picture :data:`BOARD_WIDTH` px wide, :func:`strip_layout`'s
        height (about 420 px for up to four shots, 640 px for eight).

    Raises:
        OSError: when ``out_path`` cannot be written. A shot's missing or undecodable
            video never raises: its tile shows a red "can't preview" panel.
    """
    layout = strip_layout(len(shots))
    strip = Image.new("RGB", (layout.width, layout.height), BG)
    draw = ImageDraw.Draw(strip)
    if layout.placeholder is not None:
        _placeholder(draw, layout.placeholder, max_shots, min_shot_s, max_shot_s)
    for shot, tile in zip(shots, layout.tiles, strict=True):
        _tile(strip, draw, shot, tile)
        if shot.cut is not None:
            _mark(draw, tile.mark, shot.cut)
    _timeline(draw, layout.timeline, shots, max_shots * max_shot_s)
    _legend(draw, layout.legend)
    return save_picture(strip, out_path)


def _picture(shot: StripShot, media: Box) -> Image.Image | str | None:
    """A frame from the middle of the shot's video, cover-fit to ``media``; a short reason
    when it can't be decoded; ``None`` for a shot without a video."""
    if shot.video is None:
        return None
    if not shot.video.is_file():
        return "file missing"
    try:
        return cover(video_frames(shot.video, 1)[0], media.size)
    except Unpreviewable as exc:
        return str(exc)
    except Exception:  # a bad file gets a "can't preview" panel, never a crash
        return "could not decode"


def _tile(strip: Image.Image, draw: ImageDraw.ImageDraw, shot: StripShot, tile: StripTile) -> None:
    draw.rounded_rectangle(tile.box.as_tuple(), radius=14, fill=TILE_BG)
    media = tile.media
    draw.rectangle((media.x0, media.y0, media.x1 - 1, media.y1 - 1), fill=MEDIA_BG)
    picture = _picture(shot, media)
    if isinstance(picture, Image.Image):
        strip.paste(picture, (media.x0, media.y0))
    elif isinstance(picture, str):
        draw.rectangle((media.x0, media.y0, media.x1 - 1, media.y1 - 1), fill=FAIL_BG)
        _text_center(draw, media, media.y0 + media.height // 2 - 30, "can't preview",
                     _font(26, bold=True), TEXT)  # fmt: skip
        _text_center(draw, media, media.y0 + media.height // 2 + 6, picture, _font(20), DIM)
    else:
        big = _font(64, bold=True)
        _text_center(draw, media, media.y0 + media.height // 2 - 40, str(shot.number), big, DIM)
    box = tile.label
    y = box.y0 + 8
    head = _font(34, bold=True)
    length = f"{shot.duration_s:g} s"
    length_w = int(draw.textlength(length, font=head))
    draw.text((box.x1 - 2 - length_w, y), length, font=head, fill=TEXT)
    name = _fit(draw, f"Shot {shot.number}", head, box.width - length_w - 16)
    draw.text((box.x0 + 2, y), name, font=head, fill=TEXT)
    draw.text((box.x0 + 2, y + 46), shot.state, font=_font(26, bold=True),
              fill=STATE_COLORS.get(shot.state, DIM))  # fmt: skip


def _mark(draw: ImageDraw.ImageDraw, box: Box, cut: str) -> None:
    """The continuity mark of a cut inside ``box`` (the gap before its shot)."""
    color = CUT_MARKS.get(cut, DIM)
    cx, cy = box.x0 + box.width // 2, box.y0 + box.height // 2
    half = min(box.width, box.height) // 2
    if cut == "continue":  # an arrow: this shot carries on from the last frame
        draw.rectangle((cx - half, cy - 4, cx, cy + 4), fill=color)
        draw.polygon(
            [(cx - 2, cy - half + 4), (cx + half, cy), (cx - 2, cy + half - 4)], fill=color
        )
    elif cut == "match":  # an equals sign: the same references
        draw.rectangle((cx - half + 2, cy - 11, cx + half - 2, cy - 4), fill=color)
        draw.rectangle((cx - half + 2, cy + 4, cx + half - 2, cy + 11), fill=color)
    else:  # a slash: a clean cut
        draw.line((cx + half // 2, cy - half, cx - half // 2, cy + half), fill=color, width=7)


def _placeholder(
    draw: ImageDraw.ImageDraw, box: Box, max_shots: int, min_s: float, max_s: float
) -> None:
    draw.rounded_rectangle(box.as_tuple(), radius=18, fill=TILE_BG)
    mid = box.y0 + box.height // 2
    _text_center(draw, box, mid - 60, "Add a shot to start", _font(46, bold=True), TEXT)
    limits = f"up to {max_shots} shots · {min_s:g}–{max_s:g} s each"
    _text_center(draw, box, mid + 10, limits, _font(28), DIM)


def _timeline(
    draw: ImageDraw.ImageDraw, track: Box, shots: Sequence[StripShot], total_s: float
) -> None:
    used = sum(shot.duration_s for shot in shots)
    name_font, value_font = _font(30, bold=True), _font(28)
    text_y = track.y0 + (track.height - 34) // 2
    draw.text((LEAD, text_y), "Film", font=name_font, fill=TEXT)
    draw.text((LEAD + 80, text_y + 2), f"{used:g} s of {total_s:g} s", font=value_font, fill=DIM)
    draw.rectangle((track.x0, track.y0, track.x1 - 1, track.y1 - 1), fill=TRACK)
    boxes = segments(track, [shot.duration_s for shot in shots], total_s)
    small = _font(22, bold=True)
    for index, (shot, seg) in enumerate(zip(shots, boxes, strict=True)):
        if seg.width <= 0:
            continue
        color = SEGMENT_COLORS[index % 2] if shot.state != "failed" else RED
        draw.rectangle((seg.x0, seg.y0, seg.x1 - 1, seg.y1 - 1), fill=color)
        if draw.textlength(str(shot.number), font=small) + 8 <= seg.width:
            x = seg.x0 + (seg.width - draw.textlength(str(shot.number), font=small)) / 2
            draw.text((x, seg.y0 + 8), str(shot.number), font=small, fill=TEXT)
        if shot.cut is not None:  # the cut at its start, in its mark's colour
            draw.rectangle((seg.x0, seg.y0 - 6, seg.x0 + 3, seg.y1 + 5), fill=CUT_MARKS[shot.cut])


def _legend(draw: ImageDraw.ImageDraw, box: Box) -> None:
    font = _font(24)
    x = box.x0
    items = (
        ("continue", "continue: from the last frame"),
        ("cut", "cut: a fresh start"),
        ("match", "match: same look, new frame"),
    )
    for cut, name in items:
        mark = Box(x, box.y0 + 10, x + MARK_SIZE, box.y0 + 10 + MARK_SIZE)
        _mark(draw, mark, cut)
        draw.text((mark.x1 + 10, box.y0 + 14), name, font=font, fill=DIM)
        x = mark.x1 + 10 + int(draw.textlength(name, font=font)) + 40
