"""Job claims (storage/claims.py) on SQLite and a real PostgreSQL: leases, heartbeats,
takeover of expired leases, the fair order and limits held across runners, and two
runners on one database against the Ark fake — every job created once, delivered once,
captured once, also when one runner is abandoned mid-job and the other takes over after
its lease runs out (an injectable clock; no sleeps)."""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from pydantic import SecretStr

import storage.ledger
from bot.generation.job import Job, JobState
from bot.generation.jobs import JobRunner
from bot.hosting.signed import SignedUrlHost
from bot.providers.ark import ArkProvider
from bot.seedance.compiler import compile_request, request_to_json
from bot.seedance.limits import DEFAULT_LIMITS
from bot.settings import Settings
from storage.claims import Claimed, ClaimLimits, ClaimRepository
from storage.db import Connection, Database, Row
from storage.ledger import LedgerRepository
from storage.sessions import SessionRepository
from tests.conftest import NOW, make_session
from tests.fakes.ark import FakeArk
from tests.gates import Gate

SNOWFLAKE = 1234567890123456789
G1, G2 = SNOWFLAKE, SNOWFLAKE + 1
ALICE, BOB, CAROL = SNOWFLAKE + 10, SNOWFLAKE + 11, SNOWFLAKE + 12
LEASE = timedelta(seconds=60)
WIDE = ClaimLimits(max_running=100, max_running_per_guild=100)
_channels = itertools.count(1)


@pytest.fixture
def db(both_db: Database) -> Database:
    """These tests run on SQLite and on a real PostgreSQL (tests/conftest.py)."""
    return both_db


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated database on each back end, for two runners each opening it."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/shared.sqlite3"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
async def two(url: str) -> AsyncIterator[tuple[Database, Database]]:
    """Two Database objects on one database: their own connections and threads, as two
    processes would have."""
    first = await Database.open_url(url)
    second = await Database.open_url(url)
    yield first, second
    await first.close()
    await second.close()


async def _queue(db: Database, user: int, guild: int = G1, price: int = 1) -> int:
    ledger = LedgerRepository(db)
    await ledger.grant(guild, user, 1000, f"start-{guild}-{user}", "", NOW)
    session = await SessionRepository(db).create(
        guild_id=guild, channel_id=SNOWFLAKE + next(_channels), user_id=user, prompt="",
        duration_s=5, ratio="16:9", resolution="480p", generate_audio=True, now=NOW,
    )  # fmt: skip
    request = compile_request(make_session(prompt="a kite"), "natural", DEFAULT_LIMITS)
    outcome = await ledger.create_job_with_hold(
        session_id=session, guild_id=guild, channel_id=SNOWFLAKE, user_id=user,
        provider="ark", request_json=request_to_json(request), price=price, now=NOW,
    )  # fmt: skip
    assert outcome.job_id is not None
    return outcome.job_id


async def _owner(db: Database, job_id: int) -> str | None:
    row = await db.fetchone("SELECT claimed_by FROM jobs WHERE id = ?", (job_id,))
    assert row is not None
    return row["claimed_by"]


# -- storage: claims, limits, heartbeats, takeover ----------------------------------------


async def test_a_claim_takes_jobs_fairly_within_the_limits_of_every_runner(db: Database) -> None:
    alice = [await _queue(db, ALICE) for _ in range(3)]
    bob = await _queue(db, BOB)
    carol = await _queue(db, CAROL, guild=G2)
    claims = ClaimRepository(db)
    limits = ClaimLimits(max_running=3, max_running_per_guild=2)
    first = await claims.claim("a", NOW, NOW + LEASE, limits)
    # round robin across members, at most two of guild 1: Alice's oldest, Bob's, Carol's
    assert [j.id for j in first.jobs] == [alice[0], bob, carol]
    assert first.positions == {alice[1]: 1, alice[2]: 2}
    # the limits count runner a's live claims: runner b gets nothing, sees the same line
    second = await claims.claim("b", NOW, NOW + LEASE, limits)
    assert (second.jobs, second.positions) == ([], first.positions)
    for job_id in (alice[0], bob, carol):
        assert await _owner(db, job_id) == "a"


