"""Lints: table-driven, one row per seed 000 / seed 001 mistake, plus clean sessions."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pytest

from bot.seedance.compiler import GenerationRequest, compile_request
from bot.seedance.limits import DEFAULT_LIMITS
from bot.seedance.lint import Lint, lint
from bot.seedance.roles import Dialect
from bot.seedance.session import Asset, Session
from bot.words import verbatim
from tests.conftest import make_asset, make_session


def img(n: int, role: str, filename: str | None = None) -> Asset:
    asset = make_asset("image", n, role)
    return dataclasses.replace(asset, filename=filename) if filename else asset


def vid(n: int, role: str) -> Asset:
    return make_asset("video", n, role, duration_s=4.0)


def aud(n: int, role: str) -> Asset:
    return make_asset("audio", n, role, duration_s=4.0)


@dataclass(frozen=True)
class Case:
    name: str
    session: Session
    code: str | None  # expected lint code; None: expect no lints at all
    severity: str = "warn"
    dialect: Dialect = "tags"
    compiles: bool = True


LONG = " ".join(["word"] * 130)
NEAR = " ".join(["word"] * 950)
OVER = " ".join(["word"] * 1010)

CASES = [
    Case("clean three-modal", make_session(
        img(1, "character"), vid(1, "camera_movement"), aud(1, "background_music"),
        prompt="@image1 rides through the city as the camera follows @video1."), None),
    Case("clean text", make_session(prompt="A frog on a leaf, macro lens."), None),
    Case("two characters are fine", make_session(
        img(1, "character"), img(2, "character"), prompt="they meet"), None),
    Case("two first frames", make_session(
        img(1, "first_frame"), img(2, "first_frame"), prompt="go"),
        "duplicate_role", compiles=False),
    Case("two camera movements", make_session(
        vid(1, "camera_movement"), vid(2, "camera_movement"), prompt="go"), "duplicate_role"),
    Case("two soundtracks", make_session(
        img(1, "scene"), aud(1, "background_music"), aud(2, "background_music"), prompt="go"),
        "duplicate_role"),
    Case("seven assets", make_session(
        *(img(i, "character") for i in range(1, 8)), prompt="a crowd"), "too_many_assets"),
    Case("full replication + camera", make_session(
        vid(1, "full_replication"), vid(2, "camera_movement"), prompt="go"),
        "conflicting_references"),
    Case("full replication + another video", make_session(
        vid(1, "full_replication"), vid(2, "effects"), prompt="go"), "conflicting_references"),
    Case("image-to-video mentions music", make_session(
        img(1, "first_frame"), prompt="@image1 comes alive, cutting to the music"),
        "image_to_video_mentions"),
    Case("image-to-video mentions video 1", make_session(
        img(1, "first_frame"), prompt="copy the camera of video 1"),
        "image_to_video_mentions", dialect="natural"),
    Case("audio without visual", make_session(aud(1, "background_music"), prompt="dance"),
         "audio_without_visual", "error", compiles=False),
    Case("long prompt over two images", make_session(
        img(1, "character"), img(2, "scene"), prompt=LONG), "redescribes_assets"),
    Case("prompt repeats the filename", make_session(
        img(1, "object", "red_sneaker.jpg"), prompt="the red sneaker spins on @image1"),
        "redescribes_assets", "info"),
    Case("prompt near the limit", make_session(prompt=NEAR), "prompt_near_limit"),
    Case("prompt over the limit", make_session(prompt=OVER), "prompt_too_long", "error",
         compiles=False),
    Case("dialogue with sound off", dataclasses.replace(
        make_session(prompt='She says: "You finally understood."'), generate_audio=False),
        "dialogue_without_audio"),
    Case("curly quotes", make_session(prompt="She says: \u201cYou finally understood.\u201d"),
         "curly_quotes"),
    Case("last frame without first", make_session(img(1, "last_frame"), prompt="end here"),
         "last_frame_without_first"),
    Case("tags for a natural provider", make_session(
        img(1, "character"), prompt="@image1 waves"), "tags_converted", "info",
        dialect="natural"),
]  # fmt: skip


def compiled(case: Case) -> GenerationRequest | None:
    if not case.compiles:
        return None
    return compile_request(case.session, case.dialect, DEFAULT_LIMITS)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_lint_table(case: Case) -> None:
    found = lint(case.session, compiled(case))
    if case.code is None:
        assert found == []
        return
    matching = [item for item in found if item.code == case.code]
    assert matching, [item.code for item in found]
    item = matching[0]
    assert item.severity == case.severity
    assert item.message and item.fix
    assert item.describe().startswith(f"[{case.severity}]")


@pytest.mark.parametrize("case", [c for c in CASES if c.code is not None], ids=lambda c: c.name)
def test_lint_works_without_a_request(case: Case) -> None:
    """The card can lint a session before it compiles (request None)."""
    codes = [item.code for item in lint(case.session, None)]
    if case.code == "tags_converted":  # needs the request's dialect
        assert case.code not in codes
    else:
        assert case.code in codes


def test_tags_in_tags_dialect_are_not_flagged() -> None:
    session = make_session(img(1, "character"), prompt="@image1 waves")
    request = compile_request(session, "tags", DEFAULT_LIMITS)
    assert lint(session, request) == []


def test_dialogue_with_sound_on_is_fine() -> None:
    session = make_session(prompt='She says: "You finally understood."')
    assert lint(session, compile_request(session, "tags", DEFAULT_LIMITS)) == []


def test_errors_come_first() -> None:
    session = dataclasses.replace(
        make_session(aud(1, "beat_sync"), aud(2, "beat_sync"), prompt='"hi"'),
        generate_audio=False,
    )
    found = lint(session, None)
    severities = [item.severity for item in found]
    assert severities[0] == "error"
    assert severities == sorted(severities, key={"error": 0, "warn": 1, "info": 2}.__getitem__)
    assert {"audio_without_visual", "duplicate_role", "dialogue_without_audio"} <= {
        item.code for item in found
    }


def test_lint_is_a_plain_value() -> None:
    item = Lint("x", verbatim("message."), verbatim("fix."), "info")
    assert item.describe() == "[info] message. Fix: fix."
