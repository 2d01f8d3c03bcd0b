"""Tests for the asset board image (bot/board.py), measured on real media.

The media live in ``../shared/media`` (the ``media`` fixture of conftest skips with a clear
reason when that folder is absent). Regions are located with :func:`bot.media.board.board_layout`,
the same layout :func:`bot.media.board.render_board` draws into; what is asserted is measured
from the pixels of the written PNG.
"""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image, ImageOps, JpegImagePlugin

from bot.media.board import (
    AMBER,
    BOARD_WIDTH,
    FAIL_BG,
    GREEN,
    RED,
    WAVE,
    Box,
    board_layout,
    face_badge,
    frame_boxes,
    render_board,
)
from bot.media.board import decode as board_decode
from bot.seedance.limits import DEFAULT_LIMITS, Limits
from bot.seedance.session import Asset
from tests.conftest import make_asset, make_session

Pixels = npt.NDArray[np.int16]


def _render(tmp_path: Path, *assets: Asset, limits: Limits = DEFAULT_LIMITS) -> Pixels:
    out = render_board(make_session(*assets), limits, tmp_path / "board.png")
    assert out == tmp_path / "board.png"
    with Image.open(out) as img:
        assert img.format == "PNG"
        assert img.mode == "RGB"
        assert img.size == (BOARD_WIDTH, board_layout(len(assets)).height)
        return np.asarray(img, dtype=np.int16)


def _region(pixels: Pixels, box: Box) -> Pixels:
    return pixels[box.y0 : box.y1, box.x0 : box.x1]


def _mean(pixels: Pixels, box: Box) -> npt.NDArray[np.float64]:
    mean: npt.NDArray[np.float64] = _region(pixels, box).reshape(-1, 3).mean(axis=0)
    return mean


