"""A job's outcome is posted once (docs/ARCHITECTURE.md "Jobs survive restarts"): the
delivery's compare-and-set in the database, and — with the real bot in the emulator — a
post made just before the bot stopped, found after Discord's nonce window has passed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cogs.client import CallsheetBot
from cogs.session import delivery
from storage.db import Database
from storage.ledger import LedgerRepository
from tests.emulator.models import READ_MESSAGE_HISTORY
from tests.gates import Gate
from tests.helpers import World, running_bot
from tests.test_jobs import ALICE, _queue

JSON = dict[str, Any]
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture
def db(both_db: Database) -> Database:
    """This module's tests run on SQLite and on a real PostgreSQL (tests/conftest.py)."""
    return both_db


async def test_a_delivery_is_recorded_once(db: Database) -> None:
    ledger = LedgerRepository(db)
    job_id = await _queue(db, ALICE)
    assert await ledger.start_delivery(job_id, NOW)
    assert await ledger.start_delivery(job_id, NOW + timedelta(minutes=5))  # a retry
    job = await ledger.job(job_id)
    assert job is not None and job.delivery_started_at == NOW  # the first attempt is kept
    assert await ledger.finish_delivery(job_id, 111)
    assert not await ledger.finish_delivery(job_id, 222)  # a second post is never recorded
    assert not await ledger.start_delivery(job_id, NOW)  # nor started again
    job = await ledger.job(job_id)
    assert job is not None and job.delivery_message_id == 111


def test_the_nonce_fits_discords_limit_and_tells_databases_apart() -> None:
    class Row:
        def __init__(self, job_id: int, created_at: datetime) -> None:
            self.id, self.created_at = job_id, created_at

    longest = delivery.nonce(Row(2**63 - 1, NOW))  # type: ignore[arg-type]
    assert len(longest) <= 25  # Discord: a string nonce is at most 25 characters
    assert delivery.nonce(Row(7, NOW)) != delivery.nonce(Row(7, NOW + timedelta(days=1)))  # type: ignore[arg-type]


async def _stopped_while_posting(world: World) -> None:
    """Generate with the preview; stop the bot after Discord made the result's message but
    before the bot heard back (and recorded it)."""
    emu = world.emu
    emu.upload_gate = gate = Gate()
    emu.upload_gate_after_create = True
    ix = await emu.slash_command(
        world.alice, "video", subcommand="new", options={"prompt": "a kite", "duration": 4}
    )
    card = await world.card(ix)
    await world.generate(card)
    await gate.arrived.wait()
    await world.bot.close()
    gate.open()
    emu.upload_gate = None


def _posts(world: World) -> list[JSON]:
    return [m for m in world.emu.messages if "your video is ready" in m.get("content", "")]


@pytest.mark.e2e
@pytest.mark.parametrize("history", [True, False], ids=["readable", "unreadable"])
async def test_a_post_made_before_a_crash_is_found_after_the_nonce_window(
    tmp_path: Path, media: Path, history: bool
) -> None:
    async with running_bot(tmp_path, media) as world:
        await _stopped_while_posting(world)
        (made,) = _posts(world)
        # Ten minutes later: Discord no longer dedupes the nonce, and the bot knows it.
        world.clock.now += timedelta(minutes=10)
        world.emu.clock_offset_s += 600
        if not history:
            world.emu.withhold_from_bot(READ_MESSAGE_HISTORY)
        restarted = CallsheetBot(world.bot.settings, clock=world.clock)
        task = asyncio.create_task(restarted.start("emulated-token"))
        try:
            await world.emu.wait_identified(2)
            if history:  # found from the first attempt's time on, not posted again
                await world.emu.wait_for_message(lambda m: "delivered below" in str(m["embeds"]))
                assert _posts(world) == [made] and world.emu.nonce_replays == []
                job = await restarted.services.generation.job(1)
                assert job.delivery_message_id == int(made["id"])
            else:  # nothing can tell: posted again (rather than never), and said in the log
                await world.emu.wait_for_message(
                    lambda m: "your video is ready" in m["content"] and m["id"] != made["id"]
                )
                assert len(_posts(world)) == 2
        finally:
            await restarted.close()
            await asyncio.wait_for(task, 30)
