"""Guild policy rules (pure) and caps enforced in the hold transaction (real SQLite and a
real PostgreSQL)."""

from __future__ import annotations

import dataclasses
import math
from datetime import UTC, datetime, timedelta

import pytest

from bot.credits.pricing import price, quote_price
from bot.errors import CallsheetError
from bot.guilds.config import Allowance, GuildConfig, Prices, next_refill, period_key
from bot.guilds.service import GuildConfigs
from bot.providers.catalogue import (
    ARK_CATALOGUE,
    EVOLINK_CATALOGUE,
    FAL_CATALOGUE,
    REPLICATE_CATALOGUE,
    Catalogue,
)
from bot.seedance.compiler import GenerationRequest, compile_request
from bot.seedance.limits import DEFAULT_LIMITS
from bot.words import Words
from storage.db import Database
from storage.ledger import HoldLimits, LedgerRepository
from storage.moderation import GuildConfigRepository
from storage.sessions import SessionRepository
from tests.conftest import NOW, make_asset, make_session


@pytest.fixture
def db(both_db: Database) -> Database:
    """The storage tests here run on SQLite and on a real PostgreSQL (tests/conftest.py)."""
    return both_db


@pytest.mark.parametrize(
    ("period", "key", "following"),
    [
        ("daily", "2026-11-25", datetime(2026, 11, 26, tzinfo=UTC)),
        ("weekly", "2026-W48", datetime(2026, 11, 30, tzinfo=UTC)),
        ("monthly", "2026-11", datetime(2026, 12, 1, tzinfo=UTC)),
        ("none", None, None),
    ],
)
def test_refill_periods(period: str, key: str | None, following: datetime | None) -> None:
    assert period_key(period, NOW) == key  # type: ignore[arg-type]
    assert next_refill(period, NOW) == following  # type: ignore[arg-type]


def test_december_rolls_into_january() -> None:
    assert next_refill("monthly", datetime(2026, 12, 31, 23, tzinfo=UTC)) == datetime(
        2027, 1, 1, tzinfo=UTC
    )


def test_allowance_amount_member_override_beats_best_role() -> None:
    allowance = Allowance(refill_amount=10, refill_cap=50, role_amounts={1: 30, 2: 80})
    assert allowance.amount_for(7, []) == 10
    assert allowance.amount_for(7, [1, 2]) == 80
    assert allowance.cap_for(7, [1, 2]) == 80  # a role's amount lifts the cap
    override = allowance.model_copy(update={"member_amounts": {7: 5}})
    assert override.amount_for(7, [2]) == 5


def _request(model: str = "standard", resolution: str = "720p", video_s: float = 0.0,
             duration_s: int = 5) -> GenerationRequest:  # fmt: skip
    assets = [make_asset("video", 1, "camera_movement", duration_s=video_s)] if video_s else []
    session = make_session(*assets, prompt="a frog", duration_s=duration_s, resolution=resolution)
    session = dataclasses.replace(session, model=model)
    return compile_request(session, "tags", DEFAULT_LIMITS)


def test_a_price_follows_the_providers_published_bill() -> None:
    prices = Prices()  # 10 credits per US dollar
    fal = FAL_CATALOGUE.offer("standard")
    # fal: $0.014 per 1k tokens; 720p is 21,600 tokens a second: $0.3024/s, 5 s = $1.51.
    assert price(_request(), prices, fal) == 16
    double = prices.model_copy(update={"credits_per_usd": 20.0})
    assert price(_request(), double, fal) == 31  # one operator setting scales every price
    # A reference video bills its seconds too, at 0.6 the rate: (5 + 4) × 3.024 × 0.6.
    with_video = quote_price(_request(video_s=4.0), prices, fal)
    assert (with_video.credits, with_video.reference_video_s, with_video.video_factor) == (
        17, 4.0, 0.6,
    )  # fmt: skip
    parts = Words.english().text(with_video.phrase)
    assert (
        parts == "5 s of 720p + 4 s of reference video × 3.02 credits/s × 0.6 with video references"
    )
    # EvoLink bills max(input, output) + output seconds with video input, at 0.61 the rate.
    evolink = EVOLINK_CATALOGUE.offer("standard")
    assert quote_price(_request(video_s=8.0), prices, evolink).reference_video_s == 8.0
    assert quote_price(_request(video_s=2.0), prices, evolink).reference_video_s == 5.0
    assert price(_request(), prices, evolink) == math.ceil(5 * 0.1572 * 10)


