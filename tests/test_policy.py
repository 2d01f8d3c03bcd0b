"""Guild policy rules (pure) and caps enforced in the hold transaction (real SQLite)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.credits.pricing import price
from bot.errors import CallsheetError
from bot.guilds.config import Allowance, GuildConfig, Prices, next_refill, period_key
from bot.guilds.service import GuildConfigs
from bot.seedance.compiler import compile_request
from bot.seedance.limits import DEFAULT_LIMITS
from storage.db import Database
from storage.ledger import HoldLimits, LedgerRepository
from storage.moderation import GuildConfigRepository
from storage.sessions import SessionRepository
from tests.conftest import NOW, make_asset, make_session


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


def test_prices_by_model_resolution_and_video_references() -> None:
    prices = Prices()
    text = make_session(prompt="a frog", duration_s=10, resolution="720p")
    assert price(compile_request(text, "tags", DEFAULT_LIMITS), prices) == 20
    fast = make_session(prompt="a frog", duration_s=10, resolution="720p")
    fast = type(fast)(**{**fast.__dict__, "model": "fast"})
    assert price(compile_request(fast, "tags", DEFAULT_LIMITS), prices) == 10
    with_video = make_session(
        make_asset("video", 1, "camera_movement", duration_s=5), duration_s=5, resolution="480p"
    )
    assert price(compile_request(with_video, "tags", DEFAULT_LIMITS), prices) == 8  # 5×1×1.5
    missing = Prices(per_second={"standard": {"480p": 1.0}})
    with pytest.raises(CallsheetError, match=r"no price for Seedance 2\.0 at 720p"):
        price(compile_request(text, "tags", DEFAULT_LIMITS), missing)


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