def _run_of(pixels: Pixels, track: Box, color: tuple[int, int, int]) -> int:
    """Length of the run of ``color`` from the left end of a bar track, on its middle row."""
    row = pixels[track.y0 + track.height // 2, track.x0 : track.x1]
    match = np.all(row == np.array(color), axis=1)
    return int(np.argmin(match)) if not match.all() else int(match.size)


# --- whole board ---------------------------------------------------------------------------


def test_six_assets_render_a_png_of_board_width_fast(media: Path, tmp_path: Path) -> None:
    assets = [
        make_asset("image", 1, "first_frame", path=media / "images" / "rocket.jpg"),
        make_asset("image", 2, "style", path=media / "images" / "coffee.png"),
        make_asset("video", 1, "camera_movement", path=media / "video" / "city_720p.mp4"),
        make_asset("video", 2, "rhythm", path=media / "video" / "city_with_music.mov"),
        make_asset("audio", 1, "background_music", path=media / "audio" / "loop_tabla.mp3"),
        make_asset("audio", 2, "beat_sync", path=media / "audio" / "loop_amen_full.wav"),
    ]
    pixels = _render(tmp_path, *assets)  # its speed: bench/board.py
    layout = board_layout(6)
    assert pixels.shape == (layout.height, 1200, 3)
    assert 1000 <= BOARD_WIDTH <= 1200
    # Every tile's picture area is drawn (not the empty media background).
    for tile in layout.tiles:
        assert _region(pixels, tile.media).std() > 10


def test_empty_session_renders_placeholder_and_zero_bars(tmp_path: Path) -> None:
    pixels = _render(tmp_path)
    layout = board_layout(0)
    assert layout.tiles == ()
    assert layout.placeholder is not None
    # The placeholder carries bright text ("Drop images, clips or audio here").
    bright = (_region(pixels, layout.placeholder).min(axis=2) > 200).sum()
    assert bright > 2000
    for track in layout.bars:
        for color in (GREEN, AMBER, RED):
            assert _run_of(pixels, track, color) == 0
        assert not np.any(np.all(_region(pixels, track) == np.array(GREEN), axis=2))


def test_layout_switches_to_four_columns_past_six_and_stays_inside(tmp_path: Path) -> None:
    for n in (1, 6, 7, 12):
        layout = board_layout(n)
        xs = {tile.box.x0 for tile in layout.tiles}
        assert len(xs) == (min(n, 3) if n <= 6 else 4)
        for tile in layout.tiles:
            assert 0 < tile.box.x0 < tile.box.x1 <= BOARD_WIDTH
            assert tile.media.y1 <= tile.label.y0 < tile.label.y1 <= tile.box.y1
            assert tile.box.y1 < layout.bars[0].y0
        boxes = [t.box for t in layout.tiles]
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                assert a.x1 <= b.x0 or b.x1 <= a.x0 or a.y1 <= b.y0 or b.y1 <= a.y0


# --- image tiles ---------------------------------------------------------------------------


def test_image_tiles_follow_their_source_colours(media: Path, tmp_path: Path) -> None:
    rocket_path, coffee_path = media / "images" / "rocket.jpg", media / "images" / "coffee.png"
    pixels = _render(
        tmp_path,
        make_asset("image", 1, "first_frame", path=rocket_path),
        make_asset("image", 2, "object", path=coffee_path),
    )
    rocket_box, coffee_box = (tile.media for tile in board_layout(2).tiles)
    expected = []
    for path, box in ((rocket_path, rocket_box), (coffee_path, coffee_box)):
        with Image.open(path) as src:
            fitted = ImageOps.fit(src.convert("RGB"), box.size)
        expected.append(np.asarray(fitted, dtype=np.float64).reshape(-1, 3).mean(axis=0))
    rocket, coffee = _mean(pixels, rocket_box), _mean(pixels, coffee_box)
    # Each tile's mean colour is its source's (cover-fitted) mean colour.
    assert np.abs(rocket - expected[0]).max() < 6
    assert np.abs(coffee - expected[1]).max() < 6
    # And the two differ in the direction their sources do: the night-blue rocket is bluer
    # and less red than the coffee on a wooden table.
    source_diff, tile_diff = expected[0] - expected[1], rocket - coffee
    for channel in range(3):
        if abs(source_diff[channel]) > 10:
            assert np.sign(tile_diff[channel]) == np.sign(source_diff[channel])
    assert rocket[2] - rocket[0] > coffee[2] - coffee[0] + 20


def test_big_jpeg_is_decoded_at_reduced_scale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = tmp_path / "big.jpg"
    gradient = np.linspace(0, 255, 4800, dtype=np.uint8)
    rgb = np.stack(
        [
            np.tile(gradient, (3200, 1)),
            np.full((3200, 4800), 90, np.uint8),
            np.zeros((3200, 4800), np.uint8),
        ],
        axis=2,
    )
    Image.fromarray(rgb).save(big, quality=80)
    del rgb
    drafted: list[tuple[int, int]] = []
    original = JpegImagePlugin.JpegImageFile.draft

    def spy(self: JpegImagePlugin.JpegImageFile, *args: object, **kwargs: object) -> object:
        result = original(self, *args, **kwargs)  # type: ignore[arg-type]
        drafted.append(self.size)
        return result

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", spy)
    pixels = _render(tmp_path, make_asset("image", 1, "scene", path=big))
    assert drafted and drafted[0][0] <= 4800 // 4  # decoded at 1/4 or 1/8 scale
    box = board_layout(1).tiles[0].media
    assert drafted[0][0] >= box.width and drafted[0][1] >= box.height
    # Cover fit keeps the full width of a 3:2 picture in a 16:9 box: red runs dark → bright.
    tile = _region(pixels, box)
    assert tile[:, :20, 0].mean() < 30 and tile[:, -20:, 0].mean() > 220
    assert abs(tile[:, :, 1].mean() - 90) < 6


# --- video tiles ---------------------------------------------------------------------------


def test_video_strip_shows_distinct_frames(media: Path, tmp_path: Path) -> None:
    pixels = _render(
        tmp_path, make_asset("video", 1, "camera_movement", path=media / "video" / "city_720p.mp4")
    )
    cells = frame_boxes(board_layout(1).tiles[0].media)
    assert len(cells) == 4
    frames = [_region(pixels, cell).astype(np.float64) for cell in cells]
    for frame in frames:
        assert frame.std() > 20  # a real picture, not a flat fill
    diffs = [np.abs(frames[i] - frames[i + 1]).mean() for i in range(3)]
    assert min(diffs) > 4  # each sample differs from the next
    assert np.abs(frames[0] - frames[3]).mean() > 15  # and the clip moves across its length


def test_video_frames_are_sampled_across_the_clip(media: Path) -> None:
    path = media / "video" / "city_720p.mp4"
    frames = board_decode.video_frames(path, 4)
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        decoded = [
            (frame.time, frame.to_ndarray(width=320, height=180, format="gray").mean())
            for frame in container.decode(stream)
            if frame.time is not None and frame.time < 7.0
        ]
    duration = 7.6
    for i, frame in enumerate(frames):
        target = (i + 0.5) * duration / 4
        truth = min(decoded, key=lambda tf: abs((tf[0] or 0.0) - target))[1]
        assert abs(np.asarray(frame.convert("L"), dtype=np.float64).mean() - truth) < 3


# --- audio tiles ---------------------------------------------------------------------------


def _peaks_per_column(path: Path, columns: int) -> npt.NDArray[np.float64]:
    """Independent reference: per-column peak |amplitude| of the mono 4 kHz signal."""
    resampler = av.AudioResampler(format="flt", layout="mono", rate=4000)
    chunks: list[npt.NDArray[np.generic]] = []
    with av.open(str(path)) as container:
        for frame in container.decode(audio=0):
            chunks.extend(out.to_ndarray().reshape(-1) for out in resampler.resample(frame))
        chunks.extend(out.to_ndarray().reshape(-1) for out in resampler.resample(None))
    signal = np.abs(np.concatenate(chunks))
    edges = np.linspace(0, signal.size, columns + 1).astype(int)
    return np.array([signal[a:b].max() for a, b in itertools.pairwise(edges)])


def test_waveform_is_drawn_taller_where_the_audio_is_louder(media: Path, tmp_path: Path) -> None:
    path = media / "audio" / "loop_tabla.mp3"
    pixels = _render(tmp_path, make_asset("audio", 1, "beat_sync", path=path))
    box = board_layout(1).tiles[0].media
    ink = np.all(np.abs(_region(pixels, box) - np.array(WAVE)) < 40, axis=2)
    heights = ink.sum(axis=0).astype(np.float64)
    assert heights.sum() > 0.1 * box.width * box.height  # not blank
    assert (heights > 0).mean() > 0.5
    peaks = _peaks_per_column(path, box.width)
    assert np.corrcoef(heights, peaks)[0, 1] > 0.85
    loud, quiet = peaks > np.quantile(peaks, 0.8), peaks < np.quantile(peaks, 0.2)
    assert heights[loud].mean() > 3 * heights[quiet].mean()


# --- budget bars ---------------------------------------------------------------------------


def test_budget_bars_fill_in_proportion_to_use(media: Path, tmp_path: Path) -> None:
    video = make_asset("video", 1, "camera_movement", path=media / "video" / "city_720p.mp4")
    audio = make_asset("audio", 1, "background_music", path=media / "audio" / "loop_tabla.mp3")
    image = make_asset("image", 1, "first_frame", path=media / "images" / "rocket.jpg")
    assert video.duration_s is not None and audio.duration_s is not None
    pixels = _render(tmp_path, image, video, audio)
    files, video_bar, audio_bar = board_layout(3).bars
    expected = [
        (files, 3 / 12, GREEN),
        (video_bar, video.duration_s / 15, GREEN),  # 7.6 s of 15 → ~51 %
        (audio_bar, audio.duration_s / 15, AMBER),  # 10.7 s of 15 → ~71 %
    ]
    for track, fraction, color in expected:
        run = _run_of(pixels, track, color)
        assert abs(run - fraction * track.width) <= 2, (run, fraction * track.width)
    assert abs(_run_of(pixels, video_bar, GREEN) / video_bar.width - 0.507) < 0.01


def test_budget_bars_read_their_caps_from_limits(media: Path, tmp_path: Path) -> None:
    clip = media / "video" / "city_720p.mp4"
    limits = dataclasses.replace(
        DEFAULT_LIMITS,
        max_files=3,
        video=dataclasses.replace(DEFAULT_LIMITS.video, max_total_duration_s=30.0),
    )
    # Two 7.6 s clips: 15.2 s of a 30 s cap (green, ~51 %); 2 of 3 files (amber, 67 %).
    pixels = _render(
        tmp_path,
        make_asset("video", 1, "camera_movement", path=clip),
        make_asset("video", 2, "rhythm", path=clip),
        limits=limits,
    )
    files, video_bar, audio_bar = board_layout(2).bars
    assert abs(_run_of(pixels, files, AMBER) - files.width * 2 / 3) <= 2
    assert abs(_run_of(pixels, video_bar, GREEN) - video_bar.width * 15.2 / 30) <= 2
    # Over the default 15 s cap the same clips fill the bar, red.
    pixels = _render(
        tmp_path,
        make_asset("video", 1, "camera_movement", path=clip),
        make_asset("video", 2, "rhythm", path=clip),
    )
    assert _run_of(pixels, board_layout(2).bars[1], RED) == video_bar.width
    assert _run_of(pixels, audio_bar, GREEN) == 0


# --- bad files -----------------------------------------------------------------------------


def test_unreadable_files_get_a_cant_preview_tile(media: Path, tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 40)
    truncated = tmp_path / "truncated.jpg"
    truncated.write_bytes((media / "images" / "rocket.jpg").read_bytes()[:3000])
    noise = tmp_path / "noise.mp3"
    noise.write_bytes(b"ID3" + b"\xff" * 4000)
    good = make_asset("image", 1, "first_frame", path=media / "images" / "rocket.jpg")
    bad = [
        dataclasses.replace(good, kind="video", ordinal=1, role="effects", key=str(garbage)),
        dataclasses.replace(good, ordinal=2, role="style", key=str(truncated)),
        dataclasses.replace(good, kind="audio", ordinal=1, role="beat_sync", key=str(noise)),
        dataclasses.replace(good, ordinal=3, role="scene", key=str(tmp_path / "gone.png")),
    ]
    pixels = _render(tmp_path, good, *bad)
    tiles = board_layout(5).tiles
    good_mean = _mean(pixels, tiles[0].media)
    assert good_mean[2] > good_mean[0]  # the rocket still shows, night blue
    for tile in tiles[1:]:
        region = _region(pixels, tile.media)
        # Mostly the dark red "can't preview" panel, with a red cross and white text on it.
        assert np.all(region == np.array(FAIL_BG), axis=2).mean() > 0.7
        assert np.all(region == np.array(RED), axis=2).sum() > 500
        assert (region.min(axis=2) > 200).sum() > 200


def test_every_shared_image_previews_at_every_tile_size(media: Path) -> None:
    """Cover-fit crops never fall outside the picture (hubble_deep_field.jpg at the 6-asset
    tile size once raised "box offset can't be negative" through float rounding)."""
    sizes = {(t.media.width, t.media.height) for n in (1, 4, 6, 9) for t in board_layout(n).tiles}
    for path in sorted((media / "images").glob("*.[jp][pn]g")):
        for size in sizes:
            assert board_decode.image_thumbnail(path, size).size == size, (path.name, size)


# --- face mark -----------------------------------------------------------------------------


def test_a_face_flagged_asset_is_marked_until_answered(media: Path, tmp_path: Path) -> None:
    """An open face question: an amber ring round the tile and an amber "FACE?" badge with
    dark text on the picture; the same asset kept, and an unflagged one, carry neither."""
    portrait = make_asset("image", 1, "character", path=media / "images" / "astronaut.png")
    rocket = make_asset("image", 2, "scene", path=media / "images" / "rocket.jpg")
    flagged = dataclasses.replace(portrait, face_flag="warned")
    pixels = _render(tmp_path, flagged, rocket)
    marked, plain = board_layout(2).tiles
    for tile, expected in ((marked, True), (plain, False)):
        badge = _region(pixels, face_badge(tile.media))
        amber = np.all(np.abs(badge - np.array(AMBER)) <= 8, axis=2).mean()
        dark = (badge.max(axis=2) < 60).mean()  # the badge's black "FACE?"
        ring = pixels[tile.box.y0 + 2, tile.box.x0 + 20 : tile.box.x1 - 20]
        ring_amber = np.all(np.abs(ring - np.array(AMBER)) <= 8, axis=1).mean()
        if expected:
            assert amber > 0.5 and 0.03 < dark < 0.4
            assert ring_amber > 0.95
        else:
            assert amber < 0.05 and ring_amber == 0.0
    kept = _render(tmp_path, dataclasses.replace(portrait, face_flag="kept"), rocket)
    badge = _region(kept, face_badge(marked.media))
    assert np.all(np.abs(badge - np.array(AMBER)) <= 8, axis=2).mean() < 0.05
