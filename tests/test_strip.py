"""The storyboard's shot strip (:mod:`bot.media.board.strip`), measured on real renders.

Regions are located with :func:`bot.media.board.strip.strip_layout` and
:func:`bot.media.board.strip.segments`, the boxes :func:`render_strip` draws into; what is
asserted is read from the pixels of the written picture. Shot videos are the shared real
footage (``media`` fixture).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image

from bot.media.board import BOARD_WIDTH, FAIL_BG, MEDIA_BG, Box
from bot.media.board.strip import (
    CUT_MARKS,
    SEGMENT_COLORS,
    StripShot,
    render_strip,
    segments,
    strip_layout,
)

Pixels = npt.NDArray[np.int16]
LIMITS = {"max_shots": 8, "min_shot_s": 4.0, "max_shot_s": 15.0}


def _render(out: Path, shots: list[StripShot]) -> Pixels:
    assert render_strip(shots, out, **LIMITS) == out  # type: ignore[arg-type]
    with Image.open(out) as img:
        assert img.mode == "RGB"
        assert img.size == (BOARD_WIDTH, strip_layout(len(shots)).height)
        return np.asarray(img, dtype=np.int16)


def _region(pixels: Pixels, box: Box) -> Pixels:
    return pixels[box.y0 : box.y1, box.x0 : box.x1].reshape(-1, 3)


def _share(pixels: Pixels, box: Box, color: tuple[int, int, int], tolerance: int = 0) -> float:
    """The share of ``box``'s pixels that are ``color`` (within ``tolerance`` per channel)."""
    region = _region(pixels, box)
    return float(np.all(np.abs(region - np.array(color)) <= tolerance, axis=1).mean())


def test_four_shots_show_their_marks_pictures_and_timeline(media: Path, tmp_path: Path) -> None:
    video = media / "video" / "city_720p.mp4"
    shots = [
        StripShot(1, 6, None, "done", video),
        StripShot(2, 5, "continue", "making"),
        StripShot(3, 15, "cut", "failed"),
        StripShot(4, 4, "match", "waiting", tmp_path / "gone.mp4"),
    ]
    pixels = _render(tmp_path / "strip.png", shots)
    layout = strip_layout(4)
    assert len(layout.tiles) == 4 and layout.placeholder is None
    # the finished shot shows a frame of its footage: many colours, not the empty panel
    first = _region(pixels, layout.tiles[0].media)
    assert len(np.unique(first, axis=0)) > 1000
    assert _share(pixels, layout.tiles[0].media, MEDIA_BG) < 0.05
    # a shot not made yet shows its number on the empty panel
    assert _share(pixels, layout.tiles[1].media, MEDIA_BG) > 0.8
    # a shot whose video is missing says so on a red panel
    assert _share(pixels, layout.tiles[3].media, FAIL_BG) > 0.5
    # each cut's mark stands before its shot in its colour; none before the first
    assert _share(pixels, layout.tiles[0].mark, CUT_MARKS["continue"], 2) == 0
    for tile, cut in zip(layout.tiles[1:], ("continue", "cut", "match"), strict=True):
        assert _share(pixels, tile.mark, CUT_MARKS[cut], 2) > 0.05, cut
        others = [c for c in CUT_MARKS if c != cut and CUT_MARKS[c] != CUT_MARKS[cut]]
        assert all(_share(pixels, tile.mark, CUT_MARKS[c], 2) == 0 for c in others), cut
    # the timeline: each shot's segment as long as its share of the 120 s film
    boxes = segments(layout.timeline, [6, 5, 15, 4], 8 * 15.0)
    assert [b.width for b in boxes] == [
        round(layout.timeline.width * end / 120) - round(layout.timeline.width * start / 120)
        for start, end in ((0, 6), (6, 11), (11, 26), (26, 30))
    ]
    middle = boxes[1]
    row = pixels[middle.y0 + 4, middle.x0 + 6 : middle.x1 - 6]
    assert np.all(row == np.array(SEGMENT_COLORS[1]))
    failed = boxes[2]
    assert tuple(pixels[failed.y0 + 3, failed.x0 + 8]) == (237, 66, 69)  # the failed shot, red
    after = Box(boxes[-1].x1 + 2, layout.timeline.y0, layout.timeline.x1, layout.timeline.y1)
    assert _share(pixels, after, SEGMENT_COLORS[0]) == 0  # the rest of the track is unfilled


def test_eight_shots_wrap_to_two_rows_and_the_wrapped_cut_keeps_its_mark(
    tmp_path: Path,
) -> None:
    cuts = [None, "cut", "match", "continue", "continue", "cut", "match", "cut"]
    shots = [StripShot(i + 1, 15, cuts[i], "draft") for i in range(8)]  # type: ignore[arg-type]
    pixels = _render(tmp_path / "strip.jpg", shots)
    layout = strip_layout(8)
    assert layout.tiles[4].box.y0 > layout.tiles[3].box.y1  # a second row
    assert layout.tiles[4].mark.x0 >= 0 and layout.tiles[4].mark.x1 <= layout.tiles[4].box.x0
    assert _share(pixels, layout.tiles[4].mark, CUT_MARKS["continue"], 12) > 0.05
    boxes = segments(layout.timeline, [15] * 8, 120)
    assert boxes[-1].x1 == layout.timeline.x1  # a full film fills the track
    with Image.open(tmp_path / "strip.jpg") as img:
        assert img.format == "JPEG"


def test_an_empty_storyboard_shows_the_placeholder(tmp_path: Path) -> None:
    pixels = _render(tmp_path / "empty.png", [])
    layout = strip_layout(0)
    assert layout.tiles == () and layout.placeholder is not None
    text = _region(pixels, layout.placeholder)
    assert int(np.all(text > 230, axis=1).sum()) > 500  # "Add a shot to start" in white
    assert _share(pixels, layout.timeline, (64, 66, 73)) > 0.99  # an empty track


def test_a_corrupt_video_shows_cant_preview_and_never_raises(tmp_path: Path) -> None:
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"junk" * 100)
    pixels = _render(tmp_path / "strip.png", [StripShot(1, 4, None, "done", bad)])
    assert _share(pixels, strip_layout(1).tiles[0].media, FAIL_BG) > 0.5
