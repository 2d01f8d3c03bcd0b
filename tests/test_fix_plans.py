"""Fixes that always work: for real files in a range of session states (other assets
present, budgets nearly used, counts full), every offered fix is applied and its result
must pass the checks an upload meets; a "Remove @…" must leave a session that takes the
file as it is or through fixes planned then (applied too). Each result is also compared
with what the planner predicted of it.

Uses ``../shared/media`` and short clips cut from its footage (``tests/phone_media.py``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import pytest

from bot.errors import AssetRejected
from bot.media.fixes import FixOption, accepts, apply_fix, plan_fixes, predict
from bot.media.probe import probe
from bot.seedance.checks import check_upload
from bot.seedance.facts import MediaInfo
from bot.seedance.limits import DEFAULT_LIMITS
from bot.seedance.session import Asset
from bot.words import LOCALES, Words
from tests.conftest import MEDIA, make_asset
from tests.phone_media import short_clip

EN = Words.english().text

UPLOADS = [
    "video/city_20s_1080p.mp4",  # too long, too many pixels
    "video/city_720p.webm",  # another container
    "video/cityCC0.mpg",  # MPEG-2, too few pixels
    "video/city_720p.mp4",  # fine alone
    "clips/ntsc_480p.mkv",  # 29.97 fps in MKV: whole frames make a cut shorter
    "audio/loop_safari_24s.mp3",  # too long
    "audio/loop_garzul.flac",  # another format
    "audio/ambi_choir.ogg",  # too short and another format
    "audio/loop_amen_full.wav",  # fine alone
    "images/no_time_for_that_tiny.gif",  # tiny and animated
    "images/chessboard_GRAY.png",  # too small
    "images/rocket.jpg",  # fine alone
]


def _assets(*specs: tuple[str, float | None]) -> tuple[Asset, ...]:
    """Assets of these kinds and durations, numbered per kind as a session numbers them."""
    counts: dict[str, int] = {}
    made = []
    for kind, duration in specs:
        counts[kind] = counts.get(kind, 0) + 1
        made.append(make_asset(kind, counts[kind], "x", duration_s=duration))
    return tuple(made)


# (name, the session's other assets, the clip length it makes)
STATES: list[tuple[str, tuple[Asset, ...], int]] = [
    ("empty, 5 s clip", (), 5),
    ("video 4.4 s left", _assets(("video", 10.6)), 10),
    ("video 2.05 s left", _assets(("video", 12.95)), 5),
    ("video 1.5 s left", _assets(("video", 13.5)), 5),
    ("video budget used", _assets(("video", 7.6), ("video", 7.4)), 5),
    ("three videos", _assets(("video", 3.0), ("video", 3.0), ("video", 3.0)), 5),
    ("audio 3 s left", _assets(("image", None), ("audio", 12.0)), 5),
    ("audio 1 s left", _assets(("audio", 14.0)), 5),
    ("twelve files", _assets(*[("image", None)] * 9, *[("audio", 4.0)] * 2, ("video", 4.0)), 5),
]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The uploads by name: the real media, and a 6 s 29.97 fps MKV cut from its footage."""
    if not MEDIA.is_dir():
        pytest.skip(f"real test media not found at {MEDIA} (see shared/media/README.md)")
    folder = tmp_path_factory.mktemp("clips")
    ntsc = short_clip(
        MEDIA / "video/city_720p.mp4", folder / "ntsc_480p.mkv", 6.0, (854, 480),
        Fraction(30000, 1001),
    )  # fmt: skip
    return {name: ntsc if name.startswith("clips/") else MEDIA / name for name in UPLOADS}


