"""Probing and limit checks on real media and hostile files."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from bot.errors import AssetRejected
from bot.media.intake import probe_upload
from bot.media.probe import UnreadableMedia, probe
from bot.seedance.checks import (
    check_file,
    check_in_session,
    check_room,
    check_upload,
    declared_kind,
)
from bot.seedance.limits import DEFAULT_LIMITS
from bot.text import MAX_LABEL, file_label
from bot.words import Words
from tests.conftest import make_asset

EN = Words.english().text


@pytest.mark.parametrize(
    ("relative", "kind", "fmt"),
    [
        ("images/rocket.jpg", "image", "jpeg"),
        ("images/chelsea.png", "image", "png"),
        ("video/city_720p.mp4", "video", "mp4"),
        ("video/city_with_music.mov", "video", "mov"),
        ("audio/loop_tabla.mp3", "audio", "mp3"),
        ("audio/loop_amen_full.wav", "audio", "wav"),
    ],
)
def test_happy_path_files_pass_every_limit(media: Path, relative: str, kind: str, fmt: str) -> None:
    info = probe(media / relative)
    assert (info.kind, info.format) == (kind, fmt)
    assert check_file(info, DEFAULT_LIMITS) == []


def test_probe_measures_real_files(media: Path) -> None:
    video = probe(media / "video/city_with_music.mov")
    assert (video.width, video.height, video.video_codec, video.has_audio) == (
        960,
        720,
        "h264",
        True,
    )
    assert video.duration_s == pytest.approx(7.6, abs=0.05)
    audio = probe(media / "audio/loop_tabla.mp3")
    assert audio.duration_s == pytest.approx(10.67, abs=0.05)


@pytest.mark.parametrize(
    ("relative", "rule", "measured"),
    [
        ("images/chessboard_GRAY.png", "at least 300 px", "200×200 px"),
        ("video/city_20s_1080p.mp4", "at most 15 s long", "20 s"),
        ("video/city_20s_1080p.mp4", "at most 720p (1280×720)", "1920×1080 px"),
        ("video/city_720p.webm", "must be MOV/MP4", "WEBM"),
        ("video/cityCC0.mpg", "at least 480p (854×480)", "720×405 px"),
        ("audio/ambi_choir.ogg", "must be MP3/WAV", "OGG"),
        ("audio/ambi_choir.flac", "at least 2 s long", "1.6 s"),
        ("audio/loop_safari_24s.mp3", "at most 15 s long", "24 s"),
        ("images/no_time_for_that_tiny.gif", "must be JPEG/PNG/WEBP", "GIF"),
    ],
)
def test_limit_breaks_name_the_limit_and_the_measurement(
    media: Path, relative: str, rule: str, measured: str
) -> None:
    violations = check_file(probe(media / relative), DEFAULT_LIMITS)
    matching = [v for v in violations if rule in EN(v.rule)]
    assert matching, [EN(v.rule) for v in violations]
    assert measured in EN(matching[0].measured)
    assert EN(matching[0].fix) and "seed" in matching[0].source
    # members read the limit in plain words; the seed stays with the rule for the code
    assert "seed" not in EN(matching[0].describe()).lower()


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("maker", "reason"),
    [
        (lambda d: _write(d / "empty.png", b""), "empty"),
        (lambda d: _write(d / "noise.mp4", bytes(range(256)) * 40), "no decoder"),
        (lambda d: _write(d / "text.png", b"hello, I am not an image\n" * 20), "decode"),
    ],
)
def test_broken_files_are_unreadable(tmp_path: Path, maker, reason: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UnreadableMedia, match=reason):
        probe(maker(tmp_path))


def test_a_png_that_is_a_zip_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "photo.png"
    with zipfile.ZipFile(fake, "w") as archive:
        archive.writestr("payload.txt", "not a picture")
    with pytest.raises(AssetRejected, match=r"photo\.png.*zip"):
        probe_upload(fake, "photo.png")


def test_truncated_mp4_is_refused(media: Path, tmp_path: Path) -> None:
    source = (media / "video/city_720p.mp4").read_bytes()
    broken = _write(tmp_path / "cut.mp4", source[: len(source) // 20])
    with pytest.raises(AssetRejected, match=r"cut\.mp4"):
        probe_upload(broken, "cut.mp4")


def test_undecodable_tiff_is_refused_with_advice(media: Path) -> None:
    with pytest.raises(AssetRejected, match="Upload a JPEG, PNG or WebP image"):
        probe_upload(media / "images/multipage_rgb.tif", "multipage_rgb.tif")


def test_decompression_bomb_is_refused_without_decoding(tmp_path: Path) -> None:
    from PIL import Image

    bomb = tmp_path / "bomb.png"
    Image.new("1", (20_000, 20_000)).save(bomb, optimize=True)
    assert bomb.stat().st_size < 2_000_000
    with pytest.raises(UnreadableMedia, match="too large"):
        probe(bomb)


def test_session_limits_count_and_total_duration(media: Path) -> None:
    info = probe(media / "video/city_720p.mp4")  # 7.6 s
    one = [make_asset("video", 1, "camera_movement", duration_s=7.6)]
    assert check_in_session(info, one, DEFAULT_LIMITS)  # 15.2 s > 15 s
    broken = check_in_session(info, one, DEFAULT_LIMITS)[0]
    assert "15 s" in EN(broken.rule) and "15.2 s in total" in EN(broken.measured)
    assert "7.4 s" in EN(broken.fix)
    three = [make_asset("video", i, "rhythm", duration_s=2) for i in (1, 2, 3)]
    assert any(
        "at most 3 videos" in EN(v.rule) for v in check_in_session(info, three, DEFAULT_LIMITS)
    )
    twelve = [make_asset("image", i, "style") for i in range(1, 10)] + [
        make_asset("audio", i, "sound_effects", duration_s=2) for i in (1, 2, 3)
    ]
    assert any("12 files" in EN(v.rule) for v in check_in_session(info, twelve, DEFAULT_LIMITS))


def test_check_upload_reports_every_broken_limit(media: Path, tmp_path: Path) -> None:
    copy = tmp_path / "long.mp4"
    shutil.copy(media / "video/city_20s_1080p.mp4", copy)
    with pytest.raises(AssetRejected) as caught:
        check_upload(probe(copy), [], DEFAULT_LIMITS, "long.mp4")
    text = str(caught.value)
    assert text.startswith("`long.mp4` was not added:")
    assert text.count("\n• ") == 2 and "at most 15 s long" in text and "at most 720p" in text
    assert "927,408" not in text  # the pixel bound reads as the resolution members know


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("rocket.jpg", "`rocket.jpg`"),
        ("**bold** @everyone `x`.png", "`**bold** @everyone x.png`"),
        ("evil\u202e\u0000name.mp4", "`evilname.mp4`"),
        ("", "`file`"),
    ],
)
def test_file_names_are_shown_literally(name: str, shown: str) -> None:
    assert file_label(name) == shown


def test_long_file_names_are_cut_keeping_the_extension() -> None:
    label = file_label("a" * 300 + ".mp4")
    assert len(label) <= MAX_LABEL + 2 and label.endswith("….mp4`")


def _english(verdicts: list[object]) -> list[str | None]:
    words = Words.english()
    return [None if v is None else words.text(v) for v in verdicts]  # type: ignore[arg-type]


def test_room_is_counted_before_anything_is_downloaded() -> None:
    """Forty images for an empty session: nine are read (seed 000: ≤ 9 images), the tenth
    too (its member is offered to make room, as for one upload), thirty are refused
    unread, each naming the limit and its number."""
    files = [(f"pic{i}.png", "image/png") for i in range(40)]
    verdicts = _english(check_room(files, [], DEFAULT_LIMITS))
    assert verdicts[:10] == [None] * 10
    assert all(v is not None for v in verdicts[10:])
    assert verdicts[10] == (
        "`pic10.png` was not added: a request takes at most 9 images; this one is image "
        "number 10. Remove an image or start a new session."
    )


def test_room_counts_every_kind_and_all_files_together() -> None:
    """Existing: 3 videos and 8 images (11 of 12 files). A video finds no room (but is the
    one still read), an image takes the last file, then nothing more: not an audio file,
    nor a file that declares no type (it counts in all)."""
    existing = [make_asset("video", i, "reference_video") for i in (1, 2, 3)] + [
        make_asset("image", i, "reference_image") for i in range(1, 9)
    ]
    files = [("a.mp4", "video/mp4"), ("b.png", "image/png"), ("c.mp3", "audio/mpeg"),
             ("d.bin", None), ("e.mov", "video/quicktime")]  # fmt: skip
    verdicts = _english(check_room(files, existing, DEFAULT_LIMITS))
    assert verdicts[:2] == [None, None]
    assert verdicts[2] is not None and "at most 12 files in all" in verdicts[2]
    assert verdicts[3] is not None and "file number 13" in verdicts[3]
    assert verdicts[4] is not None and "at most 3 videos" in verdicts[4]


def test_declared_kinds_are_only_the_three_modalities() -> None:
    assert [declared_kind(c) for c in ("image/png", "VIDEO/mp4", "audio/ogg; codecs=opus")] == [
        "image",
        "video",
        "audio",
    ]
    assert [declared_kind(c) for c in (None, "", "application/pdf", "imagery/x", "text/plain")] == [
        None
    ] * 5
