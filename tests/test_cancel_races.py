"""Cancels racing the job runner (issue 13, "No double tasks" and "Cancels honest about
money"), on real SQLite, the real :class:`JobRunner` and the Ark fake: a cancelled (or
otherwise finished) job is never created at the provider afterwards, a task made for one
is stopped there rather than delivered, and the member is refunded only what the provider
confirms it stopped or never started.

Each interleaving is pinned with the fake's gates (``create_gate``: the create is held
before Ark makes the task; ``create_reply_gate``: after; ``list_gate``: a reconcile's list
read is held) and direct calls of :meth:`JobRunner.schedule_once` for the scheduler's
passes, so nothing waits on time.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from pydantic import SecretStr

from bot.generation.job import DeliveryState, Job, JobState
from bot.generation.jobs import JobRunner
from bot.generation.reconcile import reconcile
from bot.hosting.signed import SignedUrlHost
from bot.providers.ark import ArkProvider
from bot.seedance.compiler import compile_request, request_to_json
from bot.seedance.limits import DEFAULT_LIMITS
from bot.words import Phrase, say, verbatim
from storage.db import Database
from storage.ledger import LedgerRepository
from storage.sessions import SessionRepository
from tests.conftest import make_session
from tests.fakes.ark import FakeArk
from tests.gates import Gate

ALICE = 1
BY_MEMBER = say("job-cancelled-by-member")
#: a moderator's reason at the length of the slash option's bound, with hostile text
BY_MODERATOR = say(
    "job-cancelled-by-moderator", reason=verbatim(("@everyone <script>" + "x" * 500)[:500])
)


@pytest.fixture
def db(both_db: Database) -> Database:
    """This module's tests run on SQLite and on a real PostgreSQL (tests/conftest.py)."""
    return both_db


def _now() -> datetime:
    return datetime.now(UTC)  # the fake stamps tasks with the real time


@dataclass
class Rig:
    """A runner (not started: the test makes its passes), the fake and the ledger."""

    runner: JobRunner
    ark: FakeArk
    ledger: LedgerRepository
    db: Database

    async def queue(self, deadline_at: datetime | None = None) -> int:
        """A queued Ark job of Alice's holding 7 credits."""
        ledger = self.ledger
        await ledger.grant(1, ALICE, 100, f"start-{len(await ledger.active_jobs())}", "", _now())
        session = await SessionRepository(self.db).create(
            guild_id=1, channel_id=100 + len(await ledger.active_jobs()), user_id=ALICE,
            prompt="", duration_s=5, ratio="16:9", resolution="480p", generate_audio=True,
            now=_now(),
        )  # fmt: skip
        request = compile_request(make_session(prompt="a kite"), "natural", DEFAULT_LIMITS)
        outcome = await ledger.create_job_with_hold(
            session_id=session, guild_id=1, channel_id=1, user_id=ALICE, provider="ark",
            request_json=request_to_json(request), price=7, now=_now(), deadline_at=deadline_at,
        )  # fmt: skip
        assert outcome.job_id is not None
        return outcome.job_id

    async def sent_before_restart(self, job_id: int, *, arrived: bool) -> str | None:
        """The bot recorded a create for the job and died before its reply: Ark made the
        task (``arrived``: its id is returned) or never got the create."""
        await self.ledger.start_attempt(job_id, _now())
        if not arrived:
            return None
        return await self.provider.submit((await self.job(job_id)).request, job_id)

    @property
    def provider(self) -> ArkProvider:
        provider = self.runner.providers["ark"]
        assert isinstance(provider, ArkProvider)
        return provider

    async def job(self, job_id: int) -> Job:
        job = await self.ledger.job(job_id)
        assert job is not None
        return job

    async def money(self, job_id: int) -> list[str]:
        """The job's ledger entries' kinds, in order."""
        rows = await self.db.fetchall(
            "SELECT kind FROM ledger WHERE job_id = ? ORDER BY id", (job_id,)
        )
        return [r["kind"] for r in rows]

    async def settle(self) -> None:
        """Wait for every drive, create and delivery the runner started to end."""
        runner = self.runner
        while pending := [
            *runner._running.values(),
            *runner._creates._flying.values(),
            *runner._delivering.values(),
        ]:
            await asyncio.wait_for(asyncio.gather(*pending, return_exceptions=True), 30)

    def statuses(self) -> list[str]:
        """The status of every task Ark made, oldest first (an abandoned create makes
        none)."""
        return [t.status for t in self.ark.tasks.values()]

    def lists(self) -> int:
        """Task-list reads Ark answered (reconciles)."""
        return sum(1 for r in self.ark.requests if r.method == "GET" and r.path.endswith("/tasks"))


