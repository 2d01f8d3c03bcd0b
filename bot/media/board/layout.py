"""Board geometry and colours: the pixel boxes of tiles, contact-sheet cells and budget
bars (:func:`board_layout`, :func:`frame_boxes`), and the bar colour of a fill fraction.
"""

from __future__ import annotations

from dataclasses import dataclass

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


FACE_BADGE_W = 150
FACE_BADGE_H = 40
FACE_RING = 5


def face_badge(media: Box) -> Box:
    """The "FACE?" badge of a face-flagged asset: the top-left corner of its picture."""
    return Box(media.x0 + 8, media.y0 + 8, media.x0 + 8 + FACE_BADGE_W, media.y0 + 8 + FACE_BADGE_H)


def bar_color(fraction: float) -> Color:
    """Green below 60 % of a limit, amber below 90 %, red from 90 % (and over the limit)."""
    if fraction < 0.6:
        return GREEN
    if fraction < 0.9:
        return AMBER
    return RED
