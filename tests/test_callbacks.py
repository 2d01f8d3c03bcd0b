"""Provider callbacks end to end below Discord: the real JobRunner, SQLite ledger, provider
clients and callback receiver (on the bot's web server) against the loopback fakes, which
POST their callbacks as Ark, EvoLink and fal do. A job finishes on its callback with one
poll and none before it; a forged or badly signed callback is refused and changes
nothing; a repeated one is harmless; a rate limit holds every poll of the provider.
Cancels are honest about money: a job is refunded only when the provider confirms the
cancel (or never got it); one the provider can't stop runs on and is delivered and
captured, unless a moderator refunds it anyway."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest
from pydantic import SecretStr

from bot.generation.callbacks import CallbackReceiver, CallbackUrls
from bot.generation.job import Job, JobState
from bot.generation.jobs import JobRunner
from bot.generation.polling import PollSchedule, ProviderHolds
from bot.hosting.signed import AssetServer, SignedUrlHost
from bot.providers.ark import ArkProvider
from bot.providers.base import Provider
from bot.providers.evolink import EvolinkProvider
from bot.providers.fal import FalProvider
from bot.providers.preview import PreviewProvider
from bot.providers.replicate import ReplicateProvider
from bot.seedance.compiler import compile_request, request_to_json
from bot.seedance.limits import DEFAULT_LIMITS
from bot.words import say, verbatim
from storage.db import Database
from storage.ledger import LedgerRepository
from storage.sessions import SessionRepository
from tests.conftest import NOW, make_session
from tests.fakes.ark import FakeArk
from tests.fakes.evolink import FakeEvolink
from tests.fakes.fal import FakeFal
from tests.fakes.replicate import FakeReplicate

Fake = FakeArk | FakeEvolink | FakeFal | FakeReplicate
NEVER = PollSchedule(callback_first_s=3600, callback_max_s=3600)  # no fallback poll here
SECRET = b"test callback key"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Deliveries:
    """A listener that hands each delivered, then settled, job to the test."""

    def __init__(self) -> None:
        self.posted: asyncio.Queue[Job] = asyncio.Queue()
        self.settled: asyncio.Queue[Job] = asyncio.Queue()
        self.progress: asyncio.Queue[Job] = asyncio.Queue()

    async def job_progress(self, job: Job, queue_position: int | None) -> None:
        await self.progress.put(job)

    async def deliver(self, job: Job) -> int:
        await self.posted.put(job)
        return job.id

    async def job_settled(self, job: Job) -> None:
        await self.settled.put(job)


@dataclass
class Rig:
    name: str
    fake: Fake
    runner: JobRunner
    receiver: CallbackReceiver
    urls: CallbackUrls
    ledger: LedgerRepository
    db: Database
    http: aiohttp.ClientSession
    listener: Deliveries

    async def queue(self, user: int = 1) -> int:
        return await _queue(self.db, self.runner, self.name, user)

    async def submitted(self, count: int = 1) -> str:
        return await _submitted(self.fake, count)

    async def post(self, url: str, body: bytes, headers: dict[str, str] | None = None) -> int:
        async with self.http.post(url, data=body, headers=headers or {}) as response:
            return response.status


async def _queue(db: Database, runner: JobRunner, provider: str, user: int = 1) -> int:
    """Queue a text-to-video job for ``user`` (credits granted) and wake the runner."""
    ledger = LedgerRepository(db)
    await ledger.grant(1, user, 1000, f"start-{user}", "", NOW)
    session = await SessionRepository(db).create(
        guild_id=1, channel_id=user, user_id=user, prompt="", duration_s=5, ratio="16:9",
        resolution="480p", generate_audio=True, now=NOW,
    )  # fmt: skip
    request = compile_request(make_session(prompt="a kite in the wind"), "natural",
                              DEFAULT_LIMITS)  # fmt: skip
    outcome = await ledger.create_job_with_hold(
        session_id=session, guild_id=1, channel_id=user, user_id=user, provider=provider,
        request_json=request_to_json(request), price=1, now=NOW,
    )  # fmt: skip
    assert outcome.job_id is not None
    runner.wake()
    return outcome.job_id


def _task_ids(fake: Fake) -> list[str]:
    if isinstance(fake, FakeReplicate):
        return list(fake.predictions)
    return list(fake.queued if isinstance(fake, FakeFal) else fake.tasks)


async def _submitted(fake: Fake, count: int = 1) -> str:
    """The newest task id, once ``count`` tasks exist at the fake."""
    await fake.wait_until(lambda: len(_task_ids(fake)) >= count)
    return _task_ids(fake)[-1]


def _provider(fake: Fake, http: aiohttp.ClientSession, tmp_path: Path) -> Provider:
    host = SignedUrlHost("http://127.0.0.1:9", b"k", tmp_path)
    key = SecretStr(fake.api_key)
    if isinstance(fake, FakeArk):
        return ArkProvider(key, session=http, asset_host=host, base_url=fake.base_url)
    if isinstance(fake, FakeEvolink):
        return EvolinkProvider(
            key, session=http, asset_host=host, base_url=fake.base_url, allow_http_callbacks=True
        )
    if isinstance(fake, FakeReplicate):
        return ReplicateProvider(
            key, session=http, asset_host=host, base_url=fake.base_url,
            webhook_secret=SecretStr(fake.webhook_secret),
        )  # fmt: skip
    return FalProvider(
        key, session=http, asset_host=host, queue_base=fake.queue_base,
        webhook_jwks_url=fake.jwks_url,
    )  # fmt: skip


def _fake(name: str) -> Fake:
    if name == "ark":
        return FakeArk(polls_before_done=10**6, run_s=None)
    if name == "evolink":
        return FakeEvolink(polls_before_done=10**6, run_s=None, allow_http_callbacks=True)
    if name == "replicate":
        return FakeReplicate(polls_before_done=10**6, run_s=None)
    return FakeFal(queue_positions=[1] * 1000, run_s=None)


@pytest.fixture(params=["ark", "evolink", "fal", "replicate"])
async def rig(request: pytest.FixtureRequest, db: Database, tmp_path: Path) -> AsyncIterator[Rig]:
    name: str = request.param
    port = _free_port()
    urls = CallbackUrls(f"http://127.0.0.1:{port}", SECRET)
    async with _fake(name) as fake, aiohttp.ClientSession() as http:
        provider = _provider(fake, http, tmp_path)
        ledger = LedgerRepository(db)
        runner = JobRunner(
            ledger, {name: provider}, tmp_path / "results", lambda: NOW,
            callbacks=urls, schedule=NEVER,
        )  # fmt: skip
        assert provider.callbacks is not None
        receiver = CallbackReceiver(urls, {name: provider.callbacks}, runner)
        server = AssetServer(None, "127.0.0.1", port)
        server.add_routes(receiver.routes())
        await server.start()
        listener = Deliveries()
        runner.add_listener(listener)
        runner.start()
        try:
            yield Rig(name, fake, runner, receiver, urls, ledger, db, http, listener)
        finally:
            await runner.close()
            await server.close()


async def test_a_job_finishes_on_its_callback_with_one_poll_and_none_before(rig: Rig) -> None:
    job_id = await rig.queue()
    task_id = await rig.submitted()
    create = (rig.fake.submits() if isinstance(rig.fake, FakeFal) else rig.fake.creates())[-1]
    sent = create.body.get("callback_url") or create.path  # fal: ?fal_webhook= (path only)
    assert rig.fake.polls() == []  # waiting for the callback, not polling
    await rig.fake.finish(task_id)
    delivered = await asyncio.wait_for(rig.listener.posted.get(), 60)
    assert (delivered.id, delivered.state) == (job_id, JobState.SUCCEEDED)
    assert len(rig.fake.polls(task_id)) == 1  # the poll the callback asked for
    attempts = rig.fake.callbacks_for(task_id)
    assert attempts and all(a.status == 200 and a.attempt == 0 for a in attempts)
    assert all(a.url == rig.urls.url(rig.name, job_id) for a in attempts)
    if isinstance(rig.fake, FakeArk):  # Ark reports every status change; EvoLink and fal, the end
        assert sent == rig.urls.url("ark", job_id)
        assert [a.body["status"] for a in attempts] == ["queued", "running", "succeeded"]
        assert rig.receiver.stats.ignored == 2 and rig.receiver.stats.woke == 1
    else:
        assert len(attempts) == 1 and rig.receiver.stats.woke == 1
    assert rig.receiver.stats.refused == rig.receiver.stats.unsigned == 0


async def test_forged_callbacks_are_refused_and_change_nothing(rig: Rig) -> None:
    job_id = await rig.queue()
    task_id = await rig.submitted()
    if isinstance(rig.fake, FakeArk):  # Ark's own "queued" callback comes first
        await rig.fake.wait_until(lambda: bool(rig.fake.callbacks_for(task_id)))
    ignored = rig.receiver.stats.ignored
    url = rig.urls.url(rig.name, job_id)
    final = (
        f'{{"request_id": "{task_id}", "status": "OK", "payload": {{}}}}'
        if isinstance(rig.fake, FakeFal)
        else f'{{"id": "{task_id}", "status": "succeeded"}}'
    ).encode()
    forger = CallbackUrls(rig.urls.base_url, b"a guessed key")
    assert await rig.post(forger.url(rig.name, job_id), final) == 404
    assert await rig.post(url.rsplit("/", 1)[0] + "/" + "A" * 32, final) == 404
    assert await rig.post(rig.urls.url(rig.name, job_id + 1).replace(
        f"/{job_id + 1}/", f"/{job_id}/"), final) == 404  # another job's token  # fmt: skip
    assert await rig.post(rig.urls.url("nonesuch", job_id), final) == 404  # no such provider
    if isinstance(rig.fake, FakeFal):  # the right URL, but not signed by fal's key
        stranger = FakeFal(user_id=rig.fake.user_id)
        timestamp = str(int(asyncio.get_running_loop().time()))  # not even epoch seconds
        headers = {
            "X-Fal-Webhook-Request-Id": task_id,
            "X-Fal-Webhook-User-Id": rig.fake.user_id,
            "X-Fal-Webhook-Timestamp": timestamp,
            "X-Fal-Webhook-Signature": stranger.sign(task_id, timestamp, final),
        }
        assert await rig.post(url, final, headers) == 401
        assert await rig.post(url, final) == 401  # unsigned
        assert rig.receiver.stats.unsigned == 2
    elif isinstance(rig.fake, FakeReplicate):  # signed with another account's secret
        stamp = str(int(time.time()))
        headers = {
            "webhook-id": "msg_forged",
            "webhook-timestamp": stamp,
            "webhook-signature": FakeReplicate().sign("msg_forged", stamp, final),
        }
        assert await rig.post(url, final, headers) == 401
        assert await rig.post(url, final) == 401  # unsigned
        assert rig.receiver.stats.unsigned == 2
    else:  # the right URL saying "still running": acknowledged, not acted on
        running = final.replace(b"succeeded", b"running")
        assert await rig.post(url, running) == 200
        assert rig.receiver.stats.ignored == ignored + 1
    assert rig.receiver.stats.refused == 4 and rig.receiver.stats.woke == 0
    assert rig.fake.polls() == []
    job = await rig.ledger.job(job_id)
    assert job is not None and job.state in (JobState.QUEUED, JobState.SUBMITTED)  # not run
    await rig.fake.finish(task_id)  # the real one still works
    assert (await asyncio.wait_for(rig.listener.posted.get(), 60)).id == job_id
    assert len(rig.fake.polls(task_id)) == 1


async def test_a_repeated_or_late_callback_is_harmless(rig: Rig) -> None:
    job_id = await rig.queue()
    task_id = await rig.submitted()
    await rig.fake.finish(task_id)
    await asyncio.wait_for(rig.listener.settled.get(), 60)  # delivered and recorded so
    before = await rig.ledger.job(job_id)
    entries = await rig.db.fetchall("SELECT kind FROM ledger WHERE job_id = ?", (job_id,))
    last = rig.fake.callbacks_for(task_id)[-1]
    for _ in range(3):  # the provider retries, or a late duplicate arrives
        status = await rig.post(last.url, _json(last.body), dict(last.headers))
        assert status == 200
    assert rig.receiver.stats.ignored >= 3  # the job is finished: nothing to wake
    assert len(rig.fake.polls(task_id)) == 1
    assert await rig.ledger.job(job_id) == before
    assert await rig.db.fetchall("SELECT kind FROM ledger WHERE job_id = ?", (job_id,)) == entries
    assert sorted(r["kind"] for r in entries) == ["capture", "hold"]
    assert rig.listener.posted.qsize() == 1  # delivered once


@pytest.mark.parametrize("name", ["ark", "evolink", "fal", "replicate"])
async def test_a_callback_at_the_gateway_wakes_the_job_a_worker_runs_on_postgresql(
    name: str, postgres_url: str, tmp_path: Path
) -> None:
    """The provider calls the public URL, a gateway's web server (its runner runs no jobs);
    the job runs on a worker with a database connection of its own. The gateway checks the
    callback and relays it (NOTIFY naming the job); the worker polls once and delivers. A
    forged callback is refused there and relays nothing; a repeated one, after the job
    ended, relays nothing either."""
    port = _free_port()
    urls = CallbackUrls(f"http://127.0.0.1:{port}", SECRET)
    gateway_db = await Database.open_url(postgres_url)
    worker_db = await Database.open_url(postgres_url)
    async with _fake(name) as fake, aiohttp.ClientSession() as http:
        provider = _provider(fake, http, tmp_path)
        assert provider.callbacks is not None
        gateway = JobRunner(LedgerRepository(gateway_db), {name: provider}, tmp_path / "g",
                            lambda: NOW, callbacks=urls, worker_id="gateway")  # fmt: skip
        receiver = CallbackReceiver(urls, {name: provider.callbacks}, gateway, gateway.claims.poke)
        server = AssetServer(None, "127.0.0.1", port)
        server.add_routes(receiver.routes())
        worker = JobRunner(LedgerRepository(worker_db), {name: provider}, tmp_path / "w",
                           lambda: NOW, callbacks=urls, schedule=NEVER, worker_id="w1")  # fmt: skip
        listener = Deliveries()
        worker.add_listener(listener)
        await server.start()
        worker.start()
        try:
            job_id = await _queue(gateway_db, gateway, name)  # its NOTIFY wakes the worker
            task_id = await _submitted(fake)
            assert fake.polls() == []  # the worker waits for the callback
            url = urls.url(name, job_id)
            forged = url.rsplit("/", 1)[0] + "/" + "x" * 32
            async with http.post(forged, data=b'{"status": "succeeded"}') as response:
                assert response.status == 404
            await fake.finish(task_id)
            delivered = await asyncio.wait_for(listener.posted.get(), 60)
            assert (delivered.id, delivered.state) == (job_id, JobState.SUCCEEDED)
            await asyncio.wait_for(listener.settled.get(), 60)
            last = fake.callbacks_for(task_id)[-1]
            async with http.post(last.url, data=_json(last.body), headers=last.headers) as again:
                assert again.status == 200  # the job has ended: nothing to relay
        finally:
            await worker.close()
            await server.close()
            await gateway.close()
            await gateway_db.close()
            await worker_db.close()
    assert len(fake.polls(task_id)) == 1  # the poll the relayed callback asked for
    assert receiver.stats.relayed == 1 and receiver.stats.woke == 0
    assert receiver.stats.refused == 1
    assert all(a.status == 200 for a in fake.callbacks_for(task_id))


async def test_on_sqlite_a_callback_for_a_job_not_run_here_is_ignored_without_a_read(
    tmp_path: Path,
) -> None:
    """SQLite has no NOTIFY: the relay answers "not sent" without touching the database,
    and the callback is ignored (the worker's fallback poll finds the outcome)."""
    db = await Database.open_url(f"sqlite:///{tmp_path}/one.sqlite3")
    port = _free_port()
    urls = CallbackUrls(f"http://127.0.0.1:{port}", SECRET)
    try:
        async with FakeArk() as fake, aiohttp.ClientSession() as http:
            provider = _provider(fake, http, tmp_path)
            assert provider.callbacks is not None
            gateway = JobRunner(LedgerRepository(db), {"ark": provider}, tmp_path / "g",
                                lambda: NOW, callbacks=urls)  # fmt: skip
            job_id = await _queue(db, gateway, "ark")  # queued; this runner never started
            receiver = CallbackReceiver(urls, {"ark": provider.callbacks}, gateway,
                                        gateway.claims.poke)  # fmt: skip
            server = AssetServer(None, "127.0.0.1", port)
            server.add_routes(receiver.routes())
            await server.start()
            try:
                hops = db.round_trips
                body = _json({"id": "cgt-1", "status": "succeeded"})
                async with http.post(urls.url("ark", job_id), data=body) as response:
                    assert response.status == 200
                assert db.round_trips == hops
            finally:
                await server.close()
                await gateway.close()
    finally:
        await db.close()
    assert (receiver.stats.ignored, receiver.stats.relayed) == (1, 0)


def _json(body: object) -> bytes:
    import json

    return json.dumps(body).encode()


@dataclass
class ObservedHolds(ProviderHolds):
    """The real provider holds, telling the test each time the runner holds a provider or
    asks whether one is held (the runner has no event of its own to await)."""

    asked: asyncio.Condition = field(default_factory=asyncio.Condition)
    deferred: list[str] = field(default_factory=list)  # providers found held when asked

    def hold(self, provider: str, retry_after: float | None) -> float:
        pause = super().hold(provider, retry_after)
        asyncio.get_running_loop().create_task(self._notify())
        return pause

    def remaining(self, provider: str) -> float:
        left = super().remaining(provider)
        if left > 0:
            self.deferred.append(provider)
        asyncio.get_running_loop().create_task(self._notify())
        return left

    async def _notify(self) -> None:
        async with self.asked:
            self.asked.notify_all()

    async def until(self, predicate: Callable[[], bool]) -> None:
        async with asyncio.timeout(30), self.asked:
            await self.asked.wait_for(predicate)


async def test_a_rate_limited_poll_holds_every_poll_of_the_provider(
    db: Database, tmp_path: Path
) -> None:
    clock = [1000.0]
    holds = ObservedHolds(now=lambda: clock[0])
    async with FakeArk(polls_before_done=10**6) as ark, aiohttp.ClientSession() as http:
        provider = _provider(ark, http, tmp_path)
        runner = JobRunner(
            LedgerRepository(db), {"ark": provider}, tmp_path / "results", lambda: NOW,
            holds=holds,
        )  # fmt: skip  # no callbacks: both jobs poll on the 5 s schedule
        runner.start()
        try:
            first = await _queue(db, runner, "ark", user=1)
            first_task = await _submitted(ark)
            await ark.wait_until(lambda: len(ark.polls(first_task)) == 1)
            ark.rate_limit_times, ark.rate_limit_retry_after = 1, "120"
            runner.wake_job(first)
            await ark.wait_until(lambda: [r.status for r in ark.polls(first_task)] == [200, 429])
            await holds.until(lambda: ProviderHolds.remaining(holds, "ark") > 0)
            assert ProviderHolds.remaining(holds, "ark") == 120.0
            second = await _queue(db, runner, "ark", user=2)  # created, not polled
            second_task = await _submitted(ark, count=2)
            runner.wake_job(first)  # a callback during the hold polls nothing either
            await holds.until(lambda: len(holds.deferred) >= 2)
            assert runner.deferred_polls >= 2
            assert ark.polls(second_task) == [] and len(ark.polls(first_task)) == 2
            clock[0] += 121  # the hold ends
            runner.wake_job(first)
            runner.wake_job(second)
            await ark.wait_until(lambda: len(ark.polls(second_task)) == 1)
            await ark.wait_until(lambda: len(ark.polls(first_task)) == 3)
            assert [r.status for r in ark.polls()][-2:] == [200, 200]
        finally:
            await runner.close()


# -- cancels honest about money -------------------------------------------------------------


def _start_running(fake: Fake, task_id: str) -> None:
    """The task leaves the provider's queue and renders (no cancel stops it now)."""
    if isinstance(fake, FakeArk):
        fake.tasks[task_id].started = True
    elif isinstance(fake, FakeFal):
        request = fake.queued[task_id]
        request.queue_positions.clear()
        request.progress_polls = 10**6
        request.polls = max(request.polls, 1)  # out of the queue: IN_PROGRESS
    elif isinstance(fake, FakeReplicate):
        fake.predictions[task_id].polls = max(fake.predictions[task_id].polls, 2)  # processing
    # EvoLink has no cancel at all: queued or running, a task runs to its end


async def _at_provider(rig: Rig, job_id: int) -> str:
    """The job's task id, once the runner has recorded it (the job says "submitted")."""
    while True:
        job = await asyncio.wait_for(rig.listener.progress.get(), 60)
        if job.id == job_id and job.provider_task_id is not None:
            return job.provider_task_id


async def _kinds(rig: Rig, job_id: int) -> list[str]:
    rows = await rig.db.fetchall("SELECT kind FROM ledger WHERE job_id = ?", (job_id,))
    return sorted(r["kind"] for r in rows)


async def test_a_queued_task_is_cancelled_at_the_provider_and_refunded(rig: Rig) -> None:
    job_id = await rig.queue()
    task_id = await _at_provider(rig, job_id)
    outcome = await rig.runner.cancel(job_id, say("job-cancelled-by-member"))
    if isinstance(rig.fake, FakeEvolink):  # no cancel endpoint: it runs on, is delivered
        assert outcome == "finishing"
        await rig.fake.finish(task_id)
        assert (await asyncio.wait_for(rig.listener.posted.get(), 60)).id == job_id
        assert await _kinds(rig, job_id) == ["capture", "hold"]
        return
    assert outcome == "cancelled"
    assert await _kinds(rig, job_id) == ["hold", "release"]
    job = await rig.ledger.job(job_id)
    assert job is not None and job.state == JobState.CANCELLED
    if isinstance(rig.fake, FakeArk):
        assert rig.fake.tasks[task_id].status == "cancelled"
    elif isinstance(rig.fake, FakeReplicate):
        assert rig.fake.predictions[task_id].status == "canceled"
    else:
        assert rig.fake.queued[task_id].cancelled


async def test_a_running_task_the_provider_cant_stop_is_delivered_not_refunded(
    rig: Rig,
) -> None:
    job_id = await rig.queue()
    task_id = await _at_provider(rig, job_id)
    _start_running(rig.fake, task_id)
    assert await rig.runner.cancel(job_id, say("job-cancelled-by-member")) == "finishing"
    job = await rig.ledger.job(job_id)
    assert job is not None and job.active  # not refunded: the provider bills it
    assert await _kinds(rig, job_id) == ["hold"]
    assert not [r for r in rig.fake.requests if r.method == "DELETE"]  # Ark: never deleted
    await rig.fake.finish(task_id)
    delivered = await asyncio.wait_for(rig.listener.posted.get(), 60)
    assert (delivered.id, delivered.state) == (job_id, JobState.SUCCEEDED)
    assert await _kinds(rig, job_id) == ["capture", "hold"]


async def test_a_moderator_may_refund_a_job_the_provider_cant_stop(rig: Rig) -> None:
    job_id = await rig.queue()
    task_id = await _at_provider(rig, job_id)
    _start_running(rig.fake, task_id)
    reason = say("job-cancelled-by-moderator", reason=verbatim("spam"))
    assert await rig.runner.cancel(job_id, reason, refund_anyway=True) == "cancelled"
    assert await _kinds(rig, job_id) == ["hold", "release"]
    assert await rig.runner.cancel(job_id, reason, refund_anyway=True) == "finished"
    await rig.fake.finish(task_id)  # it ends at the provider; nothing changes here
    assert await _kinds(rig, job_id) == ["hold", "release"]
    assert rig.listener.posted.empty()


async def test_a_preview_job_is_always_refunded(db: Database, tmp_path: Path) -> None:
    preview = PreviewProvider(work_dir=tmp_path / "work")
    runner = JobRunner(LedgerRepository(db), {"preview": preview}, tmp_path / "r", lambda: NOW)
    job_id = await _queue(db, runner, "preview")
    await LedgerRepository(db).mark_submitted(job_id, f"preview-{job_id}", NOW)  # rendering
    assert not preview.profile.bills and not preview.profile.cancels
    assert await runner.cancel(job_id, say("job-cancelled-by-member")) == "cancelled"
    rows = await db.fetchall("SELECT kind FROM ledger WHERE job_id = ?", (job_id,))
    assert sorted(r["kind"] for r in rows) == ["hold", "release"]