async def test_a_job_is_taken_over_only_after_its_lease_runs_out(db: Database) -> None:
    job_id = await _queue(db, ALICE)
    claims = ClaimRepository(db)
    assert [j.id for j in (await claims.claim("a", NOW, NOW + LEASE, WIDE)).jobs] == [job_id]
    later = NOW + LEASE - timedelta(seconds=1)
    assert (await claims.claim("b", later, later + LEASE, WIDE)).jobs == []
    assert await claims.heartbeat("a", {job_id}, later + LEASE) == {job_id}  # kept
    expired = later + LEASE  # no heartbeat since: runner a died or stalled
    taken = await claims.claim("b", expired, expired + LEASE, WIDE)
    assert [j.id for j in taken.jobs] == [job_id]
    assert await _owner(db, job_id) == "b"
    # runner a, stalled not dead, learns it at its next heartbeat and is fenced meanwhile
    assert await claims.heartbeat("a", {job_id}, expired + LEASE) == set()
    assert not await claims.start_attempt(job_id, "a", expired, expired + LEASE)
    assert not await claims.start_delivery(job_id, "a", expired)
    assert await claims.start_attempt(job_id, "b", expired, expired + LEASE)
    assert await claims.heartbeat("b", {job_id}, expired + LEASE) == {job_id}


async def test_a_runner_restarted_under_its_name_takes_its_jobs_back_at_once(
    db: Database,
) -> None:
    job_id = await _queue(db, ALICE)
    claims = ClaimRepository(db)
    await claims.claim("a", NOW, NOW + LEASE, WIDE)
    # held (driven now) → not taken again; after a restart nothing is held → taken back
    assert (await claims.claim("a", NOW, NOW + LEASE, WIDE, held={job_id})).jobs == []
    assert [j.id for j in (await claims.claim("a", NOW, NOW + LEASE, WIDE)).jobs] == [job_id]


async def test_finished_jobs_are_claimed_for_delivery_and_settled_ones_let_go(
    db: Database,
) -> None:
    ledger, claims = LedgerRepository(db), ClaimRepository(db)
    done, cancelled = await _queue(db, ALICE), await _queue(db, BOB)
    await claims.claim("a", NOW, NOW + LEASE, WIDE)
    await ledger.finish_job(done, "succeeded", NOW, result_path="/r.mp4")
    await ledger.finish_job(cancelled, "cancelled", NOW)  # by a moderator, elsewhere
    # still a's to deliver; the cancelled one is no longer anybody's work
    assert await claims.heartbeat("a", {done, cancelled}, NOW + LEASE) == {done}
    expired = NOW + 2 * LEASE
    taken = await claims.claim("b", expired, expired + LEASE, WIDE)
    assert [(j.id, j.state) for j in taken.jobs] == [(done, JobState.SUCCEEDED)]
    assert await claims.start_delivery(done, "b", expired)
    await ledger.finish_delivery(done, 42)
    assert await claims.heartbeat("b", {done}, expired + LEASE) == set()
    assert (await claims.claim("c", expired + 3 * LEASE, expired + 4 * LEASE, WIDE)).jobs == []


async def test_a_heartbeat_of_nothing_writes_nothing(db: Database) -> None:
    writes = db.writes
    assert await ClaimRepository(db).heartbeat("a", (), NOW + LEASE) == set()
    assert db.writes == writes


async def test_concurrent_claims_from_two_databases_never_share_a_job_or_pass_a_limit(
    two: tuple[Database, Database],
) -> None:
    first, second = two
    for user in (ALICE, BOB, CAROL):
        for _ in range(6):
            await _queue(first, user, guild=G1 if user != CAROL else G2)
    limits = ClaimLimits(max_running=7, max_running_per_guild=5)
    claimers = [(ClaimRepository(db), f"w{i}") for i, db in enumerate((first, second) * 6)]
    results = await asyncio.gather(
        *(repo.claim(name, NOW, NOW + LEASE, limits) for repo, name in claimers)
    )
    taken = [job.id for claimed in results for job in claimed.jobs]
    assert len(taken) == len(set(taken)) == 7  # each job once; exactly the global limit
    per_guild = {G1: 0, G2: 0}
    for claimed in results:
        for job in claimed.jobs:
            per_guild[job.guild_id] += 1
    assert per_guild[G1] <= 5 and per_guild[G2] <= 5


