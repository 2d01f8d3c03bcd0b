"""How much database work the hot paths cost, counted on the real wiring (build_services,
real SQLite and PostgreSQL): the work behind ``/video new``, balance reads that write only
when an allowance entry is due, and guild settings read once and refreshed by the
moderator's change."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.guilds.config import GuildConfig
from bot.guilds.service import GuildConfigs
from bot.services import Services, build_services
from bot.settings import Settings
from storage.db import Database
from storage.moderation import GuildConfigRepository
from tests.conftest import NOW

G, C = 10, 20


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(params=["sqlite", "postgresql"])
async def services(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[Services, Clock]]:
    """The services on each back end: SQLite under DATA_DIR, then DATABASE_URL naming a
    database on the test PostgreSQL server."""
    clock = Clock()
    chosen: dict[str, str] = {}
    if request.param == "postgresql":
        chosen["database_url"] = request.getfixturevalue("postgres_url")
    settings = Settings(
        discord_token="test-token",
        data_dir=tmp_path / "data",
        public_base_url="http://127.0.0.1:9",
        asset_server_host="127.0.0.1",
        asset_server_port=0,
        _env_file=None,
        **chosen,
    )
    async with await build_services(settings, clock=clock) as built:
        assert built.db.dialect == request.param  # DATABASE_URL picked the back end
        yield built, clock


async def _new_command(s: Services, user: int, channel: int = C) -> tuple[int, int]:
    """What ``/video new`` does before its card is posted (cogs/session/cog.py ``new``,
    ``post_card``, ``render_card``); returns (round trips, write transactions) it took."""
    trips, writes = s.db.round_trips, s.db.writes
    opened = await s.sessions.open_session(G, channel, user)
    session = await s.sessions.get(opened.id)  # render_card reads the session again
    await s.generation.quote(session)
    await s.generation.balance(G, user)
    await s.generation.card_job(session.id)
    await s.sessions.render_board(session)
    await s.sessions.set_card(session.id, 5000 + session.id)
    return s.db.round_trips - trips, s.db.writes - writes


async def test_a_new_session_and_its_card_take_a_handful_of_round_trips(
    services: tuple[Services, Clock],
) -> None:
    s, _ = services
    # The guild's settings are read once; a new member's starting grant is written once.
    # Measured: 7 hops (3 writes) for the first member of a guild; 6 (3) for each new
    # member after; 5 (2) for a member who already has their allowance. Before the
    # database worked in one hop per transaction, /video new took about 45.
    assert await _new_command(s, user=1) <= (7, 3)
    assert await _new_command(s, user=2) <= (6, 3)
    trips, writes = await _new_command(s, user=2, channel=C + 1)
    assert trips <= 5 and writes == 2  # open and set_card: the balance read wrote nothing


async def test_rendering_the_balance_writes_only_when_a_refill_is_due(
    services: tuple[Services, Clock],
) -> None:
    s, clock = services
    await s.moderation.guild_configs.update(
        G,
        {
            "allowance.starting_grant": 30,
            "allowance.refill_period": "daily",
            "allowance.refill_amount": 20,
            "allowance.refill_cap": 60,
        },
    )
    writes = s.db.writes
    first = await s.generation.balance(G, 1)
    assert (first.available, s.db.writes - writes) == (50, 1)  # grant + refill, one write
    for _ in range(5):  # every later render today is read-only and shows the same
        again = await s.generation.balance(G, 1)
        assert again.available == 50
    assert s.db.writes - writes == 1

    clock.now = NOW + timedelta(days=1)  # a new period: its refill is due once
    tomorrow = await s.generation.balance(G, 1)
    assert (tomorrow.available, s.db.writes - writes) == (60, 2)  # up to the cap
    assert (await s.generation.balance(G, 1)).available == 60
    assert s.db.writes - writes == 2
    kinds = [e.kind for e in await s.credits.ledger.entries(G, 1)]
    assert kinds == ["refill", "refill", "grant"]  # each refill once, by its period key


async def test_a_hold_applies_a_due_refill_in_its_own_transaction(
    services: tuple[Services, Clock],
) -> None:
    s, _ = services
    await s.moderation.guild_configs.update(
        G, {"allowance.starting_grant": 0, "allowance.refill_period": "daily",
            "allowance.refill_amount": 40, "allowance.refill_cap": 40},
    )  # fmt: skip
    session = await s.sessions.open_session(G, C, 1)
    await s.sessions.set_prompt(session.id, 1, "a paper boat drifts down a gutter")
    writes = s.db.writes
    started = await s.generation.generate(session.id, 1)  # nobody rendered the balance
    assert s.db.writes - writes == 1  # the refill and the hold: one transaction
    assert started.available == 40 - started.price
    balance = await s.generation.balance(G, 1)
    assert (balance.available, balance.held) == (40 - started.price, started.price)
    assert s.db.writes - writes == 1


async def test_guild_settings_are_read_once_and_a_moderator_change_shows_at_once(
    services: tuple[Services, Clock],
) -> None:
    s, _ = services
    configs = s.moderation.guild_configs
    first = await configs.get(G)
    trips = s.db.round_trips
    assert await configs.get(G) is first  # cached: no database, no validation
    assert s.db.round_trips == trips
    await configs.update(G, {"default_duration_s": 8})
    assert (await configs.get(G)).default_duration_s == 8  # the change, at once
    session = await s.sessions.open_session(G, C, 1)  # the services share the cache
    assert session.duration_s == 8


async def test_another_process_sees_a_change_once_its_copy_is_older_than_max_age(
    db: Database,
) -> None:
    ticks = [0.0]
    here = GuildConfigs(GuildConfigRepository(db), GuildConfig(), lambda: NOW)
    there = GuildConfigs(
        GuildConfigRepository(db), GuildConfig(), lambda: NOW, max_age_s=30.0,
        monotonic=lambda: ticks[0],
    )  # fmt: skip
    assert (await there.get(G)).default_duration_s == 5
    await here.update(G, {"default_duration_s": 9})
    ticks[0] = 29.0
    assert (await there.get(G)).default_duration_s == 5  # its copy is still fresh
    ticks[0] = 30.0
    assert (await there.get(G)).default_duration_s == 9


async def test_a_priced_generate_asks_in_a_few_hops_and_holds_in_one_write(
    services: tuple[Services, Clock],
) -> None:
    """Generate's price question (compile, price, balance, the stored offer) and its
    confirm (the offer claimed, the session compiled again, the ban read, the hold).
    Measured: 4 hops (1 write: the offer) to ask once the member's allowance is written;
    5 hops (2 writes: the claim, the hold) to confirm."""
    s, _ = services
    session = await s.sessions.open_session(G, C, 1)
    await s.sessions.set_prompt(session.id, 1, "a paper boat drifts down a gutter")
    await s.generation.balance(G, 1)  # the starting grant, as the card's render writes it
    trips, writes = s.db.round_trips, s.db.writes
    offered = await s.spending.offer_generate(session.id, 1)
    assert (s.db.round_trips - trips, s.db.writes - writes) <= (4, 1)
    trips, writes = s.db.round_trips, s.db.writes
    confirmed = await s.spending.confirm(offered.offer_id, 1)
    assert confirmed.started is not None and confirmed.started.price == offered.price
    assert (s.db.round_trips - trips, s.db.writes - writes) <= (5, 2)