@pytest.fixture
async def rig(db: Database, tmp_path: Path) -> AsyncIterator[Rig]:
    async with FakeArk(polls_before_done=10**6) as ark, aiohttp.ClientSession() as http:
        host = SignedUrlHost("http://127.0.0.1:9", b"k", tmp_path)
        provider = ArkProvider(
            SecretStr(ark.api_key), session=http, asset_host=host, base_url=ark.base_url
        )
        ledger = LedgerRepository(db)
        runner = JobRunner(ledger, {"ark": provider}, tmp_path / "results", _now)
        rig = Rig(runner, ark, ledger, db)
        try:
            yield rig
        finally:
            for gate in (ark.create_gate, ark.create_reply_gate, ark.list_gate):
                if gate is not None:
                    gate.open()
            await runner.close()


async def _refunded(rig: Rig, job_id: int) -> None:
    job = await rig.job(job_id)
    assert (job.state, job.delivery_state) == (JobState.CANCELLED, DeliveryState.DELIVERED)
    assert await rig.money(job_id) == ["hold", "release"]


# -- cancel while an unconfirmed create is reconciled (after a restart) -------------------


async def test_a_pass_during_a_moderators_cancel_never_creates_the_refunded_job(
    rig: Rig,
) -> None:
    """The race seen once end to end ("its unconfirmed create made no task; creating it"
    after `/admin jobs cancel`): while the cancel reconciled the job's unconfirmed create,
    a scheduling pass (a wake-up, the tick) found the job queued and not driven, drove it,
    found no task either and created it: an Ark task, billed, for a refunded job."""
    job_id = await rig.queue()
    await rig.sent_before_restart(job_id, arrived=False)
    rig.ark.list_gate = listed = Gate()
    cancel = asyncio.create_task(rig.runner.cancel(job_id, BY_MODERATOR))
    await listed.arrived.wait()  # the cancel is reconciling the create
    await rig.runner.schedule_once()  # a pass now leaves the job to the cancel
    assert job_id not in rig.runner._running
    listed.open()
    assert await cancel == "cancelled"
    await rig.runner.schedule_once()  # and so does every pass after it
    await rig.settle()
    assert rig.ark.creates() == [] and rig.statuses() == []
    await _refunded(rig, job_id)


async def test_a_cancel_during_a_restarted_jobs_reconcile_stops_the_task_it_finds(
    rig: Rig,
) -> None:
    """The job's drive is reconciling (restarted) when the member cancels: the drive is
    stopped, the cancel finds the task the lost create made and stops it at Ark."""
    job_id = await rig.queue()
    made = await rig.sent_before_restart(job_id, arrived=True)
    rig.ark.list_gate = listed = Gate()
    await rig.runner.schedule_once()  # resumed: its drive reconciles first
    await listed.arrived.wait()
    cancel = asyncio.create_task(rig.runner.cancel(job_id, BY_MEMBER))
    await rig.runner.schedule_once()
    listed.open()
    assert await cancel == "cancelled"
    await rig.runner.schedule_once()
    await rig.settle()
    assert len(rig.ark.creates()) == 1  # the lost one: nothing created after the restart
    assert list(rig.ark.tasks) == [made] and rig.statuses() == ["cancelled"]
    await _refunded(rig, job_id)


async def test_a_member_and_a_moderator_cancelling_at_once_take_turns(rig: Rig) -> None:
    job_id = await rig.queue()
    made = await rig.sent_before_restart(job_id, arrived=True)
    rig.ark.list_gate = listed = Gate()
    member = asyncio.create_task(rig.runner.cancel(job_id, BY_MEMBER))
    await listed.arrived.wait()
    moderator = asyncio.create_task(rig.runner.cancel(job_id, BY_MODERATOR, refund_anyway=True))
    await rig.runner.schedule_once()
    listed.open()
    assert (await member, await moderator) == ("cancelled", "finished")
    await rig.settle()
    assert rig.lists() == 1  # the moderator's turn found the job ended: no second look
    assert list(rig.ark.tasks) == [made] and rig.statuses() == ["cancelled"]
    assert len(rig.ark.creates()) == 1
    await _refunded(rig, job_id)
    error = (await rig.job(job_id)).error
    assert error is not None and Phrase.from_json(error) == BY_MEMBER


# -- cancel while a create is in flight ---------------------------------------------------


@pytest.mark.parametrize("held", ["before the task exists", "after the task exists"])
async def test_a_cancel_during_the_create_waits_for_it_and_stops_its_task(
    rig: Rig, held: str
) -> None:
    """The cancel does not break the create off (Ark could still make the task after a
    reconcile had looked): it waits for the reply, which names the task, and cancels it
    at Ark while it is queued; only then is the member refunded. No pass meanwhile
    creates the job again."""
    gate = Gate()
    if held == "before the task exists":
        rig.ark.create_gate = gate
    else:
        rig.ark.create_reply_gate = gate
    job_id = await rig.queue()
    await rig.runner.schedule_once()
    await gate.arrived.wait()
    cancel = asyncio.create_task(rig.runner.cancel(job_id, BY_MEMBER))
    await rig.runner.schedule_once()
    assert job_id not in rig.runner._running
    gate.open()
    assert await cancel == "cancelled"
    await rig.runner.schedule_once()
    await rig.settle()
    assert len(rig.ark.creates()) == 1 and rig.statuses() == ["cancelled"]
    await _refunded(rig, job_id)