async def test_a_finish_racing_a_cancel_on_another_connection_settles_the_job_once(
    two: tuple[Database, Database], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Runner a finishes its job while another process cancels it, on two connections at
    once. On PostgreSQL both transactions are open and reach the job's row together (a
    barrier); the row lock makes the second read what the first committed. SQLite's write
    lock makes the second wait at its BEGIN."""
    first, second = two
    job_id = await _queue(first, ALICE, price=7)
    await ClaimRepository(first).claim("a", NOW, NOW + LEASE, WIDE)
    if first.dialect == "postgresql":
        both_open = threading.Barrier(2, timeout=30)
        read = storage.ledger.one

        def together(conn: Connection, sql: str, params: Any = ()) -> Row | None:
            if sql.startswith("SELECT * FROM jobs WHERE id = ?"):
                both_open.wait()  # each transaction has begun; now both read the row
            return read(conn, sql, params)

        monkeypatch.setattr(storage.ledger, "one", together)
    done, cancelled = await asyncio.gather(
        LedgerRepository(first).finish_job(job_id, "succeeded", NOW, result_path="/r.mp4",
                                           worker="a"),
        LedgerRepository(second).finish_job(job_id, "cancelled", NOW),
    )  # fmt: skip
    assert [done, cancelled].count(True) == 1  # one of them finished it
    job = await LedgerRepository(first).job(job_id)
    assert job is not None
    won = "succeeded" if done else "cancelled"
    assert job.state == won and job.result_key == ("/r.mp4" if done else None)
    assert await _kinds(first, job_id) == sorted(["capture" if done else "release", "hold"])
    available = await LedgerRepository(first).available(G1, ALICE)
    assert available == (1000 - 7 if done else 1000)  # charged once, or not at all


async def test_a_runner_that_lost_its_claim_cannot_finish_the_job(db: Database) -> None:
    job_id = await _queue(db, ALICE)
    ledger, claims = LedgerRepository(db), ClaimRepository(db)
    await claims.claim("a", NOW, NOW + LEASE, WIDE)
    expired = NOW + LEASE
    await claims.claim("b", expired, expired + LEASE, WIDE)  # a stalled; b took it over
    assert not await ledger.finish_job(job_id, "failed", expired, worker="a")
    assert await _kinds(db, job_id) == ["hold"]
    assert await ledger.finish_job(job_id, "succeeded", expired, worker="b")
    assert not await ledger.finish_job(job_id, "succeeded", expired, worker="b")  # once
    assert await _kinds(db, job_id) == ["capture", "hold"]


# -- two runners on one database against the Ark fake ------------------------------------


class Posts:
    """The Discord side of a runner: records each post, and hands it to the test."""

    def __init__(self, posted: asyncio.Queue[int]) -> None:
        self.posted = posted
        self.jobs: list[int] = []

    async def job_progress(self, job: Job, queue_position: int | None) -> None:
        return None

    async def deliver(self, job: Job) -> int:
        self.jobs.append(job.id)
        await self.posted.put(job.id)
        return job.id

    async def job_settled(self, job: Job) -> None:
        return None


def _runner(
    db: Database,
    ark: FakeArk,
    http: aiohttp.ClientSession,
    tmp_path: Path,
    name: str,
    clock: Callable[[], datetime],
    posted: asyncio.Queue[int],
    max_running: int = 3,
) -> tuple[JobRunner, Posts]:
    host = SignedUrlHost("http://127.0.0.1:9", b"k", tmp_path)
    provider = ArkProvider(
        SecretStr(ark.api_key), session=http, asset_host=host, base_url=ark.base_url
    )
    runner = JobRunner(
        LedgerRepository(db), {"ark": provider}, tmp_path / name, clock,
        max_running=max_running, max_running_per_guild=max_running, worker_id=name,
        lease_s=LEASE.total_seconds(),
    )  # fmt: skip
    posts = Posts(posted)
    runner.add_listener(posts)
    return runner, posts


async def _kinds(db: Database, job_id: int) -> list[str]:
    found = await db.fetchall("SELECT kind FROM ledger WHERE job_id = ?", (job_id,))
    return sorted(r["kind"] for r in found)


async def test_two_runners_create_deliver_and_capture_each_job_once(
    two: tuple[Database, Database], tmp_path: Path
) -> None:
    first, second = two
    jobs = [await _queue(first, user) for user in (ALICE, BOB, CAROL) for _ in range(3)]
    posted: asyncio.Queue[int] = asyncio.Queue()
    clock = lambda: datetime.now(UTC)  # noqa: E731 (the fake stamps tasks with real time)
    async with FakeArk() as ark, aiohttp.ClientSession() as http:
        a, a_posts = _runner(first, ark, http, tmp_path, "a", clock, posted)
        b, b_posts = _runner(second, ark, http, tmp_path, "b", clock, posted)
        try:
            delivered: list[int] = []
            for runner in itertools.cycle((a, b)):  # passes alternate between the runners
                await runner.schedule_once()
                live = await first.fetchone(
                    "SELECT COUNT(*) AS n FROM jobs WHERE state IN ('queued', 'submitted',"
                    " 'running') AND claimed_by IS NOT NULL"
                )
                assert live is not None and live["n"] <= 3  # the limit over both runners
                if len(delivered) == len(jobs):
                    break
                delivered.append(await asyncio.wait_for(posted.get(), 30))
            for running in (*a._delivering.values(), *b._delivering.values()):
                await asyncio.wait_for(running, 30)  # the last posts get recorded
        finally:
            await a.close()
            await b.close()
    assert sorted(delivered) == sorted(a_posts.jobs + b_posts.jobs) == jobs  # once each
    assert a_posts.jobs and b_posts.jobs  # both runners worked
    assert len(ark.creates()) == len(jobs)  # each created once
    for job_id in jobs:
        assert await _kinds(first, job_id) == ["capture", "hold"]  # captured once
        job = await LedgerRepository(first).job(job_id)
        assert job is not None and job.delivery_message_id == job_id


async def test_a_runner_abandoned_mid_job_is_taken_over_after_its_lease_and_runs_once(
    two: tuple[Database, Database], tmp_path: Path
) -> None:
    first, second = two
    job_id = await _queue(first, ALICE)
    now = [datetime.now(UTC)]
    posted: asyncio.Queue[int] = asyncio.Queue()
    async with FakeArk(polls_before_done=10**6) as ark, aiohttp.ClientSession() as http:
        a, a_posts = _runner(first, ark, http, tmp_path, "a", lambda: now[0], posted)
        b, b_posts = _runner(second, ark, http, tmp_path, "b", lambda: now[0], posted)
        try:
            ark.poll_gate = gate = Gate()
            await a.schedule_once()
            await asyncio.wait_for(gate.arrived.wait(), 30)  # a created it and polls
            await a.close()  # a dies: no cleanup, its claim stays in the row
            ark.poll_gate = None
            gate.open()
            await b.schedule_once()
            assert b._running == {} and await _owner(first, job_id) == "a"  # lease live
            (task_id,) = ark.tasks
            await ark.finish(task_id)  # the task ends while nobody watches it
            now[0] += LEASE  # a's lease runs out
            await b.schedule_once()
            assert await asyncio.wait_for(posted.get(), 30) == job_id
        finally:
            await b.close()
    assert (a_posts.jobs, b_posts.jobs) == ([], [job_id])  # delivered once, by b
    assert len(ark.creates()) == 1  # b resumed a's task: not created again
    assert await _kinds(first, job_id) == ["capture", "hold"]
    assert await _owner(first, job_id) == "b"


async def test_a_stalled_runner_stops_driving_a_job_taken_over(
    two: tuple[Database, Database], tmp_path: Path
) -> None:
    first, second = two
    job_id = await _queue(first, ALICE)
    now = [datetime.now(UTC)]
    posted: asyncio.Queue[int] = asyncio.Queue()
    async with FakeArk(polls_before_done=10**6) as ark, aiohttp.ClientSession() as http:
        a, _ = _runner(first, ark, http, tmp_path, "a", lambda: now[0], posted)
        b, _ = _runner(second, ark, http, tmp_path, "b", lambda: now[0], posted)
        try:
            ark.poll_gate = gate = Gate()
            await a.schedule_once()
            await asyncio.wait_for(gate.arrived.wait(), 30)
            assert set(a._running) == {job_id}
            now[0] += LEASE  # a missed its heartbeats
            await b.schedule_once()
            assert set(b._running) == {job_id}
            await a.heartbeat_once()  # a wakes up: the job is no longer its own
            assert a._running == {}
            gate.open()
        finally:
            await a.close()
            await b.close()
    assert len(ark.creates()) == 1


async def test_a_slow_runner_and_its_successor_finishing_at_once_deliver_and_capture_once(
    two: tuple[Database, Database], tmp_path: Path
) -> None:
    """Runner a is slow, not dead: its poll hangs past its lease, b takes the job over and
    polls too; the task ends and both polls come back "succeeded" together. Both download
    and finish: b (the claim's holder) finishes and posts; a changes nothing."""
    first, second = two
    job_id = await _queue(first, ALICE)
    now = [datetime.now(UTC)]
    posted: asyncio.Queue[int] = asyncio.Queue()
    async with FakeArk(polls_before_done=10**6) as ark, aiohttp.ClientSession() as http:
        a, a_posts = _runner(first, ark, http, tmp_path, "a", lambda: now[0], posted)
        b, b_posts = _runner(second, ark, http, tmp_path, "b", lambda: now[0], posted)
        try:
            ark.poll_gate = a_gate = Gate()
            await a.schedule_once()
            await asyncio.wait_for(a_gate.arrived.wait(), 30)  # a's poll hangs
            now[0] += LEASE  # past a's lease
            ark.poll_gate = b_gate = Gate()
            await b.schedule_once()
            await asyncio.wait_for(b_gate.arrived.wait(), 30)  # b resumed it and polls
            (task_id,) = ark.tasks
            await ark.finish(task_id)
            a_gate.open()
            b_gate.open()  # both polls answer "succeeded" now
            assert await asyncio.wait_for(posted.get(), 30) == job_id
            slow = a._running.get(job_id)
            if slow is not None:
                await asyncio.wait_for(slow, 30)  # a's drive ended too
            for delivering in (*a._delivering.values(), *b._delivering.values()):
                await asyncio.wait_for(delivering, 30)
        finally:
            await a.close()
            await b.close()
    assert (a_posts.jobs, b_posts.jobs) == ([], [job_id])  # one post, by b
    assert await _kinds(first, job_id) == ["capture", "hold"]  # one capture
    assert len(ark.creates()) == 1
    job = await LedgerRepository(first).job(job_id)
    assert job is not None and job.delivery_message_id == job_id


def test_each_process_claims_under_a_name_of_its_own(tmp_path: Path) -> None:
    def name(**kw: object) -> str:
        settings = Settings(discord_token="t", data_dir=tmp_path, _env_file=None, **kw)  # type: ignore[arg-type]
        return settings.job_worker_id

    assert name() == "main"  # one process: the same name after every restart
    assert name(shard_count=4, shard_id=3) == "shard-3"  # shards differ by default
    assert name(shard_count=4, shard_id=1, worker_id="worker-2") == "worker-2"
    with pytest.raises(ValueError):
        name(worker_id="")


async def test_a_job_queued_by_another_process_wakes_a_runner_on_postgresql(
    postgres_url: str, tmp_path: Path
) -> None:
    """PostgreSQL's NOTIFY at the hold's commit wakes a runner whose tick is an hour away."""
    gateway, worker = await Database.open_url(postgres_url), await Database.open_url(postgres_url)
    posted: asyncio.Queue[int] = asyncio.Queue()
    passes: asyncio.Queue[list[int]] = asyncio.Queue()
    try:
        async with FakeArk() as ark, aiohttp.ClientSession() as http:
            now = lambda: datetime.now(UTC)  # noqa: E731
            runner, posts = _runner(worker, ark, http, tmp_path, "w", now, posted)
            runner.tick_s = 3600.0
            claim = runner.claims.claim

            async def counted(*args: Any, **kwargs: Any) -> Claimed:
                claimed = await claim(*args, **kwargs)
                passes.put_nowait([j.id for j in claimed.jobs])
                return claimed

            runner.claims.claim = counted  # type: ignore[method-assign]
            runner.start()
            try:
                assert await asyncio.wait_for(passes.get(), 30) == []  # listening; idle
                job_id = await _queue(gateway, ALICE)  # another process queues a job
                assert await asyncio.wait_for(passes.get(), 30) == [job_id]
                assert await asyncio.wait_for(posted.get(), 30) == job_id
            finally:
                await runner.close()
    finally:
        await gateway.close()
        await worker.close()
    assert posts.jobs == [job_id] and len(ark.creates()) == 1
