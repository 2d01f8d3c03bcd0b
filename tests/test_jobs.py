"""The job scheduler on real SQLite and the Ark fake: bounded concurrency, a fair queue
(one member cannot starve the others) and queue positions."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from pydantic import SecretStr

from bot.generation.job import Job, JobState
from bot.generation.jobs import JobRunner
from bot.hosting.signed import SignedUrlHost
from bot.providers._http import HttpOptions
from bot.providers.ark import ArkProvider
from bot.providers.base import Provider
from bot.providers.evolink import EvolinkProvider
from bot.seedance.compiler import compile_request, request_to_json
from bot.seedance.limits import DEFAULT_LIMITS
from bot.words import Phrase, Words, say
from storage.db import Database
from storage.ledger import LedgerRepository
from storage.sessions import SessionRepository
from tests.conftest import NOW, make_session
from tests.fakes.ark import FakeArk
from tests.fakes.evolink import FakeEvolink
from tests.gates import Gate

ALICE, BOB, CAROL = 1, 2, 3


@pytest.fixture
def db(both_db: Database) -> Database:
    """This module's tests run on SQLite and on a real PostgreSQL (tests/conftest.py)."""
    return both_db


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


async def _queue(db: Database, user: int, guild: int = 1, provider: str = "ark") -> int:
    ledger = LedgerRepository(db)
    await ledger.grant(guild, user, 1000, f"start-{guild}-{user}", "", NOW)
    session = await SessionRepository(db).create(
        guild_id=guild, channel_id=user * 100 + len(await ledger.active_jobs()), user_id=user,
        prompt="", duration_s=5, ratio="16:9", resolution="480p", generate_audio=True, now=NOW,
    )  # fmt: skip
    request = compile_request(make_session(prompt="a kite"), "natural", DEFAULT_LIMITS)
    outcome = await ledger.create_job_with_hold(
        session_id=session, guild_id=guild, channel_id=1, user_id=user, provider=provider,
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


# -- no double tasks: an unconfirmed create is reconciled, never repeated blindly ----------


class Ended:
    """A listener handing each finished (delivered) job to the test."""

    def __init__(self) -> None:
        self.jobs: asyncio.Queue[Job] = asyncio.Queue()

    async def job_progress(self, job: Job, queue_position: int | None) -> None:
        return None

    async def deliver(self, job: Job) -> int:
        await self.jobs.put(job)
        return job.id

    async def job_settled(self, job: Job) -> None:
        return None


def _now() -> datetime:
    return datetime.now(UTC)  # the fakes stamp tasks with the real time


async def _run_until_delivered(
    db: Database, provider: Provider, name: str, job_id: int, tmp_path: Path
) -> Job:
    runner = JobRunner(LedgerRepository(db), {name: provider}, tmp_path / "results", _now)
    ended = Ended()
    runner.add_listener(ended)
    runner.start()
    try:
        return await asyncio.wait_for(ended.jobs.get(), 30)
    finally:
        await runner.close()


async def _kinds(db: Database, job_id: int) -> list[str]:
    rows = await db.fetchall("SELECT kind FROM ledger WHERE job_id = ?", (job_id,))
    return sorted(r["kind"] for r in rows)


def _ark(ark: FakeArk, http: aiohttp.ClientSession, tmp_path: Path, **kw: Any) -> ArkProvider:
    host = SignedUrlHost("http://127.0.0.1:9", b"k", tmp_path)
    return ArkProvider(
        SecretStr(ark.api_key), session=http, asset_host=host, base_url=ark.base_url, **kw
    )


async def test_an_unconfirmed_create_adopts_its_task_and_cancels_orphans(
    db: Database, tmp_path: Path
) -> None:
    async with FakeArk() as ark, aiohttp.ClientSession() as http:
        provider = _ark(ark, http, tmp_path)
        job_id = await _queue(db, ALICE)
        job = await LedgerRepository(db).job(job_id)
        assert job is not None
        attempt = _now()
        await LedgerRepository(db).start_attempt(job_id, attempt)
        # The bot died twice after sending (and once before a retry): Ark made two tasks
        # for this job, plus one for another job with the same settings.
        ark.polls_before_done = 10**6  # the tasks wait in Ark's queue
        first = await provider.submit(job.request, job_id)
        orphan = await provider.submit(job.request, job_id)
        other = await provider.submit(job.request, job_id + 1)
        assert await provider.find_tasks(job.request, job_id, attempt) == [first, orphan]
        assert await provider.find_tasks(job.request, job_id + 1, attempt) == [other]
        creates = len(ark.creates())
        ark.polls_before_done = 0
        ark.tasks[first].polls_before_done = 0
        delivered = await _run_until_delivered(db, provider, "ark", job_id, tmp_path)
        assert (delivered.provider_task_id, delivered.state) == (first, JobState.SUCCEEDED)
        assert len(ark.creates()) == creates  # nothing created again
        assert ark.tasks[orphan].status == "cancelled"  # the orphan would have billed
        assert ark.tasks[other].status != "cancelled"  # another job's task is left alone
        assert await _kinds(db, job_id) == ["capture", "hold"]


async def test_a_create_that_made_no_task_is_created_once(db: Database, tmp_path: Path) -> None:
    async with FakeArk() as ark, aiohttp.ClientSession() as http:
        job_id = await _queue(db, ALICE)
        await LedgerRepository(db).start_attempt(job_id, _now())  # sent; it never arrived
        delivered = await _run_until_delivered(db, _ark(ark, http, tmp_path), "ark", job_id,
                                               tmp_path)  # fmt: skip
        assert delivered.state == JobState.SUCCEEDED
        assert len(ark.creates()) == 1 and len(ark.tasks) == 1
        listed = [r for r in ark.requests if r.method == "GET" and r.path.endswith("/tasks")]
        assert len(listed) == 1 and listed[0].status == 200  # looked before creating


async def test_a_connection_broken_after_the_create_is_reconciled(
    db: Database, tmp_path: Path
) -> None:
    async with FakeArk() as ark, aiohttp.ClientSession() as http:
        ark.create_reply_gate = gate = Gate()  # the task is made, its reply never comes
        provider = _ark(ark, http, tmp_path, options=HttpOptions(request_timeout_s=0.5))
        job_id = await _queue(db, ALICE)
        try:
            delivered = await _run_until_delivered(db, provider, "ark", job_id, tmp_path)
        finally:
            gate.open()
        (made,) = ark.tasks
        assert (delivered.provider_task_id, delivered.state) == (made, JobState.SUCCEEDED)
        assert len(ark.creates()) == 1


async def test_an_unconfirmed_create_at_a_provider_that_cant_list_is_refunded(
    db: Database, tmp_path: Path
) -> None:
    async with FakeEvolink() as evolink, aiohttp.ClientSession() as http:
        host = SignedUrlHost("http://127.0.0.1:9", b"k", tmp_path)
        provider = EvolinkProvider(
            SecretStr(evolink.api_key), session=http, asset_host=host, base_url=evolink.base_url
        )
        job_id = await _queue(db, ALICE, provider="evolink")
        await LedgerRepository(db).start_attempt(job_id, _now())
        failed = await _run_until_delivered(db, provider, "evolink", job_id, tmp_path)
        assert failed.state == JobState.FAILED and failed.error is not None
        assert "can't say whether the request arrived" in Words.english().text(
            Phrase.from_json(failed.error)
        )
        assert evolink.creates() == []  # never sent again: it could bill twice
        assert await _kinds(db, job_id) == ["hold", "release"]


async def test_a_cancel_during_an_unconfirmed_create_stops_the_task_it_made(
    db: Database, tmp_path: Path
) -> None:
    async with FakeArk(polls_before_done=10**6) as ark, aiohttp.ClientSession() as http:
        provider = _ark(ark, http, tmp_path)
        job_id = await _queue(db, ALICE)
        job = await LedgerRepository(db).job(job_id)
        assert job is not None
        await LedgerRepository(db).start_attempt(job_id, _now())
        made = await provider.submit(job.request, job_id)  # its reply was lost
        runner = JobRunner(LedgerRepository(db), {"ark": provider}, tmp_path / "r", _now)
        assert await runner.cancel(job_id, say("job-cancelled-by-member")) == "cancelled"
        assert ark.tasks[made].status == "cancelled"
        assert await _kinds(db, job_id) == ["hold", "release"]