async def test_a_cancel_of_a_created_task_ark_cant_stop_lets_it_finish_and_pays(
    rig: Rig,
) -> None:
    """Ark has started the task when its create's reply arrives: it can't be stopped and
    bills, so the job is not refunded ("finishing"); it runs on, is delivered once and
    captured, and is never created again."""
    rig.ark.create_reply_gate = gate = Gate()
    job_id = await rig.queue()
    await rig.runner.schedule_once()
    await gate.arrived.wait()
    cancel = asyncio.create_task(rig.runner.cancel(job_id, BY_MEMBER))
    (made,) = rig.ark.tasks
    rig.ark.tasks[made].started = True  # Ark runs it now
    gate.open()
    assert await cancel == "finishing"
    rig.ark.tasks[made].finished = True
    await rig.runner.schedule_once()  # resumed: it polls and is delivered
    await rig.settle()
    job = await rig.job(job_id)
    assert (job.state, job.provider_task_id) == (JobState.SUCCEEDED, made)
    assert len(rig.ark.creates()) == 1
    assert await rig.money(job_id) == ["hold", "capture"]


# -- a job finished by another writer (another bot process on the same database) ----------


async def test_a_job_ended_while_its_create_was_in_flight_has_its_task_stopped(
    rig: Rig,
) -> None:
    rig.ark.create_reply_gate = gate = Gate()
    job_id = await rig.queue()
    await rig.runner.schedule_once()
    await gate.arrived.wait()
    assert await rig.ledger.finish_job(job_id, "cancelled", _now(), error=BY_MEMBER.to_json())
    gate.open()
    await rig.settle()
    assert rig.statuses() == ["cancelled"]  # stopped, not polled, delivered or captured
    assert (await rig.job(job_id)).provider_task_id is None
    await _refunded(rig, job_id)


async def test_a_job_ended_during_its_reconcile_is_not_created(rig: Rig) -> None:
    job_id = await rig.queue()
    await rig.sent_before_restart(job_id, arrived=False)
    rig.ark.list_gate = listed = Gate()
    await rig.runner.schedule_once()
    await listed.arrived.wait()  # its drive found nothing yet
    assert await rig.ledger.finish_job(job_id, "cancelled", _now(), error=BY_MEMBER.to_json())
    listed.open()
    await rig.settle()
    assert rig.ark.creates() == [] and rig.statuses() == []
    await _refunded(rig, job_id)


async def test_a_reconcile_for_a_job_ended_meanwhile_stops_the_task_instead_of_adopting(
    rig: Rig,
) -> None:
    job_id = await rig.queue()
    made = await rig.sent_before_restart(job_id, arrived=True)
    stale = await rig.job(job_id)  # read before the job ended
    assert stale.submit_started_at is not None
    assert await rig.ledger.finish_job(job_id, "cancelled", _now(), error=BY_MEMBER.to_json())
    adopted = await reconcile(stale, rig.provider, rig.ledger, stale.submit_started_at, _now())
    assert adopted is None
    assert list(rig.ark.tasks) == [made] and rig.statuses() == ["cancelled"]
    assert (await rig.job(job_id)).provider_task_id is None
    await _refunded(rig, job_id)


# -- a deadline passing with an unconfirmed create ----------------------------------------


async def test_a_job_expiring_with_an_unconfirmed_create_stops_the_task_it_made(
    rig: Rig,
) -> None:
    """Resumed after its deadline with a create whose reply was lost: the task that create
    made is found and cancelled at Ark before the job expires with its refund."""
    job_id = await rig.queue(deadline_at=_now() - timedelta(seconds=1))
    made = await rig.sent_before_restart(job_id, arrived=True)
    await rig.runner.schedule_once()
    await rig.settle()
    job = await rig.job(job_id)
    assert job.state == JobState.EXPIRED
    assert list(rig.ark.tasks) == [made] and rig.statuses() == ["cancelled"]
    assert await rig.money(job_id) == ["hold", "release"]


async def test_a_finished_job_takes_no_attempt_and_no_task(rig: Rig) -> None:
    """The storage edge the runner relies on: once a job has ended, recording a create
    attempt or a task for it changes nothing and says so."""
    job_id = await rig.queue()
    assert await rig.ledger.start_attempt(job_id, _now())
    assert await rig.ledger.finish_job(job_id, "cancelled", _now(), error=BY_MEMBER.to_json())
    assert not await rig.ledger.start_attempt(job_id, _now())
    assert not await rig.ledger.mark_submitted(job_id, "cgt-x", _now())
    row = await rig.db.fetchone("SELECT * FROM jobs WHERE id = ?", (job_id,))
    assert row is not None
    assert (row["state"], row["provider_task_id"], row["attempts"]) == ("cancelled", None, 0)