@pytest.mark.parametrize(
    "catalogue", [ARK_CATALOGUE, EVOLINK_CATALOGUE, FAL_CATALOGUE, REPLICATE_CATALOGUE]
)
def test_default_prices_have_the_shape_of_the_published_ones(catalogue: Catalogue) -> None:
    standard, fast = catalogue.offer("standard"), catalogue.offer("fast")
    assert standard is not None and fast is not None
    for resolution in ("480p", "720p"):  # Fast ≈ 0.8 × standard
        ratio = fast.rate.usd_per_second[resolution] / standard.rate.usd_per_second[resolution]
        assert 0.75 <= ratio <= 0.85
    low = standard.rate.usd_per_second["480p"] / standard.rate.usd_per_second["720p"]
    assert 0.42 <= low <= 0.50  # 480p ≈ 0.46 × 720p
    assert standard.rate.video_input_factor < 1.0  # video input: more seconds, lower rate
    assert "1080p" not in fast.outputs.resolutions  # 1080p only on standard models
    assert "adaptive" in standard.outputs.ratios


def test_a_guild_may_set_its_own_prices() -> None:
    fal = FAL_CATALOGUE.offer("standard")
    own = Prices(per_second={"standard": {"720p": 2.0}}, video_input_factor=1.5)
    assert price(_request(), own, fal) == 10  # its own rate, not fal's
    assert price(_request(video_s=4.0), own, fal) == math.ceil((5 + 4) * 2.0 * 1.5)
    assert price(_request(resolution="480p"), own, fal) == math.ceil(5 * 0.136 * 10)  # fal's
    with pytest.raises(CallsheetError, match=r"no price for Seedance 2\.0 Fast at 720p"):
        price(_request(model="fast"), Prices(), None)  # neither the guild's nor a provider's


async def test_config_changes_are_validated_and_persisted(db: Database) -> None:
    guild_configs = GuildConfigs(GuildConfigRepository(db), GuildConfig(), lambda: NOW)
    assert (await guild_configs.get(1)).caps.cooldown_s is None
    await guild_configs.update(1, {"caps.cooldown_s": 30, "default_model": "fast"})
    stored = await guild_configs.get(1)
    assert (stored.caps.cooldown_s, stored.default_model) == (30, "fast")
    assert (await guild_configs.get(2)).default_model == "standard"  # other guilds untouched
    with pytest.raises(CallsheetError, match="max_duration_s"):
        await guild_configs.update(1, {"max_duration_s": 20})
    with pytest.raises(CallsheetError, match="longer than the maximum"):
        await guild_configs.update(1, {"max_duration_s": 5, "default_duration_s": 8})
    assert (await guild_configs.get(1)).max_duration_s == 15  # nothing saved


async def _job(
    db: Database, ledger: LedgerRepository, channel: int, limits: HoldLimits, now: datetime
) -> str | None:
    session = await SessionRepository(db).create(
        guild_id=1, channel_id=channel, user_id=2, prompt="", duration_s=5, ratio="16:9",
        resolution="480p", generate_audio=True, now=now,
    )  # fmt: skip
    outcome = await ledger.create_job_with_hold(
        session_id=session, guild_id=1, channel_id=channel, user_id=2, provider="preview",
        request_json="{}", price=1, now=now, duration_s=5, limits=limits,
    )  # fmt: skip
    return outcome.refused


async def test_caps_are_enforced_in_the_hold_transaction(db: Database) -> None:
    ledger = LedgerRepository(db)
    await ledger.grant(1, 2, 100, "start", "", NOW)
    day = NOW.replace(hour=0)
    per_day = HoldLimits(day_start=day, videos_per_day=2)
    assert [await _job(db, ledger, c, per_day, NOW) for c in (1, 2, 3)] == [
        None,
        None,
        "videos_per_day",
    ]
    seconds = HoldLimits(day_start=day, seconds_per_day=14)
    assert await _job(db, ledger, 4, seconds, NOW) == "seconds_per_day"  # 10 s used + 5 s
    concurrent = HoldLimits(day_start=day, concurrent_jobs=2)
    assert await _job(db, ledger, 5, concurrent, NOW) == "concurrent"
    cooldown = HoldLimits(day_start=day, cooldown_s=60)
    assert await _job(db, ledger, 6, cooldown, NOW + timedelta(seconds=30)) == "cooldown"
    assert await _job(db, ledger, 7, cooldown, NOW + timedelta(seconds=61)) is None
