"""The job scheduler on real SQLite and the Ark fake: bounded concurrency, a fair queue
(one member cannot starve the others) and queue positions."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from pydantic import SecretStr

from bot.generation.job import Job
from bot.generation.jobs import JobRunner
from bot.hosting.signed import SignedUrlHost
from bot.providers.ark import ArkProvider
from bot.seedance.compiler import compile_request, request_to_json
from bot.seedance.limits import DEFAULT_LIMITS
from storage.db import Database
from storage.ledger import LedgerRepository
from storage.sessions import SessionRepository
from tests.conftest import NOW, make_session
from tests.fakes.ark import FakeArk

ALICE, BOB, CAROL = 1, 2, 3


@pytest.fixture
async def runner(db: Database, tmp_path: Path) -> AsyncIterator[JobRunner]:
    async with FakeArk(polls_before_done=10**9) as ark, aiohttp.ClientSession() as http:
        host = SignedUrlHost("http://127.0.0.1:9", b"k", tmp_path)
        provider = ArkProvider(
            SecretStr(ark.api_key), session=http, asset_host=host, base_url=ark.base_url
        )
        scheduler = JobRunner(
            LedgerRepository(db), {"ark": provider}, tmp_path / "results", lambda: NOW,
            max_running=2, max_running_per_guild=2,
        )  # fmt: skip
        yield scheduler
        await scheduler.close()


async def _queue(db: Database, user: int, guild: int = 1) -> int:
    ledger = LedgerRepository(db)
    await ledger.grant(guild, user, 1000, f"start-{guild}-{user}", "", NOW)
    session = await SessionRepository(db).create(
        guild_id=guild, channel_id=user * 100 + len(await ledger.active_jobs()), user_id=user,
        prompt="", duration_s=5, ratio="16:9", resolution="480p", generate_audio=True, now=NOW,
    )  # fmt: skip
    request = compile_request(make_session(prompt="a kite"), "natural", DEFAULT_LIMITS)
    outcome = await ledger.create_job_with_hold(
        session_id=session, guild_id=guild, channel_id=1, user_id=user, provider="ark",
        request_json=request_to_json(request), price=1, now=NOW,
    )  # fmt: skip
    assert outcome.job_id is not None
    return outcome.job_id


async def test_the_queue_is_fair_across_members(db: Database, runner: JobRunner) -> None:
    alice = [await _queue(db, ALICE) for _ in range(4)]
    bob = await _queue(db, BOB)
    carol = await _queue(db, CAROL)
    await runner.schedule_once()
    # Round robin across members: Alice's oldest and Bob's run (max_running = 2) although
    # Alice queued four first; Carol, who has nothing running, is next in line.
    assert set(runner._running) == {alice[0], bob}
    assert runner.queue_positions == {carol: 1, alice[1]: 2, alice[2]: 3, alice[3]: 4}


async def test_each_guild_is_bounded(db: Database, runner: JobRunner) -> None:
    runner.max_running = 4
    runner.max_running_per_guild = 1
    first = [await _queue(db, ALICE, guild=1) for _ in range(2)]
    second = [await _queue(db, BOB, guild=2) for _ in range(2)]
    await runner.schedule_once()
    assert set(runner._running) == {first[0], second[0]}
    assert runner.queue_positions == {first[1]: 1, second[1]: 2}


class Deliveries:
    """A listener that records deliveries; tests await them (no sleeps).

    The first time the scheduler reports a queue position, the report waits until a job
    has been delivered, so the runner's wake-up arrives while a scheduling pass is busy.
    """

    def __init__(self) -> None:
        self.posted: asyncio.Queue[int] = asyncio.Queue()
        self.first_delivery = asyncio.Event()
        self.held = False

    async def job_progress(self, job: Job, queue_position: int | None) -> None:
        if queue_position is not None and not self.held:
            self.held = True
            await self.first_delivery.wait()

    async def deliver(self, job: Job) -> int:
        await self.posted.put(job.id)
        self.first_delivery.set()
        return job.id

    async def find_delivery(self, job: Job) -> int | None:
        return None

    async def job_settled(self, job: Job) -> None:
        return None


async def test_a_backlog_drains_on_wake_ups_alone(db: Database, tmp_path: Path) -> None:
    """Regression: a wake-up during a scheduling pass was lost, stalling the queue until the
    periodic tick; with the tick an hour away the backlog must still drain."""
    async with FakeArk() as ark, aiohttp.ClientSession() as http:
        host = SignedUrlHost("http://127.0.0.1:9", b"k", tmp_path)
        provider = ArkProvider(
            SecretStr(ark.api_key), session=http, asset_host=host, base_url=ark.base_url
        )
        runner = JobRunner(
            LedgerRepository(db), {"ark": provider}, tmp_path / "results", lambda: NOW,
            max_running=1, max_running_per_guild=1, tick_s=3600,
        )  # fmt: skip
        listener = Deliveries()
        runner.add_listener(listener)
        jobs = [await _queue(db, ALICE) for _ in range(4)]
        runner.start()
        try:
            delivered = [await asyncio.wait_for(listener.posted.get(), 30) for _ in jobs]
        finally:
            await runner.close()
    assert delivered == jobs