class Results:
    """Applied fixes, each run once per file and option (several states offer the same)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.done: dict[str, MediaInfo] = {}

    def apply(self, src: Path, option: FixOption) -> MediaInfo:
        key = json.dumps([src.name, option.kind, option.params], sort_keys=True)
        if key not in self.done:
            out = self.folder / f"{len(self.done)}.{option.extension}"
            self.done[key] = probe(apply_fix(option, src, out, DEFAULT_LIMITS))
        return self.done[key]


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Results:
    return Results(tmp_path_factory.mktemp("fixed"))


def _assert_all_work(
    src: Path, info: MediaInfo, existing: Sequence[Asset], output_s: int, results: Results
) -> list[FixOption]:
    """Apply every fix planned for ``info`` beside ``existing``; each must be accepted."""
    options = plan_fixes(info, DEFAULT_LIMITS, existing, output_s)
    assert len({o.key for o in options}) == len(options)
    words = Words.english()
    assert all(0 < len(words.text(o.label, locale)) <= 80 for o in options for locale in LOCALES)
    for option in options:
        if option.kind == "remove_asset":
            rest = [a for a in existing if a.id != option.params["asset_id"]]
            assert len(rest) == len(existing) - 1
            if not accepts(info, rest):  # then the fixes planned without it must work
                after = _assert_all_work(src, info, rest, output_s, results)
                assert after and all(o.kind != "remove_asset" for o in after)
            continue
        got = results.apply(src, option)
        check_upload(got, existing, DEFAULT_LIMITS, src.name)  # raises with the reason
        expected = predict(info, option)
        assert (got.format, got.width, got.height) == (
            expected.format,
            expected.width,
            expected.height,
        )
        if expected.duration_s is not None:
            assert got.duration_s == pytest.approx(expected.duration_s, abs=0.011)
    return options


@pytest.mark.parametrize("state", STATES, ids=[s[0] for s in STATES])
@pytest.mark.parametrize("name", UPLOADS)
def test_every_offered_fix_is_accepted(
    files: dict[str, Path],
    results: Results,
    name: str,
    state: tuple[str, tuple[Asset, ...], int],
) -> None:
    _, existing, output_s = state
    src = files[name]
    info = probe(src)
    try:
        check_upload(info, existing, DEFAULT_LIMITS, src.name)
    except AssetRejected:
        pass
    else:
        return  # accepted as it is: nothing to fix
    _assert_all_work(src, info, existing, output_s, results)


# --------------------------------------------------------------------------- the cases


def test_a_too_short_ogg_gets_no_convert_and_says_why(media: Path) -> None:
    """1.6 s of OGG: converting it would be refused for its length, so nothing is offered
    and the refusal names the 2 s minimum and that converting can't cure it."""
    info = probe(media / "audio/ambi_choir.ogg")
    assert plan_fixes(info, DEFAULT_LIMITS, (), 5) == []
    with pytest.raises(AssetRejected) as refusal:
        check_upload(info, (), DEFAULT_LIMITS, "ambi_choir.ogg")
    text = str(refusal.value)
    assert "audio clips must be at least 2 s long; this one is 1.6 s" in text
    assert "Converting it can't make it longer" in text
    assert "Convert it to" not in text  # no advice that leads to another refusal


def test_a_webm_with_the_video_budget_used_offers_removals_not_a_trim_to_nothing(
    media: Path,
) -> None:
    info = probe(media / "video/city_720p.webm")
    full = _assets(("image", None), ("video", 7.6), ("video", 7.4))
    options = plan_fixes(info, DEFAULT_LIMITS, full, 5)
    assert [(o.kind, EN(o.label)) for o in options] == [
        ("remove_asset", "Remove @video1 (7.6 s) to make room"),
        ("remove_asset", "Remove @video2 (7.4 s) to make room"),
    ]  # not the image: removing it would not let the video in
    assert [o.params["asset_id"] for o in options] == [full[1].id, full[2].id]
    with pytest.raises(AssetRejected) as refusal:
        check_upload(info, full, DEFAULT_LIMITS, "city_720p.webm")
    assert "0.0 s" not in str(refusal.value)
    assert "The other videos use 15 s: remove one to make room for it." in str(refusal.value)
    # With 5 s left the cut keeps what fits: "Keep 2.5–7.5 s" and the like, converted.
    part = plan_fixes(info, DEFAULT_LIMITS, _assets(("video", 10.0)), 10)
    assert EN(part[0].label) == "Trim to the first 5 s, as MP4 (H.264)"
    assert EN(part[-1].label) == "Keep 2.5–7.5 s, as MP4 (H.264)"


def test_a_fourth_video_offers_to_remove_one(media: Path) -> None:
    three = _assets(("video", 3.0), ("video", 3.0), ("video", 3.0))
    options = plan_fixes(probe(media / "video/city_720p.mp4"), DEFAULT_LIMITS, three, 5)
    assert [o.key for o in options] == [f"remove_{a.id}" for a in three]


def test_an_upscale_beyond_twice_warns_that_it_will_look_soft(media: Path) -> None:
    (gif,) = plan_fixes(probe(media / "images/no_time_for_that_tiny.gif"))
    assert EN(gif.label) == "Use the first frame (PNG, enlarged to 300×536)"
    assert gif.note is not None and EN(gif.note) == (
        "Enlarging it 21× (from 14×25 px) will look soft; a larger original will look sharper."
    )
    # 200 → 300 px and 720×405 → 854×480 stay sharp enough: no warning.
    assert [o.note for o in plan_fixes(probe(media / "images/chessboard_GRAY.png"))] == [None]
    assert [o.note for o in plan_fixes(probe(media / "video/cityCC0.mpg"))] == [None]


def test_a_small_clip_scaled_up_more_than_twice_warns(tmp_path: Path, media: Path) -> None:
    small = short_clip(media / "video/city_720p.mp4", tmp_path / "small.mp4", 2.5, (320, 180))
    (fit,) = plan_fixes(probe(small))
    assert EN(fit.label) == "Scale up to 864×486"
    assert fit.note is not None and "Enlarging it 2.7× (from 320×180 px)" in EN(fit.note)
